"""The Årsrapport page: write the report's own text, make either edition, download, publish.

``report_jobs.start`` runs ``ssp-eval report`` as a child process (the page stays responsive,
one run per year and edition at a time), the page shows its progress, then links to the
files, which the server's download handler serves from the reports folder
(``settings.reports_path``). The Kredsråd edition's list of hidden cells is a separate
download, labelled as the team's only. Every report in the folder is listed with whether
today's data differ from the data it was made from.

Below the button: "Udgiv til Kredsrådet", the reports made, and at the bottom the report's
inputs the team writes (``report_inputs``: the planned changes to the plan and the learnings'
tags, the report developer's sections; a line above the button links to them: the tagging list
has a line per learning of the year and would push the button out of sight). In a browser the
tagging list, most of the page's widgets, is drawn once the rest of the page is. Publishing
(``report.publish.publish``) is a deliberate second step with a confirmation, refused in
Danish when the data changed since the draft was made.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from evaluation.analysis.filters import Filters
from evaluation.report import jobs as report_jobs
from evaluation.report import publish
from evaluation.analysis import queries
from evaluation.settings import reports_path
from evaluation.views import navigation
from evaluation.views.common import (STYLE, Status, esc, first_read, fmt_datetime, guarded, page_database, reader,
                                     show_page)
from evaluation.views.report_inputs import LearningTagsSection, PlannedChangesSection
from evaluation.views.worker import BrowserReady

PAGE = "aarsrapport"
TITLE = "Årsrapport"
INTRO = ("Lav årets evalueringsrapport som PDF og HTML. Teamets udgave er den fulde rapport. Kredsrådets "
         "udgave viser kun samlede tal: antal fra 1 til 4 vises som »<5«, så intet barn kan genkendes. "
         "Det tager typisk et halvt til et helt minut.")
# The team's own texts (planned changes, learnings' tags) go into the report, so they are written
# first; but the tagging list is long (one line per learning of the year), so it sits below the
# button, and this line points to it.
BEFORE_MAKING = ('<p class="ssp-lead">Rapporten tager teamets <a href="#planlagte-aendringer">planlagte ændringer '
                 'af planen</a> og de <a href="#erfaringer-maerkning">mærkede erfaringer</a> med: skriv dem '
                 'nederst på siden, før I laver rapporten.</p>')
TAGS_LOADING = "Henter erfaringerne …"
TEAM_ONLY = ("Listen over skjulte tal viser, hvilke tal Kredsrådets udgave skjuler. Den er kun til teamet: "
             "send den aldrig med rapporten.")


class AarsrapportView:
    """The whole page; ``widget`` is what the notebook displays."""

    def __init__(self, db_path: Path | str | None = None, *, today: date | None = None,
                 in_browser: bool = False, reports_dir: Path | str | None = None) -> None:
        self.db_path = Path(db_path) if db_path else page_database()
        self.reports_dir = Path(reports_dir) if reports_dir else reports_path(db_path=self.db_path)
        self.today = today
        self.ready = False
        self.status = Status()
        self.run: report_jobs.ReportRun | None = None
        self.watcher: threading.Thread | None = None
        years, message = first_read(self.db_path, TITLE, self.status,
                                    lambda con: list(queries.filter_options(con).years))
        if message is not None:
            self.widget = message
            return
        self.year = widgets.Dropdown(options=years, value=years[0], description="År",
                                     layout=widgets.Layout(width="200px"))
        self.year.add_class("ssp-report-year")
        self.edition = widgets.ToggleButtons(options=[(label, key) for key, label in report_jobs.EDITIONS.items()],
                                             value="team", style={"button_width": "170px"})
        self.edition.add_class("ssp-report-edition")
        self.button = widgets.Button(description="Lav rapport", button_style="primary", icon="file",
                                     layout=widgets.Layout(width="200px"))
        self.button.add_class("ssp-make-report")
        self.button.on_click(lambda _b: self.make())
        self.progress = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="420px"))
        self.progress.add_class("ssp-report-progress")
        self.progress_text = widgets.HTML("")
        self.progress_text.add_class("ssp-report-progress-text")
        self.progress_box = widgets.HBox([self.progress, self.progress_text],
                                         layout=widgets.Layout(display="none"))
        self.result = widgets.HTML("")
        self.result.add_class("ssp-report-result")
        self.listing = widgets.HTML("")
        self.listing.add_class("ssp-report-list")
        self.listing_status = Status()
        self.changes = PlannedChangesSection(self.db_path)
        self.tags = LearningTagsSection(self.db_path)
        # The tagging list (a line and a drop-down per learning of the year, ~1,400 widgets
        # at 200 learnings) sits at the bottom of the page and cost more than the rest of the
        # page together: in a browser it is drawn once the page is (benchmarks/dashboard.py).
        self.tags_drawn = not in_browser
        self.publication = widgets.HTML("")
        self.publication.add_class("ssp-publication")
        self.publish_button = widgets.Button(description="Udgiv til Kredsrådet", button_style="warning",
                                             icon="send", layout=widgets.Layout(width="220px"))
        self.publish_button.add_class("ssp-publish")
        self.publish_button.on_click(lambda _b: self.ask_publish())
        self.confirm = widgets.HTML("")
        self.confirm_button = widgets.Button(description="Ja, udgiv", button_style="danger", icon="check",
                                             layout=widgets.Layout(width="140px"))
        self.confirm_button.add_class("ssp-publish-confirm")
        self.confirm_button.on_click(lambda _b: self.publish())
        self.cancel_button = widgets.Button(description="Fortryd", layout=widgets.Layout(width="140px"))
        self.cancel_button.on_click(lambda _b: self._hide_confirm())
        self.confirm_box = widgets.VBox([self.confirm, widgets.HBox([self.confirm_button, self.cancel_button])],
                                        layout=widgets.Layout(display="none"))
        self.publish_status = Status()
        self.year.observe(lambda _c: self.on_year(), names="value")
        self.edition.observe(lambda _c: self.show_current(), names="value")
        self.widget = widgets.VBox([
            widgets.HTML(f'{STYLE}<h1>{esc(TITLE)}</h1><p class="ssp-lead">{esc(INTRO)}</p>'),
            self.year,
            widgets.HTML(f"<h2>Lav rapporten</h2>{BEFORE_MAKING}"), self.edition,
            self.button, self.progress_box, self.status.widget, self.result,
            widgets.HTML("<h2>Udgiv til Kredsrådet</h2><p class=\"ssp-lead\">Når Kredsrådets udgave er læst "
                         "igennem, udgives den: Kredsrådets læsere kan derefter se den, præcis som den blev "
                         "udgivet, og næste års udgave kontrolleres mod den.</p>"),
            self.publication, self.publish_button, self.confirm_box, self.publish_status.widget,
            widgets.HTML("<h2>Rapporter, der er lavet</h2><p class=\"ssp-lead\">Seneste udgave for hvert år. "
                         "Står der, at data er ændret, er der indlæst nye eller rettede sager, siden rapporten "
                         "blev lavet: lav den igen.</p>"),
            self.listing_status.widget, self.listing,
            self.changes.widget, self.tags.widget,
        ])
        if in_browser:
            self.widget.children += (BrowserReady(self.draw_tags),)
        self.widget.add_class("ssp-page")
        self.refresh_listing()
        self.on_year()
        self.ready = True

    def on_year(self) -> None:
        """A new year: its report inputs, its files under the button and its publication."""
        filters = Filters(year=int(self.year.value))
        self.changes.refresh(filters)
        if self.tags_drawn:
            self.tags.refresh(filters)
        else:
            self.tags.status.loading(TAGS_LOADING)
        self.show_current()
        self.show_publication()

    def draw_tags(self) -> None:
        """The browser has drawn the page: now the tagging list (``BrowserReady``)."""
        if not self.tags_drawn:
            self.tags_drawn = True
            self.tags.refresh(Filters(year=int(self.year.value)))

    # -- the listing -----------------------------------------------------------------------

    def refresh_listing(self) -> None:
        """List the reports in the folder, with whether the data changed since each was made."""
        with guarded(self.listing_status):
            with reader(self.db_path) as con:
                frame = report_jobs.earlier_reports(self.reports_dir, con)
            self.listing.value = listing_html(frame)

    def show_current(self) -> None:
        """Under the button: the chosen report's files if it exists, or that it is being made."""
        if self.run is not None and self.run.process.poll() is None:
            return
        year, edition = int(self.year.value), self.edition.value
        if report_jobs.is_running(self.reports_dir, year, edition):
            self.result.value = f'<div class="ssp-banner ssp-banner-warn">{esc(report_jobs.busy_text(year, edition))}</div>'
            return
        files = report_jobs.report_files(self.reports_dir, year, edition)
        self.result.value = files_html(files, lead=f"{report_jobs.EDITIONS[edition]} for {year} findes allerede:"
                                       ) if files else ""

    # -- making a report -------------------------------------------------------------------

    def make(self) -> threading.Thread | None:
        """Start the report for the chosen year and edition; a watcher thread follows it."""
        if self.watcher is not None and self.watcher.is_alive():
            return self.watcher
        year, edition = int(self.year.value), self.edition.value
        self.button.disabled = True
        self.result.value = ""
        self.status.loading(f"Laver {report_jobs.EDITIONS[edition].lower()} for {year} …")
        self.progress.value, self.progress.max = 0, 1
        self.progress_text.value = '<span class="ssp-loading">Starter …</span>'
        self.progress_box.layout.display = "flex"
        try:
            self.run = report_jobs.start(self.db_path, year, edition, self.reports_dir, progress=self._progress,
                                         today=self.today.isoformat() if self.today else None)
        except OSError:
            self._finish()
            self.status.show("Rapporten kunne ikke startes. Kontakt udviklerne.", "error")
            return None
        self.watcher = threading.Thread(target=self._follow, args=(self.run,), name="rapport", daemon=True)
        self.watcher.start()
        return self.watcher

    def _progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.progress.max = total
            self.progress.value = min(done, total)
        label = f"{text} ({done} af {total})" if total and text.startswith("Beregner") else text
        self.progress_text.value = f'<span class="ssp-loading">{esc(label)} …</span>'

    def _follow(self, run: report_jobs.ReportRun) -> None:
        try:
            run.wait()
            error = run.error()
            if error:
                self.status.show(error, "warn" if run.busy else "error")
                return
            files = report_jobs.report_files(self.reports_dir, run.year, run.edition)
            self.status.show(f"{report_jobs.EDITIONS[run.edition]} for {run.year} er lavet.", "ok")
            self.result.value = files_html(files, notes=run.notes())
            self.refresh_listing()
            self.show_publication()
        finally:
            self._finish()

    def _finish(self) -> None:
        self.button.disabled = False
        self.progress_box.layout.display = "none"

    # -- publishing ------------------------------------------------------------------------

    def show_publication(self) -> None:
        """The year's publication, if any, and whether there is a Kredsråd draft to publish."""
        year = int(self.year.value)
        with guarded(self.publish_status):
            with reader(self.db_path) as con:
                latest = publish.latest(con, year)
            draft = publish.draft_files(self.reports_dir, year)["draft"].exists()
            said = (f"Kredsrådets udgave for {year} er udgivet {fmt_datetime(latest.published_at)} af "
                    f"{latest.published_by} (kontrolnummer {latest.kontrolnummer})." if latest
                    else f"Kredsrådets udgave for {year} er ikke udgivet.")
            if not draft:
                said += f" Lav Kredsrådets udgave for {year} ovenfor for at kunne udgive den."
            self.publication.value = f'<p class="ssp-lead">{esc(said)}</p>'
            self.publish_button.disabled = not draft

    def ask_publish(self) -> None:
        year = int(self.year.value)
        self.confirm.value = (f'<div class="ssp-banner ssp-banner-warn">Udgiv Kredsrådets udgave for {year}? '
                              "Kredsrådets læsere kan se den bagefter. Det kan ikke gøres om, men en ny udgave kan "
                              "udgives senere.</div>")
        self.confirm_box.layout.display = "flex"

    def _hide_confirm(self) -> None:
        self.confirm_box.layout.display = "none"

    def publish(self) -> None:
        """Publish the chosen year's Kredsråd draft (``report.publish``), then show it."""
        year = int(self.year.value)
        self._hide_confirm()
        done = None
        with guarded(self.publish_status, loading="Udgiver …"):
            done = publish.publish(self.db_path, self.reports_dir, year)
        if done is not None:
            self.show_publication()
            self.publish_status.show(f"Kredsrådets udgave for {year} er udgivet (kontrolnummer "
                                     f"{done.kontrolnummer}).", "ok")

    def wait(self, timeout: float = 600.0) -> bool:
        """Block until a started report is done (tests)."""
        if self.watcher is None:
            return True
        self.watcher.join(timeout)
        return not self.watcher.is_alive()


def files_html(files: list[tuple[str, str]], *, lead: str = "Hent rapporten:", notes: list[str] | None = None) -> str:
    """Download links (served by the download handler); the suppression list set apart."""
    shown = [(label, name) for label, name in files if not name.endswith(report_jobs.SUPPRESSION_SUFFIX)]
    hidden = [(label, name) for label, name in files if name.endswith(report_jobs.SUPPRESSION_SUFFIX)]
    links = "".join(f'<a class="ssp-report-file" href="{esc(navigation.download_href("rapport", name))}" download>'
                    f"{esc(label)}</a>" for label, name in shown)
    out = f'<p class="ssp-lead">{esc(lead)}</p><p class="ssp-download">{links}</p>'
    out += "".join(f'<div class="ssp-banner ssp-banner-warn">{esc(note)}</div>' for note in notes or [])
    for label, name in hidden:
        out += (f'<div class="ssp-banner ssp-banner-warn ssp-team-only"><b>Kun til teamet.</b> {esc(TEAM_ONLY)} '
                f'<a class="ssp-report-suppression" href="{esc(navigation.download_href("rapport", name))}" download>'
                f"{esc(label)}</a></div>")
    return out


def listing_html(frame: pd.DataFrame) -> str:
    """The reports in the folder as a table with their files as links."""
    if frame.empty:
        return '<p class="ssp-lead">Der er ikke lavet nogen rapporter endnu.</p>'
    rows = []
    for r in frame.to_dict("records"):
        changed = ("Ukendt (rapporten har ingen kontrolsum)" if r["changed_since"] is None
                   else '<span class="ssp-flag">Ja – lav rapporten igen</span>' if r["changed_since"] else "Nej")
        links = " · ".join(f'<a href="{esc(navigation.download_href("rapport", name))}" download>{esc(label)}</a>'
                           for label, name in r["files"])
        checksum = esc(r["checksum"][:12]) if isinstance(r["checksum"], str) else "–"
        rows.append(f"<tr><td>{r['year']}</td><td>{esc(r['edition_label'])}</td><td>{esc(fmt_datetime(r['made_at']))}"
                    f"</td><td><code>{checksum}</code></td><td>{changed}</td><td>{links}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ("År", "Udgave", "Lavet", "Kontrolsum for data", "Data ændret siden",
                                             "Filer"))
    return f'<table class="ssp-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def show(db_path: Path | str | None = None) -> AarsrapportView | None:
    """Build the page and display it (the notebook's only call); never raises."""
    return show_page(AarsrapportView, TITLE, db_path, page=PAGE)

"""The Netværk page: one local network's year, for its yearly meeting, and its sheet as a PDF.

``network_sheet.network_year`` gathers the data (the same object the printable sheet is made
from, so page and paper agree): key figures this year against last with the verdicts judged
together (and ``stats.FDR_SENTENCE`` once under them), the actioncard phases with intervals,
cases per quarter, key persons and the exercise, learnings and the meeting note. The page
address names the network (``netvaerk.ipynb?netvaerk=Sindal``, one page per network); the
choosers change it in place. The two charts are drawn by the page's worker once the browser
has drawn the rest (``worker.BrowserReady``), as on Årsevaluering.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs

import ipywidgets as widgets

from evaluation import format as fmt
from evaluation.report import network_sheet
from evaluation.analysis import charts, queries
from evaluation.server.identity import require_person
from evaluation.server.roles import chosen_network, visible_networks
from evaluation.views import navigation
from evaluation.views.figure_view import FigureView
from evaluation.views.common import (STYLE, Status, esc, first_read, fmt_date, guarded, message_page, page_database,
                                     reader, show_figure, show_page, table_html)
from evaluation.views.experience import kpi_cards_html
from evaluation.views.worker import BrowserReady, Deferred

PAGE = "netvaerk"
TITLE = "Netværk: årsmøde i det lokale SSP-netværk"
INTRO = ("Et netværks år til dets årlige møde: nøgletal i år mod sidste år, actioncardets faser, "
         "nøglepersoner og øvelse, erfaringer og mødenoten. Hent siden som PDF og tag den med til mødet.")
QUERY_NETWORK, QUERY_YEAR = "netvaerk", "aar"


def requested(query: str | None) -> tuple[str | None, int | None]:
    """The network and year named in the page address (Voilà passes it as ``QUERY_STRING``).

    Browser input: the caller only uses a name that is on the list of networks.
    """
    values = parse_qs(query or "")
    network = values.get(QUERY_NETWORK, [None])[0]
    year_text = values.get(QUERY_YEAR, [""])[0]
    return network, int(year_text) if year_text.isdigit() else None


class NetvaerkView:
    """The whole page; ``widget`` is what the notebook displays."""

    def __init__(self, db_path: Path | str | None = None, *, today: date | None = None,
                 in_browser: bool = False, network: str | None = None, year: int | None = None) -> None:
        self.db_path = Path(db_path) if db_path else page_database()
        self.today = today
        self.ready = False
        self.status = Status()
        self.sheet: network_sheet.NetworkYear | None = None
        loaded, message = first_read(self.db_path, TITLE, self.status, lambda con: (
            network_sheet.networks(con), list(queries.filter_options(con).years)))
        if message is not None:
            self.widget = message
            return
        names, years = loaded
        # Roles (server.roles): a network's contact sees their own network only, whatever the
        # address or a widget asks for; the others' names never reach the browser.
        self.person = require_person(self.db_path)
        names = list(visible_networks(self.person, names))
        if not names:
            self.widget = message_page("Der er ingen sager fra dit netværk endnu.", TITLE)
            return
        if network is None and year is None:
            network, year = requested(os.environ.get("QUERY_STRING"))
        network = chosen_network(self.person, network, names)
        self.deferred = Deferred()
        label = {"description_width": "110px"}
        self.network = widgets.Dropdown(options=names, value=network if network in names else names[0],
                                        description="SSP-netværk", style=label, layout=widgets.Layout(width="380px"))
        self.network.add_class("ssp-network-choice")
        self.year = widgets.Dropdown(options=years, value=year if year in years else years[0], description="År",
                                     style=label, layout=widgets.Layout(width="220px"))
        self.year.add_class("ssp-network-year")
        pages = " · ".join(f'<a href="{esc(navigation.href(PAGE, **{QUERY_NETWORK: n}))}">{esc(n)}</a>'
                           for n in names)
        self.heading = widgets.HTML("")
        self.download = widgets.HTML("")
        self.download.add_class("ssp-network-download")
        self.cards = widgets.HTML("")
        self.cards.add_class("ssp-kpi-cards")
        self.kpi_chart, self.trend_chart = FigureView(), FigureView()
        self.chart_status = Status()
        self.phases = widgets.HTML("")
        self.phases.add_class("ssp-network-phases")
        self.people = widgets.HTML("")
        self.people.add_class("ssp-network-people")
        self.learnings = widgets.HTML("")
        self.note = widgets.HTML("")
        self.note.add_class("ssp-network-note")
        self.network.observe(lambda _c: self.refresh(), names="value")
        self.year.observe(lambda _c: self.refresh(), names="value")
        parts = [
            widgets.HTML(f'{STYLE}<h1>{esc(TITLE)}</h1><p class="ssp-lead">{esc(INTRO)}</p>'
                         f'<p class="ssp-lead ssp-network-pages">Netværkenes sider: {pages}</p>'),
            widgets.HBox([self.network, self.year], layout=widgets.Layout(flex_flow="row wrap")),
            self.status.widget, self.heading, self.download,
            widgets.HTML("<h2>Nøgletal i år mod sidste år</h2>"), self.cards, self.chart_status.widget,
            self.kpi_chart,
            widgets.HTML("<h2>Actioncardets fem faser</h2>"), self.phases,
            widgets.HTML("<h2>Sager over tid</h2>"), self.trend_chart,
            widgets.HTML("<h2>Nøglepersoner og årets øvelse</h2>"), self.people,
            widgets.HTML("<h2>Netværkets erfaringer</h2>"), self.learnings,
            widgets.HTML("<h2>Mødenote</h2>"), self.note,
        ]
        if in_browser:
            parts.append(BrowserReady(self.deferred.ready.set))
        else:
            self.deferred.ready.set()
        self.widget = widgets.VBox(parts)
        self.widget.add_class("ssp-page")
        self.refresh()
        self.ready = True

    def refresh(self) -> None:
        """Read the chosen network's year; draw the text parts now and the charts in the worker."""
        network, year = chosen_network(self.person, self.network.value, self.network.options), int(self.year.value)
        if network is None:
            return
        with guarded(self.status):
            with reader(self.db_path) as con:
                sheet = network_sheet.network_year(con, network, year, today=self.today)
            with self.deferred.lock:
                self.sheet = sheet
                self._draw_text(sheet)
            self.deferred.submit("charts", lambda stale: self._draw_charts(sheet, stale))

    def _draw_text(self, sheet: network_sheet.NetworkYear) -> None:
        name = network_sheet.sheet_name(sheet.network, sheet.year)
        self.heading.value = f"<h2>{esc(sheet.network)} {sheet.year}</h2>"
        self.download.value = (
            '<p class="ssp-download">'
            f'<a class="ssp-download-network" href="{esc(navigation.download_href("netvaerk", name))}" download>'
            f"Hent {esc(sheet.network)}s side som PDF (til mødet)</a>"
            f'<a href="{esc(navigation.href("moedenoter"))}">Skriv mødenoten på siden Mødenoter</a></p>')
        self.cards.value = kpi_cards_html(sheet.kpis)
        phases = sheet.phases.assign(
            now=[network_sheet.share_text(r.followed, r.n, r.low, r.high) for r in sheet.phases.itertuples()],
            before=[network_sheet.share_text(r.previous_followed, r.previous_n, r.previous_low, r.previous_high)
                    for r in sheet.phases.itertuples()])
        running = "" if sheet.year_complete else f" {sheet.year} er ikke slut."
        self.phases.value = (f'<p class="ssp-lead">Hvor ofte fasen blev fulgt i netværkets sager (andel med '
                             f"95\u00a0%-interval).{esc(running)}</p>" + table_html(
                                 phases, {"phase_label": "Fase", "definition": "Fulgt, når",
                                          "now": str(sheet.year), "before": str(sheet.year - 1)}))
        roles = sheet.roles.assign(state=["Mangler" if m else "Skal bekræftes" if d else "Bekræftet"
                                          for m, d in zip(sheet.roles["missing"], sheet.roles["due"])])
        self.people.value = table_html(
            roles, {"role": "Rolle", "person": "Person", "verified_on": "Senest bekræftet", "state": "Status"},
            formats={"verified_on": fmt_date}, empty="Ingen roller registreret for netværket.") + (
            f"<p><b>Øvelse i actioncardet {sheet.year}:</b> {esc(network_sheet.exercise_text(sheet))}</p>")
        self.learnings.value = table_html(
            sheet.learnings, {"month": "Måned", "situation_label": "Situation", "erfaringer": "Erfaring"},
            formats={"month": fmt.month}, scroll=True,
            empty=f"Ingen skrevne erfaringer i netværkets sager i {sheet.year}.")
        note = sheet.note
        self.note.value = (
            f'<p class="ssp-lead">Ingen mødenote gemt for {sheet.year} endnu.</p>' if note is None else
            f'<p class="ssp-lead">Møde {esc(fmt_date(note["meeting_date"]))}, gemt af {esc(note["saved_by"])}.</p>'
            f'<div class="ssp-banner ssp-banner-info" style="white-space: pre-wrap">{esc(note["note"])}</div>')

    def _draw_charts(self, sheet: network_sheet.NetworkYear, stale) -> None:
        with guarded(self.chart_status, loading="Henter figurer …"):
            self.deferred.wait_ready()
            figures = [(self.kpi_chart, charts.kpi_spec(sheet.kpis, title=f"Nøgletal for {sheet.network} i "
                                                         f"{sheet.year} og {sheet.year - 1} (95 %-interval)")),
                       (self.trend_chart, charts.trend_spec(sheet.trend, title=f"Sager pr. kvartal i "
                                                             f"{sheet.network}, alle år"))]
            for out, fig in figures:
                if stale():
                    return
                with self.deferred.lock:
                    show_figure(out, fig)

    def wait(self, timeout: float = 120.0) -> bool:
        """Block until the charts are drawn (tests and the benchmark)."""
        return self.deferred.wait(timeout)


def show(db_path: Path | str | None = None) -> NetvaerkView | None:
    """Build the page and display it (the notebook's only call); never raises."""
    return show_page(NetvaerkView, TITLE, db_path, page=PAGE)

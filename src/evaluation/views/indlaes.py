"""The Indlæs udtræk page: load the networks' export files from the browser.

The file chooser (``upload.Uploader``) sends each file to the server's upload handler, which
runs the same ``ingest.ingest_file`` as ``ssp-eval ingest``; the page shows each file's result
in the words the command uses. Below it: the latest imports (loaded and rejected files, who
and when), the networks that have sent nothing this year, the fill-in template for the
networks as downloads, and for the team an import to undo or a case to erase
(``erasure_forms``) and the plan's networks to add or rename (``network_admin``). The page works on a database that does not exist yet: the first file
creates it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import traitlets

from evaluation import format as fmt
from evaluation.analysis import queries
from evaluation.ingest import template
from evaluation.plan import networks as network_registry
from evaluation.server.identity import require_person
from evaluation.server.roles import visible_networks
from evaluation.views import navigation
from evaluation.views.erasure_forms import CaseErasure, ImportUndo
from evaluation.views.network_admin import NetworksSection
from evaluation.views.common import (STYLE, Status, esc, fmt_datetime, fmt_int, guarded, page_database,
                                     reader, show_page, table_html)
from evaluation.views.upload import Uploader

PAGE = "indlaes"
TITLE = "Indlæs netværkenes sagsudtræk"
INTRO = ("Vælg en eller flere filer fra de lokale SSP-netværk (.csv eller .xlsx), og tryk Indlæs. Hver fil "
         "kontrolleres helt, før noget indlæses: en fil med fejl indlæses slet ikke, og alle fejl vises med "
         "række og kolonne. Samme fil to gange gør ingenting.")
CHOOSE = ("Vælg netværk …", "")
IMPORTS_SHOWN = 25


class IndlaesView:
    """The whole page; ``widget`` is what the notebook displays."""

    def __init__(self, db_path: Path | str | None = None, *, today: date | None = None,
                 in_browser: bool = False) -> None:
        self.db_path = Path(db_path) if db_path else page_database()
        # Roles (server.roles): a network's contact loads and sees their own network only.
        self.person = require_person(self.db_path)
        self.today = today
        self.ready = False
        self.status = Status()
        self.status.widget.add_class("ssp-upload-status")  # the team's sections below have their own
        self.imports = pd.DataFrame()
        self.network = widgets.Dropdown(options=[CHOOSE], value="", description="SSP-netværk",
                                        style={"description_width": "110px"}, layout=widgets.Layout(width="460px"))
        self.network.add_class("ssp-upload-network")
        self.uploader = Uploader(navigation.upload_href(), self.after_upload)
        # Kernel-side: a Dropdown's value lives in the kernel (the browser only knows its index).
        traitlets.dlink((self.network, "value"), (self.uploader, "network"))
        self.listing = widgets.HTML("")
        self.listing.add_class("ssp-import-list")
        self.silent = widgets.HTML("")
        self.silent.add_class("ssp-no-export")
        templates = (f'<p class="ssp-download"><a class="ssp-template-xlsx" '
                     f'href="{esc(navigation.download_href("skabelon", template.XLSX_NAME))}" download>'
                     "Hent skabelonen som Excel (.xlsx, med vejledning og rullelister)</a>"
                     f'<a class="ssp-template-csv" href="{esc(navigation.download_href("skabelon", template.CSV_NAME))}"'
                     " download>Hent skabelonen som CSV</a></p>")
        self.widget = widgets.VBox([
            widgets.HTML(f'{STYLE}<h1>{esc(TITLE)}</h1><p class="ssp-lead">{esc(INTRO)}</p>'),
            widgets.HTML('<p class="ssp-lead">Vælg først netværket, filerne kommer fra. Har en fil en kolonne med '
                         "netværket, skal den stemme med valget.</p>"),
            self.network, self.uploader, self.status.widget,
            widgets.HTML("<h2>Seneste indlæsninger</h2>"), self.listing,
            widgets.HTML(f"<h2>Netværk uden indberetning i {self._year()}</h2>"), self.silent,
            widgets.HTML("<h2>Skabelon til netværkene</h2><p class=\"ssp-lead\">Send skabelonen til de lokale "
                         "netværk. Excel-filen har en vejledning og rullelister med de tilladte værdier.</p>"),
            widgets.HTML(templates),
        ])
        # The team undoes imports and adds and renames networks here (a network's contact sees
        # neither part).
        team = self.person.is_team
        self.undo = ImportUndo(self.db_path, on_done=self.refresh) if team else None
        self.erase_case = CaseErasure(self.db_path, on_done=self.refresh) if team else None
        self.networks = NetworksSection(self.db_path, on_change=self.refresh) if team else None
        if team:
            children = list(self.widget.children)
            at = children.index(self.listing) + 1
            children[at:at] = [self.undo.widget, self.erase_case.widget]
            self.widget.children = (*children, self.networks.widget)
        self.widget.add_class("ssp-page")
        self.refresh()
        self.ready = True

    def _year(self) -> int:
        return (self.today or date.today()).year

    def refresh(self) -> None:
        """Read the networks, the import list and the silent networks (nothing yet without a database)."""
        for part in (self.undo, self.erase_case, self.networks):
            if part is not None:
                part.refresh()
        if not self.db_path.exists():
            self.listing.value = '<p class="ssp-lead">Ingen filer er indlæst endnu: databasen oprettes ved den første fil.</p>'
            self.silent.value = ""
            return
        with guarded(self.status):
            with reader(self.db_path) as con:
                networks = list(visible_networks(self.person, network_registry.network_names(con)))
                self.imports = queries.imports(con)
                silent = queries.networks_without_export(con, self._year())
            if not self.person.is_team:
                own = [self.person.network] if self.person.network else []
                self.imports = self.imports[self.imports["network"].isin(own)]
                silent = silent.iloc[0:0]
                networks = own
            current = self.network.value
            choices = [(n, n) for n in networks]
            self.network.options = [CHOOSE, *choices] if self.person.is_team else choices
            self.network.value = (current if current in networks else
                                  "" if self.person.is_team else (networks[0] if networks else None))
            latest = self.imports.sort_values("occurred_at", ascending=False).head(IMPORTS_SHOWN)
            self.listing.value = table_html(
                latest, {"file_name": "Fil", "network": "SSP-netværk", "occurred_at": "Tidspunkt", "user_name": "Af",
                         "rows_in_file": "Rækker", "status_label": "Status"},
                formats={"occurred_at": fmt_datetime, "rows_in_file": fmt_int}, scroll=True,
                empty="Ingen filer er indlæst endnu.")
            self.silent.value = (
                '<p class="ssp-lead">Vises kun for SSP-teamet.</p>' if not self.person.is_team else
                f'<p class="ssp-lead">Alle netværk har sendt sager i {self._year()}.</p>' if silent.empty
                else table_html(silent, {"netvaerk": "SSP-netværk", "last_month": "Seneste indberetning",
                                         "cases_before": "Sager før"},
                                formats={"last_month": fmt.month, "cases_before": fmt_int}))

    def after_upload(self, results: list[dict]) -> None:
        """The browser has sent a batch: say what happened in one line and redraw the lists."""
        counts = {status: sum(r.get("status") == status for r in results)
                  for status in ("loaded", "unchanged", "rejected", "failed")}
        parts = [f"{counts['loaded']} indlæst", f"{counts['unchanged']} uændret", f"{counts['rejected']} afvist"]
        if counts["failed"]:
            parts.append(f"{counts['failed']} ikke modtaget")
        kind = "ok" if not counts["rejected"] and not counts["failed"] else "warn"
        self.refresh()
        self.status.show(f"{len(results)} {'fil' if len(results) == 1 else 'filer'}: {', '.join(parts)}. "
                         "Detaljerne står ved hver fil ovenfor.", kind)


def show(db_path: Path | str | None = None) -> IndlaesView | None:
    """Build the page and display it (the notebook's only call); never raises."""
    return show_page(IndlaesView, TITLE, db_path, page=PAGE)

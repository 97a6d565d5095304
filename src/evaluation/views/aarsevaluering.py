"""The Årsevaluering page: filters and one section per question of the yearly evaluation.

The notebook ``dashboards/aarsevaluering.ipynb`` only calls :func:`show`. The page is built
from :class:`AarsevalueringView`, which tests and the benchmark instantiate directly against
a database file, change widget values on, and read results from.

Loading: the KPI cards of section 5 are read first, then sections 1–3 on one shared
short-lived reader, before the page is shown. The charts of section 5 and the actor
candidates of section 4 (the slow parts: plotly in the browser, name matching at a million
cases) are computed by the page's background worker and drawn once the browser has drawn
the page (``worker.BrowserReady``). On a filter change only what depends on the changed
filter is recomputed: the year drives every section, the network the key persons and the
case figures, institution type and situation only the case figures. The worker redraws the
charts first and sections 1–3 after them, so the browser draws while the kernel reads.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ipywidgets as widgets

from evaluation.analysis import queries
from evaluation.analysis.filters import Filters
from evaluation.views.common import (FilterBar, STYLE, Status, first_read, guarded, message_page, page_database,
                                     reader, show_page)
from evaluation.views.experience import ExperienceSection
from evaluation.views.plan_sections import ActorsSection, AddressesSection, KeyPersonsSection, PoliciesSection
from evaluation.views.worker import BrowserReady, Deferred

TITLE = "Årsevaluering af handleplanen for digitale krænkelser"
INTRO = ("Svar på de fem spørgsmål i den årlige evaluering, samlet fra de lokale SSP-netværk. "
         "Filtrene gælder sagerne; året gælder også vurderinger, øvelser og nye aktører.")
NAV = ('<p class="ssp-lead">Gå til: <a href="#sektion-1">1. Politikker</a> · <a href="#sektion-2">2. Nøglepersoner'
       '</a> · <a href="#sektion-3">3. Webadresser og telefonnumre</a> · <a href="#sektion-4">4. Nye aktører</a> · '
       '<a href="#sektion-5">5. Erfaringer fra året</a></p>')


class AarsevalueringView:
    """The whole page; ``widget`` is what the notebook displays."""

    def __init__(self, db_path: Path | str | None = None, *, today: date | None = None,
                 in_browser: bool = False) -> None:
        self.db_path = Path(db_path) if db_path else page_database()
        self.ready = False
        self.status = Status()
        options, message = first_read(self.db_path, TITLE, self.status, queries.filter_options)
        if message is None and not options.years:
            message = message_page("Databasen indeholder ingen sager.", TITLE)
        if message is not None:
            self.widget = message
            return
        self.deferred = Deferred()
        self.filter_bar = FilterBar(options)
        self.policies = PoliciesSection(self.db_path)
        self.key_persons = KeyPersonsSection(self.db_path)
        self.addresses = AddressesSection(self.db_path)
        self.actors = ActorsSection(self.db_path)
        # In a browser, the worker prepares the other networks' charts while the page is idle
        # (ExperienceSection._prefetch), so a network change is drawn without reading anything,
        # and what lies under the charts waits until the browser has drawn them.
        self.experience = ExperienceSection(self.db_path, self.deferred, today=today, prefetch=in_browser,
                                            paced=in_browser)
        self.experience.networks = tuple(value for _label, value in self.filter_bar.network.options[1:])
        for section in (self.policies, self.key_persons, self.addresses, self.actors):
            section.lock, section.ready = self.deferred.lock, self.deferred.ready
        self.last: Filters | None = None
        header = widgets.HTML(f'{STYLE}<h1>{TITLE}</h1><p class="ssp-lead">{INTRO}</p>')
        parts = [header, self.filter_bar.widget, self.status.widget, widgets.HTML(NAV), self.policies.widget,
                 self.key_persons.widget, self.addresses.widget, self.actors.widget, self.experience.widget]
        if in_browser:  # charts and the actor list follow once the browser has drawn the page
            parts.append(BrowserReady(self.deferred.ready.set))
        else:
            self.deferred.ready.set()
        self.widget = widgets.VBox(parts)
        self.widget.add_class("ssp-page")
        self.on_filters()
        self.filter_bar.observe(self.on_filters)
        self.ready = True

    def on_filters(self) -> None:
        """Recompute what depends on the changed filters (everything at page load).

        The KPI cards are computed here, in the callback: they are what a filter change is
        for. Sections 1–3 are read here too at page load (they are part of the first view),
        but on a filter change they go to the background worker with the charts, so the
        callback returns as soon as the cards are updated.
        """
        with self.deferred.lock:
            self._on_filters()

    def _on_filters(self) -> None:
        new, old = self.filter_bar.filters(), self.last
        self.last = new
        first = old is None
        year = first or new.year != old.year
        network = first or new.networks != old.networks
        if first or new != old:
            self.experience.refresh_kpis(new)
        due = [s for s, changed in ((self.policies, year), (self.key_persons, year or network),
                                    (self.addresses, first)) if changed]
        if due and first:
            self._update(due, new)
        # The charts before sections 1-3: the browser needs ~20 ms per chart to redraw them, and
        # meanwhile the worker reads the sections (benchmarks/dashboard.py: a network change).
        if first or new != old:
            self.experience.submit_rest(new)
        if due and not first:
            self.deferred.submit("plan", lambda stale: None if stale() else self._update(due, new))
        if year:
            self.deferred.submit("actors", lambda stale: None if stale() else self.actors.refresh(new))

    def _update(self, sections: list, filters: Filters) -> None:
        """Load ``sections`` on one shared short-lived reader, then draw them (reader closed)."""
        loaded = []
        with guarded(self.status):
            with reader(self.db_path) as con:
                loaded = [section for section in sections if section.load_safely(con, filters)]
        for section in loaded:
            section.render_safely()

    def wait(self, timeout: float = 120.0) -> bool:
        """Block until the background parts are drawn (tests and the benchmark)."""
        return self.deferred.wait(timeout)


def show(db_path: Path | str | None = None) -> AarsevalueringView | None:
    """Build the page and display it (the notebook's only call); never raises."""
    return show_page(AarsevalueringView, TITLE, db_path, page="aarsevaluering")

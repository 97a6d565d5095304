"""The Udforsk page: any measure cut by up to three dimensions, as a table, a chart and a download.

``explore.explore`` does the work (whitelisted dimensions and measures, parameterised
filters); this module lays it out. Cells built from 1–4 cases are marked: they may not be
published (the Kredsråd edition hides them), but the team may see them.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from evaluation.analysis import charts, explore, queries
from evaluation.settings import settings
from evaluation.views.common import (FilterBar, STYLE, Status, download_links, esc, first_read, fmt_int, fmt_pct,
                                     guarded, page_database, reader, show_figure, show_page, table_html)

TITLE = "Udforsk sagerne"
INTRO = ("Vælg op til tre dimensioner og et mål. Tabellen kan hentes som CSV eller Excel. "
         "Celler med små tal er markeret: de må ikke offentliggøres, fordi de kan pege på et barn.")
NONE = "__ingen__"
DEFAULT_DIMENSIONS = ("netvaerk", "situation", NONE)


def dimension_options() -> list[tuple[str, str]]:
    """Dropdown choices: '(ingen)' first, then the periods and the contract's columns."""
    return [("(ingen)", NONE), *[(d.label, d.key) for d in explore.DIMENSIONS.values()]]


def table_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The result as people read it: labels, Danish headings, shares as 0..1, 'Lille tal' Ja/Nej."""
    shown = queries.display_frame(frame)
    small = queries.heading("small")
    if small in shown:
        shown[small] = ["Ja" if s else "" for s in frame["small"]]
    return shown


class UdforskView:
    """The whole page; ``widget`` is what the notebook displays.

    Everything is drawn before the page is shown (one query and one chart), so
    ``in_browser`` (given by ``show_page``) changes nothing here.
    """

    def __init__(self, db_path: Path | str | None = None, *, today: date | None = None,
                 in_browser: bool = False) -> None:
        self.db_path = Path(db_path) if db_path else page_database()
        self.ready = False
        self.status = Status()
        self.frame = pd.DataFrame()
        self.timings: dict[str, float] = {}
        options, message = first_read(self.db_path, TITLE, self.status, queries.filter_options)
        if message is not None:
            self.widget = message
            return
        self.filter_bar = FilterBar(options, all_years=True)
        self.dimensions = [widgets.Dropdown(options=dimension_options(), value=value,
                                            description=f"Dimension {i + 1}",
                                            style={"description_width": "initial"},
                                            layout=widgets.Layout(width="320px"))
                           for i, value in enumerate(DEFAULT_DIMENSIONS)]
        for i, dropdown in enumerate(self.dimensions):
            dropdown.add_class(f"ssp-dimension-{i + 1}")
        self.measure = widgets.Dropdown(options=[(m.label, m.key) for m in explore.MEASURES.values()],
                                        value="cases", description="Mål", layout=widgets.Layout(width="420px"))
        self.measure.add_class("ssp-measure")
        self.chart = widgets.Output()
        self.table = widgets.HTML("")
        self.table.add_class("ssp-explore-table")
        self.download = widgets.HTML("")
        self.download.add_class("ssp-explore-download")
        self.filter_bar.observe(self.refresh)
        for dropdown in (*self.dimensions, self.measure):
            dropdown.observe(lambda _c: self.refresh(), names="value")
        self.widget = widgets.VBox([
            widgets.HTML(f'{STYLE}<h1>{TITLE}</h1><p class="ssp-lead">{esc(INTRO)}</p>'),
            self.filter_bar.widget,
            widgets.HBox(self.dimensions, layout=widgets.Layout(flex_flow="row wrap")), self.measure,
            self.status.widget,
            widgets.HTML("<h2>Figur</h2>"), self.chart,
            widgets.HTML("<h2>Tabel</h2>"), self.download, self.table,
        ])
        self.widget.add_class("ssp-page")
        self.refresh()
        self.ready = True

    def chosen_dimensions(self) -> list[str]:
        """The chosen dimensions in order, '(ingen)' and repeats left out."""
        keys: list[str] = []
        for dropdown in self.dimensions:
            if dropdown.value != NONE and dropdown.value not in keys:
                keys.append(dropdown.value)
        return keys

    def refresh(self) -> None:
        """Run the question for the current choices and redraw table, chart and download."""
        started = time.perf_counter()
        dims, measure = self.chosen_dimensions(), self.measure.value
        with guarded(self.status):
            with reader(self.db_path) as con:
                self.frame = explore.explore(con, self.filter_bar.filters(), dims, measure)
            show_figure(self.chart, charts.explore_chart(self.frame, dims, measure))
            shown = table_frame(self.frame)
            self.table.value = self._table_html(shown, measure)
            self.download.value = download_links(shown, "udforsk") if not shown.empty else ""
        self.timings["refresh"] = time.perf_counter() - started

    def _table_html(self, shown: pd.DataFrame, measure: str) -> str:
        """The table with shares as percentages and small-count rows highlighted."""
        m = explore.MEASURES[measure]
        formats: dict[str, Any] = {c: fmt_int for c in shown.columns
                                   if c in (queries.heading("cases"), queries.heading("numerator"),
                                            queries.heading("n"))}
        if m.kind == "share":
            formats[m.label] = lambda v: fmt_pct(v, 1)
        elif m.label in shown:
            formats[m.label] = fmt_int
        small = queries.heading("small")
        note = (f'<p class="ssp-lead">{fmt_int(len(shown))} rækker. Rækker markeret med gult bygger på '
                f"1–{settings.suppression_threshold} sager (lille tal).</p>")
        return note + table_html(
            shown, {c: c for c in shown.columns}, formats=formats, scroll=True,
            row_class=lambda r: "ssp-small" if r.get(small) == "Ja" else "",
            empty="Ingen sager med de valgte filtre.")


def show(db_path: Path | str | None = None) -> UdforskView | None:
    """Build the page and display it (the notebook's only call); never raises."""
    return show_page(UdforskView, TITLE, db_path, page="udforsk")

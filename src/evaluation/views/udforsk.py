"""The Udforsk page: any measure cut by up to three dimensions, as a table, a chart and a download.

``explore.explore`` does the work (whitelisted dimensions and measures, parameterised
filters); this module lays it out. Cells built from 1–4 cases are marked: they may not be
published (the Kredsråd edition hides them), but the team may see them.
"""

from __future__ import annotations

import base64
import time
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from evaluation.analysis import charts, explore, explore_export, queries
from evaluation.analysis.filters import Filters
from evaluation.format import plural
from evaluation.settings import settings
from evaluation.views.common import (FilterBar, STYLE, Status, esc, first_read, fmt_int, fmt_pct, guarded,
                                     page_database, reader, show_figure, show_page, table_html)
from evaluation.views.figure_view import FigureView

TITLE = "Udforsk sagerne"
INTRO = ("Vælg op til tre dimensioner og et mål. Figuren viser den første dimension langs aksen, den anden "
         "som farver og den tredje som små figurer side om side. Tabellen kan hentes som CSV eller Excel "
         "med filtrene i filen. Celler med små tal er markeret: de må ikke offentliggøres, fordi de kan "
         "pege på et barn.")
NONE = "__ingen__"
DEFAULT_DIMENSIONS = ("netvaerk", "situation", NONE)


def dimension_options() -> list[tuple[str, str]]:
    """Dropdown choices: '(ingen)' first, then the periods and the contract's columns."""
    return [("(ingen)", NONE), *[(d.label, d.key) for d in explore.DIMENSIONS.values()]]


def download_html(result: explore_export.Table, filters: Filters, dimensions: list[str], measure: str) -> str:
    """Two links with the table as CSV and .xlsx, named by their content, the filters inside.

    Data URIs in an HTML widget (FileLink does not work in Voilà); the table is an aggregate,
    so the page stays small.
    """
    stem = explore_export.file_stem(filters, dimensions, measure)
    csv = explore_export.csv_bytes(result, filters, dimensions, measure)
    xlsx = explore_export.xlsx_bytes(result, filters, dimensions, measure)
    xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return ('<div class="ssp-download">'
            f'<a class="ssp-download-csv" download="{esc(stem)}.csv" '
            f'href="data:text/csv;charset=utf-8;base64,{base64.b64encode(csv).decode()}">Hent tabellen som CSV</a>'
            f'<a class="ssp-download-xlsx" download="{esc(stem)}.xlsx" '
            f'href="data:{xlsx_type};base64,{base64.b64encode(xlsx).decode()}">Hent tabellen som Excel (.xlsx)</a>'
            f'<span class="ssp-lead"> Filerne hedder {esc(stem)} og har filtrene med.</span></div>')


class UdforskView:
    """The whole page; ``widget`` is what the notebook displays.

    Everything is read before the page is shown (one query). The chart is part of the page's
    first state; its area draws it once the browser has laid the page out (``figure_view``), so
    ``in_browser`` changes nothing here.
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
        self.chart = FigureView()
        self.chart.add_class("ssp-chart")
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
        filters = self.filter_bar.filters()
        with guarded(self.status):
            with reader(self.db_path) as con:
                self.frame = explore.explore(con, filters, dims, measure)
                shown = explore.with_empty_periods(con, filters, self.frame, dims, measure)
            show_figure(self.chart, charts.explore_chart(shown, dims, measure))
            result = explore_export.table(shown, dims, measure)
            self.table.value = self._table_html(result)
            self.download.value = download_html(result, filters, dims, measure) if not self.frame.empty else ""
        self.timings["refresh"] = time.perf_counter() - started

    def _table_html(self, result: explore_export.Table) -> str:
        """The table with shares as percentages and small-count rows highlighted."""
        shown = result.frame
        formats: dict[str, Any] = {c: fmt_int for c in result.count_columns}
        if result.share_column:
            formats[result.share_column] = lambda v: fmt_pct(v, 1)
        small = explore_export.SMALL_HEADING
        note = (f'<p class="ssp-lead">{esc(plural(len(shown), "række", "rækker"))}. Rækker markeret med gult '
                f"bygger på 1–{settings.suppression_threshold} sager (lille tal).</p>")
        return note + table_html(
            shown, {c: c for c in shown.columns}, formats=formats, scroll=True,
            row_class=lambda r: "ssp-small" if r.get(small) == "Ja" else "",
            empty="Ingen sager med de valgte filtre.")


def show(db_path: Path | str | None = None) -> UdforskView | None:
    """Build the page and display it (the notebook's only call); never raises."""
    return show_page(UdforskView, TITLE, db_path, page="udforsk")

"""Årsevaluering, question 5 ("Erfaringer fra året"): key figures, trends and learnings.

Every number comes from ``queries``/``kpis`` and every chart from ``charts``, so the page
and the report show the same figures. A filter change recomputes the section on one
short-lived reader connection. KPI cards put this year next to last year with the verdict
from ``stats`` (is the change beyond chance?), never a bare arrow.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from evaluation import format as fmt
from evaluation.analysis import charts, kpis, queries, stats
from evaluation.analysis.filters import Filters
from evaluation.report.kpi_text import kpi_detail_text, kpi_value_text  # noqa: F401 (re-exported for tests)
from evaluation.views.common import (Status, database_signature, esc, fmt_int, guarded, heading_html, reader,
                                     show_figure, table_html)
from evaluation.views.figure_view import FigureView
from evaluation.views.worker import Deferred

TITLE = "Erfaringer fra året"
LEAD = ("Årets sager mod sidste års i samme periode. Tallene er små, så hvert nøgletal siger, "
        "om ændringen er større end tilfældig variation.")
SECTION_NUMBER = 5
# KPI frames kept per (filter, database version): switching back to a filter is instant.
KPI_CACHE_SIZE = 64
LEARNINGS_SHOWN = 200  # newest first; the search narrows them down

_VERDICT_CLASS = {stats.VERDICT_UP: "up", stats.VERDICT_DOWN: "down", stats.VERDICT_NONE: "none",
                  stats.VERDICT_TOO_FEW: "few"}


def kpi_card_html(row: dict[str, Any]) -> str:
    """One KPI card: this year, last year in the same months, and the verdict in words."""
    year = int(row["year"])
    verdict = str(row["verdict"])
    css = _VERDICT_CLASS.get(verdict, "none")
    previous = f"{year - 1}: {kpi_value_text(row, 'previous_')}"
    if row["kind"] == "share" and row["previous_denominator"]:
        previous += f" ({fmt_int(row['previous_numerator'])} af {fmt_int(row['previous_denominator'])})"
    return (
        f'<div class="ssp-kpi" data-kpi="{esc(row["key"])}" data-numerator="{int(row["numerator"])}" '
        f'title="{esc(row["definition"])}">'
        f'<div class="ssp-kpi-label">{esc(row["label"])}</div>'
        f'<div class="ssp-kpi-value">{esc(kpi_value_text(row))}</div>'
        f'<div class="ssp-kpi-detail">{esc(kpi_detail_text(row))}</div>'
        f'<div class="ssp-kpi-prev">{esc(previous)}</div>'
        f'<div class="ssp-kpi-verdict ssp-verdict-{css}">{esc(verdict)}</div>'
        "</div>"
    )


def kpi_cards_html(frame: pd.DataFrame) -> str:
    """All KPI cards with a line saying which months are compared, and once, under them, that
    the verdicts are judged together (``stats.FDR_SENTENCE``: ``kpis.kpis`` controls the
    false-discovery rate across exactly these cards). Årsevaluering and Netværk both use this."""
    if frame.empty:
        return ""
    first = frame.iloc[0]
    year = int(first["year"])
    period = str(first["period"])
    intro = (f'<p class="ssp-lead ssp-kpi-period">Sammenligner {esc(period)} {year} med samme periode '
             f"{year - 1}. Hold musen over et nøgletal for at se definitionen.</p>")
    cards = "".join(kpi_card_html(row) for row in frame.to_dict("records"))
    fdr = f'<p class="ssp-lead ssp-fdr">{esc(stats.FDR_SENTENCE)}</p>'
    return f'{intro}<div class="ssp-cards">{cards}</div>{fdr}'


class ExperienceSection:
    """KPI cards, trend, the actioncard heat map, platforms, offences, outcomes, completeness,
    networks without export and the searchable learnings; all follow the page's filters."""

    def __init__(self, db_path: Path, deferred: Deferred, *, today: date | None = None) -> None:
        self.db_path = Path(db_path)
        self.deferred = deferred
        self.lock = deferred.lock
        self.today = today
        self.timings: dict[str, float] = {}
        self._kpi_cache: dict[tuple, pd.DataFrame] = {}
        self._no_export_cache: dict[tuple, pd.DataFrame] = {}  # per (year, database version)
        self.filters = Filters()
        self.kpi_frame = pd.DataFrame()
        self.status = Status()
        self.chart_status = Status()
        self.cards = widgets.HTML("")
        self.cards.add_class("ssp-kpi-cards")
        self.kpi_chart = FigureView()
        self.trend_by = widgets.ToggleButtons(options=[("Pr. måned", "month"), ("Pr. kvartal", "quarter")],
                                              value="quarter", description="Udvikling",
                                              style={"button_width": "110px"})
        self.trend_chart = FigureView()
        self.heatmap = FigureView()
        self.platforms = FigureView()
        self.offences = FigureView()
        self.outcomes = FigureView()
        self.underretning = widgets.HTML("")  # what each of the three "underretning" figures counts
        self.underretning.add_class("ssp-underretning")
        self.completeness = FigureView()
        self.no_export = widgets.HTML("")
        self.search = widgets.Text(placeholder="Søg i erfaringerne, fx SletDet eller forældre",
                                   description="Søg", continuous_update=False,
                                   layout=widgets.Layout(width="460px"))
        self.search.add_class("ssp-learnings-search")
        self.learnings = widgets.HTML("")
        self.learnings.add_class("ssp-learnings")
        self.trend_by.observe(lambda _c: self.refresh_trend(), names="value")
        self.search.observe(lambda _c: self.refresh_learnings(), names="value")
        self.widget = widgets.VBox([
            widgets.HTML(heading_html(SECTION_NUMBER, TITLE, LEAD, anchor="sektion-5")),
            self.status.widget, self.cards, self.chart_status.widget, self.kpi_chart,
            widgets.HTML("<h3>Udvikling over tid</h3>"), self.trend_by, self.trend_chart,
            widgets.HTML("<h3>Hvordan actioncardets fem faser blev fulgt</h3>"), self.heatmap,
            widgets.HTML("<h3>Platforme og typer af krænkelser</h3>"), self.platforms, self.offences,
            widgets.HTML("<h3>Udfald</h3>"), self.outcomes, self.underretning,
            widgets.HTML("<h3>Datakvalitet pr. netværk</h3>"), self.completeness, self.no_export,
            widgets.HTML("<h3>Netværkenes erfaringer</h3>"), self.search, self.learnings,
        ])

    # -- refresh ---------------------------------------------------------------------------

    def refresh(self, filters: Filters) -> None:
        """KPI cards now (the headline), the charts and learnings in the page's worker."""
        self.refresh_kpis(filters)
        self.submit_rest(filters)

    def refresh_kpis(self, filters: Filters) -> None:
        """The KPI cards for ``filters``, in the caller's thread (a filter change waits for these).

        Once the page is drawn, their chart too: it needs no other query, so the browser redraws
        it while the worker still reads the other charts' data (the cards are sent first).
        """
        self.filters = filters
        with guarded(self.status, loading="Henter nøgletal …"):
            self._kpis(filters)
            if self.deferred.ready.is_set():
                self._draw_kpi_chart({})

    def submit_rest(self, filters: Filters) -> None:
        """Charts and learnings for ``filters`` to the page's background worker."""
        self.deferred.submit("experience", lambda stale: self._load_rest(filters, stale))

    def _load_rest(self, filters: Filters, stale) -> None:
        """Charts and learnings for ``filters``; stops when a newer filter came.

        All queries run on one reader (the kernel keeps the database warm: ~0.4 ms to open, not
        ~20), closed before any figure is built, so the page's other readers (a KPI change, a
        save) wait only for the queries. The charts then go out one right after another, and
        the browser draws those that arrive together in one animation frame (``figure_view``).
        Also tried: sending each chart as soon as its own data was read. At 1M cases a network
        change took about as long either way (medians ~225 and ~235 ms in the same hour, with a
        spread of ±50 ms, timed in the page as ``benchmarks/dashboard.py`` times it).
        """
        started = time.perf_counter()
        with guarded(self.chart_status, loading="Henter figurer …"):
            version = database_signature(self.db_path)  # before opening: a newer file is never cached as this one
            with reader(self.db_path) as con:
                data = self._query_rest(con, filters, version)
            # The first time: until the browser has drawn the page. Figures are built only
            # then: tried building them while the browser loads (and warming plotly up in a
            # pre-heated kernel); both delayed the KPI cards from ~4 s to ~7-8 s
            # (benchmarks/dashboard.py), so neither is done.
            self.deferred.wait_ready()
            for draw in (self._draw_kpi_chart, self._draw_trend, self._draw_heatmap, self._draw_platforms,
                         self._draw_outcomes, self._draw_completeness, self._draw_learnings):
                if stale():
                    return
                draw(data)
        self.timings["rest"] = time.perf_counter() - started

    def _query_rest(self, con, f: Filters, version: tuple | None = None) -> dict[str, Any]:
        """Every frame the charts and the learnings need, for one filter."""
        return {
            "trend": self._query_trend(con, f), "trend_by": self.trend_by.value,
            "adherence": queries.actioncard_adherence(con, f),
            "platforms": queries.platforms(con, f), "offences": queries.offence_types(con, f),
            "outcomes": queries.outcomes(con, f), "completeness": queries.completeness(con, f),
            "underretning": kpis.underretning_lines(con, f, today=self.today),
            "no_export": self._networks_without_export(con, f.year, version),
            "learnings": queries.learnings(con, f, self.search.value, limit=LEARNINGS_SHOWN),
        }

    def _networks_without_export(self, con, year: int | None, version: tuple | None) -> pd.DataFrame:
        """Networks without an export this year: the year's alone decides (not the other filters),
        so a network change reuses it (26 ms of the chart queries' ~70 ms at 1M cases)."""
        if year is None:
            return pd.DataFrame()
        if version is None:
            return queries.networks_without_export(con, year)
        key = (year, version)
        if key not in self._no_export_cache:
            self._no_export_cache = {key: queries.networks_without_export(con, year)}
        return self._no_export_cache[key]

    def refresh_trend(self) -> None:
        with guarded(self.status):
            with reader(self.db_path) as con:
                frame = self._query_trend(con, self.filters)
            self._draw_trend({"trend": frame, "trend_by": self.trend_by.value})

    def refresh_learnings(self) -> None:
        with guarded(self.status):
            with reader(self.db_path) as con:
                frame = queries.learnings(con, self.filters, self.search.value, limit=LEARNINGS_SHOWN)
            self._draw_learnings({"learnings": frame})

    def _show(self, out: FigureView, fig) -> None:
        """Draw a figure (a ``charts`` spec) computed outside the page lock, holding the lock only
        to apply it; a chart the new filter leaves as it was is not sent again."""
        with self.lock:
            show_figure(out, fig)

    def _set(self, widget: widgets.HTML, value: str) -> None:
        with self.lock:
            widget.value = value

    def _kpis(self, filters: Filters) -> None:
        """KPI frame from the cache when the same filter was shown on the same data, else a query."""
        started = time.perf_counter()
        key = (filters, database_signature(self.db_path))
        frame = self._kpi_cache.get(key)
        if frame is None:
            with reader(self.db_path) as con:
                frame = queries.kpis(con, filters, today=self.today)
            self._kpi_cache[key] = frame
            while len(self._kpi_cache) > KPI_CACHE_SIZE:
                self._kpi_cache.pop(next(iter(self._kpi_cache)))
        cards = kpi_cards_html(frame)
        with self.lock:
            self.kpi_frame = frame
            self.cards.value = cards
        self.timings["kpis"] = time.perf_counter() - started

    def _query_trend(self, con, f: Filters) -> pd.DataFrame:
        """Cases per month or quarter (the toggle's choice) over all years."""
        return queries.trend(con, f, by=self.trend_by.value)

    def _draw_kpi_chart(self, data: dict[str, Any]) -> None:
        self._show(self.kpi_chart, charts.kpi_spec(self.kpi_frame))

    def _draw_trend(self, data: dict[str, Any]) -> None:
        title = "Sager pr. måned, alle år" if data["trend_by"] == "month" else "Sager pr. kvartal, alle år"
        self._show(self.trend_chart, charts.trend_spec(data["trend"], title=title))

    def _draw_heatmap(self, data: dict[str, Any]) -> None:
        self._show(self.heatmap, charts.adherence_spec(data["adherence"]))

    def _draw_platforms(self, data: dict[str, Any]) -> None:
        self._show(self.platforms, charts.platforms_spec(data["platforms"]))
        self._show(self.offences, charts.offence_types_spec(data["offences"]))

    def _draw_outcomes(self, data: dict[str, Any]) -> None:
        self._show(self.outcomes, charts.outcomes_spec(data["outcomes"]))
        lines = "".join(f"<li>{esc(line)}</li>" for line in data["underretning"])
        self._set(self.underretning, '<div class="ssp-banner ssp-banner-info"><b>Tre tal for underretning</b>'
                                     f"<ul>{lines}</ul></div>")

    def _draw_completeness(self, data: dict[str, Any]) -> None:
        self._show(self.completeness, charts.completeness_spec(data["completeness"]))
        missing = data["no_export"]
        if missing.empty:
            self._set(self.no_export, '<p class="ssp-lead">Alle netværk har indberettet i år.</p>')
        else:
            self._set(self.no_export, "<p><b>Netværk uden indberetning i år</b></p>" + table_html(
                missing, {"netvaerk": "SSP-netværk", "last_month": "Seneste indberetning",
                          "cases_before": "Sager før"}, formats={"last_month": fmt.month, "cases_before": fmt_int}))

    def _draw_learnings(self, data: dict[str, Any]) -> None:
        frame = data["learnings"]
        found = fmt.plural(len(frame), "erfaring", "erfaringer") + (f" (de {LEARNINGS_SHOWN} nyeste)" if len(frame) == LEARNINGS_SHOWN else "")
        self._set(self.learnings, f'<p class="ssp-lead">{esc(found)}</p>' + table_html(
            frame, {"netvaerk": "SSP-netværk", "month": "Måned", "situation_label": "Situation",
                    "erfaringer": "Erfaringer"},
            formats={"month": fmt.month}, scroll=True, empty="Ingen erfaringer matcher søgningen."))

    # -- for tests -------------------------------------------------------------------------

    def card_value(self, key: str) -> str:
        """The value text on one KPI card (what the browser shows)."""
        row = self.kpi_frame.set_index("key").loc[key].to_dict() | {"key": key}
        return kpi_value_text(row)

"""Årsevaluering, question 5 ("Erfaringer fra året"): key figures, trends and learnings.

Every number comes from ``queries``/``kpis`` and every chart from ``charts``, so the page
and the report show the same figures. A filter change recomputes the section on one
short-lived reader connection, unless the page has kept it: what was shown for a filter on
the same version of the database is kept, and in a browser the page's worker prepares the
other networks while the page is idle (``_prefetch``). KPI cards put this year next to last
year with the verdict from ``stats`` (is the change beyond chance?), never a bare arrow.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
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
from evaluation.views.figure_view import FigureView, PreparedFigure, prepare
from evaluation.views.worker import Deferred

TITLE = "Erfaringer fra året"
LEAD = ("Årets sager mod sidste års i samme periode. Tallene er små, så hvert nøgletal siger, "
        "om ændringen er større end tilfældig variation.")
SECTION_NUMBER = 5
# Views kept per filter and database version (KPI frames; built charts and HTML): switching
# back to a filter, or to a prefetched network, is drawn without reading or building anything.
KEPT_VIEWS = 32
PREFETCH_JOB = "prefetch"
PREFETCH_DELAY_S = 0.1  # after the text under the charts was sent: the browser shows it meanwhile
PACE_TIMEOUT_S = 2.0  # the longest the text under the charts waits for the browser to draw them
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


def trend_title(by: str) -> str:
    return "Sager pr. måned, alle år" if by == "month" else "Sager pr. kvartal, alle år"


def underretning_html(lines: list[str]) -> str:
    """What each of the three "underretning" figures counts, as a box under the outcomes."""
    items = "".join(f"<li>{esc(line)}</li>" for line in lines)
    return f'<div class="ssp-banner ssp-banner-info"><b>Tre tal for underretning</b><ul>{items}</ul></div>'


def no_export_html(missing: pd.DataFrame) -> str:
    """The networks that have not sent an export this year, or that all have."""
    if missing.empty:
        return '<p class="ssp-lead">Alle netværk har indberettet i år.</p>'
    return "<p><b>Netværk uden indberetning i år</b></p>" + table_html(
        missing, {"netvaerk": "SSP-netværk", "last_month": "Seneste indberetning", "cases_before": "Sager før"},
        formats={"last_month": fmt.month, "cases_before": fmt_int})


def learnings_html(frame: pd.DataFrame) -> str:
    """The learnings found, newest first, as a scrolling table (at most ``LEARNINGS_SHOWN``)."""
    found = fmt.plural(len(frame), "erfaring", "erfaringer") + (
        f" (de {LEARNINGS_SHOWN} nyeste)" if len(frame) == LEARNINGS_SHOWN else "")
    return f'<p class="ssp-lead">{esc(found)}</p>' + table_html(
        frame, {"netvaerk": "SSP-netværk", "month": "Måned", "situation_label": "Situation",
                "erfaringer": "Erfaringer"},
        formats={"month": fmt.month}, scroll=True, empty="Ingen erfaringer matcher søgningen.")


@dataclass(frozen=True)
class KeptKpis:
    """The KPI frame for one filter with its cards and chart, built once (shown again at once)."""

    frame: pd.DataFrame
    cards: str
    chart: PreparedFigure

    @classmethod
    def of(cls, frame: pd.DataFrame) -> KeptKpis:
        return cls(frame, kpi_cards_html(frame), prepare(charts.kpi_spec(frame)))


class ExperienceSection:
    """KPI cards, trend, the actioncard heat map, platforms, offences, outcomes, completeness,
    networks without export and the searchable learnings; all follow the page's filters."""

    def __init__(self, db_path: Path, deferred: Deferred, *, today: date | None = None,
                 prefetch: bool = False, paced: bool = False) -> None:
        self.db_path = Path(db_path)
        self.deferred = deferred
        self.lock = deferred.lock
        self.today = today
        self.timings: dict[str, float] = {}
        # Kept per (filter, …, database version), so returning to a filter is instant and the
        # prefetch can prepare the other networks: KPI frames, and the built charts and HTML.
        self._kpi_cache: dict[tuple, KeptKpis] = {}
        self._shown: dict[tuple, dict[str, Any]] = {}
        self._cache_lock = threading.Lock()
        self.prefetch = prefetch
        self.paced = paced  # a browser reports its drawn charts (``_charts_drawn``)
        self.networks: tuple[str, ...] = ()  # the network drop-down's choices (the page sets them)
        self._no_export_cache: dict[tuple, pd.DataFrame] = {}  # per (year, database version)
        self.filters = Filters()
        self.kpi_frame = pd.DataFrame()
        self._kpi_chart_shown: PreparedFigure | None = None  # the KPI cards' chart (``_kpis``)
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
        for area in self.chart_areas():
            area.on_first_drawing(self._first_drawing)
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

        Once the page is drawn, their chart too when the other charts must be read: it needs no
        other query, so the browser redraws it while the worker reads (the cards are sent first).
        """
        self.filters = filters
        kept = self._kept(self._kpi_cache, (filters, database_signature(self.db_path))) is not None
        with guarded(self.status, loading=None if kept else "Henter nøgletal …"):  # kept: shown at once
            self._kpis(filters)
            # A kept view's charts follow within a few ms: the KPI chart goes with them, so the
            # browser draws all seven in one frame (not one, a paint, then six in the next).
            if self.deferred.ready.is_set() and self._kept(self._shown, self._shown_key(filters)) is None:
                self._draw_kpi_chart()

    def submit_rest(self, filters: Filters) -> None:
        """Charts and learnings for ``filters`` to the page's background worker."""
        self.deferred.submit("experience", lambda stale: self._load_rest(filters, stale))

    def _load_rest(self, filters: Filters, stale) -> None:
        """Charts and learnings for ``filters``; stops when a newer filter came.

        A filter shown before on the same data, or prefetched (``_prefetch``), is drawn from
        what was kept: nothing is read or built, so the kernel sends the seven charts within a
        few ms, and the browser draws them in one animation frame (``figure_view``). Otherwise
        all queries run on one reader (the kernel keeps the database warm: ~0.4 ms to open, not
        ~20), closed before any figure is built, so the page's other readers (a KPI change, a
        save) wait only for the queries; each chart then goes out as soon as it is built.
        The text under the charts (underretning, networks without export, learnings) follows
        once the browser has drawn the charts (``_charts_drawn``).
        Also tried: sending each chart as soon as its own data was read. At 1M cases a network
        change took about as long either way (medians ~225 and ~235 ms in the same hour, with a
        spread of ±50 ms, timed in the page as ``benchmarks/dashboard.py`` times it).
        """
        started = time.perf_counter()
        key = self._shown_key(filters)
        kept = self._kept(self._shown, key)
        built: dict[str, Any] = {}
        parts: Iterator[tuple[str, Any]] = iter(())
        text: list[tuple[str, Any]] = []  # the first text part, reached when the charts are sent
        # "Henter figurer …" only while something is read: a kept view is sent at once, and a
        # status line that comes and goes moves the whole page under it twice.
        with guarded(self.chart_status, loading=None if kept is not None else "Henter figurer …"):
            data = None
            if kept is None:
                with reader(self.db_path) as con:
                    data = self._query_rest(con, key)
            # The first time: until the browser has drawn the page. Figures are built only
            # then: tried building them while the browser loads (and warming plotly up in a
            # pre-heated kernel); both delayed the KPI cards from ~4 s to ~7-8 s
            # (benchmarks/dashboard.py), so neither is done.
            self.deferred.wait_ready()
            self._draw_kpi_chart()
            parts = iter(kept.items() if kept is not None else self._build(data))
            for name, value in parts:
                if stale():
                    return
                if not isinstance(value, PreparedFigure):
                    text.append((name, value))
                    break
                self._apply(name, value)
                built[name] = value
        if not text or self.chart_status.widget.value:  # stopped, or an error is shown: it stays
            return
        with guarded(self.chart_status, loading=None):
            if not self._charts_drawn(stale):
                return
            for name, value in itertools.chain(text, parts):
                if stale():
                    return
                self._apply(name, value)
                built[name] = value
            if kept is None:
                self._keep(self._shown, key, built)
        self.timings["rest"] = time.perf_counter() - started
        if self.prefetch and not stale():
            self.deferred.submit(PREFETCH_JOB, lambda stale: self._prefetch(filters, stale))

    def _build(self, data: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        """What the section shows for one filter, part by part, in the order it is sent: a
        ``PreparedFigure`` for each chart area, then HTML for the others (widget names)."""
        yield "trend_chart", prepare(charts.trend_spec(data["trend"], title=trend_title(data["trend_by"])))
        yield "heatmap", prepare(charts.adherence_spec(data["adherence"]))
        yield "platforms", prepare(charts.platforms_spec(data["platforms"]))
        yield "offences", prepare(charts.offence_types_spec(data["offences"]))
        yield "outcomes", prepare(charts.outcomes_spec(data["outcomes"]))
        yield "completeness", prepare(charts.completeness_spec(data["completeness"]))
        yield "underretning", underretning_html(data["underretning"])
        yield "no_export", no_export_html(data["no_export"])
        yield "learnings", learnings_html(data["learnings"])

    def _charts_drawn(self, stale) -> bool:
        """In a browser (``paced``): wait until it has drawn the charts just sent, at most
        ``PACE_TIMEOUT_S``, before the tables under them (and the page's next jobs) are sent;
        False if a newer filter came meanwhile.

        Why: the browser has one thread for everything. A 200-row table or a section of forms
        that arrives while it draws the charts is parsed and laid out in between, and each
        later chart's measurements pay for that layout; and the worker's next job (section 2's
        key persons on a network change) shared the two cores with the browser. A network
        change at 1M cases, all charts redrawn: median 191 ms paced, 238 ms without (32 changes
        each, alternating servers). The text under the charts follows them by one round trip.
        """
        if not self.paced or not all(area.drawn_once for area in self.chart_areas()):
            return not stale()  # the page's first drawing: the browser is loading plotly.js too
        deadline = time.monotonic() + PACE_TIMEOUT_S
        for area in self.chart_areas():
            while not area.wait_drawn(min(0.05, max(0.0, deadline - time.monotonic()))):
                if stale():
                    return False
                if time.monotonic() >= deadline:
                    return True
        return not stale()

    def chart_areas(self) -> list[FigureView]:
        """The section's seven chart areas, in page order."""
        return [self.kpi_chart, self.trend_chart, self.heatmap, self.platforms, self.offences, self.outcomes,
                self.completeness]

    def _apply(self, name: str, value: Any) -> None:
        """Show one built part in its widget (a chart area or an HTML widget)."""
        widget = getattr(self, name)
        if isinstance(widget, FigureView):
            self._show(widget, value)
        else:
            self._set(widget, value)

    # -- kept views and the prefetch -------------------------------------------------------

    def _shown_key(self, filters: Filters) -> tuple:
        """What the charts and learnings depend on; the database version last (a newer file is
        never taken for this one: the version is read before the file is opened)."""
        return (filters, self.trend_by.value, self.search.value, database_signature(self.db_path))

    def _kept(self, cache: dict, key: tuple) -> Any:
        with self._cache_lock:
            return cache.get(key)

    def _keep(self, cache: dict, key: tuple, value: Any) -> None:
        """Keep ``value`` for ``key``; the oldest go first, and nothing of an older database
        version stays (it can never be shown again)."""
        with self._cache_lock:
            for old in [k for k in cache if k[-1] != key[-1]]:
                del cache[old]
            cache[key] = value
            while len(cache) > KEPT_VIEWS:
                cache.pop(next(iter(cache)))

    def _neighbours(self, filters: Filters) -> list[Filters]:
        """The filters a person is likely to choose next: the same with each other network (the
        next in the drop-down first) and all networks."""
        choices: list[tuple[str, ...]] = [(), *((n,) for n in self.networks)]
        if filters.networks not in choices:
            return []
        at = choices.index(filters.networks)
        return [replace(filters, networks=n) for n in choices[at + 1:] + choices[:at]]

    def _prefetch(self, filters: Filters, stale) -> None:
        """Read and build, while the page is idle, what the other networks would show, so a
        network change is drawn from what is kept (the kernel then sends the charts in a few
        ms, and the browser has the cores to itself to draw them).

        Idle work only: it runs after the page's other jobs, starts ``PREFETCH_DELAY_S`` after
        the text under the charts was sent, goes one network and one reader at a time, and
        stops as soon as the person asks for anything else; the page's next filter change
        prefetches again. Kept views belong to one database version, so a save or an import
        is never hidden by them. Its price is memory: a kept view is ~0.1 MB of JSON and HTML
        as sent (63–138 KB measured at 10k and 1M cases), one per network.

        Each prepared network's charts also go to the browser ahead (``_predraw``), which draws
        them aside while it is idle: a network change then swaps drawings instead of redrawing.
        """
        if not self.deferred.quiet_for(PREFETCH_DELAY_S, PREFETCH_JOB):
            return
        for other in self._neighbours(filters):
            for step in (self._prefetch_kpis, self._prefetch_rest, self._predraw):
                if stale() or self.deferred.others_waiting(PREFETCH_JOB):
                    return
                step(other)

    def _first_drawing(self) -> None:
        """When the browser has drawn every chart area once: the spare drawings the prefetch could
        not send before (a page's first prefetch often ends before the browser has loaded
        plotly.js and drawn the page) go now, from what is kept."""
        if self.prefetch and all(area.drawn_once for area in self.chart_areas()):
            filters = self.filters
            self.deferred.submit(PREFETCH_JOB, lambda stale: self._prefetch(filters, stale))

    def _prefetch_kpis(self, filters: Filters) -> None:
        key = (filters, database_signature(self.db_path))
        if self._kept(self._kpi_cache, key) is None:
            with reader(self.db_path) as con:
                frame = queries.kpis(con, filters, today=self.today)
            self._keep(self._kpi_cache, key, KeptKpis.of(frame))

    def _prefetch_rest(self, filters: Filters) -> None:
        key = self._shown_key(filters)
        if self._kept(self._shown, key) is None:
            with reader(self.db_path) as con:
                data = self._query_rest(con, key)
            self._keep(self._shown, key, dict(self._build(data)))

    def _predraw(self, filters: Filters) -> None:
        """Send the charts kept for ``filters`` to the browser as spare drawings (``FigureView.
        predraw``): it draws them while the page is idle, and swaps one in when the kernel shows
        the same content. Why: at 1M cases the kernel sends a kept network's seven charts within
        a few ms, but the browser's ``Plotly.react`` of the seven took ~90–140 ms of the change."""
        kpis_kept = self._kept(self._kpi_cache, (filters, database_signature(self.db_path)))
        kept = self._kept(self._shown, self._shown_key(filters))
        figures = ([("kpi_chart", kpis_kept.chart)] if kpis_kept is not None else []) + [
            (name, value) for name, value in (kept or {}).items() if isinstance(value, PreparedFigure)]
        for name, figure in figures:  # not under the page's lock: a send changes no widget state
            if self.deferred.others_waiting(PREFETCH_JOB):
                return
            getattr(self, name).predraw(figure)

    def _query_rest(self, con, key: tuple) -> dict[str, Any]:
        """Every frame the charts and the learnings need, for one ``_shown_key``."""
        f, trend_by, search, version = key
        return {
            "trend": queries.trend(con, f, by=trend_by), "trend_by": trend_by,
            "adherence": queries.actioncard_adherence(con, f),
            "platforms": queries.platforms(con, f), "offences": queries.offence_types(con, f),
            "outcomes": queries.outcomes(con, f), "completeness": queries.completeness(con, f),
            "underretning": kpis.underretning_lines(con, f, today=self.today),
            "no_export": self._networks_without_export(con, f.year, version),
            "learnings": queries.learnings(con, f, search, limit=LEARNINGS_SHOWN),
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
                frame = queries.trend(con, self.filters, by=self.trend_by.value)
            self._apply("trend_chart", prepare(charts.trend_spec(frame, title=trend_title(self.trend_by.value))))

    def refresh_learnings(self) -> None:
        with guarded(self.status):
            with reader(self.db_path) as con:
                frame = queries.learnings(con, self.filters, self.search.value, limit=LEARNINGS_SHOWN)
            self._set(self.learnings, learnings_html(frame))

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
        kept = self._kept(self._kpi_cache, key)
        if kept is None:
            with reader(self.db_path) as con:
                kept = KeptKpis.of(queries.kpis(con, filters, today=self.today))
            self._keep(self._kpi_cache, key, kept)
        with self.lock:
            self.kpi_frame = kept.frame
            self._kpi_chart_shown = kept.chart
            self.cards.value = kept.cards
        self.timings["kpis"] = time.perf_counter() - started

    def _draw_kpi_chart(self) -> None:
        if self._kpi_chart_shown is not None:
            self._show(self.kpi_chart, self._kpi_chart_shown)

    # -- for tests -------------------------------------------------------------------------

    def card_value(self, key: str) -> str:
        """The value text on one KPI card (what the browser shows)."""
        row = self.kpi_frame.set_index("key").loc[key].to_dict() | {"key": key}
        return kpi_value_text(row)

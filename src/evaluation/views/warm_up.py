"""What a pre-heated kernel does before anyone opens its page: pay the first-use costs.

A pre-heated kernel (voila.json ``preheat_kernel``) imports the page's module and then waits
for the request (``common.wait_for_user``); everything the page does after that is on the
person's clock. Measured in a pre-heated kernel at 10,000 cases (cProfile around the page's
build, benchmarks/dashboard.py), a page's first build paid, besides its own queries and
widgets, for things any page pays once per process: pandas resolving its dtypes the first
time a DuckDB result becomes a DataFrame (~0.3 s), plotly loading its template JSON and its
lazily imported trace modules the first time a figure is made (~0.2–0.3 s), DuckDB's first
query, and scipy.stats, imported by the KPI cards' first test of a change (~0.6 s of
Årsevaluering's 1.0 s kernel build at 10,000 cases). Doing them here, on made-up values and an
in-memory database, moves them before the request without reading the database: the page
still reads its data only after the request, so it never shows data older than the request.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

# One row like the cases' columns: text, whole numbers, a date, a share, a missing value.
_SAMPLE_SQL = """SELECT 'Sindal' AS netvaerk, 2025 AS aar, DATE '2025-03-01' AS maaned, 0.5 AS andel,
                        CAST(NULL AS VARCHAR) AS tekst, 3::BIGINT AS sager, true AS ja"""


def warm_up() -> None:
    """Run the once-per-process first uses of DuckDB → pandas and plotly; never raises.

    Why not the page's own build on the real database: that would read data before the
    request, and hold the file while the kernel waits. A failure here only means the page
    pays the cost later, so it is logged by class name and ignored.
    """
    try:
        _duckdb_to_pandas()
        _plotly_figures()
        _statistics()
    except Exception as exc:  # a warm-up must never keep a page from showing
        log.warning("Opvarmning af kernen fejlede: %s", type(exc).__name__)


def _duckdb_to_pandas() -> None:
    """A query result as a DataFrame, on an in-memory database (never the real file)."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        frame = con.execute(_SAMPLE_SQL).df()
        frame.groupby("netvaerk", observed=True)["sager"].sum()
        frame.to_dict("records")
    finally:
        con.close()


def _plotly_figures() -> None:
    """One figure of each kind the pages draw, made ready for the browser as the pages do: the
    specs (``charts.*_spec``: the template is read once) and, for Udforsk's small multiples,
    graph objects of each trace kind (plotly's lazily imported trace modules)."""
    import pandas as pd
    import plotly.graph_objects as go

    from evaluation.analysis import charts
    from evaluation.views.figure_text import figure_table_html
    from evaluation.views.figure_view import figure_spec

    trend = pd.DataFrame({"period": ["2025-K1", "2025-K2"], "cases": [3, 4]})
    figures = [
        charts.bar_spec(trend, "period", "cases", "Opvarmning"),
        charts.trend_spec(pd.DataFrame({"period_label": ["2025-K1"], "cases_a": [1], "cases_b": [2]})),
        charts.empty_spec("Opvarmning"),
        charts.bar_chart(trend, "period", "cases", "Opvarmning"),
        go.Figure(go.Heatmap(z=[[0.5]], x=["a"], y=["b"], colorscale=charts.HEATMAP_SCALE)),
        go.Figure(go.Scatter(x=[1], y=[1], error_x={"type": "data", "array": [0.1]})),
    ]
    for fig in figures:
        figure_table_html(figure_spec(fig))


def _statistics() -> None:
    """The KPI cards' tests on made-up counts: the first one imports scipy.stats, and each
    method (Boschloo for small counts, Fisher, the exact binomial) has its own first use."""
    from evaluation.analysis import stats

    stats.compare_shares(3, 11, 5, 13)       # Boschloo
    stats.compare_shares(30, 410, 52, 430)   # Fisher
    stats.compare_counts(7, 12)


__all__ = ["warm_up"]

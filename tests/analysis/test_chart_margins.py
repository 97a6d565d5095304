"""chart_margins: each chart reserves the room its labels need before plotly draws it.

The browser test is the one that matters: plotly.js (the copy in the plotly package, as the
report embeds it) in Debian's Chromium draws every Årsevaluering chart of the demo database,
for every network, once with our margins and once with none, so plotly's automargin says
what the labels really need. Ours must hold that (else plotly draws the figure twice on
every filter change) without wasting much of the plot's width.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.analysis import chart_margins, charts, kpis, queries
from evaluation.analysis.filters import Filters
from evaluation.store import db


def test_wide_letters_measure_wider_than_narrow_ones() -> None:
    assert chart_margins.text_width("WWWW") > 2 * chart_margins.text_width("iiii")
    assert chart_margins.text_width("Ungdomsuddannelserne") > chart_margins.text_width("Vrå")
    # Arial 13 px: a digit is 7.2 px
    assert chart_margins.text_width("0123456789") == pytest.approx(72.3, abs=0.5)


def test_a_line_break_measures_the_widest_line() -> None:
    assert chart_margins.text_width("kort<br>en meget længere linje") == chart_margins.text_width(
        "en meget længere linje")


def test_long_category_labels_widen_the_left_margin() -> None:
    short = charts.bar_spec(_frame(["A", "B"]), "label", "n", "t", y_title="Platform", horizontal=True)
    long = charts.bar_spec(_frame(["A", "Red Barnet SletDet brugt – ukendt krænker"]), "label", "n", "t",
                           y_title="Platform", horizontal=True)
    assert long["layout"]["margin"]["l"] - short["layout"]["margin"]["l"] >= chart_margins.text_width(
        "Red Barnet SletDet brugt – ukendt krænker") - chart_margins.text_width("B")
    assert long["layout"]["yaxis"]["automargin"] is True  # the safety net stays


def test_a_margin_the_chart_set_is_never_narrowed() -> None:
    spec = {"data": [{"type": "bar", "x": ["a"], "y": [1]}], "layout": {"margin": {"l": 500, "b": 300, "t": 110}}}
    chart_margins.reserve(spec)
    assert spec["layout"]["margin"] == {"l": 500, "b": 300, "t": 110}


def test_hidden_axes_and_empty_charts_keep_their_margins() -> None:
    empty = charts.empty_spec("Ingen data")
    assert empty["layout"]["margin"] == {"l": 10, "r": 10, "t": 60, "b": 10}
    spec = {"data": [{"type": "bar", "x": ["a"], "y": [1]}],
            "layout": {"xaxis": {"visible": False}, "yaxis": {"side": "right"}}}
    chart_margins.reserve(spec)
    assert spec["layout"]["margin"] == {}


def test_stacked_bars_reserve_room_for_the_sum() -> None:
    spec = {"data": [{"type": "bar", "x": ["a"], "y": [900]}, {"type": "bar", "x": ["a"], "y": [900]}],
            "layout": {"barmode": "stack"}}
    chart_margins.reserve(spec)
    assert spec["layout"]["margin"]["l"] >= chart_margins.text_width("2.250") + chart_margins.TICK_PAD


def _frame(labels: list[str]):
    import pandas as pd

    return pd.DataFrame({"label": labels, "n": list(range(1, len(labels) + 1))})


def _aarsevaluering_specs(path: Path) -> list[dict]:
    """Every chart Årsevaluering draws, for all networks and for each one (the filter changes)."""
    with db.reader(path) as con:
        year = kpis.latest_year(con)
        networks = [r[0] for r in con.execute("SELECT DISTINCT netvaerk FROM cases ORDER BY 1").fetchall()]
        specs = []
        for chosen in [(), *((n,) for n in networks)]:
            f = Filters(year=year, networks=chosen)
            specs += [charts.kpi_spec(queries.kpis(con, f)), charts.trend_spec(queries.trend(con, f, by="quarter")),
                      charts.trend_spec(queries.trend(con, f, by="month")),
                      charts.adherence_spec(queries.actioncard_adherence(con, f)),
                      charts.platforms_spec(queries.platforms(con, f)),
                      charts.offence_types_spec(queries.offence_types(con, f)),
                      charts.outcomes_spec(queries.outcomes(con, f)),
                      charts.completeness_spec(queries.completeness(con, f))]
    return [s for s in specs if s["data"]]


_MEASURE_JS = """async (specs) => {
  const out = [];
  for (const spec of specs) {
    const ours = document.createElement('div'), bare = document.createElement('div');
    document.body.append(ours, bare);
    const none = JSON.parse(JSON.stringify(spec.layout));
    none.margin = Object.assign({}, none.margin, {l: 0, b: 0});
    await Plotly.newPlot(ours, spec.data, spec.layout);
    await Plotly.newPlot(bare, spec.data, none);
    out.push({title: spec.layout.title.text, ours: [ours._fullLayout._size.l, ours._fullLayout._size.b],
              set: [spec.layout.margin.l, spec.layout.margin.b],
              needed: [bare._fullLayout._size.l, bare._fullLayout._size.b]});
    Plotly.purge(ours); Plotly.purge(bare); ours.remove(); bare.remove();
  }
  return out;
}"""


def test_the_reserved_margins_hold_every_label_in_a_real_browser(demo_db: Path, browser) -> None:
    from plotly.offline import get_plotlyjs

    specs = _aarsevaluering_specs(demo_db)
    assert len(specs) >= 8 * 8
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.set_content('<html><body style="width:1240px"></body></html>')
        page.add_script_tag(content=get_plotlyjs())
        results = page.evaluate(_MEASURE_JS, specs)
    finally:
        page.close()
    for r in results:
        # plotly kept our margins: it found no label that needed more (no second drawing)
        assert [round(v) for v in r["ours"]] == r["set"], r
        for side, (ours, needed) in enumerate(zip(r["set"], r["needed"], strict=True)):
            assert ours >= needed - 1, (side, r)
            assert ours <= needed * 1.3 + 24, (side, r)  # not much wider than needed either

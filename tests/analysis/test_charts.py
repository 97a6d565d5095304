"""charts.py: Danish titles and axes, the traces and shapes the pages rely on, offline HTML."""

from __future__ import annotations

import base64
import json
import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from evaluation.analysis import charts


def _trend() -> pd.DataFrame:
    return pd.DataFrame({"period_label": ["2025 K1", "2025 K2", "2025 K3"], "cases": [3, 0, 2],
                         "cases_a": [2, 0, 2], "cases_b": [1, 0, 0]})


def _adherence() -> pd.DataFrame:
    rows = []
    for net, is_total in (("Syd", False), ("Nord", False), ("Alle netværk", True)):
        for no, (phase, label) in enumerate([("vurder", "Vurder"), ("dokumenter", "Dokumenter"),
                                             ("stop", "Stop"), ("anmeld", "Anmeld"),
                                             ("behandel", "Behandel")], start=1):
            n = 0 if (net == "Syd" and phase == "anmeld") else 4
            rows.append({"netvaerk": None if is_total else net, "netvaerk_label": net,
                         "is_total": is_total, "phase": phase, "phase_label": label, "phase_no": no,
                         "n": n, "followed": min(n, no), "share": min(n, no) / n if n else math.nan})
    return pd.DataFrame(rows)


def _ranked() -> pd.DataFrame:
    return pd.DataFrame({"value": ["snapchat", "tiktok", "discord", "ikke_registreret"],
                         "value_label": ["Snapchat", "TikTok", "Discord", "Ikke registreret"],
                         "cases": [5, 2, 0, 1], "share": [0.5, 0.2, 0.0, 0.1]})


def test_trend_chart_stacks_a_and_b_over_category_periods() -> None:
    fig = charts.trend_chart(_trend())
    assert fig.layout.title.text == "Sager over tid"
    assert [t.name for t in fig.data] == ["Situation A", "Situation B"]
    assert list(fig.data[1].y) == [1, 0, 0]
    assert fig.layout.barmode == "stack" and fig.layout.xaxis.type == "category"
    assert fig.layout.yaxis.title.text == "Antal sager"


def test_adherence_heatmap_is_networks_by_phases_with_n_in_hover() -> None:
    fig = charts.adherence_heatmap(_adherence())
    heat = fig.data[0]
    assert isinstance(heat, go.Heatmap)
    assert list(heat.x) == ["Vurder", "Dokumenter", "Stop", "Anmeld", "Behandel"]
    assert list(heat.y) == ["Nord", "Syd", "Alle netværk"]  # networks sorted, total last
    assert len(heat.z) == 3 and all(len(row) == 5 for row in heat.z)
    assert heat.z[1][3] is None and heat.text[1][3] == "–"  # Syd/Anmeld applies to no case
    assert heat.z[0][1] == pytest.approx(0.5) and heat.text[0][1] == "50 %<br>n=4"
    assert heat.customdata[0][1] == [2, 4]
    assert "customdata[1]" in heat.hovertemplate
    assert (heat.zmin, heat.zmax) == (0, 1)
    assert fig.layout.xaxis.title.text == "Fase i actioncardet"
    assert fig.layout.yaxis.title.text == "SSP-netværk"
    assert fig.layout.title.text == "Actioncardet fulgt pr. netværk"


def test_ranked_charts_leave_out_zero_rows() -> None:
    fig = charts.platforms_chart(_ranked())
    assert list(fig.data[0].y) == ["Snapchat", "TikTok", "Ikke registreret"]
    assert fig.data[0].orientation == "h"
    assert fig.layout.title.text == "Platforme i sagerne"
    assert charts.offence_types_chart(_ranked()).layout.yaxis.title.text == "Krænkelsestype"


def test_outcomes_chart_groups_values_under_their_field() -> None:
    df = pd.DataFrame({
        "field": ["politianmeldt", "politianmeldt", "sletdet_kontaktet"],
        "field_label": ["Politianmeldt", "Politianmeldt", "Red Barnet SletDet kontaktet"],
        "value": ["ja", "nej", "ikke_registreret"], "value_label": ["Ja", "Nej", "Ikke registreret"],
        "cases": [2, 4, 6], "total": [6, 6, 6], "share": [1 / 3, 2 / 3, 1.0]})
    fig = charts.outcomes_chart(df)
    bar = fig.data[0]
    assert [list(level) for level in bar.y] == [
        ["Politianmeldt", "Politianmeldt", "Red Barnet SletDet kontaktet"], ["Ja", "Nej", "Ikke registreret"]]
    assert list(bar.marker.color) == [charts.COLOURS["ja"], charts.COLOURS["nej"], charts.COLOURS["ikke_registreret"]]
    assert fig.layout.xaxis.tickformat == ".0%"


def test_kpi_chart_shows_both_years_with_intervals() -> None:
    df = pd.DataFrame({
        "kind": ["count", "share"], "label": ["Sager", "Politianmeldt"], "year": [2025, 2025],
        "numerator": [6, 2], "denominator": [None, 6], "value": [6.0, 1 / 3], "low": [2.2, 0.1],
        "high": [13.1, 0.7], "previous_numerator": [3, 1], "previous_denominator": [None, 3],
        "previous_value": [3.0, 1 / 3], "previous_low": [0.6, 0.06], "previous_high": [8.8, 0.79]})
    fig = charts.kpi_chart(df)
    assert [t.name for t in fig.data] == ["2024", "2025"]
    assert list(fig.data[1].y) == ["Politianmeldt"]  # counts are not on a share axis
    assert fig.data[1].error_x.array[0] == pytest.approx(0.7 - 1 / 3)


def test_explore_chart_marks_small_cells_and_names_the_measure() -> None:
    df = pd.DataFrame({"netvaerk": ["Nord", "Syd"], "netvaerk_label": ["Nord", "Syd"],
                       "cases": [3, 12], "small": [True, False]})
    fig = charts.explore_chart(df, ["netvaerk"], "cases")
    assert fig.layout.title.text == "Antal sager fordelt på SSP-netværk"
    assert list(fig.data[0].marker.opacity) == [0.4, 1.0]
    assert fig.data[0].customdata[0][0] == "lille tal"


def test_every_chart_has_a_danish_title_and_house_style() -> None:
    empty = pd.DataFrame()
    figures = [charts.trend_chart(_trend()), charts.adherence_heatmap(_adherence()),
               charts.platforms_chart(_ranked()), charts.bar_chart(_ranked(), "value_label", "cases", "Test"),
               charts.trend_chart(empty), charts.adherence_heatmap(empty), charts.outcomes_chart(empty)]
    for fig in figures:
        assert fig.layout.title.text
        assert fig.layout.separators == ",."
        assert list(fig.layout.colorway) == list(charts.SEQUENCE)
    no_data = charts.trend_chart(empty)
    assert no_data.layout.title.text == "Sager over tid"
    assert no_data.layout.annotations[0].text == charts.NO_DATA_TEXT


def _plain(value):
    """A figure's JSON data compared by value: plotly's typed arrays and numpy arrays as lists,
    tuples as lists, NaN as None (what JSON makes of it)."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if value.get("shape"):
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return _plain(array.tolist())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _frames(path) -> list[tuple]:
    """(spec builder, frame) for every chart the dashboards draw from a spec, on real query results
    and on the small frames above (missing shares, zero rows, empty frames)."""
    from evaluation.analysis import queries
    from evaluation.analysis.filters import Filters
    from evaluation.store import db

    with db.reader(path) as con:
        f = Filters(year=2025)
        real = [(charts.kpi_spec, queries.kpis(con, f)), (charts.trend_spec, queries.trend(con, f, by="month")),
                (charts.adherence_spec, queries.actioncard_adherence(con, f)),
                (charts.platforms_spec, queries.platforms(con, f)),
                (charts.offence_types_spec, queries.offence_types(con, f)),
                (charts.outcomes_spec, queries.outcomes(con, f)),
                (charts.completeness_spec, queries.completeness(con, f)),
                (charts.situation_spec, queries.situation_split(con, f))]
    small = [(charts.trend_spec, _trend()), (charts.adherence_spec, _adherence()),
             (charts.platforms_spec, _ranked()), (charts.kpi_spec, real[0][1].assign(previous_low=math.nan))]
    return real + small + [(build, frame.iloc[0:0]) for build, frame in real]


def test_specs_are_what_the_validated_figure_gives_back(handmade_db) -> None:
    """The dashboards send ``*_spec`` as it is (no validation, ~0.4 ms instead of ~30 ms a chart);
    the report draws ``*_chart``, the same spec validated. Validation must change nothing, and the
    spec must be plain JSON data (a widget trait: no numpy, no NaN)."""
    for build, frame in _frames(handmade_db):
        spec = build(frame)
        plain = json.loads(json.dumps(spec, allow_nan=False))
        assert plain["layout"]["template"] == charts._template()
        figure = charts.figure(build(frame))
        assert _plain(plain) == _plain(figure.to_plotly_json()), build.__name__
        assert _plain(json.loads(figure.to_json())) == _plain(plain), build.__name__


def test_offline_html_embeds_plotly_once_and_loads_nothing_from_outside() -> None:
    fig = charts.trend_chart(_trend())
    first = charts.to_offline_html(fig, include_plotlyjs=True, div_id="graf-1")
    later = charts.to_offline_html(fig, include_plotlyjs=False, div_id="graf-2")
    assert len(first) > 1_000_000 > len(later)  # plotly.js is in the first one only
    assert "<html" not in first  # a fragment for the report's page
    for html in (first, later):
        assert not re.search(r"<script[^>]+src=", html)  # no CDN: not plotly.js, not MathJax
    assert 'id="graf-2"' in later and "Sager over tid" in later
    assert charts.to_offline_html(fig, False, div_id="graf-2") == later  # reproducible

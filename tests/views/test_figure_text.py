"""figure_text.py: every chart's numbers as a table, read from the figure (WCAG 1.1.1, issue 13 item 9)."""

from __future__ import annotations

from pathlib import Path

from evaluation.analysis import charts, explore, queries
from evaluation.analysis.filters import Filters
from evaluation.store import db
from evaluation.views.common import show_figure
from evaluation.views.figure_text import figure_rows, figure_table_html
from evaluation.views.figure_view import FigureView


def test_bars_in_two_level_categories_with_shares(handmade_db: Path) -> None:
    with db.reader(handmade_db) as con:
        frame = queries.outcomes(con, Filters(year=2025))
    headings, rows = figure_rows(charts.outcomes_chart(frame))
    assert headings == ["Kategori", "Andel af sagerne"]
    drawn = frame[frame["cases"] > 0]
    assert len(rows) == len(drawn)
    first = drawn.iloc[0]
    assert rows[0] == [f"{first['field_label']} – {first['value_label']}", f"{first['share'] * 100:.1f}\u00a0%".replace(".", ",")]


def test_a_heat_map_keeps_its_cell_texts(handmade_db: Path) -> None:
    with db.reader(handmade_db) as con:
        frame = queries.actioncard_adherence(con, Filters(year=2025))
    headings, rows = figure_rows(charts.adherence_heatmap(frame))
    assert headings == ["Felt", "Andel fulgt"]
    assert all(" – " in r[0] for r in rows) and any(", n=" in r[1] for r in rows)


def test_small_multiples_name_their_panel(handmade_db: Path) -> None:
    dims = ["netvaerk", "situation", "aldersgruppe"]
    with db.reader(handmade_db) as con:
        frame = explore.explore(con, Filters(year=2025), dims, "cases")
    headings, rows = figure_rows(charts.explore_chart(frame, dims, "cases"))
    assert headings == ["Serie", "SSP-netværk", "Antal sager"]
    assert sum(int(r[2]) for r in rows) == int(frame["cases"].sum())
    assert any(r[0].startswith("12-14: ") for r in rows)


def test_show_figure_puts_the_table_under_the_chart(handmade_db: Path) -> None:
    with db.reader(handmade_db) as con:
        spec = charts.trend_spec(queries.trend(con, Filters(), by="quarter"))
    area = FigureView()
    show_figure(area, spec)
    assert area.figure["data"] == spec["data"] and area.figure["config"]["displaylogo"] is False
    assert area.table == figure_table_html(spec) == figure_table_html(charts.figure(spec))
    assert "<summary>Tallene bag figuren: Sager over tid</summary>" in area.table

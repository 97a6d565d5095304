"""The one Danish formatting kit (evaluation.format): numbers, dates, plurals, quotes, escaping."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from evaluation import format as fmt
from evaluation.views import common


@pytest.mark.parametrize("value, expected", [
    (0, "0"), (7, "7"), (1234, "1.234"), (1234567, "1.234.567"), (-1500, "-1.500"),
    (None, "–"), (float("nan"), "–"), (pd.NA, "–"), (float("inf"), "–"),
])
def test_integer(value: object, expected: str) -> None:
    assert fmt.integer(value) == expected


def test_number_with_decimals_uses_comma_and_point() -> None:
    assert fmt.number(1234.5, 1) == "1.234,5"
    assert fmt.number(0.25, 2) == "0,25"
    assert fmt.number(12.46) == "12"


@pytest.mark.parametrize("value, decimals, expected", [
    (0.42, 0, "42\u00a0%"), (0.4166, 1, "41,7\u00a0%"), (1, 0, "100\u00a0%"), (None, 0, "–"),
])
def test_percent_keeps_the_sign_on_the_same_line(value: object, decimals: int, expected: str) -> None:
    assert fmt.percent(value, decimals) == expected


def test_ranges() -> None:
    assert fmt.percent_range(0.12, 0.4) == "12–40\u00a0%"
    assert fmt.number_range(2.6, 9.2) == "3–9"
    assert fmt.percent_range(math.nan, 0.4) == "–" and fmt.number_range(None, 3) == "–"


def test_dates() -> None:
    assert fmt.day(date(2025, 11, 20)) == "20.11.2025"
    assert fmt.day("2025-11-20") == "20.11.2025"
    assert fmt.day(pd.Timestamp("2025-01-02 13:00")) == "02.01.2025"
    assert fmt.day(None) == "–" and fmt.day(pd.NaT) == "–"
    assert fmt.day_time(datetime(2025, 11, 20, 14, 3)) == "20.11.2025 14:03"


def test_month_is_a_word_that_does_not_break() -> None:
    assert fmt.month("2025-12") == "december\u00a02025"
    assert fmt.month(date(2024, 3, 1)) == "marts\u00a02024"
    assert fmt.month(None) == "–"


@pytest.mark.parametrize("count, expected", [(0, "0 roller"), (1, "1 rolle"), (2, "2 roller"),
                                             (1200, "1.200 roller")])
def test_plural_agreement(count: int, expected: str) -> None:
    assert fmt.plural(count, "rolle", "roller") == expected


def test_one_quote_style_and_enumeration() -> None:
    assert fmt.quote("Vurder") == "»Vurder«"
    assert fmt.and_list(["a"]) == "a" and fmt.and_list(["a", "b", "c"]) == "a, b og c" and fmt.and_list([]) == ""


def test_escaping_by_construction() -> None:
    hostile = '<script>alert("x")</script>'
    cell = fmt.element("td", hostile, class_="tal")
    assert isinstance(cell, Markup)
    assert str(cell) == '<td class="tal">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</td>'
    # markup built by the kit stays markup, plain text inside it is still escaped
    row = fmt.element("tr", cell, fmt.element("td", "a & b"))
    assert "<td>a &amp; b</td>" in row and row.count("<td") == 2
    # an attribute value cannot break out of its quotes
    assert '"' not in str(fmt.element("a", "x", href='" onclick="evil')).split('href="')[1].split('">')[0]
    assert str(fmt.element("p", "x", hidden=True, id=None)) == "<p hidden>x</p>"


@given(st.text())
def test_any_text_is_escaped(text: str) -> None:
    out = str(fmt.element("p", text))
    inner = out[len("<p>"):-len("</p>")]
    assert "<" not in inner and ">" not in inner


def test_table_keeps_markup_only_from_format_functions() -> None:
    frame = pd.DataFrame({"name": ["<b>Nord</b>", None], "flag": [True, False]})
    flag = lambda v: fmt.element("span", "Skal rettes", class_="ssp-flag") if v else "Nej"  # noqa: E731
    table = str(fmt.table_html(frame, {"name": "Navn", "flag": "Status"}, formats={"flag": flag}))
    assert "&lt;b&gt;Nord&lt;/b&gt;" in table and "<b>" not in table
    assert '<span class="ssp-flag">Skal rettes</span>' in table and "<td>Nej</td>" in table
    assert "<td>–</td>" in table
    assert str(fmt.table_html(pd.DataFrame(), {"a": "A"}, empty="Intet")) == '<p class="ssp-lead">Intet</p>'


def test_table_rows_escape_their_class_and_leave_a_cell_empty_for_none() -> None:
    """The rows are built as one string (the learnings list at every filter change): a row class
    is escaped like any attribute, and a format that gives None leaves the cell empty."""
    frame = pd.DataFrame({"name": ["Nord", "Syd"]})
    table = str(fmt.table_html(frame, {"name": "Navn"}, formats={"name": lambda v: None if v == "Syd" else v},
                               row_class=lambda r: 'a" onclick="x' if r["name"] == "Nord" else ""))
    assert '<tr class="a&#34; onclick=&#34;x"><td>Nord</td></tr>' in table
    assert '<tr class=""><td></td></tr>' in table and "None" not in table


def test_the_dashboards_old_names_are_the_same_kit() -> None:
    """views.common keeps its names for the pages, as plain str, with the kit's output."""
    assert common.fmt_int(1234) == fmt.integer(1234) and common.fmt_pct(0.5) == fmt.percent(0.5)
    assert common.fmt_date("2025-01-02") == "02.01.2025" and common.fmt_bool(True) == "Ja"
    assert type(common.esc("<x>")) is str and common.esc("<x>") == "&lt;x&gt;"
    # legacy raw columns (views.sections.FLAG) stay markup, other text is escaped
    from evaluation.views.sections import FLAG

    frame = pd.DataFrame({"flag": [FLAG.format("<Mangler>")], "note": ["<i>"]})
    table = common.table_html(frame, {"flag": "Status", "note": "Note"}, raw=("flag",))
    assert type(table) is str
    assert '<span class="ssp-flag">&lt;Mangler&gt;</span>' in table and "&lt;i&gt;" in table
    assert '<p class="ssp-lead">' + common.esc("x") + "</p>" == '<p class="ssp-lead">x</p>'

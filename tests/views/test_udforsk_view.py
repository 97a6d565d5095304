"""The Udforsk page's widgets (issue 13, items 1 and 6), driven without Jupyter."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from evaluation.analysis import explore_export
from evaluation.analysis.filters import Filters
from evaluation.store import db
from evaluation.views.udforsk import UdforskView

ROWS = [
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-01"},
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-03", "situation": "B"},
    {"netvaerk": "Syd", "indberetningsmaaned": "2024-05"},
]


@pytest.fixture
def view(case_db: Callable[..., Path]) -> UdforskView:
    path = case_db(ROWS, name="udforsk.duckdb")
    db.init(path)
    page = UdforskView(path)
    assert page.ready
    return page


def test_the_year_box_says_all_years_on_first_load(view: UdforskView) -> None:
    """A Dropdown whose value is None shows an empty box: the year was blank until changed."""
    year = view.filter_bar.year
    assert year.value is not None and year.label == "Alle år" and year.index == 0
    assert view.filter_bar.filters().year is None
    year.value = 2025
    assert view.filter_bar.filters().year == 2025


def test_downloads_are_named_by_their_content(view: UdforskView) -> None:
    view.filter_bar.year.value = 2025
    view.filter_bar.network.value = "Nord"
    names = re.findall(r'download="([^"]+)"', view.download.value)
    stem = "udforsk_antal-sager_efter_ssp-netvaerk_situation_2025_nord"
    assert names == [f"{stem}.csv", f"{stem}.xlsx"]
    csv_uri = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', view.download.value).group(1)
    text = base64.b64decode(csv_uri).decode("utf-8-sig")
    assert "SSP-netværk;Nord" in text and "År;2025" in text


def test_a_month_dimension_shows_the_months_without_cases(view: UdforskView) -> None:
    view.dimensions[0].value = "month"
    view.dimensions[1].value = "__ingen__"
    view.filter_bar.year.value = 2025
    assert "2025-02" in view.table.value  # no case in February: still a row (0)
    assert re.search(r"<td>2025-02</td><td>0</td>", view.table.value), view.table.value
    assert list(explore_export.table(view.frame, ["month"], "cases").frame["Måned"]) == ["2025-01", "2025-03"]
    assert Filters(year=2025) == view.filter_bar.filters()

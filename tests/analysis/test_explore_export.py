"""Udforsk's table, chart and files (issue 13, item 6): readable with three dimensions, one column
per count, files named by their content with the filters inside, shares as percentages,
age groups in age order, months without cases kept on the time axis."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from evaluation.analysis import charts, explore, explore_export
from evaluation.analysis.filters import Filters
from evaluation.store import db

MADE = datetime(2026, 12, 6, 10, 30)
# Nord has no case under 12; Syd has; the months have holes (no case in February or April).
ROWS = [
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-01", "aldersgruppe": "15_17", "politianmeldt": True},
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-03", "aldersgruppe": "12_14"},
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-03", "aldersgruppe": "15_17", "situation": "B"},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-05", "aldersgruppe": "under_12"},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-05", "aldersgruppe": "12_14", "politianmeldt": True},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-06", "aldersgruppe": "18_plus",
     "foraeldre_inddraget": "ikke_relevant"},
    {"netvaerk": "Vest", "indberetningsmaaned": "2024-11"},
]


@pytest.fixture
def path(case_db: Callable[..., Path]) -> Path:
    return case_db(ROWS, name="explore.duckdb")


def frame(path: Path, filters: Filters, dims: list[str], measure: str) -> pd.DataFrame:
    with db.reader(path) as con:
        return explore.with_empty_periods(con, filters, explore.explore(con, filters, dims, measure), dims, measure)


# --- months without cases ------------------------------------------------------------------

def test_months_without_cases_stay_on_the_time_axis(path: Path, case_db: Callable[..., Path]) -> None:
    got = frame(path, Filters(year=2025), ["month"], "cases")
    # The year runs to the newest month in the database (2025-06), not to December.
    assert list(got["month"]) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert list(got["cases"]) == [1, 0, 2, 0, 2, 1]
    assert list(got["small"]) == [True, False, True, False, True, True]


def test_months_fill_per_combination_seen_and_shares_of_nothing_are_empty(path: Path) -> None:
    got = frame(path, Filters(year=2025), ["netvaerk", "month"], "share_police_reports")
    nord = got[got["netvaerk"] == "Nord"]
    assert list(nord["month"]) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert list(nord["n"]) == [1, 0, 2, 0, 0, 0]
    assert nord["share_police_reports"].isna().tolist() == [False, True, False, True, True, True]
    assert set(got["netvaerk"]) == {"Nord", "Syd"}  # no invented network


def test_all_years_run_from_the_first_to_the_last_month_with_a_case(path: Path) -> None:
    got = frame(path, Filters(), ["quarter"], "cases")
    assert list(got["quarter"]) == ["2024 K4", "2025 K1", "2025 K2"]
    assert list(got["cases"]) == [1, 3, 3]


def test_without_a_period_the_frame_is_the_observed_one(path: Path) -> None:
    with db.reader(path) as con:
        observed = explore.explore(con, Filters(), ["netvaerk"], "cases")
        assert explore.with_empty_periods(con, Filters(), observed, ["netvaerk"], "cases") is observed


# --- the chart -----------------------------------------------------------------------------

def _panels(fig) -> set[str]:
    return {t.xaxis for t in fig.data}


def test_three_dimensions_are_small_multiples_not_a_crowd_of_hairlines(demo_db: Path) -> None:
    dims = ["netvaerk", "situation", "koen"]
    got = frame(demo_db, Filters(year=2025), dims, "cases")
    fig = charts.explore_chart(got, dims, "cases")
    combinations = got[["situation", "koen"]].drop_duplicates().shape[0]
    assert combinations > charts.MAX_SERIES  # the old chart drew one series per combination
    legend = [t.name for t in fig.data if t.showlegend]
    assert legend == ["Uskyldig sammenhæng", "Trusler, afpresning, seksuel krænkelse eller hævn"]
    assert len(_panels(fig)) == got["koen"].nunique()  # one panel per gender
    titles = [a.text for a in fig.layout.annotations]
    assert {"Pige", "Dreng"} <= set(titles)
    for trace in fig.data:  # horizontal bars: the networks' names are read, not tilted
        assert trace.orientation == "h"
    assert fig.layout.title.subtitle.text == "Lyse søjler bygger på 1–4 sager (lille tal)."


def test_a_second_dimension_with_many_values_becomes_panels(demo_db: Path) -> None:
    dims = ["aldersgruppe", "netvaerk"]
    got = frame(demo_db, Filters(year=2025), dims, "share_police_reports")
    fig = charts.explore_chart(got, dims, "share_police_reports")
    assert not fig.layout.showlegend and len(_panels(fig)) == got["netvaerk"].nunique() > charts.MAX_SERIES
    assert fig.layout.xaxis.tickformat == ".0%"


def test_age_groups_keep_their_order_in_every_panel(path: Path) -> None:
    dims = ["aldersgruppe", "netvaerk"]
    fig = charts.explore_chart(frame(path, Filters(year=2025), dims, "cases"), dims, "cases")
    order = ["Under 12", "12-14", "15-17", "18+"]
    # Nord has no "Under 12": the axis still starts with it, also where only Nord is drawn.
    nord = [t for t in fig.data if t.name == "Nord"]
    assert len(nord) == 1 and "Under 12" not in list(nord[0].y)
    assert list(fig.layout.yaxis.categoryarray) == order and fig.layout.yaxis.categoryorder == "array"
    assert fig.layout.yaxis.autorange == "reversed"  # read from the top


def test_months_run_left_to_right_with_the_empty_ones(path: Path) -> None:
    fig = charts.explore_chart(frame(path, Filters(year=2025), ["month"], "cases"), ["month"], "cases")
    assert fig.data[0].orientation == "v"
    assert list(fig.data[0].x) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert list(fig.data[0].y) == [1, 0, 2, 0, 2, 1]


# --- the table and the files ----------------------------------------------------------------

def test_one_column_per_count(path: Path) -> None:
    share = explore_export.table(frame(path, Filters(year=2025), ["netvaerk"], "share_police_reports"),
                                 ["netvaerk"], "share_police_reports")
    assert list(share.frame.columns) == ["SSP-netværk", "Antal", "Ud af", "Andel politianmeldt", "Lille tal"]
    cases = explore_export.table(frame(path, Filters(year=2025), ["netvaerk"], "cases"), ["netvaerk"], "cases")
    assert list(cases.frame.columns) == ["SSP-netværk", "Sager", "Lille tal"]
    restricted = explore_export.table(frame(path, Filters(year=2025), ["netvaerk"], "share_parents_1_day"),
                                      ["netvaerk"], "share_parents_1_day")
    assert list(restricted.frame.columns)[:4] == ["SSP-netværk", "Sager", "Antal", "Ud af"]  # n ≠ cases here


def test_file_names_say_what_the_file_holds() -> None:
    assert explore_export.file_stem(Filters(year=2025), ["netvaerk", "situation"], "cases") == \
        "udforsk_antal-sager_efter_ssp-netvaerk_situation_2025"
    assert explore_export.file_stem(Filters(networks=("Tårs",), situations=("B",)), ["aldersgruppe"],
                                    "share_police_reports") == \
        "udforsk_andel-politianmeldt_efter_den-kraenkedes-alder_alle-aar_taars_situation-b"


def test_csv_carries_the_filters_and_shares_as_percent(path: Path) -> None:
    filters = Filters(year=2025, networks=("Nord",))
    got = frame(path, filters, ["netvaerk"], "share_police_reports")
    result = explore_export.table(got, ["netvaerk"], "share_police_reports")
    text = explore_export.csv_bytes(result, filters, ["netvaerk"], "share_police_reports", MADE).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    about = {r[0]: r[1] for r in rows[:rows.index([])]}
    assert about["Mål"] == "Andel politianmeldt" and about["År"] == "2025" and about["SSP-netværk"] == "Nord"
    assert about["Situation"] == "A og B" and about["Hentet"] == "06.12.2026 10:30"
    table = rows[rows.index([]) + 1:]
    assert table[0] == ["SSP-netværk", "Antal", "Ud af", "Andel politianmeldt (%)", "Lille tal"]
    assert table[1] == ["Nord", "1", "3", "33,3", "Ja"]


def test_xlsx_has_shares_as_percent_numbers_and_a_filter_sheet(path: Path) -> None:
    filters = Filters(year=2025)
    got = frame(path, filters, ["netvaerk"], "share_police_reports")
    result = explore_export.table(got, ["netvaerk"], "share_police_reports")
    book = openpyxl.load_workbook(io.BytesIO(explore_export.xlsx_bytes(result, filters, ["netvaerk"],
                                                                     "share_police_reports", MADE)))
    assert book.sheetnames == ["Tabel", "Filtre"]
    sheet = book["Tabel"]
    assert [c.value for c in sheet[1]] == ["SSP-netværk", "Antal", "Ud af", "Andel politianmeldt", "Lille tal"]
    share = sheet["D2"]
    assert share.value == pytest.approx(1 / 3) and share.number_format == "0.0%"
    assert isinstance(sheet["B2"].value, int)
    assert {r[0].value: r[1].value for r in book["Filtre"].iter_rows()}["SSP-netværk"] == "Alle netværk"


def test_files_never_carry_a_formula(case_db: Callable[..., Path]) -> None:
    path = case_db([{"netvaerk": "=HYPERLINK(\"http://x\")"}], name="formula.duckdb")
    got = frame(path, Filters(), ["netvaerk"], "cases")
    result = explore_export.table(got, ["netvaerk"], "cases")
    text = explore_export.csv_bytes(result, Filters(), ["netvaerk"], "cases", MADE).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[-1][0] == "'=HYPERLINK(\"http://x\")"
    sheet = openpyxl.load_workbook(io.BytesIO(explore_export.xlsx_bytes(result, Filters(), ["netvaerk"],
                                                                      "cases", MADE)))["Tabel"]
    assert sheet["A2"].value.startswith("'=") and sheet["A2"].data_type == "s"

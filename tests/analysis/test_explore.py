"""explore.py: the Udforsk query, against HANDMADE_CASES (see conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.store import db
from evaluation.analysis import explore
from evaluation.errors import EvaluationError
from evaluation.analysis.filters import Filters
from evaluation.settings import settings


def _explore(path: Path, filters: Filters, dimensions: list[str], measure: str):
    with db.reader(path) as con:
        return explore.explore(con, filters, dimensions, measure)


def test_cases_per_network_are_all_small(handmade_db: Path) -> None:
    frame = _explore(handmade_db, Filters(year=2025), ["netvaerk"], "cases")
    assert frame[["netvaerk", "cases", "small"]].values.tolist() == [["Nord", 3, True], ["Syd", 3, True]]


def test_small_flag_follows_the_suppression_threshold(handmade_db: Path) -> None:
    assert settings.suppression_threshold == 4
    frame = _explore(handmade_db, Filters(), ["situation"], "cases")
    assert frame[["situation", "situation_label", "cases", "small"]].values.tolist() == [
        ["A", "Uskyldig sammenhæng", 6, False],
        ["B", "Trusler, afpresning, seksuel krænkelse eller hævn", 4, True],
    ]


def test_share_measure_has_numerator_n_and_share(handmade_db: Path) -> None:
    frame = _explore(handmade_db, Filters(), ["situation"], "share_police_reports").set_index("situation")
    assert tuple(frame.loc["A", ["numerator", "n"]]) == (0, 6)
    assert frame.loc["A", "share_police_reports"] == 0.0
    assert not frame.loc["A", "small"]  # 0 reports is not a small count; 6 cases is not small
    assert tuple(frame.loc["B", ["numerator", "n"]]) == (3, 4)  # N2 S6 S9 of N2 N3 S6 S9
    assert frame.loc["B", "share_police_reports"] == pytest.approx(0.75)
    assert frame.loc["B", "small"]


def test_list_dimensions_are_unnested_with_not_recorded(handmade_db: Path) -> None:
    frame = _explore(handmade_db, Filters(year=2025), ["platforme"], "cases")
    assert frame[["platforme", "cases"]].values.tolist() == [
        ["snapchat", 2], ["tiktok", 1], ["ikke_registreret", 4]]
    assert frame["platforme_label"].tolist() == ["Snapchat", "TikTok", "Ikke registreret"]


def test_two_list_dimensions_give_every_combination(handmade_db: Path) -> None:
    frame = _explore(handmade_db, Filters(year=2025, networks=("Nord",)),
                     ["platforme", "kraenkelsestyper"], "cases")
    combos = {(r.platforme, r.kraenkelsestyper): r.cases for r in frame.itertuples()}
    assert combos == {
        ("snapchat", "billeddeling"): 2, ("snapchat", "afpresning"): 1,
        ("tiktok", "billeddeling"): 1, ("tiktok", "afpresning"): 1,
        ("ikke_registreret", "billeddeling"): 1,
    }


def test_period_and_yes_no_dimensions_and_count_measures(handmade_db: Path) -> None:
    frame = _explore(handmade_db, Filters(), ["year", "politianmeldt"], "police_reports")
    rows = {(r.year, r.politianmeldt): (r.cases, r.police_reports) for r in frame.itertuples()}
    assert rows[("2025", "ja")] == (2, 2) and rows[("2025", "nej")] == (4, 0)
    assert rows[("2023", "nej")] == (1, 0)
    assert frame["politianmeldt_label"].isin(["Ja", "Nej"]).all()
    quarters = _explore(handmade_db, Filters(year=2025), ["quarter"], "victims")
    assert quarters["quarter"].tolist() == ["2025 K1", "2025 K2", "2025 K3", "2025 K4"]
    assert quarters["victims"].tolist() == [2, 2, 1, 1]


def test_age_bands_sort_young_to_old(handmade_db: Path) -> None:
    frame = _explore(handmade_db, Filters(year=2025), ["aldersgruppe"], "cases")
    assert frame["aldersgruppe"].tolist() == ["under_12", "12_14", "15_17", "18_plus"]


def test_filters_apply_and_no_dimension_gives_one_total(handmade_db: Path) -> None:
    frame = _explore(handmade_db, Filters(year=2025, situations=("B",)), [], "cases")
    assert frame["cases"].tolist() == [3]


@pytest.mark.parametrize(("dimensions", "measure", "message"), [
    (["sags_id"], "cases", "Ukendt dimension"),
    (["erfaringer"], "cases", "Ukendt dimension"),
    (["netvaerk; DROP TABLE cases"], "cases", "Ukendt dimension"),
    (["netvaerk", "netvaerk"], "cases", "to gange"),
    (["netvaerk", "situation", "year", "koen"], "cases", "højst 3"),
    (["netvaerk"], "count(*)", "Ukendt mål"),
])
def test_only_whitelisted_choices_are_accepted(handmade_db: Path, dimensions: list[str],
                                               measure: str, message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        _explore(handmade_db, Filters(), dimensions, measure)


def test_every_measure_runs_and_is_labelled_in_danish(handmade_db: Path) -> None:
    for key, measure in explore.MEASURES.items():
        frame = _explore(handmade_db, Filters(), ["netvaerk"], key)
        assert len(frame) == 3, key
        assert measure.label and not measure.label.startswith(key), key


@pytest.mark.parametrize("dimensions", [
    [], ["netvaerk"], ["platforme"], ["year", "situation"], ["quarter", "politianmeldt"],
    ["platforme", "kraenkelsestyper"], ["aldersgruppe", "vurdering", "month"],
])
def test_cubes_give_the_direct_sql_answers_on_handmade_cases(handmade_db: Path, dimensions: list[str],
                                                             same_as_direct) -> None:
    with db.reader(handmade_db) as con:
        for filters in (Filters(), Filters(year=2025, networks=("Nord",)), Filters(year=2019)):
            for measure in ("cases", "victims", "police_reports", "share_B", "share_parents_1_day"):
                same_as_direct(con, explore.explore, filters, dimensions, measure)


def test_a_choice_too_fine_for_a_cube_runs_the_direct_sql(handmade_db: Path, monkeypatch) -> None:
    from evaluation.analysis import cube

    # 3 networks x 12 cells x 12 months x 13 platforms x 10 offence types = 56,160 possible rows
    monkeypatch.setattr(explore, "MAX_CUBE_ROWS", 50_000)
    with db.reader(handmade_db) as con:
        cube.clear()
        fine = explore.explore(con, Filters(), ["month", "platforme", "kraenkelsestyper"], "cases")
        assert cube.cache_info().entries == 1  # only the case counts, to bound the cube's size
        explore.explore(con, Filters(), ["platforme", "kraenkelsestyper"], "cases")
        assert cube.cache_info().entries == 1 + 3  # + one partition per year (2023-2025)
    assert fine["cases"].sum() == 13  # 10 cases, unnested: N2 counts 2 platforms x 2 types

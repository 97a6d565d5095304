"""kpis.py: key figures and actioncard adherence against hand-computed answers.

The data is HANDMADE_CASES in conftest.py: 2025 has N1-N3 (Nord) and S4-S6 (Syd), 2024 has
N7, N8 (Nord) and S9 (Syd); an old, replaced version of N1 must never count.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from evaluation.store import db
from evaluation.analysis import kpis, stats
from evaluation.analysis.filters import Filters

LATER = date(2026, 6, 1)  # 2025 is a whole past year


def _kpis(path: Path, filters: Filters, today: date = LATER) -> pd.DataFrame:
    with db.reader(path) as con:
        return kpis.kpis(con, filters, today=today).set_index("key")


def test_kpis_2025_match_hand_counts(handmade_db: Path) -> None:
    frame = _kpis(handmade_db, Filters(year=2025))
    expected = {  # key: (numerator, denominator, previous numerator, previous denominator)
        "share_B": (3, 6, 1, 3),               # N2 N3 S6 | S9
        "police_reports": (2, 6, 1, 3),        # N2 S6 | S9
        "underretninger": (3, 6, 0, 3),        # N3 (assessed), S4 (sent), S6; S5 said no
        "parents_1_day": (2, 5, 1, 3),         # minors: N1 (0 d), S5 (1 d); S6 'ja' w/o days
        "documentation": (4, 6, 2, 3),         # N1 N3 S5 S6 | N7 S9
        "deleted_known": (2, 3, 1, 2),         # N1 N6 of N1 N2 S6 | N8 of N7 N8
        "deleted_unknown": (1, 1, 0, 0),       # N3; S4 'ukendt' left out | S9 empty left out
        "sletdet_unknown": (1, 2, 0, 1),       # N3 of N3 S4 (S5 ikke_relevant) | S9 not recorded
    }
    for key, (n1, d1, n0, d0) in expected.items():
        row = frame.loc[key]
        assert (row["numerator"], row["denominator"]) == (n1, d1), key
        assert (row["previous_numerator"], row["previous_denominator"]) == (n0, d0), key
        assert row["value"] == pytest.approx(n1 / d1), key
    cases = frame.loc["cases"]
    assert (cases["value"], cases["previous_value"]) == (6, 3)
    assert cases["months"] == 12 and cases["period"] == "hele året"


def test_kpi_intervals_and_verdicts_come_from_stats(handmade_db: Path) -> None:
    frame = _kpis(handmade_db, Filters(year=2025))
    share_b = frame.loc["share_B"]
    assert (share_b["low"], share_b["high"]) == pytest.approx(stats.wilson_interval(3, 6))
    # 3 of 2024's cases: too few to judge a share.
    assert share_b["verdict"] == stats.VERDICT_TOO_FEW
    cases = frame.loc["cases"]
    assert cases["p_value"] == pytest.approx(stats.compare_counts(6, 3).p_value)
    assert cases["verdict"] == stats.VERDICT_NONE
    assert (cases["low"], cases["high"]) == pytest.approx(stats.poisson_interval(6))
    empty = frame.loc["deleted_unknown"]
    assert math.isnan(empty["previous_value"]) and empty["too_few"]


def test_kpis_filters_networks_institution_types_and_situations(handmade_db: Path) -> None:
    assert _kpis(handmade_db, Filters(year=2025, networks=("Syd",))).loc["cases", "value"] == 3
    assert _kpis(handmade_db, Filters(year=2025, institution_types=("efterskole",))).loc["cases", "value"] == 1
    only_b = _kpis(handmade_db, Filters(year=2025, situations=("B",)))
    assert only_b.loc["cases", "value"] == 3
    assert only_b.loc["share_B", "value"] == 1.0
    # Last year's figures use the same filter.
    assert _kpis(handmade_db, Filters(year=2025, networks=("Syd",))).loc["cases", "previous_value"] == 1


def test_running_year_is_compared_with_the_same_months_last_year(handmade_db: Path) -> None:
    # In June 2025 the newest reported month of 2025 is November (S6): Jan-Nov is compared,
    # so S9 (2024-12) drops out of last year's base.
    frame = _kpis(handmade_db, Filters(year=2025), today=date(2025, 6, 1))
    assert frame.loc["cases", "months"] == 11
    assert frame.loc["cases", "period"] == "januar–november"
    assert frame.loc["cases", "previous_value"] == 2


def test_year_none_means_the_newest_year(handmade_db: Path) -> None:
    assert (_kpis(handmade_db, Filters()).loc["cases", "year"]) == 2025


def test_adherence_cells_match_hand_counts(handmade_db: Path) -> None:
    with db.reader(handmade_db) as con:
        frame = kpis.actioncard_adherence(con, Filters(year=2025))
    cells = {(r.netvaerk_label, r.phase): (r.followed, r.n) for r in frame.itertuples()}
    assert cells == {
        ("Nord", "vurder"): (2, 3), ("Nord", "dokumenter"): (3, 3), ("Nord", "stop"): (2, 3),
        ("Nord", "anmeld"): (1, 2), ("Nord", "behandel"): (0, 3),
        ("Syd", "vurder"): (3, 3), ("Syd", "dokumenter"): (2, 3), ("Syd", "stop"): (1, 2),
        ("Syd", "anmeld"): (1, 1), ("Syd", "behandel"): (2, 3),
        ("Alle netværk", "vurder"): (5, 6), ("Alle netværk", "dokumenter"): (5, 6),
        ("Alle netværk", "stop"): (3, 5), ("Alle netværk", "anmeld"): (2, 3),
        ("Alle netværk", "behandel"): (2, 6),
    }
    assert frame["phase_label"].tolist()[:5] == ["Vurder", "Dokumenter", "Stop", "Anmeld", "Behandel"]
    assert frame.loc[frame["netvaerk_label"] == "Nord", "share"].tolist()[:2] == pytest.approx([2 / 3, 1.0])


def test_adherence_without_total_and_with_no_cases(handmade_db: Path) -> None:
    with db.reader(handmade_db) as con:
        no_total = kpis.actioncard_adherence(con, Filters(year=2025), include_total=False)
        nothing = kpis.actioncard_adherence(con, Filters(year=2019))
    assert not no_total["is_total"].any() and len(no_total) == 10
    assert nothing.empty and "share" in nothing.columns


def test_a_phase_that_applies_to_no_case_has_no_share(case_db) -> None:
    path = case_db([{"situation": "A", "vurdering": ["paedagogisk"]}])
    with db.reader(path) as con:
        frame = kpis.actioncard_adherence(con, Filters(), include_total=False)
    anmeld = frame[frame["phase"] == "anmeld"].iloc[0]
    assert anmeld["n"] == 0 and math.isnan(anmeld["share"])


HANDMADE_FILTERS = (
    Filters(), Filters(year=2025), Filters(year=2024), Filters(year=2023), Filters(year=2019),
    Filters(year=2025, networks=("Syd",)), Filters(year=2025, institution_types=("efterskole",)),
    Filters(year=2025, situations=("B",)), Filters(networks=("Nord", "Vest"), situations=("A",)),
    Filters(year=2025, networks=("Findes ikke",)),
)


@pytest.mark.parametrize("filters", HANDMADE_FILTERS)
def test_cubes_give_the_direct_sql_answers_on_handmade_cases(handmade_db: Path, filters: Filters,
                                                             same_as_direct) -> None:
    with db.reader(handmade_db) as con:
        for today in (LATER, date(2025, 6, 1)):
            same_as_direct(con, kpis.kpis, filters, today=today)
        same_as_direct(con, kpis.actioncard_adherence, filters)
        same_as_direct(con, kpis.actioncard_adherence, filters, include_total=False)
        assert same_as_direct(con, kpis.latest_year) == 2025
        assert same_as_direct(con, kpis.comparison_months, 2025, date(2025, 6, 1)) == 11

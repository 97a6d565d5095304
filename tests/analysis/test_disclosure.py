"""analysis/disclosure.py: k-anonymity over network × month × age band × gender × institution type.

Known answers on hand-made cases, and on generated data the same figures from an independent
count (a Counter over the five facts) — the demo depends on today's date, so its exact
figures move (the issue quoted 438 of 600; the same generator gives 443 on other days).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from evaluation.analysis import disclosure
from evaluation.demo import generate
from evaluation.settings import settings
from evaluation.store import db

A = {"netvaerk": "Nord", "indberetningsmaaned": "2025-03", "aldersgruppe": "12_14", "koen": "pige",
     "institutionstype": "folkeskole"}
B = {"netvaerk": "Syd", "indberetningsmaaned": "2025-04", "aldersgruppe": "15_17", "koen": "pige",
     "institutionstype": "efterskole"}
C = {"netvaerk": "Vest", "indberetningsmaaned": "2025-05", "aldersgruppe": "15_17", "institutionstype": "friskole"}

HANDMADE: list[dict[str, Any]] = [
    {**A, "sags_id": "A1"}, {**A, "sags_id": "A2"},              # a class of 2
    {**A, "sags_id": "A3", "koen": "dreng"},                      # unique: only the gender differs
    *({**B, "sags_id": f"B{i}"} for i in range(1, 6)),            # a class of 5: at the threshold
    {**C, "sags_id": "C1", "koen": None},                         # unique: a missing gender is its own value
    {**C, "sags_id": "C2", "koen": "ukendt"},                     # unique
    {**A, "sags_id": "D1", "indberetningsmaaned": "2024-03"},     # 2024: alone
    # a replaced version of A3 is history, not a second child in A3's class
    {**A, "sags_id": "A3", "koen": "dreng", "import_id": 1, "replaced_by_import": 2, "content_hash": "old"},
]


@pytest.fixture
def handmade(case_db: Callable[..., Path]) -> Path:
    rows = [{"import_id": 2, **row} for row in HANDMADE]
    return case_db(rows, name="disclosure.duckdb")


def test_threshold_is_one_more_than_the_hidden_small_counts() -> None:
    assert disclosure.threshold() == settings.suppression_threshold + 1 == 5
    assert [disclosure.too_few(n) for n in (0, 1, 4, 5, 40)] == [False, True, True, False, False]


def test_known_answers_per_year_and_overall(handmade: Path) -> None:
    with db.reader(handmade) as con:
        found = {u.year: u for u in disclosure.uniqueness_by_year(con)}
    assert list(found) == [2024, 2025, None]
    y2025, y2024, overall = found[2025], found[2024], found[None]
    # 2025: classes A(2), A3(1), B(5), C1(1), C2(1)
    assert (y2025.cases, y2025.unique_cases, y2025.below_threshold, y2025.classes, y2025.smallest_class) == \
        (10, 3, 5, 5, 1)
    assert (y2024.cases, y2024.unique_cases, y2024.below_threshold, y2024.classes) == (1, 1, 1, 1)
    assert (overall.cases, overall.unique_cases, overall.below_threshold, overall.classes) == (11, 4, 6, 6)
    assert y2025.share_unique == pytest.approx(0.3) and overall.share_below_threshold == pytest.approx(6 / 11)


def test_a_year_where_every_class_reaches_the_threshold(case_db: Callable[..., Path]) -> None:
    path = case_db([{**B, "sags_id": f"B{i}"} for i in range(6)])
    with db.reader(path) as con:
        u = disclosure.uniqueness(con, 2025)
    assert (u.unique_cases, u.below_threshold, u.smallest_class) == (0, 0, 6)
    text = disclosure.sentence(u)
    assert text.startswith("I 2025 er 0 af 6 sager (0\u00a0%) den eneste af sin slags")
    assert "mindst 5 andre" in text


def test_the_sentence_says_what_it_means_in_danish(handmade: Path) -> None:
    with db.reader(handmade) as con:
        u = disclosure.uniqueness(con, 2025)
    text = disclosure.sentence(u)
    assert text.startswith("I 2025 er 3 af 10 sager (30\u00a0%) den eneste af sin slags på netværk, "
                           "indberetningsmåned, aldersgruppe, køn og institutionstype.")
    assert "personoplysninger" in text and "færre end 5 sager" in text


def test_an_empty_database_has_nothing_to_recognise(tmp_path: Path) -> None:
    path = tmp_path / "tom.duckdb"
    db.init(path)
    with db.reader(path) as con:
        assert disclosure.uniqueness_by_year(con) == [disclosure.Uniqueness(None, 0, 0, 0, 0, None, 5)]
        frame = disclosure.uniqueness_frame(con)
        assert disclosure.uniqueness(con, 2025).cases == 0
    assert frame.to_dict("records")[0]["År"] == "Alle år"
    assert disclosure.sentence(disclosure.Uniqueness(2025, 0, 0, 0, 0, None, 5)) == \
        "I 2025 er der ingen sager, så ingen sag kan genkendes."


def test_the_table_for_the_appendix(handmade: Path) -> None:
    with db.reader(handmade) as con:
        frame = disclosure.uniqueness_frame(con)
    assert list(frame.columns) == ["År", "Sager", "Eneste af sin slags", "Andel eneste", "I grupper under 5",
                                   "Mindste gruppe (k)"]
    assert frame["År"].tolist() == ["2024", "2025", "Alle år"]
    assert frame["Eneste af sin slags"].tolist() == [1, 3, 4]


def _oracle(rows: list[dict[str, Any]]) -> dict[int | None, tuple[int, int, int]]:
    """(cases, unique, below the threshold) per year and overall, counted in plain Python."""
    key = [tuple(str(r[q]) for q in disclosure.QUASI_IDENTIFIERS) for r in rows]
    sizes = Counter(key)
    out: dict[int | None, tuple[int, int, int]] = {}
    for year in sorted({r["indberetningsmaaned"][0] for r in rows}) + [None]:
        mine = [k for k, r in zip(key, rows) if year is None or r["indberetningsmaaned"][0] == year]
        out[year] = (len(mine), sum(sizes[k] == 1 for k in mine), sum(sizes[k] < 5 for k in mine))
    return out


@pytest.mark.parametrize("cases", [90, 600], ids=["sparse", "demo-volume"])
def test_generated_data_agree_with_an_independent_count(case_db: Callable[..., Path], cases: int) -> None:
    drawn = generate.generate_cases(seed=2025, cases=cases, today=date(2026, 1, 15))
    rows = [{q: c[q] for q in disclosure.QUASI_IDENTIFIERS} | {"sags_id": c["sags_id"]} for c in drawn]
    path = case_db([{**r, "indberetningsmaaned": "%04d-%02d" % r["indberetningsmaaned"]} for r in rows])
    with db.reader(path) as con:
        found = {u.year: (u.cases, u.unique_cases, u.below_threshold) for u in disclosure.uniqueness_by_year(con)}
    assert found == _oracle(rows)
    overall = found[None]
    # The point the issue makes: most cases are unique at the demo's volume, nearly all when sparse.
    assert overall[1] / overall[0] > (0.8 if cases == 90 else 0.6)


def test_the_demo_database_through_the_real_ingest(demo_db: Path) -> None:
    with db.reader(demo_db) as con:
        rows = con.execute(f"SELECT {', '.join(disclosure.QUASI_IDENTIFIERS)} FROM cases").fetchall()
        overall = disclosure.uniqueness(con)
    sizes = Counter(rows)
    assert overall.cases == len(rows) == 600
    assert overall.unique_cases == sum(1 for r in rows if sizes[r] == 1)
    assert overall.classes == len(sizes)

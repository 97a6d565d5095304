"""actors.py: names in the cases matched to the plan's actors; the rest become candidates.

The matcher's threshold (settings.actor_match_score) is justified here: precision and recall
on the labelled variants in tests/data/actor_variants.csv (case, space, accent, typo,
abbreviation and web-address variants of the seeded actors, plus new names and hard
negatives such as "Red Barnet Ungdom" and "Datatilsynet i Sverige") are measured at the
threshold and a few points either side of it.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from evaluation.plan import actors, registry
from evaluation.store import db
from evaluation.errors import EvaluationError
from evaluation.settings import settings

VARIANTS = Path(__file__).parents[1] / "data" / "actor_variants.csv"


def labelled() -> list[dict[str, str]]:
    with VARIANTS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def known(demo_db: Path) -> actors.KnownActors:
    """The seeded registry's actors and aliases, and the networks of a real database (the
    demo's, loaded through the real ingest): their names are the plan's own places."""
    with db.reader(demo_db) as con:
        assert con.execute("SELECT count(*) FROM actor_decisions").fetchone()[0] == 0
        return actors.known_actors(con)


@pytest.fixture
def plan_with_cases(tmp_path: Path, case_db: Callable[..., Path]) -> Callable[..., Path]:
    """A seeded registry plus cases (case_db appends to the same file, like a later ingest)."""
    path = tmp_path / "cases.duckdb"
    db.init(path)

    def build(rows: list[dict], import_id: int = 1) -> Path:
        return case_db([{"import_id": import_id, **row} for row in rows], name=path.name)

    return build


# --- normalise ----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("Red Barnet – Slet Det", "red barnet slet det"),
    ("  RED   BARNET-SLETDET ", "red barnet sletdet"),
    ("Børns Vilkår", "boerns vilkaar"),
    ("Æblehaven Ø", "aeblehaven oe"),
    ("Café Rådgivning", "cafe raadgivning"),
    ("https://www.DataTilsynet.dk/klage", "datatilsynet klage"),
    ("sletdet.redbarnet.dk", "sletdet redbarnet"),
    ("Sex & Samfund", "sex og samfund"),
    ("Cyberhus ApS", "cyberhus"),
    ("Tryg A/S", "tryg"),
    ("Red Barnet's hotline", "red barnets hotline"),
    ("Center for seksuelle overgreb (Rigshospitalet)", "center for seksuelle overgreb rigshospitalet"),
    ("Datatilsynet i Sverige", "datatilsynet i sverige"),
    ("", ""),
    (" – ", ""),
])
def test_normalise(name: str, expected: str) -> None:
    assert actors.normalise(name) == expected


def test_normalise_is_idempotent() -> None:
    """Decisions store the normalised form; normalising it again must not change it."""
    for row in labelled():
        once = actors.normalise(row["name"])
        assert actors.normalise(once) == once, row["name"]


# --- match --------------------------------------------------------------------------------

def test_seed_has_red_barnet_sletdet(known: actors.KnownActors) -> None:
    assert known.names["red_barnet_sletdet"] == "Red Barnet SletDet"


@pytest.mark.parametrize("name", ["SletDet", "red barnet – slet det", "Redbarnet SletDet"])
def test_sletdet_spellings_match_red_barnet_sletdet(known: actors.KnownActors, name: str) -> None:
    result = actors.match(name, known)
    assert result.actor_id == "red_barnet_sletdet"
    assert result.how in ("eksakt", "alias") and result.score == 100.0


@pytest.mark.parametrize(("name", "actor_id", "how"), [
    ("RED BARNET SLETDET", "red_barnet_sletdet", "eksakt"),
    ("SletDet", "red_barnet_sletdet", "alias"),
    ("Red Barnet SletDett", "red_barnet_sletdet", "fuzzy"),
    ("RB SletDet", "red_barnet_sletdet", "fuzzy"),               # acronym of "Red Barnet"
    ("CSO Rigshospitalet", "center_seksuelle_overgreb", "udvidet"),    # alias + a word of its name
    ("Datatilsynets hjemmeside", "datatilsynet", "udvidet"),
    ("politiet i Hjørring", "politiet", "udvidet"),
    ("www.datatilsynet.dk", "datatilsynet", "eksakt"),
])
def test_how_a_name_matched(known: actors.KnownActors, name: str, actor_id: str, how: str) -> None:
    result = actors.match(name, known)
    assert (result.actor_id, result.how) == (actor_id, how)


@pytest.mark.parametrize("name", ["Cyberhus", "Headspace", "Foreningen Far", "Red Barnet Ungdom",
                                  "Datatilsynet i Sverige", "Politiken"])
def test_unrelated_names_do_not_match(known: actors.KnownActors, name: str) -> None:
    result = actors.match(name, known)
    assert result.actor_id is None and result.how is None and not result.dismissed
    assert result.score < settings.actor_match_score


def test_empty_name_matches_nothing(known: actors.KnownActors) -> None:
    assert actors.match(" – ", known) == actors.Match(None, 0.0, None)


def _precision_recall(known: actors.KnownActors, rows: list[dict[str, str]]) -> tuple[float, float, list[str]]:
    """Precision over the names the matcher assigned; recall over the names that have an actor."""
    results = actors.match_many([r["name"] for r in rows], known)
    hits = sum(1 for r, m in zip(rows, results) if m.actor_id and m.actor_id == r["expected_actor_id"])
    predicted = sum(1 for m in results if m.actor_id)
    positives = sum(1 for r in rows if r["expected_actor_id"])
    wrong = [f"{r['name']!r}: forventet {r['expected_actor_id'] or 'ny'}, fik {m.actor_id or 'ny'} ({m.score})"
             for r, m in zip(rows, results) if (m.actor_id or "") != r["expected_actor_id"]]
    return hits / predicted, hits / positives, wrong


def test_labelled_variants_are_a_fair_test(known: actors.KnownActors) -> None:
    rows = labelled()
    assert len(rows) >= 60
    assert len({r["name"] for r in rows}) == len(rows)
    assert sum(1 for r in rows if not r["expected_actor_id"]) >= 20  # new names and hard negatives
    assert {r["expected_actor_id"] for r in rows if r["expected_actor_id"]} <= set(known.names)
    kinds = {r["variant"].split()[0] for r in rows}
    assert {"case", "space", "accent", "typo", "abbreviation", "hard"} <= kinds


def test_precision_and_recall_on_labelled_variants(known: actors.KnownActors) -> None:
    precision, recall, wrong = _precision_recall(known, labelled())
    report = (f"Matcher på {len(labelled())} navne (tærskel {settings.actor_match_score:g}): "
              f"præcision {precision:.3f}, genkaldelse {recall:.3f}. Forkerte: {wrong}")
    print("\n" + report)
    assert precision >= 0.95 and recall >= 0.95, report


@pytest.mark.parametrize("delta", [-2.0, 2.0])
def test_threshold_is_not_on_a_knife_edge(known: actors.KnownActors, delta: float) -> None:
    """The threshold sits inside a plateau: two points either way keeps both ≥ 0.95."""
    shifted = dataclasses.replace(known, threshold=settings.actor_match_score + delta)
    precision, recall, wrong = _precision_recall(shifted, labelled())
    assert precision >= 0.95 and recall >= 0.95, (delta, precision, recall, wrong)


def test_threshold_keeps_clear_of_the_hard_negatives(known: actors.KnownActors) -> None:
    """Why 88 and not lower: a false match hides a new actor from the consultant for good,
    while a missed spelling still reaches them as a candidate with a suggested actor. So even
    five points lower no name that is not an actor would be matched. (Spelling alone does
    not carry this: "Center for Seksuelle Overgreb i Aarhus" scores 88 against the plan's
    centre; the word guard of extra_words.py refuses it, since Aarhus names another one.)"""
    rows = [r for r in labelled() if not r["expected_actor_id"]]
    lower = dataclasses.replace(known, threshold=settings.actor_match_score - 5)
    matched = {r["name"]: m for r, m in zip(rows, actors.match_many([r["name"] for r in rows], lower)) if m.actor_id}
    closest = max(rows, key=lambda r: actors.match(r["name"], known).score)["name"]
    print(f"\nNærmeste ikke-aktør: {closest!r} med {actors.match(closest, known).score} "
          f"(tærskel {settings.actor_match_score:g})")
    assert matched == {}, matched


# --- candidates ---------------------------------------------------------------------------

CASES = [
    {"sags_id": "N1", "netvaerk": "Nord", "indberetningsmaaned": "2024-11", "aktoerer": ["Børns Vilkår"]},
    {"sags_id": "N2", "netvaerk": "Nord", "indberetningsmaaned": "2025-03", "aktoerer": ["Børns Vilkår", "SletDet"]},
    {"sags_id": "S3", "netvaerk": "Syd", "indberetningsmaaned": "2025-05", "aktoerer": ["Borns Vilkaar"]},
    # one case naming both spellings counts once
    {"sags_id": "S4", "netvaerk": "Syd", "indberetningsmaaned": "2025-06",
     "aktoerer": ["Børns Vilkår", "Borns Vilkaar ", "Red Barnet SletDet"]},
    {"sags_id": "N5", "netvaerk": "Nord", "indberetningsmaaned": "2025-08", "aktoerer": ["Cyberhus", "Politiet"]},
    {"sags_id": "V6", "netvaerk": "Vest", "indberetningsmaaned": "2023-02", "aktoerer": ["Politiken"]},
    {"sags_id": "V7", "netvaerk": "Vest", "indberetningsmaaned": "2025-02", "aktoerer": ["Lokalpolitiet"]},
    {"sags_id": "V8", "netvaerk": "Vest", "indberetningsmaaned": "2025-02", "aktoerer": None},
    {"sags_id": "V9", "netvaerk": "Vest", "indberetningsmaaned": "2025-02", "aktoerer": ["", " "]},
]


def _candidates(path: Path, **kwargs: int) -> dict[str, dict]:
    with db.reader(path) as con:
        frame = actors.candidates(con, **kwargs)
    assert list(frame.columns) == list(actors.CANDIDATE_COLUMNS)
    return {row["candidate"]: row for row in frame.to_dict("records")}


def test_candidates_group_near_spellings_and_leave_out_known_actors(plan_with_cases: Callable[..., Path]) -> None:
    found = _candidates(plan_with_cases(CASES))
    assert set(found) == {"Børns Vilkår", "Cyberhus", "Politiken", "Lokalpolitiet"}
    boerns = found["Børns Vilkår"]
    assert boerns["variants"] == ["Børns Vilkår", "Borns Vilkaar"]
    assert (boerns["cases"], boerns["networks"]) == (4, 2)
    assert (boerns["first_seen"], boerns["last_seen"]) == ("2024-11", "2025-06")
    assert boerns["suggested_actor_id"] is None
    # below the threshold but similar: offered for "add as alias"
    assert found["Lokalpolitiet"]["suggested_actor_id"] == "politiet"
    assert found["Lokalpolitiet"]["suggested_name"] == "Nordjyllands Politi"
    assert actors.SUGGEST_SCORE <= found["Lokalpolitiet"]["suggested_score"] < settings.actor_match_score
    assert found["Cyberhus"]["suggested_actor_id"] is None


def test_the_spelling_with_danish_letters_names_a_candidate_even_when_used_less(
        plan_with_cases: Callable[..., Path]) -> None:
    """Issue 13 item 4: the demo showed »Borns Vilkaar« with »Børns Vilkår« as its other spelling,
    because the keyboard's transliteration was written in more cases."""
    cases = [{"sags_id": f"N{i}", "netvaerk": "Nord", "indberetningsmaaned": "2025-03",
              "aktoerer": ["Borns Vilkaar" if i < 3 else "Boerns Vilkår" if i == 3 else "Børns Vilkår"]}
             for i in range(5)]
    found = _candidates(plan_with_cases(cases))
    assert set(found) == {"Børns Vilkår"}
    assert found["Børns Vilkår"]["variants"] == ["Børns Vilkår", "Borns Vilkaar", "Boerns Vilkår"]
    assert found["Børns Vilkår"]["cases"] == 5


def test_candidates_count_the_chosen_year_but_date_over_all_years(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    found = _candidates(path, year=2025)
    assert set(found) == {"Børns Vilkår", "Cyberhus", "Lokalpolitiet"}  # Politiken only in 2023
    assert (found["Børns Vilkår"]["cases"], found["Børns Vilkår"]["networks"]) == (3, 2)
    assert found["Børns Vilkår"]["first_seen"] == "2024-11"
    assert list(_candidates(path, year=2023)) == ["Politiken"]
    assert _candidates(path, year=2020) == {}


def test_candidates_of_cases_without_names_is_an_empty_table(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases([{"aktoerer": None}, {"aktoerer": ["SletDet"]}])
    with db.reader(path) as con:
        frame = actors.candidates(con)
    assert frame.empty and list(frame.columns) == list(actors.CANDIDATE_COLUMNS)


# --- scale --------------------------------------------------------------------------------

def test_candidates_scale_with_distinct_names_not_rows(plan_with_cases: Callable[..., Path]) -> None:
    """20,000 cases naming 300 distinct spellings: SQL does the rows, Python the distinct names."""
    pool = [f"Forening nr {i} for {'abcdefghij'[i % 10]}{i * 7919 % 1000}" for i in range(300)]
    rows = [{"sags_id": f"C{i}", "netvaerk": f"Net{i % 12}", "indberetningsmaaned": f"2025-{i % 12 + 1:02d}",
             "aktoerer": [pool[i % 300], "SletDet"]} for i in range(20_000)]
    path = plan_with_cases(rows)
    with db.reader(path) as con:
        frame = actors.candidates(con, year=2025)
    # How long this takes is measured by benchmarks/plan.py, not asserted here (a busy CI).
    assert frame["cases"].sum() >= 20_000 * 0.9 and "SletDet" not in set(frame["candidate"])

"""actor_decisions.py: decisions on new actors are deliberate (a dismissal needs a reason) and
reversible (any decision undone from its history, also in a later session), and every decision
and undo is in the plan's history (issue 13, item 3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from evaluation.errors import EvaluationError
from evaluation.plan import actor_decisions as decide
from evaluation.plan import actors, change_text, registry
from evaluation.store import db, migrate

CASES = [
    {"sags_id": "N1", "netvaerk": "Nord", "indberetningsmaaned": "2024-11", "aktoerer": ["Børns Vilkår"]},
    {"sags_id": "N2", "netvaerk": "Nord", "indberetningsmaaned": "2025-03", "aktoerer": ["Børns Vilkår", "SletDet"]},
    {"sags_id": "S3", "netvaerk": "Syd", "indberetningsmaaned": "2025-05", "aktoerer": ["Borns Vilkaar"]},
    {"sags_id": "N5", "netvaerk": "Nord", "indberetningsmaaned": "2025-08", "aktoerer": ["Cyberhus", "Politiet"]},
    {"sags_id": "S6", "netvaerk": "Syd", "indberetningsmaaned": "2025-09", "aktoerer": ["Cyberhus"]},
    {"sags_id": "V6", "netvaerk": "Vest", "indberetningsmaaned": "2023-02", "aktoerer": ["Politiken"]},
    {"sags_id": "V7", "netvaerk": "Vest", "indberetningsmaaned": "2025-02", "aktoerer": ["Lokalpolitiet"]},
]


@pytest.fixture
def plan_with_cases(tmp_path: Path, case_db: Callable[..., Path]) -> Callable[..., Path]:
    """A seeded registry plus cases (case_db appends to the same file, like a later ingest)."""
    path = tmp_path / "cases.duckdb"
    db.init(path)

    def build(rows: list[dict], import_id: int = 1) -> Path:
        return case_db([{"import_id": import_id, **row} for row in rows], name=path.name)

    return build


def _candidates(path: Path, **kwargs: int) -> dict[str, dict]:
    with db.reader(path) as con:
        frame = actors.candidates(con, **kwargs)
    return {row["candidate"]: row for row in frame.to_dict("records")}


def _history(path: Path, **kwargs) -> list[dict]:
    with db.reader(path) as con:
        return decide.decision_history(con, **kwargs).to_dict("records")


def test_accept_as_new_actor_round_trips_with_history(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    found = _candidates(path)["Børns Vilkår"]
    actor_id = decide.accept_as_new(path, found["candidate"], found["variants"], kind="ngo", by="konsulent")
    assert actor_id == "boerns_vilkaar"
    with db.reader(path) as con:
        row = registry.actors(con).set_index("actor_id").loc[actor_id]
        history = registry.history(con, table="actors", item_id=actor_id)
        decided = decide.decisions(con)
        result = actors.match("BØRNS VILKÅR", actors.known_actors(con))
    assert (row["name"], row["kind"], row["aliases"]) == ("Børns Vilkår", "ngo", ["Borns Vilkaar"])
    assert list(history["action"]) == ["insert"] and list(history["changed_by"]) == ["konsulent"]
    assert sorted(decided["normalised_name"]) == ["boerns vilkaar", "borns vilkaar"]
    assert set(decided["decision_label"]) == {"Godkendt som ny aktør"}
    assert (result.actor_id, result.how) == (actor_id, "eksakt")
    assert "Børns Vilkår" not in _candidates(path)


def test_accept_as_alias_round_trips_with_history(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    added = decide.accept_as_alias(path, "Lokalpolitiet", ["Lokalpolitiet", "lokal-politiet"], "politiet",
                                   by="konsulent")
    assert added == ["Lokalpolitiet"]  # "lokal-politiet" is the same name once normalised
    with db.reader(path) as con:
        aliases = registry.actors(con).set_index("actor_id").loc["politiet", "aliases"]
        history = registry.history(con, table="actor_aliases", item_id="politiet")
        decided = decide.decisions(con)
    assert "Lokalpolitiet" in aliases
    assert list(history["summary"]) == ["Lokalpolitiet"] and list(history["changed_by"]) == ["konsulent"]
    assert list(decided["decision"]) == ["alias"] and list(decided["actor_name"]) == ["Nordjyllands Politi"]
    assert "Lokalpolitiet" not in _candidates(path)


def test_dismissed_names_stay_dismissed_after_another_ingest(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    decide.dismiss(path, "Cyberhus", ["Cyberhus"], by="konsulent", reason="Ikke relevant for planen")
    assert "Cyberhus" not in _candidates(path)
    plan_with_cases([{"sags_id": "X1", "netvaerk": "Øst", "indberetningsmaaned": "2026-01",
                      "aktoerer": ["Cyberhus", "Cyber-hus", "CYBERHUS ApS", "Headspace"]}], import_id=2)
    found = _candidates(path, year=2026)
    assert list(found) == ["Headspace"]
    with db.reader(path) as con:
        decided = decide.decisions(con)
        assert actors.match("Cyber hus", actors.known_actors(con)).dismissed
    assert decided[["normalised_name", "decision_label", "decided_by", "note"]].values.tolist() == [
        ["cyberhus", "Afvist", "konsulent", "Ikke relevant for planen"]]


def test_latest_decision_wins(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    decide.dismiss(path, "Politiken", [], reason="En avis")
    assert "Politiken" not in _candidates(path)
    decide.accept_as_alias(path, "Politiken", [], "politiet")  # changed our mind
    with db.reader(path) as con:
        result = actors.match("Politiken", actors.known_actors(con))
        assert [d for d in decide.decisions(con)["decision"]] == ["alias", "dismissed"]
    assert (result.actor_id, result.dismissed) == ("politiet", False)


def test_a_known_actors_name_cannot_be_dismissed_or_given_away(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    before = path.read_bytes()
    with pytest.raises(EvaluationError, match="hører allerede til aktøren »Red Barnet SletDet«"):
        decide.dismiss(path, "Cyberhus", ["Red Barnet – SletDet"], reason="Test")
    with pytest.raises(EvaluationError, match="hører allerede til aktøren"):
        decide.accept_as_alias(path, "sletdet.dk", [], "datatilsynet")
    with pytest.raises(EvaluationError, match="ingen aktør med id 'findes_ikke'"):
        decide.accept_as_alias(path, "Cyberhus", [], "findes_ikke")
    with pytest.raises(EvaluationError, match="ikke angivet noget navn"):
        decide.accept_as_new(path, " ", ["–"])
    assert path.read_bytes() == before  # all or nothing


def test_new_actor_ids_do_not_collide(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    first = decide.accept_as_new(path, "Datatilsynet i Sverige", [])
    second = decide.accept_as_new(path, "Headspace", [], actor_id="datatilsynet_i_sverige_2")
    assert (first, second) == ("datatilsynet_i_sverige", "datatilsynet_i_sverige_2")
    with db.reader(path) as con:
        assert decide._new_actor_id(con, "Datatilsynet i Sverige") == "datatilsynet_i_sverige_3"
        assert decide._new_actor_id(con, "112 Danmark") == "aktoer_112_danmark"


# --- deliberate ---------------------------------------------------------------------------

@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_dismissal_needs_a_reason(plan_with_cases: Callable[..., Path], reason: str | None) -> None:
    path = plan_with_cases(CASES)
    before = path.read_bytes()
    with pytest.raises(EvaluationError, match="Skriv en begrundelse"):
        decide.dismiss(path, "Cyberhus", ["Cyberhus"], reason=reason)
    assert path.read_bytes() == before and "Cyberhus" in _candidates(path)


# --- reversible ---------------------------------------------------------------------------

def test_a_dismissal_is_undone_in_a_later_session_and_the_name_comes_back(
        plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    decision_id = decide.dismiss(path, "Cyberhus", ["Cyberhus"], reason="Ved en fejl", by="konsulent")
    assert "Cyberhus" not in _candidates(path)
    # A later session: nothing of the first is in memory, only the database file.
    [row] = _history(path)
    assert (row["decision_id"], row["decision_label"], row["names"], row["note"], row["can_undo"]) == (
        decision_id, "Afvist", ["Cyberhus"], "Ved en fejl", True)
    assert decide.undo(path, decision_id, by="leder", reason="Cyberhus er relevant") == ["Cyberhus"]
    found = _candidates(path)
    assert (found["Cyberhus"]["cases"], found["Cyberhus"]["networks"]) == (2, 2)
    [row] = _history(path)
    assert (row["undone_by"], row["undo_note"], row["can_undo"]) == ("leder", "Cyberhus er relevant", False)
    with pytest.raises(EvaluationError, match="igen senere"):
        decide.undo(path, decision_id)


def test_undoing_a_new_actor_takes_it_out_of_the_registry_with_history(
        plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    found = _candidates(path)["Børns Vilkår"]
    actor_id = decide.accept_as_new(path, found["candidate"], found["variants"], kind="ngo")
    [row] = _history(path)
    decide.undo(path, row["decision_id"], by="konsulent")
    with db.reader(path) as con:
        assert con.execute("SELECT count(*) FROM actors WHERE actor_id = ?", [actor_id]).fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM actor_aliases WHERE actor_id = ?", [actor_id]).fetchone() == (0,)
        removed = registry.history(con, table="actors", item_id=actor_id)
    assert list(removed["action_label"]) == ["Slettet", "Tilføjet"]
    assert "Fortrudt: godkendelsen som ny aktør af »Børns Vilkår«" in removed["reason"].iloc[0]
    assert "Borns Vilkaar" in removed["old_value"].iloc[0]  # the deleted actor is kept in the history
    assert _candidates(path)["Børns Vilkår"]["variants"] == ["Børns Vilkår", "Borns Vilkaar"]


def test_undoing_an_alias_removes_only_the_spellings_it_added(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    added = decide.accept_as_alias(path, "Lokalpolitiet", ["Lokalpolitiet", "Politiet"], "politiet")
    assert added == ["Lokalpolitiet"]  # "Politiet" was already the actor's (a seeded alias)
    decide.undo(path, _history(path)[0]["decision_id"])
    with db.reader(path) as con:
        aliases = registry.actors(con).set_index("actor_id").loc["politiet", "aliases"]
    assert "Lokalpolitiet" not in aliases and "Politiet" in aliases
    assert "Lokalpolitiet" in _candidates(path)


def test_only_the_latest_decision_on_a_name_can_be_undone(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    first = decide.dismiss(path, "Politiken", [], reason="En avis")
    decide.undo(path, first)
    decide.accept_as_alias(path, "Politiken", [], "politiet")
    history = _history(path)
    assert [r["decision_label"] for r in history] == ["Godkendt som stavemåde", "Afvist"]
    assert [r["can_undo"] for r in history] == [True, False]
    with pytest.raises(EvaluationError, match="igen senere"):
        decide.undo(path, first)
    with pytest.raises(EvaluationError, match="findes ikke"):
        decide.undo(path, 999)


def test_a_new_actor_with_later_spellings_is_undone_last(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    actor_id = decide.accept_as_new(path, "Cyberhus", [])
    first = _history(path)[0]["decision_id"]
    decide.accept_as_alias(path, "Lokalpolitiet", [], actor_id)
    with pytest.raises(EvaluationError, match="flere stavemåder siden"):
        decide.undo(path, first)
    decide.undo(path, _history(path)[0]["decision_id"])
    decide.undo(path, first)
    assert {"Cyberhus", "Lokalpolitiet"} <= set(_candidates(path))


def test_decisions_and_undos_are_in_the_plan_history(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    decision_id = decide.dismiss(path, "Cyberhus", [], reason="Ved en fejl", by="konsulent")
    decide.undo(path, decision_id, by="leder", reason="Relevant")
    with db.reader(path) as con:
        history = registry.history(con, table="actor_decisions")
    assert list(history["action_label"]) == ["Slettet", "Tilføjet"]
    assert set(history["table_label"]) == {"Beslutninger om nye aktører"}
    assert list(history["summary"]) == ["Cyberhus", "Cyberhus"]
    assert list(history["changed_by"]) == ["leder", "konsulent"]
    assert list(history["reason"]) == ["Relevant", "Ved en fejl"]
    with db.reader(path) as con:
        told = list(change_text.plan_changes(con, limit=2)["text"])
    assert told == ["Fortrudt: afvisningen af »Cyberhus«. Navnet er igen en mulig ny aktør. Begrundelse: Relevant",
                    "Navnet »Cyberhus« fra sagerne er afvist som ny aktør. Begrundelse: Ved en fejl"]


def test_the_decisions_of_a_period_for_the_report(plan_with_cases: Callable[..., Path]) -> None:
    path = plan_with_cases(CASES)
    decide.dismiss(path, "Cyberhus", [], reason="Test")
    today = date.today()
    assert [r["names"] for r in _history(path, since=date(today.year, 1, 1))] == [["Cyberhus"]]
    assert _history(path, since=today + timedelta(days=1)) == []
    assert _history(path, until=today) == []  # until is not included


def test_migration_0051_carries_old_decisions_over(tmp_path: Path) -> None:
    """A database from before undo: its decisions keep working and can be undone."""
    path = tmp_path / "gammel.duckdb"
    db.init(path)
    con = duckdb.connect(str(path))
    try:
        con.execute("DROP TABLE actor_decisions")
        con.execute("""CREATE TABLE actor_decisions (normalised_name VARCHAR NOT NULL, decision VARCHAR NOT NULL
                       CHECK (decision IN ('new_actor', 'alias', 'dismissed')), actor_id VARCHAR,
                       decided_at TIMESTAMP NOT NULL DEFAULT current_timestamp, decided_by VARCHAR NOT NULL,
                       note VARCHAR)""")
        con.execute("""INSERT INTO actor_decisions VALUES
                       ('cyberhus', 'dismissed', NULL, TIMESTAMP '2025-01-01 10:00', 'a', 'gammel'),
                       ('cyber hus', 'dismissed', NULL, TIMESTAMP '2025-01-01 10:00', 'a', 'gammel'),
                       ('politiken', 'alias', 'politiet', TIMESTAMP '2025-02-01 10:00', 'b', NULL)""")
        [step] = [m for m in migrate.known() if m.name == "0051_actor_decision_undo"]
        step.apply(con)
        rows = con.execute("SELECT decision_id, name, in_registry FROM actor_decisions ORDER BY rowid").fetchall()
    finally:
        con.close()
    assert rows == [(1, "cyberhus", False), (1, "cyber hus", False), (2, "politiken", True)]
    history = _history(path)
    assert [(r["decision_id"], r["names"]) for r in history] == [(2, ["politiken"]), (1, ["cyberhus", "cyber hus"])]
    decide.undo(path, 1)

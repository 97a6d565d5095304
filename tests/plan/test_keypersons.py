"""keypersons.py: key-person verifications (due / missing) and the yearly exercise, with validation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from evaluation.store import db
from evaluation.plan import keypersons
from evaluation.plan.keypersons import UpkeepInputError

TODAY = date(2026, 3, 1)  # fixed "today" for due/missing; every saved date lies before the real today


@pytest.fixture
def plan_db(case_db: Callable[..., Path], set_registry_networks: Callable[..., None]) -> Path:
    """Cases in Nord and Syd, and the plan registry (roles) seeded."""
    path = case_db([{"netvaerk": "Nord"}, {"netvaerk": "Syd"}, {"netvaerk": "Nord"}])
    db.init(path)
    set_registry_networks(path, ["Nord", "Syd"])
    return path


@pytest.fixture(scope="module")
def registry_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only the registry: for the validation tests, which must leave it without rows."""
    path = tmp_path_factory.mktemp("keypersons") / "registry.duckdb"
    db.init(path)
    return path


def status_of(path: Path, today: date = TODAY) -> dict[tuple[str, str], dict]:
    with db.reader(path) as con:
        frame = keypersons.role_status(con, today=today)
    return {(r["netvaerk"], r["role_id"]): r for r in frame.to_dict("records")}


def test_role_status_due_and_missing_with_fixed_today(plan_db: Path) -> None:
    keypersons.verify(plan_db, "Nord", "ledelse", date(2025, 3, 1), person="Skoleleder")   # exactly 12 months
    keypersons.verify(plan_db, "Nord", "ssp_konsulent", date(2025, 3, 2))                  # one day inside
    keypersons.verify(plan_db, "Øst", "forebyggelsesbetjent", "2024-06-01")               # not per network
    status = status_of(plan_db)

    required = {"ledelse", "ssp_konsulent", "ssp_kontaktlaerer"}
    # networks = registry ∪ cases ∪ verifications; every network gets every per-network role
    assert {n for n, _ in status} == {"Nord", "Syd", "Øst"}
    assert {r for n, r in status if n == "Syd"} == required
    assert {r for n, r in status if n == "Øst"} == required | {"forebyggelsesbetjent"}

    assert status[("Nord", "ledelse")]["due"] and not status[("Nord", "ledelse")]["missing"]
    assert status[("Nord", "ledelse")]["person"] == "Skoleleder"
    assert status[("Nord", "ledelse")]["role"] == "Ledelse"
    assert not status[("Nord", "ssp_konsulent")]["due"] and not status[("Nord", "ssp_konsulent")]["missing"]
    assert status[("Nord", "ssp_kontaktlaerer")]["missing"] and status[("Nord", "ssp_kontaktlaerer")]["due"]
    assert all(status[("Syd", r)]["missing"] for r in required)
    betjent = status[("Øst", "forebyggelsesbetjent")]
    assert betjent["due"] and not betjent["missing"]
    assert str(betjent["verified_on"])[:10] == "2024-06-01"

    # a day earlier, the 12-month verification is not yet due
    assert not status_of(plan_db, TODAY - timedelta(days=1))[("Nord", "ledelse")]["due"]


def test_latest_save_wins_and_history_keeps_every_row(plan_db: Path) -> None:
    keypersons.verify(plan_db, "Nord", "ledelse", date(2026, 1, 10), person="Skoleleder", by="anne")
    keypersons.verify(plan_db, "Nord", "ledelse", date(2024, 1, 10), person="Viceskoleleder", by="bo")  # correction
    row = status_of(plan_db)[("Nord", "ledelse")]
    assert row["person"] == "Viceskoleleder" and row["due"]
    with db.reader(plan_db) as con:
        history = keypersons.verification_history(con, "Nord")
        everything = keypersons.verification_history(con)
    assert list(history["saved_by"]) == ["bo", "anne"]
    assert list(history["role"]) == ["Ledelse", "Ledelse"]
    assert len(everything) == 2


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"role_id": "rektor"}, "Rollen 'rektor' findes ikke"),
    ({"verified_on": date.today() + timedelta(days=2)}, "ligger i fremtiden"),
    ({"verified_on": "1/3-2025"}, "ÅÅÅÅ-MM-DD"),
    ({"netvaerk": "  "}, "Angiv navnet på SSP-netværket"),
    ({"person": "Lærer 010203-1234"}, "CPR-nummer"),
])
def test_verify_refuses_bad_input_in_danish_and_writes_nothing(registry_db: Path, kwargs: dict, message: str) -> None:
    args = {"netvaerk": "Nord", "role_id": "ledelse", "verified_on": date(2025, 5, 1), **kwargs}
    with pytest.raises(UpkeepInputError, match=message) as info:
        keypersons.verify(registry_db, args.pop("netvaerk"), args.pop("role_id"), args.pop("verified_on"), **args)
    assert "1234" not in str(info.value)  # the CPR-like value is never echoed
    with db.reader(registry_db) as con:
        assert con.execute("SELECT count(*) FROM key_person_verifications").fetchall()[0][0] == 0


def test_a_registry_network_without_cases_has_its_roles_followed_up(plan_db: Path) -> None:
    """A network added to the registry (plan.networks) before its first file: plan status asks
    for its key persons from that day, not only once it has cases."""
    from evaluation.plan import networks

    with db.writer(plan_db) as con:
        networks.add_network(con, "Nyby", by="test")
    with db.reader(plan_db) as con:
        assert "Nyby" in keypersons.networks(con)
    status = status_of(plan_db)
    assert {r for n, r in status if n == "Nyby"} == {"ledelse", "ssp_konsulent", "ssp_kontaktlaerer"}
    assert all(row["missing"] for (n, _r), row in status.items() if n == "Nyby")


def test_verify_normalises_network_and_person(plan_db: Path) -> None:
    row = keypersons.verify(plan_db, "  Hjørring   By ", "ssp_kontaktlaerer", "2025-09-01",
                            person="  SSP-kontaktlærer  ")
    assert row["netvaerk"] == "Hjørring By" and row["person"] == "SSP-kontaktlærer"
    assert row["verified_on"] == date(2025, 9, 1)
    with db.reader(plan_db) as con:
        assert "Hjørring By" in keypersons.networks(con)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"contact_teachers": 3, "new_contact_teachers": 5}, r"nye kontaktlærere \(5\) kan ikke være større .* \(3\)"),
    ({"new_contact_teachers": 1}, "samlede antal kontaktlærere"),
    ({"contact_teachers": -1}, "negativt"),
    ({"contact_teachers": 2.5}, "helt tal"),
    ({"contact_teachers": True}, "helt tal"),
    ({"held_on": "2024-10-01"}, "samme år"),
    ({"held_on": date.today() + timedelta(days=3)}, "fremtiden"),
    ({"held": False, "held_on": "2025-10-01"}, "ikke er holdt"),
    ({"held": "ja"}, "Angiv, om øvelsen er holdt"),
    ({"year": 2014}, "mellem 2015"),
    ({"year": date.today().year + 1}, "mellem 2015"),
    ({"year": "2025"}, "helt tal"),
])
def test_record_exercise_validation(registry_db: Path, kwargs: dict, message: str) -> None:
    args = {"netvaerk": "Nord", "year": 2025, "held": True, **kwargs}
    with pytest.raises(UpkeepInputError, match=message):
        keypersons.record_exercise(registry_db, args.pop("netvaerk"), args.pop("year"), args.pop("held"), **args)
    with db.reader(registry_db) as con:
        assert con.execute("SELECT count(*) FROM exercises").fetchall()[0][0] == 0


def test_exercises_latest_record_per_network_and_year(plan_db: Path) -> None:
    keypersons.record_exercise(plan_db, "Nord", 2025, False, by="anne")
    keypersons.record_exercise(plan_db, "Nord", 2025, True, held_on="2025-10-02", contact_teachers=5,
                               new_contact_teachers=2, by="bo")
    keypersons.record_exercise(plan_db, "Syd", 2025, True, held_on=date(2025, 11, 3), contact_teachers=0,
                               new_contact_teachers=0)
    keypersons.record_exercise(plan_db, "Syd", 2024, True)
    with db.reader(plan_db) as con:
        frame = keypersons.exercises(con, 2025)
        assert keypersons.exercises(con, 2023).empty
    assert list(frame.columns) == ["netvaerk", "held", "held_on", "contact_teachers", "new_contact_teachers",
                                   "saved_at", "saved_by"]
    rows = {r["netvaerk"]: r for r in frame.to_dict("records")}
    assert set(rows) == {"Nord", "Syd"}
    assert rows["Nord"]["held"] and rows["Nord"]["saved_by"] == "bo"
    assert (rows["Nord"]["contact_teachers"], rows["Nord"]["new_contact_teachers"]) == (5, 2)
    assert str(rows["Syd"]["held_on"])[:10] == "2025-11-03"

"""phone_checks.py: the plan's phone numbers marked as checked, with history (issue 13, item 7)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from evaluation.errors import EvaluationError
from evaluation.plan import phone_checks, planstatus, registry
from evaluation.store import db

TODAY = date(2026, 3, 1)  # fixed "today" for due; every saved date lies before the real today


@pytest.fixture
def plan_db(tmp_path: Path) -> Path:
    """The seeded registry: three phone numbers (114, Red Barnet's hotline, Sikkerchat)."""
    path = tmp_path / "plan.duckdb"
    db.init(path)
    return path


def status(path: Path, today: date = TODAY) -> dict[str, dict]:
    with db.reader(path) as con:
        frame = phone_checks.latest_status(con, today=today)
    return {r["phone_id"]: r for r in frame.to_dict("records")}


def test_numbers_never_checked_are_due(plan_db: Path) -> None:
    found = status(plan_db)
    assert set(found) == {"politi_114", "red_barnet_hotline", "sikkerchat"}
    assert all(r["due"] and r["result_label"] == "Ikke kontrolleret" for r in found.values())
    assert found["red_barnet_hotline"]["number"] == "35 36 55 55"
    assert found["red_barnet_hotline"]["actor_name"] == "Red Barnet"


def test_a_checked_number_is_not_due_until_a_year_has_passed(plan_db: Path) -> None:
    phone_checks.check(plan_db, "politi_114", "ok", date(2025, 3, 2), note="Ringet op, svarer", by="konsulent")
    phone_checks.check(plan_db, "sikkerchat", "ok", "2025-03-01", by="konsulent")  # exactly 12 months
    found = status(plan_db)
    assert (found["politi_114"]["result_label"], found["politi_114"]["due"]) == ("Rigtigt", False)
    assert found["politi_114"]["saved_by"] == "konsulent" and found["politi_114"]["note"] == "Ringet op, svarer"
    assert found["sikkerchat"]["due"]
    with db.reader(plan_db) as con:
        rows = phone_checks.history(con, "politi_114")
    assert list(rows["result_label"]) == ["Rigtigt"] and list(rows["number"]) == ["114"]


def test_a_changed_number_goes_into_the_plan_with_history(plan_db: Path) -> None:
    phone_checks.check(plan_db, "red_barnet_hotline", "changed", date(2025, 10, 1), new_number="70 20 12 34",
                       by="konsulent")
    with db.reader(plan_db) as con:
        phones = registry.phones(con).set_index("phone_id")
        changes = registry.history(con, table="phones", item_id="red_barnet_hotline")
        checks = phone_checks.history(con, "red_barnet_hotline")
    assert phones.loc["red_barnet_hotline", "number"] == "70 20 12 34"
    assert list(changes["action"][:1]) == ["update"] and list(changes["changed_by"][:1]) == ["konsulent"]
    assert "35 36 55 55 → 70 20 12 34" in changes["summary"].iloc[0]
    assert "01.10.2025" in changes["reason"].iloc[0]
    assert checks[["number", "new_number", "result_label"]].values.tolist() == [
        ["35 36 55 55", "70 20 12 34", "Ændret"]]
    found = status(plan_db)["red_barnet_hotline"]
    assert (found["number"], found["result_label"], found["due"]) == ("70 20 12 34", "Ændret", False)


def test_latest_check_wins_and_a_broken_number_is_due(plan_db: Path) -> None:
    phone_checks.check(plan_db, "sikkerchat", "ok", date(2025, 6, 1))
    phone_checks.check(plan_db, "sikkerchat", "broken", date(2025, 12, 1), note="Ingen svar tre dage i træk")
    found = status(plan_db)["sikkerchat"]
    assert (found["result_label"], found["due"]) == ("Virker ikke", True)
    with db.reader(plan_db) as con:
        assert list(phone_checks.history(con, "sikkerchat")["result"]) == ["broken", "ok"]


def test_a_check_of_the_old_number_says_nothing_about_a_number_edited_later(plan_db: Path) -> None:
    phone_checks.check(plan_db, "politi_114", "ok", date(2025, 12, 1))
    with db.writer(plan_db) as con:
        registry.update_item(con, "phones", "politi_114", {"number": "112"}, reason="test")
    assert status(plan_db)["politi_114"]["result_label"] == "Ikke kontrolleret"


def test_plan_status_lists_phone_numbers_to_check(plan_db: Path) -> None:
    phone_checks.check(plan_db, "politi_114", "ok", date(2025, 12, 1))
    phone_checks.check(plan_db, "sikkerchat", "broken", date(2025, 12, 1))
    with db.reader(plan_db) as con:
        frame = planstatus.due_items(con, today=TODAY)
    phones = frame[frame["kind"].isin(["phone_due", "phone_broken"])]
    assert sorted(zip(phones["kind"], phones["what"])) == [
        ("phone_broken", "29 27 01 01 (Sikkerchat)"), ("phone_due", "35 36 55 55 (Red Barnet)")]
    assert "01.12.2025" in phones.set_index("kind").loc["phone_broken", "why"]
    assert "Telefonnumre" in planstatus.format_due(frame)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"phone_id": "findes_ikke"}, "findes ikke i planen"),
    ({"checked_on": date(2099, 1, 1)}, "ligger i fremtiden"),
    ({"checked_on": "1. marts"}, "ÅÅÅÅ-MM-DD"),
    ({"result": "maaske"}, "'Rigtigt', 'Ændret', 'Virker ikke'"),
    ({"result": "changed"}, "Skriv det nye nummer"),
    ({"result": "changed", "new_number": "ring til Ole"}, "kun indeholde cifre"),
    ({"result": "changed", "new_number": "114"}, "det samme som det gamle"),
    ({"new_number": "112"}, "kun, når resultatet er 'Ændret'"),
    ({"note": "Talte med Ole, cpr 010203-1234"}, "personoplysninger"),
])
def test_bad_input_is_refused_in_danish_and_nothing_is_written(plan_db: Path, kwargs: dict, message: str) -> None:
    before = plan_db.read_bytes()
    args = {"phone_id": "politi_114", "result": "ok", "checked_on": date(2025, 1, 1), **kwargs}
    with pytest.raises(EvaluationError, match=message) as caught:
        phone_checks.check(plan_db, args.pop("phone_id"), args.pop("result"), args.pop("checked_on"), **args)
    assert "010203" not in str(caught.value)
    assert plan_db.read_bytes() == before

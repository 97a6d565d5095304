"""The team edition's answers to questions 3 and 4 include what the consultants decided and checked
(issue 13, items 3 and 7): phone numbers marked as checked, and every decision on a new actor
of the year, dismissals and undone ones included, with its reason."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from evaluation.plan import actor_decisions, actors, phone_checks
from evaluation.report import context, model, team
from evaluation.store import db

YEAR = 2025


@pytest.fixture(scope="module")
def summary(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> model.Section:
    path = tmp_path_factory.mktemp("upkeep") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    with db.reader(path) as con:
        names = list(actors.candidates(con, year=YEAR)["candidate"])
    actor_decisions.dismiss(path, names[0], [], reason="Ikke en organisation", by="konsulent")
    taken_back = actor_decisions.accept_as_new(path, names[1], [], by="konsulent")
    with db.reader(path) as con:
        decision_id = int(actor_decisions.decision_history(con).iloc[0]["decision_id"])
    actor_decisions.undo(path, decision_id, by="leder", reason="Forkert klik")
    assert taken_back
    phone_checks.check(path, "politi_114", "ok", date.today())
    phone_checks.check(path, "sikkerchat", "broken", date.today(), note="Svarer ikke")
    ctx = context.open_report(path, YEAR, edition="team", today=date.today())
    section = team.summary(ctx)
    section.names = names  # for the assertions
    return section


def _tables(section: model.Section) -> dict[str, model.Table]:
    return {b.table_id: b for b in section.blocks if isinstance(b, model.Table)}


def _text(section: model.Section) -> str:
    return "\n".join(b.text for b in section.blocks if isinstance(b, model.Paragraph))


def test_question_3_says_how_many_phone_numbers_are_checked(summary: model.Section) -> None:
    assert "1 af planens 3 telefonnumre er kontrolleret inden for 12 måneder, 1 skal kontrolleres, " \
           "og 1 virker ikke." in _text(summary)
    phones = _tables(summary)["tabel-telefonnumre"]
    assert sorted(tuple(row[:3]) for row in phones.rows) == [("29 27 01 01", "Sikkerchat", "Virker ikke"),
                                                          ("35 36 55 55", "Red Barnet", "Ikke kontrolleret")]


def test_question_4_lists_every_decision_with_its_reason_and_undo(summary: model.Section) -> None:
    rows = _tables(summary)["tabel-nye-aktoerer"].rows
    first, second = summary.names[:2]
    by_name = {row[0]: row for row in rows}
    assert by_name[first][1:4] == ("Afvist", "–", "Ikke en organisation")
    assert by_name[second][1] == "Godkendt som ny aktør" and by_name[second][5] == f"{date.today():%d.%m.%Y}"

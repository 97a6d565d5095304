"""notes.py: meeting notes and policy judgements, saved with history, screened, never lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from evaluation.store import db
from evaluation.plan import notes, registry
from evaluation.errors import EvaluationError


@pytest.fixture
def notes_db(case_db: Callable[..., Path], set_registry_networks: Callable[..., None]) -> Path:
    """Cases in Nord and Syd plus the seeded plan registry (policies, actors)."""
    path = case_db([{"netvaerk": "Nord"}, {"netvaerk": "Syd"}])
    db.init(path)
    set_registry_networks(path, ["Nord", "Syd"])
    return path


@pytest.fixture(scope="module")
def refusal_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Registry only, shared by the refusal tests (each asserts that nothing was written)."""
    path = tmp_path_factory.mktemp("notes") / "registry.duckdb"
    db.init(path)
    return path


def count(path: Path, sql: str) -> int:
    with db.reader(path) as con:
        return int(con.execute(sql).fetchall()[0][0])


# --- meeting notes ------------------------------------------------------------------------

def test_latest_note_wins_and_history_keeps_every_version(notes_db: Path) -> None:
    notes.save_meeting_note(notes_db, "Nord", 2025, "Første udkast.", meeting_date="2025-11-03")
    notes.save_meeting_note(notes_db, "Nord", 2025, "Endelig note: øvelsen gentages i foråret.",
                            meeting_date=date(2025, 11, 4), by="konsulent")
    notes.save_meeting_note(notes_db, "Syd", 2025, "Syd: ingen ændringer til planen.")
    notes.save_meeting_note(notes_db, "Nord", 2024, "Sidste års note.")
    with db.reader(notes_db) as con:
        current = notes.meeting_notes(con, year=2025)
        nord = notes.meeting_note(con, "Nord", 2025)
        history = notes.meeting_note_history(con, "Nord", 2025)
        missing = notes.meeting_note(con, "Vest", 2025)
        everything = notes.meeting_notes(con)
    assert list(current["netvaerk"]) == ["Nord", "Syd"]
    assert nord["note"] == "Endelig note: øvelsen gentages i foråret."
    assert nord["meeting_date"].date() == date(2025, 11, 4) and nord["saved_by"] == "konsulent"
    assert int(nord["versions"]) == 2
    assert list(history["note"]) == ["Endelig note: øvelsen gentages i foråret.", "Første udkast."]
    assert missing is None
    assert sorted(zip(everything["year"], everything["netvaerk"])) == [(2024, "Nord"), (2025, "Nord"), (2025, "Syd")]


def test_note_text_is_trimmed_and_networks_listed(notes_db: Path) -> None:
    notes.save_meeting_note(notes_db, "  Øst  ", 2025, "\n  Noten.  \n")
    with db.reader(notes_db) as con:
        note = notes.meeting_note(con, "Øst", 2025)
        networks = notes.note_networks(con)
    assert note["note"] == "Noten."
    assert networks == ["Nord", "Syd", "Øst"]  # cases' networks plus networks with notes


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"note": "   "}, "Mødenoten er tom"),
    ({"note": "x" * (notes.MAX_NOTE_CHARS + 1)}, "for lang"),
    ({"netvaerk": " "}, "SSP-netværket er tom"),
    ({"year": 2014}, "uden for det tilladte"),
    ({"meeting_date": "3. november"}, "ikke en dato"),
    ({"meeting_date": date.today() + timedelta(days=1)}, "i fremtiden"),
])
def test_bad_notes_are_refused_in_danish_and_nothing_is_written(refusal_db: Path, kwargs: dict, message: str) -> None:
    args = {"netvaerk": "Nord", "year": 2025, "note": "En note.", **kwargs}
    with pytest.raises(EvaluationError, match=message):
        notes.save_meeting_note(refusal_db, args.pop("netvaerk"), args.pop("year"), args.pop("note"), **args)
    assert count(refusal_db, "SELECT count(*) FROM meeting_notes") == 0


@pytest.mark.parametrize(("text", "kind"), [
    ("Vi talte med Mette om sagen.", "et personnavn"),
    ("Ring til 20 30 40 50 om øvelsen.", "et telefonnummer"),
    ("Eleven med CPR 010203-1234 er flyttet.", "et CPR-nummer"),
    ("Skriv til kontakt@skolen.dk.", "en e-mailadresse"),
])
def test_personal_data_in_a_note_is_refused_and_never_echoed(refusal_db: Path, text: str, kind: str) -> None:
    with pytest.raises(EvaluationError) as info:
        notes.save_meeting_note(refusal_db, "Nord", 2025, text)
    message = str(info.value)
    assert kind in message and "personoplysninger" in message
    assert "Mette" not in message and "010203-1234" not in message and "kontakt@skolen.dk" not in message
    assert count(refusal_db, "SELECT count(*) FROM meeting_notes") == 0


def test_organisation_names_from_the_plan_are_not_persons(notes_db: Path) -> None:
    notes.save_meeting_note(notes_db, "Nord", 2025, "Red Barnet SletDet og Sikkerchat 29 27 01 01 hjalp.")
    assert count(notes_db, "SELECT count(*) FROM meeting_notes") == 1


# --- policy judgements --------------------------------------------------------------------

def test_policy_status_flags_revisions_after_the_last_evaluation(notes_db: Path) -> None:
    with db.writer(notes_db) as con:
        registry.set_plan_meta(con, "last_evaluated", date(2025, 1, 15))
        registry.set_policy_revised(con, "skolernes_ordensregler", date(2025, 6, 1))
    with db.reader(notes_db) as con:
        status = notes.policy_status(con, 2025).set_index("policy_id")
        evaluated = notes.plan_last_evaluated(con)
    assert evaluated == date(2025, 1, 15)
    assert bool(status.loc["skolernes_ordensregler", "revised_after_evaluation"])
    assert not status.drop("skolernes_ordensregler")["revised_after_evaluation"].any()
    assert status.index[0] == "skolernes_ordensregler"  # flagged first
    assert set(status["judgement"]) == {"ikke_vurderet"}
    assert set(status["judgement_label"]) == {"Ikke vurderet"}


def test_latest_judgement_per_year_wins_and_history_is_kept(notes_db: Path) -> None:
    notes.save_policy_judgement(notes_db, "plan_ungdomskriminalitet", 2025, "skal_tilpasses", "Afsnit 3 mangler.")
    notes.save_policy_judgement(notes_db, "plan_ungdomskriminalitet", 2025, "i_overensstemmelse", " Rettet. ")
    notes.save_policy_judgement(notes_db, "plan_ungdomskriminalitet", 2024, "skal_tilpasses")
    with db.reader(notes_db) as con:
        now = notes.policy_status(con, 2025).set_index("policy_id").loc["plan_ungdomskriminalitet"]
        before = notes.policy_status(con, 2024).set_index("policy_id").loc["plan_ungdomskriminalitet"]
        history = notes.policy_judgement_history(con, "plan_ungdomskriminalitet")
    assert now["judgement"] == "i_overensstemmelse" and now["note"] == "Rettet."
    assert now["judgement_label"] == "I overensstemmelse"
    assert before["judgement"] == "skal_tilpasses"
    assert list(history["judgement"]) == ["skal_tilpasses", "i_overensstemmelse", "skal_tilpasses"]
    assert list(history["year"]) == [2024, 2025, 2025]


@pytest.mark.parametrize(("policy", "judgement", "message"), [
    ("plan_ungdomskriminalitet", "maaske", "Ukendt vurdering"),
    ("ingen_politik", "skal_tilpasses", "Der findes ingen politik"),
])
def test_bad_judgements_are_refused(refusal_db: Path, policy: str, judgement: str, message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        notes.save_policy_judgement(refusal_db, policy, 2025, judgement)
    assert count(refusal_db, "SELECT count(*) FROM policy_judgements") == 0


# --- concurrency: real processes ----------------------------------------------------------

SAVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from evaluation.plan import notes
    db_path, network = Path(sys.argv[1]), sys.argv[2]
    for i in range(3):
        notes.save_meeting_note(db_path, network, 2025, f"Note {i} fra {network}.")
        notes.save_policy_judgement(db_path, "skolernes_ordensregler", 2025, "skal_tilpasses", f"{network} {i}")
""")


def test_saves_from_several_processes_at_once_are_never_lost(notes_db: Path, tmp_path: Path) -> None:
    """Three dashboard-like processes save at the same time: every save lands (db.writer's lock)."""
    script = tmp_path / "saver.py"
    script.write_text(SAVER, encoding="utf-8")
    savers = [subprocess.Popen([sys.executable, str(script), str(notes_db), name], stderr=subprocess.PIPE)
              for name in ("Nord", "Syd", "Vest")]
    for process in savers:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    assert count(notes_db, "SELECT count(*) FROM meeting_notes") == 9
    assert count(notes_db, "SELECT count(*) FROM policy_judgements") == 9
    with db.reader(notes_db) as con:
        current = notes.meeting_notes(con, year=2025)
    assert sorted(current["netvaerk"]) == ["Nord", "Syd", "Vest"]
    assert set(current["versions"]) == {3}

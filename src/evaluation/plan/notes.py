"""What the consultants write during the evaluation: policy judgements and meeting notes.

Both are append-only (data/schema.sql): every save is a new row, the latest row per key
wins and the older rows are the history, so two sessions saving at once never overwrite
each other silently (each save lands, the later one is the current text, the earlier one
stays in the history). Saves go through ``db.writer`` (file lock + copy + atomic replace),
which also serialises them with a running ingest. Reads take a connection from the caller.

Meeting notes end up in the yearly report, so they are screened with ``privacy`` like the
networks' free text: a note with a CPR number, phone number, e-mail, handle or a person's
first name is refused with a masked, Danish message.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from evaluation.store import db
from evaluation.ingest import privacy
from evaluation.errors import EvaluationError
from evaluation.settings import current_user

MAX_NOTE_CHARS = 10_000  # mirrors the CHECK on meeting_notes.note
MAX_JUDGEMENT_NOTE_CHARS = 2_000

JUDGEMENT_LABELS: dict[str, str] = {
    "i_overensstemmelse": "I overensstemmelse",
    "skal_tilpasses": "Skal tilpasses",
    "ikke_vurderet": "Ikke vurderet",
}

POLICY_HEADINGS: dict[str, str] = {
    "name": "Politik eller plan", "owner": "Ejer", "last_revised": "Senest revideret",
    "revised_after_evaluation": "Revideret efter planens seneste evaluering",
    "judgement_label": "Vurdering", "note": "Note", "saved_at": "Gemt", "saved_by": "Af",
}
NOTE_HEADINGS: dict[str, str] = {
    "netvaerk": "SSP-netværk", "year": "År", "meeting_date": "Mødedato", "note": "Note",
    "saved_at": "Gemt", "saved_by": "Af", "versions": "Versioner",
}


# --- checks -------------------------------------------------------------------------------

def _clean_text(text: str | None, *, limit: int, what: str, required: bool) -> str | None:
    """Trimmed text, or a Danish error when it is required and empty or too long."""
    value = (text or "").strip()
    if not value:
        if required:
            raise EvaluationError(f"{what} er tom. Skriv en tekst, før du gemmer.")
        return None
    if len(value) > limit:
        raise EvaluationError(f"{what} er for lang ({len(value)} tegn); højst {limit} tegn.")
    return value


def _screen(con: duckdb.DuckDBPyConnection, text: str | None, what: str) -> None:
    """Refuse personal data; the plan's own organisation names are not names of persons."""
    if not text:
        return
    allowed = [r[0] for r in con.execute(
        "SELECT name FROM actors UNION SELECT alias FROM actor_aliases").fetchall()]
    findings = privacy.find_in_text(text, allowed)
    if findings:
        found = "; ".join(f"{f.label} ({f.masked})" for f in findings[:5])
        raise EvaluationError(
            f"{what} blev ikke gemt, fordi den ser ud til at indeholde personoplysninger: {found}. "
            "Skriv uden navne, numre og adresser på personer.")


def _year(year: int) -> int:
    value = int(year)
    if not 2015 <= value <= 2100:
        raise EvaluationError(f"Året {value} er uden for det tilladte (2015–2100).")
    return value


def _day(value: date | str | None, what: str) -> date | None:
    """A date from a widget (date) or text ('2025-11-20'); a Danish error when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise EvaluationError(f"{what} '{value}' er ikke en dato (skriv ÅÅÅÅ-MM-DD).") from exc


# --- meeting notes ------------------------------------------------------------------------

def save_meeting_note(db_path: Path, netvaerk: str, year: int, note: str, *,
                      meeting_date: date | str | None = None, by: str | None = None) -> None:
    """Save the note from a network's yearly evaluation meeting (a new version; history kept)."""
    network = _clean_text(netvaerk, limit=200, what="SSP-netværket", required=True)
    text = _clean_text(note, limit=MAX_NOTE_CHARS, what="Mødenoten", required=True)
    when = _day(meeting_date, "Mødedatoen")
    if when is not None and when > date.today():
        raise EvaluationError("Mødedatoen ligger i fremtiden. Gem noten efter mødet.")
    row = [network, _year(year), when, text, by or current_user()]
    with db.writer(Path(db_path)) as con:
        _screen(con, text, "Mødenoten")
        con.execute(
            "INSERT INTO meeting_notes (netvaerk, year, meeting_date, note, saved_by) VALUES (?, ?, ?, ?, ?)", row)


_LATEST_NOTES_SQL = """
SELECT netvaerk, year, meeting_date, note, saved_at, saved_by, versions
FROM (
    SELECT *, row_number() OVER w AS rn, count(*) OVER (PARTITION BY netvaerk, year) AS versions
    FROM meeting_notes
    WINDOW w AS (PARTITION BY netvaerk, year ORDER BY saved_at DESC, rowid DESC)
)
WHERE rn = 1
  AND (CAST(? AS INTEGER) IS NULL OR year = ?)
  AND (CAST(? AS VARCHAR) IS NULL OR netvaerk = ?)
ORDER BY year DESC, netvaerk
"""


def meeting_notes(con: duckdb.DuckDBPyConnection, *, year: int | None = None,
                  netvaerk: str | None = None) -> pd.DataFrame:
    """The current note per network and year (the report prints these), with version counts."""
    return con.execute(_LATEST_NOTES_SQL, [year, year, netvaerk, netvaerk]).df()


def meeting_note(con: duckdb.DuckDBPyConnection, netvaerk: str, year: int) -> dict | None:
    """The current note of one network and year as a dict, or None when none is saved."""
    frame = meeting_notes(con, year=int(year), netvaerk=netvaerk)
    return None if frame.empty else frame.iloc[0].to_dict()


def meeting_note_history(con: duckdb.DuckDBPyConnection, netvaerk: str, year: int) -> pd.DataFrame:
    """Every saved version of one network's note for a year, newest first."""
    return con.execute(
        "SELECT netvaerk, year, meeting_date, note, saved_at, saved_by FROM meeting_notes "
        "WHERE netvaerk = ? AND year = ? ORDER BY saved_at DESC, rowid DESC",
        [netvaerk, int(year)]).df()


def note_networks(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Networks to offer on the notes page: the registry's (``plan.networks``), and any with
    cases or notes already."""
    return [r[0] for r in con.execute(
        "SELECT name FROM networks UNION SELECT netvaerk FROM cases UNION SELECT netvaerk FROM meeting_notes "
        "ORDER BY 1").fetchall()]


# --- policy judgements --------------------------------------------------------------------

def save_policy_judgement(db_path: Path, policy_id: str, year: int, judgement: str,
                          note: str | None = None, *, by: str | None = None) -> None:
    """Record the consultant's judgement of one related policy for an evaluation year."""
    if judgement not in JUDGEMENT_LABELS:
        raise EvaluationError(
            f"Ukendt vurdering '{judgement}'. Mulige: {', '.join(JUDGEMENT_LABELS.values())}.")
    text = _clean_text(note, limit=MAX_JUDGEMENT_NOTE_CHARS, what="Noten", required=False)
    row = [policy_id, _year(year), judgement, text, by or current_user()]
    with db.writer(Path(db_path)) as con:
        if not con.execute("SELECT 1 FROM policies WHERE policy_id = ?", [policy_id]).fetchall():
            raise EvaluationError(f"Der findes ingen politik med id '{policy_id}' i planregistret.")
        _screen(con, text, "Noten")
        con.execute(
            "INSERT INTO policy_judgements (policy_id, year, judgement, note, saved_by) VALUES (?, ?, ?, ?, ?)", row)


def plan_last_evaluated(con: duckdb.DuckDBPyConnection) -> date | None:
    """When the plan was last evaluated (plan_meta.last_evaluated), or None if unknown."""
    rows = con.execute("SELECT value FROM plan_meta WHERE key = 'last_evaluated'").fetchall()
    if not rows or not rows[0][0]:
        return None
    try:
        return date.fromisoformat(str(rows[0][0])[:10])
    except ValueError:
        return None


_POLICY_STATUS_SQL = """
WITH latest AS (
    SELECT policy_id, judgement, note, saved_at, saved_by
    FROM (SELECT *, row_number() OVER (PARTITION BY policy_id ORDER BY saved_at DESC, rowid DESC) AS rn
          FROM policy_judgements WHERE year = ?)
    WHERE rn = 1
)
SELECT p.policy_id, p.name, p.owner, p.last_revised,
       coalesce(p.last_revised > CAST(? AS DATE), FALSE) AS revised_after_evaluation,
       coalesce(l.judgement, 'ikke_vurderet') AS judgement, l.note, l.saved_at, l.saved_by
FROM policies p LEFT JOIN latest l USING (policy_id)
ORDER BY revised_after_evaluation DESC, p.name
"""


def policy_status(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """Related policies, when each was revised, the flag, and this year's latest judgement.

    A policy revised after the plan's last evaluation is flagged (first in the list): the
    plan may no longer agree with it. Without a recorded last evaluation nothing is flagged.
    """
    frame = con.execute(_POLICY_STATUS_SQL, [int(year), plan_last_evaluated(con)]).df()
    frame["judgement_label"] = frame["judgement"].map(JUDGEMENT_LABELS)
    return frame


def policy_judgement_history(con: duckdb.DuckDBPyConnection, policy_id: str | None = None) -> pd.DataFrame:
    """Every judgement saved (for one policy or all), newest first, with Danish labels."""
    frame = con.execute(
        "SELECT j.policy_id, p.name, j.year, j.judgement, j.note, j.saved_at, j.saved_by "
        "FROM policy_judgements j LEFT JOIN policies p USING (policy_id) "
        "WHERE CAST(? AS VARCHAR) IS NULL OR j.policy_id = ? ORDER BY j.saved_at DESC, j.rowid DESC",
        [policy_id, policy_id]).df()
    frame["judgement_label"] = frame["judgement"].map(JUDGEMENT_LABELS)
    return frame

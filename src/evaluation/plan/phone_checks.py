"""Phone numbers in the plan, marked as checked (yearly evaluation question 3).

Question 3 asks whether the right web addresses *and phone numbers* are listed. Web addresses
are checked by the link checker (links.py); a phone number can only be checked by a person
ringing it or looking it up at the organisation. The consultant marks each number as right
(``ok``), changed (``changed``: the new number is written into the plan registry, with
``registry_history``) or not working (``broken``). Checks are append-only rows in
``phone_checks``: the latest check of the number *as printed now* is its status, the older
rows are its history. A number is due when it has not been checked within
``settings.verification_months`` (as key persons are), or when its latest check found it not
working.

Writers take a database path and go through ``db.writer`` (one transaction: the check and,
for a changed number, the registry edit); readers take a connection.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from evaluation import settings as config
from evaluation.errors import EvaluationError
from evaluation.ingest import privacy
from evaluation.plan import registry
from evaluation.store import db

__all__ = ["RESULT_LABELS", "NOT_CHECKED_LABEL", "MAX_NOTE_CHARS", "check", "latest_status", "history"]

RESULT_LABELS = {"ok": "Rigtigt", "changed": "Ændret", "broken": "Virker ikke"}
NOT_CHECKED_LABEL = "Ikke kontrolleret"
MAX_NOTE_CHARS = 1000
FIRST_YEAR = 2015
_DIGITS_AND_SPACES = frozenset("0123456789 +")


def _checked_on(value: date | str | None) -> date:
    """The day of the check: a date (or ISO text) that is not in the future."""
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise EvaluationError("Datoen for kontrollen skal skrives som ÅÅÅÅ-MM-DD, fx 2025-11-20.") from exc
    if not isinstance(value, date):
        raise EvaluationError("Angiv, hvilken dag nummeret blev kontrolleret.")
    if value > date.today():
        raise EvaluationError(f"Datoen for kontrollen ({value:%d.%m.%Y}) ligger i fremtiden.")
    if value.year < FIRST_YEAR:
        raise EvaluationError(f"Datoen for kontrollen ({value:%d.%m.%Y}) ligger før {FIRST_YEAR}.")
    return value


def _new_number(result: str, new_number: str | None) -> str | None:
    """The number printed from now on: required for 'changed', refused otherwise."""
    text = " ".join((new_number or "").split())
    if result != "changed":
        if text:
            raise EvaluationError("Et nyt nummer gemmes kun, når resultatet er 'Ændret'.")
        return None
    if not text:
        raise EvaluationError("Skriv det nye nummer, når nummeret er ændret (fx 35 36 55 55).")
    if not set(text) <= _DIGITS_AND_SPACES or sum(c.isdigit() for c in text) < 3:
        raise EvaluationError("Det nye nummer må kun indeholde cifre, mellemrum og +, fx 35 36 55 55 eller 114.")
    return text


def _note(con: duckdb.DuckDBPyConnection, note: str | None) -> str | None:
    """An optional note, trimmed; never personal data (the plan's organisation names are fine)."""
    text = (note or "").strip()
    if not text:
        return None
    if len(text) > MAX_NOTE_CHARS:
        raise EvaluationError(f"Noten er for lang ({len(text)} tegn); højst {MAX_NOTE_CHARS} tegn.")
    allowed = [r[0] for r in con.execute("SELECT name FROM actors UNION SELECT alias FROM actor_aliases").fetchall()]
    findings = privacy.find_in_text(text, allowed)
    if findings:
        found = "; ".join(f"{f.label} ({f.masked})" for f in findings[:5])
        raise EvaluationError(f"Noten blev ikke gemt, fordi den ser ud til at indeholde personoplysninger: {found}.")
    return text


def check(db_path: Path | str, phone_id: str, result: str, checked_on: date | str, *,
          new_number: str | None = None, note: str | None = None, by: str | None = None) -> dict[str, Any]:
    """Record a check of one of the plan's phone numbers; returns the saved row.

    ``result`` is ``ok``, ``changed`` (then ``new_number`` is required and becomes the
    number the plan prints, with registry history) or ``broken``. One transaction.
    """
    if result not in RESULT_LABELS:
        raise EvaluationError("Resultatet af kontrollen skal være et af: "
                              + ", ".join(f"'{label}'" for label in RESULT_LABELS.values()) + ".")
    row = {"phone_id": phone_id, "result": result, "new_number": _new_number(result, new_number),
           "checked_on": _checked_on(checked_on), "saved_by": by or config.current_user()}
    with db.writer(Path(db_path)) as con:
        current = con.execute("SELECT number FROM phones WHERE phone_id = ?", [phone_id]).fetchall()
        if not current:
            raise EvaluationError(f"Telefonnummeret med id '{phone_id}' findes ikke i planen.")
        row["number"] = current[0][0]
        row["note"] = _note(con, note)
        if row["new_number"] == row["number"]:
            raise EvaluationError(f"Det nye nummer er det samme som det gamle ({row['number']}). "
                                  "Vælg 'Rigtigt', hvis nummeret ikke er ændret.")
        columns = list(row)
        con.execute(f"INSERT INTO phone_checks ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                    [row[c] for c in columns])
        if row["new_number"]:
            registry.update_item(con, "phones", phone_id, {"number": row["new_number"]}, by=row["saved_by"],
                                 reason=f"Nummeret var ændret ved kontrollen {row['checked_on']:%d.%m.%Y}")
    return row


# The latest check of each number as it is printed now: a check of an old number (before a
# change) says nothing about the new one.
_LATEST = """
WITH latest AS (
    SELECT c.phone_id, c.result, c.checked_on, c.note, c.saved_by
    FROM phone_checks c JOIN phones p ON p.phone_id = c.phone_id
        AND (c.number = p.number OR c.new_number = p.number)
    QUALIFY row_number() OVER (PARTITION BY c.phone_id ORDER BY c.checked_on DESC, c.saved_at DESC,
                                                                 c.rowid DESC) = 1)
SELECT p.phone_id, p.number, p.actor_id, a.name AS actor_name, p.purpose,
       l.result, l.checked_on, l.note, l.saved_by,
       (l.checked_on IS NULL OR l.checked_on <= CAST($today AS DATE) - to_months($months)
        OR l.result = 'broken') AS due
FROM phones p LEFT JOIN actors a USING (actor_id) LEFT JOIN latest l USING (phone_id)
ORDER BY a.name NULLS LAST, p.number
"""


def latest_status(con: duckdb.DuckDBPyConnection, *, today: date | None = None) -> pd.DataFrame:
    """Every phone number in the plan with its latest check, a Danish ``result_label`` and ``due``.

    ``due`` is True when the number was never checked, not within
    ``settings.verification_months`` before ``today``, or found not working.
    """
    frame = con.execute(_LATEST, {"today": today or date.today(),
                                  "months": config.settings.verification_months}).df()
    frame["result_label"] = [RESULT_LABELS.get(r, NOT_CHECKED_LABEL) if isinstance(r, str) else NOT_CHECKED_LABEL
                             for r in frame["result"]]
    return frame


def history(con: duckdb.DuckDBPyConnection, phone_id: str | None = None) -> pd.DataFrame:
    """Every check ever saved (optionally of one number), newest first, with ``result_label``."""
    frame = con.execute(
        """SELECT c.phone_id, c.number, c.result, c.new_number, c.checked_on, c.note, c.saved_at, c.saved_by,
                  a.name AS actor_name
           FROM phone_checks c LEFT JOIN phones p USING (phone_id) LEFT JOIN actors a USING (actor_id)
           WHERE CAST(? AS VARCHAR) IS NULL OR c.phone_id = ?
           ORDER BY c.checked_on DESC, c.saved_at DESC, c.rowid DESC""", [phone_id, phone_id]).df()
    frame["result_label"] = frame["result"].map(RESULT_LABELS)
    return frame

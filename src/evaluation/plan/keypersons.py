"""Key persons and the yearly actioncard exercise per local SSP network (evaluation question 2).

The plan names key-person roles (registry table ``roles``); each local network should have
someone in every role marked ``per_network`` (management, the SSP consultant, an SSP contact
teacher), and the team re-verifies who that is at least every ``settings.verification_months``.
The plan also asks for a yearly training exercise on the actioncard in every network, so that
new contact teachers learn it.

Both are append-only tables (``key_person_verifications``, ``exercises``): a save is a new row,
the latest saved row per key wins and the older rows are the history. Person names are
optional *staff* contact data (never pupils) and are never put into messages.

Writers take a database path and go through ``db.writer``; readers take a connection from
``db.reader``. Input errors raise :class:`UpkeepInputError` with a Danish message.
"""

from __future__ import annotations

from datetime import date, datetime
from numbers import Integral
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from evaluation.store import db
from evaluation.ingest import privacy
from evaluation import settings as config
from evaluation.errors import EvaluationError

__all__ = ["UpkeepInputError", "networks", "role_status", "verify", "verification_history",
           "exercises", "record_exercise"]

MAX_NETWORK_CHARS = 100
MAX_PERSON_CHARS = 120
FIRST_YEAR = 2015  # the schema's CHECK on exercises.year and case months start here


class UpkeepInputError(EvaluationError):
    """A key-person verification or an exercise record was refused (Danish message)."""


# --- networks -----------------------------------------------------------------------------

NETWORKS_SQL = """
    SELECT name AS netvaerk FROM networks
    UNION SELECT netvaerk FROM cases
    UNION SELECT netvaerk FROM key_person_verifications
    UNION SELECT netvaerk FROM exercises
"""


def networks(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every local network the database knows: the registry's (``plan.networks``), and any
    name in cases, verifications and exercises (none outside the registry after ingest).

    A network that has reported no case yet still counts, so plan status follows up its key
    persons and its exercise from the day it is in the registry.
    """
    rows = con.execute(f"SELECT netvaerk FROM ({NETWORKS_SQL}) ORDER BY netvaerk").fetchall()
    return [r[0] for r in rows]


# --- key persons --------------------------------------------------------------------------

ROLE_STATUS_SQL = f"""
WITH nets AS ({NETWORKS_SQL}),
latest AS (
    SELECT netvaerk, role_id, person, verified_on
    FROM key_person_verifications
    QUALIFY row_number() OVER (PARTITION BY netvaerk, role_id
                               ORDER BY saved_at DESC, verified_on DESC, rowid DESC) = 1
),
wanted AS (
    SELECT n.netvaerk, r.role_id FROM nets n CROSS JOIN roles r WHERE r.per_network
    UNION SELECT netvaerk, role_id FROM latest
)
SELECT w.netvaerk, w.role_id, coalesce(r.title, w.role_id) AS role, l.person, l.verified_on,
       (l.verified_on IS NULL OR l.verified_on <= CAST($today AS DATE) - to_months($months)) AS due,
       (l.verified_on IS NULL) AS missing
FROM wanted w
LEFT JOIN latest l USING (netvaerk, role_id)
LEFT JOIN roles r USING (role_id)
ORDER BY w.netvaerk, coalesce(r.per_network, FALSE) DESC, role
"""


def role_status(con: duckdb.DuckDBPyConnection, *, today: date | None = None) -> pd.DataFrame:
    """The latest verification of every key-person role in every network.

    Rows: each network × each ``per_network`` role, plus any other role that has been verified
    for a network. ``due`` is True when the role has not been verified within
    ``settings.verification_months`` before ``today`` (so also when never verified);
    ``missing`` is True when a required role has never been verified in that network.
    """
    today = today or date.today()
    return con.execute(ROLE_STATUS_SQL, {"today": today, "months": config.settings.verification_months}).df()


def verify(db_path: Path, netvaerk: str, role_id: str, verified_on: date | str, *,
           person: str | None = None, by: str | None = None) -> dict[str, Any]:
    """Record that a network's key person in ``role_id`` was verified on ``verified_on``.

    Append-only: the new row becomes the current one and the earlier rows remain as history.
    Returns the saved row.
    """
    row = {"netvaerk": _network(netvaerk), "role_id": role_id, "person": _person(person),
           "verified_on": _past_date(verified_on, "Datoen for bekræftelsen"),
           "saved_by": by or config.current_user()}
    with db.writer(db_path) as con:
        if not con.execute("SELECT 1 FROM roles WHERE role_id = ?", [role_id]).fetchall():
            known = [r[0] for r in con.execute("SELECT role_id FROM roles ORDER BY role_id").fetchall()]
            raise UpkeepInputError(f"Rollen '{role_id}' findes ikke i planregistret. Mulige roller: "
                                   + ", ".join(known) + ".")
        _insert(con, "key_person_verifications", row)
    return row


def verification_history(con: duckdb.DuckDBPyConnection, netvaerk: str | None = None) -> pd.DataFrame:
    """Every verification ever saved (optionally for one network), newest save first."""
    return con.execute(
        """SELECT v.netvaerk, v.role_id, coalesce(r.title, v.role_id) AS role, v.person, v.verified_on,
                  v.saved_at, v.saved_by
           FROM key_person_verifications v LEFT JOIN roles r USING (role_id)
           WHERE CAST(? AS VARCHAR) IS NULL OR v.netvaerk = ?
           ORDER BY v.saved_at DESC, v.verified_on DESC, v.rowid DESC""",
        [netvaerk, netvaerk]).df()


# --- exercises ----------------------------------------------------------------------------

def exercises(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """The latest saved exercise record per network for ``year`` (networks without one are absent)."""
    return con.execute(
        """SELECT netvaerk, held, held_on, contact_teachers, new_contact_teachers, saved_at, saved_by
           FROM exercises WHERE year = ?
           QUALIFY row_number() OVER (PARTITION BY netvaerk ORDER BY saved_at DESC, rowid DESC) = 1
           ORDER BY netvaerk""", [int(year)]).df()


def record_exercise(db_path: Path, netvaerk: str, year: int, held: bool, *, held_on: date | str | None = None,
                    contact_teachers: int | None = None, new_contact_teachers: int | None = None,
                    by: str | None = None) -> dict[str, Any]:
    """Record whether a network held this year's actioncard exercise, and with how many teachers.

    Checked before anything is written: the year, a held date inside that year and not in the
    future (only when held), and counts that are whole, non-negative and consistent (new
    contact teachers are some of the contact teachers). Returns the saved row.
    """
    row = {"netvaerk": _network(netvaerk), "year": _year(year), "held": _held(held)}
    if held_on is not None and not row["held"]:
        raise UpkeepInputError("En øvelse, der ikke er holdt, kan ikke have en dato. "
                               "Angiv 'holdt' eller fjern datoen.")
    row["held_on"] = None if held_on is None else _past_date(held_on, "Datoen for øvelsen")
    if row["held_on"] is not None and row["held_on"].year != row["year"]:
        raise UpkeepInputError(f"Øvelsen er dateret {row['held_on']:%d.%m.%Y}, men registreres for {row['year']}. "
                               "Datoen skal ligge i samme år.")
    row["contact_teachers"] = _count(contact_teachers, "Antallet af kontaktlærere")
    row["new_contact_teachers"] = _count(new_contact_teachers, "Antallet af nye kontaktlærere")
    if row["new_contact_teachers"] is not None:
        if row["contact_teachers"] is None:
            raise UpkeepInputError("Angiv også det samlede antal kontaktlærere, når antallet af nye kontaktlærere "
                                   "er udfyldt.")
        if row["new_contact_teachers"] > row["contact_teachers"]:
            raise UpkeepInputError(f"Antallet af nye kontaktlærere ({row['new_contact_teachers']}) kan ikke være "
                                   f"større end det samlede antal kontaktlærere ({row['contact_teachers']}).")
    row["saved_by"] = by or config.current_user()
    with db.writer(db_path) as con:
        _insert(con, "exercises", row)
    return row


# --- checks and writing -------------------------------------------------------------------

def _insert(con: duckdb.DuckDBPyConnection, table: str, row: dict[str, Any]) -> None:
    """Insert one saved row; ``table`` is a constant of this module, values are parameters."""
    columns = list(row)
    con.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [row[c] for c in columns])


def _network(netvaerk: Any) -> str:
    """A network name as saved: trimmed, not empty, of a sensible length."""
    if not isinstance(netvaerk, str) or not netvaerk.strip():
        raise UpkeepInputError("Angiv navnet på SSP-netværket.")
    name = " ".join(netvaerk.split())
    if len(name) > MAX_NETWORK_CHARS:
        raise UpkeepInputError(f"Netværkets navn er for langt (højst {MAX_NETWORK_CHARS} tegn).")
    return name


def _person(person: Any) -> str | None:
    """The optional staff name or job title; never a CPR number (and never echoed back)."""
    if person is None:
        return None
    if not isinstance(person, str):
        raise UpkeepInputError("Nøglepersonen skal angives som en tekst (navn eller stillingsbetegnelse).")
    text = " ".join(person.split())
    if not text:
        return None
    if len(text) > MAX_PERSON_CHARS:
        raise UpkeepInputError(f"Feltet for nøglepersonen er for langt (højst {MAX_PERSON_CHARS} tegn).")
    if any(f.kind == "cpr" for f in privacy.find_in_text(text)):
        raise UpkeepInputError("Feltet for nøglepersonen ser ud til at indeholde et CPR-nummer. Skriv kun navn "
                               "eller stillingsbetegnelse.")
    return text


def _past_date(value: Any, what: str) -> date:
    """A date (or ISO text) that is not in the future: verifications and exercises have happened."""
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise UpkeepInputError(f"{what} skal skrives som ÅÅÅÅ-MM-DD, fx 2025-09-15.") from exc
    if not isinstance(value, date):
        raise UpkeepInputError(f"{what} mangler eller er ikke en dato.")
    if value > date.today():
        raise UpkeepInputError(f"{what} ({value:%d.%m.%Y}) ligger i fremtiden.")
    if value.year < FIRST_YEAR:
        raise UpkeepInputError(f"{what} ({value:%d.%m.%Y}) ligger før {FIRST_YEAR}.")
    return value


def _year(year: Any) -> int:
    """An exercise year: a whole number from 2015 up to this year."""
    if isinstance(year, bool) or not isinstance(year, Integral):
        raise UpkeepInputError("Året for øvelsen skal være et helt tal, fx 2025.")
    year = int(year)
    if not FIRST_YEAR <= year <= date.today().year:
        raise UpkeepInputError(f"Året for øvelsen skal ligge mellem {FIRST_YEAR} og {date.today().year}.")
    return year


def _held(held: Any) -> bool:
    if not isinstance(held, bool):
        raise UpkeepInputError("Angiv, om øvelsen er holdt (ja eller nej).")
    return held


def _count(value: Any, what: str) -> int | None:
    """An optional count of teachers: a whole number, zero or more."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise UpkeepInputError(f"{what} skal være et helt tal.")
    value = int(value)
    if value < 0:
        raise UpkeepInputError(f"{what} kan ikke være negativt.")
    return value

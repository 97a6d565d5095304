"""Erasure: one case, one import (undone), or every case up to a year — gone, history included.

Data about children must have a retention period and a way to honour it, and a network's
export loaded under the wrong name must be undoable. Three kinds, each in two steps so a
person confirms what will go before it goes:

- ``plan_case(con, network, sags_id)``: every version of one case;
- ``plan_import(con, import_id)``: undo one import — the versions it wrote go, the versions
  it had replaced become current again (or stay replaced by a later import), and its
  ``imports`` row goes, so the same file can be loaded again under the right network. An
  import with a *later* import from the same network that re-sent cases unchanged is refused
  (undo the later one first): those cases exist only as this import's versions, and would
  silently vanish with it;
- ``plan_through_year(con, year)``: every case whose current version was reported in ``year``
  or before (the retention period, ``store/retention.py``), with all its versions.

``erase(con, plan, reason=..., by=...)`` then does it inside the caller's ``db.writer``
transaction (the one write convention: a CLI command and a dashboard page call the same
functions). It recomputes the plan first and refuses if the data changed since the person
saw it. Rows of any other table keyed by ``(netvaerk, sags_id)`` (per-case notes or tags
other modules add) go with their case, and rows keyed by ``import_id`` with their import:
found from the catalog, so a new per-case table is covered without touching this module.

Gone means gone from the file's bytes too: DuckDB keeps deleted rows in the file's blocks
after ``DELETE`` and ``CHECKPOINT``, so ``erase`` asks the writer to rewrite the database
into a fresh file (``db.request_compaction``). One row in ``erasures`` records what kind,
when, by whom and how much — never a case number or a value. Backups made before keep what
they held (README: "Sletning").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

import duckdb
import pandas as pd

from evaluation import format as fmt
from evaluation.errors import EvaluationError
from evaluation.settings import current_user
from evaluation.store import db

Kind = Literal["sag", "import", "til_og_med_aar"]
MAX_REASON = 500
KIND_LABELS = {"sag": "Én sag", "import": "Fortrudt indlæsning", "til_og_med_aar": "Alle sager til og med et år"}


class ErasureError(EvaluationError):
    """Nothing to erase, a refused undo, or data changed since the preview (Danish message)."""


@dataclass(frozen=True)
class ErasurePlan:
    """What an erasure will remove, for the person to confirm (no case values in it)."""

    kind: Kind
    cases: int                       # current cases that disappear
    versions: int                    # case versions removed, history included
    restored: int = 0                # earlier versions that become current again (import undo)
    linked_rows: int = 0             # rows in other per-case / per-import tables
    network: str | None = None       # kind 'sag': the case's network; 'import': the import's
    sags_id: str | None = None       # kind 'sag'
    import_id: int | None = None     # kind 'import'
    file_name: str | None = None     # kind 'import'
    through_year: int | None = None  # kind 'til_og_med_aar'

    def description(self) -> str:
        """One Danish sentence: what will go (shown before the confirmation)."""
        counted = fmt.plural(self.versions, "version", "versioner")
        if self.kind == "sag":
            return (f"Sagen {self.sags_id} fra {self.network} slettes helt: {counted} "
                    "(den gældende og dens historik).")
        if self.kind == "import":
            net = f" (netværk {self.network})" if self.network else ""
            back = (f" {fmt.plural(self.restored, 'tidligere version', 'tidligere versioner')} af rettede sager "
                    "bliver gældende igen." if self.restored else "")
            return (f"Indlæsning {self.import_id} af {self.file_name}{net} fortrydes: "
                    f"{fmt.plural(self.cases, 'sag', 'sager')} forsvinder, {counted} slettes.{back} "
                    "Filen kan derefter indlæses igen.")
        return (f"Alle sager indberettet i {self.through_year} og før slettes: "
                f"{fmt.plural(self.cases, 'sag', 'sager')} med {counted} (historik medregnet).")


@dataclass(frozen=True)
class Erasure:
    """A finished erasure: its record's id and the plan it carried out."""

    erasure_id: int
    plan: ErasurePlan


# --- planning -------------------------------------------------------------------------------

def plan_case(con: duckdb.DuckDBPyConnection, network: str, sags_id: str) -> ErasurePlan:
    """One case (a network's case number), every version of it."""
    versions, current = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE replaced_by_import IS NULL) FROM case_versions "
        "WHERE netvaerk = ? AND sags_id = ?", [network, sags_id]).fetchone()
    if not versions:
        raise ErasureError(f"Der er ingen sag {sags_id} fra netværket {network}. Tjek sagsnummer og netværk "
                           "(store og små bogstaver tæller med).")
    linked = _linked_case_rows(con, "WHERE netvaerk = ? AND sags_id = ?", [network, sags_id])
    return ErasurePlan("sag", cases=current, versions=versions, linked_rows=linked, network=network, sags_id=sags_id)


def plan_import(con: duckdb.DuckDBPyConnection, import_id: int) -> ErasurePlan:
    """Undo one import (see the module docstring for what is restored and what is refused)."""
    found = con.execute("SELECT file_name, network FROM imports WHERE import_id = ?", [import_id]).fetchall()
    if not found:
        raise ErasureError(f"Der er ingen indlæsning med nummer {import_id} (den kan være fortrudt imens). "
                           "Se listen over indlæsninger.")
    file_name, network = found[0]
    _refuse_if_confirmed_later(con, import_id)
    versions, current = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE replaced_by_import IS NULL) FROM case_versions WHERE import_id = ?",
        [import_id]).fetchone()
    restored = con.execute(
        "SELECT count(*) FROM case_versions p JOIN case_versions v ON v.import_id = p.replaced_by_import "
        "AND v.netvaerk = p.netvaerk AND v.sags_id = p.sags_id "
        "WHERE p.replaced_by_import = ? AND v.replaced_by_import IS NULL", [import_id]).fetchone()[0]
    linked = _linked_import_rows(con, import_id) + _linked_case_rows(con, _VANISHING_SQL, [import_id])
    return ErasurePlan("import", cases=current - restored, versions=versions, restored=restored, linked_rows=linked,
                       network=network, import_id=import_id, file_name=file_name)


def plan_through_year(con: duckdb.DuckDBPyConnection, year: int) -> ErasurePlan:
    """Every case whose current version was reported in ``year`` or earlier, all its versions."""
    cases, versions = con.execute(f"SELECT count(DISTINCT (netvaerk, sags_id)), count(*) FROM case_versions "
                                  f"WHERE (netvaerk, sags_id) IN ({_CASES_THROUGH_SQL})", [_end_of(year)]).fetchone()
    if not versions:
        raise ErasureError(f"Der er ingen sager indberettet i {year} eller før.")
    linked = _linked_case_rows(con, f"WHERE (netvaerk, sags_id) IN ({_CASES_THROUGH_SQL})", [_end_of(year)])
    return ErasurePlan("til_og_med_aar", cases=cases, versions=versions, linked_rows=linked, through_year=int(year))


_CASES_THROUGH_SQL = ("SELECT (netvaerk, sags_id) FROM case_versions "
                      "WHERE replaced_by_import IS NULL AND indberetningsmaaned < ?")
# The cases an undone import takes with it: its current versions of cases it brought in new
# (no earlier version was replaced by it). A case it corrected goes back to its earlier
# version; a case a later import replaced stays with the later version.
_VANISHING_SQL = ("WHERE (netvaerk, sags_id) IN (SELECT (netvaerk, sags_id) FROM case_versions v "
                  "WHERE v.import_id = ? AND v.replaced_by_import IS NULL AND NOT EXISTS ("
                  "SELECT 1 FROM case_versions p WHERE p.replaced_by_import = v.import_id "
                  "AND p.netvaerk = v.netvaerk AND p.sags_id = v.sags_id))")


def _end_of(year: int) -> date:
    return date(int(year) + 1, 1, 1)


def _refuse_if_confirmed_later(con: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """A later import that re-sent cases unchanged may have re-sent this import's cases: refuse.

    Ingest writes no version for an unchanged case, so such a case exists only as this
    import's version. The later import's networks are its versions' networks and the network
    given at import; one with neither is assumed to touch every network (the safe side).
    """
    later = con.execute("""
        WITH mine AS (SELECT DISTINCT netvaerk FROM case_versions WHERE import_id = $id),
             later AS (SELECT import_id, file_name, imported_at, network FROM imports
                       WHERE import_id > $id AND rows_unchanged > 0),
             later_nets AS (SELECT l.import_id, v.netvaerk FROM later l JOIN case_versions v USING (import_id)
                            UNION SELECT import_id, network FROM later WHERE network IS NOT NULL)
        SELECT l.import_id, l.file_name, l.imported_at FROM later l
        WHERE l.import_id NOT IN (SELECT import_id FROM later_nets)
           OR l.import_id IN (SELECT import_id FROM later_nets WHERE netvaerk IN (SELECT netvaerk FROM mine))
        ORDER BY l.import_id DESC LIMIT 1""", {"id": import_id}).fetchall()
    if later:
        newer_id, name, when = later[0]
        raise ErasureError(
            f"Indlæsning {import_id} kan ikke fortrydes alene: den nyere indlæsning {newer_id} ({name}, "
            f"{fmt.day(when)}) fra samme netværk indeholdt sager uændret, og de ligger kun som indlæsning "
            f"{import_id}s versioner. Fortryd indlæsning {newer_id} først, og indlæs den igen bagefter.")


def _per_case_tables(con: duckdb.DuckDBPyConnection, key: tuple[str, ...]) -> list[str]:
    """Tables (other than the case tables) that have every column of ``key``: rows that go with a case."""
    rows = con.execute("""SELECT table_name FROM duckdb_columns()
                          WHERE schema_name = 'main' AND NOT internal AND column_name IN (SELECT unnest($key))
                            AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main')
                          GROUP BY table_name HAVING count(*) = len($key) ORDER BY table_name""",
                       {"key": list(key)}).fetchall()
    return [r[0] for r in rows if r[0] not in ("case_versions", "imports", "erasures")]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _linked_case_rows(con: duckdb.DuckDBPyConnection, where: str, params: list) -> int:
    return sum(con.execute(f"SELECT count(*) FROM {_quoted(t)} {where}", params).fetchone()[0]
               for t in _per_case_tables(con, ("netvaerk", "sags_id")))


def _linked_import_rows(con: duckdb.DuckDBPyConnection, import_id: int) -> int:
    return sum(con.execute(f"SELECT count(*) FROM {_quoted(t)} WHERE import_id = ?", [import_id]).fetchone()[0]
               for t in _per_case_tables(con, ("import_id",)))


# --- erasing --------------------------------------------------------------------------------

def erase(con: duckdb.DuckDBPyConnection, plan: ErasurePlan, *, reason: str | None = None,
          by: str | None = None) -> Erasure:
    """Carry out ``plan`` inside the caller's ``db.writer`` transaction and record it.

    Refuses when the data changed since ``plan`` was made (recomputed here), and a reason
    longer than ``MAX_REASON`` characters (write no personal data in it: it is kept).
    """
    if reason is not None and len(reason) > MAX_REASON:
        raise ErasureError(f"Begrundelsen er for lang ({len(reason)} tegn; højst {MAX_REASON}).")
    now = _replan(con, plan)
    if now != plan:
        raise ErasureError("Data er ændret, siden sletningen blev vist (fx af en indlæsning imens). "
                           "Intet er slettet; se sletningen igen og bekræft den på ny.")
    if plan.kind == "sag":
        _delete_cases(con, "WHERE netvaerk = ? AND sags_id = ?", [plan.network, plan.sags_id])
    elif plan.kind == "import":
        _undo_import(con, int(plan.import_id))  # type: ignore[arg-type]
    else:
        _delete_cases(con, f"WHERE (netvaerk, sags_id) IN ({_CASES_THROUGH_SQL})",
                      [_end_of(int(plan.through_year))])  # type: ignore[arg-type]
    erasure_id = con.execute(
        "INSERT INTO erasures (erased_by, kind, import_id, file_name, network, through_year, cases, versions, "
        "restored, linked_rows, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING erasure_id",
        [by or current_user(), plan.kind, plan.import_id, plan.file_name,
         plan.network if plan.kind == "import" else None, plan.through_year, plan.cases, plan.versions,
         plan.restored, plan.linked_rows, (reason or "").strip() or None]).fetchone()[0]
    db.request_compaction(con)
    return Erasure(int(erasure_id), plan)


def _replan(con: duckdb.DuckDBPyConnection, plan: ErasurePlan) -> ErasurePlan:
    try:
        if plan.kind == "sag":
            return plan_case(con, str(plan.network), str(plan.sags_id))
        if plan.kind == "import":
            return plan_import(con, int(plan.import_id))  # type: ignore[arg-type]
        return plan_through_year(con, int(plan.through_year))  # type: ignore[arg-type]
    except ErasureError:
        return replace(plan, versions=-1)  # gone meanwhile: certainly changed


def _delete_cases(con: duckdb.DuckDBPyConnection, where: str, params: list) -> None:
    """Delete the cases' rows from every per-case table, then every version of them."""
    for table in _per_case_tables(con, ("netvaerk", "sags_id")):
        con.execute(f"DELETE FROM {_quoted(table)} {where}", params)
    con.execute(f"DELETE FROM case_versions {where}", params)


def _undo_import(con: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Versions it replaced take its versions' places (current again, or replaced by whoever
    replaced its version); then its versions, its cases' per-case rows and its row go."""
    for table in _per_case_tables(con, ("netvaerk", "sags_id")):
        con.execute(f"DELETE FROM {_quoted(table)} {_VANISHING_SQL}", [import_id])
    for table in _per_case_tables(con, ("import_id",)):
        con.execute(f"DELETE FROM {_quoted(table)} WHERE import_id = ?", [import_id])
    con.execute("""UPDATE case_versions AS p SET replaced_by_import = v.replaced_by_import
                   FROM case_versions AS v
                   WHERE p.replaced_by_import = $id AND v.import_id = $id
                     AND v.netvaerk = p.netvaerk AND v.sags_id = p.sags_id""", {"id": import_id})
    con.execute("DELETE FROM case_versions WHERE import_id = ?", [import_id])
    con.execute("DELETE FROM imports WHERE import_id = ?", [import_id])


# --- looking back ---------------------------------------------------------------------------

def history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every erasure, newest first, with its kind's Danish label and a one-line Danish ``what``
    (no case data: there is none to show)."""
    frame = con.execute("SELECT erasure_id, erased_at, erased_by, kind, import_id, file_name, network, through_year, "
                        "cases, versions, restored, linked_rows, reason FROM erasures "
                        "ORDER BY erasure_id DESC").df()
    frame.insert(4, "kind_label", frame["kind"].map(KIND_LABELS))
    frame.insert(5, "what", frame.apply(_what, axis=1) if len(frame) else pd.Series(dtype="str"))
    return frame


def _what(row: pd.Series) -> str:
    """One erasure as a Danish line: which kind, and how much went."""
    counted = f"{fmt.plural(row['cases'], 'sag', 'sager')} og {fmt.plural(row['versions'], 'version', 'versioner')} slettet"
    if row["kind"] == "import":
        back = (f", {fmt.plural(row['restored'], 'tidligere version', 'tidligere versioner')} gældende igen"
                if row["restored"] else "")
        return f"Indlæsning {row['import_id']} ({row['file_name']}) fortrudt: {counted}{back}"
    if row["kind"] == "til_og_med_aar":
        return f"Alle sager til og med {row['through_year']}: {counted}"
    return f"Én sag: {counted}"


def imports(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The imports one may undo, newest first, with how many of their versions are current."""
    return con.execute("""SELECT i.import_id, i.imported_at, i.file_name, i.network, i.rows_in_file,
                                 count(v.import_id) FILTER (WHERE v.replaced_by_import IS NULL) AS current_versions
                          FROM imports i LEFT JOIN case_versions v USING (import_id)
                          GROUP BY ALL ORDER BY i.import_id DESC""").df()

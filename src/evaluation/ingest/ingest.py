"""Loading one export file into the database: read, validate, write — all or nothing.

``ingest_file`` is what ``ssp-eval ingest`` and the demo call. A file is

1. skipped when its exact bytes (sha256) were imported before (a no-op that says so),
2. read by ``readers`` (any CSV flavour or .xlsx; an unreadable file is rejected); a plain
   CSV is read by DuckDB itself inside the transaction (``readers.open_export``), and if
   DuckDB refuses it, the transaction is dropped and the file read again with pandas,
3. validated in DuckDB inside the writer transaction (``validate``), with the plan registry's
   organisation names and phone numbers as allowed text,
4. written in the same transaction: a new ``imports`` row, new cases inserted, changed cases
   inserted with the old version marked ``replaced_by_import`` (the audit trail), identical
   cases left alone. A file with any error writes only a ``rejected_files`` row (counts and
   the first rule, never a value).

``db.writer`` works on a copy and publishes it atomically, so readers (dashboards) never see
half a file, and a missing database is created on the way, registry and all.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from evaluation import name_keys
from evaluation.store import db
from evaluation.ingest import privacy, readers, spec, tempcopies
from evaluation.plan import networks, registry
from evaluation.errors import DatabaseError, InputFileError
from evaluation.ingest.messages import limited
from evaluation.settings import current_user
from evaluation.ingest.validate import ERROR, STEPS, Message, Validation, format_count, row_hash_sql, validate

__all__ = ["IngestResult", "Message", "ingest_file", "file_sha256"]

Status = Literal["loaded", "unchanged", "rejected"]
# Files larger than this are looked up (read-only) before they are parsed, so re-importing a
# big file skips the parsing; smaller ones are checked only inside the writer (cheaper).
PRECHECK_BYTES = 1 << 20
Progress = Callable[[int, int], None]
UNREADABLE = "ulaeselig_fil"
INTERNAL_ERROR = "intern_fejl"  # the last guard's rule: a bug, counted apart by the fuzz harness
_log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """What happened to one file; ``summary()`` is one Danish line for the user."""

    file_name: str
    status: Status
    messages: list[Message] = field(default_factory=list)
    import_id: int | None = None
    rows: int = 0
    rows_new: int = 0
    rows_replaced: int = 0
    rows_unchanged: int = 0
    error_count: int = 0
    warning_count: int = 0
    imported_at: datetime | None = None          # for "unchanged": when the content was loaded
    previous_file_name: str | None = None        # for "unchanged": the name it was loaded under

    def summary(self) -> str:
        if self.status == "unchanged":
            when = f"{self.imported_at:%Y-%m-%d}" if self.imported_at else "tidligere"
            alias = (f" som {self.previous_file_name}"
                     if self.previous_file_name and self.previous_file_name != self.file_name else "")
            return f"{self.file_name} uændret: filen er allerede indlæst (importeret {when}{alias})."
        if self.status == "rejected":
            return f"{self.file_name} afvist: {format_count(self.error_count)} fejl – intet er indlæst."
        parts = [_counted(self.rows_new, "ny", "nye"), _counted(self.rows_replaced, "rettet", "rettede")]
        if self.rows_unchanged:
            parts.append(_counted(self.rows_unchanged, "uændret", "uændrede"))
        warnings = f" {_counted(self.warning_count, 'advarsel', 'advarsler')}." if self.warning_count else ""
        return f"{self.file_name}: {_counted(self.rows, 'sag', 'sager')} indlæst ({', '.join(parts)}).{warnings}"


def _counted(number: int, one: str, many: str) -> str:
    """'1 sag', '1.234 sager': Danish thousands separator and singular/plural."""
    return f"{format_count(number)} {one if number == 1 else many}"


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in chunks (a 200 MB export is never in memory twice)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_file(
    db_path: Path,
    path: Path,
    *,
    network: str | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> IngestResult:
    """Validate one export file and load it into ``db_path`` in one transaction (or reject it).

    ``network`` names the SSP network for a file without the column (``--network``).
    ``progress(done, total)`` is called at each stage: read, each group of rules, write.
    Raises ``DatabaseError`` when the database is busy or unreadable; everything about the
    file itself is in the result, never an exception.
    """
    db_path, path = Path(db_path), Path(path)
    name = path.name
    report = progress or (lambda done, total: None)
    tempcopies.remove_stale_copies()  # decoded copies left by killed ingests (provably unused)
    if not path.is_file():  # the reader says so in Danish; nothing to hash
        return _reject_unreadable(db_path, name, None, network, InputFileError(f"Filen {name} findes ikke."))
    hashing = _hash_beside(path)
    # A big file already loaded is answered before its parse: a workbook before opening it (that
    # parses it whole), a CSV after the reader's first pass, which the hash overlaps.
    precheck = path.stat().st_size > PRECHECK_BYTES
    if precheck and path.suffix.lower() != ".csv":
        precheck = False
        if unchanged := _unchanged(db_path, name, hashing.result(), report):
            return unchanged
    try:
        for trust_head in (True, False):  # False: a head that looked UTF-8, a file that is not
            with readers.open_export(path, trust_head=trust_head) as raw:
                sha = hashing.result()
                if precheck:
                    precheck = False
                    if unchanged := _unchanged(db_path, name, sha, report):
                        return unchanged
                try:
                    return _load(db_path, name, sha, network, raw, today, report)
                except readers.DirectReadRefused as refused:
                    if not refused.not_utf8:  # DuckDB is stricter than pandas on odd CSV; the writer rolled back
                        break
        return _load(db_path, name, hashing.result(), network, readers.read_export(path), today, report)
    except InputFileError as exc:
        return _reject_unreadable(db_path, name, _hash_if_any(hashing), network, exc)
    except DatabaseError:
        raise
    except Exception as exc:  # the last guard: counted apart (rule intern_fejl), never the normal way out
        _log.error("Uventet fejl ved indlæsning af en fil: %s i %s", type(exc).__name__, _where(exc))
        return _reject_unreadable(db_path, name, _hash_if_any(hashing), network, InputFileError(
            f"Filen {name} kunne ikke behandles på grund af en fejl i programmet; intet er indlæst. "
            "Kontakt den, der vedligeholder SSP-evaluering, og send ikke filen videre med mail."),
            rule=INTERNAL_ERROR)


def _hash_beside(path: Path) -> Future[str]:
    """``file_sha256`` on a thread of its own. hashlib lets go of the GIL while it hashes, so the
    hash (~0.2 s per 300 MB) overlaps the reader's first pass over the file instead of preceding it."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ssp-sha256")
    try:
        return pool.submit(file_sha256, path)
    finally:
        pool.shutdown(wait=False)


def _hash_if_any(hashing: Future[str]) -> str | None:
    """The file's hash for a rejection's record, or None when the file could not be hashed either."""
    try:
        return hashing.result()
    except OSError:
        return None


def _unchanged(db_path: Path, name: str, sha: str, report: Progress) -> IngestResult | None:
    """"Unchanged" when these exact bytes were imported before (looked up read-only), else None."""
    earlier = _earlier_import(db_path, sha)
    if not earlier:
        return None
    report(1, 1)
    return IngestResult(name, "unchanged", imported_at=earlier[0], previous_file_name=earlier[1])


def _where(exc: BaseException) -> str:
    """The innermost frame of an exception as file:line: enough to find the bug, and unlike the
    exception's text (which may quote a cell), never personal data."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"


def _load(db_path: Path, name: str, sha: str, network: str | None, raw: readers.RawExport,
          today: date | None, report: Progress) -> IngestResult:
    """Validate and write one read file in one writer transaction (the file's all or nothing)."""
    total = STEPS + 2  # read, the validation steps, write
    report(1, total)
    with db.writer(db_path) as con:
        registry.seed_if_empty(con)
        earlier = _find_import(con, sha)
        if earlier:  # another process loaded the same file meanwhile
            report(total, total)
            return IngestResult(name, "unchanged", imported_at=earlier[0], previous_file_name=earlier[1])
        names, phones = _allowed(con)
        book = networks.book(con)
        checked = validate(con, raw, network=network, networks=book, allowed_names=names, allowed_phones=phones,
                           today=today, progress=lambda done, _: report(1 + done, total))
        chosen = _known_network(book, network)
        if checked.ok:
            result = _write(con, name, sha, chosen, checked)
        else:
            _record_rejection(con, name, sha, chosen, checked.error_count, checked.first_error_rule)
            result = _result(name, "rejected", checked)
    report(total, total)
    return result


def _result(name: str, status: Status, checked: Validation) -> IngestResult:
    return IngestResult(name, status, messages=checked.messages, rows=checked.rows,
                        error_count=checked.error_count, warning_count=checked.warning_count)


def _earlier_import(db_path: Path, sha: str) -> tuple[datetime, str] | None:
    """Check before parsing a big file: is this content already in the database?"""
    if not db_path.exists():
        return None
    with db.reader(db_path) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        return _find_import(con, sha) if "imports" in tables else None


def _find_import(con: duckdb.DuckDBPyConnection, sha: str) -> tuple[datetime, str] | None:
    found = con.execute("SELECT imported_at, file_name FROM imports WHERE sha256 = ?", [sha]).fetchall()
    return (found[0][0], found[0][1]) if found else None


def _allowed(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """The registry's organisation names (and aliases) and phone numbers: not personal data."""
    names = [r[0] for r in con.execute(
        "SELECT name FROM actors UNION SELECT alias FROM actor_aliases").fetchall()]
    phones = [r[0] for r in con.execute("SELECT number FROM phones").fetchall()]
    return names, [*phones, *privacy.DEFAULT_ALLOWED_PHONES]


def _known_network(book: networks.NetworkBook, network: str | None) -> str | None:
    """The chosen network's current name to record, or None: an unknown name (perhaps a CPR
    number typed in the wrong field) is never stored."""
    match = book.resolve(network) if network and network.strip() else None
    return match.name if match is not None and match.known else None


def _record_rejection(con: duckdb.DuckDBPyConnection, name: str, sha: str | None, network: str | None,
                      errors: int, first_rule: str | None) -> None:
    """One row per refused attempt: the file, how many errors and the first rule, no values."""
    con.execute("INSERT INTO rejected_files (file_name, sha256, network, rejected_by, errors, first_error) "
                "VALUES (?, ?, ?, ?, ?, ?)", [name, sha, network, current_user(), max(errors, 1), first_rule])


def _reject_unreadable(db_path: Path, name: str, sha: str | None, network: str | None,
                       exc: InputFileError, rule: str | None = None) -> IngestResult:
    """A file that can't be read at all is rejected like an invalid one (and recorded), with the
    limit it broke as its rule when it broke one."""
    rule = rule or getattr(exc, "rule", None) or UNREADABLE
    with db.writer(db_path) as con:
        registry.seed_if_empty(con)
        _record_rejection(con, name, sha, _known_network(networks.book(con), network), 1, rule)
    message = Message(ERROR, name, limited(str(exc)), rule=rule)
    return IngestResult(name, "rejected", messages=[message], error_count=1)


def _stored_keys(con: duckdb.DuckDBPyConnection) -> None:
    """``v_stored``: the current versions of the file's networks, with their case-id keys and hashes.

    A case is (network, identity key of its id): "SAG-1" and "sag-1" are one case. Plain ASCII
    ids are keyed in SQL, the few others by ``name_keys.identity_key`` in Python.
    """
    odd = [r[0] for r in con.execute(
        f"SELECT DISTINCT sags_id FROM case_versions WHERE replaced_by_import IS NULL "
        f"AND netvaerk IN (SELECT DISTINCT netvaerk FROM v_cases) AND NOT {name_keys.plain_sql('sags_id')}").fetchall()]
    frame = pd.DataFrame({"raw": odd, "key": [name_keys.identity_key(t) for t in odd]}, dtype=object)
    con.register("v_stored_odd", frame)
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE v_stored AS
            SELECT o.netvaerk, o.sags_id,
                   CASE WHEN k.raw IS NULL THEN {name_keys.ascii_key_sql('o.sags_id')} ELSE CAST(k.key AS VARCHAR) END
                       AS sags_key,
                   {row_hash_sql('o')} AS h
            FROM case_versions o LEFT JOIN v_stored_odd k ON o.sags_id = CAST(k.raw AS VARCHAR)
            WHERE o.replaced_by_import IS NULL AND o.netvaerk IN (SELECT DISTINCT netvaerk FROM v_cases)""")
    finally:
        con.unregister("v_stored_odd")


def _write(con: duckdb.DuckDBPyConnection, name: str, sha: str, network: str | None,
           checked: Validation) -> IngestResult:
    """Classify each case as new, changed or unchanged, then insert and mark replaced versions.

    Changed vs unchanged compares a hash of the stored version with one of the new version,
    computed over identically typed columns. Two stored versions with one identity (loaded
    before case ids were compared by identity) are both replaced by the new one.
    """
    _stored_keys(con)
    known = con.execute("SELECT count(*) FROM v_stored o JOIN v_cases n USING (netvaerk, sags_key)").fetchall()[0][0]
    if known:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE v_status AS
            SELECT n.netvaerk, n.sags_key,
                   CASE WHEN count(o.h) = 0 THEN 'new' WHEN count(o.h) = 1 AND max(o.h) = any_value(n.h)
                        THEN 'unchanged' ELSE 'replaced' END AS status
            FROM (SELECT netvaerk, sags_key, {row_hash_sql('c')} AS h FROM v_cases c) n
            LEFT JOIN v_stored o USING (netvaerk, sags_key)
            GROUP BY n.netvaerk, n.sags_key""")
        counts = dict(con.execute("SELECT status, count(*) FROM v_status GROUP BY status").fetchall())
    else:
        counts = {"new": checked.rows}
    new, replaced, unchanged = (counts.get(k, 0) for k in ("new", "replaced", "unchanged"))
    import_id, imported_at = con.execute(
        "INSERT INTO imports (file_name, sha256, network, imported_by, format_version, rows_in_file, "
        "rows_new, rows_replaced, rows_unchanged, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING import_id, imported_at",
        [name, sha, network, current_user(), spec.FORMAT_VERSION, checked.rows, new, replaced, unchanged,
         checked.warning_count]).fetchall()[0]
    if replaced:
        con.execute("""UPDATE case_versions SET replaced_by_import = $id
            FROM (SELECT o.netvaerk, o.sags_id FROM v_stored o JOIN v_status s USING (netvaerk, sags_key)
                  WHERE s.status = 'replaced') AS r
            WHERE case_versions.replaced_by_import IS NULL
              AND case_versions.netvaerk = r.netvaerk AND case_versions.sags_id = r.sags_id""",
                    {"id": import_id})
    if not known:
        con.execute("INSERT INTO case_versions BY NAME SELECT $id AS import_id, c.* EXCLUDE (sags_key) FROM v_cases c",
                    {"id": import_id})
    elif new or replaced:
        con.execute("""INSERT INTO case_versions BY NAME
            SELECT $id AS import_id, c.* EXCLUDE (sags_key) FROM v_cases c JOIN v_status s USING (netvaerk, sags_key)
            WHERE s.status <> 'unchanged'""", {"id": import_id})
    result = _result(name, "loaded", checked)
    result.import_id, result.imported_at = import_id, imported_at
    result.rows_new, result.rows_replaced, result.rows_unchanged = new, replaced, unchanged
    return result

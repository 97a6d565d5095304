"""The only module that opens DuckDB.

DuckDB allows one read-write process *or* many read-only processes on a file, never both
(duckdb#17158), and every Voilà page is its own process. So writers never open the live
file read-write. A write is a *transaction on a copy*:

1. take an exclusive file lock (``<db>.lock``) so writers queue instead of failing,
2. copy the live file to a temporary file beside it and open the copy read-write,
3. apply the change, ``CHECKPOINT``, close,
4. ``os.replace()`` the copy over the live file (atomic on POSIX), release the lock.

Readers open the live file read-only for a short while (one query or one page load) and
close it. A reader that still holds the old file keeps a consistent snapshot; the next
connection sees the new data. Because each writer starts from the latest file under the
lock, two dashboard sessions saving at once and an ingest running meanwhile never lose
each other's writes. If anything fails inside the block, the copy is thrown away and the
live file is untouched: all or nothing.

The database path comes from ``--db`` or ``SSP_EVAL_DB`` (see ``settings.database_path``),
never from the working directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from evaluation.errors import DatabaseError
from evaluation.settings import settings
from evaluation.store import migrate

READ_RETRIES = 20
READ_RETRY_SLEEP_S = 0.1


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextmanager
def writer(db_path: Path, *, timeout_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a read-write connection on a private copy, and publish it atomically on success.

    A database that does not exist yet is created from the schema; an older one is migrated
    first (after a backup of the live file), so every write sees the current schema.
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    wait = settings.write_lock_timeout_s if timeout_s is None else timeout_s
    lock = FileLock(str(lock_path(db_path)), timeout=wait)
    try:
        lock.acquire()
    except Timeout as exc:
        raise DatabaseError(
            f"Databasen {db_path.name} er optaget af en anden skrivning i mere end {wait:.0f} s. "
            "Prøv igen om lidt."
        ) from exc
    tmp_dir = db_path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=db_path.name + ".tmp-", dir=tmp_dir)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if db_path.exists():
            shutil.copyfile(db_path, tmp)
        else:
            tmp.unlink()  # DuckDB refuses to open an empty non-database file
        con = duckdb.connect(str(tmp))
        try:
            _prepare(con, db_path)
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db_path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            if leftover.exists():
                leftover.unlink()
        lock.release()


def _prepare(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Create a new database, or migrate an older one, on the writer's private copy.

    Runs in its own transaction before the caller's work: a failing migration leaves the
    live file as it was (the copy is thrown away), and its backup is already on disk.
    """
    if migrate.is_new(con):
        con.execute("BEGIN TRANSACTION")
        migrate.create(con)
        con.execute("COMMIT")
        return
    if not migrate.outdated(con):
        return
    steps = migrate.pending(con)
    if steps:
        from evaluation.store import backup

        backup.before_migration(db_path, steps[-1].name)
    con.execute("BEGIN TRANSACTION")
    try:
        migrate.upgrade(con, steps)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def upgrade(db_path: Path) -> bool:
    """Bring an older database to the current schema now; True when something was migrated."""
    with reader(db_path, upgrade=False) as con:
        if not migrate.outdated(con):
            return False
    with writer(db_path):
        pass
    return True


@contextmanager
def reader(db_path: Path, *, upgrade: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection; close it soon so writers' new files are seen.

    An older database is migrated first (every command that opens one upgrades it), and a
    newer or foreign one is refused with a Danish message.
    """
    db_path = Path(db_path)
    if not db_path.exists():
        raise DatabaseError(
            f"Databasen {db_path} findes ikke. Opret den med 'ssp-eval init' "
            "eller indlæs sager med 'ssp-eval ingest'."
        )
    con = _connect_read_only(db_path)
    try:
        if upgrade and _needs_upgrade(con):
            con.close()
            with writer(db_path):  # migrates under the writer's lock, after a backup
                pass
            con = _connect_read_only(db_path)
        yield con
    finally:
        con.close()


def _needs_upgrade(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the file is ours and older than this version (a newer one raises)."""
    return migrate.outdated(con)


def _connect_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open read-only, retrying briefly: a file being replaced can't be opened for a moment."""
    last: Exception | None = None
    for _ in range(READ_RETRIES):
        try:
            return duckdb.connect(str(db_path), read_only=True)
        except duckdb.IOException as exc:  # lock held by a legacy writer, or mid-replace
            last = exc
            time.sleep(READ_RETRY_SLEEP_S)
    raise DatabaseError(
        f"Databasen {db_path.name} kunne ikke åbnes til læsning. Prøv igen om lidt."
    ) from last


def init(db_path: Path) -> None:
    """Create the database (schema and, when empty, the plan registry from its seed)."""
    from evaluation.plan import registry  # registry depends on db, not the other way round

    with writer(db_path) as con:
        registry.seed_if_empty(con)


def is_empty(db_path: Path) -> bool:
    """True when the database has no cases (a dashboard shows a Danish hint instead)."""
    with reader(db_path) as con:
        return con.execute("SELECT count(*) FROM cases").fetchone()[0] == 0

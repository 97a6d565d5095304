"""The only module that opens DuckDB.

DuckDB allows one read-write process *or* many read-only processes on a file, never both
(duckdb#17158), and every Voilà page is its own process. So writers never open the live
file read-write. A write is a *transaction on a copy*:

1. check the path (``files.check_for_writing``: a folder, a missing parent folder, a
   read-only file or folder, an owner who would lose access are refused in Danish),
2. take an exclusive file lock (``<db>.lock``) so writers queue instead of failing, and
   remove copies left by writers that crashed (``files.remove_stale_copies``),
3. copy the live file to a private copy beside it (same mode and group) and open it,
4. migrate an older schema (after a backup), apply the change, ``CHECKPOINT``, and — when an
   erasure asked for it (``request_compaction``) — rewrite the copy into a fresh file so
   deleted rows are gone from the bytes too; close,
5. ``os.replace()`` the copy over the live file (atomic on POSIX), release the lock.

Readers open the live file read-only for a short while (one query or one page load) and
close it. A reader that still holds the old file keeps a consistent snapshot; the next
connection sees the new data. (A dashboard kernel keeps its database *warm* between readers,
``keep_readers_warm``: opening DuckDB costs ~15 ms here, twice per filter change.) Because
each writer starts from the latest file under the lock, two dashboard sessions saving at once
and an ingest running meanwhile never lose each other's writes. If anything fails — a full disk at the copy, the commit or the
checkpoint included — the copy is thrown away and the live file is untouched: all or nothing.

Every write goes through one convention: library functions take a connection, and a use
case is one ``with db.writer(path) as con:`` block, whether a CLI command or a page calls it.

The database path comes from ``--db`` or ``SSP_EVAL_DB`` (see ``settings.database_path``),
never from the working directory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from evaluation.errors import DatabaseError
from evaluation.settings import settings
from evaluation.store import files, migrate
from evaluation.store.lock import LockTimeout, WriteLock

READ_RETRIES = 20
READ_RETRY_SLEEP_S = 0.1
# DuckDB's words for a file it cannot use at all: retrying will not help.
_DAMAGED_TEXTS = ("Corrupt database file", "Could not read enough bytes", "not a valid DuckDB database file",
                  "checksum", "database has been invalidated")

# Writer connections that asked for compaction (id of the connection, alive only inside writer()).
_COMPACT: dict[int, bool] = {}


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def request_compaction(con: duckdb.DuckDBPyConnection) -> None:
    """Ask the writer to rewrite the file after this transaction, so deleted rows leave the bytes.

    DuckDB keeps deleted rows in the file's blocks after ``DELETE`` and ``CHECKPOINT``; an
    erasure must not. Only a connection from ``writer()`` can ask (the one write convention).
    """
    if id(con) not in _COMPACT:
        raise RuntimeError("request_compaction needs a connection from store.db.writer")  # a developer's mistake
    _COMPACT[id(con)] = True


@contextmanager
def writer(db_path: Path, *, timeout_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a read-write connection on a private copy, and publish it atomically on success.

    A database that does not exist yet is created from the schema (its folder must exist); an
    older one is migrated first (after a backup of the live file), so every write sees the
    current schema.
    """
    db_path = Path(db_path)
    files.check_for_writing(db_path)
    with _write_lock(db_path, timeout_s):
        files.remove_stale_copies(db_path)
        copy = files.new_copy(db_path)
        try:
            if db_path.exists():
                files.copy_database(db_path, copy)
            else:
                copy.unlink()  # DuckDB refuses to open an empty non-database file
            con = _connect_copy(copy, db_path)
            _COMPACT[id(con)] = False
            try:
                with _damage_in_danish(db_path):
                    _prepare(con, db_path)
                    con.execute("BEGIN TRANSACTION")
                    try:
                        yield con
                    except BaseException:
                        _rollback_quietly(con)
                        raise
                    _finish(con, db_path)
                compact = _COMPACT[id(con)]
            finally:
                _COMPACT.pop(id(con), None)
                con.close()
            if compact:
                _compact(copy, db_path)
            files.publish(copy, db_path)
        finally:
            files.discard(copy)


@contextmanager
def exclusive(db_path: Path, *, timeout_s: float | None = None) -> Iterator[None]:
    """Hold the writer's lock without opening a copy (backup, restore): no write happens meanwhile."""
    db_path = Path(db_path)
    with _write_lock(db_path, timeout_s):
        files.remove_stale_copies(db_path)
        yield


@contextmanager
def _write_lock(db_path: Path, timeout_s: float | None) -> Iterator[None]:
    wait = settings.write_lock_timeout_s if timeout_s is None else timeout_s
    lock = WriteLock(lock_path(db_path))
    try:
        lock.acquire(wait)
    except LockTimeout as exc:
        raise DatabaseError(
            f"Databasen {db_path.name} er optaget af en anden skrivning i mere end {wait:.0f} s. "
            "Prøv igen om lidt."
        ) from exc
    except OSError as exc:
        raise files.disk_error(exc, lock_path(db_path)) from exc
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _damage_in_danish(db_path: Path) -> Iterator[None]:
    """DuckDB finds damage when it reads a damaged block, which may be late: say so in Danish then."""
    try:
        yield
    except duckdb.Error as exc:
        if _is_damage(exc):
            raise files.damaged(db_path) from exc
        raise


def _connect_copy(copy: Path, db_path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(copy))
    except duckdb.Error as exc:
        if files.is_disk_full(exc):
            raise files.disk_error(exc, copy) from exc
        if _is_damage(exc):
            raise files.damaged(db_path) from exc
        raise


def _finish(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """COMMIT and CHECKPOINT the copy; a full disk at either becomes the Danish message.

    After a failed commit or checkpoint DuckDB may have invalidated the connection: nothing
    more is done with it, and the copy is thrown away by the caller.
    """
    try:
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        if files.is_disk_full(exc):
            raise files.disk_error(exc, db_path) from exc
        raise


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back; a connection DuckDB has already invalidated (e.g. a full disk) can't, and need not."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _compact(copy: Path, db_path: Path) -> None:
    """Rewrite the finished copy into a fresh file: same schema and rows, no deleted rows' bytes.

    ``COPY FROM DATABASE`` recreates tables, views, sequences (at their current values) and
    constraints; tests/store/test_erasure.py checks the schema stays identical.
    """
    fresh = files.new_copy(db_path)
    fresh.unlink()
    try:
        con = duckdb.connect(str(copy))
        try:
            name = con.execute("SELECT current_database()").fetchone()[0]
            con.execute(f"ATTACH '{_sql_text(fresh)}' AS fresh_copy")
            con.execute(f'COPY FROM DATABASE "{name.replace(chr(34), chr(34) * 2)}" TO fresh_copy')
            con.execute("DETACH fresh_copy")
        except duckdb.Error as exc:
            if files.is_disk_full(exc):
                raise files.disk_error(exc, db_path) from exc
            raise
        finally:
            con.close()
        files.keep_permissions(copy, fresh)
        fresh.replace(copy)
    finally:
        files.discard(fresh)


def _sql_text(path: Path) -> str:
    """A path as the inside of a SQL string literal (ATTACH takes no parameters)."""
    return str(path).replace("'", "''")


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
    saved = None
    if steps:
        from evaluation.store import backup

        saved = backup.before_migration(db_path, steps[-1].name)
    con.execute("BEGIN TRANSACTION")
    try:
        migrate.upgrade(con, steps)
        con.execute("COMMIT")
    except Exception as exc:
        _rollback_quietly(con)
        if files.is_disk_full(exc):
            raise files.disk_error(exc, db_path) from exc
        raise migrate.failed(exc, saved) from exc


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
    newer, foreign, damaged or unreadable one is refused with a Danish message.
    """
    db_path = Path(db_path)
    files.check_for_reading(db_path)
    seen, checked = _WARM.prepare(db_path)
    try:
        con = _connect_read_only(db_path)
        try:
            with _damage_in_danish(db_path):
                if upgrade and not checked and migrate.outdated(con):
                    con.close()
                    _WARM.drop()  # it holds the old file's instance, which a new connection would get
                    _upgrade_for_reader(db_path)
                    con = _connect_read_only(db_path)
                elif upgrade:
                    _WARM.found_current(db_path, seen)
                yield con
        finally:
            con.close()
    finally:
        _WARM.used()


# --- warm readers ----------------------------------------------------------------------------
# DuckDB hands a new connection to a file the instance an open connection already has (its
# per-process instance cache), and creating an instance is the cost of a connect: ~15 ms here
# for any file, also an empty one (duckdb 1.x, 2 cores), and its block cache starts cold. A
# filter change on Årsevaluering opened two readers. So a dashboard kernel keeps one extra
# read-only connection (the *keeper*) to its database open between readers: every ``reader``
# then connects to a warm instance in well under a millisecond.
#
# Why it never shows old data: the keeper belongs to one version of the file (inode, mtime,
# size). Writers replace the file (a new inode), so before each reader the keeper's version is
# compared with the file's, and a keeper of an older version is closed *before* the reader
# connects; the reader then gets a new instance on the new file. A new keeper is opened only
# while no other reader of this process is open (one still open on the old file would hand
# the keeper the old instance). Closed after ``idle_s`` without a reader as well, so an idle
# kernel does not keep a replaced file (an erased one included) or its memory for long. Off unless a process asks: the CLI and the
# tests open and close as before.


class _Keeper:
    """The process's one warm read-only connection (see above); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.enabled = False
        self.idle_s = 30.0
        self._path: Path | None = None
        self._version: tuple[int, int, int] | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._checked = False  # its version was found current (no migration pending)
        self._active = 0  # readers open now (prepared, not yet used)
        self._last = 0.0
        self._timer: threading.Timer | None = None

    def prepare(self, db_path: Path) -> tuple[tuple[int, int, int] | None, bool]:
        """Before a reader connects: make sure a keeper of the file's current version is open.

        Returns the version seen and whether its schema was already found current (then the
        reader skips ``migrate.outdated``, ~3 ms). Every call is matched by ``used``.
        """
        if not self.enabled:
            return None, False
        with self._lock:
            self._active += 1
            try:
                now = version(db_path)
            except OSError:  # gone meanwhile: the reader's connect says so in Danish
                self._close()
                return None, False
            if self._con is not None and (self._path, self._version) == (db_path, now):
                return now, self._checked
            self._close()
            if self._active > 1:  # another reader may hold the old file's instance: not now
                return now, False
            try:
                self._con = _connect_read_only(db_path)
            except Exception:  # the reader's own connect says what is wrong, in Danish
                return now, False
            self._path, self._version, self._checked = db_path, now, False
            return now, False

    def found_current(self, db_path: Path, seen: tuple[int, int, int] | None) -> None:
        """The reader found version ``seen`` needs no migration: the next readers skip the check."""
        with self._lock:
            if self._con is not None and (self._path, self._version) == (db_path, seen):
                self._checked = True

    def used(self) -> None:
        """A reader ended: close the keeper after ``idle_s`` unless another reader comes."""
        if not self.enabled:
            return
        with self._lock:
            self._active = max(0, self._active - 1)
            self._last = time.monotonic()
            if self._con is not None and self._timer is None:
                self._timer = threading.Timer(self.idle_s, self._expire)
                self._timer.daemon = True
                self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            self._timer = None
            left = self.idle_s - (time.monotonic() - self._last)
            if left > 0.05 and self._con is not None:
                self._timer = threading.Timer(left, self._expire)
                self._timer.daemon = True
                self._timer.start()
            else:
                self._close()

    def drop(self) -> None:
        with self._lock:
            self._close()

    def is_open(self) -> bool:
        return self._con is not None

    def _close(self) -> None:
        con, self._con, self._path, self._version, self._checked = self._con, None, None, None, False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if con is not None:
            try:
                con.close()
            except duckdb.Error:
                pass


_WARM = _Keeper()


def keep_readers_warm(*, idle_s: float = 30.0) -> None:
    """Keep this process's database warm between readers (a dashboard kernel: see above)."""
    _WARM.enabled, _WARM.idle_s = True, idle_s


def stop_keeping_warm() -> None:
    """Close the keeper and open and close every reader again (tests)."""
    _WARM.enabled = False
    _WARM.drop()


def version(db_path: Path) -> tuple[int, int, int]:
    """Identifies one version of the database file: writers replace it (new inode, mtime, size)."""
    stat = Path(db_path).stat()
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _upgrade_for_reader(db_path: Path) -> None:
    """Migrate under the writer's lock, after a backup; say in Danish why that could not happen."""
    try:
        with writer(db_path):
            pass
    except DatabaseError as exc:
        raise DatabaseError(f"Databasen er lavet af en ældre version og skal opgraderes, før den kan bruges, "
                            f"men det kunne ikke lade sig gøre: {exc}") from exc


def _is_damage(exc: BaseException) -> bool:
    return any(text in str(exc) for text in _DAMAGED_TEXTS)


def _connect_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open read-only, retrying briefly while a writer of an older version holds the file."""
    last: Exception | None = None
    for _ in range(READ_RETRIES):
        try:
            return duckdb.connect(str(db_path), read_only=True)
        except duckdb.Error as exc:
            if _is_damage(exc):
                raise files.damaged(db_path) from exc
            if not isinstance(exc, duckdb.IOException):
                raise
            last = exc  # lock held by a legacy writer
            time.sleep(READ_RETRY_SLEEP_S)
    raise DatabaseError(
        f"Databasen {db_path.name} kunne ikke åbnes til læsning. Prøv igen om lidt."
    ) from last


def init(db_path: Path, *, plan_file: Path | None = None) -> None:
    """Create the database (schema and, when empty, the plan registry from its seed).

    ``plan_file`` is a municipality's own plan (the format of data/plan.yaml; default: that
    file). It can only start a database: one that already has a plan keeps it (refused in
    Danish, since the registry is edited in the database once seeded).
    ``init`` is the one command that makes a new database, so it also makes its folder; every
    other write refuses a missing folder (usually a typo).
    """
    from evaluation.plan import registry  # registry depends on db, not the other way round

    db_path = Path(db_path)
    if not db_path.parent.exists():
        try:
            db_path.parent.mkdir(parents=True)
        except OSError as exc:
            raise DatabaseError(f"Mappen {db_path.parent} kunne ikke oprettes ({exc.strerror}).") from exc
    if plan_file is not None:
        registry.load_seed(plan_file)  # a broken plan file is refused before a database exists
    with writer(db_path) as con:
        seeded = registry.seed_if_empty(con, plan_file)
    if plan_file is not None and not seeded:
        raise DatabaseError(f"Databasen {db_path.name} har allerede en handleplan, så {Path(plan_file).name} blev "
                            "ikke indlæst. Planen rettes i databasen; en anden kommunes plan kræver en ny database.")


def is_empty(db_path: Path) -> bool:
    """True when the database has no cases (a dashboard shows a Danish hint instead)."""
    with reader(db_path) as con:
        return con.execute("SELECT count(*) FROM cases").fetchone()[0] == 0

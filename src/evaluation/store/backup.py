"""Backups: ``ssp-eval backup``, and the copies kept before a migration or a restore.

The writer never changes the live file in place: it replaces it atomically with a finished,
checkpointed copy (``db.writer``). A backup holds the writer's lock while it copies, so no
write is published meanwhile; dashboards go on reading (readers take no lock). The copy is
written under a temporary name in the target folder, synced, checked (it opens as one of our
databases) and only then renamed: a backup file with a final name is always whole. It gets
the database's mode and group: whoever may read the database may read its backups, nobody else.

Backups hold everything the database held when they were made — erased cases included
(README, "Sikkerhedskopier"): they are the team's to keep safe and to delete when their time
is up.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from evaluation.errors import DatabaseError
from evaluation.store import db, files, migrate
from evaluation.store.files import BACKUP_DIR_NAME, backup_dir  # noqa: F401  (re-export)


@dataclass(frozen=True)
class Backup:
    """A finished backup: where, how big, the schema version and the number of current cases."""

    path: Path
    size: int
    version: str | None
    cases: int


def backup(db_path: Path, out: Path | None = None) -> Backup:
    """Copy the database to ``out`` (default: ``sikkerhedskopier/<name>-<time>.duckdb``), consistently.

    Refuses a missing, foreign or damaged database, and an ``out`` that exists or is the
    database itself, with a Danish message. Nothing half-written is left on failure.
    """
    db_path = Path(db_path)
    with db.reader(db_path, upgrade=False) as con:
        migrate.applied(con)  # ours (a foreign DuckDB file is refused)
    target = Path(out).expanduser().resolve() if out else _stamped(db_path, "")
    if target.is_dir():
        target = target / _stamped(db_path, "").name
    if target == db_path.resolve():
        raise DatabaseError("Sikkerhedskopien kan ikke skrives oven i selve databasen. Vælg en anden fil med --out.")
    if target.exists():
        raise DatabaseError(f"Filen {target} findes allerede. Vælg et andet navn med --out; en sikkerhedskopi "
                            "overskriver aldrig en anden fil.")
    if not target.parent.is_dir():
        if out is None:
            _make_backup_dir(db_path)
        else:
            raise DatabaseError(f"Mappen {target.parent} findes ikke. Opret den først, eller ret stien i --out.")
    with db.exclusive(db_path):
        _copy_whole(db_path, target)
    with db.reader(target, upgrade=False) as con:
        cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
        return Backup(target, target.stat().st_size, migrate.version(con), int(cases))


def before_migration(db_path: Path, target: str) -> Path:
    """Copy the live file before a migration to ``target``; kept until the team deletes it.

    Called by the writer with its lock held. When a copy of exactly this file (same size and
    time) before the same migration exists already — a migration that failed and is tried
    again by the next opener — that copy is reused instead of piling up more.
    """
    db_path = Path(db_path)
    info = db_path.stat()
    _make_backup_dir(db_path)
    for earlier in backup_dir(db_path).glob(f"{db_path.stem}-*-inden-{target}.duckdb"):
        found = earlier.stat()
        if found.st_size == info.st_size and int(found.st_mtime) == int(info.st_mtime):
            return earlier
    out = _stamped(db_path, f"-inden-{target}")
    _copy_whole(db_path, out)
    return out


def before_restore(db_path: Path) -> Path:
    """Copy the live file before a restore replaces it (called with the writer's lock held)."""
    _make_backup_dir(db_path)
    out = _stamped(db_path, "-inden-gendannelse")
    _copy_whole(db_path, out)
    return out


def existing(db_path: Path) -> list[Path]:
    """The backups in the database's backup folder, oldest first (they hold what was erased since)."""
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.glob("*.duckdb") if p.is_file()), key=lambda p: p.stat().st_mtime)


def _make_backup_dir(db_path: Path) -> None:
    folder = backup_dir(db_path)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise files.disk_error(exc, folder / "x") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseError(f"Mappen {folder} er skrivebeskyttet, så der kan ikke tages en sikkerhedskopi.")


def _stamped(db_path: Path, suffix: str) -> Path:
    """``sikkerhedskopier/<stem>-<YYYYmmdd-HHMMSS><suffix>.duckdb``, never an existing name."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = backup_dir(db_path)
    out = folder / f"{db_path.stem}-{stamp}{suffix}.duckdb"
    n = 2
    while out.exists():
        out = folder / f"{db_path.stem}-{stamp}-{n}{suffix}.duckdb"
        n += 1
    return out


def _copy_whole(db_path: Path, out: Path) -> None:
    """Copy to a temporary name beside ``out``, keep the time and permissions, sync, rename."""
    fd, name = tempfile.mkstemp(prefix=out.name + files.COPY_MARK, dir=out.parent)
    os.close(fd)
    partial = Path(name)
    try:
        files.copy_database(db_path, partial, like=db_path)
        stat = db_path.stat()
        os.utime(partial, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # "same file" check in before_migration
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)

"""``ssp-eval restore FILE``: put a backup back in place of the database, keeping the current one.

A restore is the one write that does not start from the live file, so it checks harder:

1. the file is a DuckDB database, one of ours (not another program's), not damaged, and of a
   schema version this program knows (a backup made by a newer version is refused);
2. under the writer's lock (no write is published meanwhile; dashboards go on reading the old
   file until they reopen), the current database is copied to
   ``sikkerhedskopier/<name>-<time>-inden-gendannelse.duckdb`` first;
3. the backup is copied beside the database with the database's mode and group, and atomically
   put in its place; the file given is never moved or changed;
4. a backup from an older version is then migrated like any older database (after its own
   backup), so the restored database is current.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evaluation.errors import DatabaseError
from evaluation.store import backup, db, files, migrate


@dataclass(frozen=True)
class Restored:
    """What a restore did: the database, the copy of the one it replaced, versions and cases."""

    db_path: Path
    previous: Path | None        # the replaced database's copy (None: there was none)
    version_in_file: str | None  # the backup's schema version
    migrated: bool               # True when it was carried forward to this version
    cases: int


def check_backup(source: Path) -> migrate.Status:
    """Refuse, in Danish, a file that is not a whole backup of ours of a known version."""
    source = Path(source).expanduser().resolve()
    if not source.exists():
        raise DatabaseError(f"Filen {source} findes ikke.")
    try:
        with db.reader(source, upgrade=False) as con:
            status = migrate.status(con)  # refuses foreign (applied) and newer (pending) files
            con.execute("SELECT count(*) FROM cases").fetchone()
    except DatabaseError as exc:
        raise DatabaseError(f"{exc} Intet er gendannet.") from exc
    if status.version is None:
        raise DatabaseError(f"Filen {source} er en tom database, ikke en sikkerhedskopi. Intet er gendannet.")
    return status


def restore(db_path: Path, source: Path) -> Restored:
    """Replace the database at ``db_path`` by the backup ``source`` (see the module docstring)."""
    db_path, source = Path(db_path), Path(source).expanduser().resolve()
    if source == db_path.resolve():
        raise DatabaseError("Filen er selve databasen; vælg en sikkerhedskopi at gendanne fra.")
    status = check_backup(source)
    files.check_for_writing(db_path)
    previous = None
    with db.exclusive(db_path):
        if db_path.exists():
            previous = backup.before_restore(db_path)
        copy = files.new_copy(db_path)
        try:
            files.copy_database(source, copy, like=db_path if db_path.exists() else source)
            files.publish(copy, db_path)
        finally:
            files.discard(copy)
    migrated = db.upgrade(db_path)
    with db.reader(db_path) as con:
        cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    return Restored(db_path, previous, status.version, migrated, int(cases))

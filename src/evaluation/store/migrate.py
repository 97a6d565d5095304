"""Schema migrations: ordered, recorded, applied to older databases before anything else.

The shape follows Django's and sqlite-utils' migrations, kept small:

- ``data/schema.sql`` is the readable, current schema. A **new** database is made from it
  and stamped with every migration known to this version.
- ``store/migrations/NNNN_name.sql`` (or ``.py`` with ``def migrate(con)``) are the steps
  that carry an **older** database forward, applied in order of their number, each recorded
  in ``schema_migrations``. A database made before migrations existed (0.1.0) has no such
  table and is taken to be at ``0001_baseline``.
- A database that records a migration this version does not know was made by a newer
  version: it is refused, never "downgraded" by guessing.

``tests/store/test_migrate.py`` opens a kept 0.1.0 database, migrates it, and checks that the
result has the same tables, columns, constraints and views as a new database: both roads end
in the same place. The writer (``db.writer``) calls ``prepare`` on its private copy, after a
backup of the live file when there is something to migrate.
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import duckdb

from evaluation.errors import DatabaseError
from evaluation.settings import SCHEMA_PATH

MIGRATIONS_PACKAGE = "evaluation.store.migrations"
FILE_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(sql|py)$")
# Tables only an SSP-evaluering database has (0.1.0 already had both): a file without them
# and without schema_migrations is someone else's DuckDB file, never to be "migrated".
OUR_TABLES = ("imports", "case_versions")

TABLE_SQL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    migration   VARCHAR PRIMARY KEY,
    applied_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    how         VARCHAR NOT NULL CHECK (how IN ('created', 'migrated', 'assumed'))
)
"""


@dataclass(frozen=True)
class Migration:
    """One step: ``name`` is the file's stem (``0002_retention``), recorded when applied."""

    number: int
    name: str
    kind: Literal["sql", "py"]
    file_name: str

    def apply(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.kind == "sql":
            con.execute(resources.files(MIGRATIONS_PACKAGE).joinpath(self.file_name).read_text(encoding="utf-8"))
        else:
            module = importlib.import_module(f"{MIGRATIONS_PACKAGE}.{self.name}")
            module.migrate(con)


@functools.cache
def known() -> tuple[Migration, ...]:
    """Every migration shipped with this version, in order (numbers are unique)."""
    found: list[Migration] = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        match = FILE_PATTERN.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), f"{match.group(1)}_{match.group(2)}",
                                   match.group(3), entry.name))  # type: ignore[arg-type]
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"Two migrations share a number: {numbers}")  # a developer's mistake
    return tuple(found)


def latest() -> str:
    """The name of the newest migration: the schema version this code writes."""
    return known()[-1].name


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}


def applied(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """The migrations recorded in this database, or None when it has none recorded.

    A 0.1.0 database (ours, but from before migrations) counts as ``0001_baseline`` applied.
    Raises a Danish ``DatabaseError`` for a DuckDB file that is not an SSP-evaluering database.
    """
    tables = _tables(con)
    if "schema_migrations" in tables:
        return [r[0] for r in con.execute("SELECT migration FROM schema_migrations ORDER BY migration").fetchall()]
    if not tables:
        return None
    if all(t in tables for t in OUR_TABLES):
        return [known()[0].name]
    raise DatabaseError("Filen er en DuckDB-database, men ikke en SSP-evaluering-database. "
                        "Vælg den rigtige databasefil med --db eller SSP_EVAL_DB.")


def pending(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    """The migrations this database still needs (empty when it is current or new).

    Refuses a database that records migrations this version does not know (made by a newer
    version): carrying on would write with an older idea of the schema.
    """
    done = applied(con)
    if done is None:
        return []
    names = {m.name for m in known()}
    unknown = sorted(set(done) - names)
    if unknown:
        raise DatabaseError(
            "Databasen er lavet af en nyere version af SSP-evaluering (skemaversion "
            f"{unknown[-1][:4]}; dette program kender op til {latest()[:4]}). Opdatér programmet, "
            "før databasen bruges.")
    return [m for m in known() if m.name not in done]


def outdated(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the database needs ``upgrade``: pending steps, or a 0.1.0 file to stamp."""
    return bool(pending(con)) or ("schema_migrations" not in _tables(con) and not is_new(con))


def is_new(con: duckdb.DuckDBPyConnection) -> bool:
    """True for an empty database file (no tables at all)."""
    return not _tables(con)


def create(con: duckdb.DuckDBPyConnection) -> None:
    """Make a new database from data/schema.sql and record every migration as already in it."""
    con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
    con.execute(TABLE_SQL)
    con.executemany("INSERT INTO schema_migrations (migration, how) VALUES (?, 'created')",
                    [[m.name] for m in known()])


class MigrationFailed(DatabaseError):
    """A migration step failed: nothing was changed (the writer's copy is thrown away)."""

    def __init__(self, message: str, step: str | None) -> None:
        super().__init__(message)
        self.step = step


def upgrade(con: duckdb.DuckDBPyConnection, steps: list[Migration]) -> None:
    """Apply ``steps`` in order and record each (the caller holds the transaction).

    A failing step raises with its name attached (``_failing_step``), so the Danish message
    can say which one; the caller rolls back, so no step is half-applied or recorded.
    """
    con.execute(TABLE_SQL)
    baseline = known()[0].name
    has_baseline = con.execute("SELECT count(*) FROM schema_migrations WHERE migration = ?",
                               [baseline]).fetchone()[0]
    if not has_baseline and baseline not in {m.name for m in steps}:
        con.execute("INSERT INTO schema_migrations (migration, how) VALUES (?, 'assumed')", [baseline])
    for step in steps:
        try:
            step.apply(con)
        except Exception as exc:
            exc._failing_step = step.name  # type: ignore[attr-defined]
            raise
        con.execute("INSERT INTO schema_migrations (migration, how) VALUES (?, 'migrated')", [step.name])


def failed(exc: BaseException, backup: Path | None) -> MigrationFailed:
    """The Danish message for a migration that failed: nothing changed, where the backup is, what to do."""
    step = getattr(exc, "_failing_step", None)
    which = f" (trin {step})" if step else ""
    saved = f" En sikkerhedskopi fra før forsøget ligger i {backup}." if backup else ""
    return MigrationFailed(
        f"Databasen kunne ikke opgraderes til denne versions skema{which}. Intet er ændret: databasen er "
        f"som før.{saved} Brug den forrige version af programmet, indtil fejlen er rettet, og send "
        "beskeden til udviklerne.", step)


@dataclass(frozen=True)
class Status:
    """What ``ssp-eval schema`` shows: the database's version and what this program would do to it."""

    version: str | None          # newest recorded migration (None: a new, empty file)
    latest: str                  # newest migration this program knows
    pending: tuple[str, ...]     # migrations the next opener will apply (after a backup)
    history: tuple[tuple[str, str, str], ...]  # (migration, how, applied_at) as recorded

    def lines(self) -> list[str]:
        """Danish lines for the terminal."""
        if self.version is None:
            return ["Databasen er tom: den får skemaet, når den oprettes ('ssp-eval init')."]
        out = [f"Skemaversion: {self.version} (dette program kender op til {self.latest})."]
        if self.pending:
            out.append(f"Venter på opgradering: {', '.join(self.pending)}. Den sker ved næste brug, eller nu med "
                       "'ssp-eval upgrade', efter en sikkerhedskopi i sikkerhedskopier/.")
        else:
            out.append("Databasen er opdateret: ingen opgraderinger venter.")
        hows = {"created": "oprettet med", "migrated": "opgraderet", "assumed": "fra før versionsstyring"}
        out += [f"  {name}: {hows.get(how, how)} {when}" for name, how, when in self.history]
        return out


def status(con: duckdb.DuckDBPyConnection) -> Status:
    """The schema status of an opened database (open it with ``reader(upgrade=False)``)."""
    names = [m.name for m in pending(con)]
    if "schema_migrations" in _tables(con):
        history = tuple((r[0], r[1], f"{r[2]:%Y-%m-%d %H:%M}") for r in con.execute(
            "SELECT migration, how, applied_at FROM schema_migrations ORDER BY migration").fetchall())
    elif not is_new(con):
        history = ((known()[0].name, "assumed", "–"),)
    else:
        history = ()
    return Status(version(con), latest(), tuple(names), history)


def version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The newest migration recorded in the database (its schema version), or None."""
    done = applied(con)
    return done[-1] if done else None

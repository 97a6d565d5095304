"""store/migrate.py: new databases from schema.sql, older ones carried forward, both the same.

The kept fixture ``tests/data/fixture-0.1.0.duckdb.gz`` was made by release 0.1.0 (commit
dcff1ea, before migrations existed) with ``demo.build_demo_database(path, seed=11,
cases=40)``: 40 synthetic cases, the seeded plan registry and the demo's plan upkeep. Every
later release must open it and carry it forward; never regenerate it with newer code.
"""

from __future__ import annotations

import gzip
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from evaluation.errors import DatabaseError
from evaluation.store import backup, db, migrate

FIXTURE = Path(__file__).parents[1] / "data" / "fixture-0.1.0.duckdb.gz"
# Every kept release fixture (fixture-<version>.duckdb.gz): a release that changes the schema
# adds one made by itself, and every later release carries all of them forward.
FIXTURES = sorted(FIXTURE.parent.glob("fixture-*.duckdb.gz"))


@pytest.fixture(params=FIXTURES, ids=[f.name.removeprefix("fixture-").removesuffix(".duckdb.gz") for f in FIXTURES])
def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A fresh copy of a kept release's database (a fixture is never opened in place)."""
    path = tmp_path / "gammel.duckdb"
    with gzip.open(request.param, "rb") as source, path.open("wb") as target:
        shutil.copyfileobj(source, target)
    return path


def test_the_first_release_is_stamped_as_assumed_then_migrated(tmp_path: Path) -> None:
    """0.1.0 had no schema_migrations: its baseline is assumed, every later step migrated."""
    assert FIXTURE in FIXTURES
    path = tmp_path / "gammel.duckdb"
    with gzip.open(FIXTURE, "rb") as source, path.open("wb") as target:
        shutil.copyfileobj(source, target)
    db.upgrade(path)
    with db.reader(path) as con:
        hows = dict(con.execute("SELECT migration, how FROM schema_migrations").fetchall())
    assert hows["0001_baseline"] == "assumed"
    assert all(hows[m.name] == "migrated" for m in migrate.known()[1:])


def catalog(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """What a schema is made of: columns (order, type, null, default), constraints, views."""
    return {
        "columns": con.execute(
            "SELECT table_name, column_index, column_name, data_type, is_nullable, column_default "
            "FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal ORDER BY ALL").fetchall(),
        "constraints": con.execute(
            "SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() "
            "WHERE schema_name = 'main' ORDER BY ALL").fetchall(),
        "views": con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY ALL").fetchall(),
        "sequences": con.execute("SELECT sequence_name FROM duckdb_sequences() ORDER BY ALL").fetchall(),
        "indexes": con.execute("SELECT table_name, index_name, sql FROM duckdb_indexes() ORDER BY ALL").fetchall(),
    }


def _raw_counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in ("case_versions", "imports", "actors", "registry_history", "meeting_notes",
                          "key_person_verifications")}
    finally:
        con.close()


def test_migrations_are_numbered_in_order_and_start_with_the_baseline() -> None:
    steps = migrate.known()
    assert steps[0].name == "0001_baseline"
    assert [m.number for m in steps] == sorted({m.number for m in steps})
    assert migrate.latest() == steps[-1].name


def test_new_database_is_made_from_schema_sql_and_stamped_current(tmp_path: Path) -> None:
    path = tmp_path / "ny.duckdb"
    db.init(path)
    with db.reader(path) as con:
        rows = con.execute("SELECT migration, how FROM schema_migrations ORDER BY migration").fetchall()
        assert migrate.version(con) == migrate.latest()
    assert rows == [(m.name, "created") for m in migrate.known()]
    assert not backup.backup_dir(path).exists(), "a new database needs no backup"


def test_old_database_is_carried_forward_with_its_data(old_db: Path) -> None:
    before = _raw_counts(old_db)
    assert before["case_versions"] >= 40, "the fixture holds the demo's cases"
    with db.reader(old_db) as con:  # every command that opens an older database upgrades it
        assert migrate.version(con) == migrate.latest()
        assert not migrate.pending(con)
        hows = dict(con.execute("SELECT migration, how FROM schema_migrations").fetchall())
    assert set(hows) == {m.name for m in migrate.known()}
    after = _raw_counts(old_db)
    # 0010 records each network it takes from the data in the registry's history (and nothing else grows)
    assert after.pop("registry_history") >= before.pop("registry_history")
    assert after == before


def test_both_roads_give_the_same_schema(tmp_path: Path, old_db: Path) -> None:
    fresh = tmp_path / "ny.duckdb"
    db.init(fresh)
    db.upgrade(old_db)
    with db.reader(fresh) as new, db.reader(old_db) as migrated:
        expected, actual = catalog(new), catalog(migrated)
    for part in expected:
        assert actual[part] == expected[part], f"{part} differ between schema.sql and the migrations"


@dataclass(frozen=True)
class _Step(migrate.Migration):
    """A migration given as SQL in the test, to exercise the runner on its own."""

    sql: str = ""

    def apply(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(self.sql)


def _with_extra(monkeypatch: pytest.MonkeyPatch, sql: str) -> _Step:
    step = _Step(9001, "9001_test_step", "sql", "9001_test_step.sql", sql)
    real = migrate.known()
    monkeypatch.setattr(migrate, "known", lambda: (*real, step))
    return step


def test_a_pending_migration_is_applied_once_after_a_backup(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.duckdb"
    db.init(path)
    _with_extra(monkeypatch, "CREATE TABLE test_step (x INTEGER); INSERT INTO test_step VALUES (1);")
    assert db.upgrade(path) is True
    assert db.upgrade(path) is False, "a recorded migration never runs twice"
    with db.reader(path) as con:
        assert con.execute("SELECT count(*) FROM test_step").fetchone()[0] == 1
        assert migrate.version(con) == "9001_test_step"
    copies = list(backup.backup_dir(path).glob("x-*-inden-9001_test_step.duckdb"))
    assert len(copies) == 1
    with db.reader(copies[0], upgrade=False) as con:  # the backup is the database from before
        assert "test_step" not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}


def test_a_failing_migration_leaves_the_live_file_untouched(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.duckdb"
    db.init(path)
    before = path.read_bytes()
    _with_extra(monkeypatch, "CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table;")
    with pytest.raises(migrate.MigrationFailed, match=r"kunne ikke opgraderes .*\(trin 9001_test_step\)\. "
                                                      r"Intet er ændret") as failure:
        db.upgrade(path)
    assert failure.value.step == "9001_test_step"
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("x.duckdb.tmp-*")), "the private copy is removed"
    copies = list(backup.backup_dir(path).glob("*-inden-9001_test_step.duckdb"))
    assert len(copies) == 1 and str(copies[0]) in str(failure.value)
    # Every opener tries again (a dashboard page, the next command): each says so in Danish,
    # and the backup of this very file is reused rather than piling up a copy per attempt.
    for _ in range(3):
        with pytest.raises(DatabaseError, match="skal opgraderes, før den kan bruges"):
            with db.reader(path):
                pass
    assert list(backup.backup_dir(path).glob("*.duckdb")) == copies
    assert path.read_bytes() == before
    with db.reader(path, upgrade=False) as con:
        assert "half" not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}, "no step is half-applied"


def test_a_database_from_a_newer_version_is_refused_in_danish(tmp_path: Path) -> None:
    path = tmp_path / "x.duckdb"
    db.init(path)
    with db.writer(path) as con:
        con.execute("INSERT INTO schema_migrations (migration, how) VALUES ('9999_from_the_future', 'migrated')")
    with pytest.raises(DatabaseError, match="nyere version"):
        with db.reader(path):
            pass


def test_someone_elses_duckdb_file_is_refused_not_migrated(tmp_path: Path) -> None:
    path = tmp_path / "andet.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE kunder (navn VARCHAR)")
    con.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="ikke en SSP-evaluering-database"):
        with db.writer(path):
            pass
    assert path.read_bytes() == before

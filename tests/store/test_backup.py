"""store/backup.py and store/restore.py: ``ssp-eval backup`` and ``ssp-eval restore``.

Real files and real processes: a backup taken while other processes write and read must
always be a whole database of one moment; a restore refuses anything that is not a whole
backup of ours of a known version, and keeps the database it replaces.
"""

from __future__ import annotations

import gzip
import multiprocessing as mp
import os
import shutil
import stat
import threading
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from evaluation.cli import cli
from evaluation.errors import DatabaseError
from evaluation.store import backup, db, files, migrate, restore

CTX = mp.get_context("spawn")
FIXTURE = Path(__file__).parents[1] / "data" / "fixture-0.1.0.duckdb.gz"


def _add_note(path: Path, text: str) -> None:
    with db.writer(path) as con:
        con.execute("INSERT INTO meeting_notes (netvaerk, year, note, saved_by) VALUES ('Nord', 2025, ?, 't')", [text])


def _notes(path: Path) -> list[str]:
    with db.reader(path, upgrade=False) as con:
        return [r[0] for r in con.execute("SELECT note FROM meeting_notes ORDER BY note").fetchall()]


@pytest.fixture
def live(tmp_path: Path) -> Path:
    path = tmp_path / "ssp.duckdb"
    db.init(path)
    _add_note(path, "før")
    return path


def test_backup_goes_beside_the_database_and_opens_as_the_same_data(live: Path) -> None:
    made = backup.backup(live)
    assert made.path.parent == live.parent / "sikkerhedskopier"
    assert made.path.name.startswith("ssp-") and made.path.suffix == ".duckdb"
    assert (made.version, made.cases) == (migrate.latest(), 0)
    assert _notes(made.path) == ["før"]
    assert not list(made.path.parent.glob("*.tmp-*")), "no temporary file is left"


def test_backup_to_a_chosen_file_or_folder_never_overwrites(live: Path, tmp_path: Path) -> None:
    out = tmp_path / "ude" / "kopi.duckdb"
    with pytest.raises(DatabaseError, match=f"Mappen {out.parent} findes ikke"):
        backup.backup(live, out)
    out.parent.mkdir()
    assert backup.backup(live, out).path == out
    with pytest.raises(DatabaseError, match="findes allerede"):
        backup.backup(live, out)
    in_folder = backup.backup(live, out.parent)
    assert in_folder.path.parent == out.parent and in_folder.path != out
    with pytest.raises(DatabaseError, match="oven i selve databasen"):
        backup.backup(live, live)


def test_backup_keeps_the_databases_mode(live: Path) -> None:
    os.chmod(live, 0o640)
    made = backup.backup(live)
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o640
    assert made.path.stat().st_gid == live.stat().st_gid


def test_backup_refuses_what_is_not_our_database(tmp_path: Path) -> None:
    other = tmp_path / "andet.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE kunder (navn VARCHAR)")
    con.close()
    with pytest.raises(DatabaseError, match="ikke en SSP-evaluering-database"):
        backup.backup(other)
    with pytest.raises(DatabaseError, match="findes ikke"):
        backup.backup(tmp_path / "mangler.duckdb")
    assert not (tmp_path / "sikkerhedskopier").exists()


def _hold_write(path: str, inside, release) -> None:
    """A write in flight: the note is inserted, the transaction not yet published."""
    with db.writer(Path(path)) as con:
        con.execute("INSERT INTO meeting_notes (netvaerk, year, note, saved_by) VALUES ('Nord', 2025, 'under', 't')")
        inside.set()
        release.wait(60)


def _hold_read(path: str, holding, release) -> None:
    """A dashboard kernel reading: a read-only connection open until told to close."""
    with db.reader(Path(path)) as con:
        con.execute("SELECT count(*) FROM meeting_notes").fetchone()
        holding.set()
        release.wait(60)


def test_a_backup_asked_for_during_a_write_waits_and_holds_the_whole_write(live: Path) -> None:
    inside, release = CTX.Event(), CTX.Event()
    writing = CTX.Process(target=_hold_write, args=(str(live), inside, release))
    writing.start()
    made: list[backup.Backup] = []
    try:
        assert inside.wait(60), "the write never started"
        taker = threading.Thread(target=lambda: made.append(backup.backup(live)))
        taker.start()
        taker.join(0.5)
        assert taker.is_alive() and not made, "the backup must wait for the write in flight, not copy under it"
        release.set()
        taker.join(60)
    finally:
        release.set()
        writing.join(60)
    assert writing.exitcode == 0
    assert _notes(made[0].path) == ["før", "under"]


def test_a_backup_is_taken_while_a_dashboard_reads(live: Path) -> None:
    holding, release = CTX.Event(), CTX.Event()
    reading = CTX.Process(target=_hold_read, args=(str(live), holding, release))
    reading.start()
    try:
        assert holding.wait(60), "the reader never opened"
        made = backup.backup(live)  # the reader still holds its connection: it must not block this
        assert reading.is_alive()
    finally:
        release.set()
        reading.join(60)
    assert reading.exitcode == 0 and _notes(made.path) == ["før"]


def test_restore_puts_the_backup_back_and_keeps_the_replaced_database(live: Path) -> None:
    made = backup.backup(live)
    source_bytes = made.path.read_bytes()
    _add_note(live, "efter")
    done = restore.restore(live, made.path)
    assert _notes(live) == ["før"]
    assert done.previous is not None and _notes(done.previous) == ["efter", "før"]
    assert "inden-gendannelse" in done.previous.name
    assert made.path.read_bytes() == source_bytes, "the backup itself is never changed"
    assert (done.version_in_file, done.migrated) == (migrate.latest(), False)
    _add_note(live, "igen")  # the restored database is an ordinary, writable database
    assert _notes(live) == ["før", "igen"]


def test_restore_of_an_old_release_migrates_it(live: Path, tmp_path: Path) -> None:
    old = tmp_path / "gammel.duckdb"
    with gzip.open(FIXTURE, "rb") as source, old.open("wb") as target:
        shutil.copyfileobj(source, target)
    done = restore.restore(live, old)
    assert done.version_in_file == "0001_baseline" and done.cases >= 40
    with db.reader(live, upgrade=False) as con:
        assert migrate.version(con) == migrate.latest() and not migrate.pending(con)


def test_restore_refuses_anything_but_a_whole_backup_of_a_known_version(live: Path, tmp_path: Path) -> None:
    before = live.read_bytes()
    text = tmp_path / "tekst.duckdb"
    text.write_text("ikke en database\n" * 10)
    foreign = tmp_path / "andet.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE kunder (navn VARCHAR)")
    con.close()
    newer = tmp_path / "nyere.duckdb"
    shutil.copyfile(live, newer)
    with db.writer(newer) as con:
        con.execute("INSERT INTO schema_migrations (migration, how) VALUES ('9999_fremtid', 'migrated')")
    damaged = tmp_path / "beskadiget.duckdb"
    damaged.write_bytes(live.read_bytes()[: live.stat().st_size // 3])
    cases = [(text, "slet ikke en DuckDB-database"), (foreign, "ikke en SSP-evaluering-database"),
             (newer, "nyere version"), (damaged, "beskadiget"), (tmp_path / "mangler.duckdb", "findes ikke"),
             (live, "selve databasen")]
    for source, message in cases:
        with pytest.raises(DatabaseError, match=message):
            restore.restore(live, source)
    assert live.read_bytes() == before
    assert not (live.parent / "sikkerhedskopier").exists(), "nothing is backed up for a refused restore"


def test_stale_copies_from_crashes_are_removed_at_the_next_write_and_nothing_else(live: Path) -> None:
    folder = live.parent
    (folder / "sikkerhedskopier").mkdir()
    stale = [folder / "ssp.duckdb.tmp-abcd_123", folder / "ssp.duckdb.tmp-abcd_123.wal",
             folder / "sikkerhedskopier" / "ssp-20250101-120000.duckdb.tmp-zz99yy88"]
    kept = [folder / "ssp.duckdb.tmp-kort", folder / "andet.duckdb.tmp-abcd_123", folder / "ssp.duckdb.bak",
            folder / "sikkerhedskopier" / "ssp-20250101-120000.duckdb"]
    for path in stale + kept:
        path.write_bytes(b"x" * 100)
    _add_note(live, "efter")
    assert [p for p in stale if p.exists()] == []
    assert all(p.exists() for p in kept)


def test_cli_schema_backup_and_restore(live: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["schema", "--db", str(live)])
    assert shown.exit_code == 0, shown.output
    assert f"Skemaversion: {migrate.latest()}" in shown.output and "ingen opgraderinger venter" in shown.output
    made = runner.invoke(cli, ["backup", "--db", str(live), "--out", str(tmp_path / "kopi.duckdb")])
    assert made.exit_code == 0 and "Sikkerhedskopi:" in made.output and "personoplysninger" in made.output
    _add_note(live, "efter")
    refused = runner.invoke(cli, ["restore", "--db", str(live), str(tmp_path / "kopi.duckdb")], input="nej\n")
    assert refused.exit_code == 1 and "Intet er ændret." in refused.output
    assert _notes(live) == ["efter", "før"]
    done = runner.invoke(cli, ["restore", "--db", str(live), str(tmp_path / "kopi.duckdb")], input="ja\n")
    assert done.exit_code == 0, done.output
    assert "Databasen er gendannet" in done.output and _notes(live) == ["før"]
    bad = runner.invoke(cli, ["restore", "--db", str(live), "--yes", str(tmp_path / "mangler.duckdb")])
    assert bad.exit_code == 1 and "findes ikke" in bad.output and "Traceback" not in bad.output


def test_schema_shows_a_pending_upgrade_without_doing_it(tmp_path: Path) -> None:
    old = tmp_path / "gammel.duckdb"
    with gzip.open(FIXTURE, "rb") as source, old.open("wb") as target:
        shutil.copyfileobj(source, target)
    before = old.read_bytes()
    shown = CliRunner().invoke(cli, ["schema", "--db", str(old)])
    assert shown.exit_code == 0
    assert "Skemaversion: 0001_baseline" in shown.output and "fra før versionsstyring" in shown.output
    assert old.read_bytes() == before, "looking changes nothing"
    if len(migrate.known()) > 1:
        assert "Venter på opgradering" in shown.output
    done = CliRunner().invoke(cli, ["upgrade", "--db", str(old)])
    assert done.exit_code == 0 and "opgraderet" in done.output
    again = CliRunner().invoke(cli, ["upgrade", "--db", str(old)])
    assert "allerede opdateret" in again.output
    assert files.backup_dir(old).exists() or len(migrate.known()) == 1

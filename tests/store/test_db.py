"""db.py: one writer at a time on a private copy, readers never block it, nothing is lost.

These tests use real processes, because DuckDB's locks are per process: a thread-based test
would pass even if two Voilà kernels could not work beside an ingest.
"""

from __future__ import annotations

import fcntl
import multiprocessing as mp
from pathlib import Path

import pytest

from evaluation.store import db
from evaluation.errors import DatabaseError

CTX = mp.get_context("spawn")  # a fresh interpreter, like a Voilà kernel or a CLI run


def _append_notes(db_path: str, writer_no: int, count: int) -> None:
    for i in range(count):
        with db.writer(Path(db_path)) as con:
            con.execute(
                "INSERT INTO meeting_notes (netvaerk, year, note, saved_by) VALUES (?, 2025, ?, 'test')",
                [f"net{writer_no}", f"note {writer_no}-{i}"],
            )


def _hold_reader(db_path: str, ready, release, seen) -> None:
    """Hold one read-only connection across the test's write; report what it saw before and after."""
    with db.reader(Path(db_path)) as con:
        seen.put(con.execute("SELECT count(*) FROM meeting_notes").fetchone()[0])
        ready.set()
        release.wait(60)
        seen.put(con.execute("SELECT count(*) FROM meeting_notes").fetchone()[0])


def _append_notes_racing(db_path: str, writer_no: int, count: int, start, contended) -> None:
    """Like _append_notes, all writers released at once; counts the writes that found the lock
    taken by another writer (probed with a non-blocking flock on the same lock file)."""
    start.wait(60)  # a barrier: every writer is ready before any writes
    lock_file = db.lock_path(Path(db_path))
    for i in range(count):
        with lock_file.open("a") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(probe, fcntl.LOCK_UN)
            except BlockingIOError:
                with contended.get_lock():
                    contended.value += 1
        with db.writer(Path(db_path)) as con:
            con.execute(
                "INSERT INTO meeting_notes (netvaerk, year, note, saved_by) VALUES (?, 2025, ?, 'test')",
                [f"net{writer_no}", f"note {writer_no}-{i}"],
            )


def _count_notes(db_path: Path) -> int:
    with db.reader(db_path) as con:
        return con.execute("SELECT count(*) FROM meeting_notes").fetchone()[0]


def test_writer_creates_missing_database_with_schema(tmp_path: Path) -> None:
    path = tmp_path / "ny.duckdb"
    with db.writer(path) as con:
        con.execute("SELECT 1")
    assert path.exists()
    with db.reader(path) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"imports", "case_versions", "cases", "actors", "link_checks"} <= tables
    assert not list(tmp_path.glob("*.tmp-*")), "the private copy must be cleaned up"


def test_a_missing_folder_is_refused_naming_it_and_nothing_is_created(tmp_path: Path) -> None:
    """Usually a typo in --db: the user hears about it instead of getting a new, empty database."""
    path = tmp_path / "skrivefejl" / "ny.duckdb"
    with pytest.raises(DatabaseError, match=f"Mappen {tmp_path / 'skrivefejl'} findes ikke"):
        with db.writer(path):
            pass
    assert list(tmp_path.iterdir()) == []


def test_init_makes_the_folder_of_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "ny" / "mappe" / "ssp.duckdb"
    db.init(path)
    assert db.is_empty(path)


def test_reader_on_missing_database_says_so_in_danish(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="findes ikke"):
        with db.reader(tmp_path / "mangler.duckdb"):
            pass


def test_failed_write_leaves_live_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "x.duckdb"
    _append_notes(str(path), 0, 1)
    before = path.read_bytes()
    with pytest.raises(RuntimeError):
        with db.writer(path) as con:
            con.execute(
                "INSERT INTO meeting_notes (netvaerk, year, note, saved_by) VALUES ('n', 2025, 'x', 't')"
            )
            raise RuntimeError("boom")
    assert path.read_bytes() == before
    assert _count_notes(path) == 1


def test_writer_succeeds_while_another_process_reads(tmp_path: Path) -> None:
    """A dashboard kernel holding a read-only connection must not block an ingest."""
    path = tmp_path / "x.duckdb"
    _append_notes(str(path), 0, 1)
    ready, release, seen = CTX.Event(), CTX.Event(), CTX.Queue()
    holder = CTX.Process(target=_hold_reader, args=(str(path), ready, release, seen))
    holder.start()
    try:
        assert ready.wait(60), "reader process did not start"
        _append_notes(str(path), 1, 1)  # would raise a lock error with a plain read-write open
        assert _count_notes(path) == 2, "a new connection sees the new data"
    finally:
        release.set()
        holder.join(60)
    assert holder.exitcode == 0
    # The race happened: the reader's connection was open across the write, and it kept its
    # consistent snapshot of the file from before the write.
    assert [seen.get(timeout=10), seen.get(timeout=10)] == [1, 1]


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    """Two dashboard sessions and an ingest saving at once: every write survives."""
    path = tmp_path / "x.duckdb"
    _append_notes(str(path), 0, 1)
    start, contended = CTX.Barrier(3), CTX.Value("i", 0)
    procs = [CTX.Process(target=_append_notes_racing, args=(str(path), n, 5, start, contended)) for n in (1, 2, 3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    assert contended.value > 0, "the writers never met: the test did not race"
    assert _count_notes(path) == 1 + 3 * 5


# --- warm readers (a dashboard kernel keeps its database open between readers) --------------

def _note(path: Path, text: str) -> None:
    with db.writer(path) as con:
        con.execute("INSERT INTO meeting_notes (netvaerk, year, note, saved_by) VALUES ('Nord', 2025, ?, 'test')",
                    [text])


@pytest.fixture
def warm_db(tmp_path: Path):
    path = tmp_path / "warm.duckdb"
    db.init(path)
    db.keep_readers_warm(idle_s=60)
    yield path
    db.stop_keeping_warm()


def test_warm_readers_share_one_instance(warm_db: Path) -> None:
    # An instance-wide setting made through one reader is seen by the next one: the same DuckDB
    # instance (a new instance starts with the machine's thread count).
    with db.reader(warm_db) as con:
        con.execute("SET GLOBAL threads = 1")
    with db.reader(warm_db) as con:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 1
    db.stop_keeping_warm()
    with db.reader(warm_db) as con:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] != 1 or mp.cpu_count() == 1


def test_a_warm_reader_sees_every_write(warm_db: Path) -> None:
    before = _count_notes(warm_db)
    for i in range(3):
        _note(warm_db, f"note {i}")  # the writer replaces the file the keeper has open
        assert _count_notes(warm_db) == before + i + 1


def test_the_keeper_never_pins_an_old_file(warm_db: Path) -> None:
    # A reader still open on the old file when another reader starts: DuckDB hands that second
    # reader the old file's instance, so it must not become the keeper, or every later reader
    # would see the old data.
    _note(warm_db, "one")
    with db.reader(warm_db) as old:
        _note(warm_db, "two")
        with db.reader(warm_db) as second:
            second.execute("SELECT 1").fetchall()
        assert old.execute("SELECT count(*) FROM meeting_notes").fetchone()[0] == 1
    assert _count_notes(warm_db) == 2
    _note(warm_db, "three")
    assert _count_notes(warm_db) == 3


def test_the_keeper_closes_when_idle(warm_db: Path) -> None:
    import time

    db.keep_readers_warm(idle_s=0.2)
    _count_notes(warm_db)
    assert db._WARM.is_open()
    deadline = time.monotonic() + 30
    while db._WARM.is_open() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not db._WARM.is_open()
    assert _count_notes(warm_db) == 0  # and opens again when needed
    assert db._WARM.is_open()

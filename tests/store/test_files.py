"""store/files.py through db.writer/db.reader: odd paths, permissions and a full disk, in Danish.

A full disk is a real tmpfs of a few MB (``small_disk``), filled at the moment that matters:
before the copy, between the copy and the commit, between the commit and the checkpoint.
Permissions are checked by the kernel with real other users (``run_as``).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from evaluation.cli import cli
from evaluation.errors import DatabaseError
from evaluation.store import db

SSP_EVAL = str(Path(sys.executable).with_name("ssp-eval"))


def _note(path: Path, text: str = "note") -> None:
    with db.writer(path) as con:
        con.execute("INSERT INTO meeting_notes (netvaerk, year, note, saved_by) VALUES ('Nord', 2025, ?, 't')", [text])


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or p.name.endswith(".wal"))


# --- odd paths -----------------------------------------------------------------------------

def test_a_folder_as_the_database_is_refused_and_leaves_no_lock(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for opener in (lambda: db.writer(folder), lambda: db.reader(folder)):
        with pytest.raises(DatabaseError, match=f"{folder} er en mappe, ikke en databasefil"):
            with opener():
                pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"], "no .lock beside the folder"
    assert list(folder.iterdir()) == []


def test_a_folder_in_ssp_eval_db_gets_the_danish_message_from_the_command(tmp_path: Path) -> None:
    done = subprocess.run([SSP_EVAL, "plan", "status"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SSP_EVAL_DB": str(tmp_path)})
    assert done.returncode == 1
    assert "er en mappe, ikke en databasefil" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []
    ingest = subprocess.run([SSP_EVAL, "ingest", "--network", "Nord", __file__], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "SSP_EVAL_DB": str(tmp_path)})
    assert "er en mappe" in ingest.stderr and "Traceback" not in ingest.stderr
    assert list(tmp_path.iterdir()) == [] and not tmp_path.with_name(tmp_path.name + ".lock").exists()


@pytest.mark.parametrize("content", [b"", b"ikke en database\n" * 100, b"PK\x03\x04" + b"\x00" * 5000],
                         ids=["empty", "text", "zip"])
def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.duckdb"
    path.write_bytes(content)
    for opener in (db.writer, db.reader):
        with pytest.raises(DatabaseError, match="ikke en SSP-evaluering-database"):
            with opener(path):
                pass
    assert path.read_bytes() == content
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_damaged_database_is_refused_with_the_way_back(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "x.duckdb"
    db.init(path)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 3]
    else:
        data[4096:12288] = os.urandom(8192)
    path.write_bytes(bytes(data))
    for opener in (db.writer, db.reader):
        with pytest.raises(DatabaseError, match="beskadiget.*ssp-eval restore"):
            with opener(path):
                pass
    assert path.read_bytes() == bytes(data)
    assert _leftovers(tmp_path) == []
    result = CliRunner().invoke(cli, ["plan", "status", "--db", str(path)])
    assert result.exit_code == 1 and "beskadiget" in result.output and "Traceback" not in result.output


def test_a_read_only_database_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "x.duckdb"
    db.init(path)
    os.chmod(path, 0o444)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="skrivebeskyttet for dig"):
        _note(path)
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o444
    with db.reader(path) as con:  # reading a read-only database is fine
        assert con.execute("SELECT count(*) FROM meeting_notes").fetchone()[0] == 0
    assert _leftovers(tmp_path) == []


# --- permissions kept ------------------------------------------------------------------------

def test_a_write_keeps_mode_and_group_and_owner_when_root_writes(tmp_path: Path) -> None:
    path = tmp_path / "x.duckdb"
    db.init(path)
    os.chmod(path, 0o660)
    group = 4242 if os.geteuid() == 0 else os.getegid()
    os.chown(path, -1, group)
    _note(path)
    info = path.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_gid) == (0o660, group)


WRITE_NOTE = """
    import sys
    from pathlib import Path
    from evaluation.errors import DatabaseError
    from evaluation.store import db
    try:
        with db.writer(Path(sys.argv[1])) as con:
            con.execute("INSERT INTO meeting_notes (netvaerk, year, note, saved_by) VALUES ('Nord', 2025, 'x', 'y')")
    except DatabaseError as exc:
        print("FEJL:", exc)
        sys.exit(3)
    print("OK")
"""


def test_a_database_shared_by_a_group_stays_shared_after_a_consultants_write(shared_dir: Path, run_as) -> None:
    """The service user (4001) and a consultant (4002) share group ssp (4242): each can go on writing."""
    path = shared_dir / "fælles.duckdb"
    db.init(path)
    os.chown(path, 4001, 4242)
    os.chmod(path, 0o660)
    for uid in (4002, 4001, 4002):
        done = run_as(uid, WRITE_NOTE, str(path))
        assert done.returncode == 0, done.stdout + done.stderr
        info = path.stat()
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (uid, 4242, 0o660)
    with db.reader(path) as con:
        assert con.execute("SELECT count(*) FROM meeting_notes").fetchone()[0] == 3


def test_a_write_that_would_cut_the_owner_off_is_refused(shared_dir: Path, run_as) -> None:
    """Owner tjeneste is not in group andre; a member's write would leave tjeneste without write access."""
    path = shared_dir / "x.duckdb"
    db.init(path)
    os.chown(path, 4001, 4343)
    os.chmod(path, 0o664)
    before, files_before = path.read_bytes(), sorted(shared_dir.glob("x.duckdb*"))
    done = run_as(4002, WRITE_NOTE, str(path))
    assert done.returncode == 3, done.stdout + done.stderr
    assert "ejes af tjeneste" in done.stdout and "tjeneste mister adgangen" in done.stdout
    assert path.read_bytes() == before and path.stat().st_uid == 4001
    assert sorted(shared_dir.glob("x.duckdb*")) == files_before, "nothing left behind"


def test_a_user_without_write_permission_is_refused(shared_dir: Path, run_as) -> None:
    path = shared_dir / "x.duckdb"
    db.init(path)
    os.chmod(path, 0o644)  # others may read, not write: the folder (0777) would have let the old code replace it
    done = run_as(4003, WRITE_NOTE, str(path))
    assert done.returncode == 3 and "skrivebeskyttet for dig" in done.stdout, done.stdout + done.stderr
    assert path.stat().st_uid == 0


# --- a read-only folder and a full disk (real tmpfs) -----------------------------------------

READ_ONLY_FOLDER = """
    import json, subprocess, sys
    from pathlib import Path
    from evaluation.errors import DatabaseError
    from evaluation.store import db
    folder = Path(sys.argv[1]); path = folder / "x.duckdb"
    db.init(path)
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    out = {"before": sorted(p.name for p in folder.iterdir())}
    try:
        with db.writer(path) as con:
            con.execute("SELECT 1")
        out["write"] = "OK"
    except DatabaseError as exc:
        out["write"] = str(exc)
    with db.reader(path) as con:
        out["read"] = con.execute("SELECT count(*) FROM actors").fetchone()[0]
    out["files"] = sorted(p.name for p in folder.iterdir())
    print(json.dumps(out))
"""


def test_a_read_only_folder_is_refused_in_danish_and_reading_goes_on(small_disk) -> None:
    out = small_disk(32, READ_ONLY_FOLDER)
    assert "er skrivebeskyttet" in out["write"] and str(out["write"]).startswith("Mappen ")
    assert out["read"] > 0
    assert out["files"] == out["before"], "nothing left behind"


FULL_DISK = """
    import base64, hashlib, json, os, sys
    from pathlib import Path
    from evaluation.errors import DatabaseError
    from evaluation.store import db
    folder, step = Path(sys.argv[1]), sys.argv[2]
    path = folder / "x.duckdb"
    db.init(path)
    filler = folder / "fyld"

    def leave(free_bytes):
        st = os.statvfs(folder)
        with filler.open("ab") as handle:
            handle.write(b"\\0" * max(0, st.f_bavail * st.f_frsize - free_bytes))

    def digest():
        return hashlib.sha256(path.read_bytes()).hexdigest()

    before = digest()
    size = path.stat().st_size
    notes = [base64.b64encode(os.urandom(6000)).decode() for _ in range(300)]  # ~2.4 MB, incompressible
    out = {}
    try:
        if step == "copy":
            leave(size // 2)
        with db.writer(path) as con:
            if step == "commit":
                leave(300_000)
            elif step == "checkpoint":
                leave(int(sys.argv[3]))
            con.executemany("INSERT INTO meeting_notes (netvaerk, year, note, saved_by) VALUES ('N', 2025, ?, 't')",
                            [[n] for n in notes])
        out["error"] = None
    except DatabaseError as exc:
        out["error"] = str(exc)
        cause = exc.__cause__
        out["cause"] = f"{type(cause).__name__}: {cause}"
    out["unchanged"] = digest() == before
    out["left"] = sorted(p.name for p in folder.iterdir() if p.name not in ("x.duckdb", "x.duckdb.lock", "fyld"))
    filler.unlink()
    with db.writer(path) as con:  # with room again, the next write works
        con.execute("INSERT INTO meeting_notes (netvaerk, year, note, saved_by) VALUES ('N', 2025, 'efter', 't')")
    with db.reader(path) as con:
        out["notes_after"] = con.execute("SELECT count(*) FROM meeting_notes").fetchone()[0]
    print(json.dumps(out))
"""


@pytest.mark.parametrize("step, cause", [
    ("copy", "OSError: [Errno 28]"),
    ("commit", "Failed to commit"),
    ("checkpoint", "Failed to create checkpoint"),
])
def test_a_full_disk_at_each_step_leaves_the_database_as_it_was(small_disk, step: str, cause: str) -> None:
    args = [step] + (["3500000"] if step == "checkpoint" else [])
    out = small_disk(40, FULL_DISK, *args)
    assert out["error"] is not None, f"the disk did not fill at the {step}"
    assert out["error"].startswith("Der er ikke plads nok på disken") and "Intet er ændret" in out["error"]
    assert cause in out["cause"], f"failed elsewhere than the {step}: {out['cause']}"
    assert out["unchanged"], "the live file must be untouched"
    assert out["left"] == [], "no partial copy or WAL is left behind"
    assert out["notes_after"] == 1

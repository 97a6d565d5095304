"""SIGKILL a real ``ssp-eval ingest`` at each point of a write: the database is old or new, never a mix.

The child is the real command line (``evaluation.cli.main`` with ``ingest`` arguments). The
test only makes it stop and say so at one point — before the copy, halfway through the copy,
inside the transaction (cases written, not committed), just before and just after the
replace — by wrapping that one function in the child process; then the whole process group
gets SIGKILL, as from an out-of-memory killer or a power cut of the process. The file is a
Windows-1252 export, so a decoded temporary copy exists in the temp folder at every point.

Afterwards: the database opens, holds exactly the old or exactly the new data, and the next
real ingest removes every copy the killed one left (beside the database and in the temp folder).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evaluation.ingest import ingest, spec
from evaluation.store import db

TODAY = "2026-11-20"
CASE = {"netvaerk": "Hirtshals", "institutionstype": "folkeskole", "indberetningsmaaned": "2025-03",
        "aldersgruppe": "12_14", "koen": "pige", "kraenker": "kendt", "situation": "A",
        "kraenkelsestyper": "billeddeling", "vurdering": "paedagogisk", "foraeldre_inddraget": "ja",
        "dokumentation_sikret": "ja", "politianmeldt": "nej",
        "erfaringer": "Forældrene blev inddraget – skolen håndterede det godt."}  # – and æ/ø: Windows-1252

CHILD = """
import os, shutil, sys, time
point, ready = sys.argv[1], sys.argv[2]
from evaluation.store import files
from evaluation.ingest import ingest as ingestmod

def pause():
    open(ready, "w").close()
    time.sleep(600)

def before(module, name):
    real = getattr(module, name)
    def wrapped(*args, **kwargs):
        pause()
        return real(*args, **kwargs)
    setattr(module, name, wrapped)

def after(module, name):
    real = getattr(module, name)
    def wrapped(*args, **kwargs):
        result = real(*args, **kwargs)
        pause()
        return result
    setattr(module, name, wrapped)

def half_copy(source, target, *args, **kwargs):
    with open(source, "rb") as src, open(target, "wb") as dst:
        dst.write(src.read(os.path.getsize(source) // 2))
        dst.flush()
        os.fsync(dst.fileno())
    pause()

if point == "before_copy":
    before(files, "copy_database")
elif point == "inside_copy":
    shutil.copyfile = half_copy
elif point == "inside_transaction":
    after(ingestmod, "_write")
elif point == "before_replace":
    before(files, "publish")
elif point == "after_replace":
    after(files, "publish")
sys.argv = ["ssp-eval", *sys.argv[3:]]
from evaluation.cli import main
main()
"""


def export(path: Path, ids: list[str], encoding: str = "cp1252") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(spec.KEYS)
    for sags_id in ids:
        row = {**CASE, "sags_id": sags_id}
        writer.writerow([row.get(k, "") for k in spec.KEYS])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def cases(path: Path) -> list[str]:
    with db.reader(path) as con:
        return [r[0] for r in con.execute("SELECT sags_id FROM cases ORDER BY sags_id").fetchall()]


def copies(folder: Path, temp: Path) -> list[str]:
    return sorted([p.name for p in folder.iterdir() if ".tmp-" in p.name or p.name.endswith(".wal")]
                  + [p.name for p in temp.glob("ssp-eksport-*")])


@pytest.mark.parametrize("point, survives", [
    ("before_copy", "old"), ("inside_copy", "old"), ("inside_transaction", "old"),
    ("before_replace", "old"), ("after_replace", "new"),
])
def test_a_killed_ingest_leaves_old_or_new_and_the_next_write_cleans_up(tmp_path: Path, point: str,
                                                                         survives: str) -> None:
    folder, temp = tmp_path / "data", tmp_path / "temp"
    folder.mkdir()
    temp.mkdir()
    path = folder / "ssp.duckdb"
    db.init(path)
    first = ingest.ingest_file(path, export(tmp_path / "nord-1.csv", ["N1", "N2", "N3"], "utf-8"))
    assert first.status == "loaded"
    old_bytes = hashlib.sha256(path.read_bytes()).hexdigest()
    ready = tmp_path / "ready"
    env = {**os.environ, "TMPDIR": str(temp)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, point, str(ready), "ingest", "--db", str(path),
         str(export(tmp_path / "nord-2.csv", ["N4", "N5"]))],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        for _ in range(1200):  # up to 2 minutes on a busy machine; the point is reached long before
            if ready.exists() or child.poll() is not None:
                break
            time.sleep(0.1)
        assert ready.exists(), f"the child never reached {point}: {child.communicate()[0]!r}"
        left = copies(folder, temp)
        assert any(n.startswith("ssp-eksport-") for n in left), "the decoded copy exists while it works"
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL

    if survives == "old":
        assert hashlib.sha256(path.read_bytes()).hexdigest() == old_bytes, "the live file was never touched"
        assert cases(path) == ["N1", "N2", "N3"]
    else:
        assert cases(path) == ["N1", "N2", "N3", "N4", "N5"]
    assert copies(folder, temp), "the kill left copies behind (which the next write must remove)"

    after = subprocess.run([str(Path(sys.executable).with_name("ssp-eval")), "ingest", "--db", str(path),
                            str(export(tmp_path / "nord-3.csv", ["N6"]))],
                           capture_output=True, text=True, env=env, timeout=300)
    assert after.returncode == 0, after.stdout + after.stderr
    assert copies(folder, temp) == [], "no stale copy survives the next write"
    assert cases(path)[-1] == "N6"

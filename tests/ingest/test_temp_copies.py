"""tempcopies.remove_stale_copies and _transcode: decoded temporary copies never pile up.

A Windows-1252 or UTF-16 export is decoded to a temporary UTF-8 copy (``ssp-eksport-<pid>-…``)
while it is read. A killed ingest leaves it behind (tests/store/test_kill.py kills real ones);
the next ingest removes copies whose process is gone, and only those.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evaluation.ingest import readers, tempcopies


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_copies_of_finished_processes_are_removed(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getpid()
    stale = tmp_path / f"ssp-eksport-{dead}-abcd1234.csv"
    in_use = tmp_path / f"ssp-eksport-{alive}-abcd1234.csv"
    legacy_old = tmp_path / "ssp-eksport-zzzz9999.csv"
    legacy_new = tmp_path / "ssp-eksport-yyyy8888.csv"
    others = [tmp_path / "ssp-eksport-rapport.csv", tmp_path / f"andet-{dead}-abcd1234.csv"]
    for path in (stale, in_use, legacy_old, legacy_new, *others):
        path.write_text("x")
    day_and_more = time.time() - tempcopies.LEGACY_TEMP_AGE_S - 60
    os.utime(legacy_old, (day_and_more, day_and_more))
    assert sorted(tempcopies.remove_stale_copies(tmp_path)) == sorted([stale, legacy_old])
    assert all(p.exists() for p in (in_use, legacy_new, *others))


def test_a_failed_decoding_leaves_no_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "eksport.csv"
    source.write_bytes("Sags-ID;Bemærkning\r\nN1;Forældre – inddraget\r\n".encode("cp1252"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    monkeypatch.setattr(tempcopies.tempfile, "tempdir", None)  # re-read TMPDIR

    class Full(OSError):
        pass

    real_open = os.fdopen

    def full_disk(fd: int, mode: str = "r", *args, **kwargs):
        handle = real_open(fd, mode, *args, **kwargs)
        handle.write = lambda data: (_ for _ in ()).throw(Full(28, "No space left on device"))
        return handle

    monkeypatch.setattr(tempcopies.os, "fdopen", full_disk)
    with pytest.raises(Full):
        tempcopies.transcode(source, "cp1252")
    assert list((tmp_path / "temp").iterdir()) == []

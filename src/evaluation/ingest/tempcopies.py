"""Temporary UTF-8 copies of exports in another encoding, and cleaning up after killed ingests.

DuckDB's reader takes UTF-8 only, so a Windows-1252 or UTF-16 export is first transcoded to a
temporary copy (``transcode``). A killed ingest leaves its copy behind; the next ingest
removes the copies that are provably ours and unused (``remove_stale_copies``).
"""

from __future__ import annotations

import codecs
import os
import re
import tempfile
import time as time_module
from pathlib import Path

CHECK_CHUNK_BYTES = 16 * 1024 * 1024  # streamed in chunks: a 50 MB file never sits in memory twice

# Temporary UTF-8 copies are named ssp-eksport-<pid>-<random>.csv: the pid lets the next ingest
# prove a copy left by a killed process is no longer in use (remove_stale_copies).
TEMP_PREFIX = "ssp-eksport-"
_TEMP_NAME = re.compile(r"ssp-eksport-(\d+)-[a-z0-9_]{8}\.csv")
_LEGACY_TEMP_NAME = re.compile(r"ssp-eksport-[a-z0-9_]{8}\.csv")  # before the pid was in the name
LEGACY_TEMP_AGE_S = 24 * 3600


def transcode(path: Path, encoding: str) -> Path:
    """A temporary UTF-8 copy of a file in another (already verified) encoding, streamed.

    Removed here if writing it fails (a full temp folder), by ``open_export`` when the read is
    over, and — after a crash — by the next ingest (``remove_stale_copies``).
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".csv")
    try:
        with path.open("rb") as source, os.fdopen(fd, "wb") as target:
            while chunk := source.read(CHECK_CHUNK_BYTES):
                target.write(decoder.decode(chunk).encode("utf-8"))
            target.write(decoder.decode(b"", final=True).encode("utf-8"))
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def remove_stale_copies(folder: Path | None = None) -> list[Path]:
    """Remove temporary UTF-8 copies left by ingests that were killed; returns what went.

    Only files provably ours and unused: named ``ssp-eksport-<pid>-…csv`` whose process no
    longer exists (a live pid, even another program reusing it, keeps the file), and — from
    versions before the pid was in the name — ``ssp-eksport-<random>.csv`` owned by this user
    and untouched for a day (no ingest takes a day).
    """
    folder = Path(folder or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        candidates = list(folder.glob(f"{TEMP_PREFIX}*.csv"))
    except OSError:
        return removed
    for path in candidates:
        match = _TEMP_NAME.fullmatch(path.name)
        try:
            if match:
                stale = not _process_exists(int(match.group(1)))
            elif _LEGACY_TEMP_NAME.fullmatch(path.name):
                info = path.stat()
                stale = info.st_uid == os.geteuid() and time_module.time() - info.st_mtime > LEGACY_TEMP_AGE_S
            else:
                stale = False
            if stale:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True



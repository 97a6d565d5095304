"""The writers' lock: ``<db>.lock``, an advisory ``flock`` every writer takes before it copies.

Why not the ``filelock`` package: it opens the lock file for writing, so a lock file made by
one user (mode 0644) stops every other user of a shared database — the team's consultant
could not write after the service user had. ``flock`` needs only an open file descriptor, and
a read-only one will do, so the lock file is opened read-only and made readable by all (it is
empty and says nothing). It is never deleted: deleting a lock file lets two processes lock
two different files of the same name. The kernel drops the lock when its holder exits, also
when it is killed, which is what lets ``files.remove_stale_copies`` trust it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from pathlib import Path

from evaluation.errors import DatabaseError

POLL_S = 0.01  # short: a waiting writer should get in between another writer's turns
LOCK_FILE_MODE = 0o644


class LockTimeout(Exception):
    """The lock was held by another writer for longer than the caller would wait."""


class WriteLock:
    """An exclusive lock on ``path`` for this process; ``acquire(timeout_s)``, ``release()``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` seconds for the lock; raise ``LockTimeout`` after that."""
        fd = self._open()
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fd = fd
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockTimeout(str(self.path)) from None
                time.sleep(POLL_S)
            except BaseException:
                os.close(fd)
                raise

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def _open(self) -> int:
        """Open (creating if needed) the lock file read-only; a new one is made readable by all."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, LOCK_FILE_MODE)
        except PermissionError as exc:
            raise DatabaseError(
                f"Låsefilen {self.path} kan ikke åbnes af dig (rettigheder). Den er tom og kan slettes af den, "
                "der ejer den, når ingen skriver i databasen; eller giv alle læseadgang til den (chmod a+r).") from exc
        except OSError as exc:
            if exc.errno == errno.EISDIR:
                raise DatabaseError(f"{self.path} er en mappe; den skal være låsefilen for databasen.") from exc
            raise
        try:
            if os.fstat(fd).st_uid == os.geteuid():
                os.fchmod(fd, LOCK_FILE_MODE)  # umask may have taken the others' read bit
        except OSError:
            pass
        return fd

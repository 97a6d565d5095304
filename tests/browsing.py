"""What every browser test shares: Debian's Chromium, and a real local server stopped as a group.

Imported as ``from browsing import …`` by tests/views and tests/server (pytest puts tests/ on the
path for tests/conftest.py). The ``browser`` fixture itself is in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evaluation.server import dashboard, launch

CHROMIUM = "/usr/bin/chromium"  # Debian's; a browser is never downloaded
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGE_TIMEOUT_MS = 90_000  # a page view starts a kernel; the CI machine may be busy


@contextmanager
def running_dashboard(db_path: Path, port: int) -> Iterator[int]:
    """``ssp-eval dashboard``'s server on ``db_path``; yields its port.

    Started in its own process group and stopped with ``launch.stop`` (SIGTERM, then a kill of
    the whole group), so a server that hangs on its way down leaves no kernel behind — the
    view tests used to kill only the server process, and its kernels outlived the suite.
    """
    process = launch.start(dashboard.options(db_path, port), quiet=True)
    try:
        launch.wait_until_listening(process, dashboard.options(db_path, port))
        yield port
    finally:
        launch.stop(process)

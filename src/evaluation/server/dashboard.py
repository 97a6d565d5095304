"""``ssp-eval dashboard``: the dashboards for one person on this machine (no login).

The server is ``app.SspVoila`` in ``mode=local``, bound to 127.0.0.1 only, started and
stopped by ``launch``. Binding any other address needs the login of ``ssp-eval serve``.

The pages (``evaluation.views``) open the database only for a moment per question, so an
open dashboard never blocks ``ssp-eval ingest``; a reload shows the new data. Årsevaluering
has one pre-heated kernel (voila.json: ``preheat_kernel``, a pool of 1 for that notebook
only, refilled 4 s after use): starting a kernel and importing pandas, plotly and scipy is
most of a first view, and the pre-heated kernel has done it before anyone asks. The page
waits for the request (``views.common.wait_for_user``) before it reads the database, so it
never shows data older than the request. Load-tested here with pool size 1 (15 views in a
row, 3 at once): no hung responses (the conventions saw them with a pool of 2). Voilà hands
a view that arrives while the pool refills to the refilling kernel, so a second view right
after the first waits for the delay and a kernel start; 4 s lets the first view's KPI cards
appear before the refill competes for the CPU (benchmarks/dashboard.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from evaluation.server import launch

DEFAULT_PORT = 8866
LOCAL_HOST = "127.0.0.1"


def pages() -> list[tuple[str, str]]:
    """(notebook, Danish title) of every page, in the navigation's order."""
    from evaluation.views import navigation

    return [(page.notebook, page.label) for page in navigation.PAGES]


def options(db_path: Path, port: int = DEFAULT_PORT, *, verbose: bool = False) -> launch.ServerOptions:
    return launch.ServerOptions(db_path=Path(db_path), port=port, host=LOCAL_HOST, mode="local", verbose=verbose)


def start(db_path: Path, port: int = DEFAULT_PORT, *, quiet: bool = False, verbose: bool = False) -> subprocess.Popen:
    """Start the local server in its own process group (tests and benchmarks use this)."""
    return launch.start(options(db_path, port, verbose=verbose), quiet=quiet)


def url(port: int, page: str = "aarsevaluering.ipynb") -> str:
    return f"http://{LOCAL_HOST}:{port}/voila/render/{page}"

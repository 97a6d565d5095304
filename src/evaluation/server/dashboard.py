"""Serve the Voilà dashboards under ``dashboards/`` safely on this machine.

Voilà runs each page view in its own kernel process (voila#460). The settings here follow
the maintainers' advice: bind 127.0.0.1 only, keep ``strip_sources`` on and tracebacks off
(voila#203: a traceback leaks code, paths and values), cull idle kernels (voila#527), and
fail loudly when the port is taken (``port_retries=0``). The database path reaches the
kernels through ``SSP_EVAL_DB``, never through the working directory.

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

import os
import subprocess
import sys
from pathlib import Path

from evaluation.errors import DatabaseError
from evaluation.settings import DASHBOARDS_DIR, DB_ENV_VAR

DEFAULT_PORT = 8866
KERNEL_NAME = "python3"


def voila_command(port: int, *, token: str | None = None, verbose: bool = False) -> list[str]:
    """The Voilà command line; the rest of the configuration is in dashboards/voila.json.

    Voilà's own log is English and technical ("Notebook … is not trusted", kernel starts);
    the consultant's terminal shows only its errors unless ``verbose``.
    """
    command = [
        sys.executable, "-m", "voila",
        "--no-browser",
        f"--port={port}",
        f"--Voila.log_level={'INFO' if verbose else 'ERROR'}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_idle_timeout=900",
        f"--Voila.root_dir={DASHBOARDS_DIR}",
        f"--Voila.config_file_paths={DASHBOARDS_DIR}",
    ]
    if token:
        command.append(f"--token={token}")
    return command


def dashboard_environment(db_path: Path) -> dict[str, str]:
    """The environment for the Voilà process and so for every kernel it starts."""
    env = dict(os.environ)
    env[DB_ENV_VAR] = str(db_path)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def start(db_path: Path, port: int = DEFAULT_PORT, *, token: str | None = None,
          quiet: bool = False, verbose: bool = False) -> subprocess.Popen:
    """Start Voilà in the background and return the process (tests and the CLI use this)."""
    if not db_path.exists():
        raise DatabaseError(
            f"Databasen {db_path} findes ikke. Byg demo-databasen med 'ssp-eval demo' "
            "eller indlæs sager med 'ssp-eval ingest' først."
        )
    output = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(
        voila_command(port, token=token, verbose=verbose), cwd=DASHBOARDS_DIR, env=dashboard_environment(db_path),
        stdout=output, stderr=output,
    )


def url(port: int, page: str = "aarsevaluering.ipynb") -> str:
    return f"http://127.0.0.1:{port}/voila/render/{page}"

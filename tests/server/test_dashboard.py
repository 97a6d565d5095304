"""``ssp-eval dashboard`` as a consultant starts it: a real process, a real page request.

The browser tests drive the pages; this checks what the terminal says. The consultant
should see the Danish addresses and nothing of Voilà's English, technical log (kernel
starts, "Notebook … is not trusted"), unless ``--verbose`` asks for it. (Each kernel
still prints ipykernel's one-line warning about TCP on 127.0.0.1. A trial with the IPC
transport, which would avoid it, printed a kernel traceback at shutdown that was not
explained yet, so TCP stays.)
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path


from evaluation.server import dashboard

SSP_EVAL = str(Path(sys.executable).with_name("ssp-eval"))
POST_REQUEST_S = 3.0


def run_dashboard(db_path: Path, log: Path, port: int, *extra: str) -> tuple[str, str]:
    """Start the command, request Årsevaluering once, stop it with Ctrl+C.

    Returns what the terminal showed while the page was open, and in all. (Stopping while a
    kernel is still executing the page can make ipykernel print a traceback as its sockets
    close; that is shutdown noise, so the "while open" part is what the tests judge.)
    """
    with log.open("wb") as out:
        process = subprocess.Popen([SSP_EVAL, "dashboard", "--db", str(db_path), "--port", str(port), *extra],
                                   stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")
                try:
                    with urllib.request.urlopen(dashboard.url(port), timeout=60) as response:
                        assert response.status == 200
                        response.read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            time.sleep(POST_REQUEST_S)  # the kernel goes on building the page after the response
            running = log.read_text(encoding="utf-8", errors="replace")
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
    return running, log.read_text(encoding="utf-8", errors="replace")


def test_terminal_shows_the_danish_addresses_and_not_voilas_log(demo_db: Path, tmp_path: Path,
                                                                 free_port: Callable[[], int]) -> None:
    running, output = run_dashboard(demo_db, tmp_path / "out.log", free_port())  # the page only reads
    assert "Dashboards kører. Åbn i browseren:" in running
    for page in ("aarsevaluering.ipynb", "udforsk.ipynb", "moedenoter.ipynb"):
        assert page in running
    assert "Stop med Ctrl+C." in running
    assert "[SspVoila]" not in output and "Kernel started" not in output and "not trusted" not in output
    assert "Traceback" not in running


def test_verbose_shows_voilas_log_for_troubleshooting(demo_db: Path, tmp_path: Path,
                                                      free_port: Callable[[], int]) -> None:
    running, _ = run_dashboard(demo_db, tmp_path / "out.log", free_port(), "--verbose")
    assert "[SspVoila]" in running and "Kernel started" in running and "Dashboards kører." in running


def test_missing_database_is_said_in_danish_and_nothing_starts(tmp_path: Path, free_port: Callable[[], int]) -> None:
    result = subprocess.run([SSP_EVAL, "dashboard", "--db", str(tmp_path / "findes-ikke.duckdb"),
                             "--port", str(free_port())], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "findes ikke" in result.stderr + result.stdout and "Traceback" not in result.stderr

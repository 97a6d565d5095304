"""A clean stop of ``ssp-eval dashboard``: what a service manager (SIGTERM) and Ctrl+C (SIGINT) do.

Before the fix, SIGTERM to the command left Voilà and its kernels serving on the port (the
command died, its child did not), and every page view printed ipykernel's English warning
about plain TCP. After a stop now: the command exits 0, no process it started is alive (the
server and every kernel, found in /proc while the pages were open), nothing listens on the port
(and it can be bound), and the terminal showed no traceback and no English transport warning.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from serverkit import alive, processes_below

SSP_EVAL = str(Path(sys.executable).with_name("ssp-eval"))
PREHEAT_WAIT_S = 8  # lets the refilled kernel run its notebook up to the wait for a request


def wait_for_kernels(pid: int, count: int, timeout_s: float = 90) -> set[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        below = processes_below(pid)
        if len(below) >= count:
            return below
        time.sleep(0.3)
    raise AssertionError(f"færre end {count} processer under serveren: {processes_below(pid)}")


def listeners(port: int) -> list[str]:
    """Sockets in LISTEN state on ``port`` (any address, IPv4 or IPv6), as Linux lists them in /proc/net."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                found.append(f"{table}: {local}")
    return found


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_leaves_no_process_and_frees_the_port(stop_signal: signal.Signals, server_db: Path, tmp_path: Path,
                                                      free_port: Callable[[], int]) -> None:
    port = free_port()
    log = tmp_path / "terminal.log"
    with log.open("wb") as out:
        cli = subprocess.Popen([SSP_EVAL, "dashboard", "--db", str(server_db), "--port", str(port)],
                               stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not listening(port):
            assert cli.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        # Two page views: one on the pre-heated kernel, one on a kernel started for it.
        for page in ("aarsevaluering.ipynb", "udforsk.ipynb"):
            response = httpx.get(f"http://127.0.0.1:{port}/voila/render/{page}", timeout=120)
            assert response.status_code == 200
        # The server, the two pages' kernels and the pool's new pre-heated kernel, which then
        # waits for its request: a stop at that moment printed a ZMQ traceback before the fix.
        started = wait_for_kernels(cli.pid, 4)
        assert listeners(port)  # the check below sees a listener when there is one
        time.sleep(PREHEAT_WAIT_S)
        cli.send_signal(stop_signal)
        assert cli.wait(60) == 0
    finally:
        if cli.poll() is None:
            cli.kill()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in started if alive(pid)]
    assert not listeners(port)
    # A connection the server closed first sits in TIME_WAIT on the server's port for a minute
    # (the pre-heated kernel's websocket to Voilà's query handler, closed by the stop; seen in
    # CI). That is no listener: SO_REUSEADDR binds past it, as Tornado's own listener does on a
    # restart, while Linux still refuses the bind if any socket listens there.
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    terminal = log.read_text(encoding="utf-8")
    assert "Dashboards er stoppet." in terminal
    assert "Traceback" not in terminal
    assert "without encryption" not in terminal and "WARNING" not in terminal

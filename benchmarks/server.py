"""What the login, role and log checks of ``ssp-eval serve`` cost per page view, in ms.

A page view under ``serve`` does, beyond what ``ssp-eval dashboard`` does:

1. on the server, per request: the signed session cookie checked, the session looked up,
   the user's record read (cached per version of the database file: a ``stat``), the role's
   page check and the identity header set — measured as the difference between the same
   trivial request (``GET /``, a redirect) to a real ``serve`` and a real ``dashboard``;
2. on the server, once per page view: one row in the access log (a SQLite INSERT);
3. in the page's kernel, once: who is asking (``identity.current_person``: a fresh kernel
   has no cache, so a read-only DuckDB connection and one query).

Run: ``.venv/bin/python benchmarks/server.py`` (prints the figures and the machine's load).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from evaluation.demo import generate as demo
from evaluation.server import dashboard, identity, launch, users
from evaluation.server.accesslog import AccessLog

PASSWORD = "en lang nok adgangskode til måling"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(function, repeat: int) -> list[float]:
    """Milliseconds per call, ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    return f"median {statistics.median(ordered):.2f} ms, p90 {ordered[int(len(ordered) * 0.9)]:.2f} ms"


def request_times(client: httpx.Client, repeat: int) -> list[float]:
    client.get("/")  # warm the connection
    return timed(lambda: client.get("/"), repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ssp-bench-server-"))
    try:
        db_path = folder / "demo.duckdb"
        demo.build_demo_database(db_path, seed=2025, cases=600)
        users.add_user(db_path, "maaler", role="team", password=PASSWORD, display_name="Måler")
        local_options = dashboard.options(db_path, free_port())
        serve_options = launch.ServerOptions(db_path=db_path, port=free_port(), mode="server")
        local, served = launch.start(local_options, quiet=True), launch.start(serve_options, quiet=True)
        try:
            launch.wait_until_listening(local, local_options)
            launch.wait_until_listening(served, serve_options)
            with httpx.Client(base_url=f"http://127.0.0.1:{local_options.port}", timeout=60) as plain:
                local_times = request_times(plain, args.requests)
            with httpx.Client(base_url=f"http://127.0.0.1:{serve_options.port}", timeout=60) as client:
                client.get("/login")
                answer = client.post("/login", data={"_xsrf": client.cookies["_xsrf"], "username": "maaler",
                                                     "password": PASSWORD})
                assert answer.status_code == 302, answer.status_code
                serve_times = request_times(client, args.requests)
        finally:
            launch.stop(local)
            launch.stop(served)
        log = AccessLog(folder / "log.sqlite")
        log_times = timed(lambda: log.record("page", username="maaler", page="udforsk.ipynb", network="Sindal",
                                             address="127.0.0.1"), args.requests)

        def cold_lookup() -> None:
            identity._cache.clear()
            identity.lookup(db_path, "maaler")

        lookup_cold = timed(cold_lookup, 50)
        lookup_warm = timed(lambda: identity.lookup(db_path, "maaler"), args.requests)
        difference = statistics.median(serve_times) - statistics.median(local_times)
        total = difference + statistics.median(log_times) + statistics.median(lookup_cold)
        print(f"GET / under dashboard (no login):        {summary(local_times)}")
        print(f"GET / under serve (cookie, session, role): {summary(serve_times)}")
        print(f"  -> the checks per request:              {difference:.2f} ms (difference of medians)")
        print(f"access log row per page view:             {summary(log_times)}")
        print(f"kernel: who is asking, first call:        {summary(lookup_cold)}")
        print(f"kernel: who is asking, cached:            {summary(lookup_warm)}")
        print(f"cost per page view of the checks:         {total:.1f} ms "
              f"(request checks + log row + the kernel's first lookup)")
        print(f"load average while measuring: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
              f"{os.getloadavg()[2]:.2f} (2 cores)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

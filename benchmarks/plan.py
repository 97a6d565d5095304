"""Benchmark: the plan's checks whose speed the tests used to assert (they no longer do).

Run: ``.venv/bin/python benchmarks/plan.py``. Prints, with the machine's load:

- ``actors.candidates`` over 20,000 cases naming 300 distinct spellings (was ``elapsed < 5``
  in tests/plan/test_actors.py): SQL does the rows, Python only the distinct names;
- a link-check run over a local server with one reply slower than the timeout (was
  ``elapsed < 5`` in tests/plan/test_links.py): bounded by timeout × attempts;
- the same run with nothing listening, as without internet (was ``< 5``).

The tests now assert the mechanisms (attempt counts, concurrency); these are the seconds.
"""

from __future__ import annotations

import os
import socket
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd

from evaluation.plan import actors, links
from evaluation.store import db

REPEATS = 3
SLOW_REPLY_S = 2.0
FAST = {"timeout": 0.5, "retries": 1, "backoff_s": 0.05}


def _cases_db(folder: Path) -> Path:
    """A seeded registry plus 20,000 cases naming 300 spellings (as in the former test)."""
    path = folder / "actors.duckdb"
    db.init(path)
    pool = [f"Forening nr {i} for {'abcdefghij'[i % 10]}{i * 7919 % 1000}" for i in range(300)]
    with db.writer(path) as con:
        con.execute("INSERT INTO imports (import_id, file_name, sha256, imported_by, rows_in_file, rows_new, "
                    "rows_replaced, rows_unchanged) VALUES (1, 'b.csv', repeat('0', 64), 'b', 0, 0, 0, 0)")
        frame = pd.DataFrame({"i": range(20_000)})
        frame["aktoer"] = [pool[i % 300] for i in range(20_000)]
        con.register("frame", frame)
        con.execute("""INSERT INTO case_versions BY NAME
            SELECT 1 AS import_id, i + 2 AS row_in_file, 'h' || i AS content_hash, 'C' || i AS sags_id,
                   'Net' || (i % 12) AS netvaerk, 'folkeskole' AS institutionstype,
                   make_date(2025, i % 12 + 1, 1) AS indberetningsmaaned, '12_14' AS aldersgruppe,
                   'kendt' AS kraenker, 'A' AS situation, ['billeddeling'] AS kraenkelsestyper,
                   ['paedagogisk'] AS vurdering, 'ja' AS foraeldre_inddraget, 'ja' AS dokumentation_sikret,
                   false AS politianmeldt, [aktoer, 'SletDet'] AS aktoerer FROM frame""")
    return path


class _Slow(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        if self.path == "/langsom":
            time.sleep(SLOW_REPLY_S)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args: object) -> None:
        pass


def _refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


def _median(fn) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    print(f"Belastning (uptime): {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        path = _cases_db(Path(folder))

        def candidates() -> None:
            with db.reader(path) as con:
                actors.candidates(con, year=2025)

        print(f"actors.candidates, 20.000 sager, 300 stavemåder: {_median(candidates):.2f} s (median af {REPEATS})")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        urls = [f"{base}/ok{i}" for i in range(10)] + [f"{base}/langsom", _refused_url()]
        seconds = _median(lambda: links.check_urls(urls, **FAST))
        print(f"Linkkontrol, 12 adresser, én langsommere end tidsgrænsen (0,5 s, 1 genforsøg): {seconds:.2f} s")
    finally:
        server.shutdown()
        server.server_close()
    offline = _median(lambda: links.check_urls([_refused_url(), _refused_url() + "sti"], **FAST))
    print(f"Linkkontrol uden forbindelse (2 adresser): {offline:.2f} s")


if __name__ == "__main__":
    main()

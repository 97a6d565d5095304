"""Shared test fixtures. Each section belongs to the modules named in its heading; append only."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from evaluation.store import db

# --- case_db: a small database of hand-made cases (queries, kpis, explore) ---------------

CASE_DEFAULTS: dict[str, Any] = {
    "import_id": 1, "replaced_by_import": None, "content_hash": None,
    "netvaerk": "Nord", "institutionstype": "folkeskole", "indberetningsmaaned": "2025-03",
    "afslutningsmaaned": None, "aldersgruppe": "12_14", "koen": None, "antal_kraenkede": 1,
    "kraenker": "kendt", "kraenker_samme_institution": None, "situation": "A",
    "kraenkelsestyper": ["billeddeling"], "platforme": None, "spredning": None,
    "vurdering": ["paedagogisk"], "foraeldre_inddraget": "ja", "foraeldre_inddraget_dage": None,
    "dokumentation_sikret": "ja", "materiale_slettet": None, "sletdet_kontaktet": None,
    "datatilsynet_klage": None, "samarbejde": None, "politianmeldt": False, "anmeldt_af": None,
    "underretning_sendt": None, "forsikring_anbefalet": None, "ssp_konsulent_inddraget": None,
    "hjaelp": None, "hjaelp_kraenker": None, "konfliktmaegling": None, "orienteret": None,
    "presseinteresse": None, "aktoerer": None, "erfaringer": None,
}


def _month(value: str | None) -> date | None:
    return None if value is None else date(int(value[:4]), int(value[5:7]), 1)


@pytest.fixture
def case_db(tmp_path: Path) -> Callable[..., Path]:
    """Build a database from case rows given as overrides of a plain default case.

    Months are 'YYYY-MM'; sags_id defaults to S1, S2, ...; content_hash to one derived from
    the row. Loaded as one frame through db.writer, like the real ingest.
    """

    def build(rows: list[dict[str, Any]], name: str = "cases.duckdb") -> Path:
        records = []
        for i, overrides in enumerate(rows):
            row = {**CASE_DEFAULTS, "sags_id": f"S{i + 1}", "row_in_file": i + 2, **overrides}
            row["content_hash"] = row["content_hash"] or hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()
            row["indberetningsmaaned"] = _month(row["indberetningsmaaned"])
            row["afslutningsmaaned"] = _month(row["afslutningsmaaned"])
            records.append(row)
        frame = pd.DataFrame(records)
        path = tmp_path / name
        with db.writer(path) as con:
            for import_id in sorted(set(frame["import_id"]) | set(frame["replaced_by_import"].dropna())):
                con.execute(
                    "INSERT INTO imports (import_id, file_name, sha256, imported_by, rows_in_file, "
                    "rows_new, rows_replaced, rows_unchanged) VALUES (?, ?, ?, 'test', 0, 0, 0, 0)",
                    [int(import_id), f"eksport{int(import_id)}.csv", f"{int(import_id):064d}"])
            con.register("new_cases", frame)
            con.execute("INSERT INTO case_versions BY NAME SELECT * FROM new_cases")
            con.unregister("new_cases")
        return path

    return build


# Ten current cases (and one replaced version) whose KPIs are worked out by hand in
# tests/test_kpis.py, tests/test_queries.py and tests/test_explore.py. Network Nord and Syd
# report in 2024-2025, Vest only in 2023.
HANDMADE_CASES: list[dict[str, Any]] = [
    # 2025
    {"sags_id": "N1", "import_id": 2, "netvaerk": "Nord", "indberetningsmaaned": "2025-01",
     "situation": "A", "aldersgruppe": "12_14", "foraeldre_inddraget": "ja",
     "foraeldre_inddraget_dage": 0, "dokumentation_sikret": "ja", "kraenker": "kendt",
     "materiale_slettet": "ja", "vurdering": ["paedagogisk"], "koen": "pige",
     "platforme": ["snapchat"], "erfaringer": "Forældrene blev inddraget samme dag."},
    {"sags_id": "N2", "netvaerk": "Nord", "indberetningsmaaned": "2025-02", "situation": "B",
     "aldersgruppe": "15_17", "foraeldre_inddraget": "ja", "foraeldre_inddraget_dage": 3,
     "dokumentation_sikret": "delvist", "kraenker": "kendt", "materiale_slettet": "nej",
     "politianmeldt": True, "vurdering": ["politisag"], "platforme": ["snapchat", "tiktok"],
     "kraenkelsestyper": ["billeddeling", "afpresning"]},
    {"sags_id": "N3", "netvaerk": "Nord", "indberetningsmaaned": "2025-04", "situation": "B",
     "aldersgruppe": "under_12", "foraeldre_inddraget": "nej", "dokumentation_sikret": "ja",
     "kraenker": "ukendt", "materiale_slettet": "ja", "sletdet_kontaktet": True,
     "vurdering": ["underretning"]},
    {"sags_id": "S4", "netvaerk": "Syd", "indberetningsmaaned": "2025-05", "situation": "A",
     "aldersgruppe": "18_plus", "foraeldre_inddraget": "ikke_relevant",
     "dokumentation_sikret": "nej", "kraenker": "ukendt", "materiale_slettet": "ukendt",
     "sletdet_kontaktet": False, "underretning_sendt": True, "ssp_konsulent_inddraget": True,
     "erfaringer": "SletDet svarede hurtigt; 100% tilfredse."},
    {"sags_id": "S5", "netvaerk": "Syd", "indberetningsmaaned": "2025-07", "situation": "A",
     "aldersgruppe": "12_14", "foraeldre_inddraget": "ja", "foraeldre_inddraget_dage": 1,
     "dokumentation_sikret": "ja", "kraenker": "begge", "materiale_slettet": "ikke_relevant",
     "vurdering": ["underretning"], "underretning_sendt": False, "hjaelp": ["psykolog"]},
    {"sags_id": "S6", "netvaerk": "Syd", "indberetningsmaaned": "2025-11", "situation": "B",
     "aldersgruppe": "15_17", "foraeldre_inddraget": "ja", "dokumentation_sikret": "ja",
     "kraenker": "kendt", "materiale_slettet": "ja", "politianmeldt": True,
     "anmeldt_af": "foraeldre", "vurdering": ["politisag", "underretning"], "hjaelp": ["ingen"],
     "institutionstype": "efterskole"},
    # 2024
    {"sags_id": "N7", "netvaerk": "Nord", "indberetningsmaaned": "2024-01", "situation": "A",
     "foraeldre_inddraget": "ja", "foraeldre_inddraget_dage": 0, "dokumentation_sikret": "ja",
     "kraenker": "kendt", "materiale_slettet": "nej"},
    {"sags_id": "N8", "netvaerk": "Nord", "indberetningsmaaned": "2024-06", "situation": "A",
     "foraeldre_inddraget": "ja", "foraeldre_inddraget_dage": 5, "dokumentation_sikret": "nej",
     "kraenker": "kendt", "materiale_slettet": "ja"},
    {"sags_id": "S9", "netvaerk": "Syd", "indberetningsmaaned": "2024-12", "situation": "B",
     "aldersgruppe": "15_17", "foraeldre_inddraget": "nej", "dokumentation_sikret": "ja",
     "kraenker": "ukendt", "politianmeldt": True, "erfaringer": "sletdet hjalp os godt."},
    # 2023
    {"sags_id": "V10", "netvaerk": "Vest", "indberetningsmaaned": "2023-10", "situation": "A"},
    # An old version of N1, replaced by import 2: never counted.
    {"sags_id": "N1", "import_id": 1, "replaced_by_import": 2, "netvaerk": "Nord",
     "indberetningsmaaned": "2025-01", "situation": "B", "politianmeldt": True},
]


@pytest.fixture
def handmade_db(case_db: Callable[..., Path]) -> Path:
    """The database of HANDMADE_CASES."""
    return case_db(HANDMADE_CASES, name="handmade.duckdb")


# --- free_port: a TCP port on 127.0.0.1 nobody listens on (servers started by tests) --


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    """``free_port()``: a new free port on 127.0.0.1 each call."""
    return _free_port


# --- demo_db: the demo database, built once per session through the real ingest (report) --


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database (seed 2025, 600 cases), built once per test session.

    Shared by every test that asks for it: copy the file before writing to it.
    """
    from evaluation.demo import generate as demo

    path = tmp_path_factory.mktemp("demo_db") / "demo.duckdb"
    demo.build_demo_database(path, seed=2025, cases=600)
    return path


# --- same_as_direct: a question through the cubes equals its direct SQL (cube, queries, kpis, explore)


@pytest.fixture
def same_as_direct() -> Callable[..., Any]:
    """``check(con, fn, *args, **kwargs)``: fn's answer from the cubes, asserted identical
    (values and dtypes) to the same call under ``cube.bypass()``; returns the answer."""
    from evaluation.analysis import cube

    def check(con: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        cached = fn(con, *args, **kwargs)
        with cube.bypass():
            direct = fn(con, *args, **kwargs)
        if isinstance(direct, pd.DataFrame):
            pd.testing.assert_frame_equal(cached, direct, check_exact=True)
        else:
            assert cached == direct
        return cached

    return check


# --- local_site: a small real web site on 127.0.0.1 for the link checker (views, workbench) --


@pytest.fixture
def local_site():
    """``(base_url, hits)``: a real HTTP server on 127.0.0.1 in a thread, stopped after the test.

    /ok and /ny answer 200, /flyttet moves permanently to /ny, anything else is 404.
    """
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self._answer()

        def do_GET(self) -> None:
            self._answer()

        def _answer(self) -> None:
            hits.append(self.path)
            status, location = {"/ok": (200, None), "/ny": (200, None), "/flyttet": (301, "/ny")}.get(
                self.path, (404, None))
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


# --- the networks registry (plan/networks.py) for tests that model a municipality ------------
# db.init seeds the demo plan's eight networks; tests whose cases come from Nord, Syd and Øst
# make the registry hold exactly those, as a municipality's own plan would.

@pytest.fixture(scope="session")
def set_registry_networks() -> Callable[[Path, list[str]], None]:
    """``set(path, names)``: the registry's networks become ``names`` (no history: a test's start)."""
    from evaluation.plan import networks

    def replace(path: Path, names: list[str]) -> None:
        with db.writer(path) as con:
            con.execute("DELETE FROM network_names")
            con.execute("DELETE FROM networks")
            for name in names:
                networks.add_network(con, name, allow_similar=True, by="test")

    return replace


# --- browser tests (tests/views, tests/server): Debian's Chromium, one per test module ----------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright (never a downloaded browser); see tests/browsing.py."""
    from playwright.sync_api import sync_playwright

    from browsing import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# --- store.db: warm readers are a dashboard kernel's choice, never carried between tests ----

@pytest.fixture(autouse=True)
def _readers_not_kept_warm() -> Iterator[None]:
    """A test that builds a page through ``show_page`` turns warm readers on for its process;
    the next test starts without (it may open a file read-write, which a kept read-only
    instance would refuse)."""
    yield
    db.stop_keeping_warm()

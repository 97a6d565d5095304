"""The link checker against real HTTP servers on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from evaluation.store import db
from evaluation.plan import links, registry
from evaluation.cli import cli
from evaluation.errors import EvaluationError
from evaluation.settings import settings

FAST = {"timeout": 0.5, "retries": 1, "backoff_s": 0.05}
SLOW_REPLY_S = 2.0


class Handler(BaseHTTPRequestHandler):
    """Answers by path; the server counts hits and concurrent requests."""

    REDIRECTS = {"/gammel": (301, "/ny"), "/midlertidig": (302, "/ok"), "/loop-a": (301, "/loop-b"),
                 "/loop-b": (302, "/loop-a"), "/samme": (301, "/samme/"), "/permanent-midlertidig": (301, "/flyt"),
                 "/flyt": (302, "/ny")}
    STATUS = {"/ok": 200, "/ny": 200, "/samme/": 200, "/mangler": 404, "/fejl": 500}

    def do_HEAD(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        server: LocalServer = self.server  # type: ignore[assignment]
        server.enter(self.command, self.path)
        try:
            self._respond()
        finally:
            server.leave(self.path)

    def _respond(self) -> None:
        path = self.path
        if path in self.REDIRECTS:
            status, location = self.REDIRECTS[path]
            return self._send(status, location)
        if path in self.STATUS:
            return self._send(self.STATUS[path])
        if path == "/langsom":
            time.sleep(SLOW_REPLY_S)
            return self._send(200)
        if path == "/kun-get":
            return self._send(405 if self.command == "HEAD" else 200)
        if path.startswith("/kaede/"):
            return self._send(302, f"/kaede/{int(path.rsplit('/', 1)[1]) + 1}")
        if path.startswith("/travl/"):
            time.sleep(0.2)
            return self._send(200)
        return self._send(404)

    def _send(self, status: int, location: str | None = None) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: Counter[tuple[str, str]] = Counter()
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def enter(self, method: str, path: str) -> None:
        with self._lock:
            self.hits[(method, path)] += 1
            if path.startswith("/travl/"):  # concurrency is measured on these paths only
                self.active += 1
                self.max_active = max(self.max_active, self.active)

    def leave(self, path: str) -> None:
        if path.startswith("/travl/"):
            with self._lock:
                self.active -= 1

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    httpd = LocalServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def refused_url() -> str:
    """A port nobody listens on: bound, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


PATHS = ["/ok", "/gammel", "/midlertidig", "/mangler", "/fejl", "/langsom", "/loop-a", "/kun-get", "/kaede/0",
         "/samme", "/permanent-midlertidig"]


@pytest.fixture(scope="module")
def checked(server: LocalServer) -> dict[str, links.LinkResult]:
    """One concurrent run over every kind of answer, timed; results by path ('refused' too)."""
    urls = [server.url(p) for p in PATHS] + [refused_url()]
    results = links.check_urls(urls, **FAST)
    return {p: r for p, r in zip([*PATHS, "refused"], results)}


def test_the_whole_run_is_bounded_by_the_timeouts(checked: dict, server: LocalServer) -> None:
    """The slow reply sleeps 2 s per attempt: it is cut off by the timeout and tried exactly
    once more, so the run cannot take longer than the timeouts allow (the seconds themselves
    are measured by benchmarks/plan.py, never asserted on a busy machine)."""
    slow = checked["/langsom"]
    assert slow.status == "unreachable" and slow.error_kind == "timeout"
    assert slow.attempts == 1 + FAST["retries"]
    assert server.hits[("HEAD", "/langsom")] + server.hits[("GET", "/langsom")] == 1 + FAST["retries"]


@pytest.mark.parametrize("path, status", [
    ("/ok", "ok"), ("/gammel", "moved"), ("/midlertidig", "ok"), ("/mangler", "broken"), ("/fejl", "broken"),
    ("/langsom", "unreachable"), ("/loop-a", "broken"), ("/kun-get", "ok"), ("/kaede/0", "broken"),
    ("/samme", "ok"), ("/permanent-midlertidig", "moved"), ("refused", "unreachable")])
def test_each_answer_ends_in_the_right_class(checked: dict, path: str, status: str) -> None:
    result = checked[path]
    assert result.status == status, result
    assert result.label == links.STATUS_LABELS[status]


def test_a_permanent_redirect_proposes_the_new_address(checked: dict, server: LocalServer) -> None:
    result = checked["/gammel"]
    assert result.chain == ((server.url("/gammel"), 301), (server.url("/ny"), 200))
    assert result.proposed_url == server.url("/ny").removeprefix("http://")
    assert result.final_url == server.url("/ny")
    assert "foreslået ny adresse: 127.0.0.1" in result.describe()


def test_the_proposal_is_the_target_of_the_permanent_redirect_not_a_later_temporary_one(checked: dict) -> None:
    result = checked["/permanent-midlertidig"]
    assert [s for _, s in result.chain] == [301, 302, 200]
    assert result.proposed_url.endswith("/flyt") and result.final_url.endswith("/ny")


def test_a_temporary_redirect_is_ok_with_its_chain_noted(checked: dict, server: LocalServer) -> None:
    result = checked["/midlertidig"]
    assert result.chain == ((server.url("/midlertidig"), 302), (server.url("/ok"), 200))
    assert result.proposed_url is None
    assert "midlertidig omdirigering (302)" in result.note


def test_a_permanent_redirect_to_the_same_printed_address_is_not_a_move(checked: dict) -> None:
    result = checked["/samme"]
    assert result.proposed_url is None and "samme adresse" in result.note


def test_client_and_server_errors_are_broken_and_only_server_errors_are_retried(
        checked: dict, server: LocalServer) -> None:
    assert (checked["/mangler"].http_status, checked["/mangler"].attempts) == (404, 1)
    assert checked["/mangler"].error == "serveren svarede HTTP 404"
    assert (checked["/fejl"].http_status, checked["/fejl"].attempts) == (500, 2)
    assert server.hits[("HEAD", "/fejl")] == 2
    assert server.hits[("HEAD", "/mangler")] == 1


def test_a_slow_reply_times_out_after_retries(checked: dict) -> None:
    result = checked["/langsom"]
    assert (result.error_kind, result.attempts) == ("timeout", 2)
    assert result.error == "tidsgrænsen på 0,5 s blev overskredet"


def test_redirect_loops_and_endless_chains_are_broken(checked: dict) -> None:
    loop = checked["/loop-a"]
    assert loop.error_kind == "loop" and [s for _, s in loop.chain] == [301, 302]
    endless = checked["/kaede/0"]
    assert endless.error_kind == "too_many" and len(endless.chain) == links.MAX_REDIRECTS + 1


def test_a_refused_port_is_unreachable(checked: dict) -> None:
    result = checked["refused"]
    assert result.error_kind == "connect" and result.chain == ()
    assert result.attempts == 2  # connection errors are retried


def test_head_refused_falls_back_to_get(checked: dict, server: LocalServer) -> None:
    assert checked["/kun-get"].chain == ((server.url("/kun-get"), 200),)
    assert server.hits[("HEAD", "/kun-get")] == 1 and server.hits[("GET", "/kun-get")] == 1


def test_the_per_host_limit_holds(server: LocalServer) -> None:
    server.max_active = 0
    urls = [server.url(f"/travl/{i}") for i in range(6)]
    results = links.check_urls(urls, concurrency=8, per_host=2, **FAST)
    assert {r.status for r in results} == {"ok"}
    # Each reply takes 0.2 s, so six requests overlap unless limited: the server saw two at once
    # (the limit reached, so the race happened) and never more.
    assert server.max_active == 2


def test_an_address_without_scheme_falls_back_to_http_when_https_cannot_connect(server: LocalServer) -> None:
    progress: list[tuple[int, int]] = []
    printed = server.url("/ok").removeprefix("http://")
    [result] = links.check_urls([printed, printed], progress=lambda d, t: progress.append((d, t)), **FAST)
    assert result.status == "ok" and result.checked_url == server.url("/ok")
    assert "http" in result.note
    assert progress == [(0, 1), (1, 1)]


def test_error_kinds_follow_the_underlying_os_error() -> None:
    def wrapped(cause: BaseException) -> httpx.ConnectError:
        try:
            raise httpx.ConnectError("x") from cause
        except httpx.ConnectError as exc:
            return exc

    assert links.error_kind(wrapped(socket.gaierror(-2, "Name or service not known"))) == "dns"
    assert links.error_kind(wrapped(ssl.SSLCertVerificationError("bad cert"))) == "tls"
    assert links.error_kind(wrapped(ConnectionRefusedError(111, "refused"))) == "connect"
    assert links.error_kind(httpx.ReadTimeout("slow")) == "timeout"
    assert links.error_kind(httpx.RemoteProtocolError("bye")) == "protocol"


def test_nonsense_options_are_a_danish_error() -> None:
    with pytest.raises(EvaluationError, match="tidsgrænse"):
        links.check_urls(["http://127.0.0.1:1/"], timeout=0)


def test_works_inside_a_running_event_loop(server: LocalServer) -> None:
    import asyncio

    async def in_kernel() -> list[links.LinkResult]:
        return links.check_urls([server.url("/ok")], **FAST)

    assert asyncio.run(in_kernel())[0].status == "ok"


# --- the database side ------------------------------------------------------------------------

@pytest.fixture
def plan_db(tmp_path: Path, server: LocalServer) -> Path:
    """A seeded database whose three plan addresses point at the local server."""
    path = tmp_path / "plan.duckdb"
    db.init(path)
    with db.writer(path) as con:
        for address_id, target in (("datatilsynet_klage", "/ok"), ("politi_anmeld", "/mangler"),
                                   ("red_barnet_sletdet", "/gammel")):
            registry.update_address_url(con, address_id, server.url(target), reason="test")
    return path


def test_addresses_in_learnings_are_found_and_deduplicated(case_db: Callable[..., Path]) -> None:
    path = case_db([
        {"erfaringer": "Vi brugte redbarnet.dk/sletdet og SletDet.dk/hjaelp, f.eks. kl. 10.30."},
        {"erfaringer": "Se https://www.sletdet.dk/hjaelp/. Klage via datatilsynet.dk."},
        {"erfaringer": "Ingen adresser her, 3.5 timer."}])
    with db.writer(path) as con:
        registry.seed_if_empty(con)
    with db.reader(path) as con:
        targets = links.addresses_to_check(con)
    registered = [(a, u) for a, u in targets if a]
    found = [u for a, u in targets if a is None]
    assert len(registered) == 3
    assert len(found) == 1 and links.address_key(found[0]) == "sletdet.dk/hjaelp"


def test_run_stores_every_check_in_one_run_with_its_chain(plan_db: Path, server: LocalServer) -> None:
    summary = links.run(plan_db, timeout=0.5, retries=0)
    assert summary.counts == {"ok": 1, "moved": 1, "broken": 1, "unreachable": 0}
    assert not summary.offline and summary.run_id == 1
    with db.reader(plan_db) as con:
        rows = con.execute("SELECT address_id, run_id, status, chain, proposed_url FROM link_checks "
                           "ORDER BY address_id").fetchall()
        moves = links.propose_moves(con)
        status = links.latest_status(con)
    assert [r[:3] for r in rows] == [("datatilsynet_klage", 1, "ok"), ("politi_anmeld", 1, "broken"),
                                     ("red_barnet_sletdet", 1, "moved")]
    assert rows[2][3] == [f"301 {server.url('/gammel')}", f"200 {server.url('/ny')}"]
    assert moves.to_dict("records")[0]["proposed_url"] == server.url("/ny").removeprefix("http://")
    assert list(status["label"]) == ["ok", "brudt", "flyttet"]
    assert links.run(plan_db, timeout=0.5, retries=0).run_id == 2


def test_accepting_a_move_leaves_the_new_address_unchecked_until_the_next_run(plan_db: Path) -> None:
    links.run(plan_db, timeout=0.5, retries=0)
    with db.writer(plan_db) as con:
        [move] = links.propose_moves(con).to_dict("records")
        registry.update_address_url(con, move["address_id"], move["proposed_url"], reason="flyttet")
        assert links.propose_moves(con).empty
        assert links.latest_status(con).set_index("address_id").loc[move["address_id"], "label"] == "ikke kontrolleret"
    links.run(plan_db, timeout=0.5, retries=0)
    with db.reader(plan_db) as con:
        assert links.latest_status(con).set_index("address_id").loc[move["address_id"], "status"] == "ok"
        assert len(links.history(con, move["address_id"])) == 2


def test_without_internet_the_run_says_so_fast_and_flags_nothing(plan_db: Path) -> None:
    summary = links.run(plan_db, urls=[refused_url(), refused_url() + "sti"],
                        timeout=0.5, retries=1)
    # "fast": each address is tried a bounded number of times (the seconds: benchmarks/plan.py)
    assert [r.attempts for r in summary.results] == [2, 2]
    assert summary.offline and summary.message().startswith("Ingen forbindelse til internettet – ")
    assert summary.lines()[-1] == summary.message()
    with db.reader(plan_db) as con:
        kinds = con.execute("SELECT DISTINCT error_kind FROM link_checks").fetchall()
        status = links.latest_status(con)
    assert kinds == [("offline",)]
    assert not status["flagged"].any() and set(status["label"]) == {"ikke kontrolleret"}


def _insert_checks(path: Path, rows: list[tuple[str, str, int, str | None]]) -> None:
    """Back-dated checks: (address_id, status, days ago, error_kind)."""
    now = datetime.now()
    with db.writer(path) as con:
        urls = dict(con.execute("SELECT address_id, url FROM addresses").fetchall())
        for address_id, status, days_ago, kind in rows:
            con.execute("INSERT INTO link_checks (checked_at, url, address_id, status, error_kind, run_id) "
                        "VALUES (?, ?, ?, ?, ?, 0)",
                        [now - timedelta(days=days_ago), "https://" + urls[address_id], address_id, status, kind])


def test_failing_days_count_the_current_run_of_failures(tmp_path: Path) -> None:
    path = tmp_path / "dage.duckdb"
    db.init(path)
    threshold = settings.link_failing_days
    _insert_checks(path, [
        # failing since threshold+6 days ago (after an ok before that), an offline run in between
        ("datatilsynet_klage", "ok", threshold + 20, None),
        ("datatilsynet_klage", "broken", threshold + 6, "http"),
        ("datatilsynet_klage", "unreachable", 3, "offline"),
        ("datatilsynet_klage", "unreachable", 1, "timeout"),
        # failed long ago, healthy now
        ("politi_anmeld", "broken", 40, "http"),
        ("politi_anmeld", "moved", 0, None),
        # failing, but not for long enough
        ("red_barnet_sletdet", "broken", threshold - 1, "http"),
        ("red_barnet_sletdet", "broken", 0, "http"),
    ])
    with db.reader(path) as con:
        status = links.latest_status(con).set_index("address_id")
    assert status.loc["datatilsynet_klage", "failing_days"] == threshold + 5
    assert status.loc["datatilsynet_klage", "label"] == "kan ikke nås"
    assert status.loc["politi_anmeld", "failing_days"] == 0
    assert status.loc["red_barnet_sletdet", "failing_days"] == threshold - 1
    assert status["flagged"].to_dict() == {"datatilsynet_klage": True, "politi_anmeld": False,
                                           "red_barnet_sletdet": False}


def test_cli_links_checks_the_registry_in_danish(plan_db: Path, server: LocalServer) -> None:
    result = CliRunner().invoke(cli, ["links", "--db", str(plan_db), "--timeout", "0.5"], prog_name="ssp-eval")
    assert result.exit_code == 0, result.output
    assert f"flyttet: {server.url('/gammel').removeprefix('http://')} → foreslået ny adresse:" in result.stdout
    assert "brudt: " in result.stdout and "serveren svarede HTTP 404" in result.stdout
    assert "Kontrollerede 3 adresser" in result.stdout
    with db.reader(plan_db) as con:
        assert con.execute("SELECT count(*) FROM link_checks").fetchall() == [(3,)]


def test_cli_links_on_a_missing_database_fails_in_danish(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["links", "--db", str(tmp_path / "ingen.duckdb")], prog_name="ssp-eval")
    assert result.exit_code == 1
    assert "Fejl: Databasen" in result.output and "findes ikke" in result.output


def test_a_run_reports_addresses_failing_for_too_long(plan_db: Path) -> None:
    days = settings.link_failing_days + 2
    _insert_checks(plan_db, [("politi_anmeld", "broken", days, "http")])
    summary = links.run(plan_db, timeout=0.5, retries=0)
    assert [(a, d) for a, _, d in summary.flagged] == [("politi_anmeld", days)]
    assert f"Fejlet i {days} dage i træk: " in "\n".join(summary.lines())

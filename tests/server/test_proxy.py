"""``ssp-eval serve`` behind a real TLS reverse proxy: Debian's Caddy (``make proxy`` installs it).

The set-up of the README, on this machine: the server on 127.0.0.1 with ``--proxy 127.0.0.1``
and ``--trusted-user-header X-Remote-User``; Caddy in front with TLS from its own CA, one
site that removes any ``X-Remote-User`` a client sends, and one site standing in for the
municipality's single sign-on (basic authentication, then Caddy names the user). Clients
come from other loopback addresses (127.0.0.2 …), so the server can tell them from the proxy.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright
from serverkit import CHROMIUM, CHROMIUM_ARGS, PAGE_TIMEOUT_MS, PASSWORDS, RunningServer, start_served

from evaluation.server import launch
from evaluation.server.accesslog import AccessLog
from evaluation.settings import access_log_path

CADDY = "/usr/bin/caddy"
SSO_PASSWORD = "kommunens single sign-on"
CADDYFILE = """
{{
    admin off
    auto_https disable_redirects
    skip_install_trust
    storage file_system {data}
}}
https://127.0.0.1:{site} {{
    tls internal
    reverse_proxy 127.0.0.1:{backend} {{
        header_up -X-Remote-User
    }}
}}
https://127.0.0.1:{sso} {{
    tls internal
    basicauth {{
        mette {hash}
    }}
    reverse_proxy 127.0.0.1:{backend} {{
        header_up X-Remote-User {{http.auth.user.id}}
    }}
}}
"""


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"Caddy svarede ikke på {port}"
            time.sleep(0.2)


class Proxy:
    def __init__(self, site: int, sso: int, ca: Path) -> None:
        self.site, self.sso, self.ca = site, sso, ca

    def client(self, source: str, *, sso: bool = False, **kwargs) -> httpx.Client:
        """A client on its own loopback address, trusting only Caddy's CA."""
        port = self.sso if sso else self.site
        transport = httpx.HTTPTransport(local_address=source, verify=ssl.create_default_context(cafile=str(self.ca)))
        return httpx.Client(base_url=f"https://127.0.0.1:{port}", transport=transport, timeout=120, **kwargs)


@pytest.fixture(scope="module")
def behind_proxy(serve_db: Path, free_port: Callable[[], int],
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, Proxy]]:
    assert Path(CADDY).is_file(), "Caddy mangler: kør 'make proxy' (apt-get install caddy)"
    options, server = start_served(serve_db, free_port(), proxy="127.0.0.1", trusted_user_header="X-Remote-User")
    folder = tmp_path_factory.mktemp("caddy")
    hashed = subprocess.run([CADDY, "hash-password", "--plaintext", SSO_PASSWORD], capture_output=True, text=True,
                            check=True, timeout=60).stdout.strip()
    site, sso = free_port(), free_port()
    (folder / "Caddyfile").write_text(CADDYFILE.format(data=folder / "data", site=site, sso=sso,
                                                       backend=options.port, hash=hashed), encoding="utf-8")
    log = folder / "caddy.log"
    with log.open("wb") as out:
        caddy = subprocess.Popen([CADDY, "run", "--config", str(folder / "Caddyfile"), "--adapter", "caddyfile"],
                                 stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                 env={"HOME": str(folder), "PATH": "/usr/bin:/bin"})
    try:
        wait_for_port(site, caddy, log)
        wait_for_port(sso, caddy, log)
        yield RunningServer(options.port, serve_db, server), Proxy(site, sso, folder / "data" / "pki" /
                                                                   "authorities" / "local" / "root.crt")
    finally:
        caddy.terminate()
        try:
            caddy.wait(15)
        except subprocess.TimeoutExpired:
            caddy.kill()
        launch.stop(server)


def login_through(proxy: Proxy, source: str, name: str, password: str) -> tuple[httpx.Client, httpx.Response]:
    client = proxy.client(source)
    client.get("/login")
    return client, client.post("/login", data={"_xsrf": client.cookies["_xsrf"], "username": name,
                                               "password": password})


def test_over_tls_the_cookies_are_secure_and_the_clients_address_is_logged(behind_proxy) -> None:
    server, proxy = behind_proxy
    client, answer = login_through(proxy, "127.0.0.3", "mette", PASSWORDS["mette"])
    assert answer.status_code == 302
    cookies = [v for k, v in answer.headers.multi_items() if k == "set-cookie"]
    session = next(c for c in cookies if c.startswith("ssp-session="))
    assert "Secure" in session and "HttpOnly" in session
    with proxy.client("127.0.0.3") as fresh:
        xsrf = [c for c in fresh.get("/login").headers.get_list("set-cookie") if c.startswith("_xsrf=")]
    assert xsrf and all("Secure" in c and "SameSite=Strict" in c for c in xsrf)
    assert client.get("/ssp/log").status_code == 200
    logins = AccessLog(access_log_path(server.db_path)).events(username="mette", event="login")
    assert logins[0].address == "127.0.0.3"  # the forwarded client address, not the proxy's


def test_a_user_header_sent_by_a_client_is_removed_by_the_proxy(behind_proxy) -> None:
    _, proxy = behind_proxy
    with proxy.client("127.0.0.4") as client:
        response = client.get("/ssp/log", headers={"X-Remote-User": "mette"})
    assert response.status_code == 302 and response.headers["location"].startswith("/login")


def test_single_sign_on_names_the_user_through_the_proxy(behind_proxy) -> None:
    server, proxy = behind_proxy
    with proxy.client("127.0.0.5", sso=True, auth=("mette", SSO_PASSWORD)) as client:
        assert client.get("/ssp/brugere").status_code == 200
    with proxy.client("127.0.0.5", sso=True, auth=("mette", "forkert")) as client:
        assert client.get("/ssp/brugere").status_code == 401  # Caddy refuses; the server never sees it
    logins = AccessLog(access_log_path(server.db_path)).events(username="mette", event="login")
    assert any(e.detail == "single sign-on" for e in logins)


def test_the_user_header_and_forwarding_headers_from_anywhere_else_are_refused(behind_proxy) -> None:
    server, _ = behind_proxy
    direct = httpx.Client(base_url=server.url(""), transport=httpx.HTTPTransport(local_address="127.0.0.2"),
                          timeout=60)
    assert direct.get("/ssp/brugere", headers={"X-Remote-User": "mette"}).status_code == 403
    assert direct.get("/login", headers={"X-Forwarded-For": "10.0.0.9"}).status_code == 403
    assert direct.get("/login", headers={"X-Forwarded-Proto": "https"}).status_code == 403
    refused = AccessLog(access_log_path(server.db_path)).events(event="refused")
    assert any("127.0.0.2" in (e.detail or "") for e in refused)


def test_lock_out_by_address_only_where_the_forwarded_address_is_known(behind_proxy) -> None:
    _, proxy = behind_proxy
    for attempt in range(20):
        _, answer = login_through(proxy, "127.0.0.6", f"gaet{attempt}", "forkert adgangskode her")
        assert answer.status_code == 401
    _, locked = login_through(proxy, "127.0.0.6", "lone", PASSWORDS["lone"])
    assert locked.status_code == 429
    _, elsewhere = login_through(proxy, "127.0.0.7", "lone", PASSWORDS["lone"])
    assert elsewhere.status_code == 302


@pytest.mark.browser
def test_a_page_works_in_a_browser_through_the_proxy(behind_proxy) -> None:
    _, proxy = behind_proxy
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(ignore_https_errors=True)
            page = context.new_page()
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            page.goto(f"https://127.0.0.1:{proxy.site}/voila/render/udforsk.ipynb")
            page.fill("#username", "mette")
            page.fill("#password", PASSWORDS["mette"])
            page.click("button[type=submit]")
            page.wait_for_url("**/voila/render/udforsk.ipynb", timeout=PAGE_TIMEOUT_MS)
            page.wait_for_selector(".ssp-page .js-plotly-plot", timeout=PAGE_TIMEOUT_MS)  # widgets over wss://
        finally:
            browser.close()

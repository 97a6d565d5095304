"""The security suite of ``ssp-eval serve`` (issue 11): each attack refused, nothing changed.

- every route of the app's route table requested without a cookie: login-checked, or on the
  explicit allow-list below (static assets, the login form, the kernels' secret channel) — a
  new route that is on neither list fails the test;
- the identity header forged by a logged-in browser; query-string and widget-message
  tampering as a network's contact; code sent to a kernel;
- a forged XSRF token; a cookie reused after ``users disable``; path traversal in download
  names; SQL meta-characters in every text field a person can fill in.

(Another person's kernel by id, the login's open redirect and the lock-out are in
``test_login``; a forged user header from a non-proxy address and the real TLS proxy in
``test_proxy``.)
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
import websockets
from serverkit import RunningServer, kernel_process_alive, login, small_export

from evaluation.analysis import queries
from evaluation.settings import DASHBOARDS_DIR
from evaluation.store import db

KERNEL = r"(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)"
NO_ID = "00000000-0000-4000-8000-000000000000"
LOGIN, PUBLIC, SECRET, STATUS = "login", "public", "secret", "status"
# Every route: (what protects it, a path to request, the method). PUBLIC routes serve the
# login form or package assets (JavaScript, CSS, themes) that hold no data.
ROUTES: dict[str, tuple[str, str, str]] = {
    "/": (LOGIN, "/", "GET"),
    "/ssp/brugere": (LOGIN, "/ssp/brugere", "GET"),
    "/ssp/log": (LOGIN, "/ssp/log", "GET"),
    "/ssp/udgivet": (LOGIN, "/ssp/udgivet", "GET"),
    "/ssp/session": (STATUS, "/ssp/session", "GET"),  # only "is my session live?" (pagehtml)
    "/ssp/upload": (LOGIN, "/ssp/upload?network=Sindal", "POST"),
    "/ssp/download/([a-z]+)/([^/]+)": (LOGIN, "/ssp/download/plan/handleplan.yaml", "GET"),
    "/ssp/static/plotly.min.js": (LOGIN, "/ssp/static/plotly.min.js", "GET"),
    r"/ssp/kernel-query/(?P<secret>[\w-]+)/" + KERNEL: (SECRET, f"/ssp/kernel-query/gaet/{NO_ID}", "GET"),
    "/api/kernels/" + KERNEL: (LOGIN, f"/api/kernels/{NO_ID}", "GET"),
    "/api/kernels/" + KERNEL + "/channels": (LOGIN, f"/api/kernels/{NO_ID}/channels", "GET"),
    "/voila/templates/(.*)": (PUBLIC, "/voila/templates/lab/static/index.css", "GET"),
    "/voila/static/(.*)": (PUBLIC, "/voila/static/voila.js", "GET"),
    "/voila/api/themes/(.*)": (PUBLIC, "/voila/api/themes/@jupyterlab/theme-light-extension/index.css", "GET"),
    "/voila/api/shutdown/(.*)": (LOGIN, f"/voila/api/shutdown/{NO_ID}", "POST"),
    "/login": (PUBLIC, "/login", "GET"),
    "/logout": (PUBLIC, "/logout", "GET"),
    "/voila/labextensions/(.*)": (PUBLIC, "/voila/labextensions/@voila-dashboards/widgets-manager8/package.json",
                                  "GET"),
    "/voila/render/(.*)": (LOGIN, "/voila/render/aarsevaluering.ipynb", "GET"),
}
ROUTE_TABLE_SCRIPT = """
import json, os, sys, tempfile
from evaluation.server.app import SspVoila
app = SspVoila()
app.initialize(sys.argv[1:])
app.connection_dir = tempfile.mkdtemp()
app.init_settings()
print(json.dumps([route[0] for route in app.init_handlers()]))
"""


def route_table(db_path: Path, tmp_path: Path) -> list[str]:
    """The server's route table as ``ssp-eval serve`` builds it (in a process of its own)."""
    env = {**os.environ, "SSP_EVAL_DB": str(db_path), "SSP_EVAL_SERVER_DIR": str(tmp_path / "state")}
    result = subprocess.run([sys.executable, "-c", ROUTE_TABLE_SCRIPT, "--SspVoila.mode=server",
                             f"--Voila.root_dir={DASHBOARDS_DIR}", f"--Voila.config_file_paths={DASHBOARDS_DIR}"],
                            capture_output=True, text=True, env=env, timeout=120, cwd=DASHBOARDS_DIR)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_route_is_login_checked_or_on_the_allow_list(served: RunningServer, tmp_path: Path) -> None:
    routes = route_table(served.db_path, tmp_path)
    unlisted = sorted(set(routes) - set(ROUTES))
    assert not unlisted, f"nye ruter uden afgørelse (login eller tilladt uden): {unlisted}"
    assert sorted(set(ROUTES) - set(routes)) == []
    for pattern, (guard, path, method) in ROUTES.items():
        response = httpx.request(method, served.url(path), timeout=60)
        if guard == LOGIN:
            if method == "GET" and not path.startswith(("/api/", "/ssp/download")):
                assert response.status_code == 302 and response.headers["location"].startswith("/login?next="), \
                    (pattern, response.status_code)
            else:
                assert response.status_code in (302, 403), (pattern, response.status_code)
                if response.status_code == 302:
                    assert response.headers["location"].startswith("/login?next=")
        elif guard == SECRET:
            assert response.status_code == 403, pattern
        elif guard == STATUS:
            assert response.status_code == 401 and not response.content, pattern
        else:
            assert response.status_code in (200, 304), (pattern, response.status_code)


@pytest.mark.parametrize("path", [
    "/voila/static/../../../../../../etc/passwd", "/voila/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/voila/templates/lab/static/../../../../../../../../etc/passwd", "/voila/static/aarsevaluering.ipynb",
    "/voila/labextensions/../../../../../../etc/passwd", "/voila/files/aarsevaluering.ipynb",
    "/voila/tree", "/voila/api/contents/aarsevaluering.ipynb", "/api/contents", "/api/kernels",
    "/api/terminals", "/voila/query/" + NO_ID,
])
def test_static_routes_serve_no_data_and_voilas_other_doors_are_closed(served: RunningServer, path: str) -> None:
    response = httpx.get(served.url(path), timeout=30)
    assert response.status_code in (302, 403, 404), (path, response.status_code)
    assert "root:" not in response.text and '"cells"' not in response.text


def test_the_kernels_request_channel_needs_the_secret_even_from_this_machine(served: RunningServer) -> None:
    async def attempt() -> int:
        try:
            async with websockets.connect(f"ws://127.0.0.1:{served.port}/ssp/kernel-query/gaet/{NO_ID}",
                                          open_timeout=10):
                return 101
        except websockets.exceptions.InvalidStatus as exc:
            return exc.response.status_code

    assert asyncio.run(attempt()) == 403


def kernel_environment(kernel_id: str) -> dict[str, str]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if f"kernel-{kernel_id}.json".encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    pairs = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
                    return dict(p.decode().split("=", 1) for p in pairs if b"=" in p)
            except OSError:
                continue
    raise AssertionError("kernen findes ikke")


def kernel_id_of(page: httpx.Response) -> str:
    marker = '"kernelId": "'
    start = page.text.index(marker) + len(marker)
    return page.text[start:page.text.index('"', start)]


def test_a_browser_cannot_name_the_person_for_the_kernel(served: RunningServer) -> None:
    client, _ = login(served, "lars")
    page = client.get("/voila/render/netvaerk.ipynb", headers={"X-Ssp-User": "mette"})
    assert page.status_code == 200
    assert kernel_environment(kernel_id_of(page))["HTTP_X_SSP_USER"] == "lars"


def network_names(db_path: Path) -> list[str]:
    with db.reader(db_path) as con:
        return list(queries.filter_options(con).networks)


class KernelSocket:
    """A raw kernel websocket as the page's widget manager uses it (Jupyter's JSON protocol)."""

    def __init__(self, url: str, cookies: httpx.Cookies) -> None:
        self.url, self.cookie = url, "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.received: list[str] = []

    async def exchange(self, messages: list[dict], seconds: float = 8.0) -> None:
        async with websockets.connect(self.url, additional_headers={"Cookie": self.cookie}, open_timeout=30,
                                      max_size=None) as socket:
            for message in messages:
                await socket.send(json.dumps(message))
            loop = asyncio.get_running_loop()
            end = loop.time() + seconds
            while loop.time() < end:
                try:
                    self.received.append(str(await asyncio.wait_for(socket.recv(), end - loop.time())))
                except TimeoutError:
                    break


def shell(msg_type: str, content: dict, session: str) -> dict:
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session, "username": "x",
              "version": "5.3", "date": "2026-01-01T00:00:00Z"}
    return {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell",
            "buffers": []}


def states(socket: KernelSocket) -> dict[str, dict]:
    """comm id -> widget state, from the request_state replies a socket received."""
    found = {}
    for frame in socket.received:
        message = json.loads(frame)
        data = message.get("content", {}).get("data", {})
        if message.get("msg_type") == "comm_msg" and data.get("method") == "update" and "state" in data:
            found.setdefault(message["content"]["comm_id"], {}).update(data["state"])
    return found


def test_widget_messages_and_code_from_a_network_contact_change_nothing(served: RunningServer, tmp_path: Path) -> None:
    client, _ = login(served, "lars")
    page = client.get("/voila/render/netvaerk.ipynb?netvaerk=Hirtshals")  # query-string tampering
    kernel_id = kernel_id_of(page)
    def url(session: str) -> str:
        return f"ws://127.0.0.1:{served.port}/api/kernels/{kernel_id}/channels?session_id={session}"

    info = KernelSocket(url("s1"), client.cookies)
    asyncio.run(info.exchange([shell("comm_info_request", {"target_name": "jupyter.widget"}, "s1")], 6))
    comms = next(json.loads(m)["content"]["comms"] for m in info.received
                 if json.loads(m).get("msg_type") == "comm_info_reply")

    def ask(session: str) -> list[dict]:
        return [shell("comm_msg", {"comm_id": c, "data": {"method": "request_state"}}, session) for c in comms]

    before = KernelSocket(url("s2"), client.cookies)
    asyncio.run(before.exchange(ask("s2"), 8))
    dropdown = next(c for c, state in states(before).items() if state.get("_options_labels") == ["Sindal"])
    marker = tmp_path / "koden-koerte"
    tampering = [shell("comm_msg", {"comm_id": dropdown, "data": {"method": "update", "state": state,
                                                                    "buffer_paths": []}}, "s3")
                 for state in ({"index": 1}, {"index": -1}, {"value": "Hirtshals"}, {"label": "Hirtshals"})]
    tampering += [shell("comm_msg", {"comm_id": c, "data": {"method": "update", "state": {"value": SQL},
                                                            "buffer_paths": []}}, "s3") for c in comms]
    tampering.append(shell("execute_request", {"code": f"open({str(marker)!r}, 'w').write('x')", "silent": False,
                                               "store_history": False, "user_expressions": {},
                                               "allow_stdin": False, "stop_on_error": True}, "s3"))
    during = KernelSocket(url("s3"), client.cookies)
    asyncio.run(during.exchange(tampering, 10))
    after = KernelSocket(url("s4"), client.cookies)
    asyncio.run(after.exchange(ask("s4"), 12))
    kinds = [json.loads(m).get("msg_type") for m in after.received]
    assert dropdown in states(after), kinds
    assert states(after)[dropdown]["_options_labels"] == ["Sindal"] and states(after)[dropdown]["index"] == 0
    frames = "\n".join(info.received + before.received + during.received + after.received)
    assert "Sindal" in frames  # the contact's own network did come through these sockets
    leaked = [name for name in network_names(served.db_path) if name != "Sindal" and name in frames]
    assert not leaked, leaked
    assert not marker.exists()  # Voilà lets no code through (execute_request is not an allowed message)
    assert kernel_process_alive(kernel_id)


def test_a_forged_xsrf_token_changes_nothing(served: RunningServer) -> None:
    client, _ = login(served, "mette")
    forged = client.post("/ssp/brugere", data={"_xsrf": "2|deadbeef|00000000000000000000000000000000|1",
                                               "action": "add", "username": "xsrf.offer", "display_name": "X",
                                               "role": "team", "password": "en lang nok adgangskode"})
    assert forged.status_code == 403
    missing = client.post("/ssp/brugere", data={"action": "disable", "username": "lone"})
    assert missing.status_code == 403
    with db.reader(served.db_path) as con:
        assert con.execute("SELECT count(*) FROM users WHERE username = 'xsrf.offer'").fetchone()[0] == 0
        assert con.execute("SELECT active FROM users WHERE username = 'lone'").fetchone()[0] is True


def test_a_cookie_reused_after_disable_is_refused(served: RunningServer, tmp_path: Path) -> None:
    from evaluation.server import users

    users.add_user(served.db_path, "gammel", role="team", password="en udtjent lang adgangskode",
                   display_name="Gammel")
    client, answer = login(served, "gammel", "en udtjent lang adgangskode")
    assert answer.status_code == 302 and client.get("/ssp/log").status_code == 200
    saved = dict(client.cookies)
    users.set_active(served.db_path, "gammel", False)
    replay = httpx.Client(base_url=served.url(""), cookies=saved, timeout=30)
    assert replay.get("/ssp/log").status_code == 302
    assert replay.get("/ssp/download/plan/handleplan.yaml").status_code == 302
    assert replay.post("/ssp/upload", params={"network": "Sindal"}, content=small_export("Sindal", "GML"),
                       headers={"X-XSRFToken": saved["_xsrf"], "X-File-Name": "x.csv"}).status_code == 403


@pytest.mark.parametrize("name", ["..%2F..%2Fdemo.duckdb", "%2E%2E%2Fdemo.duckdb", "..%5Cdemo.duckdb",
                                  "%2Fetc%2Fpasswd", "....%2F%2Fdemo.duckdb", "demo.duckdb", "..", "%00",
                                  "1-..%2F..%2Fetc%2Fpasswd.pdf", "2025-..%2FSindal.pdf"])
@pytest.mark.parametrize("kind", ["rapport", "udgivet", "netvaerk", "plan"])
def test_path_traversal_in_download_names_is_refused(served: RunningServer, kind: str, name: str) -> None:
    client, _ = login(served, "mette")
    response = client.get(f"/ssp/download/{kind}/{name}")
    assert response.status_code in (403, 404), (kind, name, response.status_code)
    assert b"DUCK" not in response.content[:8] and b"root:" not in response.content


SQL = "x'); DROP TABLE cases; --"
SQL_FIELDS = ["' OR '1'='1", SQL, '"; DELETE FROM users; --', "Robert'); DROP TABLE users;--"]


@pytest.mark.parametrize("number", range(len(SQL_FIELDS)))
def test_sql_meta_characters_in_every_text_field_are_only_text(served: RunningServer, number: int) -> None:
    text, prefix = SQL_FIELDS[number], f"SQL{number}"
    def counts() -> tuple[int, int, int]:
        with db.reader(served.db_path) as con:
            return tuple(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                         for table in ("cases", "users", "imports"))

    before = counts()
    _, answer = login(served, text, text)  # user name and password
    assert answer.status_code == 401
    client, _ = login(served, "mette")
    xsrf = client.cookies["_xsrf"]
    added = client.post("/ssp/brugere", data={"_xsrf": xsrf, "action": "add", "username": text,
                                              "display_name": text, "role": "team", "password": text + " lang nok"})
    assert added.status_code == 400  # not a user name
    named = client.post("/ssp/brugere", data={"_xsrf": xsrf, "action": "add", "username": f"sql{len(text)}",
                                              "display_name": text, "role": text, "password": "en lang adgangskode"})
    assert named.status_code == 400  # not a role
    for action in ("disable", "enable", "password"):
        assert client.post("/ssp/brugere", data={"_xsrf": xsrf, "action": action, "username": text,
                                                 "password": text + " lang nok"}).status_code == 400
    upload = client.post("/ssp/upload", params={"network": text}, content=small_export(text, prefix),
                         headers={"X-XSRFToken": xsrf, "X-File-Name": "sql.csv"})
    assert upload.status_code in (200, 400) and upload.json()["status"] in ("rejected", "refused", "loaded")
    assert client.get(f"/ssp/download/rapport/{text}").status_code in (403, 404)
    assert client.get("/ssp/log", params={"bruger": text, "haendelse": text, "dage": text}).status_code == 200
    assert client.get("/voila/render/netvaerk.ipynb", params={"netvaerk": text, "aar": text}).status_code == 200
    after = counts()
    assert after[1] == before[1] and after[0] >= before[0]  # nothing dropped or deleted
    with db.reader(served.db_path) as con:
        stored = con.execute("SELECT DISTINCT netvaerk FROM cases WHERE sags_id LIKE ?", [f"{prefix}-%"]).fetchall()
    assert stored in ([], [(text,)])  # if the ingest took it as a network name, it is that text, verbatim

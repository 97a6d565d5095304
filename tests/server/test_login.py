"""``ssp-eval serve``: logins, lock-out, roles, sessions that end and take their kernels along.

A real server process on the demo database with the tests' users (``serverkit.USERS``), real
HTTP; the access log and the database are read back after each step. The watch
(``guard``) runs every second here.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from serverkit import PASSWORDS, RunningServer, kernel_process_alive, login, small_export, start_served

from evaluation.server import launch
from evaluation.server.accesslog import AccessLog
from evaluation.settings import access_log_path
from evaluation.store import db

SSP_EVAL = str(Path(sys.executable).with_name("ssp-eval"))


def log_of(server: RunningServer) -> AccessLog:
    return AccessLog(access_log_path(server.db_path))


def events(server: RunningServer, *, username: str | None = None, event: str | None = None) -> list:
    return log_of(server).events(username=username, event=event)


def open_page(client: httpx.Client, notebook: str = "udforsk.ipynb") -> str:
    """Render a page; returns its kernel's id."""
    response = client.get(f"/voila/render/{notebook}")
    assert response.status_code == 200, response.status_code
    marker = '"kernelId": "'
    start = response.text.index(marker) + len(marker)
    return response.text[start:response.text.index('"', start)]


def wait_until(condition: Callable[[], bool], timeout_s: float = 45, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"skete ikke inden for {timeout_s:.0f} s: {what}"
        time.sleep(0.3)


def test_every_page_asks_for_a_login_in_danish(served: RunningServer) -> None:
    page = httpx.get(served.url("/voila/render/aarsevaluering.ipynb"), timeout=30)
    assert page.status_code == 302
    assert page.headers["location"] == "/login?next=%2Fvoila%2Frender%2Faarsevaluering.ipynb"
    form = httpx.get(served.url("/login"), timeout=30)
    assert form.status_code == 200 and "Log ind" in form.text and 'lang="da"' in form.text
    assert 'name="_xsrf"' in form.text


def test_the_right_password_logs_in_with_a_protected_cookie(served: RunningServer) -> None:
    client, answer = login(served, "mette")
    assert answer.status_code == 302 and answer.headers["location"] == "/"
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and v.startswith("ssp-session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").headers["location"] == "/voila/render/aarsevaluering.ipynb"
    open_page(client)
    assert events(served, username="mette", event="login")
    pages = events(served, username="mette", event="page")
    assert pages and pages[0].page == "udforsk.ipynb" and pages[0].address == "127.0.0.1"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(served: RunningServer) -> None:
    client, answer = login(served, "mette", "forkert adgangskode her")
    assert answer.status_code == 401 and "Forkert brugernavn eller adgangskode." in answer.text
    assert "ssp-session" not in client.cookies
    _, unknown = login(served, "findes-ikke", "forkert adgangskode her")
    assert unknown.status_code == 401 and "Forkert brugernavn eller adgangskode." in unknown.text


def test_six_wrong_passwords_lock_the_account_and_only_that_account(served: RunningServer) -> None:
    for attempt in range(5):
        _, answer = login(served, "kim", f"forkert nummer {attempt} her")
        assert answer.status_code == 401
    _, sixth = login(served, "kim", "forkert nummer 6 her")
    assert sixth.status_code == 429 and "For mange forkerte forsøg" in sixth.text
    _, right = login(served, "kim")  # the right password is refused too, for the lock's duration
    assert right.status_code == 429 and "ssp-session" not in right.cookies
    _, other = login(served, "mette")
    assert other.status_code == 302
    assert len(events(served, username="kim", event="login_failed")) == 5
    assert len(events(served, username="kim", event="login_locked")) == 2


def test_a_name_typed_at_the_login_that_is_no_user_never_reaches_the_log(served: RunningServer) -> None:
    typed = "Sommer2026!Hemmelig"  # e.g. a password typed into the user name field
    login(served, typed, "noget andet her")
    failed = events(served, event="login_failed")
    assert any(e.username is None and e.subject for e in failed)
    assert typed.lower().encode() not in access_log_path(served.db_path).read_bytes().lower()


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "\\\\evil.example", "javascript:alert(1)", "///evil.example", "http:/evil.example",
                                    "/%0d%0aLocation:%20https://evil.example", " //evil.example"])
def test_the_login_never_redirects_off_the_server(served: RunningServer, target: str) -> None:
    _, answer = login(served, "mette", next_url=target)
    location = answer.headers["location"]
    assert answer.status_code == 302 and location.startswith("/") and not location.startswith(("//", "/\\"))
    assert urlsplit(location).netloc == "" and "\r" not in location and "\n" not in location


def test_the_login_keeps_a_local_next(served: RunningServer) -> None:
    _, answer = login(served, "mette", next_url="/voila/render/udforsk.ipynb?netvaerk=Sindal")
    assert answer.headers["location"] == "/voila/render/udforsk.ipynb?netvaerk=Sindal"


@pytest.mark.parametrize(("name", "path", "status"), [
    ("lars", "/voila/render/aarsevaluering.ipynb", 403),
    ("lars", "/voila/render/udforsk.ipynb", 403),
    ("lars", "/ssp/brugere", 403),
    ("lars", "/ssp/log", 403),
    ("lone", "/voila/render/moedenoter.ipynb", 403),
    ("lone", "/ssp/udgivet", 200),
    ("lone", "/ssp/download/plan/handleplan.yaml", 403),
    ("lone", "/ssp/download/rapport/aarsevaluering-2025-team.html", 403),
    ("lars", "/ssp/download/plan/handleplan.yaml", 403),
    ("lars", "/ssp/download/skabelon/sagsudtraek-skabelon.csv", 200),
    ("mette", "/ssp/brugere", 200),
    ("mette", "/ssp/log", 200),
], ids=lambda value: str(value))
def test_each_role_opens_only_its_own_pages(served: RunningServer, name: str, path: str, status: int) -> None:
    client, _ = login(served, name)
    assert client.get(path).status_code == status
    if status == 403:
        assert events(served, username=name, event="refused")


def test_start_page_follows_the_role(served: RunningServer) -> None:
    for name, start in (("lars", "/voila/render/netvaerk.ipynb"), ("lone", "/ssp/udgivet"),
                        ("mette", "/voila/render/aarsevaluering.ipynb")):
        client, _ = login(served, name)
        assert client.get("/").headers["location"] == start


def test_another_persons_kernel_is_refused_by_id(served: RunningServer) -> None:
    owner, _ = login(served, "mette")
    kernel_id = open_page(owner)
    other, _ = login(served, "ida")
    assert other.get(f"/api/kernels/{kernel_id}").status_code == 403
    assert other.delete(f"/api/kernels/{kernel_id}",
                        headers={"X-XSRFToken": other.cookies["_xsrf"]}).status_code == 403
    assert other.post(f"/voila/api/shutdown/{kernel_id}", data={"_xsrf": other.cookies["_xsrf"]}).status_code == 403
    with httpx.Client(base_url=served.url(""), cookies=other.cookies, timeout=30) as raw:
        upgrade = raw.get(f"/api/kernels/{kernel_id}/channels",
                          headers={"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                                   "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert upgrade.status_code == 403
    assert owner.get(f"/api/kernels/{kernel_id}").status_code == 200 and kernel_process_alive(kernel_id)


def test_a_network_contact_loads_files_for_their_own_network_only(served: RunningServer) -> None:
    client, _ = login(served, "lars")
    headers = {"X-XSRFToken": client.cookies["_xsrf"], "X-File-Name": "sindal.csv"}
    own = client.post("/ssp/upload", params={"network": "Sindal"}, content=small_export("Sindal", "LARS"),
                      headers=headers)
    assert own.status_code == 200 and own.json()["status"] == "loaded"
    with db.reader(served.db_path) as con:
        imported_by = con.execute("SELECT imported_by FROM imports WHERE import_id = ?",
                                  [own.json()["import_id"]]).fetchone()[0]
    assert imported_by == "lars"
    other = client.post("/ssp/upload", params={"network": "Hirtshals"}, content=small_export("Hirtshals", "LARS2"),
                        headers=headers)
    assert other.status_code == 403 and "dit eget netværk" in other.json()["summary"]
    hidden = client.post("/ssp/upload", params={"network": "Sindal"}, content=small_export("Hirtshals", "LARS3"),
                         headers=headers)  # another network's rows in a file sent as Sindal's
    assert hidden.json()["status"] == "rejected"
    with db.reader(served.db_path) as con:
        assert con.execute("SELECT count(*) FROM cases WHERE sags_id LIKE 'LARS2-%' OR sags_id LIKE 'LARS3-%'"
                           ).fetchone()[0] == 0
    reader, _ = login(served, "lone")
    refused = reader.post("/ssp/upload", params={"network": "Sindal"}, content=small_export("Sindal", "LONE"),
                          headers={"X-XSRFToken": reader.cookies["_xsrf"], "X-File-Name": "x.csv"})
    assert refused.status_code == 403
    uploads = events(served, username="lars", event="upload")
    assert [e.detail.split(",")[0] for e in uploads] == ["rejected", "loaded"]  # newest first
    assert {e.network for e in uploads} == {"Sindal"}


def test_a_team_member_adds_a_colleague_on_the_users_page(served: RunningServer) -> None:
    client, _ = login(served, "mette")
    answer = client.post("/ssp/brugere", data={
        "_xsrf": client.cookies["_xsrf"], "action": "add", "username": "ny.kollega", "display_name": "Ny Kollega",
        "role": "netvaerk", "network": "Hirtshals", "password": "en ny kollegas adgangskode"})
    assert answer.status_code == 303 and "ok=add" in answer.headers["location"]
    assert "Brugeren ny.kollega er oprettet." in client.get(answer.headers["location"]).text
    with db.reader(served.db_path) as con:
        row = con.execute("SELECT u.role, n.name, u.created_by FROM users u JOIN networks n USING (network_id) "
                          "WHERE u.username = 'ny.kollega'").fetchone()
        history = con.execute("SELECT changed_by, action FROM user_history WHERE username = 'ny.kollega'").fetchall()
    assert row == ("netvaerk", "Hirtshals", "mette") and history == [("mette", "add")]
    _, first = login(served, "ny.kollega", "en ny kollegas adgangskode")
    assert first.status_code == 302
    refused = client.post("/ssp/brugere", data={"_xsrf": client.cookies["_xsrf"], "action": "add",
                                                "username": "kort", "display_name": "K", "role": "team",
                                                "password": "kort"})
    assert refused.status_code == 400 and "mindst 10 tegn" in refused.text


def test_disabling_a_user_closes_their_open_page_and_their_cookie(served: RunningServer) -> None:
    client, _ = login(served, "bo")
    kernel_id = open_page(client)
    assert kernel_process_alive(kernel_id)
    result = subprocess.run([SSP_EVAL, "users", "disable", "bo", "--db", str(served.db_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    wait_until(lambda: not kernel_process_alive(kernel_id), what="bo's kerne lukket")
    assert client.get("/voila/render/udforsk.ipynb").status_code == 302  # back to the login
    assert client.get(f"/api/kernels/{kernel_id}").status_code == 403
    ended = events(served, username="bo", event="session_ended")
    assert ended and ended[0].detail == "deaktiveret"


def test_a_new_password_ends_the_old_sessions(served: RunningServer) -> None:
    client, _ = login(served, "ida")
    kernel_id = open_page(client)
    changed = subprocess.run([SSP_EVAL, "users", "password", "ida", "--password-stdin", "--db", str(served.db_path)],
                             input="en helt ny lang adgangskode\n", capture_output=True, text=True, timeout=120)
    assert changed.returncode == 0, changed.stderr
    wait_until(lambda: not kernel_process_alive(kernel_id), what="ida's kerne lukket")
    assert client.get("/voila/render/udforsk.ipynb").status_code == 302
    _, fresh = login(served, "ida", "en helt ny lang adgangskode")
    assert fresh.status_code == 302
    PASSWORDS["ida"] = "en helt ny lang adgangskode"


@pytest.fixture(scope="module")
def short_sessions(serve_db: Path, free_port: Callable[[], int]) -> Iterator[RunningServer]:
    """A second server on the same database whose sessions end after 6 idle seconds."""
    options, process = start_served(serve_db, free_port(), "--SspVoila.session_idle_s=6")
    try:
        yield RunningServer(options.port, serve_db, process)
    finally:
        launch.stop(process)


def test_an_idle_session_expires_and_its_kernel_goes(short_sessions: RunningServer) -> None:
    client, answer = login(short_sessions, "mette")
    assert answer.status_code == 302
    kernel_id = open_page(client)
    wait_until(lambda: not kernel_process_alive(kernel_id), what="kernen lukket efter inaktivitet")
    assert client.get("/voila/render/udforsk.ipynb").status_code == 302
    ended = [e for e in events(short_sessions, username="mette", event="session_ended") if e.detail == "inaktiv"]
    assert ended


def test_asking_whether_the_session_is_live_does_not_keep_it_alive(short_sessions: RunningServer) -> None:
    client, answer = login(short_sessions, "mette")
    assert answer.status_code == 302
    assert client.get("/ssp/session").status_code == 204
    assert httpx.get(short_sessions.url("/ssp/session"), timeout=30).status_code == 401  # no cookie
    wait_until(lambda: client.get("/ssp/session").status_code == 401, timeout_s=60,
               what="sessionen udløbet, selv om siden spurgte hvert 0,3. sekund")
    assert client.get("/voila/render/udforsk.ipynb").status_code == 302


@pytest.fixture(scope="module")
def few_pages(serve_db: Path, free_port: Callable[[], int]) -> Iterator[RunningServer]:
    """A server on the same database that lets a session hold 2 open pages."""
    options, process = start_served(serve_db, free_port(), "--SspVoila.pages_per_session=2")
    try:
        yield RunningServer(options.port, serve_db, process)
    finally:
        launch.stop(process)


def test_one_session_cannot_open_pages_without_end(few_pages: RunningServer) -> None:
    client, _ = login(few_pages, "mette")
    first = open_page(client)
    open_page(client, "netvaerk.ipynb")
    refused = client.get("/voila/render/udforsk.ipynb")
    assert refused.status_code == 429 and "for mange sider åbne" in refused.text
    assert [e.detail for e in events(few_pages, username="mette", event="refused")][0] == "for mange åbne sider"
    closed = client.post(f"/voila/api/shutdown/{first}", headers={"X-XSRFToken": client.cookies["_xsrf"]})
    assert closed.status_code in (200, 204)  # the page's "tab closed" beacon frees its place
    wait_until(lambda: not kernel_process_alive(first), what="den lukkede sides kerne væk")
    assert client.get("/voila/render/udforsk.ipynb").status_code == 200
    other, _ = login(few_pages, "ida")  # the limit is per session: a colleague is not held up
    assert open_page(other)


def test_the_team_reads_the_access_log_on_a_page_and_in_the_terminal(served: RunningServer, tmp_path: Path) -> None:
    client, _ = login(served, "mette")
    open_page(client)
    page = client.get("/ssp/log", params={"bruger": "mette", "haendelse": "page"})
    assert page.status_code == 200 and "åbnede side" in page.text and "udforsk.ipynb" in page.text
    assert "logget ind" not in page.text.split("<table>")[1]  # the filter holds
    terminal = subprocess.run([SSP_EVAL, "log", "--db", str(served.db_path), "--user", "mette"],
                              capture_output=True, text=True, timeout=60)
    assert terminal.returncode == 0 and "logget ind" in terminal.stdout and "åbnede side" in terminal.stdout
    copy = tmp_path / "kopi.sqlite"
    backup = subprocess.run([SSP_EVAL, "log", "--db", str(served.db_path), "--backup", str(copy)],
                            capture_output=True, text=True, timeout=60)
    assert backup.returncode == 0
    assert AccessLog(copy).events(username="mette", event="login")


def test_the_access_log_refuses_changes_and_early_deletes(served: RunningServer) -> None:
    import sqlite3

    con = sqlite3.connect(access_log_path(served.db_path))
    try:
        with pytest.raises(sqlite3.IntegrityError, match="kan ikke ændres"):
            con.execute("UPDATE events SET username = 'x'")
        with pytest.raises(sqlite3.IntegrityError, match="kan ikke slettes"):
            con.execute("DELETE FROM events")
    finally:
        con.close()
    assert log_of(served).prune(30) == 0  # a year is always kept, whatever the setting says


def test_a_council_reader_gets_the_published_editions_exactly_as_published(served: RunningServer) -> None:
    with db.writer(served.db_path) as con:  # what report.publish stores (its own tests cover making it)
        publication_id = con.execute(
            "INSERT INTO report_publications (year, edition, kontrolnummer, published_by, checksum_all, manifest, "
            "pdf_name, pdf, html_name, html) VALUES (2025, 'kredsraad', 'K-2025-1', 'mette', 'x', '{}', "
            "'aarsevaluering-2025-kredsraad.pdf', ?, 'aarsevaluering-2025-kredsraad.html', ?) "
            "RETURNING publication_id", [b"%PDF-udgivet", b"<p>udgivet</p>"]).fetchone()[0]
    reader, _ = login(served, "lone")
    listing = reader.get("/ssp/udgivet")
    name = f"{publication_id}-aarsevaluering-2025-kredsraad.pdf"
    assert listing.status_code == 200 and "K-2025-1" in listing.text and f"/ssp/download/udgivet/{name}" in listing.text
    pdf = reader.get(f"/ssp/download/udgivet/{name}")
    assert pdf.status_code == 200 and pdf.content == b"%PDF-udgivet"
    assert reader.get(f"/ssp/download/udgivet/{publication_id}-noget-andet.pdf").status_code == 404
    assert reader.get(f"/ssp/download/udgivet/{publication_id + 1}-aarsevaluering-2025-kredsraad.pdf").status_code == 404
    contact, _ = login(served, "lars")
    assert contact.get(f"/ssp/download/udgivet/{name}").status_code == 403
    downloads = events(served, username="lone", event="download")
    assert downloads and downloads[0].detail.startswith("udgivet/")

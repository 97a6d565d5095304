"""Helpers for the server tests (imported by the test modules and conftest)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from browsing import CHROMIUM, CHROMIUM_ARGS, PAGE_TIMEOUT_MS  # noqa: F401 (the server tests import them from here)
from evaluation.server import launch

HTTP_TIMEOUT_S = 120.0
# A small valid export (the browser tests' format): three cases of one network.
SMALL_EXPORT = (
    "sags_id;netvaerk;institutionstype;indberetningsmaaned;aldersgruppe;kraenker;situation;"
    "kraenkelsestyper;vurdering;foraeldre_inddraget;dokumentation_sikret;politianmeldt\n"
    "{p}-1;{net};friskole;2025-03;12_14;kendt;A;billeddeling;paedagogisk;ja;ja;nej\n"
    "{p}-2;{net};friskole;2025-04;15_17;ukendt;B;afpresning;politisag;ja;delvist;ja\n"
    "{p}-3;{net};friskole;2025-05;12_14;kendt;A;chikane;paedagogisk;ja;ja;nej\n"
)


def small_export(network: str, prefix: str = "T") -> bytes:
    return SMALL_EXPORT.format(net=network, p=prefix).encode("utf-8")


@dataclass
class RunningServer:
    port: int
    db_path: Path
    process: object

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def xsrf_client(server: RunningServer) -> httpx.Client:
    """An HTTP client holding the server's ``_xsrf`` cookie, as a page in a browser does."""
    client = httpx.Client(base_url=server.url(""), timeout=HTTP_TIMEOUT_S)
    response = client.get("/ssp/download/skabelon/sagsudtraek-skabelon.csv")
    assert response.status_code == 200 and "_xsrf" in client.cookies
    return client


def upload(client: httpx.Client, network: str, name: str, body: bytes, *, xsrf: bool = True) -> httpx.Response:
    headers = {"X-File-Name": name, "Content-Type": "application/octet-stream"}
    if xsrf:
        headers["X-XSRFToken"] = client.cookies["_xsrf"]
    return client.post("/ssp/upload", params={"network": network}, content=body, headers=headers)


def processes_below(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc), the kernels among them."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """True for a running process (a zombie waiting to be reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# --- ssp-eval serve: users of the tests' server ------------------------------------------

PASSWORDS = {
    "mette": "en lang hemmelig sætning",
    "lars": "netværkets lange adgangskode",
    "lone": "læser kredsrådets udgaver",
    "bo": "bliver snart deaktiveret",
    "ida": "skifter adgangskode snart",
    "kim": "taster forkert mange gange",
    "tove": "mister sin åbne side snart",
}
USERS = {  # name: (role, network)
    "mette": ("team", None), "lars": ("netvaerk", "Sindal"), "lone": ("laeser", None),
    "bo": ("team", None), "ida": ("team", None), "kim": ("team", None),
}


def add_users(db_path: Path) -> None:
    from evaluation.server import users

    for name, (role, network) in USERS.items():
        users.add_user(db_path, name, role=role, network=network, password=PASSWORDS[name],
                       display_name=name.capitalize())


def login(server: RunningServer, name: str, password: str | None = None, *, next_url: str | None = None,
          client: httpx.Client | None = None) -> tuple[httpx.Client, httpx.Response]:
    """Log in through the login form as a browser does (its _xsrf field, no redirects followed)."""
    client = client or httpx.Client(base_url=server.url(""), timeout=HTTP_TIMEOUT_S)
    form = client.get("/login")
    assert form.status_code == 200 and "_xsrf" in client.cookies
    data = {"_xsrf": client.cookies["_xsrf"], "username": name,
            "password": PASSWORDS.get(name, "") if password is None else password}
    if next_url is not None:
        data["next"] = next_url
    return client, client.post("/login", data=data)


def kernel_process_alive(kernel_id: str) -> bool:
    """Whether a kernel process with this id (its connection file's name) is running."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if f"kernel-{kernel_id}.json".encode() in handle.read() and alive(int(entry)):
                    return True
        except OSError:
            continue
    return False


def start_served(db_path: Path, port: int, *extra: str, **options: str) -> tuple[launch.ServerOptions, object]:
    """An ``ssp-eval serve`` server on 127.0.0.1 in its own process group (the watch every second)."""
    settings = launch.ServerOptions(db_path=db_path, port=port, mode="server",
                                    extra=("--SspVoila.guard_interval_s=1", *extra), **options)
    process = launch.start(settings, quiet=True)
    try:
        launch.wait_until_listening(process, settings)
    except Exception:
        launch.stop(process)
        raise
    return settings, process

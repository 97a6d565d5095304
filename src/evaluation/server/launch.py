"""Start and stop the Voilà server process (``app.SspVoila``) for ``dashboard`` and ``serve``.

The server runs as a child process in **its own process group** (a new session), so a
Ctrl+C in the terminal reaches only the face, which then stops the server the one way that
shuts every kernel down: SIGTERM to the server, which stops its event loop and shuts its
kernels down (``Voila.stop``). ``run_until_stopped`` forwards SIGTERM (what a service
manager sends) and SIGINT (Ctrl+C) that way, waits, and only if the server has not gone after
``STOP_TIMEOUT_S`` kills its whole group. Kernels are in sessions of their own (jupyter_client
starts them so); they exit by themselves within a second when their parent is gone
(ipykernel's parent poller), so even a killed server leaves none behind.

The settings follow the maintainers' advice: ``strip_sources`` on and tracebacks off
(voila#203: a traceback leaks code, paths and values), idle kernels culled (voila#527), one
exact port (``port_retries=0``). The database path reaches the kernels through
``SSP_EVAL_DB``, never through the working directory. ``dashboards/voila.json`` holds the
rest (pre-heating: one kernel for Årsevaluering, see ``dashboard``).
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from evaluation.errors import DatabaseError, EvaluationError
from evaluation.settings import DASHBOARDS_DIR, DB_ENV_VAR

STOP_TIMEOUT_S = 20.0
START_TIMEOUT_S = 90.0
PORT_BUSY = 3  # app.PORT_BUSY: kept here too so the face need not import Voilà to explain it


class ServerError(EvaluationError):
    """The server could not start (a taken port, an early exit)."""


@dataclass(frozen=True)
class ServerOptions:
    """What a face asks for; ``mode`` is ``local`` (dashboard) or ``server`` (serve)."""

    db_path: Path
    port: int
    host: str = "127.0.0.1"
    mode: str = "local"
    verbose: bool = False
    proxy: str = ""                      # the TLS reverse proxy's address (serve)
    trusted_user_header: str = ""        # a single-sign-on proxy's user header (serve)
    extra: tuple[str, ...] = ()          # more traitlets options (tests: short session times)


def command(options: ServerOptions) -> list[str]:
    """The server's command line; the rest of the configuration is in dashboards/voila.json.

    Voilà's own log is English and technical ("Notebook … is not trusted", kernel starts);
    the terminal shows only its errors unless ``verbose``.
    """
    return [
        sys.executable, "-m", "evaluation.server.app",
        "--no-browser",
        f"--port={options.port}",
        f"--SspVoila.mode={options.mode}",
        f"--Voila.log_level={'INFO' if options.verbose else 'ERROR'}",
        f"--Voila.ip={options.host}",
        "--Voila.port_retries=0",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_idle_timeout=900",
        f"--Voila.root_dir={DASHBOARDS_DIR}",
        f"--Voila.config_file_paths={DASHBOARDS_DIR}",
        *([f"--SspVoila.proxy_address={options.proxy}"] if options.proxy else []),
        *([f"--SspVoila.trusted_user_header={options.trusted_user_header}"] if options.trusted_user_header else []),
        *options.extra,
    ]


def environment(options: ServerOptions) -> dict[str, str]:
    """The environment of the server process and so of every kernel it starts."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HTTP_")}
    env[DB_ENV_VAR] = str(options.db_path)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def start(options: ServerOptions, *, quiet: bool = False) -> subprocess.Popen:
    """Start the server in its own process group and return the process (tests use this too)."""
    if not options.db_path.exists():
        raise DatabaseError(
            f"Databasen {options.db_path} findes ikke. Byg demo-databasen med 'ssp-eval demo' "
            "eller indlæs sager med 'ssp-eval ingest' først."
        )
    output = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(command(options), cwd=DASHBOARDS_DIR, env=environment(options),
                            stdout=output, stderr=output, start_new_session=True)


def check_serve(options: ServerOptions) -> None:
    """Before ``serve`` starts: a database with at least one active team user (else nobody
    could log in to add the others), a single-sign-on header only behind a proxy, and no
    plain http beyond this machine (anything but the loopback needs ``--proxy``, the TLS proxy)."""
    from evaluation.server import users
    from evaluation.store import db

    if not options.db_path.exists():
        raise DatabaseError(f"Databasen {options.db_path} findes ikke. Opret den med 'ssp-eval init' først.")
    if options.trusted_user_header and not options.proxy:
        raise ServerError("--trusted-user-header kræver --proxy: brugernavnet tæller kun, når det kommer fra proxyen.")
    if not options.proxy and not listens_on_loopback_only(options.host):
        raise ServerError(f"Serveren ville lytte på {options.host or 'alle adresser'} uden TLS: adgangskoder og sider "
                          "ville gå ukrypteret over netværket. Lyt på 127.0.0.1 og sæt en TLS-proxy foran "
                          "(--proxy 127.0.0.1; se README'en, »Fælles server med login«), eller angiv proxyens "
                          "adresse med --proxy, hvis den står på en anden maskine.")
    with db.reader(options.db_path) as con:
        team = [u for u in users.list_users(con) if u.active and u.role == "team"]
    if not team:
        raise ServerError("Der er ingen aktiv bruger med rollen team, så ingen kan logge ind. Opret den første "
                          "med: ssp-eval users add BRUGERNAVN --role team")


def listens_on_loopback_only(host: str) -> bool:
    """Whether ``host`` is this machine's loopback (then nobody else can reach the plain http)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # "", 0.0.0.0 is not an address here; a host name may be any interface


def address(options: ServerOptions) -> str:
    host = "127.0.0.1" if options.host in ("", "0.0.0.0", "::") else options.host
    return f"http://{host}:{options.port}/"


def exit_message(code: int, options: ServerOptions) -> str:
    """What an early exit of the server means, in Danish."""
    if code == PORT_BUSY:
        return (f"Porten {options.port} er optaget (kører serveren allerede?). Stop den anden, "
                "eller vælg en anden port med --port.")
    return f"Serveren stoppede, før den var klar (kode {code}). Kør igen med --verbose for at se hvorfor."


def wait_until_listening(process: subprocess.Popen, options: ServerOptions,
                         timeout_s: float = START_TIMEOUT_S) -> None:
    """Return when the server accepts connections; ``ServerError`` (Danish) if it exits first."""
    host = "127.0.0.1" if options.host in ("", "0.0.0.0", "::") else options.host
    deadline = time.monotonic() + timeout_s
    while True:
        code = process.poll()
        if code is not None:
            raise ServerError(exit_message(code, options))
        try:
            socket.create_connection((host, options.port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                stop(process)
                raise ServerError(f"Serveren svarede ikke inden for {timeout_s:.0f} sekunder.") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen, timeout_s: float = STOP_TIMEOUT_S) -> int:
    """Stop the server: SIGTERM (it shuts its kernels down), then kill its group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            # Not reaped yet, so the group id is still the server's own.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    return process.wait()


def run_until_stopped(process: subprocess.Popen) -> int:
    """Wait for the server; SIGTERM or SIGINT to this process stops it cleanly. Returns 0 then."""
    requested: list[int] = []

    def note(signum: int, _frame: FrameType | None) -> None:
        requested.append(signum)  # the loop below forwards it (within half a second)

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while process.poll() is None and not requested:
            try:
                process.wait(0.5)
            except subprocess.TimeoutExpired:
                pass
        code = stop(process)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if requested else code

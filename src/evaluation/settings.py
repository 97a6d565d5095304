"""Thresholds, defaults and paths in one place, each with the reason it has its value.

Like voila's ``configuration.py``: a reader finds every tunable here, with help text.
Environment variables override where a deployment needs it (``SSP_EVAL_DB``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The design card keeps the schema, the plan seed, the dashboards and the report notebook in
# top-level folders. A wheel carries them inside the package (pyproject.toml: hatchling's
# force-include into ``evaluation/_shipped``); an editable install reads them where they are.
# One copy each, found the same way by every module (never through the working directory).
SHIPPED_DIR = PACKAGE_DIR / "_shipped"
REPO_ROOT = PACKAGE_DIR.parents[1]


def _shipped(installed: str, source: str) -> Path:
    """The path of a shipped resource: inside an installed wheel, else in the source tree."""
    inside = SHIPPED_DIR / installed
    return inside if SHIPPED_DIR.is_dir() else REPO_ROOT / source


SCHEMA_PATH = _shipped("schema.sql", "data/schema.sql")
PLAN_SEED_PATH = _shipped("plan.yaml", "data/plan.yaml")
DASHBOARDS_DIR = _shipped("dashboards", "dashboards")
NOTEBOOKS_DIR = _shipped("notebooks", "notebooks")

DB_ENV_VAR = "SSP_EVAL_DB"
REPORTS_ENV_VAR = "SSP_EVAL_REPORTS"
REPORTS_FOLDER_NAME = "rapporter"
# Outside the source tree on purpose: a Voilà kernel's working directory is the notebook's
# folder, so a relative default would silently create a second, empty database there.
DEFAULT_DB_PATH = Path.home() / ".local" / "share" / "ssp-evaluering" / "ssp-evaluering.duckdb"


@dataclass(frozen=True)
class Settings:
    """Tunable values; the defaults are what the team agreed, documented in the README."""

    # Kredsråd edition: counts 1..threshold are hidden and shown as "<threshold+1>".
    suppression_threshold: int = 4
    # Key persons count as due for re-verification after this many months.
    verification_months: int = 12
    # A case open for longer than this many months gets a warning at import.
    long_open_months: int = 12
    # Writers wait this long for another writer (ingest, dashboard save) before giving up.
    write_lock_timeout_s: float = 120.0
    # Link checker: per request timeout, retries, concurrency overall and per host.
    link_timeout_s: float = 10.0
    link_retries: int = 2
    link_concurrency: int = 8
    link_per_host: int = 2
    # An address failing for this many days running is flagged in the plan status.
    link_failing_days: int = 14
    # Uploads through the browser (``POST /ssp/upload``): larger files are refused before a
    # byte is read. A year's export is a few hundred kB; 1M rows of CSV are ~230 MiB.
    upload_max_mb: int = 256
    # ssp-eval serve: a session ends after this long without any activity (a click on a page
    # counts), and after this long at all; its pages' kernels are shut down then.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # Lock-out: after this many wrong passwords in a row for one account within the window,
    # the account refuses logins for the window (also with the right password).
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    # Per client address (only where the server knows the real address): many accounts tried.
    login_max_failures_per_address: int = 20
    # ssp-eval serve: pages (each a kernel of ~200 MB) one session may have open at once; one
    # logged-in person reloading a page in a loop must not take the server's memory.
    pages_per_session: int = 8
    # The access log (who logged in, opened, loaded, downloaded what) is kept this long; the
    # store itself refuses to drop anything younger than a year.
    access_log_retention_days: int = 730
    # Fuzzy matching of actor names (rapidfuzz score 0..100), justified in tests/plan/test_actors.py.
    actor_match_score: float = 88.0


settings = Settings()


def database_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: ``--db``, else ``$SSP_EVAL_DB``, else the documented default."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    return DEFAULT_DB_PATH


def reports_path(explicit: str | os.PathLike[str] | None = None, *,
                 db_path: str | os.PathLike[str] | None = None) -> Path:
    """The reports folder: ``explicit``, else ``$SSP_EVAL_REPORTS``, else ``rapporter`` beside the database.

    The browser pages write reports here and the download handler serves them from here, so
    both must ask this one function. Never the working directory: a Voilà kernel's working
    directory is the notebooks' folder (inside the installed package).
    """
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(REPORTS_ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    return database_path(db_path).parent / REPORTS_FOLDER_NAME


SERVER_DIR_ENV_VAR = "SSP_EVAL_SERVER_DIR"


def server_state_path(db_path: str | os.PathLike[str] | None = None) -> Path:
    """The server's own files (cookie secret, sessions, access log): ``$SSP_EVAL_SERVER_DIR``,
    else ``<database name>-server`` beside the database. Back it up with the database."""
    env = os.environ.get(SERVER_DIR_ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    database = database_path(db_path)
    return database.parent / f"{database.stem}-server"


def access_log_path(db_path: str | os.PathLike[str] | None = None) -> Path:
    """The access log (``server/accesslog.py``): a SQLite file in the server's folder."""
    return server_state_path(db_path) / "adgangslog.sqlite"


# Who is asking (``ssp-eval serve``). The server sets this request header after removing any
# copy a browser sent, and Voilà passes it to the page's kernel as an environment variable
# (``VoilaConfiguration.http_header_envs``). Nothing a browser sends can set it.
IDENTITY_HEADER = "X-Ssp-User"
IDENTITY_ENV = "HTTP_X_SSP_USER"
# Where the server serves plotly.js for the pages' charts (server/handlers.PlotlyScript), under
# its base URL; the pages add ``?v=<plotly.js version>`` so a browser may keep it.
PLOTLY_SCRIPT_PATH = "ssp/static/plotly.min.js"
# "server" in ``ssp-eval serve`` and in every kernel it starts; unset elsewhere.
MODE_ENV = "SSP_EVAL_MODE"
_acting_user: ContextVar[str | None] = ContextVar("ssp_eval_acting_user", default=None)


@contextmanager
def acting_as(username: str) -> Iterator[None]:
    """Writes inside this block are recorded as ``username`` (the server's handlers use it)."""
    token = _acting_user.set(username)
    try:
        yield
    finally:
        _acting_user.reset(token)


def current_user() -> str:
    """Who is doing a write, for every ``saved_by``/``*_by`` column (never a pupil).

    The logged-in person under ``ssp-eval serve`` (a server handler acting for them, or the
    identity the server passed to the page's kernel); else the person at this computer
    (``local_person``: the CLI and the local ``ssp-eval dashboard``). Under the server with
    nobody logged in, nothing may be written: ``AccessDenied``.
    """
    acting = _acting_user.get()
    if acting:
        return acting
    if os.environ.get(MODE_ENV) == "server":
        name = os.environ.get(IDENTITY_ENV, "").strip()
        if name:
            return name
        from evaluation.errors import AccessDenied

        raise AccessDenied("Du er ikke logget ind, så intet blev gemt. Log ind igen, og genindlæs siden.")
    return local_person()


# Who wrote something at a computer whose account names no person (root, a service account).
LOCAL_USER = "Lokal bruger"


def local_person() -> str:
    """The person at this computer (the CLI, the local dashboard): the account's full name, else
    ``LOCAL_USER``. Never the operating system's login: pages and reports show this as the author,
    and "Af: root" names no one a consultant knows."""
    import getpass
    import pwd

    try:
        login = getpass.getuser()
        full_name = pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
    except Exception:  # no login name or no account entry in some containers
        return LOCAL_USER
    return full_name if full_name and full_name.lower() != login.lower() else LOCAL_USER

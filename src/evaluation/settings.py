"""Thresholds, defaults and paths in one place, each with the reason it has its value.

Like voila's ``configuration.py``: a reader finds every tunable here, with help text.
Environment variables override where a deployment needs it (``SSP_EVAL_DB``).
"""

from __future__ import annotations

import os
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


# Who wrote something at a computer whose account names no person (root, a service account).
LOCAL_USER = "Lokal bruger"


def current_user() -> str:
    """Who is doing a write, for audit columns (never a pupil): at this computer, the person
    ``local_person`` names."""
    return local_person()


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

"""The access log: who logged in (or failed to), opened which page with which network, loaded
or downloaded what. Kept apart from the database, append-only, and free of case data.

Why not the database: a write to DuckDB copies the whole file under a lock (``db.writer``)
and can wait behind an ingest; a page view must never wait for that. The log is a SQLite
file beside the database (``settings.access_log_path``), written with one short INSERT per
event (WAL mode, so readers never block writers), by the server and by page kernels (a
filter change) alike.

Append-only: triggers refuse every UPDATE, and every DELETE of a row younger than
``KEEP_AT_LEAST_DAYS`` (the only deletes are ``prune``'s, for rows past the retention
period ``settings.access_log_retention_days``). A copy for the backup is made with SQLite's
online backup (``backup``), consistent while the server writes.

What is never in it: case data (no case ids, no cell values, no file contents), passwords,
or a user name typed at the login that does not exist (it could be a password typed in the
wrong field) — such attempts are kept as a short keyed hash, enough to count them.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from evaluation.errors import EvaluationError

KEEP_AT_LEAST_DAYS = 365
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
BUSY_TIMEOUT_MS = 5000

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,          -- UTC, {TIME_FORMAT}
    event     TEXT NOT NULL,          -- see EVENTS
    username  TEXT,                   -- the person (an existing user), else NULL
    subject   TEXT,                   -- a failed login's unknown name, as a keyed hash
    page      TEXT,                   -- a page (notebook) or server page
    network   TEXT,                   -- a network filter, an upload's network
    detail    TEXT,                   -- e.g. a download's kind/name, an import's number
    address   TEXT                    -- the client address the server trusts
);
CREATE INDEX IF NOT EXISTS events_by_user ON events (username, event, at);
CREATE INDEX IF NOT EXISTS events_by_subject ON events (subject, event, at);
CREATE INDEX IF NOT EXISTS events_by_address ON events (address, event, at);
CREATE INDEX IF NOT EXISTS events_by_time ON events (at);
CREATE TRIGGER IF NOT EXISTS events_never_change BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'adgangsloggen kan ikke ændres'); END;
CREATE TRIGGER IF NOT EXISTS events_kept BEFORE DELETE ON events
WHEN old.at > strftime('%Y-%m-%dT%H:%M:%f', 'now', '-{KEEP_AT_LEAST_DAYS} days')
BEGIN SELECT RAISE(ABORT, 'adgangsloggen kan ikke slettes'); END;
"""

# Event codes (English identifiers) and their Danish words for the team page and the CLI.
EVENTS = {
    "login": "logget ind",
    "login_failed": "forkert adgangskode",
    "login_locked": "afvist: låst",
    "logout": "logget ud",
    "session_ended": "session afsluttet",
    "page": "åbnede side",
    "filter": "valgte filter",
    "refused": "afvist adgang",
    "upload": "indlæste fil",
    "download": "hentede fil",
    "users": "ændrede bruger",
}


class AccessLogError(EvaluationError):
    """The access log cannot be written or read (Danish message)."""


@dataclass(frozen=True)
class Event:
    at: datetime
    event: str
    username: str | None
    subject: str | None
    page: str | None
    network: str | None
    detail: str | None
    address: str | None

    @property
    def label(self) -> str:
        return EVENTS.get(self.event, self.event)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def stamp(moment: datetime) -> str:
    return moment.strftime(TIME_FORMAT)


def subject_hash(name: str, key: bytes = b"ssp-evaluering") -> str:
    """A short keyed hash of a name typed at the login: countable, not readable."""
    return hashlib.blake2b(name.strip().lower().encode("utf-8"), key=key, digest_size=8).hexdigest()


class AccessLog:
    """One log file; cheap to create (one per process or per call)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise AccessLogError(f"Adgangsloggen {self.path} kan ikke åbnes: {exc}") from None
        with closing(con):
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self._ready:
                con.execute("PRAGMA journal_mode = WAL")
                con.executescript(SCHEMA)
                self._ready = True
            con.execute("PRAGMA synchronous = NORMAL")
            yield con

    def record(self, event: str, *, username: str | None = None, subject: str | None = None,
               page: str | None = None, network: str | None = None, detail: str | None = None,
               address: str | None = None, at: datetime | None = None) -> None:
        """Append one event (an unknown event code is a programming error)."""
        if event not in EVENTS:
            raise ValueError(f"unknown access log event {event!r}")
        values = [stamp(at or now()), event, username, subject, _short(page), _short(network),
                  _short(detail), _short(address)]
        with self._connect() as con:
            con.execute("INSERT INTO events (at, event, username, subject, page, network, detail, address) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)

    def events(self, *, since: datetime | None = None, username: str | None = None, event: str | None = None,
               limit: int = 1000) -> list[Event]:
        """The newest events first, optionally only since a time, for a user, of a kind."""
        sql = ("SELECT at, event, username, subject, page, network, detail, address FROM events "
               "WHERE (? IS NULL OR at >= ?) AND (? IS NULL OR username = ?) AND (? IS NULL OR event = ?) "
               "ORDER BY id DESC LIMIT ?")
        since_text = stamp(since) if since else None
        with self._connect() as con:
            rows = con.execute(sql, [since_text, since_text, username, username, event, event, limit]).fetchall()
        return [Event(datetime.strptime(r[0], TIME_FORMAT), *r[1:]) for r in rows]

    def failures(self, *, window: timedelta, username: str | None = None, subject: str | None = None,
                 address: str | None = None) -> tuple[int, datetime | None]:
        """Failed logins within ``window`` and after the last success (per account or address)."""
        since = stamp(now() - window)
        with self._connect() as con:
            if address is not None:
                row = con.execute("SELECT count(*), max(at) FROM events WHERE address = ? AND "
                                  "event = 'login_failed' AND at >= ?", [address, since]).fetchone()
            else:
                column, value = ("username", username) if username is not None else ("subject", subject)
                last_ok = con.execute(f"SELECT max(at) FROM events WHERE {column} = ? AND event = 'login'",
                                      [value]).fetchone()[0]
                row = con.execute(f"SELECT count(*), max(at) FROM events WHERE {column} = ? AND "
                                  "event = 'login_failed' AND at >= ? AND at > coalesce(?, '')",
                                  [value, since, last_ok]).fetchone()
        return row[0], (datetime.strptime(row[1], TIME_FORMAT) if row[1] else None)

    def prune(self, retention_days: int) -> int:
        """Remove events older than the retention period (never younger than a year); returns how many."""
        days = max(int(retention_days), KEEP_AT_LEAST_DAYS)
        with self._connect() as con:
            return con.execute("DELETE FROM events WHERE at < ?", [stamp(now() - timedelta(days=days))]).rowcount

    def backup(self, target: Path) -> Path:
        """A consistent copy of the log (SQLite's online backup) at ``target``."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con, closing(sqlite3.connect(target)) as copy:
            con.backup(copy)
        return target


def _short(value: str | None, limit: int = 300) -> str | None:
    """Log fields are short labels; anything longer is cut (never a whole file name list)."""
    return None if value is None else str(value)[:limit]

"""Login sessions of ``ssp-eval serve``, and the secret that signs their cookies.

A session is made at login and named by a random id that only the person's cookie holds
(signed with the persisted cookie secret, ``HttpOnly``, ``SameSite=Lax``, ``Secure`` behind
TLS); the store keeps a hash of the id, never the id. A session ends at logout, after
``session_idle_minutes`` without activity (a click on a page counts: kernels report
activity), after ``session_max_hours`` at all, when the user is disabled or gets a new
password — and then the server shuts its pages' kernels down (``guard``).

Sessions live in memory in the one server process and are written through to a small SQLite
file in the server's folder, so a restart of the service does not log everybody out (the
cookie secret is persisted for the same reason). Activity is written at most once a minute
per session: a page view never waits for a disk write.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from evaluation.server.accesslog import TIME_FORMAT, now, stamp

TOUCH_WRITE_INTERVAL = timedelta(minutes=1)
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id_hash     TEXT PRIMARY KEY,     -- sha256 of the session id (the id is only in the cookie)
    username    TEXT NOT NULL,
    created     TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    address     TEXT,
    password_changed_at TEXT,         -- the user's, at login: a later change ends the session
    ended       TEXT,
    reason      TEXT
);
"""


def load_cookie_secret(folder: Path) -> bytes:
    """The secret that signs cookies, made once (mode 0600) and kept: a restart keeps sessions."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "cookie_secret"
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secret.hex())
    return secret


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class Session:
    id_hash: str
    username: str
    created: datetime
    last_seen: datetime
    address: str | None = None
    password_changed_at: str | None = None


class SessionStore:
    """The live sessions of one server process (see the module docstring)."""

    def __init__(self, path: Path, *, idle: timedelta, max_age: timedelta) -> None:
        self.path = Path(path)
        self.idle, self.max_age = idle, max_age
        self._live: dict[str, Session] = {}
        self._written: dict[str, datetime] = {}
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with closing(self._connect()) as con:
            con.executescript(SCHEMA)
            for row in con.execute("SELECT id_hash, username, created, last_seen, address, password_changed_at "
                                   "FROM sessions WHERE ended IS NULL"):
                session = Session(row[0], row[1], _time(row[2]), _time(row[3]), row[4], row[5])
                self._live[session.id_hash] = session
                self._written[session.id_hash] = session.last_seen

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        con.execute("PRAGMA busy_timeout = 5000")
        return con

    def create(self, username: str, *, address: str | None, password_changed_at: str | None) -> str:
        """A new session; returns its id (for the cookie only)."""
        session_id = secrets.token_urlsafe(32)
        moment = now()
        session = Session(id_hash(session_id), username, moment, moment, address, password_changed_at)
        with closing(self._connect()) as con:
            con.execute("INSERT INTO sessions (id_hash, username, created, last_seen, address, password_changed_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)", [session.id_hash, username, stamp(moment), stamp(moment),
                                                      address, password_changed_at])
        self._live[session.id_hash] = session
        self._written[session.id_hash] = moment
        return session_id

    def get(self, session_id: str) -> Session | None:
        """The live session of a cookie's id, or None (unknown, ended or expired)."""
        session = self._live.get(id_hash(session_id))
        if session is None or self.expired(session):
            return None
        return session

    def expired(self, session: Session, moment: datetime | None = None) -> str | None:
        """Why the session has run out ('inaktiv', 'for gammel'), or None."""
        moment = moment or now()
        if moment - session.last_seen > self.idle:
            return "inaktiv"
        if moment - session.created > self.max_age:
            return "for gammel"
        return None

    def touch(self, hashed: str, moment: datetime | None = None) -> None:
        """Activity (a request, a kernel message); written to disk at most once a minute."""
        session = self._live.get(hashed)
        moment = moment or now()
        if session is None or moment <= session.last_seen:
            return
        self._live[hashed] = replace(session, last_seen=moment)
        if moment - self._written.get(hashed, session.created) >= TOUCH_WRITE_INTERVAL:
            with closing(self._connect()) as con:
                con.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", [stamp(moment), hashed])
            self._written[hashed] = moment

    def end(self, hashed: str, reason: str) -> Session | None:
        session = self._live.pop(hashed, None)
        self._written.pop(hashed, None)
        if session is not None:
            with closing(self._connect()) as con:
                con.execute("UPDATE sessions SET ended = ?, reason = ?, last_seen = ? WHERE id_hash = ?",
                            [stamp(now()), reason, stamp(session.last_seen), hashed])
        return session

    def live(self) -> list[Session]:
        return list(self._live.values())


def _time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT)

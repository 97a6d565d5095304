"""The people who log in to ``ssp-eval serve``: users, roles, passwords, and their history.

Users live in the database (``users``, ``user_history``; migration 0030), so a backup of the
database carries them and every change says who made it (``settings.current_user()``: the
logged-in team member on the team page, the OS login for ``ssp-eval users``). Passwords are
stored only as argon2id hashes made by argon2-cffi (the maintained binding the Argon2 authors
point to), with its default cost (RFC 9106's second recommended profile: 64 MiB, 3 passes);
a password is never logged, never echoed, never kept.

Roles (``roles`` has what each may see and do): ``team`` (SSP consultants: everything),
``netvaerk`` (a network's contact: their own network only), ``laeser`` (Lokalråd/Kredsråd
members: the published Kredsråd editions only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from evaluation.errors import EvaluationError
from evaluation.settings import current_user
from evaluation.store import db

ROLES = {
    "team": "SSP-teamet (alt)",
    "netvaerk": "Netværkets kontaktperson (kun eget netværk)",
    "laeser": "Læser i Lokalråd/Kredsråd (kun udgivne Kredsråds-udgaver)",
}
ACTIONS = {"add": "oprettet", "disable": "deaktiveret", "enable": "genaktiveret", "password": "ny adgangskode"}
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 hashes any length; a cap keeps a login form from being a DoS
MAX_DISPLAY_NAME = 80

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("ssp-evaluering: ingen bruger")


class UserError(EvaluationError):
    """A user name, role, network or password that cannot be used (Danish message)."""


@dataclass(frozen=True)
class User:
    """One person who may log in; never carries the password or its hash."""

    username: str
    display_name: str
    role: str
    network: str | None
    active: bool
    created_at: datetime | None = None
    password_changed_at: datetime | None = None

    @property
    def role_label(self) -> str:
        return ROLES[self.role]


def normal_username(name: str) -> str:
    """The login name as stored: trimmed, lower case; ``UserError`` when it cannot be one."""
    name = (name or "").strip().lower()
    if not USERNAME.fullmatch(name):
        raise UserError("Brugernavnet skal være 2-40 tegn: små bogstaver a-z, tal, punktum, bindestreg "
                        "eller understreg, og begynde med et bogstav eller tal.")
    return name


def check_password(username: str, password: str) -> None:
    """The password rules, said in Danish (the password itself is never repeated)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Adgangskoden skal være mindst {MIN_PASSWORD_LENGTH} tegn. En sætning på "
                        "flere ord er lettere at huske og sværere at gætte.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"Adgangskoden må højst være {MAX_PASSWORD_LENGTH} tegn.")
    if username in password.lower():
        raise UserError("Adgangskoden må ikke indeholde brugernavnet.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_role(con: duckdb.DuckDBPyConnection, role: str, network: str | None) -> str | None:
    """The network id to store for ``role`` (None but for ``netvaerk``); ``UserError`` in Danish.

    A network's contact is tied to the network's stable id, not its name: a rename in the
    registry (``plan.networks.rename_network``) keeps them on their own network.
    """
    if role not in ROLES:
        raise UserError(f"Ukendt rolle »{role}«. Vælg en af: {', '.join(ROLES)}.")
    if role != "netvaerk":
        if network:
            raise UserError("Kun rollen netvaerk har et netværk.")
        return None
    network = " ".join((network or "").split())
    if not network:
        raise UserError("En bruger med rollen netvaerk skal have sit netværk (--network).")
    from evaluation.plan import networks

    match = networks.resolve(con, network)
    if not match.known:
        raise UserError(f"»{network[:60]}« {match.problem()} "
                        f"Netværkene er: {', '.join(networks.network_names(con))}.")
    return match.network_id


def _record(con: duckdb.DuckDBPyConnection, username: str, action: str) -> None:
    con.execute("INSERT INTO user_history (changed_by, username, action, role, network_id) "
                "SELECT ?, username, ?, role, network_id FROM users WHERE username = ?",
                [current_user(), action, username])


def _row_to_user(row: tuple) -> User:
    return User(*row)


# A user with their network's current name (the registry's, looked up by the stored id).
USERS_WITH_NETWORK = ("SELECT u.username, u.display_name, u.role, n.name AS network, u.active, u.created_at, "
                      "u.password_changed_at FROM users u LEFT JOIN networks n ON n.network_id = u.network_id")


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> User | None:
    found = con.execute(f"{USERS_WITH_NETWORK} WHERE u.username = ?", [username]).fetchall()
    return _row_to_user(found[0]) if found else None


def list_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    """Everybody, active first, then by name."""
    rows = con.execute(f"{USERS_WITH_NETWORK} ORDER BY u.active DESC, u.username").fetchall()
    return [_row_to_user(row) for row in rows]


def add_user(db_path: Path, username: str, *, role: str, password: str, display_name: str | None = None,
             network: str | None = None) -> User:
    """Create a user (one transaction, with its history row)."""
    username = normal_username(username)
    check_password(username, password)
    display_name = " ".join((display_name or username).split())[:MAX_DISPLAY_NAME]
    password_hash = hash_password(password)
    with db.writer(Path(db_path)) as con:
        network_id = _check_role(con, role, network)
        if get_user(con, username) is not None:
            raise UserError(f"Der findes allerede en bruger med navnet {username}.")
        con.execute("INSERT INTO users (username, display_name, role, network_id, password_hash, created_by) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [username, display_name, role, network_id, password_hash,
                                                  current_user()])
        _record(con, username, "add")
        user = get_user(con, username)
    assert user is not None
    return user


def _existing(con: duckdb.DuckDBPyConnection, username: str) -> User:
    user = get_user(con, normal_username(username))
    if user is None:
        raise UserError(f"Der findes ingen bruger med navnet {username.strip().lower()}.")
    return user


def set_password(db_path: Path, username: str, password: str) -> User:
    """A new password (the old sessions end: the server compares ``password_changed_at``)."""
    username = normal_username(username)
    check_password(username, password)
    password_hash = hash_password(password)
    with db.writer(Path(db_path)) as con:
        _existing(con, username)
        con.execute("UPDATE users SET password_hash = ?, password_changed_at = current_timestamp "
                    "WHERE username = ?", [password_hash, username])
        _record(con, username, "password")
        return _existing(con, username)


def set_active(db_path: Path, username: str, active: bool) -> User:
    """Disable (the server ends the person's sessions and shuts their pages' kernels down) or enable."""
    with db.writer(Path(db_path)) as con:
        user = _existing(con, username)
        if user.active != active:
            con.execute("UPDATE users SET active = ? WHERE username = ?", [active, user.username])
            _record(con, user.username, "enable" if active else "disable")
        return _existing(con, user.username)


def verify(con: duckdb.DuckDBPyConnection, username: str, password: str) -> User | None:
    """The active user whose password this is, else None (same work whether or not the name exists)."""
    try:
        name = normal_username(username)
    except UserError:
        name = None
    found = con.execute("SELECT password_hash FROM users WHERE username = ? AND active",
                        [name]).fetchall() if name else []
    stored = found[0][0] if found else _DUMMY_HASH
    try:
        _hasher.verify(stored, password[:MAX_PASSWORD_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return get_user(con, name) if found else None


def history(con: duckdb.DuckDBPyConnection, username: str | None = None) -> list[dict]:
    """Every change to users, newest first, with Danish action words."""
    rows = con.execute(
        "SELECT h.changed_at, h.changed_by, h.username, h.action, h.role, n.name FROM user_history h "
        "LEFT JOIN networks n ON n.network_id = h.network_id "
        "WHERE ? IS NULL OR h.username = ? ORDER BY h.change_id DESC", [username, username]).fetchall()
    return [{"changed_at": r[0], "changed_by": r[1], "username": r[2], "action": ACTIONS[r[3]],
             "role": r[4], "network": r[5]} for r in rows]

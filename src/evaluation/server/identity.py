"""Who is asking, seen from a page's kernel (and from the server's own handlers).

A Voilà kernel is a separate process that runs a page for one person. What it knows about
the request comes from the server, never from the browser: ``app.SspVoila`` passes the mode
and a channel secret in the kernels' environment, and (``ssp-eval serve``) the logged-in
person's user name as a request header that the server sets after removing any copy the
browser sent (``settings.IDENTITY_HEADER``; Voilà's ``http_header_envs`` turns it into the
kernel's ``HTTP_X_SSP_USER``). A pre-heated kernel gets it when the request arrives
(``wait_for_request``); one that receives no identity has nobody to show anything to.

Views call ``current_person()`` for the person and role and hand it to ``roles``; writes
record ``settings.current_user()``, which reads the same identity.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from evaluation.errors import AccessDenied
from evaluation.server.roles import TEAM, Person
from evaluation.settings import IDENTITY_ENV, MODE_ENV, _acting_user, database_path

KERNEL_SECRET_ENV = "SSP_EVAL_KERNEL_SECRET"
KERNEL_QUERY_PATH = "ssp/kernel-query"
NOT_LOGGED_IN = "Du er ikke logget ind. Log ind igen, og genindlæs siden."
VERSION_KEY = "\0version"  # not a user name (USERNAME never allows a NUL)
_cache: dict[str, object] = {}


def kernel_query_url(port: int | str, server_url: str = "/") -> str:
    """The request channel's URL for ``voila.utils.wait_for_request`` (which appends ``/<kernel_id>``)."""
    base = server_url if server_url.endswith("/") else server_url + "/"
    return f"ws://127.0.0.1:{port}{base}{KERNEL_QUERY_PATH}/{os.environ.get(KERNEL_SECRET_ENV, '')}"


def wait_for_request() -> None:
    """In a pre-heated kernel, wait here until a person opens the page.

    With ``preheat_kernel`` Voilà starts a kernel and runs the notebook before anyone asks
    for it; the request (query string, the server's identity header) arrives on a websocket
    the server keeps behind a secret (``handlers.KernelQueryHandler``). Outside pre-heating
    (tests, a kernel started for the request) this returns at once: the request is already
    in the environment.
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return
    from voila.utils import wait_for_request as voila_wait

    voila_wait(kernel_query_url(os.environ.get("VOILA_APP_PORT", "8866"),
                                os.environ.get("VOILA_SERVER_URL", "/")))


def serving() -> bool:
    """True under ``ssp-eval serve`` (the server and its kernels): a login decides everything."""
    return os.environ.get(MODE_ENV) == "server"


def local_person() -> Person:
    """The one person of ``ssp-eval dashboard``, the CLI and the tests: the OS login, as team."""
    try:
        name = getpass.getuser()
    except Exception:  # no login name in some containers
        name = "ukendt"
    return Person(name, name, TEAM, None)


def current_person(db_path: Path | None = None) -> Person | None:
    """The person this page (or request) is for, with role and network; None when nobody is.

    Under the server: the user the server named (a handler's ``settings.acting_as``, or the
    kernel's identity from the request), looked up in the database now, so a disabled user
    or a changed role counts at once. Elsewhere: the local person (team).
    """
    if not serving():
        return local_person()
    username = _acting_user.get() or os.environ.get(IDENTITY_ENV, "").strip()
    if not username:
        return None
    return lookup(database_path(db_path), username)


def lookup(db_path: Path, username: str) -> Person | None:
    """The active user ``username`` as a Person, cached per version of the database file.

    Every write replaces the file (``db.writer``), so (inode, mtime, size) names a version:
    a disabled user or a changed role is seen on the first call after the change.
    """
    from evaluation.server import users
    from evaluation.store import db

    try:
        stat = Path(db_path).stat()
    except OSError:
        return None
    version = (str(db_path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    if _cache.get(VERSION_KEY) != version:
        _cache.clear()
        _cache[VERSION_KEY] = version
    if username not in _cache:
        with db.reader(Path(db_path)) as con:
            user = users.get_user(con, username)
        _cache[username] = (Person(user.username, user.display_name, user.role, user.network)
                            if user is not None and user.active else None)
    return _cache[username]


def require_person(db_path: Path | None = None) -> Person:
    """``current_person()``, or ``AccessDenied`` (Danish) when nobody is logged in."""
    person = current_person(db_path)
    if person is None:
        raise AccessDenied(NOT_LOGGED_IN)
    return person

"""Login for ``ssp-eval serve``: who a request is from, the Danish login page, and who may
talk to which kernel.

Voilà 0.5 standalone takes ``Voila.identity_provider_class`` and ``Voila.authorizer_class``
(Jupyter Server 2's identity API). With ``SspIdentityProvider`` every page, kernel, upload
and download needs a session cookie (``JupyterHandler.prepare`` redirects or answers 403);
static assets are on an explicit allow-list (``tests/server/test_security.py`` checks the
whole route table). ``SspAuthorizer`` is what Voilà asks before a kernel connection (voila
#1110: only then): a kernel belongs to the session whose page started it (``KernelOwners``),
so knowing another person's kernel id is not enough.

Identity can also come from a municipal single-sign-on proxy (``--trusted-user-header``):
only when the request's socket peer is the configured proxy; the same header from anywhere
else is refused, as are forwarding headers (``X-Forwarded-For`` …) from a non-proxy peer.
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from evaluation.server import users
from evaluation.server.accesslog import AccessLog, subject_hash
from evaluation.server.errorpage import DanishErrors
from evaluation.server.roles import Person
from evaluation.server.sessions import SessionStore, id_hash
from evaluation.settings import settings

COOKIE_NAME = "ssp-session"
SSO_ADDRESS = "sso"  # the session "address" of people who came through the single-sign-on proxy
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-Ip", "X-Forwarded-Proto", "X-Scheme", "X-Forwarded-Host")
# The session of the page a render request is starting a kernel for (``KernelOwners.claim``).
rendering_for: contextvars.ContextVar[str | None] = contextvars.ContextVar("ssp_rendering_for", default=None)


@dataclass
class SspUser(User):
    """Jupyter Server's user, with our role and the session it came with."""

    role: str = ""
    network: str | None = None
    session: str = ""  # the session id's hash

    @property
    def person(self) -> Person:
        return Person(self.username, self.display_name, self.role, self.network)

    @property
    def is_team_member(self) -> bool:
        return self.person.is_team


class KernelOwners:
    """Which session each kernel was started (or handed out pre-heated) for."""

    def __init__(self) -> None:
        self._owner: dict[str, str] = {}

    def claim(self, kernel_id: str, session: str | None) -> None:
        if session:
            self._owner[kernel_id] = session

    def owner(self, kernel_id: str | None) -> str | None:
        return self._owner.get(kernel_id or "")

    def of(self, session: str) -> list[str]:
        return [k for k, s in self._owner.items() if s == session]

    def forget(self, kernel_id: str) -> None:
        self._owner.pop(kernel_id, None)

    def items(self) -> list[tuple[str, str]]:
        return list(self._owner.items())


class ServerState:
    """Everything the server-mode handlers share: users, sessions, log, kernel owners, proxy."""

    def __init__(self, db_path: Path, state_dir: Path, log: AccessLog, *, idle: timedelta, max_age: timedelta,
                 proxy_address: str = "", trusted_user_header: str = "", secure_cookies: bool = False) -> None:
        self.db_path = Path(db_path)
        self.log = log
        self.sessions = SessionStore(state_dir / "sessions.sqlite", idle=idle, max_age=max_age)
        self.owners = KernelOwners()
        self.proxy_address = proxy_address
        self.trusted_user_header = trusted_user_header
        self.secure_cookies = secure_cookies
        self.pruned_at: datetime | None = None  # the access log's last pruning (guard)
        self._users_version: tuple = ()
        self._users: dict[str, users.User] = {}

    # --- users, read once per version of the database file --------------------------------

    def user(self, username: str) -> users.User | None:
        """The user record (cached until the database file is replaced by any write)."""
        from evaluation.store import db

        try:
            stat = self.db_path.stat()
        except OSError:
            return None
        version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if version != self._users_version:
            with db.reader(self.db_path) as con:
                self._users = {u.username: u for u in users.list_users(con)}
            self._users_version = version
        return self._users.get(username)

    # --- where a request comes from -------------------------------------------------------

    def peer(self, handler: web.RequestHandler) -> str:
        """The socket's peer address (never a header)."""
        address = handler.request.connection.context.address
        return str(address[0]) if isinstance(address, tuple) else "unix"

    def from_proxy(self, handler: web.RequestHandler) -> bool:
        return bool(self.proxy_address) and self.peer(handler) == self.proxy_address

    def check_forwarding(self, handler: web.RequestHandler) -> None:
        """Forwarding and user headers count only from the proxy; from anyone else: 403."""
        if self.from_proxy(handler):
            return
        sent = [h for h in FORWARDING_HEADERS if h in handler.request.headers]
        if self.trusted_user_header and self.trusted_user_header in handler.request.headers:
            sent.append(self.trusted_user_header)
        if sent and self.proxy_address:
            self.log.record("refused", detail=f"videresendings-header fra {self.peer(handler)}",
                            address=self.peer(handler))
            raise web.HTTPError(403)

    def client_address(self, handler: web.RequestHandler) -> str:
        """The client's address as far as the server can know it (the proxy's forwarded one)."""
        return handler.request.remote_ip if self.from_proxy(handler) else self.peer(handler)

    def address_is_known(self, handler: web.RequestHandler) -> bool:
        """Whether lock-out by address makes sense: not an unconfigured proxy's loopback address."""
        if self.from_proxy(handler):
            return True
        try:
            return not ipaddress.ip_address(self.peer(handler)).is_loopback
        except ValueError:
            return False

    # --- sessions -------------------------------------------------------------------------

    def as_user(self, record: users.User, session: str) -> SspUser:
        return SspUser(record.username, record.display_name, record.display_name, role=record.role,
                       network=record.network, session=session)

    def session_user(self, session_id: str, *, touch: bool = True) -> SspUser | None:
        """The person of a cookie's live session; ``touch`` counts the request as activity."""
        session = self.sessions.get(session_id)
        if session is None:
            return None
        record = self.user(session.username)
        if record is None or not record.active or _stamp(record.password_changed_at) != session.password_changed_at:
            return None  # the guard ends it (and its kernels) on its next round
        if touch:
            self.sessions.touch(session.id_hash)
        return self.as_user(record, session.id_hash)

    def still_live(self, handler: web.RequestHandler) -> bool:
        """Whether the request's session is live, without counting it as activity (pagehtml)."""
        if self.trusted_user_header and self.from_proxy(handler) and self.trusted_user_header in handler.request.headers:
            name = handler.request.headers.get(self.trusted_user_header, "").strip().lower()
            record = self.user(name) if name else None
            return record is not None and record.active and any(
                s.username == record.username and s.address == SSO_ADDRESS for s in self.sessions.live())
        raw = handler.get_secure_cookie(COOKIE_NAME, max_age_days=math.ceil(settings.session_max_hours / 24))
        return bool(raw) and self.session_user(raw.decode("ascii", "replace"), touch=False) is not None

    def single_sign_on_user(self, handler: web.RequestHandler) -> SspUser | None:
        """The proxy's user header, honoured from the proxy only (a session per person)."""
        name = handler.request.headers.get(self.trusted_user_header, "").strip().lower()
        record = self.user(name) if name else None
        if record is None or not record.active:
            return None
        session = next((s.id_hash for s in self.sessions.live()
                        if s.username == record.username and s.address == SSO_ADDRESS), None)
        if session is None:
            session = id_hash(self.sessions.create(record.username, address=SSO_ADDRESS,
                                                   password_changed_at=_stamp(record.password_changed_at)))
            self.log.record("login", username=record.username, detail="single sign-on",
                            address=self.client_address(handler))
        self.sessions.touch(session)
        return self.as_user(record, session)


def _stamp(moment: Any) -> str | None:
    return None if moment is None else str(moment)


def state_of(handler: web.RequestHandler) -> ServerState:
    return handler.settings["ssp_state"]


class SspIdentityProvider(IdentityProvider):
    """A person is a live session (cookie) or, behind a single-sign-on proxy, its user header."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["login_handler_class"] = LoginHandler  # Voilà passes its own; ours is Danish
        kwargs["logout_handler_class"] = LogoutHandler
        kwargs["token"] = ""
        super().__init__(**kwargs)

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    def get_handlers(self) -> list[tuple[str, object]]:
        return [(r"/login", LoginHandler), (r"/logout", LogoutHandler)]

    def get_user(self, handler: web.RequestHandler) -> SspUser | None:
        state = state_of(handler)
        state.check_forwarding(handler)
        if state.trusted_user_header and state.from_proxy(handler) \
                and state.trusted_user_header in handler.request.headers:
            return state.single_sign_on_user(handler)
        raw = handler.get_secure_cookie(COOKIE_NAME, max_age_days=math.ceil(settings.session_max_hours / 24))
        if not raw:
            return None
        return state.session_user(raw.decode("ascii", "replace"))

    def set_session_cookie(self, handler: web.RequestHandler, session_id: str) -> None:
        state = state_of(handler)
        secure = state.secure_cookies or handler.request.protocol == "https"
        handler.set_secure_cookie(COOKIE_NAME, session_id, expires_days=None, httponly=True, samesite="Lax",
                                  secure=secure, path=handler.base_url)

    def clear_login_cookie(self, handler: web.RequestHandler) -> None:
        handler.clear_cookie(COOKIE_NAME, path=handler.base_url)


class SspAuthorizer(Authorizer):
    """Kernels only for the session they belong to; nothing else goes through an authorizer here."""

    def is_authorized(self, handler: web.RequestHandler, user: Any, action: str, resource: str) -> bool:
        if resource != "kernels" or not isinstance(user, SspUser):
            return False
        kernel_id = getattr(handler, "kernel_id", None) or handler.path_kwargs.get("kernel_id")
        allowed = kernel_id is not None and state_of(handler).owners.owner(kernel_id) == user.session
        if not allowed:
            state_of(handler).log.record("refused", username=user.username, detail="kerne, der tilhører en anden",
                                         address=state_of(handler).client_address(handler))
        return allowed


def safe_next(target: str | None, default: str) -> str:
    """Where to go after the login: a path on this server only (never ``//host`` or ``https://``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


LOGIN_PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Log ind – SSP-evaluering</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; color: #1F2933; background: #F0F4F8; margin: 0; }}
main {{ max-width: 380px; margin: 80px auto; background: #FFF; padding: 28px 32px; border-radius: 6px;
        border: 1px solid #BCCCDC; }}
h1 {{ font-size: 22px; margin: 0 0 4px 0; }} p.lead {{ color: #52606D; margin: 0 0 18px 0; }}
label {{ display: block; font-weight: bold; margin: 12px 0 4px 0; }}
input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box; padding: 8px; font-size: 16px;
        border: 1px solid #7B8794; border-radius: 4px; }}
button {{ margin-top: 18px; padding: 9px 18px; font-size: 16px; background: #0072B2; color: #FFF; border: 0;
         border-radius: 4px; cursor: pointer; }}
.fejl {{ background: #FDECEA; border-left: 4px solid #D55E00; padding: 8px 12px; margin: 0 0 12px 0; }}
</style></head><body><main>
<h1>SSP-evaluering</h1><p class="lead">Log ind med dit brugernavn og din adgangskode.</p>
{message}
<form method="post" action="{action}">
<input type="hidden" name="_xsrf" value="{xsrf}"><input type="hidden" name="next" value="{next}">
<label for="username">Brugernavn</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" required
       value="{username}" autofocus>
<label for="password">Adgangskode</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log ind</button>
</form></main></body></html>"""

WRONG = "Forkert brugernavn eller adgangskode."
LOCKED = ("For mange forkerte forsøg: der kan ikke logges ind på denne konto i {minutes} minutter. "
          "Bed en fra SSP-teamet om en ny adgangskode, hvis du har glemt den.")


class LoginHandler(DanishErrors, JupyterHandler):
    """``/login``: the Danish login page (user name and password), with lock-out."""

    def render_login(self, message: str = "", username: str = "", status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        box = f'<p class="fejl" role="alert">{escape(message)}</p>' if message else ""
        self.finish(LOGIN_PAGE.format(
            message=box, action=escape(self.base_url + "login"), xsrf=escape(self.xsrf_token.decode("ascii")),
            next=escape(safe_next(self.get_argument("next", None), self.base_url)), username=escape(username)))

    @allow_unauthenticated
    def get(self) -> None:
        if self.current_user:
            self.redirect(safe_next(self.get_argument("next", None), self.base_url))
            return
        self.render_login()

    @allow_unauthenticated
    async def post(self) -> None:
        state = state_of(self)
        typed = self.get_body_argument("username", "")[:200]
        password = self.get_body_argument("password", "")
        address = state.client_address(self)
        try:
            name = users.normal_username(typed)
        except users.UserError:
            name = ""
        record = state.user(name) if name else None
        who = {"username": record.username} if record else {"subject": subject_hash(typed)}
        if self._locked(state, who, address):
            state.log.record("login_locked", address=address, **who)
            self.render_login(LOCKED.format(minutes=settings.login_lock_minutes), typed, status=429)
            return
        verified = await asyncio.get_running_loop().run_in_executor(None, self._verify, state, name, password)
        if verified is None:
            state.log.record("login_failed", address=address, **who)
            self.render_login(WRONG, typed, status=401)
            return
        session_id = state.sessions.create(verified.username, address=address,
                                           password_changed_at=_stamp(verified.password_changed_at))
        self.identity_provider.set_session_cookie(self, session_id)
        state.log.record("login", username=verified.username, address=address)
        self.redirect(safe_next(self.get_argument("next", None), self.base_url))

    @staticmethod
    def _verify(state: ServerState, name: str, password: str) -> users.User | None:
        """argon2 verification (tens of ms): in a worker thread, never on the event loop."""
        from evaluation.store import db

        with db.reader(state.db_path) as con:
            return users.verify(con, name, password)

    def _locked(self, state: ServerState, who: dict[str, str], address: str) -> bool:
        window = timedelta(minutes=settings.login_lock_minutes)
        failed, _ = state.log.failures(window=window, **who)
        if failed >= settings.login_max_failures:
            return True
        if state.address_is_known(self):
            by_address, _ = state.log.failures(window=window, address=address)
            return by_address >= settings.login_max_failures_per_address
        return False


LOGGED_OUT_PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Logget ud</title>
<style>body{{font-family:Arial,Helvetica,sans-serif;color:#1F2933;margin:40px}}a{{color:#0072B2}}</style></head>
<body><h1>Du er logget ud</h1><p>Dine åbne sider er lukket.</p><p><a href="{login}">Log ind igen</a></p></body></html>"""


class LogoutHandler(DanishErrors, JupyterHandler):
    """``/logout``: ends the session (and its pages' kernels) and forgets the cookie."""

    @allow_unauthenticated
    async def get(self) -> None:
        user = self.current_user
        if isinstance(user, SspUser):
            from evaluation.server.guard import end_session

            await end_session(self.settings, user.session, "logget ud", event="logout")
        self.identity_provider.clear_login_cookie(self)
        self.set_header("Cache-Control", "no-store")
        self.finish(LOGGED_OUT_PAGE.format(login=escape(self.base_url + "login")))

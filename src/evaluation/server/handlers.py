"""Our wrappers around Voilà's handlers, and the route table additions.

Voilà 0.5's handlers are used as they are, with these changes (``app.SspVoila.init_handlers``
swaps them in):

- ``RenderHandler``: Voilà's page handler. It reads ``self.xsrf_token`` so tornado sets the
  ``_xsrf`` cookie. Voilà's page sends the "tab closed → shut my kernel down" beacon with the
  value of that cookie, and the page never set it: every shutdown was refused (403 "'_xsrf'
  argument missing") and each page view kept its kernel until culled 15 minutes later.
- ``KernelQueryHandler``: where a pre-heated kernel learns its request. Voilà serves it at
  ``/voila/query/<kernel_id>`` without any check (voila's design: the kernel has no cookie);
  here it is at a path with a secret only kernels know (their environment) and answers only
  connections from this machine.
- ``RenderHandler.prepare`` refuses (429) a page beyond ``pages_per_session`` open ones:
  each page is a kernel of ~200 MB, and one person reloading in a loop must not exhaust
  the server (closed tabs free theirs through Voilà's shutdown beacon, idle ones are culled).
- ``RenderHandler.write``: the page's HTML without links to other hosts and, under
  ``serve``, with the script that tells an open page its session ended (``pagehtml``).
- ``StartPage``: ``/`` leads to the first page; Voilà's notebook tree and its contents API
  (which also returns the notebooks' source) are not served.
- ``PlotlyScript``: plotly.js for the pages' charts (``views/figure_view.py``), from the plotly
  package (offline), fetched once a page has a chart to draw and then cached by the browser.
  The jupyterlab-plotly extension is not loaded (``voila.json``: ``extension_denylist``):
  Voilà loaded it on every page, and its 4.8 MB bundle was compiled and run before the
  page's first content (~0.7 s of the browser's main thread on Årsevaluering at 10,000 cases,
  also on the pages without a chart).
"""

from __future__ import annotations

import gzip
import hmac
import ipaddress
from functools import cache
from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler

from evaluation.server import identity, login, pagehtml, roles, teampages, transfer
from evaluation.server.errorpage import DanishErrors
from evaluation.settings import IDENTITY_HEADER, PLOTLY_SCRIPT_PATH, settings

KERNEL_ID = r"(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)"
IDENTITY_HEADERS = frozenset({IDENTITY_HEADER.lower()})

class RenderHandler(DanishErrors, TornadoVoilaHandler):
    """Voilà's page handler, plus the ``_xsrf`` cookie its page needs, the identity header
    the page's kernel gets, and (server) the role's page check and the access log."""

    async def prepare(self) -> None:
        await super().prepare()
        if self._finished:
            return
        self.xsrf_token  # noqa: B018 - tornado sets the _xsrf cookie on first access
        for name in [n for n in self.request.headers if n.lower() in IDENTITY_HEADERS]:
            del self.request.headers[name]  # only the server names the person, never a browser
        user = self.current_user
        if not isinstance(user, login.SspUser):
            return  # local mode: the one person of this machine
        state = login.state_of(self)
        notebook = self.path_args[0] if self.path_args else ""
        network = self.get_query_argument("netvaerk", None)
        if not roles.may_open_page(user.person, notebook):
            state.log.record("refused", username=user.username, page=notebook, address=state.client_address(self))
            raise web.HTTPError(403)
        open_pages = [k for k in state.owners.of(user.session) if k in self.kernel_manager]
        if len(open_pages) >= self.settings.get("ssp_pages_per_session", settings.pages_per_session):
            state.log.record("refused", username=user.username, page=notebook, detail="for mange åbne sider",
                             address=state.client_address(self))
            raise web.HTTPError(429)
        state.log.record("page", username=user.username, page=notebook, network=network,
                         address=state.client_address(self))
        self.request.headers[IDENTITY_HEADER] = user.username
        login.rendering_for.set(user.session)

    def write(self, chunk: Any) -> None:
        """Voilà's page, as ``pagehtml.adjust`` changes it (no outside links; the session watch)."""
        if isinstance(chunk, str):
            serving = isinstance(self.current_user, login.SspUser)
            chunk = pagehtml.adjust(chunk, watch=pagehtml.watch_script(self.base_url) if serving else None)
        super().write(chunk)


class ShutdownKernelHandler(VoilaShutdownKernelHandler):
    """The tab-closed beacon's target (``/voila/api/shutdown/<kernel_id>``): your own kernels only."""

    @web.authenticated
    async def post(self, kernel_id: str) -> None:
        user = self.current_user
        if isinstance(user, login.SspUser):
            state = login.state_of(self)
            if state.owners.owner(kernel_id) != user.session:
                state.log.record("refused", username=user.username, detail="lukke en andens kerne",
                                 address=state.client_address(self))
                raise web.HTTPError(403)
            state.owners.forget(kernel_id)
        await super().post(kernel_id)


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


class KernelQueryHandler(RequestInfoSocketHandler):
    """``/ssp/kernel-query/<secret>/<kernel_id>``: the pre-heated kernel's request channel.

    Voilà keeps what a request brings (query string, chosen headers) for the kernel that will
    show the page, and hands it over on this websocket. Only a process on this machine that
    knows the secret (``identity.KERNEL_SECRET_ENV``, inherited by kernels) may open it.
    """

    def prepare(self) -> None:
        peer = self.request.connection.context.address  # the socket's peer, never a header
        secret = self.settings.get("ssp_kernel_secret", "")
        given = self.path_kwargs.get("secret", "")
        if not (secret and hmac.compare_digest(given, secret)
                and isinstance(peer, tuple) and is_loopback(str(peer[0]))):
            raise web.HTTPError(403)

    def open(self, secret: str = "", kernel_id: str = "") -> None:  # type: ignore[override]
        super().open(kernel_id)


@cache
def _plotly_js() -> tuple[bytes, bytes]:
    """plotly.min.js from the plotly package, as it is and gzipped (read once per server)."""
    from plotly.offline import get_plotlyjs

    script = get_plotlyjs().encode("utf-8")
    return script, gzip.compress(script, compresslevel=6)


class PlotlyScript(DanishErrors, JupyterHandler):
    """``GET /ssp/static/plotly.min.js``: plotly.js for the pages' charts (see above); the pages
    ask for it with the version in the query, so a browser keeps it until plotly changes."""

    @web.authenticated
    async def get(self) -> None:
        script, zipped = await transfer.in_worker(_plotly_js)  # the first time ~0.2 s: off the event loop
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "private, max-age=31536000, immutable")
        self.set_header("Vary", "Accept-Encoding")
        if "gzip" in self.request.headers.get("Accept-Encoding", ""):
            self.set_header("Content-Encoding", "gzip")
            self.finish(zipped)
        else:
            self.finish(script)


class StartPage(DanishErrors, JupyterHandler):
    """``/``: straight to the person's first page (there is no notebook list to browse)."""

    @web.authenticated
    def get(self) -> None:
        user = self.current_user
        role = user.role if isinstance(user, login.SspUser) else roles.TEAM
        self.redirect(url_path_join(self.base_url, roles.START_PAGES[role]))


def ssp_routes(server_url: str) -> list[tuple]:
    """Our routes, put before Voilà's."""
    return [
        (server_url, StartPage),
        *teampages.routes(server_url),
        (url_path_join(server_url, r"/ssp/session"), pagehtml.SessionStatusHandler),
        (url_path_join(server_url, r"/ssp/upload"), transfer.UploadHandler),
        (url_path_join(server_url, r"/ssp/download/([a-z]+)/([^/]+)"), transfer.DownloadHandler),
        (url_path_join(server_url, "/" + PLOTLY_SCRIPT_PATH), PlotlyScript),
        (url_path_join(server_url, "/" + identity.KERNEL_QUERY_PATH + r"/(?P<secret>[\w-]+)/" + KERNEL_ID), KernelQueryHandler),
    ]

"""Voilà as SSP-evaluering runs it: a small subclass of Voilà's standalone app.

Both faces use it: ``ssp-eval dashboard`` (``mode=local``: one person on this machine,
loopback only, no login) and ``ssp-eval serve`` (``mode=server``: a login for every page,
kernel, upload and download). It runs as its own process (``python -m
evaluation.server.app``, started by ``launch``), because Voilà is a traitlets application
with its own event loop and signal handling.

What the subclass changes in Voilà 0.5 (read in its ``app.py``; each reason in the handler):

- the route table (``init_handlers``): Voilà's render handler is wrapped
  (``handlers.RenderHandler``) so it sets the ``_xsrf`` cookie that the page's "close tab →
  shut the kernel down" beacon reads — without it every shutdown was refused with 403 and each
  page view held a kernel (~210 MB) until culled; the upload and download handlers are added;
  Voilà's notebook tree and contents API are replaced by a start page (they would list and
  serve the notebooks' source); ``/voila/files`` is dropped (nothing is served from the
  dashboards folder); the pre-heated kernel's request channel moves behind a secret only
  kernels know (``handlers.KernelQueryHandler``);
- kernels talk to the server over CurveZMQ-encrypted TCP (jupyter_client's
  ``transport_encryption``): on a shared machine no other local process can listen in, and
  ipykernel no longer prints its English warning about plain TCP for each page view;
- under ``serve`` a Content-Security-Policy on every answer: this server is the only host a
  page may talk to or load from;
- ``listen`` fails with exit code ``PORT_BUSY`` (the face says it in Danish) instead of
  printing Voilà's English message, and the stop (SIGTERM from ``launch``) shuts every
  kernel down before the process exits.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import shutil
import sys

from datetime import timedelta
from typing import Any

from jupyter_core.utils import ensure_async, run_sync
from traitlets import Enum, Float, Int, Unicode

from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import AllowListFileHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from evaluation.server import guard, handlers, login
from evaluation.server.accesslog import AccessLog
from evaluation.server.identity import KERNEL_SECRET_ENV
from evaluation.server.sessions import load_cookie_secret
from evaluation.settings import IDENTITY_HEADER, MODE_ENV, access_log_path, database_path, server_state_path
from evaluation.settings import settings as tunables

# Exit codes the face (``launch``) turns into Danish sentences.
PORT_BUSY = 3

# Under serve, every answer tells the browser to talk to this server only: should a page ever
# show something a person typed as markup, nothing could be sent to, or loaded from, another
# host (connect/img/font/style/script sources are 'self'). Voilà's page needs inline and eval'd
# scripts and blob: modules (anywidget), so scripts are not locked down further than the origin.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
    "style-src 'self' 'unsafe-inline' blob:", "img-src 'self' data: blob:", "font-src 'self' data:",
    "connect-src 'self'", "worker-src 'self' blob:", "object-src 'none'", "base-uri 'self'",
    "form-action 'self'", "frame-ancestors 'self'",
])


class SspVoila(Voila):
    """Voilà with SSP-evaluering's routes, handlers and stop; see the module docstring."""

    mode = Enum(["local", "server"], default_value="local", config=True,
                help="local: one person on this machine, no login. server: login for everything.")
    kernel_secret = Unicode(help="Shared with the kernels (environment) for the request channel.")
    proxy_address = Unicode("", config=True,
                            help="The TLS reverse proxy's address: forwarded headers count from it only.")
    trusted_user_header = Unicode("", config=True,
                                  help="A single-sign-on proxy's user header, honoured from proxy_address only.")
    session_idle_s = Float(tunables.session_idle_minutes * 60.0, config=True, help="Idle time that ends a session.")
    session_max_s = Float(tunables.session_max_hours * 3600.0, config=True, help="Longest session.")
    guard_interval_s = Float(10.0, config=True, help="How often sessions and kernels are checked.")
    pages_per_session = Int(tunables.pages_per_session, config=True,
                            help="Open pages (kernels, ~200 MB each) one session may hold at once.")

    def initialize(self, argv: list[str] | None = None) -> None:
        super().initialize(argv)
        # tornado's request and error logs follow the app's level: a consultant's terminal
        # shows no English "404 GET …" lines unless --verbose asks for the technical log.
        for name in ("tornado.access", "tornado.application", "tornado.general"):
            logging.getLogger(name).setLevel(self.log_level)
        # Kernels inherit this process's environment: the mode and the channel secret reach
        # them that way, never through anything a browser sends.
        self.kernel_secret = secrets.token_urlsafe(32)
        os.environ[KERNEL_SECRET_ENV] = self.kernel_secret
        os.environ[MODE_ENV] = self.mode
        for name in [name for name in os.environ if name.startswith("HTTP_")]:
            del os.environ[name]  # only the server sets request headers for kernels
        # Kernel traffic encrypted with CurveZMQ keys the kernel manager provisions per kernel
        # (jupyter_client >= 8.9, ipykernel's kernelspec declares support); "required" fails
        # loudly rather than falling back to plain text.
        self.config.KernelManager.transport_encryption = "required"
        # The identity header reaches kernels (and only the server sets it: RenderHandler).
        self.voila_configuration.http_header_envs = [IDENTITY_HEADER]
        if self.mode == "server":
            if self.trusted_user_header and not self.proxy_address:
                raise ValueError("trusted_user_header needs proxy_address")
            self.identity_provider_class = login.SspIdentityProvider
            self.authorizer_class = login.SspAuthorizer
            self.cookie_secret = load_cookie_secret(server_state_path())

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["xsrf_cookies"] = True
        settings["xsrf_cookie_kwargs"] = {"samesite": "Strict"}
        settings["ssp_mode"] = self.mode
        settings["ssp_kernel_secret"] = self.kernel_secret
        settings["ssp_pages_per_session"] = self.pages_per_session
        if self.mode == "server":
            settings.setdefault("headers", {})["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            secure = bool(self.proxy_address)  # the proxy terminates TLS (README: IT's set-up)
            settings["xsrf_cookie_kwargs"] = {"samesite": "Strict", "secure": secure}
            settings["ssp_state"] = login.ServerState(
                database_path(), server_state_path(), AccessLog(access_log_path()),
                idle=timedelta(seconds=self.session_idle_s), max_age=timedelta(seconds=self.session_max_s),
                proxy_address=self.proxy_address, trusted_user_header=self.trusted_user_header,
                secure_cookies=secure)
            self._claim_kernels(settings["ssp_state"].owners)
        return settings

    def _claim_kernels(self, owners: login.KernelOwners) -> None:
        """Record which session each page's kernel is for, before its id reaches a browser.

        Two ways a page gets a kernel in Voilà 0.5: started for the request
        (``start_kernel``, with ``VOILA_PREHEAT=False`` in its environment), or a pre-heated
        one handed out (``get_rendered_notebook``). The pool's own refills also call
        ``start_kernel`` (from a task that copied the request's context), so only the first
        kind claims there. The refill no longer inherits the previous request's URL.
        """
        manager = self.kernel_manager
        start_kernel, get_rendered = manager.start_kernel, manager.get_rendered_notebook

        async def start_for_request(*args: Any, **kwargs: Any) -> str:
            kernel_id = await ensure_async(start_kernel(*args, **kwargs))
            if (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "False":
                owners.claim(kernel_id, login.rendering_for.get())
            return kernel_id

        async def hand_out(*args: Any, **kwargs: Any) -> Any:
            kwargs["extra_kernel_env_variables"] = {}
            render_task, rendered, kernel_id = await get_rendered(*args, **kwargs)
            owners.claim(kernel_id, login.rendering_for.get())
            return render_task, rendered, kernel_id

        manager.start_kernel = start_for_request
        manager.get_rendered_notebook = hand_out

    def init_handlers(self) -> list:
        """Voilà's routes with ours swapped in (see the module docstring for each)."""
        replaced = {
            TornadoVoilaHandler: handlers.RenderHandler,
            VoilaShutdownKernelHandler: handlers.ShutdownKernelHandler,
        }
        dropped = (AllowListFileHandler, VoilaContentsHandler, TornadoVoilaTreeHandler, RequestInfoSocketHandler)
        routes = []
        for route in super().init_handlers():
            pattern, handler_class, *rest = route
            if handler_class in dropped:
                continue
            routes.append((pattern, replaced.get(handler_class, handler_class), *rest))
        return handlers.ssp_routes(self.server_url) + routes

    def listen(self) -> None:
        """Listen on exactly ``port`` (never another), run until stopped, then shut down.

        Voilà's own ``listen`` tries other ports and says so in English; a taken port is an
        exit code here, said in Danish by the face that started this process.
        """
        import tornado.ioloop

        xheaders = self.mode == "server" and bool(self.proxy_address)
        try:
            self.app.listen(self.port, self.ip, xheaders=xheaders)
            if self.ip and self.ip not in ("0.0.0.0", "::") and not handlers.is_loopback(self.ip):
                # Pre-heated kernels reach the request channel on 127.0.0.1 (identity.kernel_query_url).
                self.app.listen(self.port, "127.0.0.1", xheaders=xheaders)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                self.log.error("Port %s kan ikke bruges: %s", self.port, exc.strerror)
                self.exit(PORT_BUSY)
            raise
        self.log.info("SSP-evaluering kører på %s", self.display_url)
        self.ioloop = tornado.ioloop.IOLoop.current()
        if self.mode == "server":
            watch = tornado.ioloop.PeriodicCallback(lambda: guard.guard_round(self.app.settings),
                                                    self.guard_interval_s * 1000)
            watch.start()
        try:
            self.ioloop.start()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Every kernel stopped at once, then the connection files removed.

        Killed, not asked: a pre-heated kernel waiting for its request (or a page busy in a
        callback) answered a shutdown request by printing a ZMQ traceback when its reply met a
        closed socket. A kernel holds nothing to save (a database write replaces the file
        atomically; storage removes a killed writer's copy), and a stopped service must stop.
        """
        self.log.info("Stopper: lukker %d kerner", len(self.kernel_manager.list_kernel_ids()))
        run_sync(self.kernel_manager.shutdown_all)(now=True)
        shutil.rmtree(self.connection_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    SspVoila.launch_instance(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()

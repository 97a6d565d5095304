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
- ``listen`` fails with exit code ``PORT_BUSY`` (the face says it in Danish) instead of
  printing Voilà's English message, and the stop (SIGTERM from ``launch``) shuts every
  kernel down before the process exits.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import sys

from traitlets import Enum, Unicode

from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import AllowListFileHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from evaluation.server import handlers
from evaluation.server.identity import KERNEL_SECRET_ENV, MODE_ENV

# Exit codes the face (``launch``) turns into Danish sentences.
PORT_BUSY = 3


class SspVoila(Voila):
    """Voilà with SSP-evaluering's routes, handlers and stop; see the module docstring."""

    mode = Enum(["local", "server"], default_value="local", config=True,
                help="local: one person on this machine, no login. server: login for everything.")
    kernel_secret = Unicode(help="Shared with the kernels (environment) for the request channel.")

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

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["xsrf_cookies"] = True
        settings["xsrf_cookie_kwargs"] = {"samesite": "Strict"}
        settings["ssp_mode"] = self.mode
        settings["ssp_kernel_secret"] = self.kernel_secret
        return settings

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

        try:
            self.app.listen(self.port, self.ip)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                self.log.error("Port %s kan ikke bruges: %s", self.port, exc.strerror)
                self.exit(PORT_BUSY)
            raise
        self.log.info("SSP-evaluering kører på %s", self.display_url)
        self.ioloop = tornado.ioloop.IOLoop.current()
        try:
            self.ioloop.start()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Every kernel shut down (a shutdown request, then a kill after jupyter_client's wait)."""
        self.log.info("Stopper: lukker %d kerner", len(self.kernel_manager.list_kernel_ids()))
        super().stop()


def main(argv: list[str] | None = None) -> None:
    SspVoila.launch_instance(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()

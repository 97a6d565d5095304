"""Who is asking, seen from a page's kernel (and from the server's own handlers).

A Voilà kernel is a separate process that runs a page for one person. What it knows about
the request comes from the server, never from the browser: ``app.SspVoila`` passes the mode
and a channel secret in the kernels' environment, and (``ssp-eval serve``) the logged-in
person as a request header that the server sets after removing any copy the browser sent.
"""

from __future__ import annotations

import os

MODE_ENV = "SSP_EVAL_MODE"
KERNEL_SECRET_ENV = "SSP_EVAL_KERNEL_SECRET"
KERNEL_QUERY_PATH = "ssp/kernel-query"


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

"""Closing a tab shuts its kernel down (issue 13, item 2's cause).

Voilà's page sends ``POST /voila/api/shutdown/<kernel_id>`` from ``beforeunload`` with an
``_xsrf`` form field read from the ``_xsrf`` cookie — a cookie the page never set. Every
shutdown was refused (403 "'_xsrf' argument missing") and each page view held its kernel
(~210 MB) until culled 15 minutes later. Here a real Chromium opens a page, the test reads
the page's kernel id, closes the tab as a person does, and asks the server for that kernel.
"""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import Browser
from serverkit import PAGE_TIMEOUT_MS, RunningServer

pytestmark = pytest.mark.browser

KERNEL_ID_JS = "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


def kernel_status(server: RunningServer, kernel_id: str, cookies: dict[str, str]) -> int:
    return httpx.get(server.url(f"/api/kernels/{kernel_id}"), cookies=cookies, timeout=30).status_code


@pytest.mark.parametrize("notebook", ["udforsk.ipynb", "aarsevaluering.ipynb"], ids=["started", "pre-heated"])
def test_closing_the_tab_shuts_its_kernel_down(local_server: RunningServer, browser: Browser, notebook: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(local_server.url(f"/voila/render/{notebook}"), timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector(".ssp-page", timeout=PAGE_TIMEOUT_MS)  # the widgets are live
    kernel_id = page.evaluate(KERNEL_ID_JS)
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert "_xsrf" in cookies
    assert kernel_status(local_server, kernel_id, cookies) == 200
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 30
    while kernel_status(local_server, kernel_id, cookies) != 404:
        assert time.monotonic() < deadline, "kernen lever stadig 30 s efter, at fanen blev lukket"
        time.sleep(0.5)
    context.close()

"""Printing HTML to PDF with Debian's Chromium: the actioncard and the network sheet.

One place for the browser's path and flags and for the two things every print needs: the
browser runs in a thread of its own (Playwright's sync API refuses to run inside an asyncio
loop, and a Voilà kernel and the server both have one), and its failures become Danish
messages. The yearly report keeps one long-lived printer of its own (``report/render.py``)
and reads the same path and flags from here.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from evaluation.errors import EvaluationError

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; a browser is never downloaded
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PDF_TIMEOUT_MS = 60_000

T = TypeVar("T")


class PrintError(EvaluationError):
    """Chromium is missing or could not print (the message is Danish and names no data)."""


def in_chromium(html: str, work: Callable[[Page], T]) -> T:
    """Load ``html`` into a Chromium page and return ``work(page)`` (e.g. ``page.pdf(...)``)."""
    if not CHROMIUM.exists():
        raise PrintError(f"Chromium findes ikke på {CHROMIUM}. Installér den med 'make browser'.")
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_run, html, work).result()


def _run(html: str, work: Callable[[Page], T]) -> T:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.set_default_timeout(PDF_TIMEOUT_MS)
                page.set_content(html, wait_until="load")
                return work(page)
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PrintError("Chromium kunne ikke udskrive siden. Prøv igen.") from exc

"""Reading what a user reads, in the browser (a helper for the browser tests, not a test module).

``page_texts`` opens every page of the navigation on a real Voilà server and returns its text as
a reader sees it (``innerText``, every folded table opened) with its headings; ``edition_texts``
renders both report editions (papermill, HTML) and reads them in the same browser. Each text is
also written to ``keep`` (under artefacts/) to read.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from evaluation.analysis import kpis
from evaluation.report.render import render_report
from evaluation.store import db
from evaluation.views import navigation
from first_view import first_view_state
from browsing import PAGE_TIMEOUT_MS
from test_dashboard_browser import open_page, screenshot

READ_TEXT = """() => {
  document.querySelectorAll('details').forEach((d) => { d.open = true; });
  return document.body.innerText;
}"""
HEADINGS = "() => [...document.querySelectorAll('th, h1, h2, h3, h4, summary')].map((e) => e.innerText.trim())"


def read(page: Page, name: str, keep: Path) -> tuple[str, list[str]]:
    """The text a reader sees on ``page`` (folded tables opened) and its headings; kept to read."""
    text = page.evaluate(READ_TEXT)
    keep.mkdir(parents=True, exist_ok=True)
    (keep / f"{name}.txt").write_text(text, encoding="utf-8")
    return text, page.evaluate(HEADINGS)


def page_texts(browser: Browser, port: int, keep: Path, shots: str | None = None) -> dict[str, tuple[str, list[str]]]:
    """Every page of the navigation on its first view (a screenshot ``<shots>-<page>`` when named)."""
    texts = {}
    for entry in navigation.PAGES:
        page = open_page(browser, port, f"{entry.key}.ipynb")
        try:
            expect(page.locator("h1").first).to_be_visible()
            state = first_view_state(page, PAGE_TIMEOUT_MS, entry.key)
            assert state["loading"] == [], (entry.key, state)
            texts[entry.key] = read(page, entry.key, keep)
            if shots:
                screenshot(page, f"{shots}-{entry.key}")
        finally:
            page.close()
    return texts


def edition_texts(browser: Browser, db_path: Path, out_dir: Path, keep: Path) -> dict[str, tuple[str, list[str]]]:
    """Both editions of the latest year, rendered as the CLI does (HTML), read in the browser."""
    with db.reader(db_path) as con:
        year = kpis.latest_year(con)
    texts = {}
    for edition in ("team", "kredsraad"):
        files = render_report(db_path, year, edition=edition, out_dir=out_dir, pdf=False, docx=False)
        page = browser.new_page()
        try:
            page.goto(files.html.resolve().as_uri())
            texts[f"rapport-{edition}"] = read(page, f"rapport-{edition}", keep)
        finally:
            page.close()
    return texts

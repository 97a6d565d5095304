"""One wording check over everything a user reads (issue 13, item 4).

Every page of the navigation is opened in Chromium on a real Voilà server (the demo database),
and both report editions are rendered by papermill and opened in the same browser; the text a
reader sees (``innerText``, with every folded table opened) goes through the rules in
``wording.py``: no ISO date, no broken number agreement, only »…« quotes, no internal key, no
operating-system user as author, no English word, no phone number in double brackets; and the
product calls the actioncard by one name. Table and section headings are words, not protocol
names ("HTTP"). The texts are kept in artefacts/wording/ to read.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from evaluation.analysis import kpis
from evaluation.report.render import render_report
from evaluation.server import dashboard
from evaluation.settings import REPO_ROOT
from evaluation.store import db
from evaluation.views import navigation
from first_view import first_view_state
from test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, PAGE_TIMEOUT_MS, open_page, wait_for_port
from wording import internal_keys, mixed_terms, problems

pytestmark = pytest.mark.browser
expect.set_options(timeout=PAGE_TIMEOUT_MS)

TEXTS = REPO_ROOT / "artefacts" / "wording"
# Headings a consultant cannot read: protocol and programming names.
TECHNICAL_HEADINGS = {"HTTP", "URL", "ID", "Id", "id", "Status code", "JSON", "SQL"}
READ_TEXT = """() => {
  document.querySelectorAll('details').forEach((d) => { d.open = true; });
  return document.body.innerText;
}"""
HEADINGS = "() => [...document.querySelectorAll('th, h1, h2, h3, h4, summary')].map((e) => e.innerText.trim())"


@pytest.fixture(scope="module")
def wording_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wording") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture(scope="module")
def server(wording_db: Path, free_port: Callable[[], int]) -> Iterator[int]:
    port = free_port()
    process = dashboard.start(wording_db, port, quiet=True)
    try:
        wait_for_port(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def read(page: Page, name: str) -> tuple[str, list[str]]:
    """The text a reader sees on ``page`` (folded tables opened) and its headings; kept to read."""
    text = page.evaluate(READ_TEXT)
    TEXTS.mkdir(parents=True, exist_ok=True)
    (TEXTS / f"{name}.txt").write_text(text, encoding="utf-8")
    return text, page.evaluate(HEADINGS)


def page_texts(browser: Browser, port: int) -> dict[str, tuple[str, list[str]]]:
    texts = {}
    for entry in navigation.PAGES:
        page = open_page(browser, port, f"{entry.key}.ipynb")
        try:
            expect(page.locator("h1").first).to_be_visible()
            state = first_view_state(page, PAGE_TIMEOUT_MS, entry.key)
            assert state["loading"] == [], (entry.key, state)
            texts[entry.key] = read(page, entry.key)
        finally:
            page.close()
    return texts


def edition_texts(browser: Browser, db_path: Path, out_dir: Path) -> dict[str, tuple[str, list[str]]]:
    """Both editions of the latest year, rendered as the CLI does (HTML), read in the browser."""
    with db.reader(db_path) as con:
        year = kpis.latest_year(con)
    texts = {}
    for edition in ("team", "kredsraad"):
        files = render_report(db_path, year, edition=edition, out_dir=out_dir, pdf=False, docx=False)
        page = browser.new_page()
        try:
            page.goto(files.html.resolve().as_uri())
            texts[f"rapport-{edition}"] = read(page, f"rapport-{edition}")
        finally:
            page.close()
    return texts


@pytest.fixture(scope="module")
def everything(browser: Browser, server: int, wording_db: Path,
               tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, list[str]]]:
    """Every page's and both editions' text, read once for the module."""
    texts = page_texts(browser, server)
    texts.update(edition_texts(browser, wording_db, tmp_path_factory.mktemp("rapporter")))
    return texts


def test_every_page_and_both_editions_keep_the_wording_rules(everything: dict[str, tuple[str, list[str]]],
                                                             wording_db: Path) -> None:
    assert set(everything) == {p.key for p in navigation.PAGES} | {"rapport-team", "rapport-kredsraad"}
    keys = internal_keys(db_path=wording_db)
    found = [problem for name, (text, _) in everything.items() for problem in problems(text, keys, where=name)]
    found += mixed_terms({name: text for name, (text, _) in everything.items()})
    assert found == [], "\n".join(found)


def test_headings_are_words_not_protocol_names(everything: dict[str, tuple[str, list[str]]]) -> None:
    found = [(name, heading) for name, (_, headings) in everything.items()
             for heading in headings if heading in TECHNICAL_HEADINGS]
    assert found == []


def test_the_rules_would_catch_what_the_pages_once_showed() -> None:
    """The rules themselves: each line a consultant once read breaks exactly the rule named."""
    keys = internal_keys()
    once = {
        "Senest revideret 2025-11-20 af teamet.": "ISO-dato",
        "1 roller uden registreret person, 9 skal bekræftes igen.": "1 roller",
        "0 af 1 sager · 95 %-interval 0 %–79 %": "1 sager",
        "Opdateret 3 sag siden.": "3 sag",
        'grænsen for "ud over tilfældig variation" strammet': "citationstegn",
        "Feltet (kraenkelsestyper) har en ukendt værdi.": "intern nøgle 'kraenkelsestyper'",
        "Kolonnen last_revised mangler.": "intern nøgle 'last_revised'",
        "Ring til red_barnet_hotline.": "intern nøgle 'red_barnet_hotline'",
        "Af: root": "styresystemets bruger 'root'",
        "Loading …": "engelsk ord 'Loading'",
        "Red Barnets hotline ((+45) 35 36 55 55)": "dobbelt parentes",
    }
    for line, rule in once.items():
        found = problems(line, keys)
        assert len(found) == 1 and rule in found[0], (line, found)
    fine = ("1 rolle mangler, 9 roller skal bekræftes igen. Kilde: https://datatilsynet.dk/2025-11-20 "
            "og aarsevaluering-2025-team.pdf. 0 af 1 sag · »ud over tilfældig variation« · 3–4 sager")
    assert problems(fine, keys) == []
    assert mixed_terms({"a": "Actioncardets faser", "b": "Handlekortet fulgt"})
    assert mixed_terms({"a": "Actioncardets faser", "b": "Actioncardet fulgt"}) == []

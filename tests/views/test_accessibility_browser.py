"""Accessibility in a real browser (issue 13, item 9): Danish public bodies' tools must meet
WCAG 2.1 AA. axe-core (from the npm registry, fetched by ``make setup`` into tests/a11y, pinned by
its package-lock.json) is injected by Playwright into every page of a real Voilà server, and must
find no serious or critical violation of the WCAG 2.1 A and AA rules. The filters and forms are
used with the keyboard only, and every chart has its numbers as a table (its text alternative).
Each page's axe result is kept in artefacts/axe/ (CI keeps the artefacts).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from evaluation.analysis import kpis
from evaluation.analysis.filters import Filters
from evaluation.settings import REPO_ROOT
from evaluation.store import db
from evaluation.views import navigation
from evaluation.views.experience import kpi_value_text
from browsing import PAGE_TIMEOUT_MS, running_dashboard
from first_view import first_view_state
from test_dashboard_browser import open_page, screenshot

pytestmark = pytest.mark.browser
expect.set_options(timeout=PAGE_TIMEOUT_MS)

AXE = REPO_ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
AXE_REPORTS = REPO_ROOT / "artefacts" / "axe"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
MAX_TABS = 120  # a control further away than this many Tab presses counts as unreachable


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core as fetched at setup; its absence is a failure, never a skip."""
    if not AXE.exists():
        pytest.fail(f"{AXE} mangler: kør 'make setup' (henter axe-core fra npm-registret).")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def a11y_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("a11y") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture(scope="module")
def server(a11y_db: Path, free_port: Callable[[], int]) -> Iterator[int]:
    """A real Voilà server as ``ssp-eval dashboard`` starts it; yields its port."""
    with running_dashboard(a11y_db, free_port()) as port:
        yield port


def run_axe(page: Page, axe_source: str, name: str) -> list[dict]:
    """axe's WCAG 2.1 A/AA violations on the page as it is now; the full result goes to artefacts/axe/."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    assert result["passes"], "axe ran no checks: the page was empty"
    return result["violations"]


def blocking(violations: list[dict]) -> list[str]:
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['nodes'][0]['target']} – {v['help']}"
            for v in violations if v["impact"] in BLOCKING]


@pytest.mark.parametrize("key", [p.key for p in navigation.PAGES])
def test_no_serious_or_critical_wcag_violation_on_any_page(browser: Browser, server: int, axe_source: str,
                                                           key: str) -> None:
    page = open_page(browser, server, f"{key}.ipynb")
    try:
        expect(page.locator("h1").first).to_be_visible()
        state = first_view_state(page, PAGE_TIMEOUT_MS, key)  # the whole first view, charts included
        assert state["empty"] == [] and state["loading"] == [], state
        found = blocking(run_axe(page, axe_source, key))
        assert found == [], f"{key}: " + "; ".join(found)
    finally:
        page.close()


def test_a_confirmation_box_is_accessible_too(browser: Browser, server: int, axe_source: str) -> None:
    """The decision box that opens on Årsevaluering (question 4) after a click."""
    page = open_page(browser, server, "aarsevaluering.ipynb")
    try:
        select = page.locator(".ssp-candidate select")
        expect(select.locator("option").nth(1)).to_be_attached()
        select.select_option(index=1)
        page.locator(".ssp-accept-new").click()
        expect(page.locator(".ssp-confirm-yes")).to_be_visible()
        found = blocking(run_axe(page, axe_source, "aarsevaluering-bekraeftelse"))
        assert found == [], "; ".join(found)
    finally:
        page.close()


def tab_to(page: Page, selector: str) -> int:
    """Press Tab from the top of the page until ``selector`` has the focus; returns the presses."""
    page.locator("body").click(position={"x": 1, "y": 1})
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} kunne ikke nås med Tab ({MAX_TABS} tryk)")


def test_the_filters_work_with_the_keyboard_alone(browser: Browser, server: int, a11y_db: Path) -> None:
    with db.reader(a11y_db) as con:
        year = kpis.latest_year(con)
        frame = kpis.kpis(con, Filters(year=year)).set_index("key")
    page = open_page(browser, server, "aarsevaluering.ipynb")
    try:
        cases = page.locator('[data-kpi="cases"] .ssp-kpi-value')
        expect(cases).to_have_text(kpi_value_text(frame.loc["cases"].to_dict()))
        tab_to(page, ".ssp-filter-network select")
        page.keyboard.press("ArrowDown")  # from "Alle netværk" to the first network
        network = page.eval_on_selector(".ssp-filter-network select", "s => s.options[s.selectedIndex].text")
        network = network.replace("\xa0", " ")
        with db.reader(a11y_db) as con:
            chosen = kpis.kpis(con, Filters(year=year, networks=(network,))).set_index("key")
        expect(cases).to_have_text(kpi_value_text(chosen.loc["cases"].to_dict()))
        screenshot(page, "aarsevaluering-tastatur-filter")
    finally:
        page.close()


def test_a_form_is_filled_in_and_saved_with_the_keyboard_alone(browser: Browser, server: int,
                                                               a11y_db: Path) -> None:
    note = "Skrevet og gemt med tastaturet alene."
    page = open_page(browser, server, "moedenoter.ipynb")
    try:
        expect(page.locator(".ssp-note-list")).to_be_visible()
        tab_to(page, ".ssp-note-text textarea")
        page.keyboard.type(note)
        tab_to(page, ".ssp-save-note")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Mødenoten er gemt.")).to_be_visible()
        expect(page.locator(".ssp-note-list")).to_contain_text(note)
        with db.reader(a11y_db) as con:
            saved = con.execute("SELECT count(*) FROM meeting_notes WHERE note = ?", [note]).fetchall()
        assert saved == [(1,)]
    finally:
        page.close()


def test_every_chart_has_its_numbers_as_a_table(browser: Browser, server: int) -> None:
    """The text alternative of a chart (WCAG 1.1.1): a folded table of exactly what is drawn."""
    page = open_page(browser, server, "aarsevaluering.ipynb")
    try:
        first_view_state(page, PAGE_TIMEOUT_MS, "aarsevaluering")
        outputs = page.locator(".ssp-figure")  # the chart areas (views/figure_view.py)
        count = outputs.count()
        assert count >= 7
        for i in range(count):
            area = outputs.nth(i)
            title = area.locator(".ssp-figure-plot .gtitle").first.text_content()
            summary = area.locator("details.ssp-figure-data summary")
            expect(summary).to_have_text(f"Tallene bag figuren: {title}")
            assert area.locator("details.ssp-figure-data tbody tr").count() > 0, title
        outputs.first.locator("details.ssp-figure-data summary").click()
        expect(outputs.first.locator("details.ssp-figure-data table")).to_be_visible()
    finally:
        page.close()

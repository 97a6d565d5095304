"""The workbench's journeys in a real browser: a real Voilà server (``dashboard.start``) on a copy
of the demo database, Debian's Chromium through Playwright.

Every page is photographed as it first appears (before any click: a page that is empty until
the first click is a bug) and after its journey, into artefacts/screenshots/. Expected values
come from the library (planstatus, kpis, keypersons, the registry), never from the page.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from evaluation.report import network_sheet
from evaluation.analysis import kpis, stats
from evaluation.analysis.filters import Filters
from evaluation.plan import keypersons, networks, planstatus, registry
from evaluation.store import db
from evaluation.views import navigation
from evaluation.views.experience import kpi_value_text
from browsing import PAGE_TIMEOUT_MS, running_dashboard
from first_view import assert_first_view_is_complete
from test_dashboard_browser import assert_no_traceback, open_page, screenshot, wait_for_charts

pytestmark = pytest.mark.browser
expect.set_options(timeout=PAGE_TIMEOUT_MS)

# What each page shows before any click: its heading and one piece of real content.
FIRST_CONTENT: dict[str, tuple[str, str]] = {
    "aarsevaluering": ("Årsevaluering af handleplanen for digitale krænkelser", ".ssp-kpi"),
    "indlaes": ("Indlæs netværkenes sagsudtræk", ".ssp-import-list table"),
    "aarsrapport": ("Årsrapport", ".ssp-make-report"),
    "opfoelgning": ("Opfølgning på handleplanen", ".ssp-followup-item"),
    "netvaerk": ("Netværk: årsmøde i det lokale SSP-netværk", ".ssp-kpi"),
    "udforsk": ("Udforsk sagerne", ".ssp-explore-table table"),
    "moedenoter": ("Mødenoter fra netværkenes evalueringsmøder", ".ssp-note-list"),
}


@pytest.fixture(scope="module")
def bench_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo database; the reports folder is beside it (settings)."""
    path = tmp_path_factory.mktemp("workbench") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture(scope="module")
def server(bench_db: Path, free_port: Callable[[], int]) -> Iterator[int]:
    """A real Voilà server as ``ssp-eval dashboard`` starts it; yields its port."""
    with running_dashboard(bench_db, free_port()) as port:
        yield port


def visit(browser: Browser, port: int, key: str, query: str = "") -> Page:
    """Open a page and wait for its first useful content (no click)."""
    page = open_page(browser, port, f"{key}.ipynb{query}")
    heading, content = FIRST_CONTENT[key]
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator(content).first).to_be_visible()
    return page


@pytest.mark.parametrize("key", [p.key for p in navigation.PAGES])
def test_every_page_shows_its_content_and_the_navigation_before_any_click(browser: Browser, server: int,
                                                                          key: str) -> None:
    page = visit(browser, server, key)
    try:
        nav = page.locator("nav.ssp-nav a")
        expect(nav).to_have_count(len(navigation.PAGES))
        assert nav.all_text_contents() == [p.label for p in navigation.PAGES]
        expect(page.locator('nav.ssp-nav a[aria-current="page"]')).to_have_text(navigation.BY_KEY[key].label)
        assert_first_view_is_complete(page, key, PAGE_TIMEOUT_MS)  # charts drawn, no blank box (issue 13)
        assert_no_traceback(page)
        screenshot(page, f"{key}-foer")
    finally:
        page.close()


def test_the_navigation_takes_you_to_another_page(browser: Browser, server: int) -> None:
    page = visit(browser, server, "udforsk")
    try:
        page.locator("nav.ssp-nav a", has_text="Opfølgning").click()
        expect(page.get_by_role("heading", name="Opfølgning på handleplanen")).to_be_visible()
        assert page.url.endswith("/voila/render/opfoelgning.ipynb")
    finally:
        page.close()


def test_ticking_off_a_follow_up_item(browser: Browser, server: int, bench_db: Path) -> None:
    with db.reader(bench_db) as con:
        due = planstatus.due_items(con)
    item = due[due["kind"] == "role_due"].iloc[0]
    page = visit(browser, server, "opfoelgning")
    try:
        row = page.locator(".ssp-followup-item", has_text=f"{item['what']}:")
        expect(row).to_have_count(1)
        row.locator(".ssp-tick input[type=checkbox]").check()
        expect(page.get_by_text(f"Gemt: rollen i {item['network']} er bekræftet i dag.")).to_be_visible()
        expect(page.locator(".ssp-followup-item", has_text=f"{item['what']}:")).to_have_count(0)
        with db.reader(bench_db) as con:
            latest = keypersons.verification_history(con, item["network"])
        assert latest.iloc[0]["role_id"] == item["ref"]
        assert_no_traceback(page)
        screenshot(page, "opfoelgning-efter-flueben")
    finally:
        page.close()


def test_running_the_link_check_from_the_page(browser: Browser, server: int, bench_db: Path, local_site) -> None:
    base, hits = local_site
    with db.writer(bench_db) as con:
        ids = list(registry.addresses(con)["address_id"])
        for address_id, path in zip(ids, ("/ok", "/flyttet", "/vaek"), strict=False):
            registry.update_address_url(con, address_id, f"{base}{path}", reason="test")
    page = visit(browser, server, "opfoelgning")
    try:
        page.locator(".ssp-run-links").click()
        expect(page.locator(".ssp-link-progress")).to_be_visible()
        expect(page.get_by_text(re.compile(r"^Kontrollerede 3 adresser"))).to_be_visible()
        assert {"/ok", "/flyttet", "/vaek"} <= set(hits)
        moved = page.locator(".ssp-followup-item", has_text="/flyttet")
        expect(moved).to_have_count(1)
        expect(moved.locator(".ssp-tick")).to_contain_text("Klaret: ret adressen til")
        expect(page.locator(".ssp-followup-item", has_text="/vaek")).to_have_count(1)
        assert_no_traceback(page)
        screenshot(page, "opfoelgning-efter-linktjek")
    finally:
        page.close()


def test_a_link_from_opfoelgning_opens_aarsevaluering_at_the_question(browser: Browser, server: int) -> None:
    page = visit(browser, server, "opfoelgning")
    try:
        page.locator(".ssp-followup-item a", has_text="spørgsmål 2").first.click()
        heading = page.get_by_role("heading", name="2. Nøglepersoner")
        expect(heading).to_be_visible()
        assert page.url.endswith("aarsevaluering.ipynb#sektion-2")
        page.wait_for_function(
            "() => { const h = document.getElementById('sektion-2'); if (!h) return false; "
            "const r = h.getBoundingClientRect(); return r.top >= -5 && r.top < window.innerHeight / 2; }",
            timeout=PAGE_TIMEOUT_MS)
    finally:
        page.close()


def test_a_networks_page_by_its_address(browser: Browser, server: int, bench_db: Path) -> None:
    with db.reader(bench_db) as con:
        network, other = network_sheet.networks(con)[-1], network_sheet.networks(con)[0]
        year = kpis.latest_year(con)
        frame = kpis.kpis(con, Filters(year=year, networks=(network,))).set_index("key")
    page = visit(browser, server, "netvaerk", "?" + navigation.href("netvaerk", netvaerk=network).split("?")[1])
    try:
        expect(page.get_by_role("heading", name=f"{network} {year}")).to_be_visible()
        expect(page.locator('[data-kpi="cases"] .ssp-kpi-value')).to_have_text(kpi_value_text(frame.loc["cases"].to_dict()))
        expect(page.locator(".ssp-fdr")).to_have_text(stats.FDR_SENTENCE)
        wait_for_charts(page, 2)
        link = page.locator(".ssp-download-network")
        expect(link).to_have_attribute("href", navigation.download_href("netvaerk",
                                                                        network_sheet.sheet_name(network, year)))
        page.select_option(".ssp-network-choice select", label=other)
        expect(page.get_by_role("heading", name=f"{other} {year}")).to_be_visible()
        assert_no_traceback(page)
        screenshot(page, "netvaerk-efter")
    finally:
        page.close()


@pytest.mark.parametrize("edition", ["team", "kredsraad"])
def test_making_a_report_edition(browser: Browser, server: int, bench_db: Path, edition: str) -> None:
    label = {"team": "Teamets udgave", "kredsraad": "Kredsrådets udgave"}[edition]
    page = visit(browser, server, "aarsrapport")
    try:
        year = page.locator(".ssp-report-year select option:checked").text_content()
        page.locator(".ssp-report-edition button", has_text=label).click()
        page.locator(".ssp-make-report").click()
        expect(page.locator(".ssp-report-progress")).to_be_visible()
        expect(page.locator(".ssp-report-progress-text")).to_contain_text("Beregner")
        expect(page.get_by_text(f"{label} for {year} er lavet.")).to_be_visible(timeout=600_000)
        stem = f"aarsevaluering-{year}-{edition}"
        links = page.locator(".ssp-report-result a.ssp-report-file")
        expect(links.first).to_have_attribute("href", navigation.download_href("rapport", f"{stem}.pdf"))
        team_only = page.locator(".ssp-team-only")
        expect(team_only).to_have_count(1 if edition == "kredsraad" else 0)
        expect(page.locator(".ssp-report-list")).to_contain_text(label)
        assert_no_traceback(page)
        screenshot(page, f"aarsrapport-efter-{edition}")
    finally:
        page.close()
    assert (bench_db.parent / "rapporter" / f"{stem}.pdf").read_bytes().startswith(b"%PDF")


def test_the_tagging_list_on_aarsrapport_is_drawn_without_a_click(browser: Browser, server: int,
                                                                   bench_db: Path) -> None:
    """The list is drawn once the page is (it is most of the page's widgets); nobody clicks for it."""
    from evaluation.analysis import queries
    from evaluation.report import inputs
    from evaluation.views.report_inputs import MAX_TAG_ROWS

    with db.reader(bench_db) as con:
        year = queries.filter_options(con).years[0]
        listed = len(inputs.learnings(con, year, limit=MAX_TAG_ROWS))
    assert listed > 0
    page = visit(browser, server, "aarsrapport")
    try:
        expect(page.locator(".ssp-learning-tag select")).to_have_count(listed)
        expect(page.locator(".ssp-learning-tags")).not_to_contain_text("Henter")
        screenshot(page, "aarsrapport-maerkning")
    finally:
        page.close()


def test_the_team_adds_a_network_on_the_upload_page(browser: Browser, server: int, bench_db: Path) -> None:
    """A new local network without a terminal: a name close to a known one is asked about first,
    then the network is in the registry and its files can be loaded at once (the upload drop-down).
    Last in this file: the other tests look at the demo's eight networks."""
    with db.reader(bench_db) as con:
        known = networks.network_names(con)
    near = known[0] + "x"  # one letter more than a known network's name
    page = visit(browser, server, "indlaes")
    try:
        screenshot(page, "indlaes-netvaerk-foer")
        page.locator(".ssp-network-name input").fill(near)
        page.locator(".ssp-network-add").click()
        expect(page.get_by_text(f"Navnet ligner det kendte netværk »{known[0]}«.", exact=False)).to_be_visible()
        with db.reader(bench_db) as con:
            assert networks.network_names(con) == known  # nothing written before the yes
        page.locator(".ssp-network-add-confirm").click()
        expect(page.get_by_text(f"Netværket »{near}« er oprettet.", exact=False)).to_be_visible()
        with db.reader(bench_db) as con:
            assert near in networks.network_names(con)
        expect(page.locator(".ssp-upload-network select option", has_text=near)).to_have_count(1)
        expect(page.locator(".ssp-network-list td", has_text=near)).to_have_count(1)
        assert_no_traceback(page)
        screenshot(page, "indlaes-netvaerk-efter")
    finally:
        page.close()


def test_the_team_undoes_an_import_on_the_upload_page(browser: Browser, server: int, bench_db: Path) -> None:
    """The newest import taken back in the browser: the preview names it, the yes undoes it.
    Last in this file with the network test: it changes the demo's cases."""
    from evaluation.store import erasure

    with db.reader(bench_db) as con:
        newest = erasure.imports(con).iloc[0]
    page = visit(browser, server, "indlaes")
    try:
        select = page.locator(".ssp-undo-choice select")
        option = select.locator("option", has_text=f"Nr. {int(newest['import_id'])}: {newest['file_name']}")
        expect(option).to_have_count(1)
        select.select_option(label=option.inner_text())
        page.locator(".ssp-undo-preview").click()
        question = page.locator(".ssp-undo-question")
        expect(question).to_contain_text(f"Indlæsning {int(newest['import_id'])} af {newest['file_name']}")
        screenshot(page, "indlaes-fortryd-spoerger")
        page.locator(".ssp-undo-confirm").click()
        expect(page.get_by_text("Fortrudt: Indlæsning", exact=False)).to_be_visible()
        with db.reader(bench_db) as con:
            assert int(newest["import_id"]) not in set(erasure.imports(con)["import_id"])
        expect(option).to_have_count(0)
        assert_no_traceback(page)
    finally:
        page.close()

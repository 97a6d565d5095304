"""The dashboards in a real browser: a real Voilà server (``dashboard.start``) on the demo
database, driven with Playwright in Debian's Chromium.

One server and one browser for the whole module; the database is a copy of the session's
demo database, so the writes here (an accepted actor, a meeting note, an ingest) stay here.
Expected numbers come from the library (``kpis.kpis``), never from the page itself.
Screenshots go to artefacts/screenshots/ (CI keeps them); ``make readme-screenshot`` copies the
README's picture from there to docs/, so a test run never changes a tracked file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from evaluation.server import dashboard
from evaluation.store import db
from evaluation.analysis import charts, kpis, queries
from evaluation.analysis.filters import Filters
from evaluation.settings import REPO_ROOT
from evaluation.views.experience import LEARNINGS_SHOWN, kpi_value_text
from evaluation.views.figure_text import figure_rows
from evaluation.views.figure_view import prepare
from browsing import PAGE_TIMEOUT_MS, running_dashboard

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO_ROOT / "artefacts" / "screenshots"
README_SCREENSHOT = SCREENSHOTS / "aarsevaluering-readme.png"
CHARTS_ON_AARSEVALUERING = 7
SECTION_HEADINGS = ("1. Sammenhæng med politikker", "2. Nøglepersoner", "3. Webadresser og telefonnumre",
                    "4. Nye aktører", "5. Erfaringer fra året")
expect.set_options(timeout=PAGE_TIMEOUT_MS)  # widgets render after the page; a kernel starts per view
NEW_NETWORK = "Ny Friskole"
NEW_FILE = (
    "sags_id;netvaerk;institutionstype;indberetningsmaaned;aldersgruppe;kraenker;situation;"
    "kraenkelsestyper;vurdering;foraeldre_inddraget;dokumentation_sikret;politianmeldt\n"
    "NF-1;{net};friskole;{year}-03;12_14;kendt;A;billeddeling;paedagogisk;ja;ja;nej\n"
    "NF-2;{net};friskole;{year}-04;15_17;ukendt;B;afpresning;politisag;ja;delvist;ja\n"
    "NF-3;{net};friskole;{year}-05;12_14;kendt;A;chikane;paedagogisk;ja;ja;nej\n"
)



@pytest.fixture(scope="module")
def dashboard_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the session's demo database (built once through the real ingest)."""
    path = tmp_path_factory.mktemp("dashboards") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture(scope="module")
def server(dashboard_db: Path, free_port: Callable[[], int]) -> Iterator[int]:
    """A real Voilà server as ``ssp-eval dashboard`` starts it; yields its port."""
    with running_dashboard(dashboard_db, free_port()) as port:
        yield port


def open_page(browser: Browser, port: int, notebook: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(dashboard.url(port, notebook), timeout=PAGE_TIMEOUT_MS)
    return page


def wait_for_charts(page: Page, count: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {count}",
                           timeout=PAGE_TIMEOUT_MS)


def card_value(page: Page, key: str):
    return page.locator(f'[data-kpi="{key}"] .ssp-kpi-value')


def screenshot(page: Page, name: str) -> None:
    """The whole page: Voilà scrolls an inner panel, so grow the viewport to its height first."""
    height = page.evaluate("Math.max(...Array.from(document.querySelectorAll('.lm-BoxPanel-child, body'))"
                           ".map(e => e.scrollHeight))")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": min(int(height), 12_000)})
    try:
        page.wait_for_timeout(500)  # plotly redraws at the new size
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def options(page: Page, select: str) -> list[str]:
    """The option texts of a select (ipywidgets writes spaces as no-break spaces)."""
    return [text.replace("\xa0", " ") for text in page.locator(f"{select} option").all_text_contents()]


def poll(read, done, timeout_s: float = PAGE_TIMEOUT_MS / 1000):
    """Read until ``done(value)`` or the timeout; returns the last value for the assertion."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value


def assert_no_traceback(page: Page) -> None:
    text = page.inner_text("body")
    assert "Traceback" not in text and "Error" not in text, text[:2000]


def expected_card(path: Path, filters: Filters, key: str = "cases") -> str:
    with db.reader(path) as con:
        frame = kpis.kpis(con, filters).set_index("key")
    return kpi_value_text(frame.loc[key].to_dict())


def latest_year(path: Path) -> int:
    with db.reader(path) as con:
        return kpis.latest_year(con)


@pytest.fixture(scope="module")
def aarsevaluering(browser: Browser, server: int) -> Iterator[Page]:
    page = open_page(browser, server, "aarsevaluering.ipynb")
    yield page
    page.close()


def test_aarsevaluering_loads_with_danish_headings_kpis_and_charts(aarsevaluering: Page, dashboard_db: Path) -> None:
    page = aarsevaluering
    expect(page.get_by_role("heading", name="Årsevaluering af handleplanen for digitale krænkelser")).to_be_visible()
    for heading in SECTION_HEADINGS:
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    year = latest_year(dashboard_db)
    expect(card_value(page, "cases")).to_have_text(expected_card(dashboard_db, Filters(year=year)))
    wait_for_charts(page, CHARTS_ON_AARSEVALUERING)
    titles = page.locator(".ssp-figure-plot .gtitle").all_text_contents()  # SVG: text_content
    assert "Actioncardet fulgt pr. netværk" in titles
    expect(page.get_by_text("Henter figurer")).to_have_count(0)
    assert_no_traceback(page)
    screenshot(page, "aarsevaluering")
    # The README's picture: one screen (1280 × 900) from question 5's heading, the KPI cards.
    page.get_by_role("heading", name="5. Erfaringer fra året").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    page.screenshot(path=str(README_SCREENSHOT))
    assert README_SCREENSHOT.stat().st_size > 20_000  # a drawn page, not a blank one


def test_network_filter_changes_a_kpi_to_the_query_layers_value(aarsevaluering: Page, dashboard_db: Path) -> None:
    page = aarsevaluering
    year = latest_year(dashboard_db)
    with db.reader(dashboard_db) as con:
        networks = queries.filter_options(con).networks
    network = networks[-1]
    expected = expected_card(dashboard_db, Filters(year=year, networks=(network,)))
    assert expected != expected_card(dashboard_db, Filters(year=year))  # the filter must matter
    page.select_option(".ssp-filter-network select", label=network)
    expect(card_value(page, "cases")).to_have_text(expected)
    police = expected_card(dashboard_db, Filters(year=year, networks=(network,)), "police_reports")
    expect(card_value(page, "police_reports")).to_have_text(police)
    page.select_option(".ssp-filter-network select", label="Alle netværk")
    expect(card_value(page, "cases")).to_have_text(expected_card(dashboard_db, Filters(year=year)))


# One chart area (views/figure_view.py) by its SVG title: its revision, its shown drawing (the
# first call marks the area's drawings then, shown and spare, so a later call tells whether the
# shown one is one of them), the bars it draws and the rows of its data table.
_CHART_JS = """(title) => {
  const area = [...document.querySelectorAll('.ssp-figure')]
    .find((a) => a.querySelector('.ssp-figure-plot .gtitle')?.textContent === title);
  if (!area) return null;
  const plot = area.querySelector('.ssp-figure-plot');
  if (!window.__sspPlots) window.__sspPlots = [...area.querySelectorAll('.js-plotly-plot')];
  const trace = (plot && plot.data && plot.data[0]) || {};
  return {drawn: area.dataset.drawn || null, pending: 'pending' in area.dataset,
          known_plot: window.__sspPlots.includes(plot), x: Array.from(trace.x || []), y: Array.from(trace.y || []),
          rows: [...area.querySelectorAll('details.ssp-figure-data tbody tr')]
            .map((tr) => [...tr.cells].map((td) => td.textContent))};
}"""


def platforms_spec(path: Path, filters: Filters) -> dict:
    """The platforms chart's spec for ``filters``, built as the page builds it (query, spec)."""
    with db.reader(path) as con:
        return charts.platforms_spec(queries.platforms(con, filters))


def expected_platforms(path: Path, filters: Filters) -> dict:
    """What the platforms chart must draw for ``filters``, from the library (query, spec, table)."""
    spec = platforms_spec(path, filters)
    return {"x": spec["data"][0]["x"], "y": spec["data"][0]["y"], "rows": figure_rows(spec)[1]}


def test_a_filter_change_redraws_the_charts_in_place(aarsevaluering: Page, dashboard_db: Path) -> None:
    """A new network redraws the charts in the drawings the areas have (``Plotly.react`` in the
    shown one, or a spare drawn aside swapped in), bars and data table both showing the new
    network's numbers; none is torn down and made anew, and one drawing per area is shown."""
    page = aarsevaluering
    year = latest_year(dashboard_db)
    title = "Platforme i sagerne"
    wait_for_charts(page, CHARTS_ON_AARSEVALUERING)
    page.evaluate("window.__sspPlots = null")
    shown = expected_platforms(dashboard_db, Filters(year=year))  # all networks (an earlier test came back to it)
    before = poll(lambda: page.evaluate(_CHART_JS, title),
                  lambda c: c is not None and not c["pending"] and {k: c[k] for k in ("x", "y", "rows")} == shown)
    assert {k: before[k] for k in ("x", "y", "rows")} == shown, before
    with db.reader(dashboard_db) as con:
        networks = queries.filter_options(con).networks
    network = next(n for n in networks if expected_platforms(dashboard_db, Filters(year=year, networks=(n,))) != shown)
    expected = expected_platforms(dashboard_db, Filters(year=year, networks=(network,)))
    page.select_option(".ssp-filter-network select", label=network)
    after = poll(lambda: page.evaluate(_CHART_JS, title),
                 lambda c: c is not None and not c["pending"] and {k: c[k] for k in ("x", "y", "rows")} == expected)
    assert {k: after[k] for k in ("x", "y", "rows")} == expected, after
    assert after["known_plot"], "the chart was drawn in a new element instead of updated in place"
    assert int(after["drawn"]) > int(before["drawn"])
    assert page.locator(".ssp-figure .ssp-figure-plot").count() == CHARTS_ON_AARSEVALUERING  # one shown each
    page.select_option(".ssp-filter-network select", label="Alle netværk")
    expect(card_value(page, "cases")).to_have_text(expected_card(dashboard_db, Filters(year=year)))
    assert_no_traceback(page)


# The platforms area's drawings: the shown one and the spares, with their keys, widths and places.
_DRAWINGS_JS = """() => {
  const area = [...document.querySelectorAll('.ssp-figure')]
    .find((a) => a.querySelector('.ssp-figure-plot .gtitle')?.textContent === 'Platforme i sagerne');
  const plots = area.querySelector('.ssp-figure-plots');
  const one = (p) => ({key: p.dataset.key || '', width: p._fullLayout ? p._fullLayout.width : null,
                       right: p.getBoundingClientRect().right, hidden: p.getAttribute('aria-hidden'),
                       marked: p === window.__sspSpare, reacted: (window.__sspReacted || []).includes(p)});
  return {area_width: plots.clientWidth, pending: 'pending' in area.dataset,
          shown: one(area.querySelector('.ssp-figure-plot')),
          spares: [...area.querySelectorAll('.ssp-figure-spare')].map(one)};
}"""


def test_a_network_drawn_aside_is_swapped_in_and_follows_the_width(aarsevaluering: Page, dashboard_db: Path) -> None:
    """The page draws the other networks' charts aside while idle (``FigureView.predraw``): a
    network change then shows that drawing, not a redrawn one, with the chosen network's numbers;
    spares are out of sight and hidden from screen readers, and one swapped in after the window
    narrowed is brought to the area's new width."""
    page = aarsevaluering
    year = latest_year(dashboard_db)
    wait_for_charts(page, CHARTS_ON_AARSEVALUERING)
    with db.reader(dashboard_db) as con:
        networks = queries.filter_options(con).networks
    network = networks[1]
    key = prepare(platforms_spec(dashboard_db, Filters(year=year, networks=(network,)))).key
    drawings = poll(lambda: page.evaluate(_DRAWINGS_JS), lambda d: key in [s["key"] for s in d["spares"]])
    assert key in [s["key"] for s in drawings["spares"]], drawings
    for spare in drawings["spares"]:
        assert spare["hidden"] == "true" and spare["right"] <= 0, spare  # out of sight, not read aloud
    screenshot(page, "aarsevaluering-reservetegninger-foer")
    page.evaluate("""(key) => {
      window.__sspSpare = document.querySelector(`.ssp-figure-spare[data-key="${key}"]`);
      window.__sspReacted = [];
      const react = Plotly.react;
      window.Plotly.react = function (gd, ...rest) { window.__sspReacted.push(gd); return react.call(this, gd, ...rest); };
    }""", key)
    expected = expected_platforms(dashboard_db, Filters(year=year, networks=(network,)))
    page.evaluate("window.__sspPlots = null")
    page.select_option(".ssp-filter-network select", label=network)
    after = poll(lambda: page.evaluate(_CHART_JS, "Platforme i sagerne"),
                 lambda c: not c["pending"] and {k: c[k] for k in ("x", "y", "rows")} == expected)
    assert {k: after[k] for k in ("x", "y", "rows")} == expected, after
    drawings = page.evaluate(_DRAWINGS_JS)
    assert drawings["shown"]["marked"] and drawings["shown"]["key"] == key, drawings
    assert not drawings["shown"]["reacted"] and drawings["shown"]["hidden"] is None
    assert drawings["shown"]["right"] > 0
    # Exactly what a drawing made now would show: the same pixels as the figure drawn anew there.
    shown = page.locator(".ssp-figure-plot", has=page.locator(".gtitle", has_text="Platforme i sagerne"))
    shown.scroll_into_view_if_needed()
    swapped_pixels = shown.screenshot(animations="disabled")
    shown.evaluate("(gd) => Plotly.newPlot(gd, gd.data, gd.layout, gd._context)")
    page.wait_for_timeout(300)
    assert shown.screenshot(animations="disabled") == swapped_pixels
    screenshot(page, "aarsevaluering-reservetegninger-efter")

    page.set_viewport_size({"width": 900, "height": 900})  # narrower: the shown drawing follows
    try:
        narrowed = poll(lambda: page.evaluate(_DRAWINGS_JS),
                        lambda d: abs(d["shown"]["width"] - d["area_width"]) <= 1 and d["area_width"] < 1000)
        assert abs(narrowed["shown"]["width"] - narrowed["area_width"]) <= 1, narrowed
        back = prepare(platforms_spec(dashboard_db, Filters(year=year))).key  # "Alle netværk": a wide spare
        assert any(s["key"] == back and s["width"] > narrowed["area_width"] + 1 for s in narrowed["spares"]), narrowed
        page.select_option(".ssp-filter-network select", label="Alle netværk")
        swapped = poll(lambda: page.evaluate(_DRAWINGS_JS),
                       lambda d: d["shown"]["key"] == back and not d["pending"]
                       and abs(d["shown"]["width"] - d["area_width"]) <= 1)
        assert swapped["shown"]["key"] == back and abs(swapped["shown"]["width"] - swapped["area_width"]) <= 1, swapped
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
    expect(card_value(page, "cases")).to_have_text(expected_card(dashboard_db, Filters(year=year)))
    assert_no_traceback(page)


def test_the_learnings_under_the_charts_follow_a_network_change(aarsevaluering: Page, dashboard_db: Path) -> None:
    """The text under the charts goes out once the browser has reported the charts drawn
    (``experience._charts_drawn``, the chart areas' "drawn" messages): it must still arrive,
    with the chosen network's learnings only."""
    page = aarsevaluering
    year = latest_year(dashboard_db)
    with db.reader(dashboard_db) as con:
        networks = queries.filter_options(con).networks
        found = {n: len(queries.learnings(con, Filters(year=year, networks=(n,)), "", limit=LEARNINGS_SHOWN))
                 for n in networks}
    network = max(found, key=lambda n: found[n])
    assert 0 < found[network] < LEARNINGS_SHOWN
    wait_for_charts(page, CHARTS_ON_AARSEVALUERING)
    page.select_option(".ssp-filter-network select", label=network)
    cells = page.locator(".ssp-learnings tbody tr td:first-child")
    expect(cells).to_have_count(found[network])
    assert set(cells.all_text_contents()) == {network}
    page.select_option(".ssp-filter-network select", label="Alle netværk")
    expect(card_value(page, "cases")).to_have_text(expected_card(dashboard_db, Filters(year=year)))
    assert_no_traceback(page)


def test_accepting_a_new_actor_moves_it_into_the_registry(aarsevaluering: Page, dashboard_db: Path) -> None:
    page = aarsevaluering
    select = page.locator(".ssp-candidate select")
    expect(select.locator("option").first).to_be_attached()
    candidate = options(page, ".ssp-candidate select")[1]  # [0] is "Vælg et navn …"
    select.select_option(label=candidate)
    page.locator(".ssp-accept-new").click()
    confirm = page.locator(".ssp-confirm-yes")
    expect(confirm).to_have_text(f"Ja, tilføj {candidate}")  # a decision is confirmed, naming the organisation
    confirm.click()
    expect(page.get_by_text(f"»{candidate}« er tilføjet planen som ny aktør.")).to_be_visible()
    with db.reader(dashboard_db) as con:
        added = con.execute("SELECT actor_id FROM actors WHERE name = ?", [candidate]).fetchall()
    assert len(added) == 1
    offered = poll(lambda: options(page, ".ssp-candidate select"), lambda names: candidate not in names)
    assert candidate not in offered, offered
    assert_no_traceback(page)


def test_udforsk_loads_with_table_chart_and_download(browser: Browser, server: int) -> None:
    page = open_page(browser, server, "udforsk.ipynb")
    try:
        expect(page.get_by_role("heading", name="Udforsk sagerne")).to_be_visible()
        expect(page.get_by_role("heading", name="Tabel")).to_be_visible()
        wait_for_charts(page, 1)
        expect(page.locator(".ssp-explore-table table")).to_be_visible()
        page.select_option(".ssp-measure select", label="Andel politianmeldt")
        expect(page.locator(".js-plotly-plot .gtitle").first).to_have_text(
            "Andel politianmeldt fordelt på SSP-netværk og situation")
        # Named by what it holds (issue 13 item 6), not "udforsk.csv" whatever the filters. The links
        # are redrawn just after the chart: wait for them (a click before got the previous table).
        name = "udforsk_andel-politianmeldt_efter_ssp-netvaerk_situation_alle-aar.csv"
        expect(page.locator(".ssp-download-csv")).to_have_attribute("download", name)
        with page.expect_download() as download:
            page.locator(".ssp-download-csv").click()
        assert download.value.suggested_filename == name
        assert_no_traceback(page)
        screenshot(page, "udforsk")
    finally:
        page.close()


def test_saved_meeting_note_survives_a_reload(browser: Browser, server: int) -> None:
    note = "Netværket ønsker øvelsen i actioncardet tidligere på året."
    page = open_page(browser, server, "moedenoter.ipynb")
    try:
        expect(page.get_by_role("heading", name="Mødenoter fra netværkenes evalueringsmøder")).to_be_visible()
        wait_for_charts(page, 1)
        network = options(page, ".ssp-note-network select")[1]
        page.select_option(".ssp-note-network select", label=network)
        page.locator(".ssp-note-date input").fill("2025-11-12")
        page.locator(".ssp-note-text textarea").fill(note)
        page.locator(".ssp-save-note").click()
        expect(page.get_by_text("Mødenoten er gemt.")).to_be_visible()
        screenshot(page, "moedenoter")
        page.reload(timeout=PAGE_TIMEOUT_MS)
        expect(page.locator(".ssp-note-list")).to_contain_text(note)
        page.select_option(".ssp-note-network select", label=network)
        expect(page.locator(".ssp-note-text textarea")).to_have_value(note)
        expect(page.locator(".ssp-note-date input")).to_have_value("2025-11-12")
        assert_no_traceback(page)
    finally:
        page.close()


def test_ingest_succeeds_while_a_dashboard_is_open_and_a_reload_shows_it(
        aarsevaluering: Page, dashboard_db: Path, tmp_path: Path) -> None:
    page = aarsevaluering
    year = latest_year(dashboard_db)
    before = expected_card(dashboard_db, Filters(year=year))
    expect(card_value(page, "cases")).to_have_text(before)  # the page (its kernel) is open now
    export = tmp_path / "ny_friskole.csv"
    export.write_text(NEW_FILE.format(net=NEW_NETWORK, year=year), encoding="utf-8")
    cli = Path(sys.executable).with_name("ssp-eval")
    added = subprocess.run([str(cli), "network", "add", NEW_NETWORK, "--db", str(dashboard_db)],  # networks are registry data
                           capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stdout + added.stderr
    result = subprocess.run([str(cli), "ingest", "--db", str(dashboard_db), str(export)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    after = expected_card(dashboard_db, Filters(year=year))
    assert int(after.replace(".", "")) == int(before.replace(".", "")) + 3
    page.reload(timeout=PAGE_TIMEOUT_MS)
    expect(card_value(page, "cases")).to_have_text(after)
    expect(page.locator(".ssp-filter-network select option", has_text=NEW_NETWORK)).to_have_count(1)
    assert_no_traceback(page)


def test_without_plotly_js_a_chart_says_so_in_danish_and_keeps_its_numbers(browser: Browser, server: int) -> None:
    # The charts' plotly.js comes from the server (settings.PLOTLY_SCRIPT_PATH); here it never arrives.
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.route("**/ssp/static/plotly.min.js*", lambda route: route.abort())
    try:
        page.goto(dashboard.url(server, "udforsk.ipynb"), timeout=PAGE_TIMEOUT_MS)
        failed = page.locator(".ssp-figure .ssp-figure-failed").first
        expect(failed).to_have_text("Figuren kunne ikke vises. Tallene står i tabellen herunder.")
        expect(page.locator(".ssp-figure .ssp-figure-table table").first).to_be_attached()
        assert page.locator(".js-plotly-plot").count() == 0
        assert_no_traceback(page)
    finally:
        page.close()

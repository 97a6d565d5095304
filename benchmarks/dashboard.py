"""Benchmark: every dashboard page's first view, Årsevaluering's filter change, and a 10-file upload,
at 10,000 and 1,000,000 cases.

Run: ``.venv/bin/python benchmarks/dashboard.py [--sizes 10000 1000000] [--demo PATH] [--no-browser]
[--only pages change upload]``.

Databases: the demo database (600 synthetic cases through the real ingest; built here unless
``--demo`` names one) is replicated *in SQL* to the wanted size, ``INSERT … SELECT`` from
``case_versions`` × ``range(k)`` with a suffix on ``sags_id`` (no CSV round trip), through
``db.writer`` like any write.

Measured per size (medians):

* **every page** in the browser (a real Voilà as ``dashboard.start`` runs it, Debian's Chromium):
  from the navigation's start until the page's first useful content is painted (its heading and
  one piece of real content: the KPI cards, the checklist, the import list …) and until its
  last chart is painted, timed inside the page (``_PAINT_JS``). Pre-heated: a Voilà whose
  configuration gives every page a pool of one kernel (a copy of voila.json), each view after
  the pool has refilled; cold: the shipped voila.json, whose pool serves Årsevaluering only, a
  view right after another.
* **filter change** in the browser: from choosing another SSP network (the select's change
  event) until the KPI cards change, and until every chart has drawn the new filter's state and
  "Henter figurer" is gone (the filter change with all its charts redrawn), timed inside the
  page. Twice, each on a new page view: with ``THINK_S`` between the choices (a person looks
  at the charts; the page prepares the other networks meanwhile), and back to back from the
  moment the page has drawn its charts (the worst case: little or nothing prepared yet). The charts are updated in place (``views/figure_view.py``, ``Plotly.react``), so this
  waits for each chart area's drawn revision (``data-drawn``, written once ``Plotly.react``
  has finished) to move on with no update pending, not for old plots to disappear; a chart
  the new filter leaves unchanged confirms its new revision without a redraw. Then checked
  that the cases card shows the value ``kpis.kpis`` computes for that network.
* **filter change** in-process: the view's callback (``AarsevalueringView.on_filters``,
  through the widget's observer; warm readers on, as in a kernel) on a new network value,
  which returns when the KPI cards are updated; and the time until the page's background
  worker has redrawn every chart. "Cold" visits a network for the first time in the kernel, "warm" returns to one.
* **one save** from a dashboard (a meeting note through ``notes.save_meeting_note``): the
  writer's price of copying the file, writing and replacing it. Median of three.
* **10-file upload** on Indlæs udtræk: ten typical network files (new synthetic exports,
  15–40 cases each) chosen in the page's file chooser, one batch per network (the page sends
  a network's files together); from each click on Indlæs until every file of the batch shows
  its result (sent by XMLHttpRequest to the server's upload handler, ingested one after
  another), summed. Needs the upload handler (server); without it the row says why.

Targets (issue #12, this 2-core machine): first useful content ≤ 2 s with a pre-heated kernel;
a filter change with all its charts redrawn ≤ 150 ms at 1M cases; a 10-file upload ≤ 10 s.
Run it when ``uptime`` shows little load: the figures are printed with the load beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evaluation.server import dashboard, launch
from evaluation.store import db
from evaluation.demo import generate as demo
from evaluation.analysis import kpis
from evaluation.plan import notes
from evaluation.analysis.filters import Filters
from evaluation.settings import DASHBOARDS_DIR
from evaluation.views import navigation
from evaluation.views.aarsevaluering import AarsevalueringView
from evaluation.views.experience import kpi_value_text

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 120_000
TARGET_FIRST_S, TARGET_CHANGE_S, TARGET_UPLOAD_S = 2.0, 0.150, 10.0
THINK_S = 2.0  # between two filter changes: a person looks at the charts first
UPLOAD_FILES = 10
POOL_REFILL_WAIT_S = 20.0  # time for Voilà to refill Årsevaluering's kernel pool after a view
ALL_POOLS_WAIT_S = 45.0    # time for seven pre-heated kernels to start on two cores
# Each page's first useful content (heading, then a selector that is real content) and its charts.
PAGE_CONTENT: dict[str, tuple[str, int]] = {
    "aarsevaluering": (".ssp-kpi", 7), "indlaes": (".ssp-import-list table", 0),
    "aarsrapport": (".ssp-make-report", 0), "opfoelgning": (".ssp-followup-item", 0),
    "netvaerk": (".ssp-kpi", 2), "udforsk": (".ssp-explore-table table", 1), "moedenoter": (".ssp-note-list", 1),
}


def replicate(base: Path, target: Path, cases: int) -> int:
    """Copy ``base`` and replicate its current cases in SQL until at least ``cases``; returns the count."""
    shutil.copyfile(base, target)
    with db.writer(target) as con:
        current = con.execute("SELECT count(*) FROM case_versions WHERE replaced_by_import IS NULL").fetchall()[0][0]
        copies = -(-cases // current)
        con.execute("""INSERT INTO case_versions
                       SELECT cv.* REPLACE (cv.sags_id || '~' || r.i AS sags_id)
                       FROM case_versions cv, range(1, ?) r(i) WHERE cv.replaced_by_import IS NULL""", [copies])
        return int(con.execute("SELECT count(*) FROM cases").fetchall()[0][0])


def in_process(path: Path, changes: int) -> dict[str, float]:
    """Build the view as the notebook does, then change the network filter as a user would.

    With warm readers, as in a dashboard kernel (``show_page`` turns them on; ``store/db.py``).
    """
    db.keep_readers_warm()
    try:
        return _in_process(path, changes)
    finally:
        db.stop_keeping_warm()


def _in_process(path: Path, changes: int) -> dict[str, float]:
    started = time.perf_counter()
    view = AarsevalueringView(path)
    built = time.perf_counter() - started
    view.wait()
    complete = time.perf_counter() - started
    networks = [value for _label, value in view.filter_bar.network.options][1:]
    cold, warm, rest, cards = [], [], [], []
    for i in range(changes):
        value = networks[i % len(networks)]
        target = cold if i < len(networks) else warm
        t = time.perf_counter()
        view.filter_bar.network.value = value  # runs the callback, like a browser's change
        target.append(time.perf_counter() - t)
        if target is cold:
            cards.append(view.experience.timings["kpis"])
        view.wait()
        rest.append(time.perf_counter() - t)
    return {"build_s": built, "complete_s": complete, "change_cold_s": statistics.median(cold),
            "cards_cold_s": statistics.median(cards),
            "change_warm_s": statistics.median(warm) if warm else float("nan"),
            "change_all_charts_s": statistics.median(rest)}


def save_time(path: Path, repeats: int = 3) -> dict[str, float]:
    """Median wall time of one meeting-note save: lock, copy, write, checkpoint, replace."""
    with db.reader(path) as con:
        network = notes.note_networks(con)[0]
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        notes.save_meeting_note(path, network, 2025, f"Benchmark-note nummer {i + 1}.")
        times.append(time.perf_counter() - t)
    return {"save_s": statistics.median(times)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Timed inside the page (performance.now), so Playwright's own round trips don't count: from
# the select's change event to the first change of the KPI cards in the DOM ("cards"), and
# until every chart has drawn the new filter's state and the charts' "Henter figurer …" line is
# gone ("charts": the filter change with all its charts redrawn). The charts are updated in place
# (views/figure_view.py): each chart area writes the revision it has drawn to ``data-drawn``
# after ``Plotly.react`` has finished (a chart the filter left unchanged gets a new revision
# without a redraw) and carries ``data-pending`` while an update is on its way; so "redrawn" is
# every area's revision moved on and none pending, not old plots replaced by new ones; timed to
# the paint of the frame after that (a chart area may swap in a drawing made aside: its layout
# and paint come after the swap, where ``Plotly.react`` did most of that work inside the call).
_CHANGE_JS = """(label) => new Promise((resolve) => {
  const cards = document.querySelector('.ssp-kpi-cards');
  const select = document.querySelector('.ssp-filter-network select');
  const option = Array.from(select.options).find(o => o.textContent.replace(/\\u00a0/g, ' ') === label);
  const areas = Array.from(document.querySelectorAll('.ssp-figure'));
  const before = areas.map(a => a.dataset.drawn);
  const statuses = Array.from(document.querySelectorAll('.ssp-status'));
  let start = 0, cardsAt = null;
  const done = () => areas.every((a, i) => a.dataset.drawn !== before[i] && !('pending' in a.dataset))
                     && !statuses.some(s => s.textContent.includes('Henter figurer'));
  const cardObserver = new MutationObserver(() => {
    cardObserver.disconnect(); cardsAt = performance.now() - start; check(); });
  const pageObserver = new MutationObserver(() => check());
  const statusObserver = new MutationObserver(() => check());
  const timer = setTimeout(() => finish(NaN), 120000);
  function finish(charts) {
    pageObserver.disconnect(); statusObserver.disconnect(); cardObserver.disconnect(); clearTimeout(timer);
    resolve({cards: cardsAt === null ? NaN : cardsAt, charts: charts, areas: areas.length});
  }
  // Then to the next frame's paint (a frame's callbacks, then a task after it): a spare drawing
  // swapped in (views/figure_view.py) is styled, laid out and painted only after its swap.
  let ending = false;
  function check() {
    if (ending || cardsAt === null || !done()) return;
    ending = true;
    requestAnimationFrame(() => setTimeout(() => finish(performance.now() - start), 0));
  }
  cardObserver.observe(cards, {subtree: true, childList: true, characterData: true});
  // Only the chart areas' two attributes and the status lines' text: an observer of every change
  // would take a record of each of the thousands of attributes plotly sets while it draws.
  pageObserver.observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-drawn', 'data-pending']});
  statuses.forEach((s) => statusObserver.observe(s, {subtree: true, childList: true, characterData: true}));
  select.value = option.value;
  start = performance.now();
  select.dispatchEvent(new Event('change', {bubbles: true}));
})"""
ALL_DRAWN_JS = ("(n) => document.querySelectorAll('.ssp-figure[data-drawn]').length >= n "
                "&& !document.querySelector('.ssp-figure[data-pending]')")


def browser_change(page, network: str) -> tuple[float, float]:
    """Milliseconds from choosing ``network`` until the KPI cards change, and until every chart is redrawn."""
    measured = page.evaluate(_CHANGE_JS, network)
    if measured["areas"] < PAGE_CONTENT["aarsevaluering"][1]:
        raise RuntimeError(f"only {measured['areas']} chart areas on the page")
    return float(measured["cards"]), float(measured["charts"])


class Voila:
    """A real Voilà on ``path`` as ``dashboard.start`` runs it, in its own process group.

    ``pools_all``: from a copy of voila.json in which every page has a pool of one
    pre-heated kernel (the shipped one pre-heats Årsevaluering only).
    """

    def __init__(self, path: Path, tmp: Path, *, pools_all: bool) -> None:
        self.path, self.port = path, free_port()
        options = dashboard.options(path, self.port)
        command = launch.command(options)
        if pools_all:
            config = json.loads((DASHBOARDS_DIR / "voila.json").read_text(encoding="utf-8"))
            pools = config.setdefault("VoilaKernelManager", {}).setdefault("kernel_pools_config", {})
            for page in navigation.PAGES:
                pools[page.notebook] = {"pool_size": 1}
            folder = tmp / "voila-config"
            folder.mkdir(exist_ok=True)
            (folder / "voila.json").write_text(json.dumps(config), encoding="utf-8")
            command = [arg for arg in command if not arg.startswith("--Voila.config_file_paths=")]
            command.append(f"--Voila.config_file_paths={folder}")
        self.process = subprocess.Popen(command, cwd=DASHBOARDS_DIR, env=launch.environment(options),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def __enter__(self) -> Voila:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("Voilà svarede ikke")

    def __exit__(self, *exc: object) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def url(self, notebook: str) -> str:
        return dashboard.url(self.port, notebook)


def _launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# Timed inside the page, from the navigation's start: the paint after the first useful content
# became visible (its heading and one piece of real content), and the paint after the last chart
# appeared. Playwright's own wait for a selector resolves late when the page's main thread is busy
# drawing charts (measured on Årsevaluering: cards painted at ~2.1 s, Playwright saw them at ~4 s),
# so it only synchronises here; the figures come from the page.
_PAINT_JS = """([content, charts]) => {
  window.__ssp = {};
  const painted = (key) => requestAnimationFrame(() => setTimeout(() => {
    if (!(key in window.__ssp)) window.__ssp[key] = performance.now(); }, 0));
  const visible = (sel) => { const e = document.querySelector(sel); if (!e) return false;
    const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  let seen = false, drawn = false;
  const check = () => {
    if (!seen && visible('.ssp-nav') && visible(content)) { seen = true; painted('content'); }
    if (!drawn && charts && document.querySelectorAll('.ssp-figure-plot.js-plotly-plot').length >= charts) { drawn = true; painted('charts'); }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
}"""


def first_view(browser, url: str, content: str, charts: int) -> tuple[float, float | None]:
    """Seconds from the navigation's start until the first useful content is painted, and the last chart."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.add_init_script(f"({_PAINT_JS})({json.dumps([content, charts])})")
        page.goto(url, timeout=TIMEOUT_MS)
        page.wait_for_selector(".ssp-nav", state="visible", timeout=TIMEOUT_MS)
        page.wait_for_selector(content, state="visible", timeout=TIMEOUT_MS)
        wanted = "window.__ssp && 'content' in window.__ssp" + (" && 'charts' in window.__ssp" if charts else "")
        page.wait_for_function(wanted, timeout=TIMEOUT_MS)
        marks = page.evaluate("window.__ssp")
        return marks["content"] / 1000, (marks["charts"] / 1000 if charts else None)
    finally:
        page.close()


def pages_in_browser(path: Path, tmp: Path, loads: int) -> dict[str, dict[str, float | None]]:
    """Per page: first content and last chart, pre-heated (median of ``loads``) and cold (one view)."""
    from playwright.sync_api import sync_playwright

    out: dict[str, dict[str, float | None]] = {p.key: {} for p in navigation.PAGES}
    with sync_playwright() as playwright:
        browser = _launch(playwright)
        with Voila(path, tmp, pools_all=True) as server:
            time.sleep(ALL_POOLS_WAIT_S)
            first_view(browser, server.url("udforsk.ipynb"), *PAGE_CONTENT["udforsk"])  # OS file cache warm-up
            time.sleep(POOL_REFILL_WAIT_S)
            seen: dict[str, list[tuple[float, float | None]]] = {p.key: [] for p in navigation.PAGES}
            for _ in range(loads):
                for page in navigation.PAGES:
                    seen[page.key].append(first_view(browser, server.url(page.notebook), *PAGE_CONTENT[page.key]))
                    time.sleep(POOL_REFILL_WAIT_S / 2)  # the others' pools are full; this one refills meanwhile
            for key, views in seen.items():
                out[key]["first_s"] = statistics.median(v[0] for v in views)
                charts = [v[1] for v in views if v[1] is not None]
                out[key]["charts_s"] = statistics.median(charts) if charts else None
        with Voila(path, tmp, pools_all=False) as server:
            for page in navigation.PAGES:
                shown, drawn = first_view(browser, server.url(page.notebook), *PAGE_CONTENT[page.key])
                out[page.key]["cold_first_s"], out[page.key]["cold_charts_s"] = shown, drawn
        browser.close()
    return out


def filter_change_in_browser(path: Path, tmp: Path, changes: int) -> dict[str, float]:
    """Årsevaluering in a real browser: choose another network; ms until the KPI cards change and
    until every chart is redrawn. Twice, each on a fresh page view (a new kernel): as a person
    works, looking at the charts for ``THINK_S`` before the next choice (the page prepares the
    other networks meanwhile: ``ExperienceSection._prefetch``), and back to back, each choice
    as soon as the last one is drawn, starting right after the page has drawn its charts."""
    out: dict[str, float] = {}
    for suffix, think_s in (("", THINK_S), ("_back_to_back", 0.0)):
        change, redrawn = _filter_changes(path, tmp, changes, think_s)
        out[f"browser_change{suffix}_s"] = statistics.median(change)
        out[f"browser_all_charts{suffix}_s"] = statistics.median(redrawn)
        out[f"browser_all_charts{suffix}_p90_s"] = sorted(redrawn)[int(0.9 * (len(redrawn) - 1))]
    return out


def _filter_changes(path: Path, tmp: Path, changes: int, think_s: float) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    with db.reader(path) as con:
        year = kpis.latest_year(con)
        networks = [r[0] for r in con.execute("SELECT DISTINCT netvaerk FROM cases ORDER BY 1").fetchall()]
        expected = {n: kpi_value_text(kpis.kpis(con, Filters(year=year, networks=(n,)))
                                      .set_index("key").loc["cases"].to_dict()) for n in networks}
    change, redrawn = [], []
    with sync_playwright() as playwright, Voila(path, tmp, pools_all=False) as server:
        browser = _launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url("aarsevaluering.ipynb"), timeout=TIMEOUT_MS)
        page.wait_for_function(ALL_DRAWN_JS, arg=PAGE_CONTENT["aarsevaluering"][1], timeout=TIMEOUT_MS)
        for j in range(changes):
            time.sleep(think_s)  # a person looks at the charts before the next choice
            network = networks[(j + 1) % len(networks)]
            cards, charts = browser_change(page, network)
            change.append(cards / 1000)
            redrawn.append(charts / 1000)
            page.wait_for_function("([sel, text]) => document.querySelector(sel)?.textContent === text",
                                   arg=['[data-kpi="cases"] .ssp-kpi-value', expected[network]], timeout=TIMEOUT_MS)
            page.wait_for_function(ALL_DRAWN_JS, arg=PAGE_CONTENT["aarsevaluering"][1], timeout=TIMEOUT_MS)
        browser.close()
    return change, redrawn


def upload_batches(tmp: Path) -> list[tuple[str, list[Path]]]:
    """Ten typical network files (15–40 cases each), grouped by network as the page takes them.

    New synthetic exports (another seed than the demo's): every network's two newest years,
    until ten files. The page sends one network's files at a time (the upload handler needs the
    network, and ingest checks a file's own network column against it), so a team loading the
    year's files makes one batch per network.
    """
    files = [f for f in demo.write_demo_files(tmp / "upload", seed=4242, cases=600) if "rettelse" not in f.name]
    by_network: dict[str, list[Path]] = {}
    for network in demo.NETWORKS:
        newest = sorted((f for f in files if f.name.startswith(f"{network.slug}_")), reverse=True)[:2]
        by_network[network.name] = newest
    batches, total = [], 0
    for name, newest in by_network.items():
        take = newest[:UPLOAD_FILES - total]
        if take:
            batches.append((name, take))
            total += len(take)
    return batches


_FINISHED_JS = ("(n) => document.querySelectorAll('.ssp-upload-file:not([data-status=\"waiting\"])').length === n "
                "&& !document.querySelector('.ssp-upload-file progress')")


def upload_in_browser(path: Path, tmp: Path) -> dict[str, float | str]:
    """Seconds from each click on Indlæs until all its files show their result, summed over the batches.

    On a copy of ``path``; choosing the network and the files is the person's time, not counted.
    """
    from playwright.sync_api import sync_playwright

    target = tmp / "upload.duckdb"
    shutil.copyfile(path, target)
    batches = upload_batches(tmp)
    elapsed, statuses = 0.0, []
    with sync_playwright() as playwright, Voila(target, tmp, pools_all=False) as server:
        browser = _launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url("indlaes.ipynb"), timeout=TIMEOUT_MS)
        page.wait_for_selector(".ssp-upload-button", state="visible", timeout=TIMEOUT_MS)
        for network, files in batches:
            page.select_option(".ssp-upload-network select", label=network)
            page.wait_for_function("(n) => document.querySelector('.ssp-upload')?.dataset.network === n",
                                   arg=network, timeout=TIMEOUT_MS)
            page.set_input_files(".ssp-upload-input", [str(f) for f in files])
            t = time.perf_counter()
            page.locator(".ssp-upload-button").click()
            page.wait_for_function(_FINISHED_JS, arg=len(files), timeout=TIMEOUT_MS * 5)
            elapsed += time.perf_counter() - t
            statuses += page.eval_on_selector_all(".ssp-upload-file", "rows => rows.map(r => r.dataset.status)")
        browser.close()
    count = sum(len(files) for _n, files in batches)
    note = f"{count} filer i {len(batches)} hold: " + ", ".join(
        f"{statuses.count(s)} {s}" for s in sorted(set(statuses)))
    if any(status == "failed" for status in statuses):
        return {"upload_s": float("nan"), "upload_note": note + " (upload-handleren svarede ikke)"}
    return {"upload_s": elapsed, "upload_note": note}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--demo", type=Path, default=None, help="an existing demo database to replicate")
    parser.add_argument("--loads", type=int, default=3, help="pre-heated views per page and size")
    parser.add_argument("--changes", type=int, default=12, help="filter changes per size")
    parser.add_argument("--no-browser", action="store_true", help="only the in-process measurements")
    parser.add_argument("--only", choices=["pages", "change", "upload"], nargs="+", default=None,
                        help="only these browser measurements (default: all three); the in-process ones always run")
    args = parser.parse_args()
    loads = []
    with tempfile.TemporaryDirectory(prefix="ssp-dashboard-bench-") as tmp_name:
        tmp = Path(tmp_name)
        base = args.demo
        if base is None:
            base = tmp / "demo.duckdb"
            print("Bygger demo-databasen gennem den rigtige indlæsning …", flush=True)
            demo.build_demo_database(base, seed=2025, cases=600)
        rows = []
        for size in args.sizes:
            path = tmp / f"cases-{size}.duckdb"
            t = time.perf_counter()
            count = replicate(base, path, size)
            print(f"{count:,} sager bygget på {time.perf_counter() - t:.1f} s ({path.stat().st_size / 1e6:.0f} MB)",
                  flush=True)
            loads.append(os.getloadavg()[0])
            result: dict = {"cases": count, **in_process(path, args.changes), **save_time(path)}
            wanted = set(args.only or ["pages", "change", "upload"]) if not args.no_browser else set()
            if "pages" in wanted:
                result["pages"] = pages_in_browser(path, tmp, args.loads)
            if "change" in wanted:
                result |= filter_change_in_browser(path, tmp, args.changes)
            if "upload" in wanted:
                result |= upload_in_browser(path, tmp)
            loads.append(os.getloadavg()[0])
            rows.append(result)
            print(result, flush=True)
    print(f"\nMaskine: {os.cpu_count()} kerner; belastning (1 min) under målingerne {min(loads):.1f}–{max(loads):.1f}")
    print(f"{'sager':>10} {'filter (browser)':>17} {'alle figurer (browser)':>23} {'kort, kold':>11} "
          f"{'kort, varm':>11} {'alle figurer':>13} {'én gemning':>11} {'10 filer':>9}")
    for r in rows:
        browser = (f"{r['browser_change_s'] * 1000:>14.0f} ms {r['browser_all_charts_s'] * 1000:>20.0f} ms"
                   if "browser_change_s" in r else f"{'–':>17} {'–':>23}")
        upload = f"{r['upload_s']:>8.1f}s" if r.get("upload_s", float("nan")) == r.get("upload_s") else f"{'–':>9}"
        print(f"{r['cases']:>10,} {browser} {r['cards_cold_s'] * 1000:>8.0f} ms {r['change_warm_s'] * 1000:>8.0f} ms "
              f"{r['change_all_charts_s']:>12.2f}s {r['save_s'] * 1000:>8.0f} ms {upload}".replace("nan ms", "  – ms"))
        if r.get("upload_note"):
            print(f"{'':>10} upload: {r['upload_note']}")
    for r in rows:
        if "browser_change_s" in r:
            print(f"{r['cases']:>10,} alle figurer (browser), 90 %-fraktil {r['browser_all_charts_p90_s'] * 1000:.0f} ms; "
                  f"uden pause mellem valgene: median {r['browser_all_charts_back_to_back_s'] * 1000:.0f} ms, "
                  f"90 %-fraktil {r['browser_all_charts_back_to_back_p90_s'] * 1000:.0f} ms "
                  f"(kort {r['browser_change_back_to_back_s'] * 1000:.0f} ms)")
    for r in rows:
        if "pages" not in r:
            continue
        print(f"\n{r['cases']:,} sager: side{'':>12} {'1. indhold':>11} {'sidste figur':>13} "
              f"{'kold: indhold':>14} {'kold: figur':>12}")
        for page in navigation.PAGES:
            m = r["pages"][page.key]
            cells = [m.get("first_s"), m.get("charts_s"), m.get("cold_first_s"), m.get("cold_charts_s")]
            text = [f"{v:>10.2f}s" if v is not None else f"{'–':>11}" for v in cells]
            print(f"{'':>10} {page.label:<16} {text[0]} {text[1]:>13} {text[2]:>14} {text[3]:>12}")
    print(f"Mål: første indhold ≤ {TARGET_FIRST_S:.0f} s (forvarmet kerne); filterskift med alle figurer "
          f"≤ {TARGET_CHANGE_S * 1000:.0f} ms ved 1M sager; 10 filer ≤ {TARGET_UPLOAD_S:.0f} s.")
    print(f"Filter (browser): fra valget til kortet viser det nye tal; alle figurer (browser): til hver figur er "
          f"tegnet på ny i siden, med {THINK_S:.0f} s mellem valgene (man ser på figurerne); uden pause: hvert valg, "
          "så snart det forrige er tegnet, fra siden har tegnet sine figurer; kort: kaldet, til kortene er opdateret i kernen; alle figurer: til "
          "baggrundsarbejdet har tegnet dem alle (i kernen). 10 filer: fra klik på Indlæs til hver fil viser sit "
          "resultat, lagt sammen over holdene (ét hold pr. netværk).")


if __name__ == "__main__":
    sys.exit(main())

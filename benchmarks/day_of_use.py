"""A day of use on one server: what memory it takes and what it leaves behind (issue 13, item 2).

The day (compressed into minutes, so Voilà's 15-minute idle cull never helps — the worst case):
three consultants, each with one tab, open 60 pages between them (round robin over every page of
the navigation, each view waits for its complete first view, then the tab is closed the way a
person closes it, with ``beforeunload``); five exports are loaded (``ssp-eval ingest``, as the
upload handler runs it) and two reports are made (``report.jobs.start``, as the Årsrapport page
does) while the pages are in use.

Printed: the peak memory of the server (Voilà and every kernel) plus the day's child processes
(ingests, reports), as PSS (shared pages counted once) in GB, and the kernels still running when
every tab is closed. The bound this benchmark holds the product to: **peak ≤ 3 GB and, 30 s after
the last tab closed, no kernel left but the preheated pool** (dashboards/voila.json keeps one
Årsevaluering kernel ready); one kernel per open tab is the need: 3 tabs ≈ 1 GB. The
day stops early, and says so, when memory passes ``--cap`` GB: kernels that are never shut down
would otherwise take the shared machine (≈ 0.28 GB each).

    flock /work/suite.lock .venv/bin/python benchmarks/day_of_use.py
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

from evaluation.analysis import kpis
from evaluation.demo import generate as demo
from evaluation.report import jobs
from evaluation.server import dashboard
from evaluation.store import db
from evaluation.views import navigation

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
CONSULTANTS, PAGE_VIEWS, UPLOADS, REPORTS = 3, 60, 5, 2
BOUND_GB, GRACE_S = 3.0, 30
GB = 1024 ** 3


def pool_size() -> int:
    """Kernels Voilà keeps started ahead of a visit (``kernel_pools_config``): they stay by design."""
    from evaluation.settings import DASHBOARDS_DIR

    config = json.loads((DASHBOARDS_DIR / "voila.json").read_text(encoding="utf-8"))
    pools = config.get("VoilaKernelManager", {}).get("kernel_pools_config", {})
    return sum(int(p.get("pool_size", 0)) for p in pools.values()) if config["VoilaConfiguration"].get(
        "preheat_kernel") else 0
FIRST_VIEW = """() => document.querySelector('h1') !== null
  && [...document.querySelectorAll('.ssp-loading')].every((e) => e.offsetParent === null)"""


class Meter(threading.Thread):
    """Samples the PSS of the server's process tree and of this script's children every second."""

    def __init__(self, server: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.server, self.me = server, psutil.Process()
        self.peak = 0
        self.done = threading.Event()

    def processes(self) -> list[psutil.Process]:
        found = {p.pid: p for p in [self.server, *self.server.children(recursive=True)]}
        for child in self.me.children(recursive=True):
            try:
                if "chrom" not in child.name() and child.pid not in found:
                    found[child.pid] = child
            except psutil.NoSuchProcess:  # ended between listing and naming (an ingest, a report)
                continue
        return list(found.values())

    def total(self) -> int:
        size = 0
        for process in self.processes():
            try:
                size += process.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return size

    def run(self) -> None:
        while not self.done.wait(1.0):
            try:
                self.peak = max(self.peak, self.total())
            except psutil.NoSuchProcess:  # the server's tree changed while it was listed: next second
                continue

    def kernels(self) -> int:
        return sum(1 for p in self.server.children(recursive=True) if is_kernel(p))


def is_kernel(process: psutil.Process) -> bool:
    """A running ipykernel (a kernel shut down a moment ago may linger as a zombie: not counted)."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("Voilà stoppede under opstart")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("Voilà svarede ikke")


def ingest(db_path: Path, file: Path) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).parent / "ssp-eval"), "ingest", "--db", str(db_path), str(file)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def day(db_path: Path, work: Path, cap_gb: float, page_views: int = PAGE_VIEWS) -> dict[str, object]:
    """Run the day against a fresh server; returns the figures."""
    uploads = demo.write_demo_files(work / "uploads", seed=99, cases=60)[:UPLOADS]
    with db.reader(db_path) as con:
        year = kpis.latest_year(con)
    port = free_port()
    # dashboard.start is how `ssp-eval dashboard` starts Voilà (its kernels are its children).
    server = dashboard.start(db_path, port, quiet=True)
    pages = [p.key for p in navigation.PAGES]
    children: list[subprocess.Popen] = []
    reports: list[jobs.ReportRun] = []
    views = 0
    stopped = None
    started = time.monotonic()
    try:
        wait_for_port(port, server)
        meter = Meter(psutil.Process(server.pid))
        meter.start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tabs = [None] * CONSULTANTS
            contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(CONSULTANTS)]
            while views < page_views and stopped is None:
                who = views % CONSULTANTS
                if tabs[who] is not None:
                    tabs[who].close(run_before_unload=True)
                page = contexts[who].new_page()
                page.goto(dashboard.url(port, f"{pages[views % len(pages)]}.ipynb"), timeout=180_000)
                page.wait_for_function(FIRST_VIEW, timeout=180_000)
                page.wait_for_timeout(1500)  # charts drawn after the text
                tabs[who] = page
                views += 1
                if views % max(page_views // UPLOADS, 1) == 0 and len(children) < UPLOADS:
                    children.append(ingest(db_path, uploads[len(children)]))
                if views in (page_views // 3, 2 * page_views // 3) and len(reports) < REPORTS:
                    edition = list(jobs.EDITIONS)[len(reports) % len(jobs.EDITIONS)]
                    reports.append(jobs.start(db_path, year, edition, work / "rapporter"))
                if meter.total() > cap_gb * GB:
                    stopped = f"stoppet efter {views} sidevisninger: over {cap_gb:g} GB"
            for tab in tabs:
                if tab is not None:
                    tab.close(run_before_unload=True)
            for child in children:
                child.wait(600)
            for run in reports:
                run.process.wait(900)
            closed = time.monotonic()
            while meter.kernels() > pool_size() and time.monotonic() - closed < GRACE_S:
                time.sleep(1)
            left = meter.kernels()
            browser.close()
        meter.done.set()
        meter.join(5)
        return {"views": views, "uploads": len(children), "reports": len(reports), "peak": meter.peak,
                "kernels_left": left, "stopped": stopped, "seconds": time.monotonic() - started,
                "report_ok": [run.process.returncode == 0 for run in reports],
                "ingest_ok": [child.returncode == 0 for child in children]}
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        for process in psutil.Process().children(recursive=True):  # a kernel Voilà left behind
            if is_kernel(process):
                os.kill(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="a demo database to copy (default: build one, 600 cases)")
    parser.add_argument("--cap", type=float, default=8.0, help="stop the day above this many GB (default 8)")
    parser.add_argument("--views", type=int, default=PAGE_VIEWS, help=f"page views in the day (default {PAGE_VIEWS})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ssp-day-") as tmp:
        work = Path(tmp)
        db_path = work / "demo.duckdb"
        if args.db:
            shutil.copyfile(args.db, db_path)
        else:
            demo.build_demo_database(db_path, seed=2025, cases=600)
        figures = day(db_path, work, args.cap, args.views)
    load = os.getloadavg()
    peak = figures["peak"] / GB
    print(f"Dagen: {CONSULTANTS} konsulenter, {figures['views']} af {args.views} sidevisninger, "
          f"{figures['uploads']} indlæsninger (ok: {figures['ingest_ok']}), {figures['reports']} rapporter "
          f"(ok: {figures['report_ok']}), {figures['seconds']:.0f} s")
    if figures["stopped"]:
        print(f"Dagen blev {figures['stopped']}")
    print(f"Største hukommelsesforbrug (PSS, server + kerner + dagens processer): {peak:.2f} GB "
          f"(grænse {BOUND_GB:g} GB)")
    print(f"Kerner tilbage {GRACE_S} s efter at sidste fane er lukket: {figures['kernels_left']} "
          f"(grænse {pool_size()}: den forvarmede pulje)")
    print(f"Belastning (uptime): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} på {os.cpu_count()} kerner")
    within = peak <= BOUND_GB and figures["kernels_left"] <= pool_size() and not figures["stopped"]
    print("Inden for grænsen." if within else "UDEN FOR GRÆNSEN.")
    sys.exit(0 if within else 1)


if __name__ == "__main__":
    main()

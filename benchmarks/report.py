"""Benchmark: wall time of each report edition at the demo size and at 1,000,000 cases.

Run: ``.venv/bin/python benchmarks/report.py [cases ...]`` (default: 600 1000000). The demo
database is built once through the real ingest (``demo.build_demo_database``, 600 cases);
a larger size is made from it by replicating its current cases in SQL, each copy with its
own case id, through ``db.writer`` (so the file is a normal database). For each size and
edition it times ``report.render_report`` end to end (papermill run, HTML, PDF, and for the
Kredsråd edition the suppression log), in a fresh process as ``ssp-eval report`` would run,
best of two, and also prints the time spent importing and the CPU time of all processes
(Python, kernel, Chromium), and the seconds of each step (notebook, HTML, PDF with the
charts' pictures, .docx; the .docx is written during the PDF step, while Chromium prints).
Targets: at most 10 s wall per edition at 1M cases, the .docx (the team edition's Word file,
written from the document and the pictures) at most 3 s.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from evaluation.store import db
from evaluation.demo import generate as demo

YEAR = 2025
TODAY = date(2026, 3, 1)  # a fixed "today" after the demo data's last year: whole-year comparisons
TARGET_S = 10.0
DOCX_TARGET_S = 3.0
DEMO_CASES = 600
REPEATS = 2  # best of: the wall time on a shared machine is noisy

_TIMED = """
import sys, time
started = time.perf_counter()
from datetime import date
from pathlib import Path
from evaluation.report import render as report
imported = time.perf_counter()
files = report.render_report(Path(sys.argv[1]), {year}, edition=sys.argv[2], out_dir=Path(sys.argv[3]),
                             today=date.fromisoformat("{today}"))
done = time.perf_counter()
import json
print(json.dumps(dict(files.timings)))
print(f"{{imported - started:.2f}} {{done - imported:.2f}} {{int(files.pdf is not None)}}")
"""


def replicate(source: Path, target: Path, cases: int) -> float:
    """Copy the demo database and grow its current cases to ``cases`` rows; returns seconds."""
    start = time.perf_counter()
    shutil.copyfile(source, target)
    with db.writer(target) as con:
        current = con.execute("SELECT count(*) FROM case_versions WHERE replaced_by_import IS NULL").fetchall()[0][0]
        copies = max(0, -(-cases // current) - 1)  # ceil(cases / current) - 1 extra copies
        con.execute(
            """INSERT INTO case_versions
               SELECT * EXCLUDE (i) REPLACE (sags_id || '-k' || k.i AS sags_id, row_in_file + k.i * 100000 AS row_in_file)
               FROM case_versions, range(1, ? + 1) AS k(i)
               WHERE replaced_by_import IS NULL""", [copies])
        extra = con.execute("SELECT count(*) FROM case_versions WHERE replaced_by_import IS NULL").fetchall()[0][0] - cases
        if extra > 0:  # trim to exactly ``cases`` current cases (drop some of the last copies)
            con.execute("""DELETE FROM case_versions WHERE sags_id IN (
                               SELECT sags_id FROM case_versions WHERE sags_id LIKE ? AND replaced_by_import IS NULL
                               ORDER BY sags_id LIMIT ?)""", [f"%-k{copies}", extra])
    return time.perf_counter() - start


def time_edition(path: Path, edition: str, out: Path) -> tuple[float, float, float, bool, dict[str, float]]:
    """(import s, render s, CPU s of all processes, PDF written) for one edition, in a fresh process.

    The CPU time covers the Python process, its kernel and Chromium (every descendant that
    was waited for); on a shared, busy machine it moves much less than the wall time.
    """
    code = _TIMED.format(year=YEAR, today=TODAY.isoformat())
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run([sys.executable, "-c", code, str(path), edition, str(out)],
                            capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = result.stdout.strip().splitlines()
    imported, rendered, pdf = lines[-1].split()
    return float(imported), float(rendered), cpu, pdf == "1", json.loads(lines[-2])


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [DEMO_CASES, 1_000_000]
    print(f"(load average at the start: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = folder / "demo.duckdb"
        start = time.perf_counter()
        demo.build_demo_database(base, seed=2025, cases=DEMO_CASES)
        print(f"demo database ({DEMO_CASES} cases) built through the real ingest in {time.perf_counter() - start:.1f} s")
        for cases in sizes:
            path = base
            if cases != DEMO_CASES:
                path = folder / f"cases-{cases}.duckdb"
                seconds = replicate(base, path, cases)
                print(f"\n{cases:,} cases: database replicated in {seconds:.1f} s "
                      f"({path.stat().st_size / 2**20:.0f} MiB)")
            else:
                print(f"\n{cases:,} cases (demo database):")
            for edition in ("team", "kredsraad"):
                runs = [time_edition(path, edition, folder / f"out-{cases}") for _ in range(REPEATS)]
                imported, rendered, cpu, pdf, steps = min(runs, key=lambda r: r[0] + r[1])
                total = imported + rendered
                verdict = "ok" if total <= TARGET_S else f"over the {TARGET_S:.0f} s target"
                print(f"  {edition:<10} {total:5.1f} s wall, best of {REPEATS} (import {imported:.1f} s + render "
                      f"{rendered:.1f} s; CPU {cpu:.1f} s in all processes; PDF {'yes' if pdf else 'no'}) - {verdict}")
                print("             steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))
                if "docx" in steps:
                    docx_verdict = "ok" if steps["docx"] <= DOCX_TARGET_S else f"over the {DOCX_TARGET_S:.0f} s target"
                    print(f"             .docx {steps['docx']:.2f} s - {docx_verdict}")
        print(f"\n(load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Benchmark: what a dashboard filter change costs at 10,000 and 1,000,000 cases.

Run: ``.venv/bin/python benchmarks/queries.py [cases ...]`` (default 10000 1000000). For each
size it builds a database in a temporary folder (cases drawn with numpy, loaded as one frame
through ``db.writer`` with ``INSERT INTO case_versions SELECT * FROM frame``), then times a
series of filter changes. A "filter change" is what the overview page recomputes:
``kpis`` + ``trend`` + ``actioncard_adherence``, each change on its own ``db.reader`` (the
dashboards open a short-lived read-only connection per change), so every figure includes
opening and closing the connection. The target is a filter change within 200 ms at a
million cases (issue #3).

The query layer answers from cubes cached per data version (``evaluation/cube.py``), so it
prints four views of the same series:

- direct SQL: the cubes bypassed (the implementation before the cubes);
- cold: the cache emptied before every change (a new Voilà kernel, or the first look after
  a write): builds the case counts and the partitions the change needs;
- page session: one page load, then the series; a year not seen yet builds its partitions;
- warm: every partition built; a filter change is a pandas selection and sum.

Then each question alone: direct, cold and warm medians, and the cache's size.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.analysis import cube, queries
from evaluation.store import db
from evaluation.ingest import spec
from evaluation.analysis.queries import Filters

YEARS = (2018, 2025)  # inclusive
NETWORKS = tuple(f"Netværk {i:02d}" for i in range(1, 31))
REPEATS = 15


def _pick(rng: np.random.Generator, values: list, n: int, p: list[float] | None = None) -> np.ndarray:
    """n draws from values (lists allowed: they are picked as whole objects)."""
    pool = np.empty(len(values), dtype=object)
    pool[:] = values
    return pool[rng.choice(len(values), size=n, p=p)]


def cases_frame(n: int, seed: int = 1) -> pd.DataFrame:
    """n plausible, schema-valid current cases (one version each), vectorised with numpy."""
    rng = np.random.default_rng(seed)
    months = (YEARS[1] - YEARS[0] + 1) * 12
    month_no = rng.integers(0, months, n)
    reported = pd.to_datetime({"year": YEARS[0] + month_no // 12, "month": month_no % 12 + 1, "day": 1})
    closed_after = rng.integers(0, 6, n)
    closed_no = np.minimum(month_no + closed_after, months - 1)
    closed = pd.to_datetime({"year": YEARS[0] + closed_no // 12, "month": closed_no % 12 + 1, "day": 1})
    age = _pick(rng, ["under_12", "12_14", "15_17", "18_plus", "ukendt"], n, [0.15, 0.4, 0.35, 0.05, 0.05])
    parents = _pick(rng, ["ja", "nej"], n, [0.85, 0.15])
    parents = np.where((age == "18_plus") & (rng.random(n) < 0.7), "ikke_relevant", parents)
    days = pd.array(np.where(parents == "ja", rng.integers(0, 6, n), -1), dtype="Int32")
    days[days < 0] = pd.NA
    reported_police = rng.random(n) < 0.3
    reporter = np.where(reported_police, _pick(rng, ["kraenkede", "foraeldre", "skolen"], n), None)
    yes_no = [True, False, None]
    frame = pd.DataFrame({
        "import_id": 1, "row_in_file": np.arange(n, dtype=np.int32) + 2, "replaced_by_import": None,
        "content_hash": [f"{i:032x}" for i in rng.integers(0, 2**62, n)],
        "sags_id": [f"S{i}" for i in range(n)],
        "netvaerk": _pick(rng, list(NETWORKS), n),
        "institutionstype": _pick(rng, list(spec.COLUMN_BY_KEY["institutionstype"].codes), n),
        "indberetningsmaaned": reported.to_numpy(),
        "afslutningsmaaned": np.where(rng.random(n) < 0.8, closed.to_numpy(), np.datetime64("NaT")),
        "aldersgruppe": age,
        "koen": _pick(rng, ["pige", "dreng", "andet", "ukendt", None], n),
        "antal_kraenkede": rng.integers(1, 4, n).astype(np.int32),
        "kraenker": _pick(rng, ["kendt", "ukendt", "begge"], n, [0.6, 0.3, 0.1]),
        "kraenker_samme_institution": _pick(rng, ["ja", "nej", "ukendt", None], n),
        "situation": _pick(rng, ["A", "B"], n, [0.6, 0.4]),
        "kraenkelsestyper": _pick(rng, [["billeddeling"], ["videodeling"], ["afpresning", "trusler"],
                                        ["chikane"], ["billeddeling", "grooming"]], n),
        "platforme": _pick(rng, [["snapchat"], ["instagram"], ["tiktok", "snapchat"], ["discord"],
                                 ["gaming"], None], n),
        "spredning": _pick(rng, ["ingen", "enkeltpersoner", "klassen", "skolen", None], n),
        "vurdering": _pick(rng, [["paedagogisk"], ["politisag"], ["politisag", "underretning"],
                                 ["underretning", "paedagogisk"]], n),
        "foraeldre_inddraget": parents, "foraeldre_inddraget_dage": days,
        "dokumentation_sikret": _pick(rng, ["ja", "delvist", "nej"], n),
        "materiale_slettet": _pick(rng, ["ja", "delvist", "nej", "ukendt", "ikke_relevant", None], n),
        "sletdet_kontaktet": _pick(rng, yes_no, n), "datatilsynet_klage": _pick(rng, yes_no, n),
        "samarbejde": _pick(rng, ["ingen", "kommunalt", "regionalt", None], n),
        "politianmeldt": reported_police, "anmeldt_af": reporter,
        "underretning_sendt": _pick(rng, yes_no, n), "forsikring_anbefalet": _pick(rng, yes_no, n),
        "ssp_konsulent_inddraget": _pick(rng, yes_no, n),
        "hjaelp": _pick(rng, [["skolen"], ["psykolog", "hotline"], ["ingen"], None], n),
        "hjaelp_kraenker": _pick(rng, yes_no, n),
        "konfliktmaegling": _pick(rng, ["ja", "nej", "ikke_relevant", None], n),
        "orienteret": _pick(rng, [["klassen"], ["ingen"], None], n),
        "presseinteresse": _pick(rng, yes_no, n),
        "aktoerer": _pick(rng, [["Red Barnet SletDet"], ["Politiet"], None], n),
        "erfaringer": _pick(rng, ["Forældrene blev inddraget samme dag.",
                                  "SletDet hjalp med at få billedet fjernet.", None, None], n),
    })
    return frame


def build(path: Path, n: int) -> float:
    """Create the database with n cases; returns seconds taken."""
    start = time.perf_counter()
    frame = cases_frame(n)
    with db.writer(path) as con:
        columns = [r[0] for r in con.execute("DESCRIBE case_versions").fetchall()]
        frame = frame[columns]  # the table's column order, so SELECT * lines up
        con.execute("INSERT INTO imports (import_id, file_name, sha256, imported_by, rows_in_file, "
                    "rows_new, rows_replaced, rows_unchanged) VALUES (1, 'bench.csv', ?, 'bench', ?, ?, 0, 0)",
                    ["0" * 64, n, n])
        con.register("frame", frame)
        con.execute("INSERT INTO case_versions SELECT * FROM frame")
    return time.perf_counter() - start


def filter_changes() -> list[Filters]:
    """A series of distinct filters a consultant might click through."""
    out = []
    for i in range(REPEATS):
        year = YEARS[1] - (i % 3)
        networks = () if i % 3 == 0 else tuple(NETWORKS[j] for j in range(i % 5, 30, 1 + i % 4))
        situations = ("B",) if i % 4 == 1 else ()
        types = ("folkeskole", "efterskole") if i % 5 == 2 else ()
        out.append(Filters(year=year, networks=networks, situations=situations, institution_types=types))
    return out


def overview(con, f: Filters) -> None:
    """What the overview page recomputes on a filter change."""
    queries.kpis(con, f, today=date(YEARS[1] + 1, 6, 1))
    queries.trend(con, f)
    queries.actioncard_adherence(con, f)


CPU_MS: list[float] = []  # CPU time (all threads of this process) of the last timed() series


def timed(fn: Callable[[Filters], object], filters: list[Filters], *,
          before: Callable[[], object] | None = None) -> list[float]:
    """Wall-clock milliseconds per call of fn over the filters; ``before`` runs untimed ahead of each.

    The CPU time of each call goes to CPU_MS: on a busy machine it shows the work done,
    where the wall clock also shows waiting for a core.
    """
    times = []
    CPU_MS.clear()
    for f in filters:
        if before is not None:
            before()
        start, cpu = time.perf_counter(), time.process_time()
        fn(f)
        times.append((time.perf_counter() - start) * 1000)
        CPU_MS.append((time.process_time() - cpu) * 1000)
    return times


QUESTIONS: dict[str, Callable[..., object]] = {
    "kpis": lambda c, f: queries.kpis(c, f, today=date(YEARS[1] + 1, 6, 1)),
    "trend": queries.trend, "actioncard_adherence": queries.actioncard_adherence,
    "situation_split": queries.situation_split, "outcomes": queries.outcomes,
    "platforms": queries.platforms, "offence_types": queries.offence_types,
    "completeness": queries.completeness, "learnings": lambda c, f: queries.learnings(c, f, "SletDet"),
    "explore(netvaerk, platforme; share_B)":
        lambda c, f: queries.explore(c, f, ["netvaerk", "platforme"], "share_B"),
    "data_checksum": queries.data_checksum,
}


def _line(label: str, times: list[float], cpu: list[float]) -> str:
    return (f"  {label:<58} median {statistics.median(times):5.0f} ms, max {max(times):5.0f} ms"
            f"  (CPU median {statistics.median(cpu):4.0f} ms)")


def run(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        seconds = build(path, n)
        print(f"\n{n:,} cases: database built in {seconds:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)")
        filters = filter_changes()

        def on_reader(fn: Callable[..., object]) -> Callable[[Filters], None]:
            def call(f: Filters) -> None:
                with db.reader(path) as con:
                    fn(con, f)
            return call

        on_reader(overview)(filters[0])  # warm-up: the OS caches the file
        series = {}
        with cube.bypass():
            series["direct SQL (no cubes)"] = timed(on_reader(overview), filters), list(CPU_MS)
        series["cold (cache emptied before each change)"] = (
            timed(on_reader(overview), filters, before=cube.clear), list(CPU_MS))
        cube.clear()
        series["page session: first page load"] = timed(on_reader(overview), filters[:1]), list(CPU_MS)
        series["page session: next changes (new years build partitions)"] = (
            timed(on_reader(overview), filters[1:]), list(CPU_MS))
        series["warm (all partitions built)"] = timed(on_reader(overview), filters), list(CPU_MS)
        series["(of which db.reader open/close alone)"] = (
            timed(on_reader(lambda con, f: None), filters), list(CPU_MS))
        print("  filter change (kpis + trend + actioncard_adherence), each on its own db.reader:")
        for label, (times, cpu) in series.items():
            print(_line(label, times, cpu))
        print(f"  {'question':<40} {'direct':>9} {'cold':>9} {'warm':>9} {'warm max':>9}   (ms, median)")
        for name, fn in QUESTIONS.items():
            with cube.bypass():
                d = timed(on_reader(fn), filters)
            c = timed(on_reader(fn), filters[:5], before=cube.clear)
            timed(on_reader(fn), filters)  # builds the partitions of every year in the series
            w = timed(on_reader(fn), filters)
            print(f"  {name:<40} {statistics.median(d):9.1f} {statistics.median(c):9.1f} "
                  f"{statistics.median(w):9.1f} {max(w):9.1f}")
        cube.clear()
        for fn in QUESTIONS.values():  # every question on every filter: the cache at its fullest
            timed(on_reader(fn), filters)
        info = cube.cache_info()
        print(f"  cache after all questions: {info.versions} version, {info.entries} entries, "
              f"{info.bytes / 2**20:.1f} MiB")


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [10_000, 1_000_000]
    for n in sizes:
        run(n)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Benchmark: what a dashboard filter change costs at 10,000 and 1,000,000 cases.

Run: ``.venv/bin/python benchmarks/queries.py [cases ...]`` (default 10000 1000000). For each
size it builds a database in a temporary folder (cases drawn with numpy, loaded as one frame
through ``db.writer`` with ``INSERT INTO case_versions SELECT * FROM frame``), then times a
series of filter changes. A "filter change" is what the overview page recomputes:
``kpis`` + ``trend`` + ``actioncard_adherence``. It prints the median and the slowest over
the series, once on an open connection and once including ``db.reader`` (the dashboards
open a short-lived read-only connection per change), plus the other queries one by one.
The target is a filter change within 200 ms at a million cases.
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

from evaluation import db, queries, spec
from evaluation.queries import Filters

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
    queries.kpis(con, f, today=date(YEARS[1] + 1, 6, 1))
    queries.trend(con, f)
    queries.actioncard_adherence(con, f)


def timed(fn: Callable[[Filters], object], filters: list[Filters]) -> list[float]:
    times = []
    for f in filters:
        start = time.perf_counter()
        fn(f)
        times.append((time.perf_counter() - start) * 1000)
    return times


def run(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        seconds = build(path, n)
        print(f"\n{n:,} cases: database built in {seconds:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)")
        filters = filter_changes()
        with db.reader(path) as con:
            overview(con, filters[0])  # warm-up: first query loads the file's metadata
            warm = timed(lambda f: overview(con, f), filters)
            singles = {
                name: timed(lambda f, fn=fn: fn(con, f), filters)
                for name, fn in {
                    "kpis": lambda c, f: queries.kpis(c, f, today=date(YEARS[1] + 1, 6, 1)),
                    "trend": queries.trend, "actioncard_adherence": queries.actioncard_adherence,
                    "situation_split": queries.situation_split, "outcomes": queries.outcomes,
                    "platforms": queries.platforms, "offence_types": queries.offence_types,
                    "completeness": queries.completeness, "learnings": lambda c, f: queries.learnings(c, f, "SletDet"),
                    "explore(netvaerk, platforme; share_B)": lambda c, f: queries.explore(
                        c, f, ["netvaerk", "platforme"], "share_B"),
                    "data_checksum": queries.data_checksum,
                }.items()
            }

        def with_reader(f: Filters) -> None:
            with db.reader(path) as con:
                overview(con, f)

        cold = timed(with_reader, filters)
    print(f"  filter change (kpis + trend + actioncard_adherence), open connection: "
          f"median {statistics.median(warm):.0f} ms, max {max(warm):.0f} ms")
    print(f"  filter change including db.reader open/close:                       "
          f"median {statistics.median(cold):.0f} ms, max {max(cold):.0f} ms")
    for name, times in singles.items():
        print(f"    {name:<40} median {statistics.median(times):6.1f} ms")


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [10_000, 1_000_000]
    for n in sizes:
        run(n)


if __name__ == "__main__":
    main(sys.argv[1:])

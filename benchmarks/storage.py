"""Benchmark: what each migration, a backup and each kind of erasure cost at 1,000,000 cases.

Run: ``.venv/bin/python benchmarks/storage.py [cases]`` (default 1000000). Builds a database in
a temporary folder — cases from ``benchmarks/queries.py``'s generator, spread over one import
per network and year (240 imports), plus a correction import that replaced 1 % of the cases —
then measures, each step in a fresh process of its own:

- every migration after the baseline, one at a time, on a database at the version before it
  (``db.upgrade``: backup of the live file, private copy, the step, checkpoint, replace);
- ``ssp-eval backup`` (``store.backup.backup``);
- each kind of erasure (``store.erasure``): one case, undoing one import (about 4,000 cases),
  every case up to the first year (about 125,000 cases), each with the rewrite of the file;
- the reader's open overhead: ``db.reader`` (path checks and the migration check) against a
  bare ``duckdb.connect(read_only=True)``, median of 200 opens.

For each step: wall time, the process's peak memory (``VmHWM``, see ``peak_memory.py``) and disk: the database's
size after, and the peak extra disk the folder needed while the step ran (sampled every 20 ms:
the writer's copy, the rewrite, backups). Prints ``uptime``'s load beside the figures.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peak_memory import peak_rss_mb  # noqa: E402
from queries import NETWORKS, cases_frame  # noqa: E402

from evaluation import format as fmt  # noqa: E402
from evaluation.store import backup, db, erasure, migrate  # noqa: E402

CORRECTED_SHARE = 0.01


def build(path: Path, n: int) -> None:
    """The database at the baseline schema (0001) with n cases, 240 imports and one correction import."""
    frame = cases_frame(n)
    years = frame["indberetningsmaaned"].dt.year.to_numpy()
    nets = {name: i for i, name in enumerate(NETWORKS)}
    frame["import_id"] = (np.array([nets[x] for x in frame["netvaerk"]]) * 100 + (years - 2000)).astype(np.int32)
    rng = np.random.default_rng(3)
    corrected = frame.sample(frac=CORRECTED_SHARE, random_state=3).copy()
    correction_id = 99_999
    frame.loc[corrected.index, "replaced_by_import"] = correction_id
    corrected["import_id"] = correction_id
    corrected["erfaringer"] = "Rettet efter netværkets opfølgning."
    corrected["content_hash"] = [f"{i:032x}" for i in rng.integers(0, 2**62, len(corrected))]
    con = duckdb.connect(str(path))
    try:
        con.execute((Path(migrate.__file__).parent / "migrations" / "0001_baseline.sql").read_text(encoding="utf-8"))
        con.execute(migrate.TABLE_SQL)
        con.execute("INSERT INTO schema_migrations (migration, how) VALUES ('0001_baseline', 'created')")
        columns = [r[0] for r in con.execute("DESCRIBE case_versions").fetchall()]
        for part in (frame, corrected):
            part["replaced_by_import"] = part["replaced_by_import"].astype("Int32")
            con.register("part", part[columns])
            con.execute("INSERT INTO case_versions SELECT * FROM part")
            con.unregister("part")
        con.execute("""INSERT INTO imports (import_id, file_name, sha256, imported_by, rows_in_file, rows_new,
                           rows_replaced, rows_unchanged)
                       SELECT import_id, 'eksport-' || import_id || '.csv', sha256(import_id::VARCHAR), 'bench',
                              count(*), count(*), 0, 0 FROM case_versions GROUP BY import_id""")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _folder_bytes(folder: Path) -> int:
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def step(name: str, path: Path, arg: str) -> dict:
    """Run one step in this process; returns its figures (called in a child process)."""
    folder = path.parent
    start_bytes, peak = _folder_bytes(folder), [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _folder_bytes(folder))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    if name == "migration":
        upto = [m for m in migrate.known() if m.number <= int(arg)]
        migrate.known = lambda: tuple(upto)  # type: ignore[assignment]  # the program as it was at that step
        assert db.upgrade(path)
    elif name == "backup":
        backup.backup(path)
    elif name.startswith("erase_"):
        with db.writer(path) as con:
            if name == "erase_case":
                network, sags_id = con.execute("SELECT netvaerk, sags_id FROM cases LIMIT 1").fetchone()
                plan = erasure.plan_case(con, network, sags_id)
            elif name == "erase_import":  # the first network's first year: about n / 240 cases
                first = con.execute("SELECT min(import_id) FROM imports WHERE import_id < 99999").fetchone()[0]
                plan = erasure.plan_import(con, int(first))
            else:
                plan = erasure.plan_through_year(con, int(arg))
            erasure.erase(con, plan)
        result_plan = plan
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    out = {"seconds": seconds, "peak_rss_mb": peak_rss_mb(),
           "db_mb": path.stat().st_size / 1e6, "peak_extra_disk_mb": (max(peak[0], _folder_bytes(folder)) - start_bytes) / 1e6}
    if name.startswith("erase_"):
        out["cases"], out["versions"] = result_plan.cases, result_plan.versions
    return out


def reader_overhead(path: Path, repeats: int = 200) -> tuple[float, float]:
    """Median ms to open and close: db.reader vs a bare read-only connect."""
    def timed(open_close) -> float:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            open_close()
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    def bare() -> None:
        duckdb.connect(str(path), read_only=True).close()

    def ours() -> None:
        with db.reader(path):
            pass

    return timed(ours), timed(bare)


def _child(name: str, path: Path, arg: str = "") -> dict:
    done = subprocess.run([sys.executable, __file__, "--step", name, str(path), arg], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stdout + done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _line(label: str, f: dict) -> str:
    extra = (f" ({fmt.plural(f['cases'], 'sag', 'sager')}, {fmt.plural(f['versions'], 'version', 'versioner')})"
             if "cases" in f else "")
    return (f"{label:<46} {f['seconds']:7.1f} s  top-RAM {f['peak_rss_mb']:6.0f} MB  "
            f"db {f['db_mb']:6.0f} MB  ekstra disk undervejs {f['peak_extra_disk_mb']:6.0f} MB{extra}")


def main(n: int) -> None:
    load = os.getloadavg()
    print(f"{n:,} sager. Belastning (uptime) ved start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}".replace(",", "."))
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        base = Path(tmp) / "base" / "ssp.duckdb"
        base.parent.mkdir()
        started = time.perf_counter()
        build(base, n)
        print(f"Bygget på {time.perf_counter() - started:.0f} s: {base.stat().st_size / 1e6:.0f} MB ved skema 0001")

        def fresh(label: str) -> Path:
            folder = Path(tmp) / label
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir()
            shutil.copyfile(base, folder / "ssp.duckdb")
            return folder / "ssp.duckdb"

        current = fresh("migrations")
        for m in migrate.known()[1:]:
            print(_line(f"Migration {m.name}", _child("migration", current, str(m.number))))
        for label, name, arg in (("Sikkerhedskopi (ssp-eval backup)", "backup", ""),
                                 ("Slet én sag", "erase_case", ""),
                                 ("Fortryd én indlæsning", "erase_import", ""),
                                 ("Slet alle sager til og med 2018", "erase_year", "2018")):
            path = fresh("step")
            shutil.copyfile(current, path)  # at the current schema
            print(_line(label, _child(name, path, arg)))
        ours, bare = reader_overhead(current)
        print(f"Åbning til læsning, median af 200: db.reader {ours:.1f} ms, duckdb.connect {bare:.1f} ms "
              f"(tjekkenes pris {ours - bare:.1f} ms)")
    load = os.getloadavg()
    print(f"Belastning ved slut: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--step":
        print(json.dumps(step(sys.argv[2], Path(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "")))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

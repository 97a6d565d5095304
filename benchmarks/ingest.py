"""Benchmark: ingest with full validation vs DuckDB loading the same CSV raw.

Run: ``.venv/bin/python benchmarks/ingest.py [--rows N]`` (default 1,000,000). It writes one
export CSV of N valid cases (generated in DuckDB SQL, so generating is not what is measured),
then measures, each in a fresh subprocess so peak memory (``VmHWM``, see ``peak_memory.py``) belongs to that step
alone (tracemalloc can't see DuckDB's memory):

* raw: ``CREATE TABLE t AS SELECT * FROM read_csv(...)`` into a new database file (the floor);
* ingest: ``ingest.ingest_file`` into a new database (read, every rule, PII screen, write).
  The generated file (UTF-8, ';', no blank lines) takes the reader's direct path: DuckDB's
  ``read_csv`` straight into the staging table, no pandas (see ``readers.open_export``).

Prints seconds, CPU seconds (``cpu``: user + system of the child, steadier than wall time when
other work shares the machine), rows/s, peak MB and the ratios ingest/raw. Targets for 1M rows on two cores:
ingest <= 30 s and <= 2.5x raw.

``--repeat N`` (default 3) runs raw and ingest in turn N times, each into a new database, and
takes the ratios from the medians: on this 2-core machine one raw load varies by ±10 % from run
to run (3.0-3.5 s measured within ten minutes), and the ratio of two single runs with it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peak_memory import peak_rss_mb  # noqa: E402

NETWORKS = ["Hjørring By", "Hirtshals", "Sindal", "Vrå", "Løkken", "Tårs", "Bindslev", "Ungdomsuddannelserne"]
LEARNINGS = [
    "Vi kontaktede Red Barnet SletDet og Politiet; materialet blev slettet inden for 2 dage.",
    "Forældrene blev inddraget samme dag, og skolens ledelse orienterede klasseteamet.",
    "Eleven blev henvist til Sikkerchat 29 27 01 01 og Red Barnets hotline 35 36 55 55.",
    "Dokumentationen blev sikret med skærmbilleder, som forældrene gemte; skolen gemte intet.",
    "Krænkeren var ukendt, så vi hjalp med at få billedet fjernet via SletDet.",
    "Sagen viste, at kontaktlærerne har brug for den årlige øvelse i handlekortet.",
    "Konfliktmægling mellem de to elever virkede godt, og ingen sanktioner var nødvendige.",
    "",
]
ACTORS = ["Red Barnet SletDet, Politiet", "Politiet", "Datatilsynet", "Børns Vilkår", "", "", ""]


def generate(path: Path, rows: int) -> None:
    """Write ``rows`` valid cases as a ';'-separated UTF-8 CSV with key headers, in SQL."""
    con = duckdb.connect()
    pick = "list_element({lst}, 1 + (hash(i * {k}) % len({lst}))::INT)"
    con.execute(f"""
        COPY (
          SELECT 'B-' || i AS sags_id,
                 {pick.format(lst='$networks', k=3)} AS netvaerk,
                 {pick.format(lst="['folkeskole', 'Fri-/privatskole', 'efterskole', 'ungdomsuddannelse']", k=5)}
                     AS institutionstype,
                 strftime(DATE '2020-01-01' + to_months((hash(i * 7) % 72)::INT), '%Y-%m')
                     AS indberetningsmaaned,
                 CASE WHEN hash(i * 11) % 10 = 0 THEN NULL ELSE strftime(DATE '2020-01-01'
                     + to_months((hash(i * 7) % 72 + hash(i * 13) % 4)::INT), '%Y-%m') END AS afslutningsmaaned,
                 CASE WHEN i % 3 = 0 THEN (10 + i % 8)::VARCHAR
                      ELSE {pick.format(lst="['12_14', '15-17', 'Under 12', 'ukendt']", k=17)} END AS aldersgruppe,
                 {pick.format(lst="['pige', 'Dreng', 'andet', '']", k=19)} AS koen,
                 (1 + i % 3)::VARCHAR AS antal_kraenkede,
                 {pick.format(lst="['kendt', 'ukendt', 'Både kendt og ukendt']", k=23)} AS kraenker,
                 {pick.format(lst="['ja', 'nej', 'ukendt', '']", k=29)} AS kraenker_samme_institution,
                 CASE WHEN i % 4 = 0 THEN 'B' ELSE 'A' END AS situation,
                 {pick.format(lst="['billeddeling', 'Billeddeling, afpresning', 'chikane', 'videodeling;trusler']", k=31)}
                     AS kraenkelsestyper,
                 {pick.format(lst="['Snapchat', 'snapchat, tiktok', 'Instagram', 'Spil/gaming', '']", k=37)}
                     AS platforme,
                 {pick.format(lst="['ingen', 'klassen', 'Uden for skolen', '']", k=41)} AS spredning,
                 CASE WHEN i % 4 = 0 THEN 'politisag, underretning' ELSE 'Pædagogisk håndtering' END AS vurdering,
                 CASE WHEN i % 5 = 0 THEN 'nej' ELSE 'ja' END AS foraeldre_inddraget,
                 CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 4)::VARCHAR END AS foraeldre_inddraget_dage,
                 {pick.format(lst="['ja', 'delvist', 'nej']", k=43)} AS dokumentation_sikret,
                 {pick.format(lst="['ja', 'delvist', 'nej', 'ukendt', '']", k=47)} AS materiale_slettet,
                 {pick.format(lst="['ja', 'nej', '']", k=53)} AS sletdet_kontaktet,
                 {pick.format(lst="['nej', '']", k=59)} AS datatilsynet_klage,
                 {pick.format(lst="['ingen', 'kommunalt', '']", k=61)} AS samarbejde,
                 CASE WHEN i % 4 = 0 THEN 'ja' ELSE 'nej' END AS politianmeldt,
                 CASE WHEN i % 4 = 0 THEN 'Forældre' END AS anmeldt_af,
                 CASE WHEN i % 4 = 0 THEN 'Ja' ELSE 'Nej' END AS underretning_sendt,
                 {pick.format(lst="['ja', 'nej', '']", k=67)} AS forsikring_anbefalet,
                 {pick.format(lst="['ja', 'nej', 'x', '']", k=71)} AS ssp_konsulent_inddraget,
                 {pick.format(lst="['skolen', 'psykolog, skolen', 'ingen', '']", k=73)} AS hjaelp,
                 {pick.format(lst="['ja', 'nej', '']", k=79)} AS hjaelp_kraenker,
                 {pick.format(lst="['ja', 'nej', 'ikke_relevant', '']", k=83)} AS konfliktmaegling,
                 {pick.format(lst="['klassen', 'klassen, Forældregruppen', '']", k=89)} AS orienteret,
                 {pick.format(lst="['nej', '']", k=97)} AS presseinteresse,
                 {pick.format(lst='$actors', k=101)} AS aktoerer,
                 {pick.format(lst='$learnings', k=103)} AS erfaringer
          FROM range($rows) AS r(i)
        ) TO '{path}' (HEADER, DELIMITER ';')
    """, {"networks": NETWORKS, "actors": ACTORS, "learnings": LEARNINGS, "rows": rows})
    con.close()


def measure_raw(csv: Path, workdir: Path) -> dict[str, float]:
    start = time.perf_counter()
    con = duckdb.connect(str(workdir / "raw.duckdb"))
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
    con.execute("CHECKPOINT")
    con.close()
    return {"seconds": time.perf_counter() - start}


def measure_ingest(csv: Path, workdir: Path) -> dict[str, float]:
    from evaluation.ingest import ingest

    start = time.perf_counter()
    result = ingest.ingest_file(workdir / "ingest.duckdb", csv)
    seconds = time.perf_counter() - start
    if result.status != "loaded":
        raise SystemExit(f"ingest did not load the file: {result.summary()} "
                         f"{[str(m) for m in result.messages[:5]]}")
    return {"seconds": seconds, "warnings": result.warning_count}


def child(step: str, csv: Path, workdir: Path) -> None:
    """Run one measurement and print it as JSON, with this process's peak resident memory."""
    out = {"raw": measure_raw, "ingest": measure_ingest}[step](csv, workdir)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["peak_mb"] = peak_rss_mb()
    out["cpu_s"] = usage.ru_utime + usage.ru_stime  # less sensitive than wall time to a busy machine
    print(json.dumps(out))


def run(step: str, csv: Path, workdir: Path) -> dict[str, float]:
    for stale in workdir.glob("*.duckdb*"):
        stale.unlink()  # every run writes a new database, as the first one does
    done = subprocess.run([sys.executable, __file__, "--child", step, "--csv", str(csv),
                           "--workdir", str(workdir)], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the runs (peak memory: the largest)."""
    out = {key: statistics.median(r[key] for r in runs) for key in ("seconds", "cpu_s")}
    return out | {"peak_mb": max(r["peak_mb"] for r in runs), "warnings": runs[0].get("warnings", 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="raw and ingest runs, in turn (medians are compared)")
    parser.add_argument("--child", choices=["raw", "ingest"])
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.csv, args.workdir)
        return
    with tempfile.TemporaryDirectory(prefix="ssp-bench-") as tmp:
        workdir = Path(tmp)
        csv = workdir / "eksport.csv"
        start = time.perf_counter()
        generate(csv, args.rows)
        print(f"generated {args.rows:,} cases, {csv.stat().st_size / 2**20:.0f} MiB "
              f"in {time.perf_counter() - start:.1f} s")
        raws, fulls = [], []
        for i in range(args.repeat):
            raws.append(run("raw", csv, workdir))
            fulls.append(run("ingest", csv, workdir))
            print(f"run {i + 1}: raw {raws[-1]['seconds']:.2f} s (cpu {raws[-1]['cpu_s']:.1f}), "
                  f"ingest {fulls[-1]['seconds']:.2f} s (cpu {fulls[-1]['cpu_s']:.1f}), "
                  f"ratio {fulls[-1]['seconds'] / raws[-1]['seconds']:.2f}x", flush=True)
    raw, full = median(raws), median(fulls)
    label = "median" if args.repeat > 1 else "one run"
    for name, m in (("raw read_csv", raw), ("ingest_file", full)):
        print(f"{name:<12} {m['seconds']:7.2f} s  {args.rows / m['seconds']:>12,.0f} rows/s  "
              f"peak {m['peak_mb']:,.0f} MB  cpu {m['cpu_s']:.1f} s  ({label} of {args.repeat})")
    ratio = full["seconds"] / raw["seconds"]
    print(f"ratio ingest/raw: {ratio:.2f}x wall, {full['cpu_s'] / raw['cpu_s']:.2f}x cpu"
          f"  (targets: <= 30 s and <= 2.5x)  warnings: {full.get('warnings', 0):,.0f}")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

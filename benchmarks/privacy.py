"""Benchmark: the privacy screen over 1,000,000 realistic `erfaringer` texts in DuckDB.

Run: ``.venv/bin/python benchmarks/privacy.py [rows]``. Prints the median of 3 runs of
``privacy.scan`` (seconds and rows/s) and how many findings it made. The texts are built from
Danish learnings of the kind networks write (50–300 characters typically, up to ~1,000),
with the plan's organisations and public numbers in many of them, and personal data planted
in about 1 in 500 rows, as a real export that is nearly clean would look.
"""

from __future__ import annotations

import statistics
import sys
import time

import duckdb

from evaluation.ingest import privacy

CLEAN = [
    "Vi kontaktede Red Barnet SletDet og Politiet; materialet blev slettet inden for 2 dage.",
    "Forældrene blev inddraget samme dag, og skolens ledelse orienterede klasseteamet.",
    "Eleven blev henvist til Sikkerchat 29 27 01 01 og Red Barnets hotline (+45) 35 36 55 55.",
    "Sag 2025-0042 afsluttet 01.03.2025 efter møde med SSP- og Ungdomskonsulenten.",
    "Per uge holdt vi møde med kontaktlærerne, og 13 % af eleverne deltog i oplægget.",
    "Dokumentationen blev sikret med skærmbilleder, som forældrene gemte; skolen gemte intet.",
    "Krænkeren var ukendt, så vi hjalp med at få billedet fjernet via SletDet.",
    "Politiet tog over efter anmeldelsen på 114, og skolen fulgte op med klassen.",
    "Center for Seksuelle Overgreb gav vejledning om psykologhjælp til familien.",
    "Børns Vilkår og Medierådet har godt materiale til forældremøder om deling af billeder.",
    "Vi manglede en fast procedure for hvem der kontakter forældrene til krænkeren.",
    "Handlekortet blev fulgt, men samarbejdet med nabokommunen krævede juridisk rådgivning.",
    "Sagen viste, at kontaktlærerne har brug for den årlige øvelse i handlekortet.",
    "Klage til Datatilsynet var ikke nødvendig, da platformen fjernede videoen efter 3 dage.",
    "Snapchat og Instagram var de platforme, der gik igen; TikTok i to sager.",
    "Orientering af forældregruppen skete på et ekstraordinært møde i 8. klasse.",
    "Konfliktmægling mellem de to elever virkede godt, og ingen sanktioner var nødvendige.",
    "Forsikringsanmeldelse blev anbefalet, så familien kunne få dækket psykologhjælp.",
]
PERSONAL = [
    "Emma i 7.b fik hjælp af sin lærer.",
    "Ring til mor på 22 33 44 55.",
    "CPR 010190-1234 blev nævnt i mailen.",
    "Kontakt emma.h@example.dk for billederne.",
    "Profilen @mads_2011 delte videoen.",
]


def build(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    """Create table `staging(excel_row, erfaringer)` with `rows` synthetic texts, in SQL."""
    con.execute(
        """
        CREATE OR REPLACE TABLE staging AS
        SELECT i + 2 AS excel_row,
               array_to_string(list_transform(range(1 + (hash(i) % 4)::INT),
                   lambda j: $clean[1 + (hash(i * 7 + j) % len($clean))::INT]), ' ')
               || CASE WHEN i % 500 = 0
                       THEN ' ' || $personal[1 + ((i // 500) % len($personal))::INT] ELSE '' END
               AS erfaringer
        FROM range($rows) AS r(i)
        """,
        {"clean": CLEAN, "personal": PERSONAL, "rows": rows},
    )


def main(rows: int = 1_000_000) -> None:
    con = duckdb.connect()
    build(con, rows)
    avg_len = con.execute("SELECT avg(length(erfaringer)) FROM staging").fetchone()[0]
    allowed = ["Red Barnet", "Center for Seksuelle Overgreb", "Børns Vilkår", "Sikkerchat"]
    timings: list[float] = []
    found = None
    for _ in range(3):
        start = time.perf_counter()
        found = privacy.scan(con, "staging", ["erfaringer"], "excel_row", allowed)
        timings.append(time.perf_counter() - start)
    seconds = statistics.median(timings)
    print(f"rows: {rows:,}  average length: {avg_len:.0f} chars")
    print(f"scan: {seconds:.2f} s (median of 3: {', '.join(f'{t:.2f}' for t in timings)})"
          f"  {rows / seconds:,.0f} rows/s")
    assert found is not None
    print(f"findings: {len(found):,}  by kind: {found['kind'].value_counts().to_dict()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

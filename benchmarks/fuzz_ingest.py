"""Fuzz run: thousands of hostile export files through the real ingest, and its summary.

Run: ``.venv/bin/python benchmarks/fuzz_ingest.py [--files 10000] [--seed 2026] [--workers 1] [--large]``.

The files come from the same Hypothesis strategies as the CI property test
(``tests/ingest/export_strategies.py``: CSV and .xlsx drawn from the contract with hostile
cells and headers, every CSV flavour, byte-level damage, random bytes); each is judged by
``tests/ingest/fuzz_check.py`` on a real ``ingest_file`` into a copy of a seeded database.
``--large`` adds files at the size limits (CSV of 50 MB by both readers, the largest .xlsx
the limits let through, files just past the limits) to measure peak memory.

Prints: files by outcome and kind, crashes, catch-all rejections (rule ``intern_fejl``),
partial loads, personal data echoed, rejections that changed the database, the slowest and
the most memory-hungry input (peak resident memory of this process during that one ingest).
Inputs that break a property are written to ``artefacts/fuzz/`` to be added to the corpus.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "ingest"))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from evaluation.ingest import spec, template  # noqa: E402
from evaluation.store import db  # noqa: E402
from export_strategies import Drawn, export_files  # noqa: E402
from fuzz_check import Verdict, judge  # noqa: E402

MB = 1024 * 1024


class _TimeUp(Exception):
    """Raised inside the Hypothesis loop when the time budget is spent."""


def run(files: int, seed_value: int, template_db: Path, workdir: Path, deadline: float = float("inf")) -> list[Verdict]:
    """Draw and judge ``files`` files (Hypothesis, generation only, fixed seed), or as many as
    fit before ``deadline`` (``time.time()``): on a shared machine a run may have to stop early,
    and the summary then says how many files it judged."""
    verdicts: list[Verdict] = []
    started = time.perf_counter()

    @seed(seed_value)
    @settings(max_examples=files, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(drawn=export_files())
    def one(drawn: Drawn) -> None:
        if time.time() > deadline:
            raise _TimeUp
        verdicts.append(judge(template_db, workdir, drawn.name, drawn.data, drawn.secrets, drawn.layers))
        if len(verdicts) % 250 == 0:
            rate = len(verdicts) / (time.perf_counter() - started)
            print(f"  {len(verdicts):>6} filer, {rate:.1f} pr. sekund", file=sys.stderr, flush=True)

    try:
        one()
    except _TimeUp:
        pass
    return verdicts


# --- files at the limits --------------------------------------------------------------------

def _row(i: int) -> list[str]:
    values = {**template.EXAMPLE_ROW, "netvaerk": "Sindal", "sags_id": f"SIN-{i}"}
    return [values[c.key] for c in spec.COLUMNS]


def _csv_of_size(path: Path, size: int, line_end: str) -> Path:
    header = ";".join(c.label for c in spec.COLUMNS) + line_end
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        written, i = len(header.encode()), 0
        while written < size:
            line = ";".join(_row(i)) + line_end
            out.write(line)
            written += len(line.encode())
            i += 1
    return path


def _xlsx(path: Path, rows: int, text: str = "") -> Path:
    """A minimal .xlsx written directly (inline strings): ``rows`` cases, optionally a long text each."""
    labels = [c.label for c in spec.COLUMNS]

    def cell(ref: str, value: str) -> str:
        value = value.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'

    from openpyxl.utils import get_column_letter
    letters = [get_column_letter(i + 1) for i in range(len(labels))]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '</Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'))
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Sager" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>'))
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>')
            sheet.write(('<row r="1">' + "".join(cell(f"{l}1", v) for l, v in zip(letters, labels)) + "</row>").encode())
            for r in range(rows):
                values = _row(r)
                if text:
                    values[-1] = f"{text} {r}"
                line = f'<row r="{r + 2}">' + "".join(cell(f"{l}{r + 2}", v) for l, v in zip(letters, values)) + "</row>"
                sheet.write(line.encode())
            sheet.write(b"</sheetData></worksheet>")
    return path


def large_files(directory: Path) -> list[Path]:
    """Files at and just past the limits, for peak memory."""
    words = " ".join(f"ord{i % 997}x{i % 13}" for i in range(160))  # ~1,000 characters of text that packs ~8x
    return [
        _csv_of_size(directory / "stor_direkte_50mb.csv", 50 * MB, "\r\n"),
        _csv_of_size(directory / "stor_pandas_49mb_cr.csv", 49 * MB, "\r"),   # CR-only: the pandas reader
        _csv_of_size(directory / "for_stor_pandas_51mb_cr.csv", 51 * MB, "\r"),
        _xlsx(directory / "stor_500000_celler.xlsx", 14_000),                  # 14,001 rows x 34 columns
        _xlsx(directory / "stor_lange_tekster.xlsx", 14_000, words[:990]),
        _xlsx(directory / "for_mange_celler.xlsx", 16_000),
    ]


# --- the summary ----------------------------------------------------------------------------

def summary(verdicts: list[Verdict], large: list[Verdict]) -> list[str]:
    by_status = collections.Counter(v.status or "undtagelse" for v in verdicts)
    by_kind = collections.Counter(v.layers[0] if v.layers else "?" for v in verdicts)
    rules = collections.Counter(rule for v in verdicts for rule in v.rules)
    everything = verdicts + large
    slowest = max(everything, key=lambda v: v.seconds)
    hungriest = max(everything, key=lambda v: v.peak_rss)
    lines = [
        f"Filer: {len(verdicts):,} genererede og bedømt ({', '.join(f'{k} {n:,}' for k, n in by_kind.most_common())})"
        f" + {len(large)} ved grænserne",
        f"Udfald: {', '.join(f'{k} {n:,}' for k, n in by_status.most_common())}",
        f"Nedbrud (undtagelse ud af ingest_file): {sum(v.crash is not None for v in everything)}",
        f"Afvist af sidste værn (intern_fejl): {sum(v.internal for v in everything)}",
        f"Delvise indlæsninger: {sum(v.partial for v in everything)}",
        f"Personoplysninger gentaget eller gemt: {sum(bool(v.leaked) for v in everything)}",
        f"Afvisninger der ændrede databasen: {sum(bool(v.changed_on_reject) for v in everything)}",
        f"Langsomste: {slowest.name} {'/'.join(slowest.layers)} ({slowest.size:,} byte): {slowest.seconds:.2f} s",
        f"Mest hukommelse: {hungriest.name} {'/'.join(hungriest.layers)} ({hungriest.size:,} byte): "
        f"{hungriest.peak_rss / MB:,.0f} MB (højeste RSS under den ene indlæsning)",
        "Hyppigste regler: " + ", ".join(f"{r} {n:,}" for r, n in rules.most_common(12)),
    ]
    for v in large:
        lines.append(f"  grænse: {v.name} ({v.size / MB:,.1f} MB): {v.status} {','.join(v.rules)} "
                     f"{v.seconds:.1f} s, {v.peak_rss / MB:,.0f} MB")
    return lines


def worker(files: int, seed_value: int, deadline: float) -> list[Verdict]:
    """One process's share of the run, in its own temporary folder and database."""
    with tempfile.TemporaryDirectory(prefix="ssp-fuzz-") as tmp:
        tmp_path = Path(tmp)
        template_db = tmp_path / "seed.duckdb"
        db.init(template_db)
        return run(files, seed_value, template_db, tmp_path, deadline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=1,
                        help="processes, each with its own seed (seed, seed+1, ...) and share of the files")
    parser.add_argument("--large", action="store_true", help="also files at the size limits")
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop drawing files after this many minutes (the summary says how many were judged)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ssp-fuzz-") as tmp:
        tmp_path = Path(tmp)
        template_db = tmp_path / "seed.duckdb"
        db.init(template_db)
        start = time.perf_counter()
        shares = [args.files // args.workers + (i < args.files % args.workers) for i in range(args.workers)]
        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            deadline = time.time() + 60 * args.minutes if args.minutes else float("inf")
            parts = pool.starmap(worker, [(n, args.seed + i, deadline) for i, n in enumerate(shares) if n])
        verdicts = [v for part in parts for v in part]
        large: list[Verdict] = []
        if args.large:
            for path in large_files(tmp_path):
                large.append(judge(template_db, tmp_path, path.name, path.read_bytes(), set(), ("grænse",)))
                path.unlink(missing_ok=True)  # judge() removes the copy it ingested
        failed = [v for v in verdicts + large if not v.ok]
        if failed:
            out = HERE.parent / "artefacts" / "fuzz"
            out.mkdir(parents=True, exist_ok=True)
            (out / "fejl.txt").write_text("\n\n".join(f"{v.name} {v.layers}: crash={v.crash} internal={v.internal} "
                                                      f"leaked={len(v.leaked)} changed={v.changed_on_reject} "
                                                      f"partial={v.partial} rules={v.rules}" for v in failed))
        for line in summary(verdicts, large):
            print(line)
        print(f"Tid i alt: {time.perf_counter() - start:,.0f} s")


if __name__ == "__main__":
    main()

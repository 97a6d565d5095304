"""Hypothesis strategies for hostile export files, CSV and .xlsx, shared by the CI property test
(``test_fuzz.py``) and the long run (``benchmarks/fuzz_ingest.py``).

A drawn file is a :class:`Drawn`: its bytes, its file name and the *secrets* planted in it —
personal data (CPR and phone numbers, e-mails, @handles, first names) put in cells, headers,
the network, case ids and sheet names. A message that contains a secret has leaked it.

Three layers, mixed by ``export_files()``:

* **structure**: a table drawn from the contract (``spec.COLUMNS``) — headers as labels, keys,
  odd spellings, unknown or duplicated columns, personal data; cells valid, mutated, long,
  formula-like, look-alike, or personal data; networks known, misspelt or look-alike;
* **serialisation**: CSV in every separator, encoding (UTF-8 with and without BOM,
  Windows-1252, UTF-16, a mix), line end (CRLF, LF, CR), quoting, ``sep=`` line, blank lines,
  unclosed quotes; or .xlsx with odd sheet names, extra sheets, typed cells and far-away cells;
* **bytes**: the serialised file flipped, cut, spliced or repeated, and plain random bytes.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from hypothesis import strategies as st

from evaluation.ingest import spec, template

NETWORKS = ("Sindal", "Hjørring By", "Tårs", "Vrå")
SECRETS = {
    "cpr": ("010190-1234", "2412851234", "311299-4321"),
    "phone": ("22 33 44 55", "+45 61 62 63 64", "87654321"),
    "email": ("mor.h@example.dk", "elev2011@skole.dk"),
    "handle": ("@sofie_2011", "@mads.k"),
    "name": ("Emma", "Oliver", "Freja"),
}
ALL_SECRETS = tuple(s for values in SECRETS.values() for s in values)
LOOKALIKES = ("S\u0456ndal", "Sin\u200bdal", "\uff33indal", "T\u00e5rs\u200e", "Vr\u0430\u030a")
FORMULAS = ("=1+1", '=HYPERLINK("http://x","klik")', "+45", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
ODD_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@dataclass
class Drawn:
    """One generated export file: its name, bytes, and the personal data planted in it."""

    name: str
    data: bytes
    secrets: set[str] = field(default_factory=set)
    layers: tuple[str, ...] = ()


# --- cells --------------------------------------------------------------------------------

def _valid_value(col: spec.Column) -> st.SearchStrategy[str]:
    """A value the contract accepts, as a network might write it: mostly the template's example
    case (consistent across columns, so whole files load) in another accepted spelling."""
    example = template.EXAMPLE_ROW[col.key]
    if col.codes and example:
        code = spec.code_lookup(col).get(spec.normalise_name(example.split(",")[0]), "")
        return st.sampled_from([example, example.upper(), f" {example} ", code or example])
    if col.kind == "network":
        return st.sampled_from([*NETWORKS, "sindal", " TÅRS ", "Hjørring  by"])
    if col.kind in ("yesno", "month", "int") and example:
        return st.sampled_from([example, f" {example} "] + (["JA", "x"] if example == "Ja" else []))
    return st.just(example)


def _any_value(col: spec.Column) -> st.SearchStrategy[str]:
    """Any value the column accepts on its own (it may break a rule between columns)."""
    if col.codes:
        spellings = [*col.codes, *col.codes.values()]
        if col.is_list:
            return st.lists(st.sampled_from(spellings), min_size=1, max_size=3).map(", ".join)
        return st.sampled_from(spellings)
    if col.kind == "yesno":
        return st.sampled_from(["ja", "nej", "Ja", "NEJ", "x", "1", "0"])
    if col.kind == "month":
        return st.sampled_from(["2024-03", "03-2025", "2025-01-15", "15.02.2024", "2023/11", "45123"])
    if col.kind == "int":
        return st.integers(col.min_value or 0, col.max_value or 10).map(str)
    if col.kind == "network":
        return st.sampled_from([*NETWORKS, "sindal", " TÅRS ", "Hjørring  by"])
    if col.kind == "text":
        return st.from_regex(r"[A-Z]{1,4}-[0-9]{2}-[0-9]{1,3}", fullmatch=True)
    if col.kind == "names":
        return st.sampled_from(["Red Barnet SletDet", "Politiet, Datatilsynet", "Sikkerchat"])
    return st.sampled_from(["Samtale med begge elever.", "Forældrene kom samme dag.", ""])


def _hostile(secrets: set[str]) -> st.SearchStrategy[str]:
    """A cell value of the kinds that broke ingest before (personal data is recorded as planted)."""
    def planted(secret: str) -> str:
        secrets.add(secret)
        return secret

    return st.one_of(
        st.just(""), st.sampled_from(["  ", "\u00a0", "\t"]),
        ODD_TEXT,
        st.sampled_from(FORMULAS),
        st.sampled_from(LOOKALIKES),
        st.sampled_from(ALL_SECRETS).map(planted),
        st.builds(lambda n, c: c * n, st.integers(50, 3000), st.sampled_from(["x", "zz,", "Politiet, ", "æ"])),
        st.sampled_from(["1e308", "-0", "NaN", "0x1F", "2025-13", "00-2025", "12-14", "999999999999"]),
    )


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]], set[str]]:
    """A header and rows drawn from the contract, with planted personal data recorded.

    Rows start valid (so many files load and the load path is judged too); then a few cells,
    headers or columns are made hostile.
    """
    secrets: set[str] = set()
    columns = [c for c in spec.COLUMNS if c.required or draw(st.booleans())]
    if draw(st.integers(0, 9)) == 0:  # a required column missing
        columns.remove(draw(st.sampled_from(columns)))
    columns = draw(st.permutations(columns)) if draw(st.booleans()) else columns
    header = [draw(st.sampled_from([col.label, col.key, col.label.upper(), f" {col.label} ",
                                    col.label.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")]))
              for col in columns]
    owners: list[spec.Column | None] = list(columns)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):  # unknown, duplicated, empty or personal-data headers
        extra = draw(st.one_of(ODD_TEXT, st.just(""), st.sampled_from(header or ["Sags-ID"]),
                               st.sampled_from(ALL_SECRETS)))
        if extra in ALL_SECRETS:
            secrets.add(extra)
        at = draw(st.integers(0, len(header)))
        header.insert(at, extra)
        owners.insert(at, None)
    rows = [[draw(_valid_value(col) if draw(st.integers(0, 39)) else _any_value(col)) if col else "" for col in owners]
            for _ in range(draw(st.integers(0, 6)))]
    ids = [i for i, col in enumerate(owners) if col is not None and col.key == "sags_id"]
    prefix = draw(st.sampled_from(["SIN-25-", "sag ", "HJB/", "T"]))
    for number, row in enumerate(rows, start=1):  # case ids unique within the file, as exported
        for i in ids:
            row[i] = f"{prefix}{number}"
    cells = [(r, c) for r in range(len(rows)) for c in range(len(header))]
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3])) if cells else 0):
        r, c = draw(st.sampled_from(cells))
        rows[r][c] = draw(_hostile(secrets))
    return header, rows, secrets


# --- serialisation ------------------------------------------------------------------------

@st.composite
def csv_files(draw: st.DrawFn) -> Drawn:
    header, rows, secrets = draw(tables())
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    line_end = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    buffer = io.StringIO()
    if draw(st.booleans()) and draw(st.booleans()):
        buffer.write(f"sep={delimiter}{line_end}")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end, quoting=quoting)
    writer.writerow(header)
    for row in rows:
        if draw(st.integers(0, 9)) == 0:
            buffer.write(line_end)  # a blank line
        writer.writerow(row)
    text = buffer.getvalue()
    if draw(st.integers(0, 9)) == 0:
        text += f'{delimiter}"ikke lukket{line_end}'
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "mixed"]))
    data = _encode(text, encoding, draw)
    return Drawn(draw(st.sampled_from(["eksport.csv", "Sindal 2025.CSV", "x.csv"])), data, secrets, ("csv", encoding))


def _encode(text: str, encoding: str, draw: st.DrawFn) -> bytes:
    if encoding == "mixed":  # UTF-8 with one line in Windows-1252
        lines = text.split("\n")
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        return "\n".join(lines[:at]).encode("utf-8") + ("\n" if at else "").encode() + \
            "\n".join(lines[at:]).encode("cp1252", "replace")
    if encoding == "cp1252":
        return text.encode("cp1252", "replace")
    if encoding == "utf-16":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le", "surrogatepass")
    return text.encode(encoding, "surrogatepass")


@st.composite
def xlsx_files(draw: st.DrawFn) -> Drawn:
    from openpyxl import Workbook

    header, rows, secrets = draw(tables())
    workbook = Workbook()
    sheet = workbook.active
    title = draw(st.sampled_from(["Sager", "sager", "Ark1", "Vejledning"]) if draw(st.integers(0, 7))
                 else st.sampled_from(ALL_SECRETS))
    if title in ALL_SECRETS:
        secrets.add(title)
    sheet.title = title[:31]
    if draw(st.booleans()):
        guide = workbook.create_sheet("Vejledning", 0)
        guide["A1"] = "Vejledning"
    start = draw(st.integers(1, 3))
    for r, values in enumerate([header, *rows], start=start):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=_typed_cell(value, draw))
    for _ in range(draw(st.integers(0, 2))):  # far-away cells: empty but styled, or with a value
        row, column = draw(st.sampled_from([(1_048_576, 16_384), (1_048_576, 1), (5, 16_384), (70_000, 3)]))
        cell = sheet.cell(row=row, column=column, value=draw(st.sampled_from([None, "x", 7])))
        cell.number_format = "0.00"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Drawn(draw(st.sampled_from(["eksport.xlsx", "Tårs.XLSX"])), _timeless(buffer.getvalue()), secrets, ("xlsx",))


_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _timeless(data: bytes) -> bytes:
    """The .xlsx with its clock removed: openpyxl stamps the save time into docProps/core.xml
    and into every zip entry, so the same draws gave other bytes a second later (other
    lengths after compression) and Hypothesis saw a strategy that drew differently on replay
    (FlakyStrategyDefinition in the mutated layer)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = _STAMP.sub(rb"\g<1>2025-01-01T00:00:00Z\g<2>", content)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0)), content,
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _typed_cell(value: str, draw: st.DrawFn) -> object:
    """Most cells as text; some as the types Excel makes of them (numbers, dates, booleans)."""
    choice = draw(st.integers(0, 12))
    if choice == 0 and value.isdigit() and len(value) < 15:
        return int(value)
    if choice == 1:
        return draw(st.sampled_from([datetime(2025, 3, 1), date(2024, 12, 24), 45123.0, True, 12.5]))
    if value.startswith("="):
        return value  # openpyxl writes it as a formula: an export may hold formulas
    return "".join(ch for ch in value if ch.isprintable() or ch in "\t\n")[:32_000] or None


# --- bytes --------------------------------------------------------------------------------

@st.composite
def mutated(draw: st.DrawFn, inner: st.SearchStrategy[Drawn]) -> Drawn:
    """A drawn file with its bytes flipped, cut, spliced or repeated."""
    base = draw(inner)
    data = bytearray(base.data)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "truncate"]))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "repeat":
            data[at:at] = data[at:at + 256] * draw(st.integers(1, 20))
        else:
            del data[at:]
    return Drawn(base.name, bytes(data), base.secrets, (*base.layers, "bytes"))


raw_bytes = st.builds(lambda data, name: Drawn(name, data, set(), ("random",)),
                      st.binary(max_size=2048), st.sampled_from(["x.csv", "x.xlsx", "x.txt", "x.xls"]))


def export_files() -> st.SearchStrategy[Drawn]:
    """Everything: mostly well-formed hostile files, some byte-mutated, a few random bytes."""
    return st.one_of(csv_files(), csv_files(), xlsx_files(), mutated(csv_files()), mutated(xlsx_files()), raw_bytes)

"""Turn a network's export file (.csv or .xlsx) into a raw staging frame.

This is the first step of ingest (``shared/spec/case-export.md``, "Files"): it decides how
to read the file (encoding, separator, sheet), finds the header row, maps each header to its
spec key, and hands back every value as stripped text with the row number a person sees in
Excel. It judges no *values*: ``validate`` does that, so all of a file's errors can be
reported at once. It refuses only files it cannot read at all (``InputFileError``).

Decisions, each for a reason:

* **CSV is parsed by pandas' C parser** (``dtype=str``, multi-threaded above 5 MB). On 1M
  rows x 34 columns (377 MB) it built the frame in 3.8 s; DuckDB ``read_csv`` parses faster
  but took 7.5 s to hand the same frame to pandas, and it silently drops blank lines, which
  breaks Excel's row numbers. With ``skip_blank_lines=False`` pandas keeps one frame row per
  CSV record, so ``row_in_file = position + 1`` holds with quoted line breaks and blank lines.
* **Encoding**: UTF-8 (with or without BOM) when the whole file is valid UTF-8, else
  Windows-1252 (Danish Excel's "CSV (semikolonsepareret)"), checked strictly; UTF-16 with a
  BOM (Excel's "Unicode-tekst") also works. Latin-1 is never assumed: it differs from
  Windows-1252 exactly where ``€`` and curly quotes live.
* **Separator**: sniffed from the header record only (``;``, ``,`` or tab), picking the one
  that recognises most headers, so decimal commas in the data never matter. An Excel
  ``sep=;`` first line is honoured and not counted as a row (Excel hides it too).
* **xlsx**: streamed by ``xlsx`` (sparse, within ``limits``); the sheet ``Sager`` (any case) else the first visible sheet,
  so a leading ``Vejledning`` sheet is skipped. Date cells become ``YYYY-MM-DD``, whole
  numbers ``12`` (not ``12.0``), TRUE/FALSE ``ja``/``nej``.
* **Rows**: the header is the first non-empty row. Rows with no value in any recognised
  column are dropped (the spec: blank rows are ignored); the numbers of the other rows stay
  true. A file with a header and no rows is *not* an error here: it reads as an empty frame
  and ingest decides what to say.
* **Columns**: ``header_columns`` gives the column letter Excel shows (``A``, ``B``, … ``AA``)
  for .csv as well, since networks open their CSV files in Excel. A column without a header
  is ignored when empty, else listed in ``unknown_headers`` as ``(uden overskrift, kolonne X)``.
  When two headers name the same key, the first is used and the others are listed in
  ``duplicate_headers``.
* **Missing values** are pandas' missing marker of the ``str`` dtype (``pd.isna`` is true,
  DuckDB sees NULL); every present value is a non-empty ``str`` with no surrounding spaces.

Messages never quote cell contents (they could be personal data); they name the file, and
where useful a row number or column letter.

**The direct path** (``open_export``, what ingest uses): pandas costs ~10 s per million rows
and handing its frame to DuckDB ~6 s more, while DuckDB's own ``read_csv`` reads the same file
into the staging table in ~5 s of CPU. So for a CSV where DuckDB's reading provably equals
pandas' one, ``open_export`` parses only the header in Python and returns a ``CsvSource``: the
``read_csv`` call that ``validate`` runs inside the writer transaction. Equal means: the header
is the first record and has no quote; no blank line before a record (DuckDB skips blank lines,
which would shift Excel's row numbers); no lone CR; no blanks before an opening quote (DuckDB
drops them). That is checked by one streamed pass over the bytes (``layout``, ~0.7 s per
300 MB, on a thread beside DuckDB's single-threaded read); a file failing it, an .xlsx, or a
file DuckDB refuses (``DirectReadRefused``: a ragged or badly quoted file) goes the pandas way,
which also words the Danish error. Windows-1252 and
UTF-16 files are first transcoded to a temporary UTF-8 copy (~1 s per 300 MB), removed on exit.
Quoted line breaks are fine on both paths: a record is one Excel row however many lines it has.
DuckDB hands over cells as written; ``validate`` trims them (once per distinct value).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.errors import InputFileError
from evaluation.ingest import csvtext, headers, layout, limits, spec, tempcopies, xlsx

ROW_COLUMN = "row_in_file"
CSV_DELIMITERS = (";", ",", "\t")
# Extra, unnamed columns a CSV row may have beyond its header (e.g. a trailing ';'); their
# values are reported as unknown columns rather than failing the whole file.
SPARE_COLUMNS = 4
# How much of a CSV is decoded up front to find the header and separator.
HEAD_BYTES = 256 * 1024
# Share of control characters in the first text above which a ".csv" is taken as binary.
MAX_CONTROL_SHARE = 0.01

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),  # old .xls, or a password-protected .xlsx
    (b"\x89PNG", "binary"),
    (b"%PDF", "binary"),
    (b"\xff\xd8\xff", "binary"),
    (b"GIF8", "binary"),
)
_SEP_LINE = re.compile(r"^sep=(.)\s*$", re.IGNORECASE)
_PARSER_LINE = re.compile(r"line (\d+)")
_PARSER_ROW = re.compile(r"row (\d+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class DirectReadRefused(Exception):
    """DuckDB refused a CSV on the direct path; the caller reads it again with ``read_export``.

    Never shown to a user: the pandas path either reads the file or raises ``InputFileError``.
    ``not_utf8``: the file was taken as UTF-8 from its head and is not; the caller first tries
    the direct path again with the encoding decided from the whole file (``trust_head=False``).
    """

    def __init__(self, file_name: str, *, not_utf8: bool = False) -> None:
        super().__init__(f"Filen {file_name} læses igen på den langsomme måde.")
        self.not_utf8 = not_utf8


@dataclass(frozen=True)
class CsvSource:
    """A CSV that DuckDB reads straight into the staging table: the ``read_csv`` call, as data."""

    path: Path                # UTF-8 text: the export itself, or a transcoded temporary copy
    delimiter: str
    skip_lines: int           # lines before the first data record: an Excel sep= line, the header
    width: int                # columns read: the header's cells plus SPARE_COLUMNS
    columns: dict[str, int]   # spec key -> position (0-based), in spec order
    unnamed: dict[int, str]   # position -> Excel column letter, for columns without a header
    layout: layout.LayoutCheck | None = None  # the layout check, running beside DuckDB's read

    def check_layout(self) -> None:
        """Start the layout check on its thread (``validate`` does, just before DuckDB's read)."""
        if self.layout is not None:
            self.layout.start()

    def plain(self) -> bool:
        """Is the whole file laid out so that DuckDB reads it as pandas does? Waits for the
        check; ``validate`` asks after DuckDB's read and before judging any cell."""
        return self.layout is None or self.layout.plain()

    def not_utf8(self) -> bool:
        """Did the layout check find that a file taken as UTF-8 is not? Waits for the check."""
        if self.layout is None:
            return False
        self.layout.wait()
        return self.layout.not_utf8

    def select_sql(self) -> tuple[str, dict[str, Any]]:
        """A SELECT of ``row_in_file``, one VARCHAR per key (as written) and ``"_X"`` per unnamed column X.

        ``parallel = false`` keeps the file's order for ``row_number()`` (and costs no more CPU
        here: the single-threaded scan was measured cheaper than the parallel one on 2 cores).
        """
        cells = [f'c{pos} AS "{key}"' for key, pos in self.columns.items()]
        cells += [f'c{pos} AS "_{letter}"' for pos, letter in self.unnamed.items()]
        sql = (f"SELECT CAST(row_number() OVER () + $csv_first_row - 1 AS INTEGER) AS row_in_file, "
               f"{', '.join(cells)} FROM read_csv($csv_path, auto_detect = false, header = false, "
               "delim = $csv_delim, quote = '\"', escape = '\"', columns = $csv_columns, skip = $csv_skip, "
               "null_padding = true, strict_mode = true, parallel = false)")
        params = {"csv_first_row": 2, "csv_path": str(self.path), "csv_delim": self.delimiter,
                  "csv_columns": {f"c{i}": "VARCHAR" for i in range(self.width)}, "csv_skip": self.skip_lines}
        return sql, params


@dataclass
class RawExport:
    """One export file as text, with what was detected about it (for ingest's summary)."""

    file_name: str  # base name only, used in messages
    # "row_in_file" (int, Excel's row number: header = 1), then one column per recognised
    # spec key, in spec order; values are stripped non-empty str or missing (pd.isna).
    # None on the direct path, where ``source`` says how DuckDB reads the cells instead.
    frame: pd.DataFrame | None
    headers: dict[str, str] = field(default_factory=dict)  # key -> header text as written
    header_columns: dict[str, str] = field(default_factory=dict)  # key -> column letter ("C")
    unknown_headers: list[str] = field(default_factory=list)
    duplicate_headers: list[str] = field(default_factory=list)
    encoding: str | None = None  # "utf-8", "utf-8-sig", "cp1252", "utf-16"; None for xlsx
    delimiter: str | None = None  # ";", "," or "\t"; None for xlsx
    sheet: str | None = None  # the sheet read; None for csv
    source: CsvSource | None = None  # the direct path: validate stages the cells with DuckDB

    @property
    def present_keys(self) -> list[str]:
        """The spec keys the file has a column for, in spec order."""
        have = self.source.columns if self.source is not None else self.frame.columns
        return [key for key in spec.KEYS if key in have]


@dataclass
class _Grid:
    """A file as positional text columns (c0, c1, …) before header mapping; position i is row i + 1."""

    cells: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


# --- entry point ------------------------------------------------------------------------


def read_export(path: Path) -> RawExport:
    """Read one export file; raise ``InputFileError`` (Danish) when it cannot be read at all."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise InputFileError(f"Filen {name} findes ikke.")
    suffix = path.suffix.lower()
    readers: dict[str, Callable[[Path, bytes], _Grid]] = {
        ".csv": _read_csv_grid, ".xlsx": _read_xlsx_grid, ".xlsm": _read_xlsx_grid,
    }
    if suffix == ".xls":
        raise InputFileError(
            f"Filen {name} er i det gamle Excel-format (.xls), som ikke kan læses. "
            "Åbn den i Excel og gem den som Excel-projektmappe (.xlsx), eller brug skabelonen."
        )
    if suffix not in readers:
        raise InputFileError(
            f"Filen {name} har en filtype ({suffix or 'uden endelse'}), der ikke kan indlæses. "
            "Send sagsudtrækket som Excel-fil (.xlsx) eller CSV-fil (.csv)."
        )
    if suffix == ".csv":
        limits.check_file_size(path, limits.MAX_PANDAS_CSV_BYTES if _needs_pandas_limit(path) else limits.MAX_CSV_BYTES,
                               "CSV-fil")
    else:
        limits.check_file_size(path, limits.MAX_XLSX_BYTES, "Excel-fil")
    head = _read_head(path)
    if not head:
        raise InputFileError(f"Filen {name} er tom (0 byte). Den indeholder ingen sager.")
    grid = readers[suffix](path, head)
    return _from_grid(grid, name)


def _needs_pandas_limit(path: Path) -> bool:
    """True when a CSV is larger than pandas may read whole: then only its size is reported
    (``read_export`` is the pandas path; the direct path has taken every CSV it can)."""
    return path.stat().st_size > limits.MAX_PANDAS_CSV_BYTES


@contextmanager
def open_export(path: Path, *, trust_head: bool = True) -> Iterator[RawExport]:
    """Like ``read_export``, but a plain CSV comes back as a ``CsvSource`` for DuckDB (no frame).

    Use it as a context manager: a temporary UTF-8 copy of a Windows-1252/UTF-16 file lives
    until the block ends. If ``validate`` raises ``DirectReadRefused`` (DuckDB refused the file,
    or the layout check that ran beside its read found it is not plain), call ``read_export``;
    when the refusal says ``not_utf8``, open it again first with ``trust_head=False``.
    """
    path = Path(path)
    direct = _direct_export(path, trust_head) if path.suffix.lower() == ".csv" and path.is_file() else None
    if direct is None:
        yield read_export(path)
        return
    try:
        yield direct
    finally:
        source = direct.source
        if source is not None:
            if source.layout is not None:
                source.layout.wait()  # its thread reads the file: let it finish before the copy goes
            if source.path != path:
                source.path.unlink(missing_ok=True)


def _direct_export(path: Path, trust_head: bool = True) -> RawExport | None:
    """The header and a ``CsvSource`` when DuckDB can read the file as pandas would, else None.

    Anything unusual returns None, and ``read_export`` then judges the file as before. The
    limits (size, lines, quotes) are checked here, before DuckDB reads, and so is an encoding
    other than UTF-8; the layout (``layout.plain_layout``) and, with ``trust_head``, a head's
    promise of UTF-8 are checked on a thread beside the read, see ``CsvSource.plain``.
    """
    try:
        if path.stat().st_size > limits.MAX_CSV_BYTES:
            return None  # read_export words the refusal
        head = _read_head(path)
        if not head or _magic(head) or b"\x00" in head:
            return None
        encoding, prove_utf8 = direct_encoding(path, head) if trust_head else (csvtext.detect_encoding(path, head), False)
        found = csvtext.shape(path, encoding)
    except InputFileError:
        return None
    if found.quotes % 2 or found.lines > limits.MAX_CSV_ROWS:
        return None  # read_export finds the unclosed quote's row, or words the limit
    text = _decode_head(head, encoding)
    if len(_CONTROL.findall(text)) > MAX_CONTROL_SHARE * len(text):
        return None  # read_export says it is not text
    skip, forced = _sep_line(text)
    delimiter, width = _sniff_delimiter(text, skip, forced)
    if width > limits.MAX_COLUMNS:
        return None
    lines = text.lstrip("\ufeff").split("\n", skip + 1)
    if len(lines) <= skip + 1:
        return None  # no line break after the header within the head: too odd to bother
    first = lines[skip].rstrip("\r")
    header = _first_record(first, delimiter)
    if '"' in first or not any(cell.strip() for cell in header):
        return None  # a quoted header may span lines; a blank first record shifts the header
    columns = [f"c{i}" for i in range(width + SPARE_COLUMNS)]
    mapped = headers.map_header(pd.Series(header + [None] * (len(columns) - len(header)), index=columns), columns)
    if not mapped.keys:
        return None  # read_export words the refusal
    target = path if encoding in ("utf-8", "utf-8-sig") else tempcopies.transcode(path, encoding)
    check = layout.LayoutCheck(target, delimiter, prove_utf8=prove_utf8)  # validate runs it beside DuckDB's read
    positions = {key: int(mapped.keys[key][1:]) for key in spec.KEYS if key in mapped.keys}
    unnamed = {int(c[1:]): headers.letter(columns, c) for c in mapped.unnamed}
    source = CsvSource(target, delimiter, skip + 1, len(columns), positions, unnamed, check)
    return RawExport(file_name=path.name, frame=None, headers=mapped.headers, header_columns=mapped.letters,
                     unknown_headers=mapped.unknown, duplicate_headers=mapped.duplicates,
                     encoding=encoding, delimiter=delimiter, source=source)


def direct_encoding(path: Path, head: bytes) -> tuple[str, bool]:
    """The encoding DuckDB reads a CSV in, and whether the layout check must still prove it.

    A head that decodes as UTF-8 is taken as UTF-8 at once: the whole-file decode runs on the
    layout check's thread beside DuckDB's read, and a file that fails it is opened again with
    ``trust_head=False``, where ``csvtext.detect_encoding`` decides with the whole file, as before
    (Windows-1252 is transcoded and read directly; a mixed file is refused naming its rows).
    Any other head (UTF-16, Windows-1252, a mix) is decided in full now, since DuckDB needs a
    transcoded copy of it before the read.
    """
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            _decode_head(head, "utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"), True
    return csvtext.detect_encoding(path, head), False


def _read_head(path: Path) -> bytes:
    """The first bytes of a file, for content sniffing; an unreadable file is the user's problem."""
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError as exc:
        raise InputFileError(f"Filen {path.name} kunne ikke åbnes ({exc.strerror}).") from exc


def _magic(head: bytes) -> str | None:
    """What a file's first bytes say it is: 'zip', 'ole', 'binary' or None (maybe text)."""
    for signature, kind in _MAGIC:
        if head.startswith(signature):
            return kind
    return None


# --- CSV --------------------------------------------------------------------------------


def _read_csv_grid(path: Path, head: bytes) -> _Grid:
    """Detect encoding and separator, then parse the whole CSV as text with pandas."""
    name = path.name
    kind = _magic(head)
    if kind == "zip":
        raise InputFileError(
            f"Filen {name} hedder .csv, men er en Excel-fil. "
            "Omdøb den til .xlsx, eller gem den igen som CSV fra Excel."
        )
    if kind == "ole":
        raise InputFileError(
            f"Filen {name} hedder .csv, men er en gammel Excel-fil (.xls). "
            "Gem den som .xlsx eller som CSV fra Excel."
        )
    if kind == "binary" or (b"\x00" in head and not head.startswith(codecs.BOM_UTF16_LE)
                            and not head.startswith(codecs.BOM_UTF16_BE)):
        raise _not_text(name)
    encoding = csvtext.detect_encoding(path, head)
    text = csvtext.sniff_text(_decode_head(head, encoding))
    if _CONTROL.search(text) and len(_CONTROL.findall(text)) > MAX_CONTROL_SHARE * len(text):
        raise _not_text(name)
    if not text.strip(" \t\r\n;,\ufeff"):
        raise InputFileError(f"Filen {name} er tom. Den indeholder ingen sager.")
    skip, forced = _sep_line(text)
    delimiter, width = _sniff_delimiter(text, skip, forced)
    if width > limits.MAX_COLUMNS:
        raise limits.too_many_columns(name, width)
    found = csvtext.shape(path, encoding)
    if found.lines > limits.MAX_CSV_ROWS:
        raise limits.too_many_rows(name, found.lines, limits.MAX_CSV_ROWS)
    if found.quotes % 2:
        opened = csvtext.unclosed_quote(path.read_text(encoding=encoding), delimiter)
        if opened is not None:
            raise _unclosed(name, opened - skip)
    cells = _parse_csv(path, name, encoding, delimiter, skip, width + SPARE_COLUMNS)
    return _Grid(cells, encoding=encoding, delimiter=delimiter)


def _unclosed(name: str, row: int) -> InputFileError:
    return InputFileError(
        f"Filen {name} kan ikke læses: et felt i række {row} begynder med anførselstegn (\"), som aldrig "
        "lukkes, så resten af filen ville blive til én celle. Ret feltet, eller gem filen igen fra Excel.")


def _not_text(name: str) -> InputFileError:
    return InputFileError(
        f"Filen {name} er ikke en tekstfil (CSV) – den ser ud til at være et billede, et "
        "program eller en anden binær fil. Send sagsudtrækket som .csv eller .xlsx."
    )


def _decode_head(head: bytes, encoding: str) -> str:
    """Decode the first bytes, tolerating a multi-byte character cut at the end."""
    return codecs.getincrementaldecoder(encoding)("strict").decode(head, final=False)


def _sep_line(text: str) -> tuple[int, str | None]:
    """Excel's optional ``sep=;`` first line: (lines to skip, the separator it names)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    match = _SEP_LINE.match(first)
    if match and match.group(1) in CSV_DELIMITERS:
        return 1, match.group(1)
    return 0, None


def _sniff_delimiter(text: str, skip: int, forced: str | None) -> tuple[str, int]:
    """The separator and header width: the ``sep=`` one if given, else the best-scoring one.

    A candidate scores by how many header cells it turns into known spec keys, then by how
    many cells the header has; the header is the first record with a non-blank cell.
    """
    lookup = spec.header_lookup()
    body = text.lstrip("\ufeff")
    if skip:
        body = body.split("\n", 1)[1] if "\n" in body else ""
    best: tuple[int, int, str] | None = None
    for delimiter in ([forced] if forced else CSV_DELIMITERS):
        header = _first_record(body, delimiter)
        others = [d for d in CSV_DELIMITERS if d != delimiter]
        # a cell counts when it names a column by itself: "Sags-ID\t" under ';' does (blanks
        # around a header are ignored), ";Netværk" under tab does not (it holds another separator)
        known = sum(spec.normalise_name(cell) in lookup and not any(o in cell.strip() for o in others)
                    for cell in header)
        score = (known, len(header), delimiter)
        if best is None or score[:2] > best[:2]:
            best = score
    assert best is not None
    return best[2], max(best[1], 1)


def _first_record(text: str, delimiter: str) -> list[str]:
    """The first CSV record with a non-blank cell, parsed with ``delimiter``."""
    try:
        for record in csv.reader(io.StringIO(text), delimiter=delimiter):
            if any(cell.strip() for cell in record):
                return record
    except csv.Error:
        return []
    return []


def _parse_csv(path: Path, name: str, encoding: str, delimiter: str, skip: int,
               width: int) -> pd.DataFrame:
    """Parse every record as text; one frame row per record, blank lines included.

    ``names`` fixes the width (header cells plus a few spare columns), so short rows are
    padded and a row with a trailing separator still fits.
    """
    try:
        return pd.read_csv(
            path, sep=delimiter, header=None, names=[f"c{i}" for i in range(width)],
            dtype=str, keep_default_na=False, na_values=[""], skip_blank_lines=False,
            skiprows=skip, encoding=encoding, engine="c", quotechar='"', doublequote=True,
        )
    except pd.errors.ParserError as exc:
        raise _parser_error(name, str(exc), skip, width) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(f"Filen {name} er tom. Den indeholder ingen sager.") from exc
    except UnicodeDecodeError as exc:  # checked up front; kept for safety
        raise InputFileError(f"Tegnsættet i filen {name} kunne ikke læses.") from exc


def _parser_error(name: str, detail: str, skip: int, width: int) -> InputFileError:
    """A Danish message for a CSV that can't be split into rows, with Excel's row if known.

    pandas counts skipped lines (an Excel ``sep=`` line) too; Excel does not show that line.
    Its "line N" is 1-based, its "row N" (unclosed quote) 0-based.
    """
    line, row = _PARSER_LINE.search(detail), _PARSER_ROW.search(detail)
    if "EOF inside string" in detail:
        where = f" i række {int(row.group(1)) + 1 - skip}" if row else ""
        return InputFileError(
            f"Filen {name} kan ikke læses: et felt{where} begynder med anførselstegn (\"), "
            "som aldrig lukkes. Ret feltet, eller gem filen igen fra Excel."
        )
    where = f"række {int(line.group(1)) - skip}" if line else "en række"
    if "Expected" in detail:
        return InputFileError(
            f"Filen {name} kan ikke læses: {where} har flere felter end overskriftsrækken "
            f"({width - SPARE_COLUMNS}). Måske indeholder en tekst separatortegnet uden "
            "anførselstegn om teksten; gem filen igen fra Excel."
        )
    return InputFileError(f"Filen {name} kan ikke læses som CSV ({where}).")


# --- xlsx -------------------------------------------------------------------------------


def _read_xlsx_grid(path: Path, head: bytes) -> _Grid:
    """Read the ``Sager`` sheet (else the first visible one) as text cells, sparsely (``xlsx``).

    Only rows with a value become frame rows, indexed by Excel row number - 1, so a stray
    value at row 1,048,576 costs one row, not a million.
    """
    name = path.name
    kind = _magic(head)
    if kind == "ole":
        raise InputFileError(
            f"Filen {name} er i det gamle Excel-format (.xls) eller beskyttet med adgangskode. "
            "Fjern en eventuel adgangskode og gem den som Excel-projektmappe (.xlsx)."
        )
    if kind != "zip":
        raise InputFileError(
            f"Filen {name} er ikke en gyldig Excel-fil (.xlsx). "
            "Er det en CSV-fil, så giv den endelsen .csv."
        )
    title, rows = xlsx.read_sheet(path)
    if not rows:
        raise InputFileError(f"Fanen '{xlsx.sheet_label(title)}' i filen {name} er tom. Den indeholder ingen sager.")
    width = max(max(row) for _, row in rows)
    if width * len(rows) > limits.MAX_XLSX_CELLS:
        raise limits.too_many_cells(name, width * len(rows))
    cells = pd.DataFrame([[row.get(c) for c in range(1, width + 1)] for _, row in rows],
                         index=[number - 1 for number, _ in rows],
                         columns=[f"c{i}" for i in range(width)], dtype=object).astype("str")
    return _Grid(cells, sheet=title)


# --- header mapping and the staging frame -------------------------------------------------


def _from_grid(grid: _Grid, name: str) -> RawExport:
    """Find the header, map it, and build the staging frame with true row numbers."""
    cells = grid.cells
    header_at = headers.header_position(cells)
    if header_at is None:
        raise InputFileError(f"Filen {name} er tom. Den indeholder ingen sager.")
    header = headers.map_header(cells.iloc[header_at], cells.columns)
    if not header.keys:
        raise InputFileError(
            f"Filen {name} har ingen kendte kolonneoverskrifter i række {cells.index[header_at] + 1}. "
            "Den første række skal indeholde kolonnernes navne, fx 'Sags-ID' eller 'sags_id', "
            "'Institutionstype', 'Indberetningsmåned' (se skabelonen fra 'ssp-eval template')."
        )
    body = cells.iloc[header_at + 1:]
    for column in header.unnamed:  # spare CSV columns are all missing: checked cheaply first
        if body[column].notna().any() and headers.clean(body[column]).notna().any():
            header.unknown.append(f"(uden overskrift, kolonne {headers.letter(cells.columns, column)})")
    ordered = [key for key in spec.KEYS if key in header.keys]
    data = {key: headers.clean(body[header.keys[key]], few_distinct=headers.few_distinct(key)) for key in ordered}
    frame = pd.DataFrame(data, index=body.index)
    frame.insert(0, ROW_COLUMN, (body.index.to_numpy() + 1).astype("int64"))
    frame = frame[frame[ordered].notna().any(axis=1)].reset_index(drop=True)
    return RawExport(
        file_name=name, frame=frame, headers=header.headers, header_columns=header.letters,
        unknown_headers=header.unknown, duplicate_headers=header.duplicates,
        encoding=grid.encoding, delimiter=grid.delimiter, sheet=grid.sheet,
    )

"""Writing synthetic cases as files, in the flavours the local SSP networks really send.

Split from ``demo`` (which draws the cases) because the two change for different reasons:
a new network habit is a new ``FileStyle`` here, a new correlation is a change there. The
files must be byte-identical for the same cases, so the .xlsx save time and zip timestamps
that openpyxl writes are fixed afterwards.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from evaluation.ingest import spec
from evaluation.spreadsheets import neutralise

FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # every xlsx entry gets this timestamp
Case = dict[str, Any]  # spec key -> canonical value (code, list of codes, bool, int, (y, m))

@dataclass(frozen=True)
class FileStyle:
    """How one network writes its export (the flavours seen in practice)."""

    ext: str                      # "xlsx" or "csv"
    header: str = "label"         # "label" or "key"
    values: str = "label"         # "label" or "code"
    months: str = "iso"           # iso | mm-yyyy | date-iso | date-dk | excel | excel-date
    guide_sheet: bool = False     # a leading "Vejledning" sheet before "Sager"
    sep: str = ";"
    encoding: str = "utf-8"       # utf-8 | utf-8-sig | cp1252
    quote_all: bool = False
    crlf: bool = True
    age_as_number: bool = False   # writes a whole-number age instead of the band
    extra_column: str | None = None  # a column the spec does not know (a warning at import)



def _cell(key: str, value: Any, style: FileStyle, seq: int) -> Any:
    """A canonical value rendered as this network writes it (text, number or Excel date)."""
    col = spec.COLUMN_BY_KEY[key]
    if value is None or value == []:
        return None
    if col.kind == "month":
        year, month = value
        day = 1 + (seq * 7 + month * 3) % 28  # any day: only the month is stored
        if style.months.startswith("excel"):
            return date(year, month, day if style.months == "excel-date" else 1)
        return {"iso": f"{year}-{month:02d}", "mm-yyyy": f"{month:02d}-{year}",
                "date-iso": f"{year}-{month:02d}-{day:02d}",
                "date-dk": f"{day:02d}.{month:02d}.{year}"}[style.months]
    if col.kind == "yesno":
        word = "ja" if value else "nej"
        return word.capitalize() if style.values == "label" else word
    if col.kind == "age" and style.age_as_number and value != "ukendt":
        low, high = next((lo, hi) for code, lo, hi in spec.AGE_BANDS if code == value)
        return low + seq % (min(high, 19) - low + 1)
    if col.is_list and col.codes:
        return ", ".join(col.codes[v] if style.values == "label" else v for v in value)
    if col.is_list:
        return ", ".join(value)
    if col.codes and style.values == "label":
        return col.codes[value]
    if col.kind in ("int",) and style.ext == "csv":
        return str(value)
    return value


def _rows(cases: list[Case], style: FileStyle) -> tuple[list[str], list[list[Any]]]:
    """Header and rows for one file, in the spec's column order (plus an unknown column)."""
    header = [c.key if style.header == "key" else c.label for c in spec.COLUMNS]
    rows = [[_cell(c.key, case[c.key], style, i) for c in spec.COLUMNS]
            for i, case in enumerate(cases, start=1)]
    if style.extra_column:
        header = [style.extra_column, *header]
        rows = [[i, *row] for i, row in enumerate(rows, start=1)]
    return header, rows


def _write_csv(path: Path, header: list[str], rows: list[list[Any]], style: FileStyle) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=style.sep, lineterminator="\r\n" if style.crlf else "\n",
                        quoting=csv.QUOTE_ALL if style.quote_all else csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(v) for v in header])
    writer.writerows([["" if v is None else neutralise(v) for v in row] for row in rows])
    path.write_bytes(buffer.getvalue().encode(style.encoding))


def _write_xlsx(path: Path, header: list[str], rows: list[list[Any]], style: FileStyle,
                network: str) -> None:
    workbook = Workbook()
    sheet = workbook.active
    if style.guide_sheet:
        sheet.title = "Vejledning"
        for line in (f"Sagsudtræk fra {network}", "Én række pr. sag. Ingen navne eller CPR-numre.",
                     "Se fanen Sager."):
            sheet.append([line])
        sheet = workbook.create_sheet("Sager")
    else:
        sheet.title = "Sager"
    sheet.append([neutralise(v) for v in header])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, date):
                cell.number_format = "mm-yyyy" if cell.value.day == 1 else "dd-mm-yyyy"
    created = datetime(2020, 1, 1)
    workbook.properties.creator = "SSP-evaluering (demo)"
    workbook.properties.created = created
    workbook.save(path)
    _normalise_xlsx(path, created.isoformat() + "Z")


def _normalise_xlsx(path: Path, stamp: str) -> None:
    """Fix the save time and zip timestamps openpyxl writes, so the same data give the same bytes."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                start = text.find("<dcterms:modified")
                end = text.find("</dcterms:modified>", start)
                if start >= 0 and end > start:
                    opening = text[start:text.find(">", start) + 1]
                    text = text[:start] + opening + stamp + text[end:]
                data = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)


def write_file(path: Path, cases: list[Case], style: FileStyle, network: str) -> Path:
    """Write one network's cases to ``path`` in that network's style; returns the path."""
    header, rows = _rows(cases, style)
    if style.ext == "xlsx":
        _write_xlsx(path, header, rows, style, network)
    else:
        _write_csv(path, header, rows, style)
    return path

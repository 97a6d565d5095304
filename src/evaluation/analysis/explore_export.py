"""Udforsk's table as people read it and as files they keep (CSV and .xlsx).

A downloaded file outlives the page: next month nobody remembers which filters made it.
So a file is named by what it holds ("udforsk_andel-politianmeldt_efter_ssp-netvaerk_2025"),
and carries the filters, the measure and what "lille tal" means: the CSV in lines above the
table, the workbook on a sheet of its own. Shares are written as people read them: in the
workbook a number formatted as a percentage (0,222 shown as "22,2 %"), in the CSV a
percentage with one decimal under a heading that says "(%)", never 0.2222222222222222.
One column per count: for a share whose denominator is every case, "Sager" and "Ud af"
would be the same number twice, so only "Ud af" is kept.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from evaluation.analysis.explore import DIMENSIONS, MEASURES
from evaluation.analysis.filters import Filters
from evaluation.analysis.labels import value_label
from evaluation.settings import settings

__all__ = ["Table", "table", "file_stem", "filter_rows", "csv_bytes", "xlsx_bytes"]

SMALL_HEADING = "Lille tal"
SHEET_TABLE, SHEET_FILTERS = "Tabel", "Filtre"
# A cell starting like a formula is written as text (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?[0-9]+([.,][0-9]+)*")


@dataclass(frozen=True)
class Table:
    """The table for people: Danish headings, labels, one column per count, shares as 0..1.

    ``share_column`` names the share's column (None for a count measure): the page shows it
    as "22,2 %", the files as a percentage.
    """

    frame: pd.DataFrame
    share_column: str | None
    count_columns: tuple[str, ...]


def table(frame: pd.DataFrame, dimensions: list[str], measure: str) -> Table:
    """``explore.explore``'s frame as a table for people (see the module docstring)."""
    m = MEASURES[measure]
    out: dict[str, pd.Series] = {}
    for key in dimensions:
        out[DIMENSIONS[key].label] = frame[f"{key}_label"].astype(str)
    counts: list[str] = []
    if m.kind == "share":
        same = m.denominator == "TRUE" or frame["n"].equals(frame["cases"])
        if not same:
            out["Sager"] = frame["cases"]
            counts.append("Sager")
        out["Antal"], out["Ud af"] = frame["numerator"], frame["n"]
        counts += ["Antal", "Ud af"]
        out[m.label] = frame[m.key]
    else:
        column = m.label if m.key != "cases" else "Sager"
        if m.key != "cases":
            out["Sager"] = frame["cases"]
            counts.append("Sager")
        out[column] = frame[m.key] if m.key in frame else frame["cases"]
        counts.append(column)
    out[SMALL_HEADING] = frame["small"].map(lambda s: "Ja" if s else "")
    return Table(pd.DataFrame(out), m.label if m.kind == "share" else None, tuple(counts))


def _slug(text: str) -> str:
    """'SSP-netværk' -> 'ssp-netvaerk' (ASCII, for a file name that survives any system)."""
    text = text.casefold().translate(str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"}))
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def file_stem(filters: Filters, dimensions: list[str], measure: str) -> str:
    """A file name (without extension) that says what the file holds.

    'udforsk_antal-sager_efter_ssp-netvaerk_situation_2025_sindal': measure, dimensions,
    year ('alle-aar') and any chosen network, institution type or situation.
    """
    parts = ["udforsk", _slug(MEASURES[measure].label)]
    if dimensions:
        parts += ["efter", "_".join(_slug(DIMENSIONS[d].label) for d in dimensions)]
    parts.append(str(filters.year) if filters.year is not None else "alle-aar")
    parts += [_slug(n) for n in filters.networks]
    parts += [_slug(value_label("institutionstype", t)) for t in filters.institution_types]
    parts += [f"situation-{_slug(s)}" for s in filters.situations]
    return "_".join(p for p in parts if p)[:150]


def filter_rows(filters: Filters, dimensions: list[str], measure: str,
                made: datetime | None = None) -> list[tuple[str, str]]:
    """What made the table, as (what, value) rows in Danish: the file's own record of its filters."""
    def chosen(values: tuple[str, ...], key: str | None, everything: str) -> str:
        return ", ".join(value_label(key, v) if key else v for v in values) if values else everything

    threshold = settings.suppression_threshold
    return [
        ("Udforsk sagerne", "SSP-evaluering"),
        ("Mål", MEASURES[measure].label),
        ("Fordelt på", ", ".join(DIMENSIONS[d].label for d in dimensions) or "Ingen (i alt)"),
        ("År", str(filters.year) if filters.year is not None else "Alle år"),
        ("SSP-netværk", chosen(filters.networks, None, "Alle netværk")),
        ("Institutionstype", chosen(filters.institution_types, "institutionstype", "Alle typer")),
        ("Situation", chosen(filters.situations, "situation", "A og B")),
        (SMALL_HEADING, f"»Ja« betyder, at rækken bygger på 1–{threshold} sager. Sådanne tal må ikke "
                        "offentliggøres, fordi de kan pege på et barn."),
        ("Hentet", f"{(made or datetime.now()):%d.%m.%Y %H:%M}"),
    ]


def _safe(value: object) -> object:
    """Text a spreadsheet would read as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _xlsx_cell(value: object) -> object:
    """Numbers as numbers (numpy's as Python's), missing as an empty cell, text made safe."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return _safe(value)


def _csv_cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(_safe(value))


def csv_bytes(result: Table, filters: Filters, dimensions: list[str], measure: str,
              made: datetime | None = None) -> bytes:
    """A CSV for Danish Excel (';', decimal comma, UTF-8 with BOM): the filters, a blank line, the table.

    Shares are percentages with one decimal, under a heading ending in '(%)'.
    """
    frame = result.frame.copy()
    if result.share_column:
        frame[result.share_column] = frame[result.share_column] * 100
        frame = frame.rename(columns={result.share_column: f"{result.share_column} (%)"})
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for what, value in filter_rows(filters, dimensions, measure, made):
        writer.writerow([_safe(what), _safe(value)])
    writer.writerow([])
    writer.writerow([_safe(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(result: Table, filters: Filters, dimensions: list[str], measure: str,
               made: datetime | None = None) -> bytes:
    """A workbook: sheet 'Tabel' (shares as numbers shown as '22,2 %') and sheet 'Filtre'."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TABLE
    columns = list(result.frame.columns)
    sheet.append([_safe(c) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in result.frame.itertuples(index=False):
        sheet.append([_xlsx_cell(v) for v in row])
    if result.share_column:
        letter = sheet.cell(row=1, column=columns.index(result.share_column) + 1).column_letter
        for cell in sheet[letter][1:]:
            cell.number_format = "0.0%"
    for index, column in enumerate(columns, 1):
        width = max([len(str(column))] + [len(str(v)) for v in result.frame[column].head(200)]) + 2
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(width, 60)
    about = book.create_sheet(SHEET_FILTERS)
    for what, value in filter_rows(filters, dimensions, measure, made):
        about.append([_safe(what), _safe(value)])
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 20, 90
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

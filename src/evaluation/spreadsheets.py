"""Writing CSV and .xlsx files that are safe to open in Excel or LibreOffice.

Text from the networks' exports (learnings, actors' names, case ids) and from the dashboards
ends up in files people open in a spreadsheet: Udforsk's downloads, the fill-in template,
the Kredsråd edition's list of hidden cells, demo exports. A cell that begins with ``=``,
``+``, ``-`` or ``@`` (or a tab or carriage return before one of them) is read as a formula
there, so a value like ``=HYPERLINK("http://…","Klik")`` or ``=cmd|' /C calc'!A0`` would run
in the consultant's spreadsheet (OWASP, "CSV Injection"). OWASP's advice, followed here: such
a cell is written with a leading apostrophe, which makes the spreadsheet show it as text.
Plain numbers (``-3``, ``+45``) are left alone: a spreadsheet reads them as numbers, never as
formulas, and a negative count must stay a number.

Every writer of CSV or .xlsx in the product goes through :func:`neutralise` (one cell),
:func:`neutralise_frame` (a table, headings included), :func:`write_csv` or :func:`xlsx_bytes`.
The data in the database stay as they were written; only what goes out is neutralised.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?[0-9]+([.,][0-9]+)*")


def neutralise(value: Any) -> Any:
    """A cell value that no spreadsheet will run: text starting like a formula gets a leading "'".

    Anything that is not text (numbers, dates, None) is returned as it is.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and every column heading neutralised."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def write_csv(target: Path | io.StringIO, header: Sequence[Any], rows: Iterable[Sequence[Any]], *,
              delimiter: str = ";", encoding: str = "utf-8-sig") -> None:
    """A CSV as Danish Excel reads it (';', CRLF, UTF-8 with BOM by default), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(v) for v in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    if isinstance(target, io.StringIO):
        target.write(buffer.getvalue())
    else:
        Path(target).write_bytes(buffer.getvalue().encode(encoding))


def frame_csv_bytes(frame: pd.DataFrame, **to_csv: Any) -> bytes:
    """``frame.to_csv`` (Danish Excel: ';', decimal comma, UTF-8 with BOM) of the neutralised frame."""
    options = {"index": False, "sep": ";", "decimal": ",", "lineterminator": "\r\n", **to_csv}  # CR is quoted
    return neutralise_frame(frame).to_csv(**options).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet_name: str) -> bytes:
    """An .xlsx of the neutralised frame, one sheet."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_frame(frame).to_excel(writer, index=False, sheet_name=sheet_name[:31])
    return buffer.getvalue()

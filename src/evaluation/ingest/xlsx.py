"""Reading an .xlsx export's cells as text, sparsely and within limits, whatever the file says.

openpyxl's read-only sheets pad every row to the sheet's widest column and every gap to the
last row: one styled cell at XFD1048576 in a 6 KB file makes them build a 16,384 x 1,048,576
grid (5.8 GB before a MemoryError). So the sheet's XML is streamed here instead, cell by cell
(``iterparse``, each cell dropped as soon as it is read), with openpyxl's own cell parser for
types, shared strings and date formats. Only cells with a value are kept; the declared
``<dimension>`` is never trusted; and reading stops at the first column, row or cell past a
limit (``limits``). Before openpyxl opens the zip at all, its members' sizes and compression
ratios are checked (a zip bomb is refused), and XML is parsed by defusedxml when installed
(openpyxl picks it up), so entity tricks in the XML are refused too.

The result is a list of (Excel row number, {column number: text}) for the rows with a value,
in file order. Messages name the file and sheet, never a cell's content; a sheet name that
looks like personal data is masked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from evaluation.errors import InputFileError
from evaluation.ingest import limits, privacy, spec

CASES_SHEET = "Sager"
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ROW_TAG, CELL_TAG = f"{_NS}row", f"{_NS}c"

Rows = list[tuple[int, dict[int, str]]]


def damaged(name: str) -> InputFileError:
    return InputFileError(
        f"Filen {name} kunne ikke åbnes som Excel-fil (.xlsx); den er måske beskadiget. "
        "Åbn den i Excel og gem den igen, eller send den som CSV."
    )


def sheet_label(title: str) -> str:
    """A sheet's name fit for a message: masked when it looks like personal data."""
    return privacy.mask(title) if privacy.find_in_text(title) else title


def read_sheet(path: Path) -> tuple[str, Rows]:
    """The ``Sager`` sheet (else the first visible one) as sparse text rows, within the limits."""
    from openpyxl import load_workbook  # import here: CSV-only runs skip openpyxl's start-up

    name = path.name
    limits.xlsx_limits(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except InputFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged zip/xml; all mean "damaged"
        raise damaged(name) from exc
    try:
        _screen_sheet_names(name, [s.title for s in workbook.worksheets])
        sheet = _pick_sheet(workbook)
        if sheet is None:
            raise InputFileError(f"Filen {name} har ingen regneark med data.")
        try:
            rows = list(_stream(workbook, sheet, name))
        except InputFileError:
            raise
        except Exception as exc:  # malformed XML, a shared string that is not there, ...
            raise damaged(name) from exc
        return sheet.title, rows
    finally:
        workbook.close()


def _screen_sheet_names(name: str, titles: list[str]) -> None:
    """Sheet names are text from the network like any cell: personal data in one refuses the file."""
    for title in titles:
        found = privacy.find_in_text(title)
        if found:
            raise InputFileError(f"Et faneblad i filen {name} hedder »{privacy.mask(title)}«, som ligner "
                                 f"{found[0].label}. Personoplysninger må ikke stå i filen, heller ikke i "
                                 "fanebladenes navne: omdøb fanebladet.")


def _pick_sheet(workbook: Any) -> Any:
    """The sheet named Sager (case/space-insensitive), else the first visible worksheet."""
    sheets = list(workbook.worksheets)
    for sheet in sheets:
        if spec.normalise_name(sheet.title) == spec.normalise_name(CASES_SHEET):
            return sheet
    visible = [s for s in sheets if getattr(s, "sheet_state", "visible") == "visible"]
    return (visible or sheets or [None])[0]


def _stream(workbook: Any, sheet: Any, name: str) -> Iterator[tuple[int, dict[int, str]]]:
    """Each row with a value, as (row number, {column: text}); limits checked cell by cell."""
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.functions import iterparse

    cells_total = rows_total = 0
    current: dict[int, str] = {}
    row_number = 0
    with workbook._archive.open(sheet._worksheet_path) as source:
        parser = WorkSheetParser(source, workbook.shared_strings, data_only=True, epoch=workbook.epoch,
                                 date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
        row_element = None
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == ROW_TAG:
                    row_element = element
                    row_number = _row_number(element, row_number)
                    parser.row_counter, parser.col_counter, current = row_number, 0, {}
                continue
            if element.tag == CELL_TAG:
                cell = parser.parse_cell(element)
                if row_element is not None:
                    row_element.clear()  # the cell is read: drop it (and its siblings so far)
                text = cell_text(cell["value"])
                if text is None:
                    continue
                if cell["column"] > limits.MAX_COLUMNS:
                    raise limits.too_many_columns(name, cell["column"])
                cells_total += 1
                if cells_total > limits.MAX_XLSX_CELLS:
                    raise limits.too_many_cells(name, cells_total)
                current[cell["column"]] = text
            elif element.tag == ROW_TAG:
                row_element = None
                element.clear()
                if current:
                    rows_total += 1
                    if rows_total > limits.MAX_XLSX_ROWS:
                        raise limits.too_many_rows(name, rows_total, limits.MAX_XLSX_ROWS)
                    yield row_number, current
                current = {}


def _row_number(element: Any, previous: int) -> int:
    """A row's number: its r attribute, else the one after the previous row."""
    value = element.get("r")
    if value is None:
        return previous + 1
    number = int(float(value))
    if not 1 <= number <= 1_048_576:
        raise ValueError("row number outside Excel's sheet")
    return number


def cell_text(value: Any) -> str | None:
    """An Excel cell as the text a person would type: dates ISO, whole numbers without '.0'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value).strip()
    return text or None

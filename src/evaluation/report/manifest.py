"""What a report was made from, so the same inputs can be shown to give the same numbers.

Every yearly report ends with its manifest: the software and library versions, the
parameters it was run with, the database's list of imports (which files, when, how many
rows) and a checksum of the current cases (``queries.data_checksum``). Two reports with the
same checksum and parameters were computed from the same data; a corrected export loaded in
between changes the checksum. The manifest holds no case data and no free text.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import duckdb
import pandas as pd

from evaluation import __version__
from evaluation.analysis import queries

# Libraries whose version can change a number or a chart in the report.
LIBRARIES: tuple[str, ...] = ("duckdb", "pandas", "numpy", "scipy", "plotly", "papermill",
                              "nbconvert", "nbclient", "ipykernel")

_IMPORTS_SQL = """
SELECT import_id, file_name, sha256, imported_at, rows_in_file, rows_new, rows_replaced,
       rows_unchanged
FROM imports
ORDER BY import_id
"""


@dataclass(frozen=True)
class Manifest:
    """The inputs of one report. ``imports`` is a frame with one row per loaded file."""

    software: dict[str, str]
    parameters: dict[str, str]
    imports: pd.DataFrame = field(compare=False)
    checksum_all: str
    checksum_year: str
    cases_all: int
    cases_year: int
    rejected_files: int

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO text), e.g. for a machine-readable sidecar file."""
        imports = self.imports.copy()
        for column in ("imported_at",):
            imports[column] = imports[column].map(_iso)
        return {
            "software": self.software,
            "parameters": self.parameters,
            "imports": imports.to_dict("records"),
            "checksum_all": self.checksum_all,
            "checksum_year": self.checksum_year,
            "cases_all": self.cases_all,
            "cases_year": self.cases_year,
            "rejected_files": self.rejected_files,
        }

    def to_json(self) -> str:
        """The manifest as indented, key-sorted JSON."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2, sort_keys=True, default=str)


def software_versions() -> dict[str, str]:
    """Version of this program, of Python and of each library in ``LIBRARIES``."""
    versions = {"ssp-evaluering": __version__, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "ikke installeret"
    return versions


def import_list(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every loaded export file, oldest first (file name, SHA-256 of its bytes, row counts)."""
    return con.execute(_IMPORTS_SQL).df()


def build_manifest(con: duckdb.DuckDBPyConnection, *, year: int,
                   parameters: dict[str, Any]) -> Manifest:
    """Collect the manifest for a report on ``year`` run with ``parameters``.

    Two checksums: over every current case (the report compares with earlier years, so all
    of them are used) and over the report year's cases alone (what changed this year).
    """
    cases_all, cases_year = _case_counts(con, int(year))
    checksum_all, checksum_year = queries.data_checksums(con, int(year))
    rejected = con.execute("SELECT count(*) FROM rejected_files").fetchall()[0][0]
    return Manifest(
        software=software_versions(),
        parameters={str(k): _text(v) for k, v in parameters.items()},
        imports=import_list(con),
        checksum_all=checksum_all,
        checksum_year=checksum_year,
        cases_all=cases_all,
        cases_year=cases_year,
        rejected_files=int(rejected),
    )


def _case_counts(con: duckdb.DuckDBPyConnection, year: int) -> tuple[int, int]:
    """Current cases in all years and in ``year``, from one scan."""
    row = con.execute(
        "SELECT count(*), count_if(indberetningsmaaned >= ? AND indberetningsmaaned < ?) FROM cases",
        [date(year, 1, 1), date(year + 1, 1, 1)]).fetchall()[0]
    return int(row[0]), int(row[1] or 0)


def _text(value: Any) -> str:
    """A parameter as the text printed in the report (dates ISO, None as empty)."""
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _iso(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    return pd.Timestamp(value).isoformat()

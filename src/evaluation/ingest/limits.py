"""The limits of ingest, checked before the work they protect (the README lists them in Danish).

A network's export holds tens of cases; the limits are far above that and far below what
would take the machine down. Each is checked before the expensive step it guards, and each
refusal is a Danish :class:`LimitError` naming the limit, so a file never dies on memory or
time, and the fuzz harness can tell a limit from a crash.

What is measured, and where:

* the file's size (``readers``, first thing): .xlsx up to :data:`MAX_XLSX_BYTES`; a CSV that
  DuckDB reads itself (the direct path) up to :data:`MAX_CSV_BYTES`, one that needs the
  pandas reader (odd layouts) up to :data:`MAX_PANDAS_CSV_BYTES`, which keeps its peak memory
  bounded (``benchmarks/fuzz_ingest.py`` measures it);
* an .xlsx before openpyxl opens it (``xlsx_limits``): members, total uncompressed size and
  the compression ratio of any large member (a zip bomb);
* the sheet as it streams (``readers``): the declared ``<dimension>`` is never trusted; each
  row and cell is counted as it is read, and reading stops at the first one past a limit:
  columns with a value, rows with a value, cells in all;
* a CSV's header (``readers``): cells in the header row;
* each value (``validate``): characters per cell by column type and list elements per cell
  (``spec.MAX_CELL_LENGTH``, ``spec.MAX_LIST_ELEMENTS``) — over-long cells are not parsed;
* messages (``messages``, ``validate``): values echoed are cut to 60 characters, one message
  to 600, at most 200 messages per level are worded and the rest counted in one line.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from evaluation.errors import InputFileError

MB = 1024 * 1024
MAX_XLSX_BYTES = 50 * MB
MAX_CSV_BYTES = 1024 * MB            # read by DuckDB in a stream (1M cases ≈ 300 MB)
MAX_PANDAS_CSV_BYTES = 50 * MB       # odd CSV layouts, read whole by pandas
MAX_UNCOMPRESSED_BYTES = 250 * MB    # an .xlsx's members together, unpacked
MAX_COMPRESSION_RATIO = 200          # per member above 1 MB unpacked (sheet XML is ~10-30)
MAX_ZIP_MEMBERS = 10_000
MAX_COLUMNS = 1_000                  # cells in the header / columns with a value
MAX_XLSX_ROWS = 20_000               # rows with a value in one sheet
MAX_XLSX_CELLS = 500_000              # cells with a value in one sheet (also rows × widest row): ~25 CPU-s at most
MAX_CSV_ROWS = 2_000_000             # lines of a CSV


class LimitError(InputFileError):
    """A file past one of ingest's limits; the message names the limit and the measured size."""

    def __init__(self, message: str, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


def count(number: int) -> str:
    """1.234.567, the Danish way (limits are printed with it)."""
    return f"{number:,}".replace(",", ".")


def size(number: int) -> str:
    """A byte count in MB, the Danish way."""
    return f"{number / MB:,.1f} MB".replace(",", "X").replace(".", ",").replace("X", ".")


def check_file_size(path: Path, limit: int, kind: str) -> None:
    """Refuse a file larger than ``limit`` before anything reads it."""
    actual = path.stat().st_size
    if actual > limit:
        raise LimitError(f"Filen {path.name} er {size(actual)}; en {kind} kan højst være {size(limit)}. "
                         "Et sagsudtræk fra et netværk fylder normalt under 1 MB: send kun sagerne.",
                         "graense_filstoerrelse")


def xlsx_limits(path: Path) -> None:
    """Refuse an .xlsx whose zip would unpack to too much, or is built like a zip bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise InputFileError(f"Filen {path.name} kunne ikke åbnes som Excel-fil (.xlsx); den er måske "
                             "beskadiget. Åbn den i Excel og gem den igen, eller send den som CSV.") from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise LimitError(f"Filen {path.name} består af {count(len(members))} dele; en Excel-fil kan her højst "
                         f"have {count(MAX_ZIP_MEMBERS)}.", "graense_zip")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise LimitError(f"Filen {path.name} fylder {size(total)} udpakket; højst {size(MAX_UNCOMPRESSED_BYTES)} "
                         "er tilladt.", "graense_udpakket")
    for member in members:
        if member.file_size > MB and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise LimitError(f"Filen {path.name} er pakket usædvanligt tæt ({count(member.file_size // max(member.compress_size, 1))}"
                             f" gange; højst {MAX_COMPRESSION_RATIO} er tilladt), som en såkaldt zip-bombe. "
                             "Åbn den i Excel og gem den igen.", "graense_zip_bombe")


def too_many_columns(name: str, columns: int) -> LimitError:
    return LimitError(f"Filen {name} har {count(columns)} kolonner; højst {count(MAX_COLUMNS)} er tilladt. "
                      "Slet de tomme eller ekstra kolonner, eller brug skabelonen.", "graense_kolonner")


def too_many_rows(name: str, rows: int, limit: int) -> LimitError:
    return LimitError(f"Filen {name} har mindst {count(rows)} rækker; højst {count(limit)} er tilladt. "
                      "Send kun netværkets sager.", "graense_raekker")


def too_many_cells(name: str, cells: int) -> LimitError:
    return LimitError(f"Fanen i filen {name} har mindst {count(cells)} udfyldte celler; højst "
                      f"{count(MAX_XLSX_CELLS)} er tilladt.", "graense_celler")

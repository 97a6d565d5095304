"""Publishing an edition is a step of its own: who published which edition when, and what exactly.

``ssp-eval report`` (or the Årsrapport page) makes a *draft*: files in the reports folder,
nothing in the database. ``publish`` is the deliberate act ("Udgiv til Kredsrådet"): in one
writer transaction it records who and when, the files exactly as published (PDF and HTML,
so a council reader is always shown what was published, even if the draft is made again),
the manifest, and every cell of every table with what it counts, how it was printed and its
true value (``published_tables``/``published_cells``). Next year's edition is audited
against these cells (``audit.last_publication``), whatever its design; only published
editions count as "last year's".

The draft must still match the database: if an export was loaded after the draft was made,
publishing is refused in Danish (make the report again). Publishing the same year again
(a correction) adds a new publication; the newest is the one that counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from evaluation.analysis import queries
from evaluation.analysis.filters import Filters
from evaluation.errors import EvaluationError
from evaluation.settings import current_user
from evaluation.store import db

EDITION = "kredsraad"


@dataclass(frozen=True)
class Publication:
    """One published edition (without its files)."""

    publication_id: int
    year: int
    edition: str
    kontrolnummer: str
    published_at: datetime
    published_by: str
    pdf_name: str | None
    html_name: str


def _stem(year: int, edition: str) -> str:
    return f"aarsevaluering-{int(year)}-{edition}"


def draft_files(out_dir: str | Path, year: int, edition: str = EDITION) -> dict[str, Path]:
    """The draft's files in ``out_dir`` that publishing needs (html, pdf, manifest, draft)."""
    stem, folder = _stem(year, edition), Path(out_dir)
    return {"html": folder / f"{stem}.html", "pdf": folder / f"{stem}.pdf",
            "manifest": folder / f"{stem}.manifest.json", "draft": folder / f"{stem}.udkast.json"}


def publish(db_path: str | Path, out_dir: str | Path, year: int, *, by: str | None = None) -> Publication:
    """Publish the Kredsråd edition of ``year`` drafted in ``out_dir`` (see the module docstring)."""
    files = draft_files(out_dir, year)
    missing = [name for name in ("html", "manifest", "draft") if not files[name].exists()]
    if missing:
        raise EvaluationError(f"Der er intet udkast til Kredsrådets udgave for {year} i {Path(out_dir)}. Lav rapporten "
                              "først (Årsrapport-siden eller 'ssp-eval report --edition kredsraad'), og udgiv den så.")
    draft = json.loads(files["draft"].read_text(encoding="utf-8"))
    manifest = files["manifest"].read_text(encoding="utf-8")
    pdf = files["pdf"].read_bytes() if files["pdf"].exists() else None
    html = files["html"].read_bytes()
    if int(draft["year"]) != int(year) or draft["edition"] != EDITION:
        raise EvaluationError("Udkastet passer ikke til det valgte år. Lav rapporten igen.")
    cells = pd.DataFrame([{"table_name": t["name"], "row_label": c["row"], "column_label": c["column"],
                           "definition": json.dumps(c["definition"], sort_keys=True), "shown": c["shown"],
                           "status": c["status"], "true_value": int(c["value"])}
                          for t in draft["tables"] for c in t["cells"]])
    tables = pd.DataFrame([{"table_name": t["name"], "title": t["title"], "design_note": t["design_note"]}
                           for t in draft["tables"]])
    who = by or current_user()
    with db.writer(Path(db_path)) as con:
        if queries.data_checksum(con, Filters()) != draft["checksum_all"]:
            raise EvaluationError(f"Data er ændret, siden udkastet til {year} blev lavet (der er indlæst eller rettet "
                                  "sager). Lav rapporten igen, og udgiv den nye udgave.")
        publication_id = con.execute(
            "INSERT INTO report_publications (year, edition, kontrolnummer, published_by, checksum_all, manifest, "
            "pdf_name, pdf, html_name, html) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING publication_id",
            [int(year), EDITION, draft["kontrolnummer"], who, draft["checksum_all"], manifest,
             files["pdf"].name if pdf is not None else None, pdf, files["html"].name, html]).fetchone()[0]
        con.register("new_tables", tables.assign(publication_id=publication_id))
        con.execute("INSERT INTO published_tables BY NAME SELECT * FROM new_tables")
        con.register("new_cells", cells.assign(publication_id=publication_id))
        con.execute("INSERT INTO published_cells BY NAME SELECT * FROM new_cells")
        con.unregister("new_tables")
        con.unregister("new_cells")
    with db.reader(Path(db_path)) as con:
        return _publication(con, publication_id)


_LIST_SQL = """
SELECT publication_id, year, edition, kontrolnummer, published_at, published_by, pdf_name, html_name
FROM report_publications
WHERE (CAST(? AS VARCHAR) IS NULL OR edition = ?)
ORDER BY year DESC, published_at DESC, publication_id DESC
"""


def publications(con: duckdb.DuckDBPyConnection, edition: str | None = EDITION) -> list[Publication]:
    """Every published edition, newest year first (``edition=None``: both editions)."""
    return [Publication(*row) for row in con.execute(_LIST_SQL, [edition, edition]).fetchall()]


def _publication(con: duckdb.DuckDBPyConnection, publication_id: int) -> Publication:
    row = con.execute("SELECT publication_id, year, edition, kontrolnummer, published_at, published_by, pdf_name, "
                      "html_name FROM report_publications WHERE publication_id = ?", [int(publication_id)]).fetchone()
    if row is None:
        raise EvaluationError("Den udgivne rapport findes ikke.")
    return Publication(*row)


_FILE_SQL = {"pdf": "SELECT pdf_name, pdf FROM report_publications WHERE publication_id = ?",
             "html": "SELECT html_name, html FROM report_publications WHERE publication_id = ?"}


def published_file(con: duckdb.DuckDBPyConnection, publication_id: int, kind: str = "pdf") -> tuple[str, bytes]:
    """(file name, bytes) of a published edition's PDF or HTML, exactly as published."""
    if kind not in _FILE_SQL:
        raise EvaluationError("Vælg pdf eller html.")
    row = con.execute(_FILE_SQL[kind], [int(publication_id)]).fetchone()
    if row is None or row[1] is None:
        raise EvaluationError("Den udgivne rapport findes ikke i det format.")
    return str(row[0]), bytes(row[1])


def latest(con: duckdb.DuckDBPyConnection, year: int, edition: str = EDITION) -> Publication | None:
    """The publication that counts for ``year`` (the newest), or None."""
    found = [p for p in publications(con, edition) if p.year == int(year)]
    return found[0] if found else None


__all__ = ["Publication", "publish", "publications", "published_file", "latest", "draft_files"]

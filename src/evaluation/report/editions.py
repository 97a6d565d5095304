"""The two editions as documents, and the team-only files written beside them.

``build`` puts the sections of an edition in order (``team.py`` or ``kredsraad.py``; the
two never import each other) under a title page, as a :class:`model.Document` that both
renderers read. ``write_outputs`` (the notebook's last cell) writes what the team keeps
beside the report:

* ``<stem>.manifest.json``: what the edition was made from (software, parameters, imports,
  data checksums) and its *Kontrolnummer*. The council's edition carries only that short
  number, never versions, file names or checksums; the team matches it to this file.
* ``<stem>.document.json``: the document model, from which ``render.py`` writes the .docx;
* Kredsråd: ``<stem>-undertrykkelser.csv`` (every hidden cell, why, and its true value) and
  ``<stem>.udkast.json`` (every cell with what it counts), which ``publish.py`` records when
  the team publishes the edition. Rendering is a draft; nothing is recorded in the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation import format as fmt
from evaluation import spreadsheets
from evaluation.report import kredsraad, manifest, team
from evaluation.report.context import ReportContext
from evaluation.report.model import Document, Paragraph, Section

TEAM_SECTIONS: tuple[Callable[[ReportContext], Section | None], ...] = (
    team.summary, team.volumes, team.situations, team.offences_and_outcomes, team.actioncard, team.networks,
    team.learnings, team.method, team.data_appendix, team.learnings_appendix)
COUNCIL_SECTIONS: tuple[Callable[[ReportContext], Section | None], ...] = (
    kredsraad.summary, kredsraad.tables_section, kredsraad.kinds_section, kredsraad.actions_section, kredsraad.method)
LOG_HEADINGS = {"table": "Tabel", "title": "Titel", "row": "Række", "column": "Kolonne", "status": "Status",
                "reason": "Begrundelse", "hidden_value": "Skjult værdi"}


def kontrolnummer(m: manifest.Manifest) -> str:
    """A short number printed in the edition that the team can match to its manifest file."""
    digest = hashlib.sha256(m.to_json().encode("utf-8")).hexdigest().upper()
    return f"{digest[:4]}-{digest[4:8]}"


def build(ctx: ReportContext) -> Document:
    """The edition's document: title page facts, then its sections, all read from one snapshot."""
    with ctx.one_snapshot(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="manifest") as beside:
        with ctx.reader() as con:
            cursor = con.cursor()  # made here: a connection is not used from two threads at once
        pending = beside.submit(_manifest, ctx, cursor)  # its checksums sort every case: on the other core
        functions = TEAM_SECTIONS if ctx.team else COUNCIL_SECTIONS
        sections = [s for s in (f(ctx) for f in functions) if s is not None]
        m = pending.result()
        ctx.cache["manifest"] = m
        number = kontrolnummer(m)
        ctx.cache["kontrolnummer"] = number
    if ctx.team:
        sections.append(_basis(ctx, m, number))
    lines = [line for line in (ctx.plan.get("municipality"),
                               f"Udarbejdet {fmt.day(ctx.today)} af SSP- og Ungdomskonsulentteamet på grundlag af de "
                               f"lokale SSP-netværks anonyme sagsudtræk for {ctx.year} og årene før.") if line]
    if ctx.team:
        lines.append("Denne udgave er til teamets eget brug: den indeholder små tal, netværkenes navne og deres skrevne "
                     "erfaringer og må ikke videregives.")
    else:
        lines.append(f"Alle tal er samlede tal. Antal fra 1 til {ctx.threshold} vises ikke, så ingen enkelt sag kan "
                     "genkendes.")
    lines.append(f"Kontrolnummer: {number}")
    footer = f"{ctx.title} · {ctx.edition_label}"
    return Document(ctx.title, ctx.edition_label, ctx.edition, lines, sections, footer)


def _manifest(ctx: ReportContext, cursor: Any) -> manifest.Manifest:
    """The edition's manifest, read on a cursor of its own (a second connection to the same
    open database, so it reads the same data as the sections) and closed after."""
    try:
        return manifest.build_manifest(cursor, year=ctx.year, parameters=ctx.parameters())
    finally:
        cursor.close()


def _basis(ctx: ReportContext, m: manifest.Manifest, number: str) -> Section:
    """Team: what the edition was made from, in two sentences; the details are in the manifest file."""
    return Section("Rapportens grundlag", "grundlag").add(
        Paragraph(f"Kontrolnummer {number}. Rapporten bygger på {fmt.plural(m.cases_all, 'aktuel sag', 'aktuelle sager')} "
                  f"({fmt.integer(m.cases_year)} fra {ctx.year}) fra {fmt.plural(len(m.imports), 'indlæst fil', 'indlæste filer')}; "
                  f"kontrolsum for alle sager {m.checksum_all}."),
        Paragraph("Samme database og samme parametre giver de samme tal. Versioner, parametre, filer og kontrolsummer "
                  "står i rapportens manifest-fil (…manifest.json), som teamet gemmer; Kredsrådets udgave har kun "
                  "kontrolnummeret.", "note"))


def shown(doc: Document) -> Any:
    """The edition as the report's notebook shows it: the HTML without plotly.js.

    The HTML template puts plotly.js into the report's head once (``render.export_html``), so
    the 4.8 MB library does not travel through the kernel's socket, the executed notebook and
    nbconvert a second time.
    """
    from IPython.display import HTML

    from evaluation.report.html import document_html

    return HTML(str(document_html(doc, plotly_js=False)))


def write_outputs(ctx: ReportContext, doc: Document, out_dir: str | Path = "", stem: str = "") -> None:
    """Write the team-only files beside the edition (see the module docstring); nothing
    without ``out_dir`` (the notebook run by hand). Returns None: the notebook shows nothing."""
    if not out_dir:
        return None
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    m: manifest.Manifest = ctx.cache["manifest"]
    record = {"kontrolnummer": ctx.cache["kontrolnummer"], **m.as_dict()}
    (folder / f"{stem}.manifest.json").write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str),
                                                  encoding="utf-8")
    (folder / f"{stem}.document.json").write_text(doc.to_json(), encoding="utf-8")
    if not ctx.team:
        tables = kredsraad.council_tables(ctx)
        log = suppression_log(tables)
        (folder / f"{stem}-undertrykkelser.csv").write_bytes(spreadsheets.frame_csv_bytes(  # formulas neutralised
            log[list(LOG_HEADINGS)].rename(columns=LOG_HEADINGS), decimal="."))
        (folder / f"{stem}.udkast.json").write_text(json.dumps(draft(ctx, tables), ensure_ascii=False),
                                                    encoding="utf-8")
    return None


def suppression_log(tables: dict[str, kredsraad.CouncilTable]) -> pd.DataFrame:
    """Every hidden cell of every table with its reason and true value: for the team only."""
    logs = [t.protected.log.assign(title=t.title) for t in tables.values()]
    return pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=list(LOG_HEADINGS))


def draft(ctx: ReportContext, tables: dict[str, kredsraad.CouncilTable]) -> dict:
    """The edition as ``publish.py`` records it: every cell with definition, print and value."""
    from evaluation.report import suppression

    definitions = ctx.cache["kredsraad_definitions"]
    out = []
    for name, t in tables.items():
        full = suppression.add_margins(t.counts)
        cells = []
        for row in t.protected.status.index:
            for column in t.protected.status.columns:
                cells.append({"row": str(row), "column": str(column),
                              "definition": definitions[name][(str(row), str(column))],
                              "shown": str(t.protected.display.at[row, column]),
                              "status": str(t.protected.status.at[row, column]),
                              "value": int(full.at[row, column])})
        out.append({"name": name, "title": t.title, "design_note": t.design_note, "cells": cells})
    m: manifest.Manifest = ctx.cache["manifest"]
    return {"year": ctx.year, "edition": ctx.edition, "kontrolnummer": ctx.cache["kontrolnummer"],
            "checksum_all": m.checksum_all, "tables": out}


__all__ = ["build", "write_outputs", "kontrolnummer", "suppression_log", "draft", "TEAM_SECTIONS", "COUNCIL_SECTIONS"]

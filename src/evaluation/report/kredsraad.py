"""The Kredsråd edition's tables: aggregates only, every one through disclosure control.

The police district council sees counts of cases by year, quarter, situation, kind of
offence, assessment and police report, never free text, a network, a school or a case id.
Each table is protected by ``suppression.protect`` (counts 1..threshold shown as "<5",
secondary cells "–"). Two things go beyond one table at a time:

* **Linked tables.** The same number can stand in two tables (a quarter's total in the
  situation table and in the police table; the quarter table's totals are the report
  year's row of the yearly table). If it is hidden in one and shown in the other, the
  hidden cells could be worked out by combining them, so such cells are hidden in all
  (``_links``), and the audit reads all tables together (``suppression.protect_linked``).
* **Last year's edition.** Cells hidden in last year's published tables
  (``suppression.published_cells``) are hidden again where this year's tables repeat them,
  so the two editions together reveal nothing; ``render.py`` records this year's hidden
  cells with ``suppression.record_published`` after a successful render.

The suppression log (which cells, why, and their true values) is for the team only:
``suppression_log`` returns it and ``render.py`` writes it to a separate file; nothing in
this module's HTML shows it. Split from ``report_sections`` to keep both modules readable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from evaluation import spreadsheets
from evaluation.analysis import charts, queries
from evaluation.ingest import spec
from evaluation.report import suppression
from evaluation.analysis.filters import Filters
from evaluation.report.sections import ReportContext, Section, _e, _h2, _p, _table

@dataclass(frozen=True)
class KredsraadTable:
    """One published table: its stable name (for next year's consistency), title and protection."""

    name: str
    title: str
    note: str
    counts: pd.DataFrame
    protected: Any  # suppression.Protected


SITUATION_COLUMNS = {"A": "Situation A", "B": "Situation B"}
POLICE_COLUMNS = {"ja": "Politianmeldt", "nej": "Ikke politianmeldt"}
# Stable table names: next year's edition looks last year's hidden cells up by them.
YEARS, QUARTERS, POLICE, OFFENCES, ASSESSMENT = ("sager_aar_situation", "sager_kvartal_situation",
                                                 "politianmeldt_kvartal", "kraenkelsestyper_situation",
                                                 "vurdering_situation")


def _crosstab(frame: pd.DataFrame, row: str, column: str, rows: Sequence[str], columns: dict[str, str],
              row_labels: dict[str, str] | None = None, index_name: str = "") -> pd.DataFrame:
    """A complete rows × columns table of case counts from a tidy ``explore`` frame (zeros filled)."""
    wide = frame.pivot_table(index=row, columns=column, values="cases", aggfunc="sum", fill_value=0) \
        if not frame.empty else pd.DataFrame()
    wide = wide.reindex(index=list(rows), columns=list(columns), fill_value=0).fillna(0).astype("int64")
    wide.index = pd.Index([(row_labels or {}).get(r, r) for r in rows], name=index_name, dtype=object)
    wide.columns = pd.Index(list(columns.values()), dtype=object)
    return wide


def _quarters(con: Any, year: int, today: date) -> list[str]:
    """The year's quarters up to the last one reported ('2025 K1' ...), all four for a past year."""
    if year < today.year:
        last = 4
    else:
        row = con.execute("SELECT max(quarter(indberetningsmaaned)) FROM cases WHERE indberetningsmaaned >= ? "
                          "AND indberetningsmaaned < ?", [date(year, 1, 1), date(year + 1, 1, 1)]).fetchall()[0]
        last = int(row[0] or 1)
    return [f"{year} K{q}" for q in range(1, last + 1)]


def _kredsraad_counts(ctx: ReportContext) -> dict[str, tuple[str, str, pd.DataFrame]]:
    """The unprotected counts of every Kredsråd table: name -> (title, note, counts)."""
    y, f = ctx.year, ctx.filters
    with ctx.reader() as con:
        first = min(queries.filter_options(con).years)
        years = [str(v) for v in range(max(first, y - 2), y + 1)]
        by_year = queries.explore(con, Filters(), ["year", "situation"], "cases")
        by_year = by_year[by_year["year"].isin(years)]
        quarters = _quarters(con, y, ctx.today)
        by_quarter = queries.explore(con, f, ["quarter", "situation"], "cases")
        police = queries.explore(con, f, ["quarter", "politianmeldt"], "cases")
        # The two list fields per situation through ``outcomes`` (one scan per situation): the
        # same counts as explore's unnested cut, which took several times longer at 1M cases.
        lists = pd.concat([queries.outcomes(con, Filters(year=y, situations=(code,)), ("kraenkelsestyper", "vurdering"))
                           .assign(situation=code) for code in SITUATION_COLUMNS], ignore_index=True)
    offences = lists[lists["field"] == "kraenkelsestyper"]
    assessment = lists[lists["field"] == "vurdering"]
    kinds = spec.COLUMN_BY_KEY["kraenkelsestyper"].codes
    verdicts = spec.COLUMN_BY_KEY["vurdering"].codes
    mentions = "En sag kan have flere {}; den tælles under hver, så «I alt» er antal angivelser, ikke sager."
    return {
        YEARS: ("Sager pr. år og situation", "Situation A: deling i uskyldig sammenhæng. Situation B: trusler, "
                "afpresning, seksuel krænkelse eller hævn.",
                _crosstab(by_year, "year", "situation", years, SITUATION_COLUMNS, index_name="År")),
        QUARTERS: (f"Sager pr. kvartal {y}", "Efter den måned, sagen blev indberettet.",
                   _crosstab(by_quarter, "quarter", "situation", quarters, SITUATION_COLUMNS, index_name="Kvartal")),
        POLICE: (f"Politianmeldte sager pr. kvartal {y}", "Om sagen er politianmeldt (af den krænkede, forældre, "
                 "skolen eller myndighedsafdelingen).",
                 _crosstab(police, "quarter", "politianmeldt", quarters, POLICE_COLUMNS, index_name="Kvartal")),
        OFFENCES: (f"Typer af krænkelser {y}", mentions.format("krænkelsestyper"),
                   _crosstab(offences, "value", "situation", list(kinds), SITUATION_COLUMNS, kinds,
                             index_name="Krænkelsestype")),
        ASSESSMENT: (f"Vurdering af sagerne {y}", mentions.format("vurderinger") + " En politisag er en sag, "
                     "der er vurderet til at skulle politianmeldes.",
                     _crosstab(assessment, "value", "situation", list(verdicts), SITUATION_COLUMNS, verdicts,
                               index_name="Vurdering")),
    }


def _links(year: int, quarters: Sequence[str]) -> list[list[tuple[str, str, str]]]:
    """Cells that are the same number in two tables; hidden in one means hidden in all.

    The quarter tables share their quarter totals and grand total, and the quarter table's
    total row is the report year's row of the yearly table.
    """
    total = suppression.MARGIN_LABEL
    # With a single quarter, add_margins adds no total row: that quarter's row is the total.
    total_row = quarters[0] if len(quarters) == 1 else total
    groups = [[(QUARTERS, q, total), (POLICE, q, total)] for q in quarters]
    groups.append([(QUARTERS, total_row, total), (POLICE, total_row, total), (YEARS, str(year), total)])
    groups += [[(QUARTERS, total_row, label), (YEARS, str(year), label)] for label in SITUATION_COLUMNS.values()]
    return groups


def _carried(con: Any, year: int) -> dict[str, set[tuple[str, str]]]:
    """Cells hidden in last year's published edition, mapped onto this year's tables.

    Last year's yearly table overlaps row by row; last year's quarter table's total row is
    last year's row of this year's yearly table.
    """
    carried = {name: set(suppression.published_cells(con, year - 1, name)) for name in (YEARS, OFFENCES, ASSESSMENT)}
    carried[YEARS] |= {(str(year - 1), column) for row, column in suppression.published_cells(con, year - 1, QUARTERS)
                       if row == suppression.MARGIN_LABEL}
    return carried


def kredsraad_tables(ctx: ReportContext) -> dict[str, KredsraadTable]:
    """Every Kredsråd table, protected together (``suppression.protect_linked``): the numbers
    that stand in two tables (see ``_links``) are hidden in both or neither, no hidden cell
    can be worked out from all the tables read together, and cells hidden in last year's
    edition are hidden again.
    """
    if "kredsraad" in ctx.cache:
        return ctx.cache["kredsraad"]
    counts = _kredsraad_counts(ctx)
    with ctx.reader() as con:
        carried = _carried(con, ctx.year)
    protected = suppression.protect_linked(
        {name: table for name, (_, _, table) in counts.items()},
        links=_links(ctx.year, list(counts[QUARTERS][2].index)), threshold=ctx.threshold, force_hidden=carried)
    tables = {name: KredsraadTable(name, title, note, table, protected[name])
              for name, (title, note, table) in counts.items()}
    ctx.cache["kredsraad"] = tables
    return tables


def _protected_table(t: KredsraadTable) -> str:
    """A protected table as HTML: its display strings, numbers right-aligned, footnote under it."""
    display = t.protected.display
    rows = [[str(label), *row] for label, row in zip(display.index, display.to_numpy().tolist())]
    numeric = range(1, display.shape[1] + 1)
    parts = [f"<h3>{_e(t.title)}</h3>",
             _table(rows, [display.index.name or "", *map(str, display.columns)], table_id=f"tabel-{t.name}",
                    numeric=numeric, index_heading=True),
             _p(t.note, "note")]
    if t.protected.footnote:
        parts.append(_p(t.protected.footnote, "note"))
    return "".join(parts)


def _shown_values(t: KredsraadTable) -> pd.DataFrame:
    """The table's counts where shown, NaN where hidden (charts must not draw hidden values)."""
    status = t.protected.status.loc[t.counts.index, t.counts.columns]
    return t.counts.astype("float64").where(status == "vist")


def _kredsraad_chart(t: KredsraadTable) -> go.Figure:
    """Grouped bars of the shown cells only; a hidden cell is a gap, explained in the title."""
    shown = _shown_values(t)
    fig = go.Figure()
    for i, column in enumerate(shown.columns):
        fig.add_bar(x=[str(x) for x in shown.index], y=shown[column].tolist(), name=str(column),
                    marker_color=charts.COLOURS.get(str(column)[-1], charts.SEQUENCE[i % len(charts.SEQUENCE)]),
                    hovertemplate="%{x}: %{y} sager<extra>" + str(column) + "</extra>")
    hidden = " (skjulte tal er udeladt)" if shown.isna().to_numpy().any() else ""
    fig.update_layout(barmode="group", title={"text": t.title + hidden, "x": 0.0},
                      legend={"orientation": "h", "x": 0.0, "y": 1.0, "yanchor": "bottom"},
                      template="plotly_white", separators=",.", height=380,
                      font={"family": charts.FONT, "size": 13}, margin={"l": 10, "r": 10, "t": 90, "b": 10})
    fig.update_xaxes(type="category", title_text=t.counts.index.name)
    fig.update_yaxes(title_text="Antal sager", rangemode="tozero")
    return fig


def kredsraad_volumes(ctx: ReportContext) -> Section:
    """Kredsråd: cases by year and by quarter, A and B, protected."""
    tables = kredsraad_tables(ctx)
    return Section("".join([_h2("Sager pr. år og kvartal"), _protected_table(tables[YEARS]),
                            ctx.chart(_kredsraad_chart(tables[YEARS])), _protected_table(tables[QUARTERS]),
                            ctx.chart(_kredsraad_chart(tables[QUARTERS]))]))


def kredsraad_outcomes(ctx: ReportContext) -> Section:
    """Kredsråd: kinds of offence, assessments and police reports, protected."""
    tables = kredsraad_tables(ctx)
    return Section("".join([_h2("Krænkelser, vurdering og politianmeldelser", new_page=True),
                            _protected_table(tables[OFFENCES]), _protected_table(tables[ASSESSMENT]),
                            _protected_table(tables[POLICE])]))


LOG_HEADINGS = {"table": "Tabel", "title": "Titel", "row": "Række", "column": "Kolonne", "status": "Status",
                "reason": "Begrundelse", "hidden_value": "Skjult værdi"}


def publish(ctx: ReportContext, log_path: str | Path, *, record: bool) -> Path | None:
    """Write the team-only suppression log (CSV for Danish Excel) and, if ``record``, store the
    hidden cells for next year's edition. Both use the tables the report just showed."""
    if not log_path:
        return None
    tables = kredsraad_tables(ctx)
    path = Path(log_path)
    log = suppression_log(tables)
    path.write_bytes(spreadsheets.frame_csv_bytes(log[list(LOG_HEADINGS)].rename(columns=LOG_HEADINGS), decimal="."))
    if record:
        for table in tables.values():
            suppression.record_published(ctx.db_path, ctx.year, table.protected)
    return path


def suppression_log(tables: dict[str, KredsraadTable]) -> pd.DataFrame:
    """Every hidden cell of every table with its reason and true value: for the team only."""
    logs = [t.protected.log.assign(title=t.title) for t in tables.values()]
    return pd.concat(logs, ignore_index=True) if logs else pd.DataFrame()


__all__ = ["KredsraadTable", "kredsraad_tables", "kredsraad_volumes", "kredsraad_outcomes", "suppression_log", "publish",
           "YEARS", "QUARTERS", "POLICE", "OFFENCES", "ASSESSMENT"]

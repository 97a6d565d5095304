"""The Kredsråd edition: a summary page and tables that carry information on a small year.

The police district council sees aggregates only: no free text except the team's approved
planned changes, no network, school or case id, no small count. Every table is first given
a design that fits the year's data (``recode``: quarters → half-years, rare kinds of offence
→ »Andre«, the A/B split kept where it can be), then protected together with every other
table of the edition (``suppression.protect_linked``: primary and secondary suppression,
numbers that stand in two tables hidden in both or neither, a joint exact audit), and
finally audited against last year's published edition (``audit.py``), so the two editions
read together reveal nothing either, even when the design has changed since.

Tables (stable names, recorded when the edition is published):

* ``sager_aar_situation``: cases per year (up to four years) and situation A/B;
* ``sager_periode_situation``: the year by quarter or half-year (left out when too small);
* ``politianmeldt_aar``: cases reported to the police, per year;
* ``kraenkelsestyper``: kinds of offence (mentions: a case can have several);
* ``vurdering``: the assessment (mentions);
* ``handling_*`` and ``fase_*``: what was done (parents involved, material deleted) and how
  each actioncard phase was followed, one line each (followed, not followed, cases).

The summary reads only shown cells of these tables, so it can never say more than they do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from evaluation import format as fmt
from evaluation.analysis import charts, kpis, queries, stats
from evaluation.analysis.filters import Filters
from evaluation.ingest import spec
from evaluation.report import audit, inputs, recode, suppression
from evaluation.report.context import ReportContext
from evaluation.report.model import Heading, Paragraph, Section, bullets, figure, table

YEARS, PERIODS, OFFENCES, ASSESSMENT = ("sager_aar_situation", "sager_periode_situation", "kraenkelsestyper",
                                        "vurdering")
SITUATION_LABELS = {"A": "Situation A", "B": "Situation B"}
SITUATIONS = recode.identity(["A", "B"], SITUATION_LABELS)
YEARS_SHOWN = 4  # the multi-year picture: this year and up to three before it
POOL_YEARS = 3  # a sparse line or kinds table may pool up to this many years (this year and those before)
LINE_COLUMNS = ("Ja", "Nej")
MENTIONS = "En sag kan have flere {}; den tælles under hver, så »I alt« er antal angivelser, ikke sager."

_ACTIONS_SQL = f"""
SELECT year(indberetningsmaaned) AS year,
       count_if(politianmeldt) AS police_yes, count_if(NOT politianmeldt) AS police_no,
       count_if({kpis.MINOR_SQL} AND foraeldre_inddraget = 'ja') AS parents_yes,
       count_if({kpis.MINOR_SQL} AND foraeldre_inddraget = 'nej') AS parents_no,
       count_if(materiale_slettet = 'ja') AS deleted_yes,
       count_if(materiale_slettet IN ('delvist', 'nej')) AS deleted_no
FROM cases WHERE indberetningsmaaned >= ? AND indberetningsmaaned < ?
GROUP BY ALL
"""
# What was done: (table name, row label, what its "Sager" are, counts key, all cases?).
ACTIONS = (("handling_politi", "Politianmeldt", "alle sager", "police", True),
           ("handling_foraeldre", "Forældre inddraget", "sager med en krænket under 18 år", "parents", False),
           ("handling_slettet", "Materiale slettet", "sager, hvor det vides, om materialet blev slettet", "deleted",
            False))
ALL_CASES_PHASES = ("vurder", "dokumenter", "behandel")  # phases that apply to every case (kpis.actioncard_adherence)


@dataclass(frozen=True)
class CouncilTable:
    """One published table: name, title, note, how it was coarsened, printed counts and protection."""

    name: str
    title: str
    note: str
    design_note: str
    counts: pd.DataFrame
    protected: suppression.Protected


@dataclass(frozen=True)
class Line:
    """One line of »Hvad blev gjort« or »Actioncardet i praksis«: Ja/Nej of some cases."""

    name: str
    label: str
    base: str  # Danish: which cases the line is about
    all_cases: bool  # its cases are all the year's cases (its total is the yearly table's)
    fine: pd.DataFrame  # one row; columns 'ja@2025', 'nej@2025', 'ja@2024', ...


# --- counting ----------------------------------------------------------------------------------

def _crosstab(frame: pd.DataFrame, row: str, column: str, rows: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """A complete rows × columns table of case counts from a tidy frame (zeros filled), by fine value."""
    wide = frame.pivot_table(index=row, columns=column, values="cases", aggfunc="sum", fill_value=0) \
        if not frame.empty else pd.DataFrame()
    wide = wide.reindex(index=list(rows), columns=list(columns), fill_value=0).fillna(0).astype("int64")
    wide.index, wide.columns = pd.Index(list(rows), dtype=object), pd.Index(list(columns), dtype=object)
    return wide


def _quarters(con: Any, year: int, today: date) -> int:
    """How many of the year's quarters are reported: all four for a past year."""
    if year < today.year:
        return 4
    row = con.execute("SELECT max(quarter(indberetningsmaaned)) FROM cases WHERE indberetningsmaaned >= ? "
                      "AND indberetningsmaaned < ?", [date(year, 1, 1), date(year + 1, 1, 1)]).fetchall()[0]
    return int(row[0] or 1)


@dataclass(frozen=True)
class _Counts:
    years: list[str]  # the yearly table's rows, oldest first
    pool: list[int]  # years that may be pooled, this year first
    quarters: int
    by_year: pd.DataFrame  # years × A/B
    by_quarter: pd.DataFrame  # 'YYYY Kq' × A/B
    offences: pd.DataFrame  # kind code × 'A@year'/'B@year' (mentions)
    assessment: pd.DataFrame  # verdict code × 'A@year'/'B@year' (mentions)
    lines: list[Line]


def _counts(ctx: ReportContext) -> _Counts:
    """Every unprotected count the edition needs, on one reader."""
    y = ctx.year
    with ctx.reader() as con:
        present = queries.filter_options(con).years
        years = [str(v) for v in range(max(min(present), y - YEARS_SHOWN + 1), y + 1)]
        pool = [v for v in range(y, y - POOL_YEARS, -1) if v in present]
        by_year = queries.explore(con, Filters(), ["year", "situation"], "cases")
        quarters = _quarters(con, y, ctx.today)
        by_quarter = queries.explore(con, ctx.filters, ["quarter", "situation"], "cases")
        lists = pd.concat([queries.outcomes(con, Filters(year=v, situations=(code,)), ("kraenkelsestyper", "vurdering"))
                           .assign(situation=f"{code}@{v}") for v in pool for code in ("A", "B")], ignore_index=True)
        actions = con.execute(_ACTIONS_SQL, [date(min(pool), 1, 1), date(y + 1, 1, 1)]).df().set_index("year")
        adherence = pd.concat([queries.actioncard_adherence(con, Filters(year=v)).assign(year=v) for v in pool])
    columns = [f"{code}@{v}" for v in pool for code in ("A", "B")]
    lines = []
    for name, label, base, key, all_cases in ACTIONS:
        values = {f"{side}@{v}": int(actions.at[v, f"{key}_{'yes' if side == 'ja' else 'no'}"]) if v in actions.index
                  else 0 for v in pool for side in ("ja", "nej")}
        lines.append(Line(name, label, base, all_cases, pd.DataFrame([values], index=pd.Index([label], dtype=object))))
    total = adherence[adherence["is_total"]]
    for phase, part in total.groupby("phase", sort=False):
        part = part.set_index("year")
        label = str(part["phase_label"].iloc[0])
        values = {}
        for v in pool:
            n, followed = (int(part.at[v, "n"]), int(part.at[v, "followed"])) if v in part.index else (0, 0)
            values[f"ja@{v}"], values[f"nej@{v}"] = followed, n - followed
        lines.append(Line(f"fase_{phase}", label, "sager, fasen gælder for", phase in ALL_CASES_PHASES,
                          pd.DataFrame([values], index=pd.Index([label], dtype=object))))
    kinds = list(spec.COLUMN_BY_KEY["kraenkelsestyper"].codes)
    verdicts = list(spec.COLUMN_BY_KEY["vurdering"].codes)
    return _Counts(
        years=years, pool=pool, quarters=quarters,
        by_year=_crosstab(by_year[by_year["year"].isin(years)], "year", "situation", years, ["A", "B"]),
        by_quarter=_crosstab(by_quarter, "quarter", "situation", [f"{y} K{q}" for q in range(1, quarters + 1)],
                             ["A", "B"]),
        offences=_crosstab(lists[lists["field"] == "kraenkelsestyper"], "value", "situation", kinds, columns),
        assessment=_crosstab(lists[lists["field"] == "vurdering"], "value", "situation", verdicts, columns),
        lines=lines,
    )


# --- designing and protecting -------------------------------------------------------------------

def _span(years: Sequence[int]) -> str:
    """'2025' or '2024–2025'."""
    return str(years[0]) if len(years) == 1 else f"{min(years)}–{max(years)}"


def _column_splits(pool: Sequence[int]) -> list[tuple[tuple[recode.Category, ...], tuple[int, ...]]]:
    """Situation columns for this year, then for the years pooled: (columns, years), A/B kept apart first."""
    out = []
    for k in range(1, len(pool) + 1):
        years = tuple(sorted(pool[:k]))
        split = tuple(recode.Category(SITUATION_LABELS[c], tuple(f"{c}@{v}" for v in years)) for c in ("A", "B"))
        both = (recode.Category("Sager", tuple(f"{c}@{v}" for v in years for c in ("A", "B"))),)
        out += [(split, years), (both, years)]
    return out


def _pooled_note(years: Sequence[int], ctx: ReportContext) -> str:
    return (f"Årene {_span(years)} er lagt sammen, fordi der i {ctx.year} alene var for få sager til at vise "
            "tabellen.") if len(years) > 1 else ""


def _designs(ctx: ReportContext, c: _Counts) -> dict[str, tuple[str, str, recode.Design, pd.DataFrame]]:
    """name -> (title, note, chosen design, fine counts) for the cross tables."""
    y, limit = ctx.year, ctx.threshold
    kind_labels = spec.COLUMN_BY_KEY["kraenkelsestyper"].codes
    verdict_labels = spec.COLUMN_BY_KEY["vurdering"].codes
    out: dict[str, tuple[str, str, recode.Design, pd.DataFrame]] = {
        YEARS: ("Sager pr. år og situation", "Situation A: deling i uskyldig sammenhæng. Situation B: trusler, "
                "afpresning, seksuel krænkelse eller hævn.",
                recode.Design("aar", recode.identity(c.years), SITUATIONS, "", "År"), c.by_year)}
    periods = recode.period_designs(y, c.quarters, SITUATIONS)
    design, share = recode.choose(c.by_quarter, periods, name=PERIODS, threshold=limit, target=1.0)
    if share >= 1.0:
        out[PERIODS] = (f"Sager i {y} pr. {'kvartal' if design.key == 'kvartaler' else 'halvår'}",
                        "Efter den måned, sagen blev indberettet.", design, c.by_quarter)
    splits = _column_splits(c.pool)
    kinds = []
    for columns, years in splits:
        for d in recode.kind_designs(c.offences, kind_labels, [columns], limit * len(years)):
            kinds.append(replace(d, note=" ".join(p for p in (_pooled_note(years, ctx), d.note) if p)))
    chosen = recode.choose(c.offences, kinds, name=OFFENCES, threshold=limit)[0]
    out[OFFENCES] = (f"Typer af krænkelser {_span(_design_years(chosen))}", MENTIONS.format("krænkelsestyper"),
                     chosen, c.offences)
    verdicts = [recode.Design(f"v{len(years)}-{len(columns)}", recode.identity(list(c.assessment.index), verdict_labels),
                              columns, " ".join(p for p in (_pooled_note(years, ctx), "Situation A og B er lagt sammen "
                              "i denne tabel, fordi der ellers var for få sager i hver." if len(columns) == 1 else "")
                              if p), "Vurdering")
                for columns, years in splits]
    chosen = recode.choose(c.assessment, verdicts, name=ASSESSMENT, threshold=limit)[0]
    out[ASSESSMENT] = (f"Vurdering af sagerne {_span(_design_years(chosen))}", MENTIONS.format("vurderinger") +
                       " En politisag er en sag, der er vurderet til at skulle politianmeldes.", chosen, c.assessment)
    return out


def _design_years(design: recode.Design) -> list[int]:
    """The years a design's columns add up ('A@2025' ...)."""
    return sorted({int(v.split("@")[1]) for c in design.columns for v in c.values})


def _line_designs(ctx: ReportContext, c: _Counts) -> dict[str, tuple[Line, recode.Design]]:
    """Each line for this year, or pooled with the years before when a year alone would hide it."""
    out = {}
    for line in c.lines:
        designs = []
        for k in range(1, len(c.pool) + 1):
            years = tuple(sorted(c.pool[:k]))
            label = line.label if k == 1 else f"{line.label} ({_span(years)})"
            columns = tuple(recode.Category(heading, tuple(f"{side}@{v}" for v in years))
                            for heading, side in zip(LINE_COLUMNS, ("ja", "nej")))
            designs.append(recode.Design(f"{k}", (recode.Category(label, (line.label,)),), columns,
                                         _pooled_note(years, ctx), ""))
        out[line.name] = (line, recode.choose(line.fine, designs, name=line.name, threshold=ctx.threshold,
                                              target=1.0)[0])
    return out


def _links(ctx: ReportContext, tables: dict[str, pd.DataFrame], all_cases_lines: Sequence[str]) -> list[list[tuple]]:
    """Numbers that stand in two tables: the period table's totals in the yearly table's row
    for the year, and the totals of this year's lines about all cases."""
    total, y = suppression.MARGIN_LABEL, str(ctx.year)
    groups = []
    if PERIODS in tables:
        rows = list(tables[PERIODS].index)
        total_row = rows[0] if len(rows) == 1 else total
        groups.append([(PERIODS, total_row, total), (YEARS, y, total)])
        groups += [[(PERIODS, total_row, c.label), (YEARS, y, c.label)] for c in SITUATIONS]
    for name in all_cases_lines:
        groups.append([(name, tables[name].index[0], total), (YEARS, y, total)])
    return groups


def council_tables(ctx: ReportContext) -> dict[str, CouncilTable]:
    """Every table of the edition, designed, protected together and audited against last
    year's published edition (cached per run)."""
    if "kredsraad" in ctx.cache:
        return ctx.cache["kredsraad"]
    c = _counts(ctx)
    designs = _designs(ctx, c)
    lines = _line_designs(ctx, c)
    with ctx.reader() as con:
        previous = audit.last_publication(con, ctx.year - 1)
    protected, definitions, counts = _protect(ctx, designs, lines, previous)
    if PERIODS in designs and (protected[PERIODS].status != suppression.SHOWN).to_numpy().any():
        # The split of the year is shown only when all of it can be: else it would cost
        # cells of the yearly table too (their totals are the same numbers).
        designs = {name: d for name, d in designs.items() if name != PERIODS}
        protected, definitions, counts = _protect(ctx, designs, lines, previous)
    tables = {}
    for name, (title, note, design, _fine) in designs.items():
        tables[name] = CouncilTable(name, title, note, design.note, counts[name], protected[name])
    for name, (line, design) in lines.items():
        tables[name] = CouncilTable(name, design.rows[0].label, line.base, design.note, counts[name], protected[name])
    ctx.cache["kredsraad"] = tables
    ctx.cache["kredsraad_definitions"] = definitions
    ctx.cache["kredsraad_complete"] = [name for name, (line, _d) in lines.items() if line.all_cases]
    return tables


def _protect(ctx: ReportContext, designs: dict[str, tuple[str, str, recode.Design, pd.DataFrame]],
             lines: dict[str, tuple[Line, recode.Design]], previous: list[audit.Cell]) -> tuple[dict, dict, dict]:
    """Protect the chosen designs together and against last year: (protected, definitions, counts)."""
    counts = {name: design.apply(fine) for name, (_t, _n, design, fine) in designs.items()}
    counts.update({name: design.apply(line.fine) for name, (line, design) in lines.items()})
    this_year_only = [name for name, (line, design) in lines.items()
                      if line.all_cases and _design_years_line(design) == [ctx.year]]
    links = _links(ctx, counts, this_year_only)
    definitions = audit.definitions(ctx.year, counts, designs, lines)
    complete = [name for name, (line, _d) in lines.items() if line.all_cases]
    protected = audit.protect_edition(counts, links=links, threshold=ctx.threshold, definitions=definitions,
                                      previous=previous, complete=complete, precious={YEARS: _precious(ctx, counts)})
    return protected, definitions, counts


def _precious(ctx: ReportContext, counts: dict[str, pd.DataFrame]) -> list[tuple[str, str]]:
    """What the council needs most from the yearly table: each year's cases, and the report
    year's split on A and B. Among equally good cells to hide, these are hidden last."""
    total, year = suppression.MARGIN_LABEL, str(ctx.year)
    return [(str(y), total) for y in counts[YEARS].index] + [(year, c.label) for c in SITUATIONS]


def _design_years_line(design: recode.Design) -> list[int]:
    return sorted({int(v.split("@")[1]) for c in design.columns for v in c.values})


# --- laying out --------------------------------------------------------------------------------

def _shown(t: CouncilTable, row: Any, column: Any) -> int | None:
    """A cell's count when it is shown, else None (the summary only uses shown cells)."""
    status = t.protected.status
    if str(status.at[row, column]) != suppression.SHOWN:
        return None
    return int(suppression.add_margins(t.counts).at[row, column])


def _table_block(t: CouncilTable) -> list[Any]:
    """A protected table with its title, note, design note and the suppression footnote."""
    display = t.protected.display
    rows = [[str(label), *row] for label, row in zip(display.index, display.to_numpy().tolist())]
    blocks: list[Any] = [Heading(t.title),
                         table(f"tabel-{t.name}", [display.index.name or "", *map(str, display.columns)], rows,
                               numeric=range(1, display.shape[1] + 1), row_headings=True),
                         Paragraph(t.note, "note")]
    if t.design_note:
        blocks.append(Paragraph(f"Tabellens opdeling: {t.design_note}", "note"))
    return blocks


def _lines_block(title: str, table_id: str, lines: list[CouncilTable], headings: Sequence[str]) -> list[Any]:
    """Several one-line tables printed as one table (each line protected with the edition)."""
    rows = [[t.counts.index[0], *t.protected.display.iloc[0].tolist()] for t in lines]
    blocks = [Heading(title), table(table_id, headings, rows, numeric=(1, 2, 3), row_headings=True),
              Paragraph(f"»Sager« er de {lines[0].note}." if len({t.note for t in lines}) == 1 else
                        "»Sager« er de sager, linjen gælder for: " + "; ".join(
                            f"{t.title.split(' (')[0].lower()}: {t.note}" for t in lines) + ".", "note")]
    if any(t.design_note for t in lines):
        blocks.append(Paragraph("Tabellens opdeling: en linje med årstal i parentes er lagt sammen for flere år, fordi "
                                "der i ét år alene var for få sager til at vise den.", "note"))
    return blocks


def _chart(t: CouncilTable, title: str) -> go.Figure:
    """Grouped bars of the shown cells only (each year's total beside A and B); a hidden cell
    is a gap, said in the title, and its number is in neither the bars nor the chart's data."""
    full = suppression.add_margins(t.counts).loc[t.counts.index]
    status = t.protected.status.loc[t.counts.index, full.columns]
    shown = full.astype("float64").where(status == suppression.SHOWN)
    colours = {"Situation A": charts.COLOURS["A"], "Situation B": charts.COLOURS["B"],
               suppression.MARGIN_LABEL: charts.COLOURS["neutral"]}
    fig = go.Figure()
    for column in [suppression.MARGIN_LABEL, *t.counts.columns]:
        name = "Alle sager" if column == suppression.MARGIN_LABEL else str(column)
        fig.add_bar(x=[str(x) for x in shown.index], y=shown[column].tolist(), name=name,
                    marker_color=colours.get(str(column), charts.COLOURS["primary"]),
                    hovertemplate="%{x}: %{y} sager<extra>" + name + "</extra>")
    hidden = " (skjulte tal er udeladt)" if shown.isna().to_numpy().any() else ""
    fig.update_layout(barmode="group", title={"text": title + hidden, "x": 0.0}, template="plotly_white",
                      legend={"orientation": "h", "x": 0.0, "y": -0.15, "yanchor": "top"}, separators=",.",
                      height=330, font={"family": charts.FONT, "size": 12},
                      margin={"l": 60, "r": 20, "t": 50, "b": 70})
    fig.update_xaxes(type="category", title_text=None)
    fig.update_yaxes(title_text="Antal sager", rangemode="tozero")
    return fig


def summary(ctx: ReportContext) -> Section:
    """The council's first page: the five questions answered at its level, the team's approved
    planned changes, and the development over the years in words, from shown cells only."""
    tables = council_tables(ctx)
    y = str(ctx.year)
    years = tables[YEARS]
    s = Section("Sammenfatning", "sammenfatning")
    now, before = _shown(years, y, suppression.MARGIN_LABEL), None
    previous = str(ctx.year - 1)
    if previous in years.counts.index:
        before = _shown(years, previous, suppression.MARGIN_LABEL)
    with ctx.reader() as con:
        k = queries.kpis(con, ctx.filters, today=ctx.today).set_index("key")
        changes = inputs.planned_changes(con, ctx.year, approved_only=True)
        plan = _plan_facts(con, ctx)
    facts = [_cases_sentence(ctx, now, before, k.loc["cases"])]
    facts += _share_sentences(ctx, tables)
    s.add(Heading("Kort fortalt"), bullets(facts))
    s.add(Heading("Svar på planens fem evalueringsspørgsmål"), bullets(plan))
    s.add(Heading("Teamets planlagte ændringer"))
    if changes.empty:
        s.add(Paragraph("Teamet har ikke godkendt ændringer af planen eller actioncardet for året.", "note"))
    for target, label in inputs.TARGETS.items():
        part = changes[changes["target"] == target]
        if not part.empty:
            s.add(Paragraph(f"{label}:"), bullets(part["text"].tolist()))
    s.add(Paragraph("Tallene i sammenfatningen står i tabellerne på de følgende sider. Alle tal er samlede tal for "
                    f"kommunen; antal fra 1 til {ctx.threshold} vises ikke (se »Om tallene«).", "note"))
    return s


def _cases_sentence(ctx: ReportContext, now: int | None, before: int | None, kpi: pd.Series) -> str:
    """Cases this year against last year, with the dashboards' verdict and the interval in words."""
    if now is None:
        return f"Antallet af sager i {ctx.year} kan ikke vises, fordi det er for lille."
    low, high = stats.poisson_interval(now)
    text = f"{fmt.plural(now, 'sag', 'sager')} i {ctx.year}"
    text += f" mod {fmt.integer(before)} i {ctx.year - 1}" if before is not None else ""
    text += (f". Med så få sager svinger tallet af tilfældige grunde: et år som {ctx.year} kunne lige så vel have "
             f"haft {fmt.number_range(low, high)} sager (95 %-interval). Vurdering af ændringen: "
             f"{str(kpi['verdict']).lower()}.")
    return text


def _share_sentences(ctx: ReportContext, tables: dict[str, CouncilTable]) -> list[str]:
    """Share of situation B per year and of police reports, from shown cells only."""
    out = []
    years = tables[YEARS]
    shares_b = []
    for year in years.counts.index:
        b, total = _shown(years, year, "Situation B"), _shown(years, year, suppression.MARGIN_LABEL)
        if b is not None and total:
            shares_b.append(f"{year}: {fmt.percent(b / total)}")
    if shares_b:
        out.append(f"Andel sager i situation B (trusler, afpresning, seksuel krænkelse eller hævn): "
                   f"{fmt.and_list(shares_b)}.")
    police = tables["handling_politi"]
    label = police.counts.index[0]
    reported, cases = _shown(police, label, "Ja"), _shown(police, label, suppression.MARGIN_LABEL)
    if reported is not None and cases:
        span = label[label.find("(") + 1:-1] if "(" in label else str(ctx.year)
        out.append(f"Politianmeldte sager i {span}: {fmt.integer(reported)} af {fmt.integer(cases)} "
                   f"({fmt.percent(reported / cases)}).")
    out.append("Små forskelle fra år til år kan skyldes tilfældigheder, når der er få sager; tal, der er for små til "
               "at blive vist, er udeladt.")
    return out


def _plan_facts(con: Any, ctx: ReportContext) -> list[str]:
    """The five questions in one sentence each, at the council's level (no network names)."""
    from evaluation.plan import actors, keypersons, links, notes

    policies = notes.policy_status(con, ctx.year)
    roles = keypersons.role_status(con, today=ctx.today)
    status = links.latest_status(con)
    broken = status[status["flagged"] | status["status"].isin(["moved", "broken"])]
    candidates = actors.candidates(con, year=ctx.year)
    adherence = queries.actioncard_adherence(con, ctx.filters)
    total = adherence[adherence["is_total"] & (adherence["n"] > 0)]
    to_adjust = policies[policies["judgement"] == "skal_tilpasses"]["name"].tolist()
    out = [("1. Planer og politikker: " + (f"planen skal tilpasses {fmt.and_list(fmt.quote(n) for n in to_adjust)}."
                                            if to_adjust else "ingen kræver tilpasning af planen.")),
           f"2. Nøglepersoner: {fmt.plural(int(roles['due'].sum()), 'rolle', 'roller')} i netværkene skal have en "
           f"nøgleperson udpeget eller bekræftet igen.",
           f"3. Webadresser: {fmt.plural(len(broken), 'adresse', 'adresser')} i planen skal rettes; telefonnumrene "
           "gennemgås ved evalueringen.",
           f"4. Nye aktører: {fmt.plural(len(candidates), 'navn', 'navne')} fra årets sager er endnu ikke i planen "
           "og vurderes af teamet."]
    if not total.empty:
        weakest = total.sort_values(["share", "phase_no"]).iloc[0]
        out.append(f"5. Erfaringer: actioncardets fase {fmt.quote(weakest['phase_label'])} blev fulgt mindst "
                   "(tabellen »Actioncardet i praksis«); teamets ændringer står nedenfor.")
    return out


def tables_section(ctx: ReportContext) -> Section:
    """The cases over the years, by period, police reports, kinds and assessments."""
    t = council_tables(ctx)
    s = Section("Sager over årene", "sager", new_page=True)
    s.add(*_table_block(t[YEARS]), figure("graf-sager-aar", _chart(t[YEARS], "Sager pr. år og situation"),
                                          "Sager pr. år i situation A og B; skjulte tal er udeladt."))
    if PERIODS in t:
        s.add(*_table_block(t[PERIODS]))
    else:
        s.add(Paragraph(f"{ctx.year} vises ikke delt op i kvartaler eller halvår, fordi der var for få sager til "
                        "det; året står i tabellen ovenfor.", "note"))
    return s


def kinds_section(ctx: ReportContext) -> Section:
    """Kinds of offence and the assessment of the cases."""
    t = council_tables(ctx)
    return Section("Krænkelser og vurdering", "kraenkelser", new_page=True).add(
        *_table_block(t[OFFENCES]), *_table_block(t[ASSESSMENT]))


def actions_section(ctx: ReportContext) -> Section:
    """What was done in the cases, and how each phase of the actioncard was followed."""
    t = council_tables(ctx)
    actions = [t[name] for name, *_rest in ACTIONS]
    phases = [table for name, table in t.items() if name.startswith("fase_")]
    return Section("Handling og actioncardet i praksis", "handling", new_page=True).add(
        *_lines_block(f"Hvad blev gjort i {ctx.year}", "tabel-handlinger", actions, ("", "Ja", "Nej", "Sager")),
        *_lines_block(f"Actioncardet i praksis {ctx.year}", "tabel-handlekort", phases,
                      ("Fase", "Fulgt", "Ikke fulgt", "Sager")),
        Paragraph("»Ikke fulgt« omfatter sager, hvor trinnet ikke er registreret.", "note"))


def method(ctx: ReportContext) -> Section:
    """How to read the tables, in plain words."""
    marker = f"<{ctx.threshold + 1}"
    return Section("Om tallene", "om-tallene").add(bullets([
        f"Alle tal er samlede tal for kommunen. Et antal fra 1 til {ctx.threshold} vises som »{marker}«, så ingen "
        "enkelt sag kan genkendes. »–« er et tal (stort eller lille), der er skjult, for at de små tal ikke kan regnes "
        "ud fra de andre tal og totalerne. Et 0 vises, fordi det ikke udpeger nogen.",
        "Før tallene skjules, er tabellerne lagt sammen, hvor der er for få sager (kvartaler til halvår, sjældne "
        "krænkelsestyper under »Andre«); det står under hver tabel.",
        "Tabellerne er kontrolleret sammen og mod sidste års udgave: intet skjult tal kan regnes ud, heller ikke når "
        "de to udgaver læses side om side.",
        "Et 95 %-interval er det spænd, som det sande tal med stor sikkerhed ligger i, når man tager højde for "
        "tilfældigheder. Med få sager er spændet bredt.",
        stats.FDR_SENTENCE,
    ]))


__all__ = ["CouncilTable", "council_tables", "summary", "tables_section", "kinds_section", "actions_section", "method",
           "YEARS", "PERIODS", "OFFENCES", "ASSESSMENT", "ACTIONS"]

"""The yearly report's content: one function per section, each returning ready HTML.

The report notebook (``notebooks/aarsrapport.ipynb``) only calls these in order; every number
comes from ``queries``/``kpis``/``stats``, every chart from ``charts``, every Kredsråd table
through ``suppression.protect``. A section function takes the :class:`ReportContext` and
returns a :class:`Section` (Jupyter shows it through ``_repr_html_``), or ``None`` when the
section does not belong in the chosen edition, so the notebook needs no branches.

Two editions:

* ``team``: the SSP consultant team's own report — the five evaluation questions and the
  recommended changes first, then the analysis, the networks' learnings and meeting notes,
  and an appendix on the data. May show small counts and free text.
* ``kredsraad``: aggregates for the police district council — counts by quarter, situation,
  kind of offence, assessment and police reports, every table protected by disclosure
  control (``report_kredsraad``); no free text, no network or school, no case id. The
  suppression log goes to a separate, team-only file (``publish_kredsraad``, the notebook's
  last cell) and never appears in the HTML.

Each section opens its own short-lived reader (``ReportContext.reader``; no long-held handles).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from evaluation import __version__
from evaluation.analysis import charts, queries, stats
from evaluation.store import db
from evaluation.plan import keypersons, notes
from evaluation.report import manifest
from evaluation.errors import EvaluationError, NoDataError
from evaluation.analysis.filters import Filters, where
from evaluation.settings import database_path, settings

EDITIONS: dict[str, str] = {"team": "SSP- og Ungdomskonsulentteamets udgave",
                            "kredsraad": "Udgave til Kredsrådet for Nordjyllands Politi"}
TITLE = "Årsevaluering {year}: Handleplan for digitale krænkelser"
LEARNINGS_LIMIT = 300  # newest learnings printed; the rest are on the Udforsk page


@dataclass
class ReportContext:
    """What every section needs: the database, the year, the edition and its settings.

    ``charts_shown`` counts embedded charts: plotly.js goes into the page with the first one
    only, and chart ids are numbered, so the same inputs give the same HTML.
    """

    db_path: Path
    year: int
    edition: str
    threshold: int
    today: date
    charts_shown: int = 0
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def filters(self) -> Filters:
        return Filters(year=self.year)

    @property
    def team(self) -> bool:
        return self.edition == "team"

    def parameters(self) -> dict[str, Any]:
        """The parameters as printed in the manifest (the database by file name only)."""
        return {"år": self.year, "udgave": self.edition, "database": self.db_path.name,
                "mindste viste antal": self.threshold + 1, "dato": self.today}

    @contextmanager
    def reader(self) -> Iterator[Any]:
        """A short-lived ``db.reader`` without DuckDB's progress bar: in a Jupyter kernel it would
        become a widget in the report (and pull the widget manager from a CDN into the HTML)."""
        with db.reader(self.db_path) as con:
            con.execute("SET enable_progress_bar = false")
            yield con

    def chart(self, fig: go.Figure) -> str:
        """A chart as offline HTML: plotly.js embedded with the first chart, ids numbered."""
        self.charts_shown += 1
        return charts.to_offline_html(fig, include_plotlyjs=self.charts_shown == 1,
                                      div_id=f"graf-{self.charts_shown}")


class Section:
    """HTML that Jupyter displays as is (``_repr_html_``)."""

    def __init__(self, body: str) -> None:
        self.html = f'<div class="rapport">{body}</div>'

    def _repr_html_(self) -> str:
        return self.html


def open_report(db_path: str | Path, year: int, *, edition: str = "team", threshold: int | None = None,
                today: date | str | None = None) -> ReportContext:
    """Check the parameters and that the year has data; a Danish error otherwise."""
    if edition not in EDITIONS:
        raise EvaluationError(f"Ukendt udgave '{edition}'. Vælg 'team' eller 'kredsraad'.")
    limit = settings.suppression_threshold if threshold in (None, "") else int(threshold)
    if limit < 2:  # at 1, "<2" would say the hidden count is 1
        raise EvaluationError("Grænsen for små tal skal være mindst 2.")
    day = date.fromisoformat(today) if isinstance(today, str) and today else today or date.today()
    ctx = ReportContext(database_path(db_path or None), int(year), edition, limit, day)
    with ctx.reader() as con:
        if not queries.year_has_data(con, ctx.year):
            raise NoDataError(no_data_message(con, ctx.year))
    return ctx


def no_data_message(con: Any, year: int) -> str:
    """Danish: the year has no cases, and which years do."""
    years = queries.filter_options(con).years
    known = (f" Databasen har sager fra {', '.join(str(y) for y in sorted(years))}." if years
             else " Databasen har ingen sager endnu; indlæs udtræk med 'ssp-eval ingest'.")
    return f"Der er ingen sager indberettet i {year}, så der laves ingen årsrapport for {year}.{known}"


# --- HTML helpers -------------------------------------------------------------------------

def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _int(value: Any) -> str:
    """Danish thousands separator: 1.234."""
    return f"{int(value):,}".replace(",", ".")


def _pct(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value) * 100:.0f} %"


def _range(low: Any, high: Any, percent: bool) -> str:
    if low is None or pd.isna(low) or pd.isna(high):
        return "–"
    if percent:
        return f"{float(low) * 100:.0f}–{float(high) * 100:.0f} %"
    return f"{float(low):.0f}–{float(high):.0f}".replace(".", ",")


def _day(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d.%m.%Y}"


def _cls(cls: str | None) -> str:
    return f' class="{cls}"' if cls else ""


def _h2(text: str, *, new_page: bool = False) -> str:
    return f"<h2{_cls('ny-side' if new_page else None)}>{_e(text)}</h2>"


def _p(text: str, cls: str | None = None) -> str:
    return f"<p{_cls(cls)}>{_e(text)}</p>"


def _answer(text: str) -> str:
    """The short answer to one of the five questions, set off from the tables under it."""
    return f'<div class="svar">{_p(text)}</div>'


def _list(items: Iterable[str], cls: str | None = None) -> str:
    body = "".join(f"<li>{_e(i)}</li>" for i in items)
    return f"<ul{_cls(cls)}>{body}</ul>" if body else ""


def _table(rows: Sequence[Sequence[Any]], headings: Sequence[str], *, table_id: str,
           numeric: Iterable[int] = (), index_heading: bool = False) -> str:
    """An HTML table of already formatted cells; ``numeric`` columns are right-aligned."""
    right = set(numeric)
    head = "".join(f"<th{_cls('tal' if i in right else None)}>{_e(h)}</th>" for i, h in enumerate(headings))
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            tag = "th" if index_heading and i == 0 else "td"
            cells.append(f"<{tag}{_cls('tal' if i in right else None)}>{_e(v)}</{tag}>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _none_text(frame: pd.DataFrame, text: str) -> str:
    return _p(text, "note") if frame.empty else ""


# --- front page ---------------------------------------------------------------------------

def front_page(ctx: ReportContext) -> Section:
    """Title, edition, date and what the report covers."""
    with ctx.reader() as con:
        meta = dict(con.execute("SELECT key, value FROM plan_meta").fetchall())
    municipality = meta.get("municipality") or meta.get("kommune") or ""
    lines = [f'<div class="forside"><h1>{_e(TITLE.format(year=ctx.year))}</h1>',
             f'<p class="udgave">{_e(EDITIONS[ctx.edition])}</p>']
    if municipality:
        lines.append(_p(str(municipality)))
    lines.append(_p(f"Udarbejdet {_day(ctx.today)} af SSP- og Ungdomskonsulentteamet med ssp-evaluering "
                    f"{__version__}. Tallene bygger på de lokale SSP-netværks anonyme sagsudtræk for "
                    f"indberetningsåret {ctx.year} og årene før."))
    if ctx.team:
        lines.append(_p("Denne udgave er til teamets eget brug: den indeholder små tal, netværkenes navne "
                        "og deres skrevne erfaringer og må ikke videregives.", "note"))
    else:
        lines.append(_p(f"Alle tal er samlede tal. Antal fra 1 til {ctx.threshold} vises som "
                        f"\"<{ctx.threshold + 1}\", og andre celler er skjult (\"–\"), så et skjult tal ikke "
                        "kan regnes ud fra de viste tal og summer.", "note"))
    lines.append("</div>")
    return Section("".join(lines))


# --- team: the five questions and the recommended changes --------------------------------

@dataclass(frozen=True)
class Summary:
    """The facts behind the summary page, reused by the recommendations."""

    policies: pd.DataFrame
    roles: pd.DataFrame
    addresses: pd.DataFrame
    candidates: pd.DataFrame
    accepted: pd.DataFrame
    kpis: pd.DataFrame
    adherence: pd.DataFrame
    exercises: pd.DataFrame
    silent_networks: pd.DataFrame
    learnings: int


_ACCEPTED_SQL = """
WITH latest AS (   -- one decision row per spelling; the latest wins
    SELECT * FROM actor_decisions
    QUALIFY row_number() OVER (PARTITION BY normalised_name ORDER BY decided_at DESC, rowid DESC) = 1
)
SELECT l.actor_id, coalesce(any_value(a.name), l.actor_id) AS name,
       bool_or(l.decision = 'new_actor') AS new_actor, min(l.decided_at) AS decided_at
FROM latest l LEFT JOIN actors a USING (actor_id)
WHERE l.decision IN ('new_actor', 'alias') AND l.decided_at >= ? AND l.decided_at < ?
GROUP BY l.actor_id
ORDER BY name
"""


def _summary_facts(ctx: ReportContext) -> Summary:
    """Everything the five questions need, read once per report."""
    if "summary" in ctx.cache:
        return ctx.cache["summary"]
    from evaluation.plan import actors, links

    with ctx.reader() as con:
        roles = keypersons.role_status(con, today=ctx.today)
        status = links.latest_status(con)
        facts = Summary(
            policies=notes.policy_status(con, ctx.year),
            roles=roles[roles["due"]].reset_index(drop=True),
            addresses=status[status["flagged"] | status["status"].isin(["moved", "broken"])].reset_index(drop=True),
            candidates=actors.candidates(con, year=ctx.year),
            accepted=con.execute(_ACCEPTED_SQL, [date(ctx.year, 1, 1), ctx.today + timedelta(days=1)]).df(),
            kpis=queries.kpis(con, ctx.filters, today=ctx.today),
            adherence=queries.actioncard_adherence(con, ctx.filters),
            exercises=keypersons.exercises(con, ctx.year),
            silent_networks=queries.networks_without_export(con, ctx.year),
            learnings=_learnings_count(con, ctx.filters),
        )
    ctx.cache["summary"] = facts
    return facts


def _learnings_count(con: Any, filters: Filters) -> int:
    """Cases in the filter with a written learning (the same condition as ``queries.learnings``)."""
    clause, params = where(filters)
    sql = f"SELECT count(*) FROM cases WHERE {clause} AND length(trim(coalesce(erfaringer, ''))) > 0"
    return int(con.execute(sql, params).fetchall()[0][0])


def summary(ctx: ReportContext) -> Section | None:
    """Team: the answers to the plan's five evaluation questions and the recommended changes."""
    if not ctx.team:
        return None
    f = _summary_facts(ctx)
    parts = [_h2("Resumé: svar på de fem evalueringsspørgsmål", new_page=False)]
    # 1. policies
    to_adjust = f.policies[f.policies["judgement"] == "skal_tilpasses"]
    revised = f.policies[f.policies["revised_after_evaluation"]]
    unjudged = f.policies[f.policies["judgement"] == "ikke_vurderet"]
    parts.append("<h3>1. Er planen i overensstemmelse med kommunens øvrige planer og politikker?</h3>")
    parts.append(_answer(f"{len(f.policies)} politikker og planer hører til handleplanen. "
                 f"{len(to_adjust)} er vurderet til at kræve tilpasning, {len(revised)} er revideret efter "
                 f"planens seneste evaluering, og {len(unjudged)} er ikke vurderet for {ctx.year}."))
    parts.append(_table([[r.name, _e_or(r.owner), _day(r.last_revised), r.judgement_label,
                          "Ja" if r.revised_after_evaluation else "Nej", _e_or(r.note)]
                         for r in f.policies.itertuples()],
                        ["Politik eller plan", "Ejer", "Senest revideret", f"Vurdering {ctx.year}",
                         "Revideret efter seneste evaluering", "Note"], table_id="tabel-politikker"))
    # 2. key persons
    missing = f.roles[f.roles["missing"]]
    parts.append("<h3>2. Er de rigtige nøglepersoner angivet?</h3>")
    parts.append(_answer(f"{len(missing)} roller mangler en registreret nøgleperson, og "
                 f"{len(f.roles) - len(missing)} skal bekræftes igen (ikke bekræftet i "
                 f"{settings.verification_months} måneder)."))
    if not f.roles.empty:
        parts.append(_table([[r.netvaerk, r.role, _day(r.verified_on),
                              "Mangler" if r.missing else "Skal bekræftes igen"] for r in f.roles.itertuples()],
                            ["SSP-netværk", "Rolle", "Sidst bekræftet", "Status"], table_id="tabel-noeglepersoner"))
    # 3. web addresses
    parts.append("<h3>3. Er de rigtige webadresser og telefonnumre angivet?</h3>")
    moved = f.addresses[f.addresses["status"] == "moved"]
    parts.append(_answer(f"{len(f.addresses)} af planens webadresser skal rettes: "
                 f"{len(moved)} er flyttet til en ny adresse, {len(f.addresses) - len(moved)} virker ikke. "
                 "Telefonnumre kan ikke kontrolleres automatisk og gennemgås ved evalueringsmødet."))
    if not f.addresses.empty:
        parts.append(_table([[r.url, r.label, _e_or(r.proposed_url), _day(r.checked_at)]
                             for r in f.addresses.itertuples()],
                            ["Adresse i planen", "Status", "Ny adresse", "Kontrolleret"], table_id="tabel-adresser"))
    # 4. actors
    parts.append("<h3>4. Er der kommet nye relevante aktører til?</h3>")
    parts.append(_answer(f"{len(f.accepted)} aktører er optaget i planens register fra {ctx.year} til nu, og "
                 f"{len(f.candidates)} navne fra sagerne er endnu ikke afgjort."))
    if not f.accepted.empty:
        parts.append(_table([[r.name, "Ny aktør" if r.new_actor else "Ny stavemåde af kendt aktør", _day(r.decided_at)]
                             for r in f.accepted.itertuples()],
                            ["Aktør", "Afgørelse", "Dato"], table_id="tabel-nye-aktoerer"))
    if not f.candidates.empty:
        parts.append(_table([[r.candidate, _int(r.cases), _int(r.networks)] for r in f.candidates.itertuples()],
                            ["Foreslået aktør", "Sager", "Netværk"], table_id="tabel-foreslaaede-aktoerer",
                            numeric=(1, 2)))
    # 5. experience
    parts.append("<h3>5. Hvilke erfaringer fra året skal bygges ind i planen?</h3>")
    parts.append(f'<div class="svar">{_list(_experience(ctx, f))}</div>')
    parts.append("<h3>Anbefalede ændringer af planen</h3>")
    recs = recommendations(ctx, f)
    parts.append(_list(recs, "anbefaling") if recs else _p("Ingen ændringer foreslået ud fra data.", "note"))
    return Section("".join(parts))


def _e_or(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA else str(value)


def _and(items: Sequence[str]) -> str:
    """'a, b og c': a Danish enumeration."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]


def _weakest_phase(adherence: pd.DataFrame) -> pd.Series | None:
    total = adherence[adherence["is_total"] & (adherence["n"] > 0)]
    return None if total.empty else total.sort_values(["share", "phase_no"]).iloc[0]


def _experience(ctx: ReportContext, f: Summary) -> list[str]:
    """Plain sentences: the key figures that changed, the weakest phase, the learnings."""
    cases = f.kpis[f.kpis["key"] == "cases"].iloc[0]
    out = [f"{_int(cases['numerator'])} sager i {ctx.year} ({cases['period']}) mod "
           f"{_int(cases['previous_numerator'])} samme periode året før: {cases['verdict'].lower()}."]
    changed = f.kpis[(f.kpis["kind"] == "share") & f.kpis["verdict"].isin([stats.VERDICT_UP, stats.VERDICT_DOWN])]
    for r in changed.itertuples():
        out.append(f"{r.label}: {_pct(r.value)} mod {_pct(r.previous_value)} året før ({r.verdict.lower()}).")
    if changed.empty:
        out.append("Ingen af andelene har ændret sig ud over tilfældig variation.")
    weakest = _weakest_phase(f.adherence)
    if weakest is not None:
        out.append(f"Handlekortets fase '{weakest['phase_label']}' blev fulgt mindst: i {_pct(weakest['share'])} "
                   f"af {_int(weakest['n'])} sager.")
    out.append(f"Netværkene har skrevet erfaringer i {_int(f.learnings)} sager; de står i afsnittet om "
               "netværkenes erfaringer.")
    return out


def recommendations(ctx: ReportContext, f: Summary) -> list[str]:
    """Concrete changes to the plan that the data points at, in the order of the questions."""
    recs = [f"Tilpas handleplanen til '{r.name}'." + (f" ({r.note})" if isinstance(r.note, str) and r.note else "")
            for r in f.policies[f.policies["judgement"] == "skal_tilpasses"].itertuples()]
    recs += [f"Gennemgå planen mod '{r.name}', som er revideret {_day(r.last_revised)}."
             for r in f.policies[f.policies["revised_after_evaluation"]
                                 & (f.policies["judgement"] != "skal_tilpasses")].itertuples()]
    for network, part in f.roles.groupby("netvaerk", sort=True):
        missing, due = part.loc[part["missing"], "role"].tolist(), part.loc[~part["missing"], "role"].tolist()
        if missing:
            recs.append(f"{network}: udpeg en nøgleperson som {_and(missing)}.")
        if due:
            recs.append(f"{network}: bekræft nøglepersonerne som {_and(due)}.")
    for r in f.addresses.itertuples():
        new = _e_or(r.proposed_url)
        recs.append(f"Ret webadressen {r.url} til {new}." if new else f"Find en ny adresse for {r.url} eller fjern den.")
    recs += [f"Skriv {r.name} ind i planens tekst (optaget i registret {_day(r.decided_at)})."
             for r in f.accepted[f.accepted["new_actor"].astype(bool)].itertuples()]
    recs += [f"Tag stilling til, om {r.candidate} skal med i planen (nævnt i {_int(r.cases)} sager)."
             for r in f.candidates.itertuples()]
    weakest = _weakest_phase(f.adherence)
    if weakest is not None and weakest["share"] < 0.8:
        recs.append(f"Brug årets øvelse i handlekortet til fasen '{weakest['phase_label']}', som kun blev fulgt i "
                    f"{_pct(weakest['share'])} af sagerne.")
    held = set(f.exercises.loc[f.exercises["held"].astype(bool), "netvaerk"]) if not f.exercises.empty else set()
    with ctx.reader() as con:
        networks = [n for n in keypersons.networks(con) if n not in held]
    if networks:
        recs.append(f"Hold den årlige øvelse i handlekortet i: {', '.join(networks)}.")
    recs += [f"Spørg {r.netvaerk}, hvorfor der ikke er indberettet sager i {ctx.year} (seneste {r.last_month})."
             for r in f.silent_networks.itertuples()]
    return recs


# --- team: analysis -----------------------------------------------------------------------

def volumes(ctx: ReportContext) -> Section:
    """Cases over time against earlier years, with intervals suited to small counts."""
    if not ctx.team:
        from evaluation.report.kredsraad import kredsraad_volumes

        return kredsraad_volumes(ctx)
    with ctx.reader() as con:
        k = queries.kpis(con, ctx.filters, today=ctx.today)
        trend = queries.trend(con, Filters(), by="quarter")
    period = k["period"].iloc[0]
    rows = []
    for r in k.itertuples():
        if r.kind == "count":
            now, before = _int(r.numerator), _int(r.previous_numerator)
        else:
            now = f"{_pct(r.value)} ({_int(r.numerator)} af {_int(r.denominator)})"
            before = f"{_pct(r.previous_value)} ({_int(r.previous_numerator)} af {_int(r.previous_denominator)})"
        rows.append([r.label, now, _range(r.low, r.high, r.kind == "share"), before, r.verdict])
    by_year = trend.groupby("year", as_index=False)[["cases", "cases_a", "cases_b"]].sum()
    year_rows = [[str(r.year), _int(r.cases), _range(*stats.poisson_interval(int(r.cases)), False),
                  _int(r.cases_a), _int(r.cases_b)] for r in by_year.itertuples()]
    body = [_h2("Omfang og udvikling", new_page=True),
            _p(f"Nøgletal for {ctx.year} ({period}) sammenlignet med samme måneder året før. Intervallerne er "
               "95 %-intervaller, der passer til små tal (eksakt Poisson-interval for antal, Wilson-interval for "
               "andele); 'Ingen sikker ændring' betyder, at forskellen kan skyldes tilfældigheder."),
            _table(rows, ["Nøgletal", f"{ctx.year}", "95 %-interval", f"{ctx.year - 1}", "Vurdering af ændringen"],
                   table_id="tabel-noegletal", numeric=(1, 2, 3)),
            ctx.chart(charts.kpi_chart(k)),
            "<h3>Sager pr. år</h3>",
            _table(year_rows, ["År", "Sager", "95 %-interval", "Situation A", "Situation B"],
                   table_id="tabel-sager-pr-aar", numeric=(1, 2, 3, 4)),
            ctx.chart(charts.trend_chart(trend, "Sager pr. kvartal, situation A og B"))]
    return Section("".join(body))


def situations(ctx: ReportContext) -> Section | None:
    """Team: situation A against B this year, with the share's interval."""
    if not ctx.team:
        return None
    with ctx.reader() as con:
        split = queries.situation_split(con, ctx.filters)
    rows = [[r.situation_label, _int(r.cases), _pct(r.share), _range(r.low, r.high, True)] for r in split.itertuples()]
    return Section("".join([
        _h2("Situation A og B"),
        _p("Situation A er deling i uskyldig sammenhæng; situation B er trusler, afpresning, seksuel krænkelse "
           "eller hævn. Handlekortet kræver mere af B-sager (anmeldelse, underretning)."),
        _table(rows, ["Situation", "Sager", "Andel", "95 %-interval"], table_id="tabel-situation", numeric=(1, 2, 3)),
        ctx.chart(charts.situation_chart(split))]))


def offences_and_outcomes(ctx: ReportContext) -> Section:
    """Kinds of offence, platforms and how the cases ended."""
    if not ctx.team:
        from evaluation.report.kredsraad import kredsraad_outcomes

        return kredsraad_outcomes(ctx)
    with ctx.reader() as con:
        kinds = queries.offence_types(con, ctx.filters)
        platforms = queries.platforms(con, ctx.filters)
        outcomes = queries.outcomes(con, ctx.filters)
    rows = [[r.field_label, r.value_label, _int(r.cases), _pct(r.share)] for r in outcomes.itertuples()]
    return Section("".join([
        _h2("Krænkelser og udfald", new_page=True),
        _p("En sag kan have flere krænkelsestyper, platforme og vurderinger; den tælles under hver."),
        ctx.chart(charts.offence_types_chart(kinds)),
        ctx.chart(charts.platforms_chart(platforms)),
        ctx.chart(charts.outcomes_chart(outcomes)),
        "<h3>Udfald i tal</h3>",
        _table(rows, ["Felt", "Værdi", "Sager", "Andel af sagerne"], table_id="tabel-udfald", numeric=(2, 3))]))


def actioncard(ctx: ReportContext) -> Section | None:
    """Team: how each phase of the actioncard was followed, per network, and where it was not."""
    if not ctx.team:
        return None
    with ctx.reader() as con:
        adherence = queries.actioncard_adherence(con, ctx.filters)
    rows = []
    for phase, part in adherence.groupby("phase_no", sort=True):
        total = part[part["is_total"]].iloc[0]
        nets = part[~part["is_total"] & (part["n"] >= stats.MIN_GROUP_N)].sort_values(["share", "netvaerk_label"])
        low = nets.iloc[0] if not nets.empty else None
        rows.append([total["phase_label"], _int(total["n"]), _int(total["n"] - total["followed"]), _pct(total["share"]),
                     _range(*stats.wilson_interval(int(total["followed"]), int(total["n"])), True),
                     f"{low['netvaerk_label']} ({_pct(low['share'])} af {_int(low['n'])})" if low is not None else "–"])
    definitions = [f"{p.label}: {p.definition}" for p in queries.PHASES]
    return Section("".join([
        _h2("Handlekortet i praksis", new_page=True),
        _p("Hvor ofte hver fase i handlekortet blev fulgt, for alle netværk og pr. netværk. 'Ikke fulgt' omfatter "
           "sager, hvor trinnet ikke er registreret."),
        _table(rows, ["Fase", "Sager", "Ikke fulgt", "Fulgt", "95 %-interval", "Lavest (netværk med mindst 5 sager)"],
               table_id="tabel-handlekort", numeric=(1, 2, 3, 4)),
        ctx.chart(charts.adherence_heatmap(adherence)),
        "<h3>Sådan måles faserne</h3>", _list(definitions, "note")]))


def networks(ctx: ReportContext) -> Section | None:
    """Team: each network's cases, data completeness and yearly exercise."""
    if not ctx.team:
        return None
    with ctx.reader() as con:
        complete = queries.completeness(con, ctx.filters)
        silent = queries.networks_without_export(con, ctx.year)
        exercises = keypersons.exercises(con, ctx.year)
    rows = [[r.netvaerk, _int(r.cases), _pct(r.share), r.weakest] for r in complete.itertuples()]
    parts = [_h2("Netværkene og datakvaliteten", new_page=True),
             _p("Andel udfyldt er andelen af de frivillige felter, der er udfyldt, hvor de er relevante. Lavest først: "
                "her kan vejledning i udtrækket hjælpe."),
             _table(rows, ["SSP-netværk", "Sager", "Andel udfyldt", "Mindst udfyldte felter"],
                    table_id="tabel-netvaerk", numeric=(1, 2)),
             ctx.chart(charts.completeness_chart(complete))]
    parts.append("<h3>Netværk uden sager i året</h3>")
    parts.append(_table([[r.netvaerk, r.last_month, _int(r.cases_before)] for r in silent.itertuples()],
                        ["SSP-netværk", "Seneste indberetning", "Sager før"], table_id="tabel-uden-sager",
                        numeric=(2,)) if not silent.empty else _p("Alle netværk har indberettet sager i året.", "note"))
    parts.append(f"<h3>Årets øvelse i handlekortet ({ctx.year})</h3>")
    parts.append(_table([[r.netvaerk, "Ja" if r.held else "Nej", _day(r.held_on), _e_or(r.contact_teachers),
                          _e_or(r.new_contact_teachers)] for r in exercises.itertuples()],
                        ["SSP-netværk", "Holdt", "Dato", "Kontaktlærere", "Heraf nye"], table_id="tabel-oevelser",
                        numeric=(3, 4)) if not exercises.empty else _p("Ingen øvelser registreret for året.", "note"))
    return Section("".join(parts))


def learnings(ctx: ReportContext) -> Section | None:
    """Team: the networks' written learnings and the evaluation meetings' notes."""
    if not ctx.team:
        return None
    with ctx.reader() as con:
        found = queries.learnings(con, ctx.filters, limit=LEARNINGS_LIMIT)
        meeting = notes.meeting_notes(con, year=ctx.year)
    parts = [_h2("Netværkenes erfaringer og mødenoter", new_page=True), "<h3>Erfaringer skrevet i sagerne</h3>",
             _p(f"De nyeste {LEARNINGS_LIMIT} vises; alle kan søges på siden Udforsk.", "note")
             if len(found) >= LEARNINGS_LIMIT else "",
             _table([[r.netvaerk, r.month, r.situation, r.erfaringer] for r in found.itertuples()],
                    ["SSP-netværk", "Måned", "Situation", "Erfaring"], table_id="tabel-erfaringer")
             if not found.empty else _p("Ingen erfaringer skrevet i årets sager.", "note"),
             "<h3>Noter fra evalueringsmøderne</h3>"]
    if meeting.empty:
        parts.append(_p(f"Ingen mødenoter gemt for {ctx.year}.", "note"))
    for r in meeting.itertuples():
        parts.append(f"<h4>{_e(r.netvaerk)} – {_e(_day(r.meeting_date))}</h4>")
        parts.append("".join(_p(line) for line in str(r.note).splitlines() if line.strip()))
    return Section("".join(parts))


def data_appendix(ctx: ReportContext) -> Section | None:
    """Team: which files were loaded or refused, and how many rows."""
    if not ctx.team:
        return None
    with ctx.reader() as con:
        files = queries.imports(con)
        versions, current = con.execute(
            "SELECT count(*), count_if(replaced_by_import IS NULL) FROM case_versions").fetchall()[0]
    loaded, refused = files[files["status"] == "indlaest"], files[files["status"] == "afvist"]
    parts = [_h2("Bilag: data", new_page=True),
             _p(f"Databasen har {_int(current)} aktuelle sager og {_int(versions - current)} ældre versioner, der er "
                f"erstattet af rettede udtræk. {_int(len(loaded))} filer er indlæst og {_int(len(refused))} afvist."),
             "<h3>Indlæste filer</h3>",
             _table([[r.file_name, _day(r.occurred_at), _int(r.rows_in_file), _int(r.rows_new), _int(r.rows_replaced),
                      _int(r.rows_unchanged), _int(r.warnings)] for r in loaded.itertuples()],
                    ["Fil", "Indlæst", "Rækker", "Nye", "Erstattede", "Uændrede", "Advarsler"],
                    table_id="tabel-indlaeste", numeric=(2, 3, 4, 5, 6)),
             "<h3>Afviste filer</h3>",
             _table([[r.file_name, _day(r.occurred_at), _int(r.errors), _e_or(r.first_error)]
                     for r in refused.itertuples()], ["Fil", "Afvist", "Fejl", "Første fejl"],
                    table_id="tabel-afviste", numeric=(2,)) if not refused.empty
             else _p("Ingen filer er afvist.", "note")]
    return Section("".join(parts))


def method(ctx: ReportContext) -> Section:
    """How the numbers were made: definitions, tests and (Kredsråd) disclosure control."""
    if ctx.team:
        items = [f"{k.label}: {k.definition}" for k in queries.KPIS]
        text = ("Ændringer i antal testes som to Poisson-rater (eksakt betinget binomialtest); ændringer i andele "
                "med Boschloos eksakte test (Fishers ved flere end 100 sager). En andel vurderes kun, når begge år har "
                f"mindst {stats.MIN_GROUP_N} sager. Der er ikke korrigeret for, at flere nøgletal testes: "
                "vurderingerne er en læsehjælp, ikke en beslutningsregel.")
        return Section(_h2("Metode") + _p(text) + _list(items, "note"))
    text = (f"Diskretionskontrol: hvert antal fra 1 til {ctx.threshold} vises som \"<{ctx.threshold + 1}\" "
            "(primær undertrykkelse). Derudover skjules så mange andre celler (\"–\", sekundær undertrykkelse), at "
            "intet skjult tal kan regnes ud fra række- og kolonnesummerne, heller ikke når rapportens tabeller "
            "læses sammen (et tal, der står i to tabeller, er skjult i begge). Tabeller, der overlapper sidste års "
            "udgave, skjuler de samme celler som sidste år, så de to udgaver heller ikke sammen afslører et tal. "
            "En sag kan have flere krænkelsestyper og vurderinger og tælles under hver.")
    return Section(_h2("Om tallene") + _p(text))


def manifest_section(ctx: ReportContext) -> Section:
    """What the report was made from: software, parameters, imports and the data checksum."""
    with ctx.reader() as con:
        m = manifest.build_manifest(con, year=ctx.year, parameters=ctx.parameters())
    ctx.cache["manifest"] = m
    items = [("Kontrolsum for alle aktuelle sager (MD5)", m.checksum_all),
             (f"Kontrolsum for sagerne fra {ctx.year} (MD5)", m.checksum_year),
             ("Parametre", ", ".join(f"{k}: {v}" for k, v in m.parameters.items())),
             ("Programmer", ", ".join(f"{k} {v}" for k, v in m.software.items()))]
    facts = "".join(f'<p class="fakta"><strong>{_e(k)}</strong><br><code>{_e(v)}</code></p>' for k, v in items)
    if ctx.team:
        rows = [[r.import_id, r.file_name, r.sha256[:16], _day(r.imported_at), _int(r.rows_in_file)]
                for r in m.imports.itertuples()]
        imports = _table(rows, ["Import", "Fil", "SHA-256 (start)", "Indlæst", "Rækker"], table_id="tabel-manifest",
                         numeric=(0, 4))
    else:  # file names carry network names, and small row counts would be small numbers
        rows = [[r.sha256[:16], _day(r.imported_at)] for r in m.imports.itertuples()]
        imports = _table(rows, ["Indlæst fil (SHA-256, start)", "Indlæst"], table_id="tabel-manifest")
    return Section("".join([
        _h2("Rapportens grundlag", new_page=True),
        _p("Samme database (samme kontrolsum) og samme parametre giver de samme tal. Kontrolsummen ændres, hvis et "
           "rettet udtræk indlæses."),
        facts, "<h3>Indlæste udtræk</h3>", imports]))


def publish_kredsraad(ctx: ReportContext, log_path: str = "", *, record: bool = False) -> None:
    """Kredsråd: write the team-only suppression log and record the hidden cells for next year.

    ``render.py`` passes the log's path and ``record=True``; with the notebook's defaults
    (no path) nothing is written, so running the notebook by hand publishes nothing. Returns
    None, so the notebook shows nothing: the log never enters the Kredsråd's HTML.
    """
    if ctx.team or not log_path:
        return None
    from evaluation.report.kredsraad import publish

    publish(ctx, log_path, record=record)
    return None


__all__ = ["EDITIONS", "ReportContext", "Section", "open_report", "no_data_message", "front_page", "summary",
           "recommendations", "volumes", "situations", "offences_and_outcomes", "actioncard", "networks",
           "learnings", "data_appendix", "method", "manifest_section", "publish_kredsraad"]

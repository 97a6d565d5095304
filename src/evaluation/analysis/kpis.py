"""Key figures this year against last year, and how the actioncard was followed per network.

Each indicator is defined once here, as a SQL condition on one row of ``cases`` (numerator
among denominator), so the KPI cards, the heat map, the Udforsk page and the report count
the same thing. The indicator SQL is fixed text in this module; filter values arrive as
parameters (see ``filters.where``).

Each question also has a cube (see ``cube.py``): the same ``count_if`` columns grouped by
year and filter cell, cached per data version and year, so a filter change is a pandas
selection and sum. The direct SQL below stays as the fallback for
connections that can't be cached, and as the reference the tests compare the cubes with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

import duckdb
import pandas as pd

from evaluation.analysis import cube, stats
from evaluation.analysis.filters import Filters, where

# A victim under 18: the value-leap rule (involve parents as fast as possible) applies.
MINOR_SQL = "aldersgruppe IN ('under_12', '12_14', '15_17')"
# Underretning: the recorded fact wins; when it was not recorded, the assessment stands in
# (a case assessed as needing an underretning must send one). An explicit "nej" counts as no.
UNDERRETNING_SQL = "coalesce(underretning_sendt, list_contains(vurdering, 'underretning'))"
# Material that exists and whose fate is known: ja/delvist/nej (not ikke_relevant, ukendt, empty).
DELETION_KNOWN_SQL = "materiale_slettet IN ('ja', 'delvist', 'nej')"
SLETDET_SQL = "coalesce(sletdet_kontaktet, FALSE)"
HAS_MATERIAL_SQL = "coalesce(materiale_slettet, '') <> 'ikke_relevant'"

DANISH_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
                 "september", "oktober", "november", "december")


@dataclass(frozen=True)
class Indicator:
    """A count (``numerator`` unused) or a share: rows where ``numerator`` among ``denominator``."""

    key: str
    label: str
    kind: Literal["count", "share"]
    denominator: str
    numerator: str
    definition: str  # Danish, for tooltips and the report's method section


KPIS: tuple[Indicator, ...] = (
    Indicator("cases", "Sager", "count", "TRUE", "TRUE",
              "Antal sager indberettet i perioden."),
    Indicator("share_B", "Andel situation B", "share", "TRUE", "situation = 'B'",
              "Sager i situation B (trusler, afpresning, seksuel krænkelse eller hævn) ud af alle sager."),
    Indicator("police_reports", "Politianmeldt", "share", "TRUE", "politianmeldt",
              "Sager, der er politianmeldt, ud af alle sager."),
    Indicator("underretninger", "Underretning", "share", "TRUE", UNDERRETNING_SQL,
              "Sager med underretning sendt; hvor det ikke er registreret, tæller vurderingen "
              "'Underretning'. Ud af alle sager."),
    Indicator("parents_1_day", "Forældre inddraget inden for 1 dag", "share",
              f"{MINOR_SQL} AND foraeldre_inddraget <> 'ikke_relevant'",
              "foraeldre_inddraget = 'ja' AND foraeldre_inddraget_dage <= 1",
              "Sager med en krænket under 18 år, hvor forældrene blev inddraget samme dag eller "
              "dagen efter. 'Ja' uden antal dage tæller ikke med i tælleren."),
    Indicator("documentation", "Dokumentation sikret", "share", "TRUE",
              "dokumentation_sikret = 'ja'",
              "Sager, hvor dokumentationen blev sikret helt, ud af alle sager."),
    Indicator("deleted_known", "Materiale slettet – kendt krænker", "share",
              f"kraenker = 'kendt' AND {DELETION_KNOWN_SQL}", "materiale_slettet = 'ja'",
              "Sager med kendt krænker, hvor materialet blev slettet, ud af dem, hvor det vides "
              "(uden 'ikke relevant', 'ukendt' og tomme)."),
    Indicator("deleted_unknown", "Materiale slettet – ukendt krænker", "share",
              f"kraenker = 'ukendt' AND {DELETION_KNOWN_SQL}", "materiale_slettet = 'ja'",
              "Som ovenfor for sager med ukendt krænker."),
    Indicator("sletdet_unknown", "Red Barnet SletDet brugt – ukendt krænker", "share",
              f"kraenker IN ('ukendt', 'begge') AND {HAS_MATERIAL_SQL}", SLETDET_SQL,
              "Sager med (også) ukendt krænker og materiale, hvor SletDet blev kontaktet. "
              "Ikke registreret tæller som ikke kontaktet."),
)
KPI_BY_KEY: dict[str, Indicator] = {k.key: k for k in KPIS}

PHASES: tuple[Indicator, ...] = (
    Indicator("vurder", "Vurder", "share", "TRUE",
              f"len(vurdering) >= 1 AND (NOT ({MINOR_SQL}) OR foraeldre_inddraget = 'ja')",
              "Vurdering registreret og, når den krænkede er under 18, forældre inddraget."),
    Indicator("dokumenter", "Dokumenter", "share", "TRUE",
              "dokumentation_sikret IN ('ja', 'delvist')",
              "Dokumentation sikret helt eller delvist."),
    Indicator("stop", "Stop", "share", HAS_MATERIAL_SQL,
              f"CASE kraenker WHEN 'kendt' THEN materiale_slettet = 'ja' "
              f"WHEN 'ukendt' THEN {SLETDET_SQL} "
              f"ELSE materiale_slettet = 'ja' OR {SLETDET_SQL} END",
              "Kendt krænker: materiale slettet. Ukendt: SletDet kontaktet. Begge: et af delene. "
              "Blandt sager, hvor sletning er relevant."),
    Indicator("anmeld", "Anmeld", "share",
              "situation = 'B' OR list_contains(vurdering, 'politisag')", "politianmeldt",
              "Politianmeldt, blandt sager i situation B eller vurderet som politisag."),
    Indicator("behandel", "Behandel", "share", "TRUE",
              "coalesce(ssp_konsulent_inddraget, FALSE) "
              "OR len(list_filter(coalesce(hjaelp, []), lambda h: h <> 'ingen')) > 0",
              "SSP- og Ungdomskonsulent inddraget, eller den krænkede fik hjælp."),
)
ALL_NETWORKS_LABEL = "Alle netværk"


def indicator_columns(indicators: tuple[Indicator, ...]) -> str:
    """``count_if`` columns ``<key>__d`` and ``<key>__n`` for one scan over ``cases``.

    ``count_if(cond)`` rather than ``count(*) FILTER (WHERE cond)``: the same count (a NULL
    condition is not counted), but 2-3× faster in DuckDB 2.0 with many aggregates in one
    scan. ``count_if`` returns NULL when every condition in a group is NULL, hence coalesce.
    """
    cols = []
    for ind in indicators:
        cols.append(f"coalesce(count_if({ind.denominator}), 0) AS {ind.key}__d")
        cols.append(f"coalesce(count_if(({ind.denominator}) AND ({ind.numerator})), 0) AS {ind.key}__n")
    return ",\n       ".join(cols)


_KPI_SQL = f"""
SELECT year(indberetningsmaaned) AS y,
       {indicator_columns(KPIS)}
FROM cases
WHERE {{where}} AND indberetningsmaaned >= ? AND indberetningsmaaned < ?
      AND month(indberetningsmaaned) <= ?
GROUP BY y
"""


# The KPI cube: per year and filter cell, over months 1..$months of each year. The compared
# months don't depend on the filter (see comparison_months), so they key the cube instead of
# being a dimension: a month grain made the cube 12x larger and its first build 2x slower.
_KPI_CUBE_SQL = f"""
SELECT year(indberetningsmaaned) AS cube_year, netvaerk, institutionstype, situation,
       {indicator_columns(KPIS)}
FROM cases
WHERE {{where}} AND month(indberetningsmaaned) <= $months
GROUP BY ALL
"""


def latest_year(con: duckdb.DuckDBPyConnection) -> int | None:
    """The newest reporting year in the database, or None when it holds no cases."""
    years = cube.years_present(con)
    if years is not None:
        return years[-1] if years else None
    row = con.execute("SELECT max(year(indberetningsmaaned)) FROM cases").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def comparison_months(con: duckdb.DuckDBPyConnection, year: int, today: date | None = None) -> int:
    """How many months of the year to compare (1..12), so a year in progress meets a fair base.

    A past year is whole. For the running year, the comparison runs to the latest month any
    network has reported (unfiltered, so a filter can't shift the period): comparing ten
    months with last year's twelve would read as a fall.
    """
    today = today or date.today()
    if year < today.year:
        return 12
    counts = cube.case_counts(con)
    if counts is not None:
        in_year = counts.loc[counts["year"] == year, "month_no"]
        return int(in_year.max()) if len(in_year) else max(1, today.month)
    row = con.execute(
        "SELECT max(month(indberetningsmaaned)) FROM cases "
        "WHERE indberetningsmaaned >= ? AND indberetningsmaaned < ?",
        [date(year, 1, 1), date(year + 1, 1, 1)],
    ).fetchone()
    return int(row[0]) if row and row[0] else max(1, today.month)


def period_label(months: int) -> str:
    """Danish name of the compared period: 'hele året' or 'januar–oktober'."""
    return "hele året" if months >= 12 else f"januar–{DANISH_MONTHS[months - 1]}"


def kpis(con: duckdb.DuckDBPyConnection, filters: Filters, *, today: date | None = None) -> pd.DataFrame:
    """One row per KPI: this year against the same months of last year, with intervals and verdict.

    ``filters.year`` None means the newest year with data. Columns: key, label, kind,
    definition, year, months, period, numerator, denominator, value, low, high, and the same
    with a ``previous_`` prefix, then change, change_low, change_high (rate ratio for
    counts, difference in shares), p_value, method, too_few, direction, verdict.

    The KPIs are shown together, so they are judged together: ``p_value`` is adjusted for
    the false-discovery rate across them (``stats.judge_together``; the unadjusted value is
    ``raw_p_value``) and ``verdict`` follows it, on every page and in the report alike.
    """
    year = filters.year if filters.year is not None else (latest_year(con) or (today or date.today()).year)
    months = comparison_months(con, year, today)
    by_year = _kpi_counts_from_cube(con, filters, year, months)
    if by_year is None:
        by_year = _kpi_counts_from_sql(con, filters, year, months)
    now, before = by_year.get(year, {}), by_year.get(year - 1, {})
    rows, comparisons = zip(*(_kpi_row(ind, year, months, now, before) for ind in KPIS), strict=True)
    for row, cmp in zip(rows, stats.judge_together(list(comparisons)), strict=True):
        row |= {"raw_p_value": row["p_value"], "p_value": cmp.p_value, "verdict": cmp.verdict}
    return pd.DataFrame(list(rows))


def _kpi_counts_from_sql(con: duckdb.DuckDBPyConnection, filters: Filters, year: int,
                         months: int) -> dict[int, dict]:
    """``{year: {"<key>__n": .., "<key>__d": ..}}`` for year and year - 1, months 1..months."""
    clause, params = where(filters, use_year=False)
    result = con.execute(
        _KPI_SQL.format(where=clause), [*params, date(year - 1, 1, 1), date(year + 1, 1, 1), months]
    ).fetchall()
    names = [d[0] for d in con.description]
    return {int(r[0]): dict(zip(names, r, strict=True)) for r in result}


def _kpi_counts_from_cube(con: duckdb.DuckDBPyConnection, filters: Filters, year: int,
                          months: int) -> dict[int, dict] | None:
    """The same counts summed from the KPI cube; None when the connection isn't cached."""
    frame = cube.partitions(con, ("kpis", months), _KPI_CUBE_SQL, {"months": months}, [year - 1, year])
    if frame is None:
        return None
    chosen = cube.select(frame, filters)
    columns = [c for c in chosen.columns if c.endswith(("__n", "__d"))]
    sums = chosen.groupby(cube.YEAR)[columns].sum()
    return {int(y): row for y, row in zip(sums.index, sums.to_dict("records"), strict=True)}


def _kpi_row(ind: Indicator, year: int, months: int, now: dict,
             before: dict) -> tuple[dict, stats.Comparison]:
    """Values, intervals and the small-count-aware comparison for one KPI (judged alone)."""
    n1, d1 = int(now.get(f"{ind.key}__n", 0)), int(now.get(f"{ind.key}__d", 0))
    n0, d0 = int(before.get(f"{ind.key}__n", 0)), int(before.get(f"{ind.key}__d", 0))
    row: dict = {"key": ind.key, "label": ind.label, "kind": ind.kind, "definition": ind.definition,
                 "year": year, "months": months, "period": period_label(months)}
    if ind.kind == "count":
        cmp = stats.compare_counts(n1, n0)
        row |= _side("", n1, None, float(n1), stats.poisson_interval(n1))
        row |= _side("previous_", n0, None, float(n0), stats.poisson_interval(n0))
    else:
        cmp = stats.compare_shares(n1, d1, n0, d0)
        row |= _side("", n1, d1, n1 / d1 if d1 else math.nan, stats.wilson_interval(n1, d1))
        row |= _side("previous_", n0, d0, n0 / d0 if d0 else math.nan, stats.wilson_interval(n0, d0))
    row |= {"change": cmp.estimate, "change_low": cmp.low, "change_high": cmp.high,
            "p_value": cmp.p_value, "method": cmp.method, "too_few": cmp.too_few,
            "direction": cmp.direction, "verdict": cmp.verdict}
    return row, cmp


def _side(prefix: str, numerator: int, denominator: int | None, value: float,
          interval: tuple[float, float]) -> dict:
    return {f"{prefix}numerator": numerator, f"{prefix}denominator": denominator,
            f"{prefix}value": value, f"{prefix}low": interval[0], f"{prefix}high": interval[1]}


_ADHERENCE_SQL = f"""
SELECT netvaerk,
       {indicator_columns(PHASES)}
FROM cases
WHERE {{where}}
GROUP BY netvaerk
ORDER BY netvaerk
"""

# The adherence cube: per year and filter cell.
_ADHERENCE_CUBE_SQL = f"""
SELECT year(indberetningsmaaned) AS cube_year, netvaerk, institutionstype, situation,
       {indicator_columns(PHASES)}
FROM cases
WHERE {{where}}
GROUP BY ALL
"""


def actioncard_adherence(
    con: duckdb.DuckDBPyConnection, filters: Filters, *, include_total: bool = True
) -> pd.DataFrame:
    """How often each actioncard phase was followed, per network (and for all networks).

    One row per network × phase, in card order, with ``n`` (cases the phase applies to),
    ``followed`` and ``share`` (0..1; NaN when n = 0). The indicators:

    ==========  =========================================  ===========================================
    phase       applies to (n)                             counts as followed
    ==========  =========================================  ===========================================
    Vurder      all cases                                  vurdering recorded, and for a victim under
                                                           18 foraeldre_inddraget = ja
    Dokumenter  all cases                                  dokumentation_sikret = ja or delvist
    Stop        cases where materiale_slettet is not       kraenker kendt: materiale_slettet = ja;
                ikke_relevant (empty counts as relevant)   ukendt: sletdet_kontaktet; begge: either
    Anmeld      situation B, or vurdering has politisag    politianmeldt
    Behandel    all cases                                  ssp_konsulent_inddraget, or hjaelp has a
                                                           value other than 'ingen'
    ==========  =========================================  ===========================================

    Not recorded (empty) optional fields count as not done: the card asks networks to
    record these steps, and ``completeness`` shows where they don't.
    """
    frame = _adherence_counts(con, filters)
    records = frame.to_dict("records")
    if include_total and records:
        # Counts add up, so the all-networks row is a sum (GROUPING SETS doubled the scan).
        total = {col: int(frame[col].sum()) for col in frame.columns if col != "netvaerk"}
        records.append({"netvaerk": None, **total})
    rows = []
    for rec in records:
        is_total = rec["netvaerk"] is None
        for no, phase in enumerate(PHASES, start=1):
            n, followed = int(rec[f"{phase.key}__d"]), int(rec[f"{phase.key}__n"])
            rows.append({
                "netvaerk": rec["netvaerk"],
                "netvaerk_label": ALL_NETWORKS_LABEL if is_total else rec["netvaerk"],
                "is_total": is_total,
                "phase": phase.key, "phase_label": phase.label, "phase_no": no,
                "n": n, "followed": followed, "share": followed / n if n else math.nan,
            })
    columns = ["netvaerk", "netvaerk_label", "is_total", "phase", "phase_label", "phase_no",
               "n", "followed", "share"]
    return pd.DataFrame(rows, columns=columns)


def _adherence_counts(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Per network (sorted): ``<phase>__d`` and ``<phase>__n``, from the cube or direct SQL."""
    years = cube.years_of(con, filters)
    frame = None if years is None else cube.partitions(con, "adherence", _ADHERENCE_CUBE_SQL, {}, years)
    if frame is None:
        clause, params = where(filters)
        return con.execute(_ADHERENCE_SQL.format(where=clause), params).df()
    columns = [c for c in frame.columns if c.endswith(("__n", "__d"))]
    return cube.select(frame, filters).groupby("netvaerk", sort=True)[columns].sum().reset_index()


# --- the three "underretning" figures -------------------------------------------------------

_UNDERRETNING_COUNTS = f"""
SELECT count_if(({UNDERRETNING_SQL}) AND month(indberetningsmaaned) <= $months) AS key_figure,
       count_if(underretning_sendt AND month(indberetningsmaaned) <= $months) AS key_sent,
       count_if(underretning_sendt) AS sent,
       count_if(list_contains(vurdering, 'underretning')) AS assessed,
       count_if(list_contains(vurdering, 'underretning') AND NOT underretning_sendt) AS assessed_not_sent
FROM cases WHERE {{where}}
"""


def underretning_lines(con: duckdb.DuckDBPyConnection, filters: Filters, *,
                       today: date | None = None) -> list[str]:
    """One line each on what the three "underretning" figures of a page count, with their numbers.

    Årsevaluering shows three figures for it (the key figure, the outcome "Underretning sendt:
    Ja" and the assessment "Underretning"), e.g. 31, 28 and 34, and once said the difference
    only in a tooltip. The key figure counts a sent underretning, and where sending was not
    recorded, the assessment (``UNDERRETNING_SQL``), over the key figures' period; the other
    two count exactly their field over the whole filter.
    """
    year = filters.year if filters.year is not None else (latest_year(con) or (today or date.today()).year)
    months = comparison_months(con, year, today)
    clause, params = where(filters.with_year(year))
    names = ["key_figure", "key_sent", "sent", "assessed", "assessed_not_sent"]
    # The WHERE clause uses positional parameters; number them so they mix with $months.
    numbered = clause
    for i in range(len(params)):
        numbered = numbered.replace("?", f"$p{i}", 1)
    sql = _UNDERRETNING_COUNTS.format(where=numbered)
    row = con.execute(sql, {"months": months, **{f"p{i}": v for i, v in enumerate(params)}}).fetchall()[0]
    n = dict(zip(names, (int(v or 0) for v in row), strict=True))
    period = "" if months >= 12 else f" i {period_label(months)}"
    inferred = n["key_figure"] - n["key_sent"]
    return [
        f"Nøgletallet »Underretning« ({_cases(n['key_figure'])}{period}): sager, hvor der er sendt en "
        f"underretning ({n['key_sent']}), og sager, hvor det ikke er registreret, om den blev sendt, men som er "
        f"vurderet som en underretningssag ({inferred}).",
        f"»Underretning sendt: Ja« ({_cases(n['sent'])}): kun sager, hvor netværket har registreret, at "
        "underretningen er sendt.",
        f"»Vurdering: Underretning« ({_cases(n['assessed'])}): sager vurderet som en underretningssag, også "
        f"når de samtidig er en politisag; i {n['assessed_not_sent']} af dem er det registreret, at der ikke "
        "blev sendt en underretning.",
    ]


def _cases(count: int) -> str:
    return f"{count} sag" if count == 1 else f"{count} sager"

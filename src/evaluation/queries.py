"""One function per question the dashboards and the report ask; SQL in, DataFrames out.

Every function takes a DuckDB connection (from ``db.reader``) and, where it makes sense, a
``Filters``; none knows about widgets or papermill. Frames keep machine keys (codes, spec
keys) in their columns and carry the Danish label next to each code (``<col>_label``);
``display_frame`` turns any of them into a table with Danish headings. Each question is one
aggregate scan over ``cases``, so a filter change stays fast at a million cases (see
``benchmarks/queries.py``).

The key figures and actioncard adherence live in ``kpis.py`` and the ad hoc Udforsk query
in ``explore.py``; they are re-exported here so callers need only this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import duckdb
import pandas as pd

from evaluation import spec
from evaluation.explore import DIMENSIONS, MEASURES, explore  # noqa: F401  (re-export)
from evaluation.filters import Filters, where, year_bounds
from evaluation.kpis import KPIS, PHASES, actioncard_adherence, kpis, latest_year  # noqa: F401
from evaluation.labels import NOT_RECORDED, YES_NO_LABELS, value_label

# Fields shown as outcomes, in the actioncard's order (spec keys).
OUTCOME_FIELDS: tuple[str, ...] = (
    "vurdering", "foraeldre_inddraget", "dokumentation_sikret", "materiale_slettet",
    "sletdet_kontaktet", "datatilsynet_klage", "politianmeldt", "underretning_sendt",
    "ssp_konsulent_inddraget", "hjaelp", "konfliktmaegling",
)

# Optional fields whose filling is measured, with the cases each applies to. Left out:
# afslutningsmaaned (empty means the case is open), antal_kraenkede (the database fills in
# 1) and aktoerer (empty means no outside organisation was involved).
COMPLETENESS_FIELDS: tuple[tuple[str, str], ...] = (
    ("koen", "TRUE"), ("kraenker_samme_institution", "TRUE"), ("platforme", "TRUE"),
    ("spredning", "TRUE"), ("foraeldre_inddraget_dage", "foraeldre_inddraget = 'ja'"),
    ("materiale_slettet", "TRUE"), ("sletdet_kontaktet", "TRUE"), ("datatilsynet_klage", "TRUE"),
    ("samarbejde", "TRUE"), ("anmeldt_af", "politianmeldt"), ("underretning_sendt", "TRUE"),
    ("forsikring_anbefalet", "TRUE"), ("ssp_konsulent_inddraget", "TRUE"), ("hjaelp", "TRUE"),
    ("hjaelp_kraenker", "TRUE"), ("konfliktmaegling", "TRUE"), ("orienteret", "TRUE"),
    ("presseinteresse", "TRUE"), ("erfaringer", "TRUE"),
)

# Danish headings for display_frame; spec keys fall back to their spec label.
HEADINGS: dict[str, str] = {
    "netvaerk": "SSP-netværk", "cases": "Sager",
    "share": "Andel", "low": "Nedre grænse (95 %)", "high": "Øvre grænse (95 %)",
    "n": "Antal sager (n)", "followed": "Fulgt", "phase": "Fase", "period": "Periode",
    "cases_a": "Situation A", "cases_b": "Situation B", "share_b": "Andel situation B",
    "year": "År", "field": "Felt", "value": "Værdi", "total": "Sager i alt",
    "label": "Nøgletal", "numerator": "Antal", "denominator": "Ud af",
    "previous_value": "Sidste år", "verdict": "Vurdering af ændringen",
    "filled": "Udfyldt", "applicable": "Relevante", "weakest": "Mindst udfyldte felter",
    "last_month": "Seneste indberetning", "cases_before": "Sager før", "month": "Måned",
    "status": "Status", "file_name": "Fil", "network": "Netværk (angivet ved import)",
    "occurred_at": "Tidspunkt", "user_name": "Bruger", "rows_in_file": "Rækker i filen", "rows_new": "Nye",
    "rows_replaced": "Erstattede", "rows_unchanged": "Uændrede", "warnings": "Advarsler",
    "errors": "Fejl", "first_error": "Første fejl", "small": "Lille tal",
    "erfaringer": "Erfaringer",
}


@dataclass(frozen=True)
class FilterOptions:
    """What the filter widgets offer; coded choices as (Danish label, code) for ipywidgets."""

    years: tuple[int, ...]
    networks: tuple[str, ...]
    institution_types: tuple[tuple[str, str], ...]
    situations: tuple[tuple[str, str], ...]


def heading(column: str) -> str:
    """The Danish heading of a frame column (its spec label for spec keys)."""
    if column in HEADINGS:
        return HEADINGS[column]
    if column in spec.COLUMN_BY_KEY:
        return spec.COLUMN_BY_KEY[column].label
    if column in MEASURES:
        return MEASURES[column].label
    return column


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for people: labels replace codes, headings are Danish, internal columns dropped.

    A column ``x`` with a twin ``x_label`` is replaced by the label under x's heading;
    columns with no Danish heading (flags, ordering keys) are left out.
    """
    out: dict[str, pd.Series] = {}
    for column in frame.columns:
        if f"{column}_label" in frame.columns:
            continue
        base = column[: -len("_label")] if column.endswith("_label") else column
        name = heading(base)
        if name == base and base not in spec.COLUMN_BY_KEY:
            continue
        out[name] = frame[column]
    return pd.DataFrame(out)


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    """Years, networks and institution types present in the data (newest year first)."""
    years = [r[0] for r in con.execute(
        "SELECT DISTINCT year(indberetningsmaaned) AS y FROM cases ORDER BY y DESC").fetchall()]
    networks = [r[0] for r in con.execute(
        "SELECT DISTINCT netvaerk FROM cases ORDER BY netvaerk").fetchall()]
    present = {r[0] for r in con.execute("SELECT DISTINCT institutionstype FROM cases").fetchall()}
    inst = spec.COLUMN_BY_KEY["institutionstype"].codes
    sit = spec.COLUMN_BY_KEY["situation"].codes
    return FilterOptions(
        years=tuple(int(y) for y in years),
        networks=tuple(networks),
        institution_types=tuple((label, code) for code, label in inst.items() if code in present),
        situations=tuple((f"{code} – {label}", code) for code, label in sit.items()),
    )


def year_has_data(con: duckdb.DuckDBPyConnection, year: int) -> bool:
    """True when any case was reported in the year (the pages show a hint otherwise)."""
    start, end = year_bounds(int(year))
    return con.execute(
        "SELECT EXISTS (SELECT 1 FROM cases WHERE indberetningsmaaned >= ? AND indberetningsmaaned < ?)",
        [start, end]).fetchone()[0]


_TREND_SQL = """
WITH agg AS (
    SELECT date_trunc(?, indberetningsmaaned)::DATE AS period,
           count(*) AS cases,
           count_if(situation = 'A') AS cases_a,
           count_if(situation = 'B') AS cases_b
    FROM cases WHERE {where}
    GROUP BY period
), periods AS (
    SELECT unnest(generate_series(min(period), max(period), to_months(?)))::DATE AS period
    FROM agg
)
SELECT p.period, coalesce(cases, 0) AS cases, coalesce(cases_a, 0) AS cases_a,
       coalesce(cases_b, 0) AS cases_b
FROM periods p LEFT JOIN agg USING (period)
ORDER BY p.period
"""


def trend(con: duckdb.DuckDBPyConnection, filters: Filters,
          by: Literal["month", "quarter"] = "month") -> pd.DataFrame:
    """Cases per month or quarter over all years (the filter's year is ignored), A and B apart.

    Periods without cases between the first and last are included with 0, so a chart's
    gaps are real. ``period_label`` is '2025-03' or '2025 K1' (no English month names).
    """
    steps = {"month": 1, "quarter": 3}
    if by not in steps:
        raise ValueError(f"by must be 'month' or 'quarter', not {by!r}")
    clause, params = where(filters, use_year=False)
    frame = con.execute(_TREND_SQL.format(where=clause), [by, *params, steps[by]]).df()
    periods = pd.to_datetime(frame["period"])
    frame["year"] = periods.dt.year.astype("int64")
    if by == "month":
        frame["period_label"] = periods.dt.strftime("%Y-%m")
    else:
        frame["period_label"] = frame["year"].astype(str) + " K" + periods.dt.quarter.astype(str)
    frame["share_b"] = (frame["cases_b"] / frame["cases"]).where(frame["cases"] > 0)
    return frame[["period", "period_label", "year", "cases", "cases_a", "cases_b", "share_b"]]


def situation_split(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Cases in situation A and B (both rows always), share of all and its Wilson interval."""
    from evaluation.stats import wilson_interval

    clause, params = where(filters)
    counts = dict(con.execute(
        f"SELECT situation, count(*) FROM cases WHERE {clause} GROUP BY situation", params).fetchall())
    total = sum(counts.values())
    rows = []
    for code in spec.COLUMN_BY_KEY["situation"].codes:
        n = int(counts.get(code, 0))
        low, high = wilson_interval(n, total)
        rows.append({"situation": code, "situation_label": f"{code} – {spec.label_of('situation', code)}",
                     "cases": n, "total": total, "share": n / total if total else float("nan"),
                     "low": low, "high": high})
    return pd.DataFrame(rows)


def _value_sql(key: str) -> str:
    """SQL giving a list of {field, value} structs for one spec column of a case row."""
    col = spec.COLUMN_BY_KEY[key]  # KeyError for anything not in the contract
    if col.kind in ("list", "names"):
        return (f"list_transform(coalesce(nullif({key}, []), [NULL::VARCHAR]), "
                f"lambda v: {{'field': '{key}', 'value': v}})")
    if col.kind == "yesno":
        return f"[{{'field': '{key}', 'value': CASE WHEN {key} THEN 'ja' WHEN NOT {key} THEN 'nej' END}}]"
    return f"[{{'field': '{key}', 'value': {key}::VARCHAR}}]"


def outcomes(con: duckdb.DuckDBPyConnection, filters: Filters,
             fields: tuple[str, ...] = OUTCOME_FIELDS) -> pd.DataFrame:
    """How cases ended, field by field: cases per value and share of all cases in the filter.

    Long format (field, field_label, value, value_label, cases, total, share), values in
    the contract's order with zeros filled in, 'Ikke registreret' last when present. For
    list fields a case counts once per value, so shares can add up to more than 1.
    """
    for key in fields:
        if key not in spec.COLUMN_BY_KEY:
            raise ValueError(f"unknown field {key!r}")
    clause, params = where(filters)
    items = ", ".join(_value_sql(k) for k in fields)
    sql = f"""
        WITH picked AS (SELECT flatten([{items}]) AS items FROM cases WHERE {clause})
        SELECT s.field, coalesce(s.value, ?) AS value, count(*) AS cases
        FROM (SELECT unnest(items) AS s FROM picked)
        GROUP BY ALL
    """
    counts = {(f, v): int(n) for f, v, n in con.execute(sql, [*params, NOT_RECORDED]).fetchall()}
    total = int(con.execute(f"SELECT count(*) FROM cases WHERE {clause}", params).fetchone()[0])
    rows = []
    for key in fields:
        col = spec.COLUMN_BY_KEY[key]
        values = list(YES_NO_LABELS) if col.kind == "yesno" else list(col.codes)
        seen = [v for (f, v) in counts if f == key and v not in values and v != NOT_RECORDED]
        if (key, NOT_RECORDED) in counts:
            seen.append(NOT_RECORDED)
        for value in values + seen:
            n = counts.get((key, value), 0)
            rows.append({"field": key, "field_label": col.label, "value": value,
                         "value_label": value_label(key, value), "cases": n, "total": total,
                         "share": n / total if total else float("nan")})
    columns = ["field", "field_label", "value", "value_label", "cases", "total", "share"]
    return pd.DataFrame(rows, columns=columns)


def platforms(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Cases per platform (a case counts once per platform), most frequent first."""
    return _ranked(outcomes(con, filters, ("platforme",)))


def offence_types(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Cases per kind of offence (kraenkelsestyper unnested), most frequent first."""
    return _ranked(outcomes(con, filters, ("kraenkelsestyper",)))


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """Most cases first; 'not recorded' and 'unknown' last, whatever their count."""
    tail = frame["value"].isin([NOT_RECORDED, "ukendt"])
    return pd.concat([
        frame[~tail].sort_values("cases", ascending=False, kind="stable"),
        frame[tail],
    ]).reset_index(drop=True)


def _filled_sql(key: str) -> str:
    kind = spec.COLUMN_BY_KEY[key].kind
    if kind in ("list", "names"):
        return f"len(coalesce({key}, [])) > 0"
    if kind == "freetext":
        return f"length(trim(coalesce({key}, ''))) > 0"
    return f"{key} IS NOT NULL"


_COMPLETENESS_SQL = "SELECT netvaerk, count(*) AS cases, " + ", ".join(
    f"coalesce(count_if({applies}), 0) AS {key}__d, "
    f"coalesce(count_if(({applies}) AND {_filled_sql(key)}), 0) AS {key}__n"
    for key, applies in COMPLETENESS_FIELDS
) + " FROM cases WHERE {where} GROUP BY netvaerk ORDER BY netvaerk"


def completeness_by_field(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Per network × optional field: cases it applies to, how many filled it in, the share."""
    clause, params = where(filters)
    wide = con.execute(_COMPLETENESS_SQL.format(where=clause), params).df()
    rows = []
    for rec in wide.to_dict("records"):
        for key, _ in COMPLETENESS_FIELDS:
            applicable, filled = int(rec[f"{key}__d"]), int(rec[f"{key}__n"])
            rows.append({"netvaerk": rec["netvaerk"], "field": key,
                         "field_label": spec.COLUMN_BY_KEY[key].label,
                         "applicable": applicable, "filled": filled,
                         "share": filled / applicable if applicable else float("nan")})
    columns = ["netvaerk", "field", "field_label", "applicable", "filled", "share"]
    return pd.DataFrame(rows, columns=columns)


def completeness(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Per network: cases, share of applicable optional fields filled in, the 3 weakest fields.

    The share is pooled (all filled cells over all applicable cells), so a field that
    applies to few cases weighs little. Lowest first: the networks to talk to.
    """
    by_field = completeness_by_field(con, filters)
    clause, params = where(filters)
    cases = dict(con.execute(
        f"SELECT netvaerk, count(*) FROM cases WHERE {clause} GROUP BY netvaerk", params).fetchall())
    rows = []
    for network, part in by_field.groupby("netvaerk", sort=True):
        applicable, filled = int(part["applicable"].sum()), int(part["filled"].sum())
        weakest = part[part["applicable"] > 0].sort_values(["share", "field"]).head(3)
        rows.append({"netvaerk": network, "cases": int(cases.get(network, 0)),
                     "applicable": applicable, "filled": filled,
                     "share": filled / applicable if applicable else float("nan"),
                     "weakest": ", ".join(weakest["field_label"])})
    columns = ["netvaerk", "cases", "applicable", "filled", "share", "weakest"]
    return pd.DataFrame(rows, columns=columns).sort_values(["share", "netvaerk"]).reset_index(drop=True)


def networks_without_export(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """Networks with cases in earlier years but none reported in ``year``: ask them why.

    Judged on cases, not on import files: a network that exported an empty file still has
    no cases to evaluate.
    """
    start, end = year_bounds(int(year))
    frame = con.execute(
        """
        SELECT netvaerk, max(indberetningsmaaned) AS last_month, count(*) AS cases_before
        FROM cases
        WHERE indberetningsmaaned < ?
          AND netvaerk NOT IN (SELECT netvaerk FROM cases
                               WHERE indberetningsmaaned >= ? AND indberetningsmaaned < ?)
        GROUP BY netvaerk
        ORDER BY last_month DESC, netvaerk
        """, [start, start, end]).df()
    frame["last_month"] = pd.to_datetime(frame["last_month"]).dt.strftime("%Y-%m")
    return frame


def learnings(con: duckdb.DuckDBPyConnection, filters: Filters, search: str | None = None,
              *, limit: int = 500) -> pd.DataFrame:
    """The networks' written learnings, newest first, optionally those containing ``search``.

    The search is a case-insensitive substring match; % and _ in it are matched literally.
    """
    clause, params = where(filters)
    sql = (f"SELECT netvaerk, strftime(indberetningsmaaned, '%Y-%m') AS month, situation, erfaringer "
           f"FROM cases WHERE {clause} AND length(trim(coalesce(erfaringer, ''))) > 0")
    if search and search.strip():
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql += " AND erfaringer ILIKE ? ESCAPE '\\'"
        params = [*params, f"%{escaped}%"]
    sql += " ORDER BY indberetningsmaaned DESC, netvaerk, sags_id LIMIT ?"
    frame = con.execute(sql, [*params, int(limit)]).df()
    frame.insert(3, "situation_label", [value_label("situation", s) for s in frame["situation"]])
    return frame


def imports(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The data appendix: every file loaded and every file refused, oldest first."""
    frame = con.execute(
        """
        SELECT 'indlaest' AS status, file_name, network, imported_at AS occurred_at, imported_by AS user_name,
               sha256, rows_in_file, rows_new, rows_replaced, rows_unchanged, warnings,
               NULL::INTEGER AS errors, NULL::VARCHAR AS first_error
        FROM imports
        UNION ALL
        SELECT 'afvist', file_name, network, rejected_at, rejected_by, sha256, NULL, NULL, NULL,
               NULL, NULL, errors, first_error
        FROM rejected_files
        ORDER BY occurred_at, file_name
        """).df()
    frame.insert(1, "status_label", frame["status"].map({"indlaest": "Indlæst", "afvist": "Afvist"}))
    return frame


def data_checksum(con: duckdb.DuckDBPyConnection, filters: Filters) -> str:
    """MD5 over the identity and content hash of every current case the filter selects.

    Deterministic (sorted by network and case id), so the same data gives the same checksum
    on any machine, and any loaded correction changes it. Printed in the report.
    """
    clause, params = where(filters)
    row = con.execute(
        f"""
        SELECT md5(coalesce(string_agg(netvaerk || chr(31) || sags_id || chr(31) || content_hash,
                                       chr(30) ORDER BY netvaerk, sags_id), ''))
        FROM case_versions WHERE replaced_by_import IS NULL AND {clause}
        """, params).fetchone()
    return str(row[0])


__all__ = [
    "DIMENSIONS", "KPIS", "MEASURES", "PHASES", "FilterOptions", "Filters",
    "actioncard_adherence", "completeness", "completeness_by_field", "data_checksum",
    "display_frame", "explore", "filter_options", "heading", "imports", "kpis", "latest_year",
    "learnings", "networks_without_export", "offence_types", "outcomes", "platforms",
    "situation_split", "trend", "value_label", "year_has_data",
]

"""One function per question the dashboards and the report ask; SQL in, DataFrames out.

Every function takes a DuckDB connection (from ``db.reader``) and, where it makes sense, a
``Filters``; none knows about widgets or papermill. Frames keep machine keys (codes, spec
keys) in their columns and carry the Danish label next to each code (``<col>_label``);
``display_frame`` turns any of them into a table with Danish headings. Each question is one
aggregate scan over ``cases``; on a cached connection the aggregate questions are answered
from their cubes (``cube.py``: counts per year and filter cell, built once per data version),
so a filter change costs milliseconds at a million cases (see ``benchmarks/queries.py``). The
direct SQL stays as the fallback and as the reference the tests compare the cubes with.

The key figures and actioncard adherence live in ``kpis.py``, data completeness in
``completeness.py`` and the ad hoc Udforsk query in ``explore.py``; they are re-exported
here so callers need only this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from evaluation.analysis import cube
from evaluation.ingest import spec
from evaluation.analysis.completeness import COMPLETENESS_FIELDS, completeness, completeness_by_field  # noqa: F401
from evaluation.analysis.explore import DIMENSIONS, MEASURES, explore  # noqa: F401  (re-export)
from evaluation.analysis.filters import Filters, where, year_bounds
from evaluation.analysis.kpis import KPIS, PHASES, actioncard_adherence, kpis, latest_year  # noqa: F401
from evaluation.analysis.labels import NOT_RECORDED, YES_NO_LABELS, value_label

# Fields shown as outcomes, in the actioncard's order (spec keys).
OUTCOME_FIELDS: tuple[str, ...] = (
    "vurdering", "foraeldre_inddraget", "dokumentation_sikret", "materiale_slettet",
    "sletdet_kontaktet", "datatilsynet_klage", "politianmeldt", "underretning_sendt",
    "ssp_konsulent_inddraget", "hjaelp", "konfliktmaegling",
)

# Field kinds with a short list of values, which outcomes() counts from a cube. Free text and
# names (erfaringer, aktoerer, sags_id) would make a cube as large as the data: direct SQL.
_OUTCOME_CUBE_KINDS = ("code", "age", "yesno", "list")

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


def _registry_networks(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The networks the plan's registry knows (``plan.networks``), also those without cases."""
    return [r[0] for r in con.execute("SELECT name FROM networks").fetchall()]


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    """Years and institution types present in the data (newest year first); the networks are
    the registry's (``plan.networks``), so a network that has sent nothing yet can be chosen
    and shows its zero, plus any name in the cases the registry lacks (none after ingest)."""
    inst = spec.COLUMN_BY_KEY["institutionstype"].codes
    sit = spec.COLUMN_BY_KEY["situation"].codes
    counts = cube.case_counts(con)
    if counts is not None:
        # Python sorts str by code point, as DuckDB's binary collation sorts UTF-8.
        years = sorted((int(y) for y in counts["year"].unique()), reverse=True)
        networks = sorted({str(n) for n in counts["netvaerk"].unique()} | set(_registry_networks(con)))
        present = set(counts["institutionstype"].unique())
        return FilterOptions(
            years=tuple(years), networks=tuple(networks),
            institution_types=tuple((label, code) for code, label in inst.items() if code in present),
            situations=tuple((f"{code} – {label}", code) for code, label in sit.items()),
        )
    years = [r[0] for r in con.execute(
        "SELECT DISTINCT year(indberetningsmaaned) AS y FROM cases ORDER BY y DESC").fetchall()]
    networks = [r[0] for r in con.execute(
        "SELECT netvaerk FROM cases UNION SELECT name FROM networks ORDER BY 1").fetchall()]
    present = {r[0] for r in con.execute("SELECT DISTINCT institutionstype FROM cases").fetchall()}
    return FilterOptions(
        years=tuple(int(y) for y in years),
        networks=tuple(networks),
        institution_types=tuple((label, code) for code, label in inst.items() if code in present),
        situations=tuple((f"{code} – {label}", code) for code, label in sit.items()),
    )


def year_has_data(con: duckdb.DuckDBPyConnection, year: int) -> bool:
    """True when any case was reported in the year (the pages show a hint otherwise)."""
    counts = cube.case_counts(con)
    if counts is not None:
        return bool((counts["year"] == int(year)).any())
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
    frame = _trend_from_cube(con, filters, steps[by])
    if frame is None:
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


def _cases_in(con: duckdb.DuckDBPyConnection, filters: Filters, *,
              use_year: bool = True) -> pd.DataFrame | None:
    """Rows of the case-count cube inside the filter (None when not cached)."""
    counts = cube.case_counts(con)
    if counts is None:
        return None
    chosen = cube.select(counts, filters)
    if use_year and filters.year is not None:
        chosen = chosen[chosen["year"] == filters.year]
    return chosen


def _trend_from_cube(con: duckdb.DuckDBPyConnection, filters: Filters, step: int) -> pd.DataFrame | None:
    """``_TREND_SQL``'s result (same columns and dtypes) from the case-count cube.

    Periods are numbered (year * 12 + month - 1, floored to the step), so one ``bincount``
    sums them and fills the empty periods between the first and the last with 0.
    """
    chosen = _cases_in(con, filters, use_year=False)
    if chosen is None:
        return None
    if chosen.empty:
        return pd.DataFrame({"period": pd.Series(dtype="datetime64[us]"), "cases": pd.Series(dtype="int64"),
                             "cases_a": pd.Series(dtype="float64"), "cases_b": pd.Series(dtype="float64")})
    number = chosen["year"].to_numpy() * 12 + (chosen["month_no"].to_numpy() - 1) // step * step
    first = int(number.min())
    slot = (number - first) // step
    cases = chosen["cases"].to_numpy()
    situation = chosen["situation"].to_numpy()
    total = np.bincount(slot, weights=cases)
    months_since_1970 = first + np.arange(len(total)) * step - 1970 * 12
    return pd.DataFrame({
        "period": months_since_1970.astype("datetime64[M]").astype("datetime64[us]"),
        "cases": total.astype("int64"),
        # the direct SQL's coalesce over count_if yields floats here; keep the same dtypes
        "cases_a": np.bincount(slot, weights=cases * (situation == "A"), minlength=len(total)),
        "cases_b": np.bincount(slot, weights=cases * (situation == "B"), minlength=len(total)),
    })


def situation_split(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Cases in situation A and B (both rows always), share of all and its Wilson interval."""
    from evaluation.analysis.stats import wilson_interval

    chosen = _cases_in(con, filters)
    if chosen is not None:
        situation, cases = chosen["situation"].to_numpy(), chosen["cases"].to_numpy()
        counts = {code: int(cases[situation == code].sum()) for code in spec.COLUMN_BY_KEY["situation"].codes}
    else:
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
    found = _outcome_counts_from_cube(con, filters, fields)
    counts, total = found if found is not None else _outcome_counts_from_sql(con, filters, fields)
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


def _outcome_counts_from_sql(con: duckdb.DuckDBPyConnection, filters: Filters,
                             fields: tuple[str, ...]) -> tuple[dict[tuple[str, str], int], int]:
    """``({(field, value): cases}, cases in the filter)`` with one unnesting scan."""
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
    return counts, total


def _outcome_value_sql(key: str) -> str:
    """SQL for the value(s) of one field in the outcomes cube: ``_value_sql`` without structs."""
    col = spec.COLUMN_BY_KEY[key]
    if col.kind in ("list", "names"):
        return f"unnest(coalesce(nullif({key}, []), [NULL::VARCHAR]))"
    if col.kind == "yesno":
        return f"CASE WHEN {key} THEN 'ja' WHEN NOT {key} THEN 'nej' END"
    return f"{key}::VARCHAR"


def _outcome_cube_sql(fields: tuple[str, ...]) -> str:
    """The outcomes cube of some fields: per year, filter cell, field and value.

    One UNION ALL branch per field groups on small keys; measured faster than unnesting one
    list of structs per case. Each set of fields asked for (the outcome fields, platforms,
    offence types) is its own cube, so a chart of one field doesn't build all the others.
    """
    branches = " UNION ALL ".join(
        f"SELECT year(indberetningsmaaned) AS cube_year, netvaerk, institutionstype, situation, "
        f"'{key}' AS field, {_outcome_value_sql(key)} AS value FROM cases WHERE {{where}}"
        for key in fields)
    return (f"SELECT cube_year, netvaerk, institutionstype, situation, field, "
            f"coalesce(value, $not_recorded) AS value, count(*) AS cases FROM ({branches}) GROUP BY ALL")


def _outcome_counts_from_cube(con: duckdb.DuckDBPyConnection, filters: Filters, fields: tuple[str, ...]
                              ) -> tuple[dict[tuple[str, str], int], int] | None:
    """The same counts from the fields' outcomes cube; None when not cached or not cubeable."""
    if not fields or any(spec.COLUMN_BY_KEY[k].kind not in _OUTCOME_CUBE_KINDS for k in fields):
        return None
    years = cube.years_of(con, filters)
    frame = None if years is None else cube.partitions(
        con, ("outcomes", tuple(fields)), _outcome_cube_sql(tuple(fields)),
        {"not_recorded": NOT_RECORDED}, years)
    chosen_cases = _cases_in(con, filters)
    if frame is None or chosen_cases is None:
        return None
    chosen = cube.select(frame, filters)
    sums = chosen.groupby(["field", "value"], sort=False)["cases"].sum()
    counts = {(str(f), str(v)): int(n) for (f, v), n in sums.items()}
    return counts, int(chosen_cases["cases"].sum())


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


def networks_without_export(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """Networks with no case reported in ``year``: ask them why.

    Those with cases in earlier years (newest last month first), then the registry's networks
    that have never reported a case (``last_month`` missing, ``cases_before`` 0). Judged on
    cases, not on import files: a network that exported an empty file still has no cases to
    evaluate. A network with cases only after ``year`` is not listed.
    """
    start, end = year_bounds(int(year))
    frame = _networks_without_export_from_cube(con, int(year))
    if frame is None:
        frame = _networks_without_export_from_sql(con, start, end)
    frame["last_month"] = pd.to_datetime(frame["last_month"]).dt.strftime("%Y-%m")
    never = [r[0] for r in con.execute(
        "SELECT name FROM networks WHERE name NOT IN (SELECT netvaerk FROM cases) ORDER BY name").fetchall()]
    if never:
        frame = pd.concat([frame, pd.DataFrame({"netvaerk": never, "last_month": [None] * len(never),
                                                "cases_before": [0] * len(never)})], ignore_index=True)
    return frame


def _networks_without_export_from_sql(con: duckdb.DuckDBPyConnection, start: date,
                                      end: date) -> pd.DataFrame:
    """netvaerk, last_month (a date), cases_before: the direct query."""
    return con.execute(
        """
        SELECT netvaerk, max(indberetningsmaaned) AS last_month, count(*) AS cases_before
        FROM cases
        WHERE indberetningsmaaned < ?
          AND netvaerk NOT IN (SELECT netvaerk FROM cases
                               WHERE indberetningsmaaned >= ? AND indberetningsmaaned < ?)
        GROUP BY netvaerk
        ORDER BY last_month DESC, netvaerk
        """, [start, start, end]).df()


def _networks_without_export_from_cube(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame | None:
    """The same rows from the case-count cube (None when not cached)."""
    counts = cube.case_counts(con)
    if counts is None:
        return None
    reporting = set(counts.loc[counts["year"] == year, "netvaerk"])
    before = counts[(counts["year"] < year) & ~counts["netvaerk"].isin(reporting)]
    if before.empty:  # the direct query's empty result has an untyped netvaerk column
        return pd.DataFrame({"netvaerk": pd.Series(dtype=object),
                             "last_month": pd.Series(dtype="datetime64[us]"),
                             "cases_before": pd.Series(dtype="int64")})
    frame = (before.groupby("netvaerk").agg(last_month=("month", "max"), cases_before=("cases", "sum"))
             .reset_index())
    return frame.sort_values(["last_month", "netvaerk"], ascending=[False, True]).reset_index(drop=True)


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


# One case's part of a checksum; ``data_checksum`` and ``data_checksums`` must agree byte for byte.
_CHECKSUM_ROW = "netvaerk || chr(31) || sags_id || chr(31) || content_hash"


def data_checksum(con: duckdb.DuckDBPyConnection, filters: Filters) -> str:
    """MD5 over the identity and content hash of every current case the filter selects.

    Deterministic (sorted by network and case id), so the same data gives the same checksum
    on any machine, and any loaded correction changes it. Printed in the report.
    """
    # An MD5 over sorted ids can't be summed from cube cells: remembered whole per version.
    return cube.remember(con, ("data_checksum", filters), lambda: _data_checksum_sql(con, filters))


def data_checksums(con: duckdb.DuckDBPyConnection, year: int) -> tuple[str, str]:
    """``data_checksum`` over every current case and over ``year``'s, in one scan and one sort.

    The same values as ``data_checksum(con, Filters())`` and ``data_checksum(con,
    Filters(year=year))``, but not through the cube's cache, so the report can ask from a
    thread of its own (on its own cursor) while its sections are built.
    """
    clause, params = where(Filters(year=int(year)))
    row = con.execute(
        f"""
        SELECT md5(coalesce(string_agg(k, chr(30) ORDER BY netvaerk, sags_id), '')),
               md5(coalesce(string_agg(k, chr(30) ORDER BY netvaerk, sags_id) FILTER (WHERE {clause}), ''))
        FROM (SELECT netvaerk, sags_id, indberetningsmaaned,
                     {_CHECKSUM_ROW} AS k
              FROM case_versions WHERE replaced_by_import IS NULL)
        """, params).fetchone()
    return str(row[0]), str(row[1])


def _data_checksum_sql(con: duckdb.DuckDBPyConnection, filters: Filters) -> str:
    """The checksum's direct query."""
    clause, params = where(filters)
    row = con.execute(
        f"""
        SELECT md5(coalesce(string_agg({_CHECKSUM_ROW}, chr(30) ORDER BY netvaerk, sags_id), ''))
        FROM case_versions WHERE replaced_by_import IS NULL AND {clause}
        """, params).fetchone()
    return str(row[0])


__all__ = [
    "DIMENSIONS", "KPIS", "MEASURES", "PHASES", "FilterOptions", "Filters",
    "actioncard_adherence", "completeness", "completeness_by_field", "data_checksum", "data_checksums",
    "display_frame", "explore", "filter_options", "heading", "imports", "kpis", "latest_year",
    "learnings", "networks_without_export", "offence_types", "outcomes", "platforms",
    "situation_split", "trend", "value_label", "year_has_data",
]

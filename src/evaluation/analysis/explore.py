"""The ad hoc question behind the Udforsk page: any measure, cut by up to three dimensions.

Dimensions and measures come from fixed whitelists (spec keys and the KPI indicators), so
the SQL is assembled from known fragments only; filter values are parameters. List columns
(platforms, offence types, ...) are unnested, so a case counts once under each of its
values. The result is tidy (one row per observed combination) with a ``small`` flag on
cells built from 1..``settings.suppression_threshold`` cases, which the page marks and the
Kredsråd edition must not publish.

On a cached connection each (dimensions, measure) choice gets its own cube (``cube.py``): the
same aggregates grouped by year, filter cell and the chosen dimensions, so changing the filter
re-sums cached cells. A choice whose cube could outgrow ``MAX_CUBE_ROWS`` per year (three
fine dimensions such as month × platform × offence type) runs the direct SQL instead: a cube
nearly as large as the data would be no faster, only bigger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import duckdb
import pandas as pd

from evaluation.analysis import cube
from evaluation.ingest import spec
from evaluation.errors import EvaluationError
from evaluation.analysis.filters import Filters, where
from evaluation.analysis.kpis import KPIS, UNDERRETNING_SQL
from evaluation.analysis.labels import NOT_RECORDED, value_label
from evaluation.settings import settings

MAX_DIMENSIONS = 3
# Upper bound on a cube's rows per year (cells x values of the dimensions) worth caching.
MAX_CUBE_ROWS = 100_000
# Institution types x situations: the filter cells per network in a year.
_CELLS_PER_NETWORK = (len(spec.COLUMN_BY_KEY["institutionstype"].codes)
                      * len(spec.COLUMN_BY_KEY["situation"].codes))
_PERIOD_VALUES_PER_YEAR = {"year": 1, "quarter": 4, "month": 12}


@dataclass(frozen=True)
class Dimension:
    """A way to cut cases: a spec column or a period derived from indberetningsmaaned."""

    key: str
    label: str
    kind: str  # spec kind, or "period"


@dataclass(frozen=True)
class Measure:
    """A count (``value`` = rows matching ``numerator``, or ``aggregate``) or a share."""

    key: str
    label: str
    kind: Literal["count", "share"]
    numerator: str = "TRUE"
    denominator: str = "TRUE"
    aggregate: str | None = None  # overrides the count, e.g. sum(antal_kraenkede)


_SPEC_DIMENSION_KINDS = ("network", "code", "age", "yesno", "list")
_PERIODS = {
    "year": ("År", "year(indberetningsmaaned)::VARCHAR"),
    "quarter": ("Kvartal", "strftime(indberetningsmaaned, '%Y') || ' K' || quarter(indberetningsmaaned)"),
    "month": ("Måned", "strftime(indberetningsmaaned, '%Y-%m')"),
}

DIMENSIONS: dict[str, Dimension] = {
    **{key: Dimension(key, label, "period") for key, (label, _) in _PERIODS.items()},
    **{c.key: Dimension(c.key, c.label, c.kind) for c in spec.COLUMNS if c.kind in _SPEC_DIMENSION_KINDS},
}

SHARE_LABELS: dict[str, str] = {
    "share_B": "Andel situation B",
    "police_reports": "Andel politianmeldt",
    "underretninger": "Andel med underretning",
    "parents_1_day": "Andel forældre inddraget inden for 1 dag",
    "documentation": "Andel med dokumentation sikret",
    "deleted_known": "Andel materiale slettet, kendt krænker",
    "deleted_unknown": "Andel materiale slettet, ukendt krænker",
    "sletdet_unknown": "Andel SletDet brugt, ukendt krænker",
}


def _share_key(kpi_key: str) -> str:
    """Measure key of a KPI share: 'share_B' stays, 'police_reports' -> 'share_police_reports'."""
    return kpi_key if kpi_key.startswith("share_") else f"share_{kpi_key}"


MEASURES: dict[str, Measure] = {
    "cases": Measure("cases", "Antal sager", "count"),
    "victims": Measure("victims", "Antal krænkede", "count", aggregate="sum(antal_kraenkede)"),
    "police_reports": Measure("police_reports", "Politianmeldelser", "count", "politianmeldt"),
    "underretninger": Measure("underretninger", "Underretninger", "count", UNDERRETNING_SQL),
    **{
        _share_key(k.key): Measure(_share_key(k.key), SHARE_LABELS.get(k.key, f"Andel: {k.label}"),
                                   "share", k.numerator, k.denominator)
        for k in KPIS if k.kind == "share"
    },
}


def _dimension_sql(position: int, dim: Dimension) -> tuple[str, str | None]:
    """(select expression, lateral unnest or None) for one dimension at its position."""
    if dim.kind == "period":
        return _PERIODS[dim.key][1], None
    if dim.kind == "list":
        alias = f"u{position}"
        lateral = f"unnest(coalesce(nullif({dim.key}, []), [NULL::VARCHAR])) AS {alias}(v)"
        return f"{alias}.v", lateral
    if dim.kind == "yesno":
        return f"CASE WHEN {dim.key} THEN 'ja' WHEN NOT {dim.key} THEN 'nej' END", None
    return f"{dim.key}::VARCHAR", None


def _measure_sql(measure: Measure) -> list[str]:
    if measure.kind == "count":
        value = measure.aggregate or f"coalesce(count_if({measure.numerator}), 0)"
        return [f"{value} AS m_value"]
    return [f"coalesce(count_if(({measure.denominator}) AND ({measure.numerator})), 0) AS m_numerator",
            f"coalesce(count_if({measure.denominator}), 0) AS m_n"]


def explore(con: duckdb.DuckDBPyConnection, filters: Filters, dimensions: list[str],
            measure: str) -> pd.DataFrame:
    """A tidy table of ``measure`` per combination of ``dimensions`` (observed combinations).

    Columns: for each dimension ``<key>`` (its code; ``ikke_registreret`` for empty) and
    ``<key>_label``; ``cases``; for a count measure other than cases the measure under its
    key; for a share ``numerator``, ``n`` (cases it applies to) and the share under its key;
    then ``small``: any count in the row is between 1 and the suppression threshold.
    """
    dims = _checked_dimensions(dimensions)
    if measure not in MEASURES:
        raise EvaluationError(f"Ukendt mål: {measure!r}. Vælg et af: {', '.join(MEASURES)}.")
    m = MEASURES[measure]
    raw = _explore_from_cube(con, filters, dims, m)
    if raw is None:
        raw = _explore_sql(con, filters, dims, m)
    return _tidy(raw, dims, m)


def _explore_sql(con: duckdb.DuckDBPyConnection, filters: Filters, dims: list[Dimension],
                 m: Measure) -> pd.DataFrame:
    """d0..dk, cases and the measure's columns per observed combination: the direct query."""
    clause, params = where(filters)
    selects, laterals = [], []
    for i, dim in enumerate(dims):
        expr, lateral = _dimension_sql(i, dim)
        selects.append(f"coalesce({expr}, ?) AS d{i}")
        if lateral:
            laterals.append(lateral)
    sql = (f"SELECT {', '.join(selects + ['count(*) AS cases'] + _measure_sql(m))} "
           f"FROM cases{''.join(', ' + lat for lat in laterals)} WHERE {clause} GROUP BY ALL")
    return con.execute(sql, [NOT_RECORDED] * len(dims) + params).df()


def _cube_sql(dims: list[Dimension], m: Measure) -> str:
    """The cube of one choice: year, filter cell, d0..dk, cases and the measure's columns."""
    selects, laterals = [], []
    for i, dim in enumerate(dims):
        expr, lateral = _dimension_sql(i, dim)
        selects.append(f"coalesce({expr}, $not_recorded) AS d{i}")
        if lateral:
            laterals.append(lateral)
    columns = ["year(indberetningsmaaned) AS cube_year", "netvaerk", "institutionstype", "situation",
               *selects, "count(*) AS cases", *_measure_sql(m)]
    return (f"SELECT {', '.join(columns)} FROM cases{''.join(', ' + lat for lat in laterals)} "
            "WHERE {where} GROUP BY ALL")


def _values_per_year(dim: Dimension) -> int:
    """How many values a dimension can take within one year and filter cell (at most)."""
    if dim.key in ("netvaerk", "institutionstype", "situation"):
        return 1  # already a cube column
    if dim.kind == "period":
        return _PERIOD_VALUES_PER_YEAR[dim.key]
    if dim.kind == "yesno":
        return 3  # ja, nej, not recorded
    return len(spec.COLUMN_BY_KEY[dim.key].codes) + 1  # + not recorded


def _explore_from_cube(con: duckdb.DuckDBPyConnection, filters: Filters, dims: list[Dimension],
                       m: Measure) -> pd.DataFrame | None:
    """``_explore_sql``'s rows re-summed from the choice's cube; None: use the direct query."""
    counts = cube.case_counts(con)
    if counts is None:
        return None
    bound = counts["netvaerk"].nunique() * _CELLS_PER_NETWORK
    for dim in dims:
        bound *= _values_per_year(dim)
    if bound > MAX_CUBE_ROWS:
        return None
    years = cube.years_of(con, filters)
    family = ("explore", tuple(d.key for d in dims), m.key)
    frame = None if years is None else cube.partitions(
        con, family, _cube_sql(dims, m), {"not_recorded": NOT_RECORDED} if dims else {}, years)
    if frame is None:
        return None
    chosen = cube.select(frame, filters)
    values = ["cases", *(c for c in ("m_value", "m_numerator", "m_n") if c in frame.columns)]
    if not dims:  # one total row, also when nothing matches (as the direct query gives)
        return pd.DataFrame({c: [chosen[c].sum()] for c in values})
    keys = [f"d{i}" for i in range(len(dims))]
    return chosen.groupby(keys, sort=False, dropna=False)[values].sum().reset_index()


def _checked_dimensions(dimensions: list[str]) -> list[Dimension]:
    """The chosen dimensions, or a Danish error when one is unknown, repeated or too many."""
    names = list(dimensions)
    unknown = [d for d in names if d not in DIMENSIONS]
    if unknown:
        raise EvaluationError(f"Ukendt dimension: {unknown[0]!r}.")
    if len(set(names)) != len(names):
        raise EvaluationError("Den samme dimension er valgt to gange.")
    if len(names) > MAX_DIMENSIONS:
        raise EvaluationError(f"Vælg højst {MAX_DIMENSIONS} dimensioner.")
    return [DIMENSIONS[d] for d in names]


def _tidy(raw: pd.DataFrame, dims: list[Dimension], m: Measure) -> pd.DataFrame:
    """Rename, label, order by the contract's code order and flag small cells."""
    out = pd.DataFrame()
    for i, dim in enumerate(dims):
        values = raw[f"d{i}"].astype(str)
        out[dim.key] = values
        out[f"{dim.key}_label"] = [value_label(dim.key, v) if dim.kind != "period" else v for v in values]
    out["cases"] = raw["cases"].astype("int64")
    counts = [out["cases"]]
    if m.kind == "count" and m.key != "cases":
        out[m.key] = raw["m_value"].fillna(0).astype("int64")
        counts.append(out[m.key])
    elif m.kind == "share":
        out["numerator"] = raw["m_numerator"].astype("int64")
        out["n"] = raw["m_n"].astype("int64")
        out[m.key] = (out["numerator"] / out["n"]).where(out["n"] > 0)
        counts += [out["numerator"], out["n"]]
    threshold = settings.suppression_threshold
    out["small"] = pd.concat([(c >= 1) & (c <= threshold) for c in counts], axis=1).any(axis=1)
    if dims:
        out = out.sort_values([d.key for d in dims], key=lambda s: s.map(_order_key(s.name)),
                              kind="stable").reset_index(drop=True)
    return out


def _order_key(key: str):
    """Sort values in the contract's order (age bands young to old), not recorded last."""
    column = spec.COLUMN_BY_KEY.get(key)
    order = {code: i for i, code in enumerate(column.codes)} if column is not None else {}
    if column is not None and column.kind == "yesno":
        order = {"ja": 0, "nej": 1}

    def rank(value: str) -> tuple[int, int, str]:
        if value == NOT_RECORDED:
            return (2, 0, value)
        return (0, order[value], value) if value in order else (1, 0, value)

    return rank


# --- periods without cases ----------------------------------------------------------------

_PERIOD_RANGE = """SELECT min(indberetningsmaaned), max(indberetningsmaaned) FROM cases WHERE {where}"""
_LAST_MONTH = "SELECT max(indberetningsmaaned) FROM cases"


def _period_values(first: date, last: date, key: str) -> list[str]:
    """Every month, quarter or year from ``first`` to ``last``, written as the dimension writes them."""
    months = pd.period_range(first, last, freq="M")
    if key == "month":
        return [f"{p.year}-{p.month:02d}" for p in months]
    if key == "quarter":
        return list(dict.fromkeys(f"{p.year} K{p.quarter}" for p in months))
    return list(dict.fromkeys(str(p.year) for p in months))


def with_empty_periods(con: duckdb.DuckDBPyConnection, filters: Filters, frame: pd.DataFrame,
                       dimensions: list[str], measure: str) -> pd.DataFrame:
    """``explore``'s frame with the periods that had no case added, so a time axis has no holes.

    A month without cases is a fact ("0 sager i februar"), not a missing value: dropping it
    moves the neighbours together and hides quiet spells. The range is the chosen year
    (up to the newest month in the database) or, for all years, the first to the last month
    with a case under the filters. Counts of an added period are 0 and its share is empty
    (0 of 0 is no share); every combination of the other dimensions seen in the frame gets
    the periods it lacks.
    """
    periods = [d for d in dimensions if DIMENSIONS[d].kind == "period"]
    if not periods or frame.empty:
        return frame
    if filters.year is not None:
        newest = con.execute(_LAST_MONTH).fetchall()[0][0]
        first = date(filters.year, 1, 1)
        last = min(date(filters.year, 12, 1), newest) if newest else date(filters.year, 12, 1)
    else:
        clause, params = where(filters)
        first, last = con.execute(_PERIOD_RANGE.format(where=clause), params).fetchall()[0]
    if first is None or last is None or last < first:
        return frame
    grid = None
    for key in dimensions:
        if key in periods:
            values = pd.DataFrame({key: _period_values(first, last, key)})
        else:
            values = frame[[key, f"{key}_label"]].drop_duplicates()
        grid = values if grid is None else grid.merge(values, how="cross")
    for key in periods:
        grid[f"{key}_label"] = grid[key]
    keys = [c for d in dimensions for c in (d, f"{d}_label")]
    out = grid[keys].merge(frame, on=keys, how="left")
    m = MEASURES[measure]
    counts = ["cases", "numerator", "n"] + ([m.key] if m.kind == "count" else [])
    for column in counts:
        if column in out:
            out[column] = out[column].fillna(0).astype("int64")
    out["small"] = out["small"].astype("boolean").fillna(False).astype(bool)
    if m.kind == "share":
        out[m.key] = (out["numerator"] / out["n"]).where(out["n"] > 0)
    out = out[_covers(out, frame, dimensions, periods)]
    return out.sort_values(dimensions, key=lambda s: s.map(_order_key(s.name)), kind="stable").reset_index(drop=True)


def _covers(out: pd.DataFrame, frame: pd.DataFrame, dimensions: list[str], periods: list[str]) -> pd.Series:
    """Rows whose non-period values occur together in the frame (no invented combinations)."""
    others = [d for d in dimensions if d not in periods]
    if not others:
        return pd.Series(True, index=out.index)
    seen = set(frame[others].apply(tuple, axis=1))
    return out[others].apply(tuple, axis=1).isin(seen)

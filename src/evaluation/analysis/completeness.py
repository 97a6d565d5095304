"""Data quality per network: how often the optional fields of the export are filled in.

A field counts only among the cases it applies to (days to parents only where parents were
involved, who reported only where the case was reported to the police). The counts add up,
so on a cached connection they come from a cube per year and filter cell (``cube.py``); the
direct SQL is the fallback and the reference the tests compare the cube with.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from evaluation.analysis import cube
from evaluation.ingest import spec
from evaluation.analysis.filters import Filters, where

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


def _filled_sql(key: str) -> str:
    """SQL true when a case filled the field in: an empty list or blank text is not filled."""
    kind = spec.COLUMN_BY_KEY[key].kind
    if kind in ("list", "names"):
        return f"len(coalesce({key}, [])) > 0"
    if kind == "freetext":
        return f"length(trim(coalesce({key}, ''))) > 0"
    return f"{key} IS NOT NULL"


_COMPLETENESS_COLUMNS = "count(*) AS cases, " + ", ".join(
    f"coalesce(count_if({applies}), 0) AS {key}__d, "
    f"coalesce(count_if(({applies}) AND {_filled_sql(key)}), 0) AS {key}__n"
    for key, applies in COMPLETENESS_FIELDS
)
_COMPLETENESS_SQL = ("SELECT netvaerk, " + _COMPLETENESS_COLUMNS
                     + " FROM cases WHERE {where} GROUP BY netvaerk ORDER BY netvaerk")


# The completeness cube: per year and filter cell, cases and each field's __d/__n.
_COMPLETENESS_CUBE_SQL = (
    "SELECT year(indberetningsmaaned) AS cube_year, netvaerk, institutionstype, situation, "
    + _COMPLETENESS_COLUMNS + " FROM cases WHERE {where} GROUP BY ALL"
)


def _completeness_wide(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Per network (sorted): cases, ``<field>__d`` and ``<field>__n``; cube or direct SQL."""
    years = cube.years_of(con, filters)
    frame = None if years is None else cube.partitions(
        con, "completeness", _COMPLETENESS_CUBE_SQL, {}, years)
    if frame is None:
        clause, params = where(filters)
        return con.execute(_COMPLETENESS_SQL.format(where=clause), params).df()
    columns = ["cases", *(c for c in frame.columns if c.endswith(("__n", "__d")))]
    return cube.select(frame, filters).groupby("netvaerk", sort=True)[columns].sum().reset_index()


def completeness_by_field(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Per network × optional field: cases it applies to, how many filled it in, the share."""
    return _completeness_long(_completeness_wide(con, filters))


def _completeness_long(wide: pd.DataFrame) -> pd.DataFrame:
    """The wide per-network counts as one row per network × field."""
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
    wide = _completeness_wide(con, filters)
    by_field = _completeness_long(wide)
    cases = dict(zip(wide["netvaerk"], wide["cases"], strict=True))  # count(*) per network
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

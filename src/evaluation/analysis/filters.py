"""The dashboards' filter, and the one place that turns it into SQL.

Widget callbacks run on the server with values a user chose, so a filter value never
becomes SQL text: the WHERE clause is assembled from the fixed fragments below and every
value travels as a parameter. An empty tuple means "no restriction". Periods are by
``indberetningsmaaned`` (the month the case was reported), stored as the 1st of the month.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

# Fixed fragments; the only SQL text a filter can contribute. Year as a date range, not
# year(...) = ?, so DuckDB can skip row groups by their min/max.
_YEAR_SQL = "indberetningsmaaned >= ? AND indberetningsmaaned < ?"
_NETWORKS_SQL = "list_contains(?::VARCHAR[], netvaerk)"
_INSTITUTION_TYPES_SQL = "list_contains(?::VARCHAR[], institutionstype)"
_SITUATIONS_SQL = "list_contains(?::VARCHAR[], situation)"


@dataclass(frozen=True)
class Filters:
    """What a dashboard or the report looks at. Lists become tuples, so a Filters can be a key."""

    year: int | None = None
    networks: tuple[str, ...] = ()
    institution_types: tuple[str, ...] = ()
    situations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("networks", "institution_types", "situations"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(str(v) for v in (value or ())))
        if self.year is not None:
            object.__setattr__(self, "year", int(self.year))

    def with_year(self, year: int | None) -> Filters:
        """The same filter for another year (last year's KPI, or all years with None)."""
        return replace(self, year=year)


def year_bounds(year: int) -> tuple[date, date]:
    """First day of the year and first day of the next: the half-open range of its months."""
    return date(year, 1, 1), date(year + 1, 1, 1)


def where(filters: Filters, *, use_year: bool = True) -> tuple[str, list[Any]]:
    """``(sql, params)`` for a WHERE clause over ``cases``/``case_versions``; never empty SQL."""
    parts: list[str] = ["TRUE"]
    params: list[Any] = []
    if use_year and filters.year is not None:
        parts.append(_YEAR_SQL)
        params.extend(year_bounds(filters.year))
    for fragment, values in (
        (_NETWORKS_SQL, filters.networks),
        (_INSTITUTION_TYPES_SQL, filters.institution_types),
        (_SITUATIONS_SQL, filters.situations),
    ):
        if values:
            parts.append(fragment)
            params.append(list(values))
    return " AND ".join(parts), params

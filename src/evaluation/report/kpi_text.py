"""The words a key figure is shown with, on a page's card and on a printed network sheet alike.

A card and the sheet print the same figure from the same ``kpis.kpis`` row, so they share
these two functions: the value ('17' or '53 %') and the line under it ('9 af 17 sager ·
95 % interval 31 %–74 %'). Formatting is ``evaluation.format`` (the one Danish kit).
"""

from __future__ import annotations

from typing import Any

from evaluation import format as fmt


def kpi_value_text(row: dict[str, Any], prefix: str = "") -> str:
    """The value of a figure: a count ('123') or a share ('42 %'); ``prefix`` 'previous_' for last year."""
    if row["kind"] == "count":
        return fmt.integer(row[f"{prefix}numerator"])
    return fmt.percent(row[f"{prefix}value"])


def kpi_detail_text(row: dict[str, Any], prefix: str = "") -> str:
    """Under the value: 'x af n sager' for a share, the 95 % interval for both kinds."""
    low, high = row[f"{prefix}low"], row[f"{prefix}high"]
    if row["kind"] == "count":
        return "" if fmt.is_missing(low) else f"95{fmt.NBSP}%-interval {fmt.number_range(round(low), round(high))}"
    n, d = row[f"{prefix}numerator"], row[f"{prefix}denominator"]
    if not d:
        return "ingen relevante sager"
    return (f"{fmt.integer(n)} af {fmt.plural(d, 'sag', 'sager')} · 95{fmt.NBSP}%-interval "
            f"{fmt.percent(low)}–{fmt.percent(high)}")


__all__ = ["kpi_detail_text", "kpi_value_text"]

"""A chart's numbers as a table: the text alternative of every figure on the pages (WCAG 1.1.1).

A plotly figure is an SVG drawing: a screen reader hears nothing useful, and nobody can copy a
number out of it. Every figure a page shows (``common.show_figure``) therefore comes with its
own data as an HTML table, folded away under "Tallene bag figuren" so the page stays calm.
The table is read from the figure itself (its traces), so it always shows exactly what is
drawn: bars (vertical or horizontal, grouped series, two-level categories), points and heat maps.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

import plotly.graph_objects as go

from evaluation.format import element, integer, number, percent

__all__ = ["figure_rows", "figure_table_html"]


def _label(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " – ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _categories(values: Any) -> list[str]:
    """Category labels; a two-level axis (plotly's [[outer...], [inner...]]) as 'outer – inner'."""
    if values is None:
        return []
    values = list(values)
    if len(values) == 2 and all(isinstance(v, (list, tuple)) for v in values) and len(values[0]) == len(values[1]):
        return [f"{a} – {b}" for a, b in zip(values[0], values[1], strict=True)]
    return [_label(v) for v in values]


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _formatter(axis: Any):
    """How a value on ``axis`` is written: a percentage when the axis shows percentages."""
    shares = "%" in str(getattr(axis, "tickformat", "") or "")

    def write(value: Any) -> str:
        if not _is_number(value) or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if shares:
            return percent(value, 1)
        return integer(value) if float(value).is_integer() else number(value, 1)

    return write


def _panel_title(fig: go.Figure, trace: Any) -> str | None:
    """The small multiple a trace is drawn in (make_subplots' titles are annotations in order)."""
    axis = getattr(trace, "xaxis", None) or "x"
    index = int(axis[1:] or 1)
    titles = [a.text for a in fig.layout.annotations if getattr(a, "xref", "") == "paper"
              and getattr(a, "yref", "") == "paper" and a.showarrow is False]
    axes = [k for k in fig.layout.to_plotly_json() if re.fullmatch(r"xaxis\d*", k)]
    if len(axes) <= 1 or len(titles) < index:
        return None
    return titles[index - 1]


def figure_rows(fig: go.Figure) -> tuple[list[str], list[list[str]]]:
    """(headings, rows) of everything drawn: one row per bar, point or heat-map cell."""
    layout = fig.layout
    named = len({t.name for t in fig.data if t.name}) > 1 or len(
        [k for k in fig.layout.to_plotly_json() if re.fullmatch(r"xaxis\d*", k)]) > 1
    rows: list[list[str]] = []
    category_title = value_title = None
    for trace in fig.data:
        series = [_label(trace.name)] if named else []
        if trace.type == "heatmap":  # the cell's own text (e.g. "42 %<br>n=12") when it has one
            write = _formatter(trace.colorbar)
            xs, ys = _categories(trace.x), _categories(trace.y)
            texts = trace.text if trace.text is not None else [[None] * len(xs) for _ in ys]
            for y, line, text_line in zip(ys, trace.z or [], texts, strict=False):
                for x, z, text in zip(xs, line, text_line, strict=False):
                    shown = re.sub(r"\s*<br>\s*", ", ", text) if isinstance(text, str) else write(z)
                    rows.append([*series, f"{y} – {x}", shown])
            category_title = "Felt"
            value_title = _label(trace.colorbar.title.text) or "Værdi"
            continue
        panel = _panel_title(fig, trace)
        series = [f"{panel}: {series[0]}" if series else panel] if panel else series
        horizontal = getattr(trace, "orientation", None) == "h" or (
            trace.type == "scatter" and trace.x is not None and len(trace.x) and _is_number(list(trace.x)[0])
            and trace.y is not None and len(trace.y) and not _is_number(list(trace.y)[0]))
        values, cats = (trace.x, trace.y) if horizontal else (trace.y, trace.x)
        value_axis = layout.xaxis if horizontal else layout.yaxis
        write = _formatter(value_axis)
        category_title = category_title or _axis_title(fig, "y" if horizontal else "x")
        value_title = value_title or _axis_title(fig, "x" if horizontal else "y")
        for cat, value in zip(_categories(cats), list(values) if values is not None else [], strict=False):
            rows.append([*series, cat, write(value)])
    headings = (["Serie"] if named else []) + [category_title or "Kategori", value_title or "Værdi"]
    return headings, rows


def _axis_title(fig: go.Figure, letter: str) -> str | None:
    """The first title on any x (or y) axis: small multiples title only the outer ones."""
    layout = fig.layout.to_plotly_json()
    for key in sorted((k for k in layout if re.fullmatch(rf"{letter}axis\d*", k)), key=lambda k: int(k[5:] or 1)):
        text = (layout[key].get("title") or {}).get("text")
        if text:
            return str(text)
    return None


def figure_table_html(fig: go.Figure) -> str:
    """The figure's data as a folded table (``<details>``), titled like the figure."""
    headings, rows = figure_rows(fig)
    title = _label(fig.layout.title.text) or "figuren"
    if not rows:
        return ""
    table = element("table", element("thead", element("tr", *(element("th", h, scope="col") for h in headings))),
                    element("tbody", *(element("tr", *(element("td", c) for c in row)) for row in rows)),
                    class_="ssp-table")
    return str(element("details", element("summary", f"Tallene bag figuren: {title}"), table,
                       class_="ssp-figure-data"))

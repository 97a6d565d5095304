"""A chart's numbers as a table: the text alternative of every figure on the pages (WCAG 1.1.1).

A plotly figure is an SVG drawing: a screen reader hears nothing useful, and nobody can copy a
number out of it. Every figure a page shows (``common.show_figure``) therefore comes with its
own data as an HTML table, folded away under "Tallene bag figuren" so the page stays calm.
The table is read from the figure itself (its traces), so it always shows exactly what is
drawn: bars (vertical or horizontal, grouped series, two-level categories), points and heat maps.
"""

from __future__ import annotations

import base64
import math
import numbers
import re
from typing import Any

import numpy as np
import plotly.graph_objects as go

from evaluation.format import element, integer, number, percent

__all__ = ["figure_rows", "figure_table_html"]


def _label(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " – ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _categories(values: Any) -> list[str]:
    """Category labels; a two-level axis (plotly's [[outer...], [inner...]]) as 'outer – inner'."""
    values = _values(values)
    if len(values) == 2 and all(isinstance(v, (list, tuple)) for v in values) and len(values[0]) == len(values[1]):
        return [f"{a} – {b}" for a, b in zip(values[0], values[1], strict=True)]
    return [_label(v) for v in values]


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _get(mapping: Any, *keys: str) -> Any:
    """``mapping[k1][k2]…``, or None where a level is missing."""
    for key in keys:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def _formatter(axis: Any):
    """How a value on ``axis`` is written: a percentage when the axis shows percentages."""
    shares = "%" in str(_get(axis, "tickformat") or "")

    def write(value: Any) -> str:
        if not _is_number(value) or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if shares:
            return percent(value, 1)
        return integer(value) if float(value).is_integer() else number(value, 1)

    return write


def _spec(fig: go.Figure | dict) -> dict:
    """The figure as plain data: a spec (``charts.*_spec``) as it is, a graph object through plotly."""
    return fig if isinstance(fig, dict) else fig.to_plotly_json()


def _axes(layout: dict, letter: str) -> list[str]:
    return sorted((k for k in layout if re.fullmatch(rf"{letter}axis\d*", k)), key=lambda k: int(k[5:] or 1))


def _panel_title(layout: dict, trace: dict) -> str | None:
    """The small multiple a trace is drawn in (make_subplots' titles are annotations in order)."""
    axis = trace.get("xaxis") or "x"
    index = int(axis[1:] or 1)
    titles = [a.get("text") for a in layout.get("annotations") or () if a.get("xref") == "paper"
              and a.get("yref") == "paper" and a.get("showarrow") is False]
    if len(_axes(layout, "x")) <= 1 or len(titles) < index:
        return None
    return titles[index - 1]


def _values(values: Any) -> list:
    """An array of a trace as a list: a spec's list, a numpy array, or plotly's typed array (a graph
    object's ``to_plotly_json`` writes number arrays as {dtype, bdata})."""
    if values is None:
        return []
    if isinstance(values, dict) and "bdata" in values and "dtype" in values:
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        if values.get("shape"):
            array = array.reshape([int(n) for n in str(values["shape"]).split(",")])
        return array.tolist()
    return values.tolist() if hasattr(values, "tolist") else list(values)


def figure_rows(fig: go.Figure | dict) -> tuple[list[str], list[list[str]]]:
    """(headings, rows) of everything drawn: one row per bar, point or heat-map cell."""
    spec = _spec(fig)
    layout, traces = spec.get("layout") or {}, spec.get("data") or []
    named = len({t.get("name") for t in traces if t.get("name")}) > 1 or len(_axes(layout, "x")) > 1
    rows: list[list[str]] = []
    category_title = value_title = None
    for trace in traces:
        series = [_label(trace.get("name"))] if named else []
        if trace.get("type") == "heatmap":  # the cell's own text (e.g. "42 %<br>n=12") when it has one
            write = _formatter(trace.get("colorbar"))
            xs, ys = _categories(trace.get("x")), _categories(trace.get("y"))
            texts = _values(trace.get("text")) or [[None] * len(xs) for _ in ys]
            for y, line, text_line in zip(ys, _values(trace.get("z")), texts, strict=False):
                for x, z, text in zip(xs, line, text_line, strict=False):
                    shown = re.sub(r"\s*<br>\s*", ", ", text) if isinstance(text, str) else write(z)
                    rows.append([*series, f"{y} – {x}", shown])
            category_title = "Felt"
            value_title = _label(_get(trace, "colorbar", "title", "text")) or "Værdi"
            continue
        panel = _panel_title(layout, trace)
        series = [f"{panel}: {series[0]}" if series else panel] if panel else series
        xs, ys = _values(trace.get("x")), _values(trace.get("y"))
        horizontal = trace.get("orientation") == "h" or (
            trace.get("type", "scatter") == "scatter" and len(xs) and _is_number(xs[0])
            and len(ys) and not _is_number(ys[0]))
        values, cats = (xs, ys) if horizontal else (ys, xs)
        write = _formatter(layout.get("xaxis" if horizontal else "yaxis"))
        category_title = category_title or _axis_title(layout, "y" if horizontal else "x")
        value_title = value_title or _axis_title(layout, "x" if horizontal else "y")
        for cat, value in zip(_categories(cats), values, strict=False):
            rows.append([*series, cat, write(value)])
    headings = (["Serie"] if named else []) + [category_title or "Kategori", value_title or "Værdi"]
    return headings, rows


def _axis_title(layout: dict, letter: str) -> str | None:
    """The first title on any x (or y) axis: small multiples title only the outer ones."""
    for key in _axes(layout, letter):
        text = _get(layout, key, "title", "text")
        if text:
            return str(text)
    return None


def figure_table_html(fig: go.Figure | dict) -> str:
    """The figure's data as a folded table (``<details>``), titled like the figure."""
    spec = _spec(fig)
    headings, rows = figure_rows(spec)
    title = _label(_get(spec, "layout", "title", "text")) or "figuren"
    if not rows:
        return ""
    table = element("table", element("thead", element("tr", *(element("th", h, scope="col") for h in headings))),
                    element("tbody", *(element("tr", *(element("td", c) for c in row)) for row in rows)),
                    class_="ssp-table")
    return str(element("details", element("summary", f"Tallene bag figuren: {title}"), table,
                       class_="ssp-figure-data"))

"""Margins that already fit a chart's axis labels, so plotly never has to make room itself.

Why: every axis has ``automargin``, and plotly then measures the tick labels after drawing;
when they need more room than the margin gives, it moves the margin and draws the whole
figure a second time. On a dashboard that happens on nearly every filter change (another
network has other platforms, a count with another number of digits). Measured in Chromium
with plotly.js alone, redrawing Årsevaluering's seven charts with each network's data in
turn (the demo database at 1M cases): ~95-115 ms for the seven with automargin making room,
~70-80 ms with margins that already fit. So each spec reserves the room its labels
need, estimated from the labels *before* drawing, and keeps ``automargin`` only as the
safety net: an estimate that falls short costs the second pass, never a clipped label.

The estimate uses Helvetica's advance widths (Arial has the same metrics, and is the
charts' font), rounded up to a few classes of letters; it errs on the wide side.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from evaluation import format as fmt

FONT_SIZE = 13       # the charts' layout font (charts._house_style)
TICK_PAD = 10        # between the axis line and its labels, with plotly's tick length
TITLE_BAND = 36      # an axis title: one line at 13 px plus plotly's standoff of 15 px
SAFETY = 1.08        # the estimate is rounded up by this share, and by a few pixels
LINE_PX = 18         # one line of horizontal tick labels under an axis
# The plot's width on a dashboard page (1280 px wide, less the margins): where plotly tilts
# category labels that would not fit side by side (to 30°, then 90°). In a narrower report
# plotly may tilt where this did not expect it; automargin then makes the room.
PLOT_WIDTH = 1000

# Helvetica/Arial advance widths in 1/1000 em, by class (the exact table differs by a few
# units within a class; each class takes its widest member).
_NARROW = set("iljI.,:;!|'`ft ")             # 191-278
_SMALL = set("r()-[]{}*\"/\\")              # 333-389
_UPPER_WIDE = set("CDGHNOQRUwÅØÉÜÖÄ")         # 722-778
_WIDEST = set("mMW%æ@Æ")                     # 833-1015 ('Æ' 1000)
_WIDTHS = {"narrow": 278, "small": 389, "upper": 667, "upper_wide": 778, "widest": 1000, "other": 556}


def char_width(char: str) -> int:
    """Advance width of one character in 1/1000 em (unknown characters count as a digit)."""
    if char in _NARROW:
        return _WIDTHS["narrow"]
    if char in _SMALL:
        return _WIDTHS["small"]
    if char in _WIDEST:
        return _WIDTHS["widest"]
    if char in _UPPER_WIDE:
        return _WIDTHS["upper_wide"]
    if char.isupper():
        return _WIDTHS["upper"]
    return _WIDTHS["other"]


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Estimated width in pixels of ``text`` (one line; ``<br>`` starts a new one)."""
    lines = str(text).split("<br>")
    return max(sum(char_width(c) for c in line) for line in lines) * size / 1000


def widest(labels: Iterable, size: float = FONT_SIZE) -> float:
    return max((text_width(label, size) for label in labels if label is not None), default=0.0)


def _number_label(value: float) -> str:
    """The widest tick label plotly may print up to ``value`` (Danish thousands: '1.200')."""
    return fmt.integer(max(1, math.ceil(abs(value) * 1.25)))


def _axis_labels(data: list[dict], axis: str, layout_axis: dict) -> tuple[list, bool]:
    """The tick labels on ``axis`` ('x' or 'y') of these traces, and whether they are two levels
    (plotly's multicategory axis: ``[outer labels, inner labels]``)."""
    labels: list = []
    nested = False
    tops: list[float] = []  # per trace, its largest value on a value axis
    bars = 0
    for trace in data:
        kind = trace.get("type", "scatter")
        column = trace.get(axis)
        if not column:
            continue
        if isinstance(column[0], list):
            nested = True
            labels.append(column)
            continue
        categorical = (kind == "heatmap" or layout_axis.get("type") in ("category", "multicategory")
                       or (kind == "bar" and (axis == "y") == (trace.get("orientation") == "h"))
                       or any(isinstance(v, str) for v in column))
        if categorical:
            labels.extend(column)
            continue
        numbers = [abs(v) for v in column if isinstance(v, (int, float))]
        if numbers:
            tops.append(max(numbers))
            bars += kind == "bar"
    if tops and not labels:
        if (layout_axis.get("tickformat") or "").endswith("%"):
            labels = ["100 %"]
        else:  # stacked bars can reach the sum of the traces' largest values
            labels = [_number_label(sum(tops) if bars > 1 else max(tops))]
    return labels, nested


def _left_room(data: list[dict], yaxis: dict) -> float:
    labels, nested = _axis_labels(data, "y", yaxis)
    if nested:
        width = max(sum(widest(level) for level in column[:2]) for column in labels) + 2 * TICK_PAD
    else:
        width = widest(labels)
    title = TITLE_BAND if (yaxis.get("title") or {}).get("text") else 0
    return width * SAFETY + TICK_PAD + title + 4


def _label_height(labels: list) -> float:
    """The height of the tick labels under an axis, tilted as plotly tilts them at ``PLOT_WIDTH``."""
    lines = max((str(label).count("<br>") + 1 for label in labels), default=1)
    width = widest(labels) * SAFETY
    slot = PLOT_WIDTH / max(1, len(dict.fromkeys(str(label) for label in labels)))
    if width + 8 <= slot:
        return LINE_PX * lines
    if width * math.cos(math.radians(30)) + 8 <= slot:
        return width * 0.5 + LINE_PX * lines
    return width + 6


def _bottom_room(data: list[dict], xaxis: dict) -> float:
    labels, _nested = _axis_labels(data, "x", xaxis)
    title = TITLE_BAND if (xaxis.get("title") or {}).get("text") else 0
    return _label_height(labels) + TICK_PAD + title + 4


def reserve(spec: dict) -> dict:
    """Widen ``spec``'s left and bottom margins to what its axes' labels and titles need.

    Only ever widens (a margin set by the chart, e.g. room above a heat map, stays), and
    leaves axes that are hidden or drawn on the other side to plotly.
    """
    layout, data = spec.setdefault("layout", {}), spec.get("data") or []
    if not data:
        return spec
    margin = layout.setdefault("margin", {})
    xaxis, yaxis = layout.get("xaxis") or {}, layout.get("yaxis") or {}
    if yaxis.get("visible", True) and yaxis.get("side", "left") == "left":
        margin["l"] = max(margin.get("l", 0), math.ceil(_left_room(data, yaxis)))
    if xaxis.get("visible", True) and xaxis.get("side", "bottom") == "bottom":
        margin["b"] = max(margin.get("b", 0), math.ceil(_bottom_room(data, xaxis)))
    return spec

"""Plotly figures from the query frames, the same on the dashboards and in the report.

Each chart is built as a *spec*, plotly's figure as plain JSON data (``trend_spec`` …), which
the dashboards send to the browser as it is; ``trend_chart`` … wrap the same spec in a validated
plain ``go.Figure`` for the report (not FigureWidget: see conventions.md on plotly#4998 and
voila#1533). Udforsk's small multiples (``explore_chart``) stay a graph object. Every figure has
a Danish ``layout.title.text`` (the browser tests read titles from the SVG), Danish axis
titles, Danish number separators and the palette below, and needs nothing from the
internet: period axes are categories labelled '2025-03' / '2025 K1', because plotly's date
axes would print English month names.
"""

from __future__ import annotations

import functools
import json
import math

import pandas as pd
import plotly.graph_objects as go

from evaluation.analysis import chart_margins
from evaluation.analysis.explore import DIMENSIONS, MEASURES
from evaluation.settings import settings

# Okabe–Ito: distinguishable with the common colour-vision deficiencies, and in grey print.
SEQUENCE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
                             "#D55E00", "#F0E442", "#000000")
COLOURS: dict[str, str] = {
    "primary": "#0072B2", "previous": "#9AA5B1", "A": "#56B4E9", "B": "#D55E00",
    "ja": "#009E73", "nej": "#D55E00", "ikke_registreret": "#C8CDD2", "neutral": "#6B7785",
}
# Light to dark blue: "more followed" reads as "more ink", also in grey print.
HEATMAP_SCALE: list[list[float | str]] = [[0.0, "#F7FBFF"], [0.5, "#6BAED6"], [1.0, "#08306B"]]
FONT = "Arial, Helvetica, sans-serif"
NO_DATA_TEXT = "Ingen sager med de valgte filtre"


# --- figure specs -------------------------------------------------------------------------
# Every chart below is built as a *spec*: plotly's figure as plain JSON data ({"data": [...],
# "layout": {...}}), lists and Python numbers only, exactly what a validated ``go.Figure`` of it
# gives back (tests/analysis/test_charts.py compares them). The dashboards send the spec to the
# browser as it is; building and validating graph objects cost ~25-30 ms per chart here (mostly
# the template's deep copies), the spec well under 1 ms. The ``*_chart`` functions wrap the same
# spec in a validated ``go.Figure`` for the report and for anything that edits a figure.


@functools.cache
def _template() -> dict:
    """The "plotly_white" template as plotly writes it (read once; never mutated)."""
    return json.loads(go.Figure(layout={"template": "plotly_white"}).to_json())["layout"]["template"]


def _merge(target: dict, updates: dict) -> dict:
    """``update_layout``'s merge on plain dicts: nested dicts are merged, other values replaced."""
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value
    return target


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _list(values) -> list:
    """A column (or any sequence) as a JSON-safe list: Python numbers and strings, None where missing."""
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    return [None if _missing(v) else v for v in items]


def _pairs(first, second) -> list[list]:
    """Two columns as ``customdata`` pairs ([[a, b], ...])."""
    return [list(pair) for pair in zip(_list(first), _list(second), strict=True)]


def figure(spec: dict) -> go.Figure:
    """A validated ``go.Figure`` of a spec (the report; plotly raises on anything invalid)."""
    return go.Figure(spec)


def _house_style(title: str, legend_title: str | None) -> dict:
    """The house style: Danish title, decimal comma, palette, white background."""
    return {"title": {"text": title, "x": 0.0, "xanchor": "left"}, "template": _template(), "separators": ",.",
            "font": {"family": FONT, "size": 13}, "colorway": list(SEQUENCE),
            "margin": {"l": 10, "r": 10, "t": 60, "b": 10}, "legend": {"title": {"text": legend_title or ""}},
            "hoverlabel": {"font": {"family": FONT}}}


def _styled(spec: dict, title: str, x_title: str | None = None, y_title: str | None = None,
            *, legend_title: str | None = None) -> dict:
    """``spec`` in the house style with Danish axis titles (``_layout`` for specs)."""
    layout = _merge(spec.setdefault("layout", {}), _house_style(title, legend_title))
    layout.setdefault("height", 450)
    for axis, text in (("xaxis", x_title), ("yaxis", y_title)):
        axis_layout = layout.setdefault(axis, {})
        if text is not None:
            _merge(axis_layout, {"title": {"text": text}})
        axis_layout["automargin"] = True  # the safety net: chart_margins.reserve sizes the margins
    spec.setdefault("data", [])
    return chart_margins.reserve(spec)


def _layout(fig: go.Figure, title: str, x_title: str | None = None, y_title: str | None = None,
            *, legend_title: str | None = None) -> go.Figure:
    """The house style on a graph-object figure (``explore_chart``'s subplots: every axis)."""
    style = _house_style(title, legend_title)
    style["template"] = "plotly_white"
    fig.update_layout(**style)
    if fig.layout.height is None:
        fig.update_layout(height=450)
    fig.update_xaxes(title_text=x_title, automargin=True)
    fig.update_yaxes(title_text=y_title, automargin=True)
    return fig


def empty_spec(title: str) -> dict:
    """A titled figure that says there is nothing to show, instead of blank axes."""
    spec = {"data": [], "layout": {
        "annotations": [{"text": NO_DATA_TEXT, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper",
                         "yref": "paper", "font": {"size": 15, "color": COLOURS["neutral"]}}],
        "xaxis": {"visible": False}, "yaxis": {"visible": False}}}
    return _styled(spec, title)


def _empty(title: str) -> go.Figure:
    return figure(empty_spec(title))


def _percent(value: float) -> str:
    """'42 %' in Danish style; '–' where there is no share."""
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value * 100:.0f} %"


def trend_spec(df: pd.DataFrame, title: str = "Sager over tid") -> dict:
    """Stacked bars of situation A and B per period, from ``queries.trend``."""
    if df.empty:
        return empty_spec(title)
    periods = _list(df["period_label"])
    data = [{"type": "bar", "x": periods, "y": _list(df[column]), "name": f"Situation {code}",
             "marker": {"color": COLOURS[code]},
             "hovertemplate": "%{x}: %{y} sager<extra>Situation " + code + "</extra>"}
            for code, column in (("A", "cases_a"), ("B", "cases_b"))]
    spec = {"data": data, "layout": {"barmode": "stack", "legend": {"traceorder": "normal"},
                                     "xaxis": {"type": "category"}}}
    return _styled(spec, title, "Periode (indberetningsmåned)", "Antal sager", legend_title="Situation")


def trend_chart(df: pd.DataFrame, title: str = "Sager over tid") -> go.Figure:
    return figure(trend_spec(df, title))


def situation_spec(df: pd.DataFrame, title: str = "Sager fordelt på situation A og B") -> dict:
    """Bars of cases per situation with share and Wilson interval in the hover, from ``situation_split``."""
    if df.empty or int(df["cases"].sum()) == 0:
        return empty_spec(title)
    bar = {
        "type": "bar", "x": _list(df["situation_label"]), "y": _list(df["cases"]),
        "marker": {"color": [COLOURS.get(s, COLOURS["primary"]) for s in df["situation"]]},
        "text": [f"{n} ({_percent(s)})" for n, s in zip(df["cases"], df["share"], strict=True)],
        "textposition": "auto",
        "customdata": _pairs(df["low"].fillna(0), df["high"].fillna(0)),
        "hovertemplate": "%{x}<br>%{y} sager<br>95 %-interval for andelen: "
                         "%{customdata[0]:.0%}–%{customdata[1]:.0%}<extra></extra>",
    }
    return _styled({"data": [bar]}, title, "Situation", "Antal sager")


def situation_chart(df: pd.DataFrame, title: str = "Sager fordelt på situation A og B") -> go.Figure:
    return figure(situation_spec(df, title))


def adherence_spec(df: pd.DataFrame, title: str = "Actioncardet fulgt pr. netværk") -> dict:
    """Networks × the actioncard's phases, colour = share followed, n in text and hover.

    Rows in the frame's network order with "Alle netværk" last; cells where the phase
    applied to no case are blank.
    """
    if df.empty:
        return empty_spec(title)
    phases = df.sort_values("phase_no")["phase_label"].drop_duplicates().tolist()
    ordered = df.sort_values(["is_total", "netvaerk_label"])
    networks = ordered["netvaerk_label"].drop_duplicates().tolist()
    cell = {(r.netvaerk_label, r.phase_label): r for r in df.itertuples()}
    z, text, custom = [], [], []
    for network in networks:
        z_row, text_row, custom_row = [], [], []
        for phase in phases:
            r = cell.get((network, phase))
            n = int(r.n) if r is not None else 0
            followed = int(r.followed) if r is not None else 0
            share = float(r.share) if r is not None and n and not _missing(r.share) else None
            z_row.append(share)
            text_row.append(f"{_percent(share)}<br>n={n}" if n else "–")
            custom_row.append([followed, n])
        z.append(z_row)
        text.append(text_row)
        custom.append(custom_row)
    heatmap = {
        "type": "heatmap", "z": z, "x": phases, "y": networks, "text": text, "texttemplate": "%{text}",
        "customdata": custom, "zmin": 0, "zmax": 1, "colorscale": HEATMAP_SCALE, "xgap": 2, "ygap": 2,
        "colorbar": {"title": {"text": "Andel fulgt"}, "tickformat": ".0%"},
        "hovertemplate": "%{y}<br>%{x}: fulgt i %{customdata[0]} af %{customdata[1]} sager"
                         "<br>Andel %{z:.0%}<extra></extra>",
    }
    spec = {"data": [heatmap], "layout": {"yaxis": {"autorange": "reversed", "type": "category"},
                                          "xaxis": {"side": "top", "type": "category"},
                                          "height": max(300, 140 + 40 * len(networks))}}
    _styled(spec, title, "Fase i actioncardet", "SSP-netværk")
    spec["layout"]["margin"]["t"] = 110  # room for the phase names above the cells
    return spec


def adherence_heatmap(df: pd.DataFrame, title: str = "Actioncardet fulgt pr. netværk") -> go.Figure:
    return figure(adherence_spec(df, title))


def bar_spec(df: pd.DataFrame, x: str, y: str, title: str, *, x_title: str | None = None,
             y_title: str | None = None, horizontal: bool = False, percent: bool = False,
             colour: str | None = None) -> dict:
    """A plain bar chart of column ``y`` against ``x``; ``percent`` formats a 0..1 axis."""
    if df.empty:
        return empty_spec(title)
    values, categories = _list(df[y]), _list(df[x])
    text = [_percent(v) for v in values] if percent else [f"{v:,.0f}".replace(",", ".") for v in values]
    bar = {"type": "bar", "x": values if horizontal else categories, "y": categories if horizontal else values,
           "orientation": "h" if horizontal else "v", "text": text, "textposition": "auto",
           "marker": {"color": colour or COLOURS["primary"]},
           "hovertemplate": ("%{y}: %{x}" if horizontal else "%{x}: %{y}") + "<extra></extra>"}
    value_axis = {"tickformat": ".0%", "range": [0, 1.05]} if percent else {}
    if horizontal:
        layout = {"xaxis": value_axis, "yaxis": {"autorange": "reversed", "type": "category"}}
    else:
        layout = {"yaxis": value_axis, "xaxis": {"type": "category"}}
    return _styled({"data": [bar], "layout": layout}, title, x_title, y_title)


def bar_chart(df: pd.DataFrame, x: str, y: str, title: str, **options) -> go.Figure:
    """``bar_spec`` as a figure (keyword options as there)."""
    return figure(bar_spec(df, x, y, title, **options))


def _ranked_spec(df: pd.DataFrame, title: str, axis_title: str) -> dict:
    """Horizontal bars of cases per value (zero rows left out), most frequent on top."""
    shown = df[df["cases"] > 0] if not df.empty else df
    if shown.empty:
        return empty_spec(title)
    spec = bar_spec(shown, "value_label", "cases", title, x_title="Antal sager", y_title=axis_title,
                    horizontal=True)
    spec["data"][0].update(customdata=_list(shown["share"].fillna(0)),
                           hovertemplate="%{y}: %{x} sager (%{customdata:.0%} af sagerne)<extra></extra>")
    return spec


def platforms_spec(df: pd.DataFrame, title: str = "Platforme i sagerne") -> dict:
    """From ``queries.platforms``: a case with several platforms counts under each."""
    return _ranked_spec(df, title, "Platform")


def platforms_chart(df: pd.DataFrame, title: str = "Platforme i sagerne") -> go.Figure:
    return figure(platforms_spec(df, title))


def offence_types_spec(df: pd.DataFrame, title: str = "Typer af krænkelser") -> dict:
    """From ``queries.offence_types``: a case with several kinds counts under each."""
    return _ranked_spec(df, title, "Krænkelsestype")


def offence_types_chart(df: pd.DataFrame, title: str = "Typer af krænkelser") -> go.Figure:
    return figure(offence_types_spec(df, title))


def outcomes_spec(df: pd.DataFrame, title: str = "Sagernes udfald") -> dict:
    """From ``queries.outcomes``: share of cases per value, grouped by field (zeros left out)."""
    shown = df[df["cases"] > 0] if not df.empty else df
    if shown.empty:
        return empty_spec(title)
    bar = {
        "type": "bar", "x": _list(shown["share"]), "y": [_list(shown["field_label"]), _list(shown["value_label"])],
        "orientation": "h",
        "marker": {"color": [COLOURS.get(v, COLOURS["primary"]) for v in shown["value"]]},
        "text": [f"{n} ({_percent(s)})" for n, s in zip(shown["cases"], shown["share"], strict=True)],
        "textposition": "auto",
        "hovertemplate": "%{y}: %{x:.0%} af sagerne<extra></extra>",
    }
    spec = {"data": [bar], "layout": {"xaxis": {"tickformat": ".0%", "range": [0, 1.05]},
                                      "yaxis": {"autorange": "reversed"},
                                      "height": max(350, 60 + 24 * len(shown))}}
    return _styled(spec, title, "Andel af sagerne", None)


def outcomes_chart(df: pd.DataFrame, title: str = "Sagernes udfald") -> go.Figure:
    return figure(outcomes_spec(df, title))


def kpi_spec(df: pd.DataFrame, title: str = "Nøgletal i år og sidste år (95 %-interval)") -> dict:
    """From ``queries.kpis``: the shares this year and last year with their Wilson intervals."""
    shares = df[df["kind"] == "share"]
    if shares.empty:
        return empty_spec(title)
    year = int(shares["year"].iloc[0])
    data = []
    for prefix, name, colour in (("previous_", str(year - 1), COLOURS["previous"]),
                                 ("", str(year), COLOURS["primary"])):
        value = shares[f"{prefix}value"]
        data.append({
            "type": "scatter", "x": _list(value), "y": _list(shares["label"]), "mode": "markers", "name": name,
            "orientation": "h", "marker": {"color": colour, "size": 11},
            "error_x": {"type": "data", "symmetric": False, "color": colour,
                        "array": _list((shares[f"{prefix}high"] - value).fillna(0)),
                        "arrayminus": _list((value - shares[f"{prefix}low"]).fillna(0))},
            "customdata": _pairs(shares[f"{prefix}numerator"], shares[f"{prefix}denominator"].fillna(0)),
            "hovertemplate": "%{y}: %{x:.0%} (%{customdata[0]} af %{customdata[1]})<extra>" + name + "</extra>",
        })
    spec = {"data": data, "layout": {"xaxis": {"tickformat": ".0%", "range": [-0.02, 1.02]},
                                     "yaxis": {"autorange": "reversed", "type": "category"},
                                     "height": max(320, 80 + 45 * len(shares)), "scattermode": "group",
                                     "scattergap": 0.5}}
    return _styled(spec, title, "Andel", None, legend_title="År")


def kpi_chart(df: pd.DataFrame, title: str = "Nøgletal i år og sidste år (95 %-interval)") -> go.Figure:
    return figure(kpi_spec(df, title))


def completeness_spec(df: pd.DataFrame, title: str = "Udfyldte frivillige felter pr. netværk") -> dict:
    """From ``queries.completeness``: share of applicable optional fields filled per network."""
    if df.empty:
        return empty_spec(title)
    spec = bar_spec(df, "netvaerk", "share", title, x_title="Andel udfyldt", y_title="SSP-netværk",
                    horizontal=True, percent=True)
    spec["data"][0].update(customdata=_list(df["weakest"]),
                           hovertemplate="%{y}: %{x:.0%} udfyldt<br>Mindst udfyldt: %{customdata}<extra></extra>")
    return spec


def completeness_chart(df: pd.DataFrame, title: str = "Udfyldte frivillige felter pr. netværk") -> go.Figure:
    return figure(completeness_spec(df, title))


# At most this many colours in one panel: beyond it bars turn to hairlines and the legend is
# cut, so the rest is drawn as small multiples (one panel per value) instead.
MAX_SERIES = 6
PANEL_COLUMNS = 3
BAR_PX = 16
SMALL_NOTE = "Lyse søjler bygger på 1–{n} sager (lille tal)."


def explore_chart(df: pd.DataFrame, dimensions: list[str], measure: str) -> go.Figure:
    """From ``explore.explore``: bars over the first dimension, a colour per value of the second,
    and one small panel per value of the third (small multiples), all on one shared scale.

    A second dimension with more than ``MAX_SERIES`` values becomes the panels instead of the
    colours, so no panel holds a crowd of hairline bars and the legend stays short. Periods
    run left to right; other categories are horizontal bars, so long names ("Ungdoms-
    uddannelserne") are read, not tilted. Categories keep the frame's order (the contract's
    code order: "Under 12" first) and every panel shows all of them. Cells with small counts
    are drawn pale, and a note under the chart says what pale means.
    """
    from plotly.subplots import make_subplots  # here: 0.4 s at import, and only Udforsk needs it

    m = MEASURES[measure]
    names = [DIMENSIONS[d].label for d in dimensions]
    title = m.label + (" fordelt på " + " og ".join(_lower_first(n) for n in names) if names else "")
    if df.empty:
        return _empty(title)
    value = measure if measure in df.columns else "cases"
    x_key, colour_key, panel_key = _explore_roles(df, dimensions)
    labels = (lambda key: df[f"{key}_label"].astype(str))  # noqa: E731
    cats = labels(x_key) if x_key else pd.Series(["I alt"] * len(df), index=df.index)
    categories = list(dict.fromkeys(cats))
    colours = list(dict.fromkeys(labels(colour_key))) if colour_key else [m.label]
    panels = list(dict.fromkeys(labels(panel_key))) if panel_key else [None]
    across = x_key is None or DIMENSIONS[x_key].kind == "period"  # vertical bars along time
    cols = min(len(panels), PANEL_COLUMNS if across else 2) if panel_key else 1
    rows = math.ceil(len(panels) / cols)
    per_panel = 260 if across else 60 + BAR_PX * len(categories) * (len(colours) if colour_key else 1)
    height = max(450, 160 + (per_panel + 70) * rows)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=panels if panel_key else None,
                        horizontal_spacing=0.06 if across else 0.16, vertical_spacing=70 / height)
    number = "%{y:.0%}" if across else "%{x:.0%}"
    number = number if m.kind == "share" else number.replace(":.0%", "")
    where = "%{x}" if across else "%{y}"
    for p, panel in enumerate(panels):
        in_panel = labels(panel_key) == panel if panel_key else pd.Series(True, index=df.index)
        for c, colour in enumerate(colours):
            part = in_panel & ((labels(colour_key) == colour) if colour_key else True)
            if not part.any():
                continue
            shown = df[part]
            axis = {"x": cats[part], "y": shown[value]} if across else {"x": shown[value], "y": cats[part]}
            fig.add_bar(
                **axis, orientation="v" if across else "h", name=colour, legendgroup=colour, showlegend=p == 0,
                marker={"color": SEQUENCE[c % len(SEQUENCE)],
                        "opacity": [0.4 if s else 1.0 for s in shown["small"]]},
                customdata=[["lille tal" if s else ""] for s in shown["small"]],
                hovertemplate=f"{where}: {number}<br>%{{customdata[0]}}<extra>{colour}</extra>",
                row=p // cols + 1, col=p % cols + 1)
    fig.update_layout(barmode="group", bargap=0.2, showlegend=colour_key is not None, height=height)
    category_axis, value_axis = ("xaxes", "yaxes") if across else ("yaxes", "xaxes")
    getattr(fig, f"update_{category_axis}")(type="category", categoryorder="array", categoryarray=categories,
                                            matches="x" if across else "y",
                                            autorange=None if across else "reversed")
    getattr(fig, f"update_{value_axis}")(matches="y" if across else "x", rangemode="tozero",
                                         tickformat=".0%" if m.kind == "share" else None)
    x_name = names[dimensions.index(x_key)] if x_key else None
    _layout(fig, title, legend_title=names[dimensions.index(colour_key)] if colour_key else None)
    # Axis titles once: the category axis on the first column, the value axis on the bottom row.
    for p in range(len(panels)):
        row, col = p // cols + 1, p % cols + 1
        bottom = p + cols >= len(panels)
        if across:
            fig.update_xaxes(title_text=x_name if bottom else None, row=row, col=col)
            fig.update_yaxes(title_text=m.label if col == 1 else None, row=row, col=col)
        else:
            fig.update_xaxes(title_text=m.label if bottom else None, row=row, col=col)
            fig.update_yaxes(title_text=x_name if col == 1 else None, row=row, col=col)
    note = SMALL_NOTE.format(n=settings.suppression_threshold) if df["small"].any() else ""
    fig.update_layout(title={"subtitle": {"text": note, "font": {"size": 12, "color": COLOURS["neutral"]}}},
                      margin={"l": 10, "r": 10, "t": 100 if panel_key else 80, "b": 90 if colour_key else 30})
    if colour_key:  # under the panels, across: never over a bar or a panel's title
        fig.update_layout(legend={"orientation": "h", "yref": "container", "y": 0.005, "yanchor": "bottom",
                                  "x": 0, "xanchor": "left"})
    return fig


def _explore_roles(df: pd.DataFrame, dimensions: list[str]) -> tuple[str | None, str | None, str | None]:
    """(x, colour, panels) among the chosen dimensions; see ``explore_chart``."""
    x = dimensions[0] if dimensions else None
    rest = list(dimensions[1:])
    if not rest:
        return x, None, None
    if len(rest) == 1:
        many = df[f"{rest[0]}_label"].nunique() > MAX_SERIES
        return (x, None, rest[0]) if many else (x, rest[0], None)
    colour, panel = rest
    if df[f"{colour}_label"].nunique() > MAX_SERIES and df[f"{panel}_label"].nunique() < df[f"{colour}_label"].nunique():
        colour, panel = panel, colour
    return x, colour, panel


def _lower_first(text: str) -> str:
    """'Platform(e)' -> 'platform(e)' mid-sentence, but 'SSP-netværk' keeps its capitals."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


PLOTLY_JS_ID = "plotly-js"  # the id of the one <script> that holds plotly.js in a report


def plotly_js_tag() -> str:
    """plotly.js (from the plotly package, offline) in one ``<script id="plotly-js">``.

    One marked element, so the report's printer can recognise the library and print the
    report in a page where plotly.js is already loaded (``report.printer.PdfPrinter``).
    """
    from plotly.offline import get_plotlyjs

    return (f"<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>"
            f'<script id="{PLOTLY_JS_ID}" charset="utf-8">{get_plotlyjs()}</script>')


def to_offline_html(fig: go.Figure, include_plotlyjs: bool, *, div_id: str | None = None) -> str:
    """A ``<div>`` for the report: plotly.js embedded (first chart only), no CDN, no MathJax.

    Pass ``include_plotlyjs=True`` for the first figure of a page and False after, so the
    library is in the file once (``plotly_js_tag``). ``div_id`` makes the output reproducible
    byte for byte.
    """
    div = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )
    return plotly_js_tag() + div if include_plotlyjs else div

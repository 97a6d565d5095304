"""Plotly figures from the query frames, the same on the dashboards and in the report.

Plain ``go.Figure`` objects (not FigureWidget: see conventions.md on plotly#4998 and
voila#1533); the dashboards redraw them inside an ``ipywidgets.Output``. Every figure has
a Danish ``layout.title.text`` (the browser tests read titles from the SVG), Danish axis
titles, Danish number separators and the palette below, and needs nothing from the
internet: period axes are categories labelled '2025-03' / '2025 K1', because plotly's date
axes would print English month names.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

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


def _layout(fig: go.Figure, title: str, x_title: str | None = None, y_title: str | None = None,
            *, legend_title: str | None = None) -> go.Figure:
    """The house style: Danish title and axes, decimal comma, palette, white background."""
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        template="plotly_white",
        separators=",.",
        font={"family": FONT, "size": 13},
        colorway=list(SEQUENCE),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"title": {"text": legend_title or ""}},
        hoverlabel={"font": {"family": FONT}},
    )
    if fig.layout.height is None:
        fig.update_layout(height=450)
    fig.update_xaxes(title_text=x_title, automargin=True)
    fig.update_yaxes(title_text=y_title, automargin=True)
    return fig


def _empty(title: str) -> go.Figure:
    """A titled figure that says there is nothing to show, instead of blank axes."""
    fig = go.Figure()
    fig.add_annotation(text=NO_DATA_TEXT, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 15, "color": COLOURS["neutral"]})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title)


def _percent(value: float) -> str:
    """'42 %' in Danish style; '–' where there is no share."""
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value * 100:.0f} %"


def trend_chart(df: pd.DataFrame, title: str = "Sager over tid") -> go.Figure:
    """Stacked bars of situation A and B per period, from ``queries.trend``."""
    if df.empty:
        return _empty(title)
    fig = go.Figure()
    for code, column in (("A", "cases_a"), ("B", "cases_b")):
        fig.add_bar(x=df["period_label"], y=df[column], name=f"Situation {code}",
                    marker_color=COLOURS[code],
                    hovertemplate="%{x}: %{y} sager<extra>Situation " + code + "</extra>")
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    fig.update_xaxes(type="category")
    return _layout(fig, title, "Periode (indberetningsmåned)", "Antal sager", legend_title="Situation")


def situation_chart(df: pd.DataFrame, title: str = "Sager fordelt på situation A og B") -> go.Figure:
    """Bars of cases per situation with share and Wilson interval in the hover, from ``situation_split``."""
    if df.empty or int(df["cases"].sum()) == 0:
        return _empty(title)
    fig = go.Figure(go.Bar(
        x=df["situation_label"], y=df["cases"],
        marker_color=[COLOURS.get(s, COLOURS["primary"]) for s in df["situation"]],
        text=[f"{n} ({_percent(s)})" for n, s in zip(df["cases"], df["share"], strict=True)],
        textposition="auto",
        customdata=list(zip(df["low"].fillna(0), df["high"].fillna(0), strict=True)),
        hovertemplate="%{x}<br>%{y} sager<br>95 %-interval for andelen: "
                      "%{customdata[0]:.0%}–%{customdata[1]:.0%}<extra></extra>",
    ))
    return _layout(fig, title, "Situation", "Antal sager")


def adherence_heatmap(df: pd.DataFrame, title: str = "Actioncardet fulgt pr. netværk") -> go.Figure:
    """Networks × the actioncard's phases, colour = share followed, n in text and hover.

    Rows in the frame's network order with "Alle netværk" last; cells where the phase
    applied to no case are blank.
    """
    if df.empty:
        return _empty(title)
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
            share = r.share if r is not None and n else None
            z_row.append(share)
            text_row.append(f"{_percent(share)}<br>n={n}" if n else "–")
            custom_row.append([followed, n])
        z.append(z_row)
        text.append(text_row)
        custom.append(custom_row)
    fig = go.Figure(go.Heatmap(
        z=z, x=phases, y=networks, text=text, texttemplate="%{text}", customdata=custom,
        zmin=0, zmax=1, colorscale=HEATMAP_SCALE, xgap=2, ygap=2,
        colorbar={"title": {"text": "Andel fulgt"}, "tickformat": ".0%"},
        hovertemplate="%{y}<br>%{x}: fulgt i %{customdata[0]} af %{customdata[1]} sager"
                      "<br>Andel %{z:.0%}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(side="top", type="category")
    fig.update_layout(height=max(300, 140 + 40 * len(networks)))
    _layout(fig, title, "Fase i actioncardet", "SSP-netværk")
    fig.update_layout(margin={"t": 110})  # room for the phase names above the cells
    return fig


def bar_chart(df: pd.DataFrame, x: str, y: str, title: str, *, x_title: str | None = None,
              y_title: str | None = None, horizontal: bool = False, percent: bool = False,
              colour: str | None = None) -> go.Figure:
    """A plain bar chart of column ``y`` against ``x``; ``percent`` formats a 0..1 axis."""
    if df.empty:
        return _empty(title)
    values = df[y]
    text = [_percent(v) for v in values] if percent else [f"{v:,.0f}".replace(",", ".") for v in values]
    bar = go.Bar(
        x=values if horizontal else df[x], y=df[x] if horizontal else values,
        orientation="h" if horizontal else "v", text=text, textposition="auto",
        marker_color=colour or COLOURS["primary"],
        hovertemplate=("%{y}: %{x}" if horizontal else "%{x}: %{y}") + "<extra></extra>",
    )
    fig = go.Figure(bar)
    value_axis = {"tickformat": ".0%", "range": [0, 1.05]} if percent else {}
    if horizontal:
        fig.update_xaxes(**value_axis)
        fig.update_yaxes(autorange="reversed", type="category")
    else:
        fig.update_yaxes(**value_axis)
        fig.update_xaxes(type="category")
    return _layout(fig, title, x_title, y_title)


def _ranked_chart(df: pd.DataFrame, title: str, axis_title: str) -> go.Figure:
    """Horizontal bars of cases per value (zero rows left out), most frequent on top."""
    shown = df[df["cases"] > 0] if not df.empty else df
    if shown.empty:
        return _empty(title)
    fig = bar_chart(shown, "value_label", "cases", title, x_title="Antal sager", y_title=axis_title,
                    horizontal=True)
    fig.update_traces(customdata=shown["share"].fillna(0),
                      hovertemplate="%{y}: %{x} sager (%{customdata:.0%} af sagerne)<extra></extra>")
    return fig


def platforms_chart(df: pd.DataFrame, title: str = "Platforme i sagerne") -> go.Figure:
    """From ``queries.platforms``: a case with several platforms counts under each."""
    return _ranked_chart(df, title, "Platform")


def offence_types_chart(df: pd.DataFrame, title: str = "Typer af krænkelser") -> go.Figure:
    """From ``queries.offence_types``: a case with several kinds counts under each."""
    return _ranked_chart(df, title, "Krænkelsestype")


def outcomes_chart(df: pd.DataFrame, title: str = "Sagernes udfald") -> go.Figure:
    """From ``queries.outcomes``: share of cases per value, grouped by field (zeros left out)."""
    shown = df[df["cases"] > 0] if not df.empty else df
    if shown.empty:
        return _empty(title)
    fig = go.Figure(go.Bar(
        x=shown["share"], y=[shown["field_label"].tolist(), shown["value_label"].tolist()],
        orientation="h",
        marker_color=[COLOURS.get(v, COLOURS["primary"]) for v in shown["value"]],
        text=[f"{n} ({_percent(s)})" for n, s in zip(shown["cases"], shown["share"], strict=True)],
        textposition="auto",
        hovertemplate="%{y}: %{x:.0%} af sagerne<extra></extra>",
    ))
    fig.update_xaxes(tickformat=".0%", range=[0, 1.05])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(350, 60 + 24 * len(shown)))
    return _layout(fig, title, "Andel af sagerne", None)


def kpi_chart(df: pd.DataFrame, title: str = "Nøgletal i år og sidste år (95 %-interval)") -> go.Figure:
    """From ``queries.kpis``: the shares this year and last year with their Wilson intervals."""
    shares = df[df["kind"] == "share"]
    if shares.empty:
        return _empty(title)
    fig = go.Figure()
    year = int(shares["year"].iloc[0])
    for prefix, name, colour in (("previous_", str(year - 1), COLOURS["previous"]),
                                 ("", str(year), COLOURS["primary"])):
        value = shares[f"{prefix}value"]
        fig.add_scatter(
            x=value, y=shares["label"], mode="markers", name=name, orientation="h",
            marker={"color": colour, "size": 11},
            error_x={"type": "data", "symmetric": False, "color": colour,
                     "array": (shares[f"{prefix}high"] - value).fillna(0),
                     "arrayminus": (value - shares[f"{prefix}low"]).fillna(0)},
            customdata=list(zip(shares[f"{prefix}numerator"], shares[f"{prefix}denominator"].fillna(0),
                                strict=True)),
            hovertemplate="%{y}: %{x:.0%} (%{customdata[0]} af %{customdata[1]})<extra>" + name + "</extra>",
        )
    fig.update_xaxes(tickformat=".0%", range=[-0.02, 1.02])
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(320, 80 + 45 * len(shares)), scattermode="group", scattergap=0.5)
    return _layout(fig, title, "Andel", None, legend_title="År")


def completeness_chart(df: pd.DataFrame, title: str = "Udfyldte frivillige felter pr. netværk") -> go.Figure:
    """From ``queries.completeness``: share of applicable optional fields filled per network."""
    if df.empty:
        return _empty(title)
    fig = bar_chart(df, "netvaerk", "share", title, x_title="Andel udfyldt", y_title="SSP-netværk",
                    horizontal=True, percent=True)
    fig.update_traces(customdata=df["weakest"],
                      hovertemplate="%{y}: %{x:.0%} udfyldt<br>Mindst udfyldt: %{customdata}<extra></extra>")
    return fig


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

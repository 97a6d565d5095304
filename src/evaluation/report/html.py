"""The document model (``model.py``) as HTML, escaped by construction (``evaluation.format``).

The notebook displays a :class:`model.Document`; nbconvert keeps that HTML and Chromium
prints it (``render.py``). The layout is for A4: a title page, a contents list that links to
every numbered section (the PDF also gets bookmarks from the headings), a new page where a
section asks for one, charts drawn at a fixed width that fits the printed text width, and
tables that do not break inside a row.
"""

from __future__ import annotations

import plotly.graph_objects as go
from markupsafe import Markup

from evaluation.analysis import charts
from evaluation.format import element, join
from evaluation.report import model

# A4 text width at 96 dpi is 680 px (210 mm less 2 × 15 mm margins); charts are drawn a
# little narrower so their box never touches the page edge.
FIGURE_WIDTH_PX = 660
FIGURE_HEIGHT_PX = 360
WRAP_CHARS = 24  # category labels longer than this are wrapped
CONTENTS_TITLE = "Indhold"


def document_html(doc: model.Document, *, plotly_js: bool = True) -> Markup:
    """A whole edition: title page, contents, numbered sections; plotly.js embedded once, or
    not at all with ``plotly_js=False`` (the report's notebook: its HTML template adds it)."""
    counter = _FigureCounter(plotly_js)
    parts = [title_page_html(doc), contents_html(doc)]
    parts += [section_html(s, counter, number=i) for i, s in enumerate(doc.sections, start=1)]
    return element("div", *parts, class_="rapport", lang="da")


def title_page_html(doc: model.Document) -> Markup:
    """Title, edition and the lines under them, on a page of their own."""
    return element("section", element("h1", doc.title), element("p", doc.edition_label, class_="udgave"),
                   *(element("p", line, class_="note" if i else None) for i, line in enumerate(doc.subtitle_lines)),
                   class_="forside")


def contents_html(doc: model.Document) -> Markup:
    """The contents list: each numbered section, linked to its heading."""
    items = [element("li", element("a", f"{n}. {title}", href=f"#{anchor}"), element("span", "", class_="side"))
             for n, (anchor, title) in enumerate(doc.contents(), start=1)]
    return element("nav", element("h2", CONTENTS_TITLE, class_="indhold-titel"), element("ol", *items),
                   class_="indhold", aria_label=CONTENTS_TITLE)


def section_html(section: model.Section, counter: _FigureCounter | None = None, *, number: int | None = None) -> Markup:
    """One section: its numbered heading and its blocks."""
    counter = counter or _FigureCounter()
    title = f"{number}. {section.title}" if number else section.title
    return element("section", element("h2", title), *(block_html(b, counter) for b in section.blocks),
                   id=section.anchor, class_="ny-side" if section.new_page else None)


def block_html(block: model.Block, counter: _FigureCounter) -> Markup:
    """One block of the model as HTML."""
    if isinstance(block, model.Heading):
        return element(f"h{block.level}", block.text)
    if isinstance(block, model.Paragraph):
        return _paragraph(block)
    if isinstance(block, model.BulletList):
        return element("ul", *(element("li", item) for item in block.items),
                       class_=None if block.style == "body" else block.style)
    if isinstance(block, model.Table):
        return table_html(block)
    if isinstance(block, model.Figure):
        return figure_html(block, counter)
    raise TypeError(f"Unknown block {type(block).__name__}")


def _paragraph(block: model.Paragraph) -> Markup:
    if block.style == "answer":
        return element("div", element("p", block.text), class_="svar")
    if block.style == "quote":
        return element("blockquote", element("p", block.text), class_="citat")
    return element("p", block.text, class_=None if block.style == "body" else block.style)


def table_html(block: model.Table) -> Markup:
    """A table with its heading row repeated on each printed page; numbers right-aligned."""
    numeric = set(block.numeric)

    def cell(tag: str, text: str, i: int, **attrs: object) -> Markup:
        return element(tag, text, class_="tal" if i in numeric else None, **attrs)

    head = element("tr", *(cell("th", h, i, scope="col") for i, h in enumerate(block.headings)))
    rows = [element("tr", *(cell("th", c, i, scope="row") if block.row_headings and i == 0 else cell("td", c, i)
                            for i, c in enumerate(row))) for row in block.rows]
    caption = element("caption", block.caption) if block.caption else None
    return element("table", caption, element("thead", head), element("tbody", *rows), id=block.table_id)


def figure_html(block: model.Figure, counter: _FigureCounter) -> Markup:
    """A chart at print width, plotly.js embedded with the first chart only, with its description."""
    fig = fit_for_print(block.figure)
    first = counter.next()
    div = charts.to_offline_html(fig, include_plotlyjs=first, div_id=block.figure_id)
    return element("figure", Markup(div), element("figcaption", block.description, class_="note"),
                   class_="graf", aria_label=block.description)


def fit_for_print(fig: go.Figure) -> go.Figure:
    """The chart at the printed text width: fixed size, margins that grow with the labels,
    long category labels wrapped so they never run past the chart's edge."""
    fig.update_layout(width=FIGURE_WIDTH_PX, height=min(fig.layout.height or FIGURE_HEIGHT_PX, FIGURE_HEIGHT_PX),
                      autosize=False)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    for trace in fig.data:
        for axis in ("x", "y"):
            values = getattr(trace, axis, None)  # a tuple of values, or plotly's typed array (a dict)
            if isinstance(values, (list, tuple)) and values and all(isinstance(v, str) for v in values):
                setattr(trace, axis, [wrap(v) for v in values])
    return fig


def wrap(label: str, width: int = WRAP_CHARS) -> str:
    """A long label over several lines (plotly breaks lines at <br>)."""
    if len(label) <= width or "<br>" in label:
        return label
    lines, current = [], ""
    for word in label.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return "<br>".join([*lines, current])


class _FigureCounter:
    """True for the first figure of a page (it carries plotly.js), False after; always False
    when the page gets plotly.js otherwise."""

    def __init__(self, plotly_js: bool = True) -> None:
        self.shown = 0
        self.plotly_js = plotly_js

    def next(self) -> bool:
        self.shown += 1
        return self.plotly_js and self.shown == 1


__all__ = ["FIGURE_WIDTH_PX", "document_html", "section_html", "table_html", "figure_html", "join"]

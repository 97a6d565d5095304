"""The report as a small neutral document: headings, paragraphs, lists, tables and figures.

Section functions (``team``, ``kredsraad``) return :class:`Section` objects built from these
blocks and know nothing of HTML or Word. Two renderers read the same document:
``html.py`` (the notebook shows it; nbconvert and Chromium turn it into HTML and PDF) and
``docx.py`` (python-docx: Word headings, Word tables, charts as images). So the .docx is the
same report as the HTML, not a second one, and a number in one is the number in the other.

Cells and texts are already formatted Danish strings (``evaluation.format``); a table
remembers which columns are numbers (right-aligned in both renderers) and its stable
``table_id`` (tests and next year's audit find a table by it). A :class:`Document` can be
written as JSON and read back (``to_json``/``from_json``): the notebook writes it, and
``render.py`` builds the .docx from it after the HTML is printed.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

ParagraphStyle = Literal["body", "note", "answer", "lead", "quote"]


@dataclass(frozen=True)
class Heading:
    """A heading below the section's own (level 3 or 4)."""

    text: str
    level: int = 3


@dataclass(frozen=True)
class Paragraph:
    """Running text. ``note``: small grey print; ``answer``: set off (the answer to a question);
    ``quote``: a quoted example (a learning in the team's or networks' own words)."""

    text: str
    style: ParagraphStyle = "body"


@dataclass(frozen=True)
class BulletList:
    """A plain list of sentences."""

    items: tuple[str, ...]
    style: ParagraphStyle = "body"


@dataclass(frozen=True)
class Table:
    """A table of formatted cells. ``numeric`` columns are right-aligned; with
    ``row_headings`` the first column names the row (``th`` / bold in Word)."""

    table_id: str
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()
    row_headings: bool = False
    caption: str = ""


@dataclass(frozen=True)
class Figure:
    """A chart: the plotly figure (sized for the A4 text width) and a short description."""

    figure_id: str
    spec: dict[str, Any]  # plotly's JSON of the figure
    description: str

    @property
    def figure(self) -> go.Figure:
        return go.Figure(self.spec)


Block = Heading | Paragraph | BulletList | Table | Figure


@dataclass
class Section:
    """One numbered part of the report: a level-2 heading and its blocks.

    ``anchor`` is the HTML id the contents list links to; ``new_page`` starts it on a new
    page in print. ``in_contents`` leaves it out of the contents (the title page).
    """

    title: str
    anchor: str
    blocks: list[Block] = field(default_factory=list)
    new_page: bool = False
    in_contents: bool = True

    def add(self, *blocks: Block | None) -> Section:
        """Append blocks (None is skipped, so optional blocks need no branches)."""
        self.blocks.extend(b for b in blocks if b is not None)
        return self

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def _repr_html_(self) -> str:  # Jupyter shows a section on its own (tests, notebooks by hand)
        from evaluation.report import html

        return str(html.section_html(self))


@dataclass
class Document:
    """A whole edition: title page facts, then its sections in order."""

    title: str
    edition_label: str
    edition: str
    subtitle_lines: list[str]
    sections: list[Section]
    footer: str = ""

    def contents(self) -> list[tuple[str, str]]:
        """(anchor, title) of the sections in the contents list."""
        return [(s.anchor, s.title) for s in self.sections if s.in_contents]

    def tables(self) -> dict[str, Table]:
        return {t.table_id: t for s in self.sections for t in s.tables()}

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def _repr_html_(self) -> str:
        from evaluation.report import html

        return str(html.document_html(self))

    def to_json(self) -> str:
        """The document as JSON (figures as plotly JSON), for the .docx renderer."""
        return json.dumps({"title": self.title, "edition_label": self.edition_label, "edition": self.edition,
                           "subtitle_lines": self.subtitle_lines, "footer": self.footer,
                           "sections": [_section_dict(s) for s in self.sections]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Document:
        data = json.loads(text)
        sections = [Section(s["title"], s["anchor"], [_block(b) for b in s["blocks"]], s["new_page"],
                            s["in_contents"]) for s in data["sections"]]
        return cls(data["title"], data["edition_label"], data["edition"], list(data["subtitle_lines"]), sections,
                   data.get("footer", ""))


def figure(figure_id: str, fig: go.Figure, description: str) -> Figure:
    """A :class:`Figure` from a plotly figure, kept as plain JSON data (so the model stays data).

    plotly 6 writes number arrays as typed arrays ({dtype, bdata}), which ``go.Figure`` does
    not read back (a chart's values once became the labels 'dtype', 'bdata'); here every
    array becomes a plain list.
    """
    return Figure(figure_id, _plain(fig.to_plotly_json()), description)


def _plain(value: Any) -> Any:
    """Numpy arrays and scalars, pandas values and dates as plain JSON values, recursively."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:  # plotly's typed array
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if value.get("shape"):
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return _plain(array.tolist())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Series, pd.Index)):
        return [_plain(v) for v in list(value)]
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.isoformat()
    return value


def table(table_id: str, headings: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Iterable[int] = (),
          row_headings: bool = False, caption: str = "") -> Table:
    """A :class:`Table` from any sequences (cells become str)."""
    return Table(table_id, tuple(str(h) for h in headings), tuple(tuple(str(c) for c in row) for row in rows),
                 tuple(numeric), row_headings, caption)


def bullets(items: Iterable[str], style: ParagraphStyle = "body") -> BulletList | None:
    """A list, or None when there is nothing to list."""
    found = tuple(str(i) for i in items)
    return BulletList(found, style) if found else None


_KINDS: dict[str, type] = {"heading": Heading, "paragraph": Paragraph, "list": BulletList, "table": Table,
                           "figure": Figure}
_NAMES = {kind: name for name, kind in _KINDS.items()}


def _section_dict(section: Section) -> dict[str, Any]:
    return {"title": section.title, "anchor": section.anchor, "new_page": section.new_page,
            "in_contents": section.in_contents,
            "blocks": [{"kind": _NAMES[type(b)], **asdict(b)} for b in section.blocks]}


def _block(data: dict[str, Any]) -> Block:
    kind = _KINDS[data.pop("kind")]
    if kind is Table:
        data["rows"] = tuple(tuple(r) for r in data["rows"])
        data["headings"] = tuple(data["headings"])
        data["numeric"] = tuple(data["numeric"])
    if kind is BulletList:
        data["items"] = tuple(data["items"])
    return kind(**data)

"""The one Danish formatting kit: numbers, dates, plurals, quotes, and HTML escaped by construction.

Dashboards (``views/``) and the yearly report (``report/``) print the same figures, so they
print them the same way: ``1.234`` (thousands point), ``12,5`` (decimal comma), ``42 %``
with a no-break space (the sign never wraps onto its own line), ``20.11.2025``, a missing
value as ``–``, plural agreement (``1 rolle``, ``2 roller``) and one quote style for a name
in running text (``»Vurder«``, the Danish book style).

HTML is built with markupsafe: ``escape`` turns any value into ``Markup`` (text escaped,
``Markup`` kept), and every helper here returns ``Markup``. A value from the database (a
network's name, a learning, a note) therefore can never become markup by accident: it is
text until someone deliberately wraps it in ``Markup``, and the only place that happens is
for fragments these helpers built themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

MISSING = "–"
NBSP = "\u00a0"
QUOTE_OPEN, QUOTE_CLOSE = "»", "«"
MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
          "oktober", "november", "december")


# --- values ---------------------------------------------------------------------------------

def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas NA (and an infinite float: no printable value)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isinf(value):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, decimals: int = 0) -> str:
    """``1.234`` or ``12,5``: Danish separators; ``–`` when missing."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):,.{decimals}f}" if decimals else f"{round(float(value)):,d}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def integer(value: Any) -> str:
    """A count: ``12.345``; ``–`` when missing."""
    return MISSING if is_missing(value) else number(int(value))


def percent(value: Any, decimals: int = 0) -> str:
    """A share (0..1) as ``42 %`` or ``41,7 %`` (no-break space); ``–`` when missing."""
    return MISSING if is_missing(value) else f"{number(float(value) * 100, decimals)}{NBSP}%"


def percent_range(low: Any, high: Any, decimals: int = 0) -> str:
    """An interval of shares: ``12–40 %``; ``–`` when either end is missing."""
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"{number(float(low) * 100, decimals)}–{number(float(high) * 100, decimals)}{NBSP}%"


def number_range(low: Any, high: Any, decimals: int = 0) -> str:
    """An interval of counts: ``3–9``; ``–`` when either end is missing."""
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"{number(low, decimals)}–{number(high, decimals)}"


def _as_date(value: Any) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date()
    return value if isinstance(value, date) else None


def day(value: Any) -> str:
    """``20.11.2025``; ``–`` when missing (text that is no date is returned as it is)."""
    if is_missing(value):
        return MISSING
    parsed = _as_date(value)
    return str(value) if parsed is None else f"{parsed:%d.%m.%Y}"


def day_time(value: Any) -> str:
    """``20.11.2025 14:03``; ``–`` when missing."""
    return MISSING if is_missing(value) else f"{pd.Timestamp(value):%d.%m.%Y %H:%M}"


def month(value: Any) -> str:
    """``december 2025`` (a month never breaks as ``2025-/12``); ``–`` when missing."""
    if is_missing(value):
        return MISSING
    if isinstance(value, str) and len(value) == 7 and value[4] == "-":  # '2025-12'
        value = f"{value}-01"
    parsed = _as_date(value)
    return str(value) if parsed is None else f"{MONTHS[parsed.month - 1]}{NBSP}{parsed.year}"


def yes_no(value: Any) -> str:
    """``Ja``/``Nej``; ``–`` when missing."""
    return MISSING if is_missing(value) else ("Ja" if bool(value) else "Nej")


def plural(count: Any, singular: str, plural_form: str) -> str:
    """``1 rolle``, ``0 roller``, ``2 roller``, ``1.200 sager``: Danish agreement (only 1 is singular)."""
    n = int(count)
    return f"{integer(n)} {singular if n == 1 else plural_form}"


def quote(text: Any) -> str:
    """A name in running text, in the one quote style: ``»Vurder«``."""
    return f"{QUOTE_OPEN}{text}{QUOTE_CLOSE}"


def and_list(items: Iterable[Any]) -> str:
    """``a, b og c``: a Danish enumeration ('' for none)."""
    words = [str(i) for i in items]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " og " + words[-1]


def text(value: Any) -> str:
    """A value as plain text; ``–`` when missing."""
    return MISSING if is_missing(value) else str(value)


# --- HTML (markupsafe: escaped by construction) ---------------------------------------------

def esc(value: Any) -> Markup:
    """Escaped text as ``Markup``; ``–`` when missing; ``Markup`` passes through unchanged."""
    return Markup(MISSING) if is_missing(value) else escape(value)


def element(tag: str, *children: Any, **attributes: Any) -> Markup:
    """``<tag attr="…">children</tag>``: children and attribute values are escaped unless
    they are ``Markup``. ``class_`` sets ``class``; an attribute that is None or False is left out."""
    attrs = []
    for name, value in attributes.items():
        if value is None or value is False:
            continue
        key = name.rstrip("_").replace("_", "-")
        attrs.append(key if value is True else f'{key}="{escape(value)}"')
    opening = " ".join([tag, *attrs])
    return Markup(f"<{opening}>{join(children)}</{tag}>")


def join(parts: Iterable[Any], separator: str = "") -> Markup:
    """Fragments joined as ``Markup`` (plain text among them escaped, None skipped)."""
    return Markup(separator).join(escape(p) for p in parts if p is not None)


def table_html(frame: pd.DataFrame | None, columns: Mapping[str, str], *,
               formats: Mapping[str, Callable[[Any], Any]] | None = None,
               row_class: Callable[[dict], str] | None = None, scroll: bool = False,
               empty: str = "Ingen rækker at vise.") -> Markup:
    """An HTML table (class ``ssp-table``) of ``columns`` (key -> Danish heading).

    Each value passes through its ``formats`` function, else prints as text (``–`` when
    missing), and is escaped. A format function that returns ``Markup`` (a flag built with
    ``element``) is kept as markup: that is the only way markup enters a cell.
    """
    if frame is None or frame.empty:
        return element("p", empty, class_="ssp-lead")
    formats = formats or {}
    head = element("tr", *(element("th", title) for title in columns.values()))
    # The rows as one string, each cell escaped once: the same HTML as ``element`` per cell, but
    # Årsevaluering's 200 learnings took ~19 ms that way (under cProfile), a filter change's largest
    # single cost in the kernel.
    rows = []
    for record in frame.to_dict("records"):
        cells = "".join(f"<td>{_cell(formats[key](record.get(key)) if key in formats else text(record.get(key)))}</td>"
                        for key in columns)
        rows.append(f'<tr class="{escape(row_class(record) if row_class else "")}">{cells}</tr>')
    body = Markup("".join(rows))
    table = element("table", element("thead", head), element("tbody", body), class_="ssp-table")
    if not scroll:
        return table
    # A region that scrolls must be reachable by keyboard (WCAG 2.1.1; axe: scrollable-region-focusable).
    return element("div", table, class_="ssp-scroll", tabindex="0", role="region",
                   aria_label=f"Tabel med {plural(len(rows), 'række', 'rækker')}, som kan rulles")


def _cell(value: Any) -> Markup | str:
    """A cell's content escaped (``Markup`` kept), as ``element`` does; None is empty."""
    return "" if value is None else escape(value)


__all__ = ["MISSING", "MONTHS", "Markup", "NBSP", "and_list", "day", "day_time", "element", "esc", "escape",
           "integer", "is_missing", "join", "month", "number", "number_range", "percent", "percent_range",
           "plural", "quote", "table_html", "text", "yes_no"]

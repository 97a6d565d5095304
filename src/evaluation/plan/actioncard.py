"""The actioncard, generated from the plan registry as one printable A4 page (HTML and PDF).

The printed card is what schools actually use, so it must follow the registry the day a
change is accepted in the evaluation (e.g. a moved address via ``registry.update_address_url``).
The card shows the five phases and thirteen steps in card order, the registry's *current*
web addresses and phone numbers, and the key contact roles with room to write names.

Step texts are written with the addresses and numbers as printed when the plan was adopted.
``render_html`` therefore rewrites, in each step text, every address or number the registry
has ever had for an item (from ``registry_history``) to the item's current value, and marks
it. A separate contact box lists every current address and number, so nothing depends on a
step text mentioning it.

The PDF is printed by Debian's Chromium through Playwright (``page.pdf(format="A4")``, the
route that laid out cleanly here; Chromium's own ``--print-to-pdf`` gives US Letter). If the
content grows beyond one page, it is printed at a slightly smaller scale until it fits.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import jinja2
import pandas as pd
from markupsafe import Markup, escape

from evaluation import pdf
from evaluation.store import db
from evaluation.plan import registry
from evaluation.errors import EvaluationError

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["ActioncardError", "render_html", "write", "count_pdf_pages", "HTML_NAME", "PDF_NAME"]

HTML_NAME = "actioncard.html"
PDF_NAME = "actioncard.pdf"
TEMPLATE_NAME = "actioncard.html.j2"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
PAGE_MARGIN = "8mm"
# Tried in order until the card fits on one page; below 0.7 it becomes hard to read.
PDF_SCALES = (1.0, 0.94, 0.88, 0.82, 0.76, 0.7)
ROLE_SUMMARY_CHARS = 110  # the key-person box stays small enough for the card to fit one page
# Phase colours (print-friendly, distinguishable in greyscale by lightness too).
PHASE_COLOURS = ("#1f5f8b", "#2e7d5b", "#b5472f", "#7a4e9c", "#8a6d1d")
MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
             "oktober", "november", "december")


class ActioncardError(EvaluationError):
    """The actioncard could not be printed to PDF (Danish message)."""


# --- HTML ---------------------------------------------------------------------------------

def render_html(con: duckdb.DuckDBPyConnection) -> str:
    """The current actioncard as one self-contained, printable HTML page (no external files)."""
    meta = {row.key: row.value for row in registry.plan_meta(con).itertuples()}
    addresses = registry.addresses(con)
    phones = registry.phones(con)
    roles = registry.roles(con)
    marker = _Marker(_replacements(con, addresses, phones))
    phases: list[dict[str, Any]] = []
    for row in registry.actioncard(con).itertuples():
        if not phases or phases[-1]["no"] != row.phase_no:
            phases.append({"no": int(row.phase_no), "title": row.phase_title, "steps": [],
                           "colour": PHASE_COLOURS[(int(row.phase_no) - 1) % len(PHASE_COLOURS)]})
        number = sum(len(p["steps"]) for p in phases) + 1  # 1..13 across the card
        phases[-1]["steps"].append({"no": int(row.step_no), "number": number, "title": row.title,
                                    "text": marker(row.text)})
    try:
        meta["last_evaluated"] = _danish_date(date.fromisoformat(str(meta["last_evaluated"])[:10]))
    except (KeyError, ValueError):  # unknown or not a date: printed as stored, or left out
        pass
    template = _environment().get_template(TEMPLATE_NAME)
    return template.render(
        meta=meta, phases=phases, margin=PAGE_MARGIN,
        steps_total=sum(len(p["steps"]) for p in phases),
        addresses=[{"url": r.url, "purpose": r.purpose, "actor": _text(r.actor_name)} for r in addresses.itertuples()],
        phones=[{"number": r.number, "purpose": _short_purpose(r.purpose), "actor": _text(r.actor_name)}
                for r in phones.itertuples()],
        roles=[{"title": r.title, "summary": _role_summary(r.description)}
               for r in roles.itertuples() if bool(r.per_network)],
        printed_on=_danish_date(date.today()),
    )


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _danish_date(day: date) -> str:
    return f"{day.day}. {MONTHS_DA[day.month - 1]} {day.year}"


def _short_purpose(purpose: str) -> str:
    """A phone's purpose without the number repeated in brackets ("… (+45 35 36 55 55): …"; plans
    seeded before the plan file dropped them wrote "((+45) 35 36 55 55)")."""
    return re.sub(r"\s*\((?:\(\+45\)|\+45)[^)]*\)", "", purpose).strip()


def _role_summary(description: Any) -> str:
    """The first duty of a role (its description's first bullet), to say when to contact them."""
    if not isinstance(description, str):
        return ""
    bullets = [line.strip()[1:].strip() for line in description.splitlines() if line.strip().startswith("-")]
    first = bullets[0] if bullets else description.strip().splitlines()[0]
    first = first.split(" (")[0].rstrip(" .,:")
    if len(first) > ROLE_SUMMARY_CHARS:
        first = first[:ROLE_SUMMARY_CHARS].rsplit(" ", 1)[0].rstrip(" ,") + " …"
    return first[:1].upper() + first[1:] + ("" if first.endswith("…") else ".")


# --- current addresses and numbers in the step texts --------------------------------------

HISTORY_VALUES_SQL = """
SELECT table_name, item_id, json_extract_string(value, '$.' || field) AS old
FROM (SELECT item_id, table_name, old_value AS value FROM registry_history
      UNION ALL SELECT item_id, table_name, new_value FROM registry_history)
JOIN (VALUES ('addresses', 'url'), ('phones', 'number')) AS f(tbl, field) ON table_name = tbl
WHERE value IS NOT NULL
"""


def _replacements(con: duckdb.DuckDBPyConnection, addresses: pd.DataFrame, phones: pd.DataFrame) -> dict[str, str]:
    """Every address or number an item has had (lower-cased) → the value the registry has now."""
    current = {**{("addresses", i): v for i, v in zip(addresses["address_id"], addresses["url"])},
               **{("phones", i): v for i, v in zip(phones["phone_id"], phones["number"])}}
    mapping: dict[str, str] = {}
    for table, item_id, old in con.execute(HISTORY_VALUES_SQL).fetchall():
        if (table, item_id) in current and isinstance(old, str) and old.strip():
            mapping.setdefault(old.strip().lower(), current[(table, item_id)])
    for value in current.values():  # a current value always maps to itself
        mapping[value.strip().lower()] = value
    return mapping


class _Marker:
    """Escapes a step text and marks (and updates) every known address and number in it."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping
        tokens = sorted(mapping, key=len, reverse=True)  # longest first: politi.dk/anmeld before politi.dk
        alternatives = "|".join(re.escape(t) for t in tokens) or r"(?!x)x"
        # Not inside a longer address, word or number.
        self.pattern = re.compile(rf"(?<![\w./@-])(?:https?://)?({alternatives})(?![\w/-])(?!\.\w)(?! ?\d)",
                                  re.IGNORECASE)

    def __call__(self, text: str) -> Markup:
        out: list[str] = []
        pos = 0
        for match in self.pattern.finditer(text):
            found = match.group(1)
            now = self.mapping[found.lower()]
            shown = found if found.lower() == now.lower() else now  # keep the printed spelling if unchanged
            out += [str(escape(text[pos:match.start()])), f'<span class="ref">{escape(shown)}</span>']
            pos = match.end()
        out.append(str(escape(text[pos:])))
        return Markup("".join(out))


# --- files --------------------------------------------------------------------------------

def write(db_path: Path, out_dir: Path) -> list[Path]:
    """Write the current actioncard as ``actioncard.html`` and a one-page A4 ``actioncard.pdf``.

    Returns both paths (HTML first). The HTML is written even if printing the PDF fails; a card
    too long for one page even at the smallest scale is written and then reported as an error.
    """
    with db.reader(Path(db_path)) as con:
        html = render_html(con)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / HTML_NAME
    html_path.write_text(html, encoding="utf-8")
    pdf_path = out_dir / PDF_NAME
    _print_pdf(html, pdf_path)
    return [html_path, pdf_path]


def _print_pdf(html: str, pdf_path: Path) -> int:
    """Print ``html`` to an A4 PDF with Chromium, shrinking until it is one page; returns pages."""
    def smallest_fitting(page: Page) -> tuple[bytes, int]:
        margin = {side: PAGE_MARGIN for side in ("top", "right", "bottom", "left")}
        for scale in PDF_SCALES:
            data = page.pdf(format="A4", print_background=True, scale=scale, margin=margin)
            pages = count_pdf_pages(data)
            if pages == 1:
                break
        return data, pages

    try:
        data, pages = pdf.in_chromium(html, smallest_fitting)
    except pdf.PrintError as exc:
        raise ActioncardError(f"PDF'en af actioncardet kunne ikke laves (HTML-filen er skrevet): {exc}") from exc
    pdf_path.write_bytes(data)
    if pages != 1:
        raise ActioncardError(f"Actioncardet fylder {pages} sider, selv i mindste skrift, så PDF'en er ikke længere "
                              "ét ark. Forkort teksterne i trinnene eller i rollernes beskrivelser i planens "
                              "register. "
                              "HTML og PDF er skrevet.")
    return pages


def count_pdf_pages(data: bytes) -> int:
    """Pages in a PDF, from its page objects ("/Type /Page", not "/Pages"); Chromium writes them plainly."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))

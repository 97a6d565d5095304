"""Widgets and formatting shared by the dashboard pages (Voilà), in one place.

The pages follow the conventions (see ../../shared/conventions.md): a chart is a plain figure
(a ``charts`` spec or ``go.Figure``, never FigureWidget) redrawn in place in a ``FigureView``
(``figure_view``; it replaced an ``ipywidgets.Output``), every query on a short-lived
``db.reader`` (a kernel never holds the database, so ingest can replace it), every save
through ``db.writer``. Nothing here prints: problems become a Danish banner on the page.
Unexpected errors are logged by class name only (values could hold personal data) and
shown as a Danish sentence, never as a traceback.
"""

from __future__ import annotations

import base64
import html
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import ipywidgets as widgets
import pandas as pd
import plotly.graph_objects as go

from markupsafe import Markup

from evaluation import format as fmt
from evaluation import spreadsheets
from evaluation.store import db
from evaluation.analysis import queries
from evaluation.errors import EvaluationError
from evaluation.analysis.filters import Filters
from evaluation.settings import database_path
from evaluation.views.figure_view import FigureView, PreparedFigure

log = logging.getLogger(__name__)

ALL = "__alle__"  # the "no restriction" choice of a filter dropdown
LOADING_TEXT = "Henter …"
UNEXPECTED_TEXT = ("Der opstod en uventet fejl, og handlingen blev ikke gennemført. Prøv igen, "
                   "og kontakt udviklerne, hvis det sker igen.")

STYLE = """
<style>
.ssp-page { font-family: Arial, Helvetica, sans-serif; color: #1F2933; max-width: 1240px; }
.ssp-page h1 { font-size: 26px; margin: 4px 0 2px 0; }
.ssp-page h2 { font-size: 21px; margin: 26px 0 6px 0; padding-top: 10px; border-top: 2px solid #0072B2; }
.ssp-page h3 { font-size: 16px; margin: 14px 0 4px 0; }
.ssp-lead { color: #52606D; margin: 0 0 8px 0; }
.ssp-page a { color: #0072B2; text-decoration: underline; }
.ssp-banner { padding: 8px 12px; border-radius: 4px; margin: 6px 0; }
.ssp-banner-info { background: #EAF2F8; border-left: 4px solid #0072B2; }
.ssp-banner-ok { background: #E6F4EA; border-left: 4px solid #009E73; }
.ssp-banner-warn { background: #FFF4E0; border-left: 4px solid #E69F00; }
.ssp-banner-error { background: #FDECEA; border-left: 4px solid #D55E00; }
.ssp-loading { color: #52606D; font-style: italic; }
.ssp-table { border-collapse: collapse; font-size: 13px; margin: 4px 0 10px 0; }
.ssp-table th { background: #F0F4F8; text-align: left; padding: 4px 8px; border-bottom: 1px solid #BCCCDC; }
.ssp-table td { padding: 3px 8px; border-bottom: 1px solid #E4E7EB; vertical-align: top; white-space: pre-wrap; }
.ssp-scroll { max-height: 360px; overflow-y: auto; }
.ssp-scroll:focus { outline: 2px solid #0072B2; outline-offset: 2px; }
.ssp-flag { color: #B44D00; font-weight: bold; }
.ssp-small { background: #FFF4E0; }
.ssp-cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 6px 0 12px 0; }
.ssp-kpi { border: 1px solid #BCCCDC; border-radius: 6px; padding: 10px 12px; width: 204px; background: #FFFFFF;
           line-height: 1.35; }
.ssp-kpi-label { font-size: 13px; color: #52606D; min-height: 32px; }
.ssp-kpi-value { font-size: 28px; font-weight: bold; color: #0072B2; line-height: 1.2; margin: 2px 0; }
.ssp-kpi-detail { font-size: 12px; color: #52606D; }
.ssp-kpi-prev { font-size: 13px; margin-top: 4px; }
.ssp-kpi-verdict { font-size: 13px; margin-top: 6px; font-weight: bold; }
.ssp-verdict-up, .ssp-verdict-down { color: #B44D00; }
.ssp-verdict-none { color: #1F2933; }
.ssp-verdict-few { color: #52606D; }
.ssp-download a { margin-right: 14px; }
.ssp-page .jupyter-button.mod-primary { background-color: #005A9C; color: #FFFFFF; }
.ssp-page .jupyter-button.mod-success { background-color: #1B6E20; color: #FFFFFF; }
.ssp-page .jupyter-button.mod-info { background-color: #006D7A; color: #FFFFFF; }
.ssp-page .jupyter-button.mod-warning { background-color: #8A4B00; color: #FFFFFF; }
.ssp-page .jupyter-button.mod-danger { background-color: #B3261E; color: #FFFFFF; }
.ssp-page .jupyter-button:focus-visible { outline: 3px solid #E69F00; outline-offset: 2px; }
.ssp-figure-data { margin: 2px 0 12px 0; font-size: 13px; }
.ssp-figure-data summary { cursor: pointer; color: #0072B2; }
.ssp-figure-data .ssp-table { margin-top: 6px; }
</style>
"""


# --- database -----------------------------------------------------------------------------

def page_database() -> Path:
    """The database the page shows: ``SSP_EVAL_DB`` (set by ``ssp-eval dashboard``)."""
    return database_path(None)


def database_problem(db_path: Path) -> str | None:
    """A Danish sentence when the database is missing, unreadable or has no cases, else None."""
    if not Path(db_path).exists():
        return (f"Databasen {Path(db_path).name} findes ikke endnu. Indlæs netværkenes sagsudtræk på siden "
                "Indlæs udtræk (i menuen øverst), så oprettes den, og genindlæs så denne side.")
    try:
        if db.is_empty(Path(db_path)):
            return ("Databasen indeholder endnu ingen sager. Indlæs netværkenes sagsudtræk på siden "
                    "Indlæs udtræk (i menuen øverst), og genindlæs så denne side.")
    except EvaluationError as exc:
        return str(exc)
    except Exception as exc:  # a damaged file: say so, never show the traceback
        log.error("Databasen kunne ikke læses: %s", type(exc).__name__)
        return f"Databasen {Path(db_path).name} kunne ikke læses. Kontakt den, der vedligeholder den."
    return None


def database_signature(db_path: Path) -> tuple[int, int, int]:
    """Identifies one version of the database file: writers replace it (new inode, mtime)."""
    return db.version(db_path)


# --- formatting (Danish): the one kit lives in evaluation.format -------------------------
# These names stay for the pages that still import them from here; new code imports
# evaluation.format. They return plain ``str`` (not ``Markup``), so pages that still join
# HTML with ``+`` keep working: markupsafe would escape a plain string added to Markup.

is_missing = fmt.is_missing
fmt_int = fmt.integer
fmt_pct = fmt.percent
fmt_date = fmt.day
fmt_datetime = fmt.day_time
fmt_bool = fmt.yes_no


def esc(text: Any) -> str:
    """HTML-escaped text; '–' for missing values (``format.esc`` as plain str)."""
    return str(fmt.esc(text))


# --- building blocks ----------------------------------------------------------------------

def banner(text: str = "", kind: str = "info") -> str:
    """HTML of a coloured message box ('' when there is no text)."""
    return str(fmt.element("div", text, class_=f"ssp-banner ssp-banner-{kind}")) if text else ""


def heading_html(number: int | None, title: str, lead: str = "", anchor: str | None = None) -> str:
    """A visible section heading (h2) with an optional lead paragraph."""
    label = f"{number}. {title}" if number else title
    lead_html = fmt.element("p", lead, class_="ssp-lead") if lead else ""
    return str(fmt.join([fmt.element("h2", label, id=anchor), lead_html]))


def table_html(frame: pd.DataFrame, columns: dict[str, str], *,
               formats: dict[str, Callable[[Any], str]] | None = None,
               row_class: Callable[[dict], str] | None = None, scroll: bool = False,
               empty: str = "Ingen rækker at vise.", raw: tuple[str, ...] = ()) -> str:
    """``format.table_html`` as plain str. ``raw`` columns hold HTML this package built (a
    ``views.sections.FLAG``): it is marked as markup here, every other value is escaped."""
    formats = dict(formats or {})
    for key in raw:
        formats[key] = lambda value: Markup(value or "")
    return str(fmt.table_html(frame, columns, formats=formats, row_class=row_class, scroll=scroll, empty=empty))


def show_figure(area: FigureView, fig: go.Figure | dict | PreparedFigure) -> None:
    """Draw ``fig`` (a ``charts.*_spec`` or a ``go.Figure``) in its chart area, in place, with its
    numbers as a folded table under it (``figure_text``; WCAG 1.1.1). Safe from threads."""
    area.show(fig)


def figure_title(area: FigureView) -> str | None:
    """The title of the figure a chart area shows (tests and benchmarks read it)."""
    return area.title


def download_links(frame: pd.DataFrame, stem: str) -> str:
    """Two links that download ``frame`` as CSV (Danish Excel: ';', decimal comma) and .xlsx.

    Data URIs in an HTML widget: no file on the server and no FileLink, which does not work
    in Voilà. Explore results are aggregates, so the size stays small.
    """
    csv, xlsx = spreadsheets.frame_csv_bytes(frame), spreadsheets.xlsx_bytes(frame, "Udforsk")  # formulas neutralised
    xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return ('<div class="ssp-download">'
            f'<a class="ssp-download-csv" download="{esc(stem)}.csv" '
            f'href="data:text/csv;charset=utf-8;base64,{base64.b64encode(csv).decode()}">Hent tabellen som CSV</a>'
            f'<a class="ssp-download-xlsx" download="{esc(stem)}.xlsx" '
            f'href="data:{xlsx_type};base64,{base64.b64encode(xlsx).decode()}">Hent tabellen som Excel (.xlsx)</a>'
            "</div>")


class Status:
    """A one-line message area: 'Henter …' while work runs, then a result or an error."""

    def __init__(self) -> None:
        self.widget = widgets.HTML("")
        self.widget.add_class("ssp-status")

    def loading(self, text: str = LOADING_TEXT) -> None:
        self.widget.value = f'<div class="ssp-loading">{esc(text)}</div>'

    def show(self, text: str, kind: str = "info") -> None:
        self.widget.value = banner(text, kind)

    def clear(self) -> None:
        self.widget.value = ""

    @property
    def text(self) -> str:
        """The message shown, as plain text (for tests)."""
        return html.unescape(_strip_tags(self.widget.value))


def _strip_tags(markup: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", markup).strip()


@contextmanager
def guarded(status: Status, *, loading: str | None = LOADING_TEXT,
            done: str | None = None) -> Iterator[None]:
    """Run a block with 'Henter …' shown; domain errors become a Danish banner, others too.

    Used around every callback and every section refresh: a failing section says what went
    wrong in Danish and the rest of the page keeps working.
    """
    if loading:
        status.loading(loading)
    try:
        yield
    except EvaluationError as exc:
        status.show(str(exc), "error")
    except Exception as exc:  # never a traceback on the page (voila#203)
        # The class name only at error level: messages can carry values typed by a user.
        log.error("Uventet fejl på dashboardet: %s", type(exc).__name__)
        log.debug("Detaljer for udviklere", exc_info=True)
        status.show(UNEXPECTED_TEXT, "error")
    else:
        if done:
            status.show(done, "ok")
        else:
            status.clear()


# One connection at a time per kernel (each page view is its own kernel process). DuckDB
# caches database instances per process: a connect while another connection to the same
# path is open gets the *old* instance, so after a save (db.writer replaces the file) a
# re-read could show the data from before the save while the background worker still had a
# reader open. Serialising the connections makes every new reader open the newest file.
# Hold no widget lock (Deferred.lock) while waiting for this gate outside the main thread.
_READ_GATE = threading.RLock()


# A page's first build shares one connection (``page_build_reader``): opening one costs ~35 ms
# here, and Årsevaluering's build opened ten (benchmarks/dashboard.py, cProfile in the kernel).
_SHARED = threading.local()


@contextmanager
def reader(db_path: Path) -> Iterator:
    """A short-lived read-only connection (``db.reader``), one at a time in this process.

    Inside ``page_build_reader`` on the same thread and the same unchanged file, the build's
    shared connection instead.
    """
    with _READ_GATE:
        shared = getattr(_SHARED, "build", None)
        if shared is not None and shared["path"] == Path(db_path):
            if shared["signature"] == database_signature(Path(db_path)):
                yield shared["con"]
                return
            # The file was replaced (a save): DuckDB would hand a new connection the old file's
            # instance while this one is open, so it is closed first and not shared any more.
            _close_shared()
        with db.reader(Path(db_path)) as con:
            yield con


def _close_shared() -> None:
    shared, _SHARED.build = getattr(_SHARED, "build", None), None
    if shared is not None:
        shared["opened"].__exit__(None, None, None)


@contextmanager
def page_build_reader(db_path: Path) -> Iterator[None]:
    """One read-only connection for every ``reader`` of a page's first build (in this thread).

    Held only while the page is built (the kernel holds no connection afterwards, so ingest
    can replace the file); a changed file (a save) gets its own connection as before. Without
    a readable database the pages' own first read says what is wrong, so nothing is shared.
    """
    path = Path(db_path)
    if not path.exists():
        yield
        return
    with _READ_GATE:
        try:
            opened = db.reader(path)
            con = opened.__enter__()
        except Exception:  # the page's first read reports it in Danish
            yield
            return
        _SHARED.build = {"path": path, "signature": database_signature(path), "con": con, "opened": opened}
        try:
            yield
        finally:
            _close_shared()


def message_page(text: str, title: str) -> widgets.Widget:
    """A whole page that only says what is wrong (missing or empty database)."""
    return widgets.HTML(f'{STYLE}<div class="ssp-page"><h1>{esc(title)}</h1>{banner(text, "warn")}</div>')


T = TypeVar("T")


def first_read(db_path: Path, title: str, status: Status,
               load: Callable[[Any], T]) -> tuple[T | None, widgets.Widget | None]:
    """A page's first query, or the Danish message page that replaces the whole page.

    Every page starts the same way: a missing or empty database, or a failing first read,
    must give one clear sentence instead of a half-built page. Returns ``(result, None)``
    or ``(None, message page)``.
    """
    problem = database_problem(db_path)
    if problem:
        return None, message_page(problem, title)
    result = None
    with guarded(status):
        with reader(db_path) as con:
            result = load(con)
    if result is None:
        return None, message_page(status.text, title)
    return result, None


# --- the filter bar -----------------------------------------------------------------------

class FilterBar:
    """Year, SSP network, institution type and situation; ``filters()`` gives a ``Filters``.

    Options come from the data (``queries.filter_options``). ``all_years`` adds an "Alle år"
    choice (Udforsk); Årsevaluering always looks at one year, the newest by default.
    """

    def __init__(self, options: queries.FilterOptions, *, all_years: bool = False) -> None:
        years: list[tuple[str, Any]] = [(str(y), y) for y in options.years]
        if all_years:  # not None: a Dropdown whose value is None shows an empty box
            years = [("Alle år", ALL), *years]
        self.year = widgets.Dropdown(options=years, value=years[0][1] if years else None,
                                     description="År", layout=widgets.Layout(width="170px"))
        self.network = widgets.Dropdown(
            options=[("Alle netværk", ALL), *[(n, n) for n in options.networks]], value=ALL,
            description="SSP-netværk", style={"description_width": "initial"},
            layout=widgets.Layout(width="300px"))
        self.institution_type = widgets.Dropdown(
            options=[("Alle typer", ALL), *options.institution_types], value=ALL,
            description="Institutionstype", style={"description_width": "initial"},
            layout=widgets.Layout(width="300px"))
        self.situation = widgets.Dropdown(
            options=[("A og B", ALL), *options.situations], value=ALL,
            description="Situation", style={"description_width": "initial"},
            layout=widgets.Layout(width="340px"))
        for name in ("year", "network", "institution_type", "situation"):
            getattr(self, name).add_class(f"ssp-filter-{name.replace('_', '-')}")
        self.widget = widgets.HBox([self.year, self.network, self.institution_type, self.situation],
                                   layout=widgets.Layout(flex_flow="row wrap"))

    def filters(self) -> Filters:
        """The current choice as a ``Filters`` (ALL means no restriction)."""
        def chosen(widget: widgets.Dropdown) -> tuple[str, ...]:
            return () if widget.value == ALL else (widget.value,)

        return Filters(year=None if self.year.value == ALL else self.year.value, networks=chosen(self.network),
                       institution_types=chosen(self.institution_type), situations=chosen(self.situation))

    def observe(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever any filter changes."""
        for widget in (self.year, self.network, self.institution_type, self.situation):
            widget.observe(lambda _change: callback(), names="value")


def wait_for_user() -> None:
    """In a pre-heated Voilà kernel, wait here until a person opens the page.

    With ``preheat_kernel`` Voilà starts a kernel and runs the notebook before anyone asks
    for it; the imports (pandas, plotly, scipy: most of the start-up time) are then done in
    advance, while the data is read only now, so a page never shows data older than the
    request. Outside pre-heating (tests, plain Voilà) this returns at once.
    """
    import os

    from evaluation.server.identity import wait_for_request
    from evaluation.views.warm_up import warm_up

    if os.environ.get("VOILA_PREHEAT", "False") != "False":
        warm_up()  # first-use costs before the request, on made-up data (views/warm_up.py)
    wait_for_request()  # the server keeps the request channel behind a secret only kernels know


def show_page(view_class: type, title: str, db_path: Path | str | None = None, *,
              page: str | None = None) -> Any:
    """Build a page view and display it under the navigation bar; an unexpected error shows a
    Danish message instead.

    The notebooks' only call goes through here, so a cell never ends in a traceback
    (Voilà would show its English error box, voila#203), and every page, also one that
    only says what is wrong, has the same navigation (``navigation.bar``; ``page`` marks it).
    """
    from IPython.display import display

    from evaluation.server.identity import NOT_LOGGED_IN, current_person
    from evaluation.views import navigation

    wait_for_user()
    db.keep_readers_warm()  # a kernel reads again on every filter change (store/db.py)
    try:
        person = current_person(Path(db_path) if db_path else None)
    except EvaluationError as exc:
        display(message_page(str(exc), title))
        return None
    if person is None:
        display(message_page(NOT_LOGGED_IN, title))  # the server named nobody: show nothing
        return None
    display(navigation.bar(page, person))
    try:
        with page_build_reader(Path(db_path) if db_path else page_database()):
            view = view_class(db_path, in_browser=True)
    except Exception as exc:
        log.error("Siden %s kunne ikke bygges: %s", title, type(exc).__name__)
        display(message_page("Siden kunne ikke vises på grund af en uventet fejl. Prøv at genindlæse "
                             "siden, og kontakt udviklerne, hvis det sker igen.", title))
        return None
    display(view.widget)
    return view


__all__ = ["ALL", "FilterBar", "STYLE", "Status", "banner", "database_problem",
           "database_signature", "download_links", "esc", "FigureView", "figure_title", "fmt_bool", "fmt_date",
           "first_read", "fmt_datetime", "fmt_int", "fmt_pct", "guarded", "heading_html", "message_page",
           "page_database", "reader", "show_figure", "show_page", "table_html"]

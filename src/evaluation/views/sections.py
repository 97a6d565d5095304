"""The building block of the Årsevaluering sections: load on a reader, then render.

A section reads its frames on a connection it is given (the page shares one short-lived
``db.reader`` between sections) or on its own, and then draws them while holding the page's
widget lock (``worker.Deferred.lock``), never while holding a connection.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ipywidgets as widgets
from markupsafe import Markup

from evaluation.analysis.filters import Filters
from evaluation.views.common import Status, guarded, reader
from evaluation.views.worker import READY_TIMEOUT_S

_ALWAYS_READY = threading.Event()
_ALWAYS_READY.set()

# Markup.format escapes the text it is given and stays markup: a flag is safe by construction.
FLAG = Markup('<span class="ssp-flag">{}</span>')
WIDE = widgets.Layout(width="520px")
LABEL_STYLE = {"description_width": "150px"}


def list_text(value: Any) -> str:
    """A list (spellings) as 'a, b, c'; anything else as text."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "–" if value is None else str(value)


def set_options(dropdown: widgets.Dropdown, options: list) -> None:
    """New options, keeping the current choice when it is still offered."""
    current = dropdown.value
    if list(dropdown.options) != options:
        dropdown.options = options
    values = [o[1] if isinstance(o, tuple) else o for o in options]
    if current in values:
        dropdown.value = current
    elif values and dropdown.value not in values:
        dropdown.value = values[0]


class Section:
    """A page section: ``load(con, filters)`` reads, ``render()`` draws; errors go to its status."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.status = Status()
        self.filters = Filters()
        self.lock = threading.RLock()  # the page shares its worker's lock (worker.Deferred)
        self.ready = _ALWAYS_READY      # ... and its "browser has drawn the page" event

    @property
    def year(self) -> int:
        return self.filters.year if self.filters.year is not None else date.today().year

    def load(self, con: duckdb.DuckDBPyConnection, filters: Filters) -> None:
        raise NotImplementedError

    def render(self) -> None:
        raise NotImplementedError

    def load_safely(self, con: duckdb.DuckDBPyConnection, filters: Filters) -> bool:
        """Load on a connection shared with other sections; a failure only affects this one."""
        loaded = False
        with guarded(self.status):
            self.load(con, filters)
            loaded = True
        return loaded

    def render_safely(self) -> None:
        """Draw what ``load_safely`` read (after the shared connection is closed)."""
        with self.lock, guarded(self.status):
            self.render()

    def refresh(self, filters: Filters | None = None) -> None:
        """Load on an own short-lived reader and render (after a save, or in the worker)."""
        with guarded(self.status):
            with reader(self.db_path) as con:
                self.load(con, filters or self.filters)
            self.ready.wait(READY_TIMEOUT_S)
            with self.lock:
                self.render()

    def save(self, action, done: str) -> None:
        """Run a save (library call through db.writer), then show the new state, or the error."""
        with self.lock, guarded(self.status, loading="Gemmer …", done=done):
            action()
            with reader(self.db_path) as con:
                self.load(con, self.filters)
            self.render()


__all__ = ["FLAG", "LABEL_STYLE", "WIDE", "Section", "list_text", "set_options"]

"""Undo one import from the Indlæs udtræk page, as ``ssp-eval slet import NUMMER`` does (team only).

A network's file loaded under the wrong network, or a file that should not have been sent, is
taken back here: choose the import, see what goes (``erasure.plan_import``: counts only, no
case values), confirm, and ``erasure.erase`` undoes it in one ``db.writer`` transaction (the
versions it replaced become current again, and the file can be loaded again). It refuses in
Danish when the data changed since the preview, or when a later import leans on this one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets

from evaluation import format as fmt
from evaluation.settings import current_user
from evaluation.store import db, erasure
from evaluation.views.common import Status, esc, guarded, reader
from evaluation.views.sections import LABEL_STYLE, WIDE, set_options

TITLE = "Fortryd en indlæsning"
LEAD = ("Er en fil indlæst under det forkerte netværk, eller skulle den ikke have været indlæst, så fortryd "
        "den her. Sager, som filen rettede, får deres tidligere version tilbage, og filen kan indlæses igen.")
REASON = "Indlæsningen er fortrudt fra siden Indlæs udtræk."
CHOOSE = ("Vælg indlæsning …", 0)


class ImportUndo:
    """The imports in a drop-down, 'Vis fortrydelsen', then 'Ja, fortryd indlæsningen' / 'Annullér'."""

    def __init__(self, db_path: Path, on_done: Callable[[], None]) -> None:
        self.db_path, self.on_done = Path(db_path), on_done
        self.plan: erasure.ErasurePlan | None = None
        self.choice = widgets.Dropdown(options=[CHOOSE], value=0, description="Indlæsning",
                                       layout=WIDE, style=LABEL_STYLE)
        self.choice.add_class("ssp-undo-choice")
        self.choice.observe(lambda _c: self._hide(), names="value")
        self.show_button = widgets.Button(description="Vis fortrydelsen", icon="undo",
                                          layout=widgets.Layout(width="200px"))
        self.show_button.add_class("ssp-undo-preview")
        self.show_button.on_click(lambda _b: self.preview())
        self.question = widgets.HTML("")
        self.confirm_button = widgets.Button(description="Ja, fortryd indlæsningen", button_style="danger",
                                             layout=widgets.Layout(width="240px"))
        self.confirm_button.add_class("ssp-undo-confirm")
        self.confirm_button.on_click(lambda _b: self.undo())
        self.cancel_button = widgets.Button(description="Annullér", layout=widgets.Layout(width="140px"))
        self.cancel_button.on_click(lambda _b: self._hide())
        self.confirm_box = widgets.VBox([self.question, widgets.HBox([self.confirm_button, self.cancel_button])],
                                        layout=widgets.Layout(display="none"))
        self.status = Status()
        self.widget = widgets.VBox([
            widgets.HTML(f'<h3>{esc(TITLE)}</h3><p class="ssp-lead">{esc(LEAD)}</p>'),
            self.choice, self.show_button, self.confirm_box, self.status.widget,
        ])
        self.widget.add_class("ssp-import-undo")

    def refresh(self) -> None:
        """The imports one may undo, newest first (nothing without a database)."""
        if not self.db_path.exists():
            return
        with guarded(self.status, loading=None):
            with reader(self.db_path) as con:
                frame = erasure.imports(con)
            set_options(self.choice, [CHOOSE, *(
                (f"Nr. {int(r.import_id)}: {r.file_name} ({r.network or 'uden netværk'}, "
                 f"{fmt.day_time(r.imported_at)})", int(r.import_id)) for r in frame.itertuples())])

    def preview(self) -> None:
        """What the undo removes and restores, in Danish; the person confirms or cancels."""
        if not self.choice.value:
            self.status.show("Vælg den indlæsning, der skal fortrydes.", "warn")
            return
        with guarded(self.status, loading="Finder indlæsningen …"):
            with reader(self.db_path) as con:
                self.plan = erasure.plan_import(con, int(self.choice.value))
            self.question.value = (f'<p class="ssp-undo-question"><b>{esc(self.plan.description())}</b> '
                                   "Sagerne slettes helt, også fra databasefilen.</p>")
            self.confirm_box.layout.display = "flex"

    def undo(self) -> None:
        """Carry out the previewed undo (refused in Danish if the data changed meanwhile)."""
        plan = self.plan
        if plan is None:
            return
        self._hide()
        with guarded(self.status, loading="Fortryder …", done=f"Fortrudt: {plan.description()}"):
            with db.writer(self.db_path) as con:
                erasure.erase(con, plan, reason=REASON, by=current_user())
            self.on_done()

    def _hide(self) -> None:
        self.confirm_box.layout.display = "none"
        self.plan = None


__all__ = ["ImportUndo", "REASON"]

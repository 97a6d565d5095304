"""Erase the cases past the plan's retention period from the Opfølgning page, as ``ssp-eval slet
til-og-med ÅR`` does: show what will go (``erasure.plan_through_year``: counts only, no case
values), ask, then ``erasure.erase`` in one ``db.writer`` transaction, which refuses when the
data changed since the preview. A consultant needs no terminal for the yearly clean-up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets

from evaluation.settings import current_user
from evaluation.store import backup, db, erasure
from evaluation.views.common import Status, esc, guarded, reader

REASON = "Opbevaringsperioden er udløbet (slettet fra siden Opfølgning)."


class RetentionErasure:
    """A button that previews the erasure through ``year``, then 'Ja, slet for altid' / 'Fortryd'."""

    def __init__(self, db_path: Path, year: int, on_done: Callable[[], None]) -> None:
        self.db_path, self.year, self.on_done = Path(db_path), int(year), on_done
        self.plan: erasure.ErasurePlan | None = None
        self.show_button = widgets.Button(description=f"Vis sletningen til og med {self.year}", icon="trash",
                                          layout=widgets.Layout(width="280px"))
        self.show_button.add_class("ssp-erase-preview")
        self.show_button.on_click(lambda _b: self.preview())
        self.question = widgets.HTML("")
        self.confirm_button = widgets.Button(description="Ja, slet for altid", button_style="danger",
                                             layout=widgets.Layout(width="200px"))
        self.confirm_button.add_class("ssp-erase-confirm")
        self.confirm_button.on_click(lambda _b: self.erase())
        self.cancel_button = widgets.Button(description="Fortryd", layout=widgets.Layout(width="140px"))
        self.cancel_button.on_click(lambda _b: self._hide())
        self.confirm_box = widgets.VBox([self.question, widgets.HBox([self.confirm_button, self.cancel_button])],
                                        layout=widgets.Layout(display="none"))
        self.status = Status()
        self.widget = widgets.VBox([self.show_button, self.confirm_box, self.status.widget])

    def preview(self) -> None:
        """What the erasure removes, in Danish; the person confirms or cancels."""
        with guarded(self.status, loading="Finder sagerne …"):
            with reader(self.db_path) as con:
                self.plan = erasure.plan_through_year(con, self.year)
            kept = backup.existing(self.db_path)
            note = (f" {len(kept)} {'sikkerhedskopi' if len(kept) == 1 else 'sikkerhedskopier'} taget før "
                    "sletningen har stadig sagerne." if kept else "")
            self.question.value = (f'<p class="ssp-erase-question"><b>{esc(self.plan.description())}</b> '
                                   f"Det kan ikke fortrydes.{esc(note)}</p>")
            self.confirm_box.layout.display = "flex"

    def erase(self) -> None:
        """Carry out the previewed erasure (refused in Danish if the data changed meanwhile)."""
        plan = self.plan
        if plan is None:
            return
        self._hide()
        with guarded(self.status, loading="Sletter …", done=f"Slettet: {plan.description()}"):
            with db.writer(self.db_path) as con:
                erasure.erase(con, plan, reason=REASON, by=current_user())
        self.on_done()

    def _hide(self) -> None:
        self.confirm_box.layout.display = "none"
        self.plan = None


__all__ = ["RetentionErasure", "REASON"]

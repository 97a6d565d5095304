"""Erase the cases past the plan's retention period from the Opfølgning page, as ``ssp-eval slet
til-og-med ÅR`` does: show what will go (``erasure.plan_through_year``: counts only, no case
values), ask, then ``erasure.erase`` in one ``db.writer`` transaction, which refuses when the
data changed since the preview (``erasure_forms.ErasureForm``). A consultant needs no terminal
for the yearly clean-up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from evaluation.store import backup, erasure
from evaluation.views.common import esc
from evaluation.views.erasure_forms import ErasureForm

REASON = "Opbevaringsperioden er udløbet (slettet fra siden Opfølgning)."


class RetentionErasure(ErasureForm):
    """A button that previews the erasure through ``year``, then 'Ja, slet for altid' / 'Fortryd'."""

    confirm_label, cancel_label, done_prefix, reason = "Ja, slet for altid", "Fortryd", "Slettet", REASON
    css = "ssp-erase"

    def __init__(self, db_path: Path, year: int, on_done: Callable[[], None]) -> None:
        self.year = int(year)
        self.preview_label = f"Vis sletningen til og med {self.year}"
        super().__init__(db_path, on_done)

    def make_plan(self, con: duckdb.DuckDBPyConnection) -> erasure.ErasurePlan:
        return erasure.plan_through_year(con, self.year)

    def question_html(self, plan: erasure.ErasurePlan) -> str:
        """Also how many backups still hold the cases (README: Sletning)."""
        kept = backup.existing(self.db_path)
        note = (f" {len(kept)} {'sikkerhedskopi' if len(kept) == 1 else 'sikkerhedskopier'} taget før "
                "sletningen har stadig sagerne." if kept else "")
        return f"<p><b>{esc(plan.description())}</b> Det kan ikke fortrydes.{esc(note)}</p>"


__all__ = ["RetentionErasure", "REASON"]

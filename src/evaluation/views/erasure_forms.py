"""Erase from the Indlæs udtræk page (team only): undo one import, or erase one case.

The same two steps as ``ssp-eval slet import NUMMER`` and ``ssp-eval slet sag``: show what
goes (``erasure.plan_import`` / ``plan_case``: counts only, no case values), ask, then
``erasure.erase`` in one ``db.writer`` transaction, which refuses in Danish when the data
changed since the preview. Undoing an import takes back a file loaded under the wrong network
(the versions it replaced become current again, and the file can be loaded again); erasing a
case removes every version of it, for a case that should never have been reported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import ipywidgets as widgets

from evaluation import format as fmt
from evaluation.ingest import privacy
from evaluation.plan import networks
from evaluation.settings import current_user
from evaluation.store import db, erasure
from evaluation.views.common import Status, esc, guarded, reader
from evaluation.views.sections import LABEL_STYLE, WIDE, set_options


class ErasureForm:
    """Choose, 'Vis …' (the plan in words), then a red yes or 'Annullér'; subclasses say what."""

    title = lead = preview_label = confirm_label = done_prefix = reason = ""
    cancel_label = "Annullér"
    css = "ssp-erasure"

    def __init__(self, db_path: Path, on_done: Callable[[], None]) -> None:
        self.db_path, self.on_done = Path(db_path), on_done
        self.plan: erasure.ErasurePlan | None = None
        self.show_button = widgets.Button(description=self.preview_label, icon="search",
                                          layout=widgets.Layout(width="auto"))
        self.show_button.add_class(f"{self.css}-preview")
        self.show_button.on_click(lambda _b: self.preview())
        self.question = widgets.HTML("")
        self.question.add_class(f"{self.css}-question")
        self.confirm_button = widgets.Button(description=self.confirm_label, button_style="danger",
                                             layout=widgets.Layout(width="auto"))
        self.confirm_button.add_class(f"{self.css}-confirm")
        self.confirm_button.on_click(lambda _b: self.erase())
        self.cancel_button = widgets.Button(description=self.cancel_label, layout=widgets.Layout(width="140px"))
        self.cancel_button.on_click(lambda _b: self._hide())
        self.confirm_box = widgets.VBox([self.question, widgets.HBox([self.confirm_button, self.cancel_button])],
                                        layout=widgets.Layout(display="none"))
        self.status = Status()
        heading = [widgets.HTML(f'<h3>{esc(self.title)}</h3><p class="ssp-lead">{esc(self.lead)}</p>')] \
            if self.title else []
        self.widget = widgets.VBox([*heading, *self.fields(), self.show_button, self.confirm_box,
                                    self.status.widget])
        self.widget.add_class(self.css)

    def fields(self) -> list[widgets.Widget]:
        """The choices above the preview button (each hides a shown question when changed)."""
        return []

    def missing(self) -> str | None:
        """What the person must choose first, in Danish; None when the choice is complete."""
        return None

    def question_html(self, plan: erasure.ErasurePlan) -> str:
        """The question above the red button: the plan in words, and that it is final."""
        return (f"<p><b>{esc(plan.description())}</b> Sagerne slettes helt, også fra databasefilen, og det kan "
                "ikke fortrydes.</p>")

    def make_plan(self, con: duckdb.DuckDBPyConnection) -> erasure.ErasurePlan:
        raise NotImplementedError

    def refresh(self) -> None:
        """Read the choices again (after an upload or an erasure)."""

    def preview(self) -> None:
        """What the erasure removes, in Danish; the person confirms or cancels."""
        missing = self.missing()
        if missing:
            self._hide()
            self.status.show(missing, "warn")
            return
        with guarded(self.status, loading="Finder sagerne …"):
            with reader(self.db_path) as con:
                self.plan = self.make_plan(con)
            self.question.value = self.question_html(self.plan)
            self.confirm_box.layout.display = "flex"

    def erase(self) -> None:
        """Carry out the previewed erasure (refused in Danish if the data changed meanwhile)."""
        plan = self.plan
        if plan is None:
            return
        self._hide()
        with guarded(self.status, loading="Sletter …", done=f"{self.done_prefix}: {plan.description()}"):
            with db.writer(self.db_path) as con:
                erasure.erase(con, plan, reason=self.reason, by=current_user())
            self.on_done()

    def _hide(self) -> None:
        self.confirm_box.layout.display = "none"
        self.plan = None


class ImportUndo(ErasureForm):
    """Undo one import, chosen from the list of imports (newest first)."""

    title = "Fortryd en indlæsning"
    lead = ("Er en fil indlæst under det forkerte netværk, eller skulle den ikke have været indlæst, så fortryd "
            "den her. Sager, som filen rettede, får deres tidligere version tilbage, og filen kan indlæses igen.")
    preview_label, confirm_label, done_prefix = "Vis fortrydelsen", "Ja, fortryd indlæsningen", "Fortrudt"
    reason = "Indlæsningen er fortrudt fra siden Indlæs udtræk."
    css = "ssp-undo"
    CHOOSE = ("Vælg indlæsning …", 0)

    def fields(self) -> list[widgets.Widget]:
        self.choice = widgets.Dropdown(options=[self.CHOOSE], value=0, description="Indlæsning",
                                       layout=WIDE, style=LABEL_STYLE)
        self.choice.add_class("ssp-undo-choice")
        self.choice.observe(lambda _c: self._hide(), names="value")
        return [self.choice]

    def refresh(self) -> None:
        """The imports one may undo, newest first (nothing without a database)."""
        if not self.db_path.exists():
            return
        with guarded(self.status, loading=None):
            with reader(self.db_path) as con:
                frame = erasure.imports(con)
            set_options(self.choice, [self.CHOOSE, *(
                (f"Nr. {int(r.import_id)}: {r.file_name} ({r.network or 'uden netværk'}, "
                 f"{fmt.day_time(r.imported_at)})", int(r.import_id)) for r in frame.itertuples())])

    def missing(self) -> str | None:
        return None if self.choice.value else "Vælg den indlæsning, der skal fortrydes."

    def make_plan(self, con: duckdb.DuckDBPyConnection) -> erasure.ErasurePlan:
        return erasure.plan_import(con, int(self.choice.value))


class CaseErasure(ErasureForm):
    """Erase one case, given by its network and the network's case number."""

    title = "Slet én sag"
    lead = ("Skulle en sag aldrig have været indberettet, eller skal den slettes på opfordring, så slet den her "
            "med netværkets sagsnummer. Alle sagens versioner slettes, også dens historik.")
    preview_label, confirm_label, done_prefix = "Vis sletningen", "Ja, slet sagen for altid", "Slettet"
    reason = "Sagen er slettet fra siden Indlæs udtræk."
    css = "ssp-erase-case"
    CHOOSE = ("Vælg netværk …", "")

    def fields(self) -> list[widgets.Widget]:
        self.network = widgets.Dropdown(options=[self.CHOOSE], value="", description="SSP-netværk",
                                        layout=WIDE, style=LABEL_STYLE)
        self.network.add_class("ssp-erase-case-network")
        self.sags_id = widgets.Text(description="Sagsnummer", placeholder="Netværkets sagsnummer",
                                    layout=WIDE, style=LABEL_STYLE)
        self.sags_id.add_class("ssp-erase-case-id")
        for field in (self.network, self.sags_id):
            field.observe(lambda _c: self._hide(), names="value")
        return [self.network, self.sags_id]

    def refresh(self) -> None:
        if not self.db_path.exists():
            return
        with guarded(self.status, loading=None):
            with reader(self.db_path) as con:
                names = networks.network_names(con)
            set_options(self.network, [self.CHOOSE, *((n, n) for n in names)])

    def missing(self) -> str | None:
        typed = self.sags_id.value.strip()
        if not self.network.value:
            return "Vælg netværket, sagen kommer fra."
        if not typed:
            return "Skriv netværkets sagsnummer."
        # Never echoed back; and no stored case number can hold one (ingest refuses it there).
        if privacy.find_in_text(typed):
            return ("Det skrevne ligner en personoplysning (fx et navn, et CPR- eller telefonnummer), ikke et "
                    "sagsnummer. Skriv netværkets sagsnummer.")
        return None

    def make_plan(self, con: duckdb.DuckDBPyConnection) -> erasure.ErasurePlan:
        return erasure.plan_case(con, self.network.value, self.sags_id.value.strip())


__all__ = ["CaseErasure", "ErasureForm", "ImportUndo"]

"""The networks of the plan, on the Indlæs udtræk page: list, add and rename them (team only).

Until now a new local network, or one that changed its name, needed ``ssp-eval network add``
or ``rename`` in a terminal. The section calls the same library functions
(``plan.networks.add_network`` / ``rename_network``) through ``db.writer``, with the person
logged in as the one who did it, so the change history says who and why. Two decisions are
confirmed first, with a button that names them: a name that looks like a known network's
("Sindall" beside "Sindal": a typo or really another network?), and a rename, which renames
the network in all its cases too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from evaluation.plan import networks
from evaluation.settings import current_user
from evaluation.store import db
from evaluation.views.common import Status, esc, fmt_date, guarded, reader, table_html
from evaluation.views.sections import LABEL_STYLE, WIDE, list_text, set_options

TITLE = "Netværk i planen"
LEAD = ("Et nyt lokalt netværk skal oprettes her, før dets filer kan indlæses. Et netværk, der skifter navn, "
        "omdøbes her: det gamle navn kendes stadig i filer, og alle netværkets sager følger med.")
CHOOSE = ("Vælg netværk …", "")


class NetworksSection:
    """The registry's networks as a table, and the forms that add or rename one."""

    def __init__(self, db_path: Path, on_change: Callable[[], None] | None = None) -> None:
        self.db_path = Path(db_path)
        self.on_change = on_change or (lambda: None)  # the page refreshes its own network list
        self.frame = pd.DataFrame()
        self.status = Status()
        self.table = widgets.HTML("")
        self.table.add_class("ssp-network-list")
        self.name = widgets.Text(description="Nyt netværk", placeholder="Fx Skolenetværk Vest",
                                 layout=WIDE, style=LABEL_STYLE)
        self.name.add_class("ssp-network-name")
        self.reason = widgets.Text(description="Begrundelse (valgfri)", layout=WIDE, style=LABEL_STYLE)
        self.add_button = widgets.Button(description="Tilføj netværk", button_style="primary", icon="plus")
        self.add_button.add_class("ssp-network-add")
        self.add_button.on_click(lambda _b: self.add())
        self.confirm_add = widgets.Button(layout=widgets.Layout(display="none", width="auto"), button_style="warning")
        self.confirm_add.add_class("ssp-network-add-confirm")
        self.confirm_add.on_click(lambda _b: self.add(similar_ok=True))
        self.old = widgets.Dropdown(options=[CHOOSE], value="", description="Netværk", layout=WIDE, style=LABEL_STYLE)
        self.old.add_class("ssp-network-old")
        self.new_name = widgets.Text(description="Nyt navn", layout=WIDE, style=LABEL_STYLE)
        self.new_name.add_class("ssp-network-new-name")
        self.rename_reason = widgets.Text(description="Begrundelse (valgfri)", layout=WIDE, style=LABEL_STYLE)
        self.rename_button = widgets.Button(description="Omdøb netværk", icon="pencil")
        self.rename_button.add_class("ssp-network-rename")
        self.rename_button.on_click(lambda _b: self.ask_rename())
        self.confirm_rename = widgets.Button(layout=widgets.Layout(display="none", width="auto"),
                                             button_style="warning")
        self.confirm_rename.add_class("ssp-network-rename-confirm")
        self.confirm_rename.on_click(lambda _b: self.rename())
        for field in (self.name, self.old, self.new_name):  # a changed form is a new question
            field.observe(lambda _c: self._hide_confirmations(), names="value")
        self.widget = widgets.VBox([
            widgets.HTML(f'<h2>{esc(TITLE)}</h2><p class="ssp-lead">{esc(LEAD)}</p>'), self.table,
            widgets.HTML("<h3>Tilføj et netværk</h3>"), self.name, self.reason,
            widgets.HBox([self.add_button, self.confirm_add]),
            widgets.HTML("<h3>Omdøb et netværk</h3>"), self.old, self.new_name, self.rename_reason,
            widgets.HBox([self.rename_button, self.confirm_rename]), self.status.widget,
        ])
        self.widget.add_class("ssp-networks")

    def refresh(self) -> None:
        """Read the networks (none without a database: the first file creates it)."""
        if not self.db_path.exists():
            self.table.value = '<p class="ssp-lead">Databasen oprettes ved den første fil.</p>'
            return
        with guarded(self.status, loading=None):
            with reader(self.db_path) as con:
                self.frame = networks.networks(con)
            self._render()

    def _render(self) -> None:
        shown = self.frame.assign(other=[list_text(a) if len(a) else "–" for a in self.frame["aliases"]])
        self.table.value = table_html(shown, {"name": "Netværk", "other": "Andre stavemåder i filer",
                                              "added_at": "Oprettet"},
                                      formats={"added_at": fmt_date}, scroll=True, empty="Ingen netværk endnu.")
        set_options(self.old, [CHOOSE, *((n, n) for n in self.frame["name"])])

    # -- add ---------------------------------------------------------------------------------

    def add(self, *, similar_ok: bool = False) -> None:
        """Add the typed network; a name close to a known one is asked about first."""
        name = self.name.value
        said: tuple[str, str] | None = None
        with guarded(self.status, loading="Gemmer …"):
            near = None
            if not similar_ok:
                with reader(self.db_path) as con:
                    near = networks.similar_network(con, name)  # the name's problems raise, in Danish
            if near:
                self.confirm_add.description = f"Ja, opret »{networks.clean_name(name)}« som et nyt netværk"
                self.confirm_add.layout.display = None
                said = (f"Navnet ligner det kendte netværk »{near}«. Er det en stavefejl, så ret navnet; er "
                        "det et andet netværk, så bekræft med knappen ved siden af Tilføj netværk.", "warn")
            else:
                with db.writer(self.db_path) as con:
                    row = networks.add_network(con, name, allow_similar=similar_ok, by=current_user(),
                                               reason=self.reason.value or None)
                self._after_save()
                self.name.value = self.reason.value = ""
                said = (f"Netværket »{row['name']}« er oprettet. Dets filer kan nu indlæses.", "ok")
        if said:
            self.status.show(*said)

    # -- rename ------------------------------------------------------------------------------

    def ask_rename(self) -> None:
        """A rename changes every case of the network: name what happens, then wait for the yes."""
        old, new = self.old.value, networks.clean_name(self.new_name.value)
        if not old:
            self.status.show("Vælg det netværk, der skal omdøbes.", "warn")
        elif not new or new == old:
            self.status.show("Skriv netværkets nye navn.", "warn")
        else:
            self.status.clear()
            self.confirm_rename.description = f"Ja, omdøb »{old}« til »{new}« i planen og i alle dets sager"
            self.confirm_rename.layout.display = None

    def rename(self) -> None:
        old = self.old.value
        said = None
        with guarded(self.status, loading="Gemmer …"):
            with db.writer(self.db_path) as con:
                done = networks.rename_network(con, old, self.new_name.value, by=current_user(),
                                               reason=self.rename_reason.value or None)
            self._after_save()
            self.new_name.value = self.rename_reason.value = ""
            cases = done["renamed"].get("case_versions", 0)
            said = (f"Netværket hedder nu »{done['name']}«; {cases} sagsversioner fulgte med. "
                    f"Filer med det gamle navn »{old}« indlæses stadig.")
        if said:
            self.status.show(said, "ok")

    def _after_save(self) -> None:
        """Show the new list, and let the page offer the new names (its upload drop-down)."""
        self._hide_confirmations()
        with reader(self.db_path) as con:
            self.frame = networks.networks(con)
        self._render()
        self.on_change()

    def _hide_confirmations(self) -> None:
        self.confirm_add.layout.display = "none"
        self.confirm_rename.layout.display = "none"


__all__ = ["NetworksSection"]

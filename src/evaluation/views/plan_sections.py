"""Årsevaluering, questions 1–4: policies, key persons, addresses/phones and new actors.

Question 4 (new actors) lives in actor_section.py and phone numbers in phone_checks.py;
both are re-exported here.

Each section (``sections.Section``) loads its frames on a read-only connection and then
renders them; after a save it reloads on its own reader. Saves go through the library module
that owns the data (``notes``, ``keypersons``, ``links``, ``actors``), which writes through
``db.writer``.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ipywidgets as widgets
import pandas as pd

from evaluation.plan import keypersons, links, notes, registry
from evaluation.analysis.filters import Filters
from evaluation.format import plural
from evaluation.views.common import (esc, fmt_bool, fmt_date, fmt_datetime, fmt_int, guarded, heading_html,
                                     reader, table_html)
from evaluation.views.actor_section import ACTOR_KIND_LABELS, ActorsSection
from evaluation.views.linkcheck import CLI_ADVICE, PAGE_ADVICE
from evaluation.views.phone_checks import PhoneChecksPart
from evaluation.views.sections import FLAG, LABEL_STYLE, WIDE, Section, set_options



# --- 1. policies --------------------------------------------------------------------------

class PoliciesSection(Section):
    """Related policies, flagged when revised after the plan's last evaluation, with judgements."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self.frame = pd.DataFrame()
        self.evaluated: date | None = None
        self.history_frame = pd.DataFrame()
        self.table = widgets.HTML("")
        self.table.add_class("ssp-policies")
        self.policy = widgets.Dropdown(description="Politik", layout=WIDE, style=LABEL_STYLE)
        self.judgement = widgets.Dropdown(options=[(v, k) for k, v in notes.JUDGEMENT_LABELS.items()],
                                          value="i_overensstemmelse", description="Vurdering", style=LABEL_STYLE,
                                          layout=widgets.Layout(width="360px"))
        self.note = widgets.Textarea(placeholder="Begrundelse, eller hvad der skal tilpasses", description="Note",
                                     layout=widgets.Layout(width="520px", height="70px"), style=LABEL_STYLE)
        self.save_button = widgets.Button(description="Gem vurdering", button_style="primary", icon="save")
        self.save_button.on_click(lambda _b: self.save_judgement())
        self.history = widgets.HTML("")
        self.widget = widgets.VBox([
            widgets.HTML(heading_html(1, "Sammenhæng med politikker",
                                      "Er handleplanen i overensstemmelse med kommunens øvrige planer og "
                                      "politikker?", anchor="sektion-1")),
            self.table, widgets.HTML("<h3>Registrér vurdering</h3>"), self.policy, self.judgement,
            self.note, self.save_button, self.status.widget, self.history,
        ])

    def load(self, con: duckdb.DuckDBPyConnection, filters: Filters) -> None:
        self.filters = filters
        self.frame = notes.policy_status(con, self.year)
        self.evaluated = notes.plan_last_evaluated(con)
        self.history_frame = notes.policy_judgement_history(con).head(10)

    def render(self) -> None:
        frame = self.frame.assign(flag=[FLAG.format("Ja – gennemgå planen") if f else "Nej"
                                        for f in self.frame["revised_after_evaluation"]])
        lead = (f"Planen blev senest evalueret {fmt_date(self.evaluated)}." if self.evaluated
                else "Planens seneste evaluering er ikke registreret.")
        self.table.value = f'<p class="ssp-lead">{esc(lead)} Vurderinger for {self.year}.</p>' + table_html(
            frame, {"name": "Politik eller plan", "owner": "Ejer", "last_revised": "Senest revideret",
                    "flag": "Revideret efter evalueringen", "judgement_label": f"Vurdering {self.year}",
                    "note": "Note", "saved_at": "Gemt"},
            formats={"last_revised": fmt_date, "saved_at": fmt_datetime}, raw=("flag",))
        set_options(self.policy, [(n, p) for p, n in zip(self.frame["policy_id"], self.frame["name"])])
        self.history.value = "<h3>Seneste vurderinger (historik)</h3>" + table_html(
            self.history_frame, {"name": "Politik", "year": "År", "judgement_label": "Vurdering", "note": "Note",
                                 "saved_at": "Gemt", "saved_by": "Af"},
            formats={"saved_at": fmt_datetime}, empty="Ingen vurderinger gemt endnu.")

    def save_judgement(self) -> None:
        """Save the form as a new judgement for the page's year, then show the new state."""
        if self.policy.value is None:
            self.status.show("Vælg en politik.", "warn")
            return

        def action() -> None:
            notes.save_policy_judgement(self.db_path, self.policy.value, self.year, self.judgement.value,
                                        self.note.value)
            self.note.value = ""
        self.save(action, "Vurderingen er gemt.")


# --- 2. key persons -----------------------------------------------------------------------

class KeyPersonsSection(Section):
    """Key-person roles per network (flags: not verified in 12 months, missing) and exercises."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self.roles_frame = pd.DataFrame()
        self.exercise_frame = pd.DataFrame()
        self.network_names: list[str] = []
        self.role_options: list[tuple[str, str]] = []
        self.roles_table = widgets.HTML("")
        self.roles_table.add_class("ssp-roles")
        self.exercise_table = widgets.HTML("")
        self.network = widgets.Dropdown(description="SSP-netværk", layout=WIDE, style=LABEL_STYLE)
        self.role = widgets.Dropdown(description="Rolle", layout=WIDE, style=LABEL_STYLE)
        self.person = widgets.Text(description="Person (valgfri)", placeholder="Navn eller stilling",
                                   layout=WIDE, style=LABEL_STYLE)
        self.verified_on = widgets.DatePicker(description="Bekræftet den", value=date.today(), style=LABEL_STYLE)
        self.verify_button = widgets.Button(description="Gem bekræftelse", button_style="primary", icon="save")
        self.verify_button.on_click(lambda _b: self.verify())
        self.ex_network = widgets.Dropdown(description="SSP-netværk", layout=WIDE, style=LABEL_STYLE)
        self.ex_held = widgets.Checkbox(description="Øvelsen er holdt", value=True, style=LABEL_STYLE)
        self.ex_held_on = widgets.DatePicker(description="Holdt den", style=LABEL_STYLE)
        self.ex_teachers = widgets.BoundedIntText(description="Kontaktlærere", min=0, max=500, value=0,
                                                  style=LABEL_STYLE)
        self.ex_new = widgets.BoundedIntText(description="Heraf nye", min=0, max=500, value=0, style=LABEL_STYLE)
        self.exercise_button = widgets.Button(description="Gem øvelse", button_style="primary", icon="save")
        self.exercise_button.on_click(lambda _b: self.record_exercise())
        head = widgets.HTML(heading_html(2, "Nøglepersoner", "Er de rigtige nøglepersoner angivet? Roller, der "
                                         "ikke er bekræftet i 12 måneder, og roller uden nogen er markeret.",
                                         anchor="sektion-2"))
        self.widget = widgets.VBox([
            head, self.roles_table,
            widgets.HTML("<h3>Bekræft en nøgleperson</h3>"), self.network, self.role, self.person,
            self.verified_on, self.verify_button,
            widgets.HTML("<h3>Årets øvelse i actioncardet</h3>"), self.exercise_table,
            self.ex_network, self.ex_held, self.ex_held_on, self.ex_teachers, self.ex_new, self.exercise_button,
            self.status.widget,
        ])

    def load(self, con: duckdb.DuckDBPyConnection, filters: Filters) -> None:
        self.filters = filters
        status = keypersons.role_status(con)
        exercises = keypersons.exercises(con, self.year)
        if filters.networks:
            status = status[status["netvaerk"].isin(filters.networks)]
            exercises = exercises[exercises["netvaerk"].isin(filters.networks)]
        self.roles_frame, self.exercise_frame = status, exercises
        self.network_names = keypersons.networks(con)
        roles = registry.roles(con)
        self.role_options = [(t, r) for r, t in zip(roles["role_id"], roles["title"])]

    def render(self) -> None:
        status = self.roles_frame
        status = status.assign(flag=[
            FLAG.format("Mangler") if m else FLAG.format("Skal bekræftes") if d else "Bekræftet"
            for m, d in zip(status["missing"], status["due"])])
        missing = int(status["missing"].sum())
        due = int(status["due"].sum()) - missing
        summary = f"{plural(missing, 'rolle', 'roller')} uden registreret person, {fmt_int(due)} skal bekræftes igen."
        self.roles_table.value = f'<p class="ssp-lead">{esc(summary)}</p>' + table_html(
            status, {"netvaerk": "SSP-netværk", "role": "Rolle", "person": "Person",
                     "verified_on": "Senest bekræftet", "flag": "Status"},
            formats={"verified_on": fmt_date}, raw=("flag",), scroll=True)
        held = self.exercise_frame.assign(held_label=[fmt_bool(h) for h in self.exercise_frame["held"]])
        self.exercise_table.value = table_html(
            held, {"netvaerk": "SSP-netværk", "held_label": "Holdt", "held_on": "Dato",
                   "contact_teachers": "Kontaktlærere", "new_contact_teachers": "Heraf nye", "saved_at": "Gemt"},
            formats={"held_on": fmt_date, "saved_at": fmt_datetime, "contact_teachers": fmt_int,
                     "new_contact_teachers": fmt_int},
            empty=f"Ingen øvelser registreret for {self.year}.")
        set_options(self.network, list(self.network_names))
        set_options(self.ex_network, list(self.network_names))
        set_options(self.role, self.role_options)
        if self.filters.networks and self.filters.networks[0] in self.network_names:
            # The forms are about the network the page is filtered to, not the first in the list.
            self.network.value = self.ex_network.value = self.filters.networks[0]

    def verify(self) -> None:
        def action() -> None:
            keypersons.verify(self.db_path, self.network.value, self.role.value, self.verified_on.value,
                               person=self.person.value or None)
            self.person.value = ""
        self.save(action, "Bekræftelsen er gemt.")

    def record_exercise(self) -> None:
        held = bool(self.ex_held.value)
        self.save(lambda: keypersons.record_exercise(
            self.db_path, self.ex_network.value, self.year, held,
            held_on=self.ex_held_on.value if held else None,
            contact_teachers=int(self.ex_teachers.value), new_contact_teachers=int(self.ex_new.value)),
            "Øvelsen er gemt.")


# --- 3. addresses and phone numbers -------------------------------------------------------

class AddressesSection(Section):
    """Latest status of every web address with history, phone numbers, and the link checker."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self.latest = pd.DataFrame()
        self.table = widgets.HTML("")
        self.table.add_class("ssp-addresses")
        self.phones = PhoneChecksPart()
        self.phones.on_save(self.save, self.db_path)
        self.pick = widgets.Dropdown(description="Historik for", layout=WIDE, style=LABEL_STYLE)
        self.pick.observe(lambda _c: self.show_history(), names="value")
        self.history = widgets.HTML("")
        self.run_button = widgets.Button(description="Tjek webadresserne nu", button_style="warning",
                                         icon="refresh", layout=widgets.Layout(width="220px"))
        self.run_button.add_class("ssp-run-links")
        self.run_button.on_click(lambda _b: self.start_check())
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="Fremdrift",
                                            layout=widgets.Layout(visibility="hidden", width="420px"))
        self.progress.add_class("ssp-link-progress")
        self.thread: threading.Thread | None = None
        head = widgets.HTML(heading_html(3, "Webadresser og telefonnumre",
                                         "Er de rigtige webadresser og telefonnumre angivet? Seneste kontrol af "
                                         "hver adresse i planen.", anchor="sektion-3"))
        self.widget = widgets.VBox([head, self.table, widgets.HBox([self.run_button, self.progress]),
                                    self.status.widget, self.pick, self.history, self.phones.widget])

    def load(self, con: duckdb.DuckDBPyConnection, filters: Filters) -> None:
        self.filters = filters
        self.phones.load(con)
        self.latest = links.latest_status(con)

    def render(self) -> None:
        self.phones.render()
        frame = self.latest
        frame = frame.assign(
            flag=[FLAG.format("Skal rettes") if bool(f) else "" for f in frame["flagged"].fillna(False)],
            label_text=[str(v).capitalize() for v in frame["label"]])
        self.table.value = table_html(
            frame, {"url": "Adresse", "purpose": "Formål", "label_text": "Status", "proposed_url": "Ny adresse",
                    "http_status": "Svarkode", "checked_at": "Senest kontrolleret", "failing_days": "Dage med fejl",
                    "flag": ""},
            formats={"checked_at": fmt_datetime, "http_status": fmt_int, "failing_days": fmt_int},
            raw=("flag",), scroll=True, empty="Ingen webadresser i planen.")
        set_options(self.pick, [(u, a) for a, u in zip(frame["address_id"], frame["url"])])

    def show_history(self) -> None:
        if self.pick.value is None:
            return
        with guarded(self.status):
            with reader(self.db_path) as con:
                frame = links.history(con, self.pick.value)
            self.history.value = table_html(
                frame, {"checked_at": "Kontrolleret", "label": "Status", "http_status": "Svarkode",
                        "final_url": "Endte på", "error": "Fejl"},
                formats={"checked_at": fmt_datetime, "http_status": fmt_int}, scroll=True,
                empty="Adressen er ikke kontrolleret endnu.")

    def start_check(self) -> threading.Thread | None:
        """Run the link checker in a thread, so the page stays usable; progress is shown."""
        if self.thread is not None and self.thread.is_alive():
            return self.thread
        self.run_button.disabled = True
        self.progress.value, self.progress.max = 0, 1
        self.progress.layout.visibility = "visible"
        self.status.loading("Kontrollerer webadresserne …")
        self.thread = threading.Thread(target=self._check, name="linktjek", daemon=True)
        self.thread.start()
        return self.thread

    def _progress(self, done: int, total: int, *_rest: Any) -> None:
        self.progress.max = max(int(total), 1)
        self.progress.value = min(int(done), self.progress.max)

    def _check(self) -> None:
        message = None
        try:
            with guarded(self.status, loading=None):
                summary = links.run(self.db_path, progress=self._progress)
                message = summary.message().replace(CLI_ADVICE, PAGE_ADVICE)  # no terminal on a page
                # An offline run checked nothing: a warning, never the green banner of success.
                kind = "warn" if summary.offline else "ok"
                with reader(self.db_path) as con:
                    self.load(con, self.filters)
                with self.lock:
                    self.render()
            if message:
                self.status.show(message, kind)
        finally:
            self.run_button.disabled = False
            self.progress.layout.visibility = "hidden"


__all__ = ["ACTOR_KIND_LABELS", "ActorsSection", "AddressesSection", "KeyPersonsSection", "PoliciesSection"]

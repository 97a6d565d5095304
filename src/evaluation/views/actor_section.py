"""Årsevaluering question 4, new actors: deliberate, confirmed and reversible decisions.

Names the cases mention but the plan does not list are accepted (as a new actor or another
spelling of a known one) or dismissed through ``actor_decisions``. A decision hides the name
from next year's list, and once a second click dismissed the wrong organisation, so here:

- a click only *asks*: a confirmation box names the organisation, how many cases and
  networks mention it, and what will happen; only its "Ja, …" button decides, and it decides
  about the organisation it names even if the list has changed meanwhile;
- a dismissal needs a reason (the library refuses one without);
- after a decision nothing is preselected and the reason is empty, so a second click can
  never act on the next name in the list;
- every decision is listed with who, when and why, and can be undone from that list, in
  this or any later session (again after a confirmation).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import ipywidgets as widgets
import pandas as pd

from evaluation.analysis.filters import Filters
from evaluation.format import and_list, day_time, month, plural, quote
from evaluation.plan import actor_decisions as decide
from evaluation.plan import actors
from evaluation.views.common import fmt_datetime, fmt_int, heading_html, table_html
from evaluation.views.sections import LABEL_STYLE, WIDE, Section, list_text, set_options

CHOOSE = "__vaelg__"  # the "nothing chosen yet" entry of the name and decision lists
ACTOR_KIND_LABELS: dict[str, str] = {
    "ngo": "Organisation (NGO)", "myndighed": "Myndighed", "politi": "Politi", "sundhed": "Sundhed",
    "kommune": "Kommune", "netvaerk": "Netværk", "andet": "Andet",
}


class Confirmation:
    """A box that asks before a decision: the question, a "Ja, …" button and "Annullér"."""

    def __init__(self) -> None:
        self.action: Callable[[], None] | None = None
        self.text = widgets.HTML("")
        self.yes = widgets.Button(button_style="danger", layout=widgets.Layout(width="auto"))
        self.yes.add_class("ssp-confirm-yes")
        self.no = widgets.Button(description="Annullér", layout=widgets.Layout(width="auto"))
        self.no.add_class("ssp-confirm-no")
        self.yes.on_click(lambda _b: self.confirm())
        self.no.on_click(lambda _b: self.cancel())
        self.widget = widgets.VBox([self.text, widgets.HBox([self.yes, self.no])],
                                   layout=widgets.Layout(display="none"))
        self.widget.add_class("ssp-confirm")

    @property
    def open(self) -> bool:
        return self.action is not None

    def ask(self, question: str, yes: str, action: Callable[[], None]) -> None:
        """Show ``question`` (plain text) with a button labelled ``yes`` that runs ``action``."""
        self.text.value = f'<div class="ssp-banner ssp-banner-warn">{_escape(question)}</div>'
        self.yes.description = yes
        self.action = action
        self.widget.layout.display = "flex"

    def confirm(self) -> None:
        action, self.action = self.action, None
        self.widget.layout.display = "none"
        if action is not None:
            action()

    def cancel(self) -> None:
        self.action = None
        self.widget.layout.display = "none"


def _escape(text: str) -> str:
    from evaluation.format import esc

    return str(esc(text))


class ActorsSection(Section):
    """Outside organisations named in cases but not in the plan: accept (new or alias) or dismiss.

    Matching all names in the cases against the registry is the slowest part of the page
    (about 2 s at a million cases), so the page loads this section in its background worker.
    """

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self.frame = pd.DataFrame()
        self.history_frame = pd.DataFrame(columns=list(decide.HISTORY_COLUMNS))
        self.known = pd.DataFrame(columns=["actor_id", "name"])
        self.table = widgets.HTML('<p class="ssp-loading">Henter …</p>')
        self.table.add_class("ssp-candidates")
        self.candidate = widgets.Dropdown(options=[("Vælg et navn …", CHOOSE)], value=CHOOSE,
                                          description="Navn fra sagerne", layout=WIDE, style=LABEL_STYLE)
        self.candidate.add_class("ssp-candidate")
        self.kind = widgets.Dropdown(options=[(v, k) for k, v in ACTOR_KIND_LABELS.items()], value="andet",
                                     description="Slags aktør", layout=WIDE, style=LABEL_STYLE)
        self.accept_new_button = widgets.Button(description="Tilføj som ny aktør …", button_style="success",
                                                icon="plus", layout=widgets.Layout(width="220px"))
        self.accept_new_button.add_class("ssp-accept-new")
        self.actor = widgets.Dropdown(description="Kendt aktør", layout=WIDE, style=LABEL_STYLE)
        self.accept_alias_button = widgets.Button(description="Tilføj som stavemåde …", button_style="info",
                                                  icon="link", layout=widgets.Layout(width="220px"))
        self.accept_alias_button.add_class("ssp-accept-alias")
        self.reason = widgets.Text(description="Begrundelse", placeholder="Hvorfor hører navnet ikke i planen?",
                                   layout=WIDE, style=LABEL_STYLE)
        self.reason.add_class("ssp-reason")
        self.dismiss_button = widgets.Button(description="Afvis …", button_style="danger", icon="times",
                                             layout=widgets.Layout(width="220px"))
        self.dismiss_button.add_class("ssp-dismiss")
        self.confirmation = Confirmation()
        self.history = widgets.HTML("")
        self.history.add_class("ssp-decisions")
        self.past = widgets.Dropdown(options=[("Vælg en beslutning …", CHOOSE)], value=CHOOSE,
                                     description="Beslutning", layout=widgets.Layout(width="720px"), style=LABEL_STYLE)
        self.past.add_class("ssp-past-decision")
        self.undo_reason = widgets.Text(description="Begrundelse", placeholder="Valgfri: hvorfor fortrydes den?",
                                        layout=WIDE, style=LABEL_STYLE)
        self.undo_button = widgets.Button(description="Fortryd beslutningen …", icon="undo",
                                          layout=widgets.Layout(width="220px"))
        self.undo_button.add_class("ssp-undo")
        self.accept_new_button.on_click(lambda _b: self.ask_accept_as_new())
        self.accept_alias_button.on_click(lambda _b: self.ask_accept_as_alias())
        self.dismiss_button.on_click(lambda _b: self.ask_dismiss())
        self.undo_button.on_click(lambda _b: self.ask_undo())
        self.candidate.observe(lambda _c: self._on_candidate(), names="value")
        for widget in (self.kind, self.actor, self.reason, self.past, self.undo_reason):
            widget.observe(lambda _c: self.confirmation.cancel(), names="value")
        head = widgets.HTML(heading_html(4, "Nye aktører", "Er der kommet nye relevante aktører? Organisationer, "
                                         "som sagerne nævner, men som planen ikke har (stavemåder samlet).",
                                         anchor="sektion-4"))
        self.widget = widgets.VBox([
            head, self.table,
            widgets.HTML("<h3>Tag stilling til et navn</h3>"
                         '<p class="ssp-lead">Vælg navnet, og vælg, hvad der skal ske. Du bliver bedt om at '
                         "bekræfte, og alle beslutninger kan fortrydes nedenfor.</p>"),
            self.candidate,
            widgets.HBox([self.kind, self.accept_new_button]), widgets.HBox([self.actor, self.accept_alias_button]),
            widgets.HBox([self.reason, self.dismiss_button]), self.confirmation.widget, self.status.widget,
            widgets.HTML("<h3>Beslutninger (historik)</h3>"), self.history,
            widgets.HBox([self.past, self.undo_button]), self.undo_reason,
        ])

    # --- reading and drawing --------------------------------------------------------------

    def load(self, con: duckdb.DuckDBPyConnection, filters: Filters) -> None:
        self.filters = filters
        known = actors.known_actors(con)
        self.frame = actors.candidates(con, year=filters.year, known=known)
        self.known = pd.DataFrame(sorted(known.names.items(), key=lambda item: item[1].casefold()),
                                  columns=["actor_id", "name"])
        self.history_frame = decide.decision_history(con)

    def render(self) -> None:
        frame = self.frame.assign(variants_text=[list_text(v) for v in self.frame["variants"]])
        year = f" i {self.filters.year}" if self.filters.year else ""
        self.table.value = table_html(
            frame, {"candidate": "Navn", "variants_text": "Skrevet som", "cases": f"Sager{year}",
                    "networks": f"Netværk{year}", "first_seen": "Først set", "last_seen": "Senest set",
                    "suggested_name": "Måske samme som"},
            formats={"cases": fmt_int, "networks": fmt_int, "first_seen": month, "last_seen": month}, scroll=True,
            empty="Ingen nye aktører: alle navne i sagerne står i planen eller er afgjort.")
        _set_keeping_none(self.candidate, list(self.frame["candidate"]), "Vælg et navn …")
        set_options(self.actor, [(n, a) for a, n in zip(self.known["actor_id"], self.known["name"])])
        history = self.history_frame.assign(
            names_text=[list_text(v) for v in self.history_frame["names"]],
            undone_text=[f"Fortrudt {day_time(at)} af {by}" if isinstance(by, str) else ""
                         for at, by in zip(self.history_frame["undone_at"], self.history_frame["undone_by"])])
        self.history.value = table_html(
            history, {"decided_at": "Tidspunkt", "decided_by": "Af", "decision_label": "Beslutning",
                      "names_text": "Navne", "actor_name": "Aktør", "note": "Begrundelse", "undone_text": "Fortrudt"},
            formats={"decided_at": fmt_datetime}, scroll=True, empty="Der er ikke truffet nogen beslutninger endnu.")
        undoable = self.history_frame[self.history_frame["can_undo"]]
        _set_keeping_none(self.past, [(self._decision_text(r), int(r["decision_id"]))
                                      for r in undoable.to_dict("records")], "Vælg en beslutning …")

    @staticmethod
    def _decision_text(row: dict[str, Any]) -> str:
        """'12.11.2026 14:03: Afvist »Cyberhus« (konsulent)' for the undo list."""
        return (f"{day_time(row['decided_at'])}: {row['decision_label']} {quote(row['names'][0])} "
                f"({row['decided_by']})")

    # --- asking ---------------------------------------------------------------------------

    def _row(self) -> dict[str, Any] | None:
        if self.candidate.value in (None, CHOOSE) or self.frame.empty:
            return None
        rows = self.frame[self.frame["candidate"] == self.candidate.value]
        return None if rows.empty else rows.iloc[0].to_dict()

    def _on_candidate(self) -> None:
        """A new name: forget any question about the old one, preselect the actor it resembles."""
        self.confirmation.cancel()
        row = self._row()
        suggestion = row.get("suggested_actor_id") if row else None
        if isinstance(suggestion, str) and suggestion in set(self.known.get("actor_id", [])):
            self.actor.value = suggestion

    def _mentions(self, row: dict[str, Any]) -> str:
        year = f" i {self.filters.year}" if self.filters.year else ""
        return f"{plural(row['cases'], 'sag', 'sager')} i {plural(row['networks'], 'netværk', 'netværk')}{year}"

    def _chosen(self) -> dict[str, Any] | None:
        row = self._row()
        if row is None:
            self.status.show("Vælg først et navn fra listen.", "warn")
        return row

    def ask_accept_as_new(self) -> None:
        row = self._chosen()
        if row is None:
            return
        kind = self.kind.value
        spellings = _spellings(row)
        question = (f"Tilføj {quote(row['candidate'])} ({self._mentions(row)}) til planen som ny aktør af slagsen "
                    f"{quote(ACTOR_KIND_LABELS[kind])}? " + _also(spellings))
        self.confirmation.ask(question, f"Ja, tilføj {row['candidate']}", lambda: self._save(
            lambda: decide.accept_as_new(self.db_path, row["candidate"], spellings, kind=kind),
            f"{quote(row['candidate'])} er tilføjet planen som ny aktør."))

    def ask_accept_as_alias(self) -> None:
        row = self._chosen()
        if row is None:
            return
        if self.actor.value is None:
            self.status.show("Vælg den kendte aktør, navnet er en stavemåde af.", "warn")
            return
        actor_id = self.actor.value
        actor_name = dict(zip(self.known["actor_id"], self.known["name"])).get(actor_id, actor_id)
        spellings = _spellings(row)
        question = (f"Gem {quote(row['candidate'])} ({self._mentions(row)}) som en anden stavemåde af "
                    f"{quote(actor_name)}? " + _also(spellings))
        self.confirmation.ask(question, f"Ja, {row['candidate']} er {actor_name}", lambda: self._save(
            lambda: decide.accept_as_alias(self.db_path, row["candidate"], spellings, actor_id),
            f"{quote(row['candidate'])} er gemt som stavemåde af {quote(actor_name)}."))

    def ask_dismiss(self) -> None:
        row = self._chosen()
        if row is None:
            return
        reason = " ".join(self.reason.value.split())
        if not reason:
            self.status.show(f"Skriv en begrundelse for at afvise {quote(row['candidate'])}. "
                             "Den står i historikken.", "warn")
            return
        spellings = _spellings(row)
        question = (f"Afvis {quote(row['candidate'])} ({self._mentions(row)}) med begrundelsen {quote(reason)}? "
                    "Navnet foreslås så ikke igen, men du kan fortryde beslutningen i historikken nedenfor.")
        self.confirmation.ask(question, f"Ja, afvis {row['candidate']}", lambda: self._save(
            lambda: decide.dismiss(self.db_path, row["candidate"], spellings, reason=reason),
            f"{quote(row['candidate'])} er afvist og foreslås ikke igen. Beslutningen kan fortrydes nedenfor."))

    def ask_undo(self) -> None:
        if self.past.value in (None, CHOOSE):
            self.status.show("Vælg den beslutning, der skal fortrydes.", "warn")
            return
        decision_id = int(self.past.value)
        rows = self.history_frame[self.history_frame["decision_id"] == decision_id]
        if rows.empty:
            return
        row = rows.iloc[0].to_dict()
        reason = " ".join(self.undo_reason.value.split()) or None
        what = {"new_actor": f"Fjern {quote(row['names'][0])} fra planen igen",
                "alias": f"Fjern {and_list(quote(n) for n in row['names'])} som stavemåde af {quote(row['actor_name'])}",
                "dismissed": f"Fortryd afvisningen af {quote(row['names'][0])}"}[row["decision"]]
        question = f"{what}? Navnet kommer tilbage på listen over nye aktører."
        self.confirmation.ask(question, f"Ja, fortryd beslutningen om {row['names'][0]}", lambda: self._save(
            lambda: decide.undo(self.db_path, decision_id, reason=reason),
            f"Beslutningen om {quote(row['names'][0])} er fortrudt."))

    def _save(self, action: Callable[[], Any], done: str) -> None:
        """Decide, then clear the form: nothing preselected, no reason left for the next name."""
        def run() -> None:
            action()
            self.reason.value, self.undo_reason.value = "", ""
            self.candidate.value, self.past.value = CHOOSE, CHOOSE
        self.save(run, done)


def _spellings(row: dict[str, Any]) -> list[str]:
    variants = row.get("variants")
    return list(variants.tolist() if hasattr(variants, "tolist") else variants or [])


def _also(spellings: list[str]) -> str:
    others = spellings[1:]
    return f"Stavemåderne {and_list(quote(s) for s in others)} følger med. " if others else ""


def _set_keeping_none(dropdown: widgets.Dropdown, options: list, prompt: str) -> None:
    """New options after ``prompt`` (shown when nothing is chosen); the choice is kept when it
    is still offered, else the prompt is shown again (never the next name in the list)."""
    current = dropdown.value
    options = [(prompt, CHOOSE), *[o if isinstance(o, tuple) else (o, o) for o in options]]
    if list(dropdown.options) != options:
        dropdown.options = options
    dropdown.value = current if current in [v for _, v in options] else CHOOSE


__all__ = ["ACTOR_KIND_LABELS", "ActorsSection", "Confirmation"]

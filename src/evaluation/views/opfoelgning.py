"""The Opfølgning page: what the team must do to keep the plan current, as a checklist.

``planstatus.due_items`` (the same list as ``ssp-eval plan status``) becomes one row per
item, grouped by kind, each saying what to do and linking to the place where it is done.
Items that are done by a confirmation are ticked off here: a key person still in the role
(``keypersons.verify`` with today's date) and a moved web address (the new address accepted,
``registry.update_address_url``); a broken address gets a field for the corrected address.
A done item leaves the list at once (the list is read again after every save). Below it:
the button that runs the link check with its progress bar (``linkcheck.LinkCheck``), the
downloads of the actioncard and of the plan (served by the server's download handler), the
registration that this year's evaluation is finished (it clears the revised-policy items),
and the plan's change history in Danish sentences (``change_text.plan_changes``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from evaluation.plan import change_text, keypersons, phone_checks, planstatus, registry
from evaluation.plan.notes import plan_last_evaluated
from evaluation.store import db
from evaluation.views import navigation
from evaluation.views.common import (STYLE, Status, esc, fmt_date, fmt_datetime, guarded, message_page,
                                     page_database, reader, show_page, table_html)
from evaluation.views.linkcheck import LinkCheck
from evaluation.views.retention_erasure import RetentionErasure

PAGE = "opfoelgning"
TITLE = "Opfølgning på handleplanen"
INTRO = ("Det, der skal gøres, for at planen er ajour: nøglepersoner, årets øvelser, politikker, "
         "webadresser og telefonnumre. Sæt flueben, når et punkt er klaret, eller følg linket til stedet, hvor det gøres. "
         "Et klaret punkt forsvinder fra listen.")
HISTORY_SHOWN = 100

# Where each kind of item is done: (page, anchor, link text).
WHERE: dict[str, tuple[str, str, str]] = {
    "policy_revised": ("aarsevaluering", "sektion-1", "Vurdér politikken i Årsevaluering, spørgsmål 1"),
    "role_missing": ("aarsevaluering", "sektion-2", "Registrér nøglepersonen i Årsevaluering, spørgsmål 2"),
    "role_due": ("aarsevaluering", "sektion-2", "Ret nøglepersonen i Årsevaluering, spørgsmål 2"),
    "address_broken": ("aarsevaluering", "sektion-3", "Se adressens historik i Årsevaluering, spørgsmål 3"),
    "address_moved": ("aarsevaluering", "sektion-3", "Se adressens historik i Årsevaluering, spørgsmål 3"),
    "phone_broken": ("aarsevaluering", "sektion-3", "Ret nummeret i Årsevaluering, spørgsmål 3"),
    "phone_due": ("aarsevaluering", "sektion-3", "Markér nummeret i Årsevaluering, spørgsmål 3"),
    "exercise_missing": ("aarsevaluering", "sektion-2", "Registrér øvelsen i Årsevaluering, spørgsmål 2"),
}  # retention_past: done here (views.retention_erasure), no link
# What to do, in one imperative line per kind.
TODO: dict[str, str] = {
    "policy_revised": "Læs den reviderede politik, og tjek at handleplanen stadig passer til den.",
    "role_missing": "Find netværkets person i rollen, og registrér hende eller ham.",
    "role_due": "Bekræft, at personen stadig har rollen, eller registrér den nye.",
    "address_broken": "Find den rigtige adresse, og ret den i planen.",
    "address_moved": "Ret adressen i planen til den nye.",
    "phone_broken": "Find det rigtige nummer hos organisationen, og ret det i planen.",
    "phone_due": "Ring nummeret op, eller slå det op hos organisationen.",
    "exercise_missing": "Hold årets øvelse i actioncardet med netværkets SSP-kontaktlærere, og registrér den.",
    "retention_past": "Slet sagerne for altid, når teamet har besluttet det: vis sletningen, læs hvad der "
                      "forsvinder, og bekræft.",
}


class OpfoelgningView:
    """The whole page; ``widget`` is what the notebook displays.

    Everything is drawn before the page is shown (a few small queries), so ``in_browser``
    changes nothing here.
    """

    def __init__(self, db_path: Path | str | None = None, *, today: date | None = None,
                 in_browser: bool = False) -> None:
        self.db_path = Path(db_path) if db_path else page_database()
        self.today = today
        self.ready = False
        self.status = Status()
        self.items = pd.DataFrame(columns=planstatus.COLUMNS)
        self.roles = pd.DataFrame()
        if not self.db_path.exists():
            self.widget = message_page(f"Databasen {self.db_path.name} findes ikke. Indlæs netværkenes udtræk på "
                                       "siden Indlæs udtræk, så oprettes den.", TITLE)
            return
        self.summary = widgets.HTML("")
        self.summary.add_class("ssp-followup-summary")
        self.checklist = widgets.VBox([])
        self.checklist.add_class("ssp-checklist")
        self.item_status = Status()
        self.link_check = LinkCheck(self.db_path, on_done=self.refresh)
        self.evaluated = widgets.HTML("")
        self.evaluated_on = widgets.DatePicker(description="Evalueret den", value=self._today(),
                                               style={"description_width": "110px"})
        self.evaluated_on.add_class("ssp-evaluated-on")
        self.evaluated_button = widgets.Button(description="Registrér evalueringen", button_style="primary",
                                               icon="check", layout=widgets.Layout(width="240px"))
        self.evaluated_button.add_class("ssp-register-evaluation")
        self.evaluated_button.on_click(lambda _b: self.register_evaluation())
        self.evaluated_status = Status()
        self.history = widgets.HTML("")
        self.history.add_class("ssp-plan-history")
        downloads = widgets.HTML(
            '<p class="ssp-download">'
            f'<a class="ssp-download-actioncard" href="{navigation.download_href("actioncard", "actioncard.pdf")}" '
            'download>Hent actioncardet som PDF (til print)</a>'
            f'<a class="ssp-download-plan" href="{navigation.download_href("plan", "handleplan.yaml")}" '
            'download>Hent hele planen som fil (YAML, til arkiv og gennemsyn)</a></p>')
        self.widget = widgets.VBox([
            widgets.HTML(f'{STYLE}<h1>{esc(TITLE)}</h1><p class="ssp-lead">{esc(INTRO)}</p>'),
            self.status.widget,
            widgets.HTML("<h2>Det skal følges op</h2>"), self.summary, self.item_status.widget, self.checklist,
            widgets.HTML("<h2>Tjek planens webadresser</h2><p class=\"ssp-lead\">Kontrollerer hver adresse i planen "
                         "og i netværkenes erfaringer. Det tager op til et minut.</p>"),
            self.link_check.widget,
            widgets.HTML("<h2>Actioncard og plan til print og arkiv</h2>"), downloads,
            widgets.HTML("<h2>Årets evaluering er færdig</h2><p class=\"ssp-lead\">Når teamet har gennemgået "
                         "planen, registreres datoen. Politikker, der revideres senere, kommer så på listen "
                         "igen.</p>"),
            self.evaluated, widgets.HBox([self.evaluated_on, self.evaluated_button]), self.evaluated_status.widget,
            widgets.HTML("<h2>Ændringer i planen</h2>"), self.history,
        ])
        self.widget.add_class("ssp-page")
        self.refresh()
        self.ready = True

    def _today(self) -> date:
        return self.today or date.today()

    # -- reading and drawing -----------------------------------------------------------------

    def refresh(self) -> None:
        """Read the due items, the key persons, the last evaluation and the history; draw them."""
        with guarded(self.status):
            with reader(self.db_path) as con:
                self.items = planstatus.due_items(con, today=self._today())
                self.roles = keypersons.role_status(con, today=self._today())
                evaluated = plan_last_evaluated(con)
                changes = change_text.plan_changes(con, limit=HISTORY_SHOWN)
            self._draw_items()
            self.evaluated.value = ('<p class="ssp-lead">' + (
                f"Planen blev senest evalueret {esc(fmt_date(evaluated))}." if evaluated
                else "Planens seneste evaluering er ikke registreret.") + "</p>")
            self.history.value = table_html(
                changes, {"changed_at": "Tidspunkt", "changed_by": "Af", "text": "Ændring"},
                formats={"changed_at": fmt_datetime}, scroll=True, empty="Planen er ikke ændret endnu.")

    def _draw_items(self) -> None:
        count = len(self.items)
        self.summary.value = ('<div class="ssp-banner ssp-banner-ok">Intet at følge op på: nøglepersoner, årets '
                              "øvelser, politikker og webadresser er ajour.</div>" if count == 0 else
                              f'<p class="ssp-lead"><b>{count} {"punkt" if count == 1 else "punkter"}</b> at følge '
                              "op på.</p>")
        rows: list[widgets.Widget] = []
        for kind, group in self.items.groupby("kind", sort=False):
            rows.append(widgets.HTML(f"<h3>{esc(planstatus.KIND_LABELS.get(kind, kind))} ({len(group)})</h3>"))
            rows += [self._item_row(item) for item in group.to_dict("records")]
        self.checklist.children = rows

    def _item_row(self, item: dict[str, Any]) -> widgets.Widget:
        """One item: what and why, what to do, the link to where it is done, and its tick or field."""
        word = planstatus.SINCE_WORDS.get(item["kind"])
        since = f" {word} {fmt_date(item['since'])}." if word and not pd.isna(item["since"]) else ""
        link = ""
        if item["kind"] in WHERE:
            page, anchor, link_text = WHERE[item["kind"]]
            link = f'<a href="{esc(navigation.href(page, anchor=anchor))}">{esc(link_text)}</a>'
        text = widgets.HTML(
            f'<div class="ssp-item" data-kind="{esc(item["kind"])}"><b>{esc(item["what"])}</b>: '
            f"{esc(item['why'])}{esc(since)}<br>{esc(TODO.get(item['kind'], ''))} {link}</div>",
            layout=widgets.Layout(width="100%"))
        action = self._action(item)
        box = widgets.VBox([text, action] if action is not None else [text],
                           layout=widgets.Layout(margin="0 0 8px 0"))
        box.add_class("ssp-followup-item")
        return box

    def _action(self, item: dict[str, Any]) -> widgets.Widget | None:
        """The tick (or field) that does an item here, or None when it is done elsewhere."""
        kind = item["kind"]
        if kind == "role_due":
            person = self._person(item["network"], item["ref"])
            label = (f"Klaret: {person} har stadig rollen (bekræftet i dag)" if person
                     else "Klaret: rollen er bekræftet i dag")
            return self._tick(label, lambda: self.confirm_role(item["network"], item["ref"]))
        if kind == "address_moved" and isinstance(item["proposed"], str) and item["proposed"]:
            label = f"Klaret: ret adressen til {registry.printed_url(item['proposed'])}"
            return self._tick(label, lambda: self.accept_move(item["ref"], item["proposed"]))
        if kind == "phone_due" and isinstance(item["ref"], str):
            return self._tick("Klaret: nummeret er rigtigt (kontrolleret i dag)",
                              lambda: self.confirm_phone(item["ref"], item["what"]))
        if kind == "address_broken" and isinstance(item["ref"], str):
            field = widgets.Text(placeholder="Den rigtige adresse, fx redbarnet.dk/sletdet",
                                 layout=widgets.Layout(width="380px"))
            field.add_class("ssp-new-address")
            button = widgets.Button(description="Ret adressen", icon="save", layout=widgets.Layout(width="150px"))
            button.on_click(lambda _b: self.correct_address(item["ref"], field.value))
            return widgets.HBox([field, button])
        if kind == "retention_past" and isinstance(item["ref"], str):
            return RetentionErasure(self.db_path, int(item["ref"]), on_done=self.refresh).widget
        return None

    def _tick(self, label: str, action) -> widgets.Checkbox:
        box = widgets.Checkbox(value=False, description=label, indent=False,
                               layout=widgets.Layout(width="auto"))
        box.add_class("ssp-tick")
        box.observe(lambda change: action() if change["new"] else None, names="value")
        return box

    def _person(self, network: str, role_id: str) -> str | None:
        rows = self.roles[(self.roles["netvaerk"] == network) & (self.roles["role_id"] == role_id)]
        person = rows.iloc[0]["person"] if not rows.empty else None
        return person if isinstance(person, str) and person else None

    # -- doing items -----------------------------------------------------------------------

    def _save(self, action, done: str) -> None:
        """Run a save through the library, then read the list again (the done item leaves it)."""
        with guarded(self.item_status, loading="Gemmer …", done=done):
            action()
        self.refresh()

    def confirm_role(self, network: str, role_id: str) -> None:
        """The key person still holds the role: a verification dated today, same person."""
        person = self._person(network, role_id)
        self._save(lambda: keypersons.verify(self.db_path, network, role_id, self._today(), person=person),
                   f"Gemt: rollen i {network} er bekræftet i dag.")

    def confirm_phone(self, phone_id: str, what: str) -> None:
        """The phone number is still right: a check dated today (phone_checks.py)."""
        self._save(lambda: phone_checks.check(self.db_path, phone_id, "ok", self._today()),
                   f"Gemt: {what} er kontrolleret i dag.")

    def accept_move(self, address_id: str, new_url: str) -> None:
        """Accept the address the link checker found the old one moved to."""
        def action() -> None:
            with db.writer(self.db_path) as con:
                registry.update_address_url(con, address_id, registry.printed_url(new_url),
                                            reason="Adressen var flyttet (fundet af linktjekket).")
        self._save(action, f"Gemt: adressen er rettet til {registry.printed_url(new_url)}.")

    def correct_address(self, address_id: str, new_url: str) -> None:
        """Replace a broken address with the one the consultant typed."""
        if not new_url.strip():
            self.item_status.show("Skriv den rigtige adresse i feltet først.", "warn")
            return

        def action() -> None:
            with db.writer(self.db_path) as con:
                registry.update_address_url(con, address_id, registry.printed_url(new_url),
                                            reason="Adressen virkede ikke og er rettet.")
        self._save(action, f"Gemt: adressen er rettet til {registry.printed_url(new_url)}. Tjek webadresserne "
                           "igen for at se, at den virker.")

    def register_evaluation(self) -> None:
        """Record that the plan was evaluated on the chosen day (``plan_meta.last_evaluated``)."""
        day = self.evaluated_on.value
        if day is None or day > date.today():
            self.evaluated_status.show("Vælg den dag, evalueringen blev afsluttet (ikke en dag i fremtiden).", "warn")
            return

        def action() -> None:
            with db.writer(self.db_path) as con:
                registry.set_plan_meta(con, planstatus.LAST_EVALUATED_KEY, day,
                                       reason="Årets evaluering er afsluttet.")
        with guarded(self.evaluated_status, loading="Gemmer …",
                     done=f"Gemt: planen er evalueret {fmt_date(day)}."):
            action()
        self.refresh()


def show(db_path: Path | str | None = None) -> OpfoelgningView | None:
    """Build the page and display it (the notebook's only call); never raises."""
    return show_page(OpfoelgningView, TITLE, db_path, page=PAGE)

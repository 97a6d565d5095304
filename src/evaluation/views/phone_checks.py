"""The plan's phone numbers on Årsevaluering question 3: status, a form to mark one checked, history.

A part of ``plan_sections.AddressesSection`` (which owns the section's status line and lock):
``load(con)`` reads, ``render()`` draws, ``save()`` goes through ``phone_checks.check``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import ipywidgets as widgets
import pandas as pd

from evaluation.plan import phone_checks
from evaluation.format import quote
from evaluation.views.common import fmt_date, fmt_datetime, table_html
from evaluation.views.sections import FLAG, LABEL_STYLE, WIDE, set_options

RESULT_OPTIONS = [(label, key) for key, label in phone_checks.RESULT_LABELS.items()]


class PhoneChecksPart:
    """Phone numbers with their latest check, and the form that records a new one."""

    def __init__(self) -> None:
        self.frame = pd.DataFrame()
        self.history_frame = pd.DataFrame()
        self.table = widgets.HTML("")
        self.table.add_class("ssp-phones")
        self.phone = widgets.Dropdown(description="Telefonnummer", layout=WIDE, style=LABEL_STYLE)
        self.phone.add_class("ssp-phone")
        self.result = widgets.Dropdown(options=RESULT_OPTIONS, value="ok", description="Resultat",
                                       layout=WIDE, style=LABEL_STYLE)
        self.result.add_class("ssp-phone-result")
        self.checked_on = widgets.DatePicker(description="Kontrolleret den", value=date.today(), style=LABEL_STYLE)
        self.checked_on.add_class("ssp-phone-date")
        self.new_number = widgets.Text(description="Nyt nummer", placeholder="Kun ved 'Ændret', fx 35 36 55 55",
                                       layout=WIDE, style=LABEL_STYLE)
        self.new_number.add_class("ssp-phone-new")
        self.note = widgets.Text(description="Note (valgfri)", placeholder="Fx: ringet op, svarer",
                                 layout=WIDE, style=LABEL_STYLE)
        self.button = widgets.Button(description="Gem kontrol", button_style="primary", icon="save")
        self.button.add_class("ssp-save-phone")
        self.history = widgets.HTML("")
        self.history.add_class("ssp-phone-history")
        self.widget = widgets.VBox([
            widgets.HTML("<h3>Telefonnumre i planen</h3>"), self.table,
            widgets.HTML("<h3>Markér et telefonnummer som kontrolleret</h3>"
                         '<p class="ssp-lead">Ring nummeret op, eller slå det op hos organisationen. '
                         "Er det ændret, skriv det nye nummer: planen bruger det herefter.</p>"),
            self.phone, self.result, self.checked_on, self.new_number, self.note, self.button, self.history,
        ])

    def load(self, con: duckdb.DuckDBPyConnection) -> None:
        self.frame = phone_checks.latest_status(con)
        self.history_frame = phone_checks.history(con).head(20)

    def render(self) -> None:
        shown = self.frame.assign(flag=[FLAG.format("Skal kontrolleres") if d else "" for d in self.frame["due"]])
        self.table.value = table_html(
            shown, {"number": "Nummer", "actor_name": "Aktør", "purpose": "Formål", "result_label": "Status",
                    "checked_on": "Senest kontrolleret", "saved_by": "Af", "flag": ""},
            formats={"checked_on": fmt_date}, raw=("flag",), empty="Ingen telefonnumre i planen.")
        set_options(self.phone, [(f"{n} ({a})" if isinstance(a, str) else n, p)
                                 for p, n, a in zip(self.frame["phone_id"], self.frame["number"],
                                                    self.frame["actor_name"])])
        self.history.value = "<h3>Seneste kontroller (historik)</h3>" + table_html(
            self.history_frame, {"number": "Nummer", "actor_name": "Aktør", "result_label": "Resultat",
                                 "new_number": "Nyt nummer", "checked_on": "Kontrolleret", "note": "Note",
                                 "saved_at": "Gemt", "saved_by": "Af"},
            formats={"checked_on": fmt_date, "saved_at": fmt_datetime},
            empty="Ingen telefonnumre er kontrolleret endnu.")

    def on_save(self, save: Callable[[Callable[[], Any], str], None], db_path: Any) -> None:
        """Wire the button to the section's ``save`` (which shows 'Gemmer …' and reloads)."""
        self.button.on_click(lambda _b: self.save(save, db_path))

    def save(self, save: Callable[[Callable[[], Any], str], None], db_path: Any) -> None:
        number = dict((v, k) for k, v in self.phone.options).get(self.phone.value, "")
        label = phone_checks.RESULT_LABELS[self.result.value].lower()

        def action() -> None:
            phone_checks.check(db_path, self.phone.value, self.result.value, self.checked_on.value,
                               new_number=self.new_number.value or None, note=self.note.value or None)
            self.new_number.value, self.note.value = "", ""
        save(action, f"Kontrollen af {number} er gemt som {quote(label)}.")


__all__ = ["PhoneChecksPart"]

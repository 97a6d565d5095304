"""The forms on Årsevaluering's plan sections that newuser's issue (13) added or changed, driven
as a user would (widget values, button clicks) without Jupyter, checked against the library."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from evaluation.plan import phone_checks, registry
from evaluation.store import db
from evaluation.views.aarsevaluering import AarsevalueringView

TODAY = date(2026, 3, 1)
ROWS: list[dict] = [
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-01", "aktoerer": ["Cyberhus"]},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-02", "aktoerer": ["Foreningen Far", "Cyberhus"]},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-03"},
]


@pytest.fixture
def view_db(case_db: Callable[..., Path]) -> Path:
    path = case_db(ROWS, name="forms.duckdb")
    db.init(path)
    return path


@pytest.fixture
def page(view_db: Path) -> AarsevalueringView:
    view = AarsevalueringView(view_db, today=TODAY)
    assert view.ready and view.wait(60)
    return view


# --- item 7: phone numbers marked as checked ----------------------------------------------

def test_phone_numbers_show_as_not_checked_until_marked(page: AarsevalueringView) -> None:
    part = page.addresses.phones
    assert part.table.value.count("Ikke kontrolleret") == 3 and part.table.value.count("Skal kontrolleres") == 3
    assert "Ingen telefonnumre er kontrolleret endnu." in part.history.value


def test_marking_a_phone_number_checked_from_the_form(page: AarsevalueringView, view_db: Path) -> None:
    part, section = page.addresses.phones, page.addresses
    part.phone.value = "politi_114"
    part.result.value = "ok"
    day = date.today() - timedelta(days=3)  # the page judges "due" against the real today
    part.checked_on.value = day
    part.note.value = "Ringet op"
    part.button.click()
    assert section.status.text == "Kontrollen af 114 (Nordjyllands Politi) er gemt som »rigtigt«.", section.status.text
    assert f"{day:%d.%m.%Y}" in part.table.value and part.table.value.count("Skal kontrolleres") == 2
    assert "Ringet op" in part.history.value and part.note.value == ""
    with db.reader(view_db) as con:
        saved = phone_checks.latest_status(con).set_index("phone_id").loc["politi_114"]
    assert saved["result"] == "ok" and saved["checked_on"].date() == day


def test_a_changed_number_from_the_form_is_the_plans_number_afterwards(page: AarsevalueringView,
                                                                       view_db: Path) -> None:
    part = page.addresses.phones
    part.phone.value = "sikkerchat"
    part.result.value = "changed"
    part.checked_on.value = date(2025, 11, 3)
    part.new_number.value = "29 27 01 02"
    part.button.click()
    assert "er gemt som »ændret«" in page.addresses.status.text, page.addresses.status.text
    with db.reader(view_db) as con:
        assert registry.phones(con).set_index("phone_id").loc["sikkerchat", "number"] == "29 27 01 02"
    assert "29 27 01 02" in part.table.value
    assert [label for label, _ in part.phone.options if label.startswith("29 27 01 02")]


def test_a_refused_phone_check_says_why_in_danish(page: AarsevalueringView) -> None:
    part = page.addresses.phones
    part.phone.value = "politi_114"
    part.result.value = "changed"  # but no new number
    part.button.click()
    assert "Skriv det nye nummer" in page.addresses.status.text

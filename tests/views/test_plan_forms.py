"""The forms on Årsevaluering's plan sections that newuser's issue (13) added or changed, driven
as a user would (widget values, button clicks) without Jupyter, checked against the library."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from evaluation.plan import phone_checks, registry
from evaluation.store import db
from evaluation.views.aarsevaluering import AarsevalueringView
from evaluation.views.actor_section import CHOOSE

TODAY = date(2026, 3, 1)
ROWS: list[dict] = [
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-01", "aktoerer": ["Cyberhus"]},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-02", "aktoerer": ["Foreningen Far", "Cyberhus"]},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-03"},
]


@pytest.fixture
def view_db(case_db: Callable[..., Path], set_registry_networks: Callable[..., None]) -> Path:
    path = case_db(ROWS, name="forms.duckdb")
    db.init(path)
    set_registry_networks(path, ["Nord", "Syd"])  # the registry holds the networks the cases come from
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


# --- item 3: deliberate, reversible decisions ---------------------------------------------

def test_a_click_only_asks_and_the_question_names_the_organisation(page: AarsevalueringView,
                                                                   view_db: Path) -> None:
    section = page.actors
    section.candidate.value = "Cyberhus"
    section.reason.value = "Ikke relevant"
    section.dismiss_button.click()
    assert section.confirmation.open
    question = section.confirmation.text.value
    assert "»Cyberhus« (2 sager i 2 netværk i 2025)" in question and "»Ikke relevant«" in question
    assert section.confirmation.yes.description == "Ja, afvis Cyberhus"
    assert "Cyberhus" in list(section.frame["candidate"])  # nothing decided yet
    with db.reader(view_db) as con:
        assert con.execute("SELECT count(*) FROM actor_decisions").fetchall() == [(0,)]
    section.confirmation.no.click()
    assert not section.confirmation.open and "Cyberhus" in list(section.frame["candidate"])


def test_a_dismissal_without_a_reason_is_not_even_asked(page: AarsevalueringView) -> None:
    section = page.actors
    section.candidate.value = "Cyberhus"
    section.dismiss_button.click()
    assert not section.confirmation.open
    assert "Skriv en begrundelse for at afvise »Cyberhus«" in section.status.text


def test_after_a_decision_nothing_is_preselected_and_the_reason_is_empty(page: AarsevalueringView) -> None:
    """The bug: the form jumped to the next name with the old reason, and a second click
    dismissed the wrong organisation."""
    section = page.actors
    section.candidate.value = "Foreningen Far"
    section.reason.value = "Ikke relevant"
    section.dismiss_button.click()
    section.confirmation.yes.click()
    assert "»Foreningen Far« er afvist" in section.status.text, section.status.text
    assert section.candidate.value == CHOOSE and section.candidate.label == "Vælg et navn …"
    assert section.reason.value == ""
    assert list(section.frame["candidate"]) == ["Cyberhus"]
    section.dismiss_button.click()  # the second click
    assert not section.confirmation.open and "Vælg først et navn" in section.status.text
    assert list(section.frame["candidate"]) == ["Cyberhus"]


def test_changing_the_name_withdraws_the_question(page: AarsevalueringView, view_db: Path) -> None:
    section = page.actors
    section.candidate.value = "Cyberhus"
    section.reason.value = "Ikke relevant"
    section.dismiss_button.click()
    section.candidate.value = "Foreningen Far"
    assert not section.confirmation.open


def test_a_decision_is_undone_from_the_history_in_a_later_session(view_db: Path) -> None:
    first = AarsevalueringView(view_db, today=TODAY)
    assert first.wait(60)
    section = first.actors
    section.candidate.value = "Cyberhus"
    section.kind.value = "ngo"
    section.accept_new_button.click()
    section.confirmation.yes.click()
    assert "Cyberhus" not in list(section.frame["candidate"])
    later = AarsevalueringView(view_db, today=TODAY)  # another day, another kernel: only the file
    assert later.wait(60)
    section = later.actors
    assert "Godkendt som ny aktør" in section.history.value and "Cyberhus" in section.history.value
    [_prompt, (label, decision_id)] = section.past.options
    assert "Godkendt som ny aktør »Cyberhus«" in label and section.past.value == CHOOSE
    section.past.value = decision_id
    section.undo_button.click()
    assert "Fjern »Cyberhus« fra planen igen?" in section.confirmation.text.value
    section.confirmation.yes.click()
    assert section.status.text == "Beslutningen om »Cyberhus« er fortrudt.", section.status.text
    assert "Cyberhus" in list(section.frame["candidate"]) and "Fortrudt" in section.history.value
    with db.reader(view_db) as con:
        assert con.execute("SELECT count(*) FROM actors WHERE name = 'Cyberhus'").fetchall() == [(0,)]
    assert section.past.options == (("Vælg en beslutning …", CHOOSE),)


def test_forms_default_to_the_network_the_page_is_filtered_to(page: AarsevalueringView) -> None:
    section = page.key_persons
    assert section.network.options[0] == "Nord"  # the first in the list ...
    page.filter_bar.network.value = "Syd"          # ... but the page shows Syd
    assert page.wait(60)
    assert (section.network.value, section.ex_network.value) == ("Syd", "Syd")


def test_opfoelgning_ticks_a_phone_number_off_as_checked_today(view_db: Path) -> None:
    from evaluation.views.opfoelgning import OpfoelgningView

    view = OpfoelgningView(view_db, today=TODAY)
    rows = [row for row in view.checklist.children if hasattr(row, "children")
            and "35 36 55 55 (Red Barnet)" in row.children[0].value]
    assert len(rows) == 1 and "Ring nummeret op" in rows[0].children[0].value
    tick = rows[0].children[1]
    assert tick.description == "Klaret: nummeret er rigtigt (kontrolleret i dag)"
    tick.value = True
    assert view.item_status.text == "Gemt: 35 36 55 55 (Red Barnet) er kontrolleret i dag."
    assert not [r for r in view.checklist.children if hasattr(r, "children")
                and "35 36 55 55" in r.children[0].value]
    with db.reader(view_db) as con:
        saved = phone_checks.latest_status(con, today=TODAY).set_index("phone_id").loc["red_barnet_hotline"]
    assert (saved["result"], saved["checked_on"].date()) == ("ok", TODAY)


# --- item 5: the three "underretning" figures explained on the page -------------------------

def test_aarsevaluering_says_what_each_underretning_figure_counts(page: AarsevalueringView, view_db: Path) -> None:
    from evaluation.analysis import kpis
    from evaluation.analysis.filters import Filters

    shown = page.experience.underretning.value
    with db.reader(view_db) as con:
        lines = kpis.underretning_lines(con, Filters(year=2025), today=TODAY)
    assert "Tre tal for underretning" in shown
    for line in lines:
        assert html.escape(line) in shown
    children = list(page.experience.widget.children)
    assert children.index(page.experience.underretning) == children.index(page.experience.outcomes) + 1

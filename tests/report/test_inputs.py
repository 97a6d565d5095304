"""report.inputs and views.report_inputs: planned changes (draft → approved) and learning tags."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from evaluation.analysis.filters import Filters
from evaluation.errors import EvaluationError
from evaluation.report import inputs
from evaluation.store import db
from evaluation.views.report_inputs import NEW, LearningTagsSection, PlannedChangesSection

ROWS = [
    {"sags_id": "N1", "netvaerk": "Nord", "indberetningsmaaned": "2025-01", "erfaringer": "SletDet hjalp hurtigt."},
    {"sags_id": "N2", "netvaerk": "Nord", "indberetningsmaaned": "2025-03", "erfaringer": "Forældre tidligt med."},
    {"sags_id": "S1", "netvaerk": "Syd", "indberetningsmaaned": "2025-02"},
    {"sags_id": "S2", "netvaerk": "Syd", "indberetningsmaaned": "2024-02", "erfaringer": "Sidste år."},
]


@pytest.fixture
def inputs_db(case_db: Callable[..., Path]) -> Path:
    path = case_db(ROWS, name="inputs.duckdb")
    db.init(path)
    return path


def test_a_change_is_a_draft_until_approved_and_editing_makes_it_a_draft_again(inputs_db: Path) -> None:
    key = inputs.save_planned_change(inputs_db, 2025, "actioncard", "  Tilføj Sikkerchat under Hjælp de relevante. ",
                                     by="anne")
    with db.reader(inputs_db) as con:
        frame = inputs.planned_changes(con, 2025)
        assert frame[["target", "text", "status", "first_saved_by"]].values.tolist() == [
            ["actioncard", "Tilføj Sikkerchat under Hjælp de relevante.", "kladde", "anne"]]
        assert inputs.planned_changes(con, 2025, approved_only=True).empty
        assert inputs.planned_changes(con, 2024).empty
    inputs.approve_planned_change(inputs_db, key, by="bo")
    with db.reader(inputs_db) as con:
        approved = inputs.planned_changes(con, 2025, approved_only=True)
    assert approved["status"].tolist() == ["godkendt"] and approved["saved_by"].tolist() == ["bo"]
    assert approved["versions"].tolist() == [2]
    inputs.save_planned_change(inputs_db, 2025, "actioncard", "Ny tekst.", change_key=key, by="anne")
    with db.reader(inputs_db) as con:
        assert inputs.planned_changes(con, 2025, approved_only=True).empty  # edited: must be approved again
    inputs.delete_planned_change(inputs_db, key)
    with db.reader(inputs_db) as con:
        assert inputs.planned_changes(con, 2025).empty
    with pytest.raises(EvaluationError, match="findes ikke"):
        inputs.approve_planned_change(inputs_db, key)


@pytest.mark.parametrize("text, target, message", [
    ("", "plan", "tom"), ("x" * 1001, "plan", "for lang"), ("Ring til Peter på 22 33 44 55", "plan", "personoplysninger"),
    ("Noget", "skolen", "Ukendt sted"),
])
def test_refused_changes_say_why_in_danish_and_save_nothing(inputs_db: Path, text: str, target: str,
                                                           message: str) -> None:
    with pytest.raises(EvaluationError, match=message) as caught:
        inputs.save_planned_change(inputs_db, 2025, target, text)
    assert "22 33 44 55" not in str(caught.value)
    with db.reader(inputs_db) as con:
        assert con.execute("SELECT count(*) FROM planned_changes").fetchone()[0] == 0


def test_learnings_carry_their_latest_tag_and_untagged_stays_untagged(inputs_db: Path) -> None:
    with db.reader(inputs_db) as con:
        options = [o.value for o in inputs.tag_options(con)]
        frame = inputs.learnings(con, 2025)
    assert options[0] == "" and "fase:vurder" in options and "tema:forebyggelse" in options
    assert frame["sags_id"].tolist() == ["N1", "N2"] and set(frame["tag_label"]) == {"Ikke mærket"}
    inputs.tag_learning(inputs_db, "Nord", "N1", "fase:stop")
    inputs.tag_learning(inputs_db, "Nord", "N1", "tema:platforme")
    with db.reader(inputs_db) as con:
        frame = inputs.learnings(con, 2025).set_index("sags_id")
    assert frame.at["N1", "tag"] == "tema:platforme" and frame.at["N1", "tag_label"].startswith("Tema:")
    assert frame.at["N2", "tag"] == ""
    with pytest.raises(EvaluationError, match="Ukendt mærke"):
        inputs.tag_learning(inputs_db, "Nord", "N2", "tema:gæt")
    with pytest.raises(EvaluationError, match="findes ikke"):
        inputs.tag_learning(inputs_db, "Syd", "S1", "tema:andet")  # a case without a learning


def test_the_planned_changes_section_writes_approves_and_shows(inputs_db: Path) -> None:
    section = PlannedChangesSection(inputs_db)
    section.refresh(Filters(year=2025))
    assert "Ingen planlagte ændringer" in section.table.value
    section.target.value = "plan"
    section.text.value = "Skriv <Cyberhus> ind i planen."
    section.save_button.click()
    assert "gemt som kladde" in section.status.text
    assert "Skriv &lt;Cyberhus&gt; ind i planen." in section.table.value and "Kladde" in section.table.value
    assert section.choice.value != NEW  # the saved change is chosen, ready to approve
    section.approve_button.click()
    assert "godkendt" in section.status.text and "Godkendt" in section.table.value
    with db.reader(inputs_db) as con:
        assert inputs.planned_changes(con, 2025, approved_only=True)["text"].tolist() == [
            "Skriv <Cyberhus> ind i planen."]
    section.text.value = ""
    section.save_button.click()
    assert "tom" in section.status.text  # refused: the Danish reason on the page


def test_the_tags_section_saves_a_tag_chosen_in_the_list(inputs_db: Path) -> None:
    section = LearningTagsSection(inputs_db)
    section.refresh(Filters(year=2025))
    assert "2 erfaringer skrevet i 2025; 2 er ikke mærket." in section.summary.value
    first = section.rows.children[0].children[1]
    first.value = "fase:vurder"
    assert "Mærket er gemt" in section.status.text
    assert "1 er ikke mærket" in section.summary.value
    with db.reader(inputs_db) as con:
        assert (inputs.learnings(con, 2025)["tag"] == "fase:vurder").sum() == 1


def test_learnings_are_bounded_for_a_page_or_report_and_counted_per_tag(inputs_db: Path) -> None:
    inputs.tag_learning(inputs_db, "Nord", "N1", "tema:andet")
    with db.reader(inputs_db) as con:
        assert inputs.learnings(con, 2025, limit=1)["sags_id"].tolist() == ["N2"]  # the newest
        assert sorted(inputs.learnings(con, 2025, per_tag=1)["sags_id"]) == ["N1", "N2"]  # one of each tag
        counts = inputs.learning_counts(con, 2025)
    assert counts[["tag", "learnings"]].values.tolist() == [["tema:andet", 1], ["", 1]]  # untagged last

"""The three "underretning" figures explained in one line each (issue 13, item 5): the key figure,
the outcome "Underretning sendt: Ja" and the assessment "Underretning" differ, and the page says
why with the same numbers the key figure and the outcome chart show."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from evaluation.analysis import kpis, queries
from evaluation.analysis.filters import Filters
from evaluation.store import db

TODAY = date(2026, 3, 1)


def test_three_lines_with_the_numbers_of_the_hand_made_cases(handmade_db: Path) -> None:
    # 2025: S4 sent (assessed pedagogically); N3 and S6 assessed, sending not recorded; S5 assessed, not sent.
    with db.reader(handmade_db) as con:
        key, sent, assessed = kpis.underretning_lines(con, Filters(year=2025), today=TODAY)
    assert key.startswith("Nøgletallet »Underretning« (3 sager): sager, hvor der er sendt en underretning (1), "
                          "og sager, hvor det ikke er registreret, om den blev sendt, men som er vurderet som en "
                          "underretningssag (2).")
    assert sent.startswith("»Underretning sendt: Ja« (1 sag): kun sager, hvor netværket har registreret")
    assert assessed.startswith("»Vurdering: Underretning« (3 sager): sager vurderet som en underretningssag")
    assert "i 1 af dem er det registreret, at der ikke blev sendt en underretning." in assessed


def test_the_lines_use_the_numbers_the_page_shows(demo_db: Path) -> None:
    filters = Filters(year=2025)
    with db.reader(demo_db) as con:
        key, sent, assessed = kpis.underretning_lines(con, filters)
        card = queries.kpis(con, filters).set_index("key").loc["underretninger"]
        outcomes = queries.outcomes(con, filters).set_index(["field", "value"])["cases"]
    assert f"({int(card['numerator'])} sager" in key
    assert f"({int(outcomes[('underretning_sendt', 'ja')])} sager)" in sent
    assert f"({int(outcomes[('vurdering', 'underretning')])} sager)" in assessed
    assert len({int(card["numerator"]), int(outcomes[("underretning_sendt", "ja")]),
                int(outcomes[("vurdering", "underretning")])}) == 3  # the demo shows three different numbers


def test_a_partial_year_says_which_months_the_key_figure_covers(handmade_db: Path) -> None:
    """The key figure compares the same months of two years (kpis.comparison_months): here the
    data end in November 2025, so the line says so."""
    with db.reader(handmade_db) as con:
        key, _sent, _assessed = kpis.underretning_lines(con, Filters(year=2025), today=date(2025, 12, 15))
        months = kpis.comparison_months(con, 2025, date(2025, 12, 15))
    assert months == 11
    assert key.startswith("Nøgletallet »Underretning« (3 sager i januar–november)")

"""report.audit and report.recode: the exact audit over published cells of any design, and the
table redesign that never makes a hidden cell recoverable."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.report import audit, recode, suppression

T = 4
SITUATIONS = recode.identity(["A", "B"], {"A": "Situation A", "B": "Situation B"})


def quarters_table(values: list[list[int]], year: int = 2024) -> pd.DataFrame:
    return pd.DataFrame(values, index=pd.Index([f"{year} K{q}" for q in range(1, 5)], dtype=object),
                        columns=pd.Index(["A", "B"], dtype=object))


def cells_of(name: str, design: recode.Design, fine: pd.DataFrame, year: int, edition: str = "i år",
             protected: suppression.Protected | None = None) -> list[audit.Cell]:
    """A designed period table (quarters or half-years of ``year``) as published cells."""
    counts = design.apply(fine)
    protected = protected or suppression.protect(counts, name=name, threshold=T)
    rows = {c.label: [int(v.rsplit("K", 1)[1]) for v in c.values] for c in design.rows}
    columns = {c.label: list(c.values) for c in design.columns}
    definitions = audit.table_definitions(counts, {"family": "sager", "year": [year]}, "quarter", rows, "situation",
                                          columns)
    return audit.edition_cells({name: protected}, {name: counts}, {name: definitions}, edition)


def test_a_changed_design_is_audited_against_last_years_cells() -> None:
    """Last year published 2024 by quarter and hid the A and B totals with the small quarters;
    this year's yearly table repeats 2024 as one row. Shown this year, 2024 A and B would pin
    last year's hidden quarters: matching cells by label (as before) could not see that, the
    audit over definitions does, and the protection hides this year's 2024 split."""
    fine = quarters_table([[5, 3], [1, 6], [0, 0], [0, 0]])
    last = cells_of("kvartaler", recode.period_designs(2024, 4, SITUATIONS)[0], fine, 2024, "sidste år")
    assert {(c.row, c.column) for c in last if c.status != suppression.SHOWN} >= {
        ("2024 K1", "Situation B"), ("I alt", "Situation A"), ("I alt", "Situation B")}
    this_year = pd.DataFrame([[6, 9], [12, 15]], index=pd.Index(["2024", "2025"], dtype=object),
                             columns=pd.Index(["Situation A", "Situation B"], dtype=object))
    definitions = {"aar": audit.table_definitions(this_year, {"family": "sager"}, "year", {"2024": [2024], "2025": [2025]},
                                                  "situation", {"Situation A": ["A"], "Situation B": ["B"]})}
    alone = suppression.protect(this_year, name="aar", threshold=T)
    assert (alone.status == suppression.SHOWN).all().all()  # on its own, nothing to hide
    naive = audit.edition_cells({"aar": alone}, {"aar": this_year}, definitions)
    pinned = audit.recoverable([*naive, *last], T)
    assert ("sidste år", "kvartaler", "2024 K1", "Situation A") in {c.key for c in pinned}
    protected = audit.protect_edition({"aar": this_year}, links=[], threshold=T, definitions=definitions,
                                      previous=last)
    cells = audit.edition_cells(protected, {"aar": this_year}, definitions)
    assert audit.recoverable([*cells, *last], T) == []
    assert protected["aar"].status.at["2024", "Situation A"] != suppression.SHOWN


def test_corrected_figures_are_audited_apart() -> None:
    """Last year's cells no longer fit this year's data (a correction was loaded): the two
    editions count different things, so they are not combined (and nothing fails)."""
    old = quarters_table([[3, 9], [8, 7], [9, 12], [10, 6]])
    last = cells_of("kvartaler", recode.period_designs(2024, 4, SITUATIONS)[0], old, 2024, "sidste år")
    new = quarters_table([[3, 9], [8, 7], [9, 12], [11, 6]])
    cells = cells_of("kvartaler", recode.period_designs(2024, 4, SITUATIONS)[0], new, 2024)
    assert not audit.consistent([*cells, *last], T)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.integers(0, 9), min_size=2, max_size=2), min_size=4, max_size=4))
def test_redesign_never_makes_a_cell_recoverable_that_plain_suppression_hid(values: list[list[int]]) -> None:
    """Plain suppression of the quarter table hides some quarters; publishing the half-year
    design instead (protected the same way) must not let anyone work those quarters out."""
    fine = quarters_table(values, 2025)
    quarters, halves = recode.period_designs(2025, 4, SITUATIONS)
    plain = suppression.protect(quarters.apply(fine), name="kvartaler", threshold=T)
    hidden = [(r, c) for r in fine.index for c, label in (("A", "Situation A"), ("B", "Situation B"))
              if plain.status.at[r, label] != suppression.SHOWN and fine.at[r, c] > 0]
    published = cells_of("halvaar", halves, fine, 2025)
    assert audit.recoverable(published, T) == []
    for row, column in hidden:
        target = audit.Cell("mål", "kvartal", row, column, {"family": "sager", "year": [2025],
                                                               "quarter": [int(row[-1])], "situation": [column]},
                            suppression.SECONDARY, int(fine.at[row, column]))
        low, high = audit.bounds(published, target.definition, T)
        assert low < high, (row, column, low, high)


def test_kinds_keep_three_named_and_say_what_was_merged() -> None:
    labels = {"billeddeling": "Billeddeling", "chikane": "Chikane", "trusler": "Trusler", "hacking": "Hacking",
              "grooming": "Grooming"}
    fine = pd.DataFrame({"A": [9, 6, 2, 1, 0], "B": [7, 1, 1, 0, 2]}, index=pd.Index(list(labels), dtype=object))
    designs = recode.kind_designs(fine, labels, [SITUATIONS], T)
    merged = designs[-1]
    assert [r.label for r in merged.rows] == ["Billeddeling", "Chikane", "Trusler", "Andre"]
    assert "hacking og grooming" in merged.note
    design, share = recode.choose(fine, designs, name="k", threshold=T)
    shares = [recode.shown_share(suppression.protect(d.apply(fine), name="k", threshold=T)) for d in designs]
    assert share == max(shares) < recode.TARGET_SHOWN and design is designs[shares.index(share)]
    assert int(merged.apply(fine).loc["Andre"].sum()) == 3

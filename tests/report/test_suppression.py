"""Disclosure control: hand-made tables with known answers, the audit's pitfalls, and a
property test that no protected table shows a small count or lets a hidden one be solved."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.errors import EvaluationError, NoDataError
from evaluation.report.suppression import (
    LOG_COLUMNS,
    MARGIN_LABEL,
    REASON_CARRIED,
    REASON_JOINT,
    REASON_LINKED,
    add_margins,
    feasible_intervals,
    joint_recoverable,
    protect,
    protect_linked,
    protect_series,
    recoverable_cells,
)


def frame(columns: dict[str, list[int]], index: str = "xyz") -> pd.DataFrame:
    return pd.DataFrame(columns, index=list(index)[: len(next(iter(columns.values())))])


def hidden(protected, status: str | None = None) -> set[tuple[str, str]]:
    """The (row, column) cells that are not shown (or have the given status)."""
    mask = protected.status != "vist" if status is None else protected.status == status
    stacked = mask.stack()
    return {(str(r), str(c)) for (r, c), flag in stacked.items() if flag}


def status_frame(table: pd.DataFrame, cells: dict[tuple[str, str], str]) -> pd.DataFrame:
    """A hand-made status (with margins) for auditing a suppression pattern directly."""
    full = add_margins(table)
    status = pd.DataFrame("vist", index=full.index, columns=full.columns, dtype=object)
    for (row, column), word in cells.items():
        status.loc[row, column] = word
    return status


def assert_safe(protected, table: pd.DataFrame, threshold: int) -> None:
    full = add_margins(table)
    shown = (protected.status == "vist").to_numpy()
    values = full.to_numpy()
    assert not (shown & (values >= 1) & (values <= threshold)).any()
    assert recoverable_cells(protected.status, table, threshold=threshold) == []


# --- known answers -----------------------------------------------------------------------


def test_single_small_cell_is_hidden_with_a_rectangle_of_partners() -> None:
    table = frame({"a": [2, 15, 40], "b": [10, 11, 50], "c": [20, 30, 60]})
    result = protect(table, name="kvartal")

    assert hidden(result, "primær") == {("x", "a")}
    # Row x takes its smallest other cell (b=10), column a its (y=15), then row y needs a
    # second one (b=11), which also completes column b: a 2x2 rectangle, totals all shown.
    assert hidden(result, "sekundær") == {("x", "b"), ("y", "a"), ("y", "b")}
    assert result.display.loc["x", "a"] == "<5"
    assert result.display.loc["y", "b"] == "–"
    assert list(result.display.loc[MARGIN_LABEL]) == ["57", "71", "110", "238"]
    assert list(result.display[MARGIN_LABEL]) == ["32", "56", "150", "238"]
    assert result.display.shape == (4, 4) and result.status.shape == (4, 4)
    assert list(result.log.columns) == LOG_COLUMNS
    assert result.log.set_index(["row", "column"])["hidden_value"].to_dict() == {
        ("x", "a"): 2, ("x", "b"): 10, ("y", "a"): 15, ("y", "b"): 11}
    assert set(result.log["status"]) == {"primær", "sekundær"}
    assert (result.log["table"] == "kvartal").all()
    assert "<5" in result.footnote and "–" in result.footnote
    intervals = feasible_intervals(result.status, table).set_index(["row", "column"])
    assert intervals.loc[("x", "a"), ["min", "max"]].tolist() == [1.0, 4.0]
    assert recoverable_cells(result.status, table) == []


def test_nothing_small_means_nothing_hidden_and_no_footnote() -> None:
    table = frame({"a": [1234, 15], "b": [10, 11]}, index="xy")
    result = protect(table, name="t")
    assert hidden(result) == set()
    assert result.display.loc["x", "a"] == "1.234"
    assert result.display.loc[MARGIN_LABEL, MARGIN_LABEL] == "1.270"
    assert result.log.empty and list(result.log.columns) == LOG_COLUMNS
    assert result.footnote == ""


def test_small_total_is_primary_and_its_column_of_totals_gets_a_partner() -> None:
    # Row x is 0, 3, 0: its total 3 is small too; the two hidden cells in row x protect
    # each other, but column b and the total column each need a second hidden cell.
    table = frame({"a": [0, 10, 40], "b": [3, 20, 50], "c": [0, 30, 60]})
    result = protect(table, name="t")
    assert hidden(result, "primær") == {("x", "b"), ("x", MARGIN_LABEL)}
    assert hidden(result, "sekundær") == {("y", "b"), ("y", MARGIN_LABEL)}
    assert result.display.loc["x"].tolist() == ["0", "<5", "0", "<5"]
    assert_safe(result, table, 4)


def test_all_zero_row_is_shown() -> None:
    table = frame({"a": [0, 10, 40], "b": [0, 20, 50], "c": [0, 30, 60]})
    result = protect(table, name="t")
    assert result.display.loc["x"].tolist() == ["0", "0", "0", "0"]
    assert hidden(result) == set()


def test_line_rule_alone_is_not_enough_when_two_small_cells_sum_to_two() -> None:
    # After the line rule, column a hides x=1 and z=1 with 25 shown and total 27: the two
    # "<5" cells sum to 2, so both are 1. The audit must see that, and protect must fix it.
    table = frame({"a": [1, 25, 1], "b": [9, 0, 3], "c": [0, 0, 25]})
    line_rule_only = status_frame(table, {("x", "a"): "primær", ("x", "b"): "sekundær",
                                          ("z", "a"): "primær", ("z", "b"): "primær"})
    assert set(recoverable_cells(line_rule_only, table)) >= {("x", "a"), ("z", "a")}

    result = protect(table, name="t")
    assert_safe(result, table, 4)
    assert result.log["reason"].str.contains("regnes præcist ud").any()
    assert len(hidden(result)) > 4


def test_audit_finds_a_bridge_between_two_hidden_blocks() -> None:
    # Two hidden rectangles, each row and column with 2+ hidden cells, joined by one cell
    # (x, c): that bridge is determined by the totals although the line rule is satisfied.
    table = pd.DataFrame(10, index=list("xyzw"), columns=list("abcd"))
    table.loc["x", "c"] = 3
    cells = {cell: "sekundær" for cell in [("x", "a"), ("x", "b"), ("y", "a"), ("y", "b"),
                                           ("z", "c"), ("z", "d"), ("w", "c"), ("w", "d")]}
    cells[("x", "c")] = "primær"
    assert recoverable_cells(status_frame(table, cells), table) == [("x", "c")]


def test_audit_finds_a_total_hidden_with_one_interior_cell() -> None:
    # Row x = 0, 3, 0 with its total hidden: the pair protects nothing while the total is
    # the only hidden cell of the total column (it follows from the grand total), and then
    # so does x,b and its partner in column b.
    table = frame({"a": [0, 10, 40], "b": [3, 20, 50], "c": [0, 30, 60]})
    status = status_frame(table, {("x", "b"): "primær", ("x", MARGIN_LABEL): "primær",
                                  ("y", "b"): "sekundær"})
    assert set(recoverable_cells(status, table)) == {("x", "b"), ("x", MARGIN_LABEL), ("y", "b")}


def test_hidden_cell_whose_partner_is_a_zero_is_recoverable_and_protect_fixes_it() -> None:
    table = frame({"a": [3, 20, 30], "b": [0, 25, 35], "c": [10, 40, 50]})
    # x,b is a carried zero: it counts as a hidden cell for the line rule, but it is 0.
    status = status_frame(table, {("x", "a"): "primær", ("x", "b"): "sekundær",
                                  ("y", "a"): "sekundær", ("y", "b"): "sekundær"})
    assert ("x", "a") in recoverable_cells(status, table)

    result = protect(table, name="t", force_hidden=[("x", "b")])
    assert result.status.loc["x", "b"] == "sekundær"
    assert (result.status.loc["x", ["c", MARGIN_LABEL]] != "vist").any()
    assert_safe(result, table, 4)


def test_markers_alone_would_reveal_four_ones() -> None:
    # Four "<5" cells in a row whose total is "<5" can only be 1 each; no extra hidden cell
    # changes that, so the total is shown as "–" (which does not say it is small).
    table = pd.DataFrame({"q1": [1, 10], "q2": [1, 12], "q3": [1, 9], "q4": [1, 11]},
                         index=["afpresning", "mobning"])
    result = protect(table, name="t")
    assert result.display.loc["afpresning", MARGIN_LABEL] == "–"
    logged = result.log.set_index(["row", "column"]).loc[("afpresning", MARGIN_LABEL)]
    assert logged["hidden_value"] == 4 and "vist som «–»" in logged["reason"]
    assert_safe(result, table, 4)


def test_one_way_series_gets_a_total_row_only() -> None:
    series = pd.Series({"A": 2, "B": 10, "C": 7, "D": 0}, name="Antal sager")
    result = protect_series(series, name="situation")
    assert result.display.columns.tolist() == ["Antal sager"]
    assert result.display["Antal sager"].tolist() == ["<5", "10", "–", "0", "19"]
    assert hidden(result, "sekundær") == {("C", "Antal sager")}
    assert recoverable_cells(result.status, series.to_frame()) == []
    unnamed = protect_series(pd.Series({"A": 3, "B": 0}), name="s")
    assert unnamed.display["Antal"].tolist() == ["<5", "0", "<5"]


def test_force_hidden_carries_last_years_cells() -> None:
    table = pd.DataFrame({2024: [30, 40, 50], 2025: [35, 45, 55]}, index=[1, 2, 3])
    result = protect(table, name="t", force_hidden=[("1", "2024"), ("9", "2024")])
    assert result.status.loc[1, 2024] == "sekundær"
    carried = result.log[result.log["reason"] == REASON_CARRIED]
    assert carried[["row", "column", "hidden_value"]].values.tolist() == [[1, 2024, 30]]
    assert_safe(result, table, 4)
    # A carried cell that is small anyway stays primary.
    small = protect(table.replace(45, 2), name="t", force_hidden=[(2, 2025)])
    assert small.status.loc[2, 2025] == "primær"


def test_margins_false_keeps_the_shape_and_protects_as_if_totals_were_known() -> None:
    table = frame({"a": [2, 15, 40], "b": [10, 11, 50], "c": [20, 30, 60]})
    result = protect(table, name="t", margins=False)
    assert result.display.shape == table.shape
    assert MARGIN_LABEL not in result.display.index and MARGIN_LABEL not in result.display.columns
    assert hidden(result) == {("x", "a"), ("x", "b"), ("y", "a"), ("y", "b")}
    assert set(result.log["column"]) <= set(table.columns)


def test_threshold_wording_follows_the_threshold() -> None:
    table = frame({"a": [9, 15], "b": [10, 11]}, index="xy")
    result = protect(table, name="t", threshold=9)
    assert result.display.loc["x", "a"] == "<10"
    assert "mellem 1 og 9" in result.footnote
    assert_safe(result, table, 9)


@pytest.mark.parametrize("bad", [
    pd.DataFrame({"a": [-1, 5]}), pd.DataFrame({"a": [1.5, 5]}), pd.DataFrame({"a": [None, 5]}),
    pd.DataFrame({"a": [1, 5]}, index=["x", MARGIN_LABEL]),
])
def test_invalid_tables_are_refused_in_danish(bad: pd.DataFrame) -> None:
    with pytest.raises(EvaluationError, match="Tabellen «t»"):
        protect(bad, name="t")


def test_empty_table_and_too_low_threshold_are_refused() -> None:
    with pytest.raises(NoDataError, match="tom"):
        protect(pd.DataFrame({"a": []}), name="t")
    with pytest.raises(EvaluationError, match="mindst 2"):
        protect(pd.DataFrame({"a": [1, 5]}), name="t", threshold=1)


# --- cross-edition consistency -----------------------------------------------------------


def quarter_tables(a: list[int], b: list[int], ja: list[int]) -> tuple[dict[str, pd.DataFrame], list]:
    """Cases by quarter × situation (Q) and the same cases by quarter × police report (P):
    the quarters' totals and the grand total are one number printed in both tables."""
    quarters = [f"K{i + 1}" for i in range(len(a))]
    nej = [x + y - j for x, y, j in zip(a, b, ja)]
    tables = {"Q": pd.DataFrame({"A": a, "B": b}, index=quarters),
              "P": pd.DataFrame({"ja": ja, "nej": nej}, index=quarters)}
    links = [[("Q", q, MARGIN_LABEL), ("P", q, MARGIN_LABEL)] for q in [*quarters, MARGIN_LABEL]]
    return tables, links


def assert_linked_safe(result: dict, tables: dict[str, pd.DataFrame], links: list, threshold: int) -> None:
    for name, table in tables.items():
        assert_safe(result[name], table, threshold)
    for group in links:
        assert len({result[n].status.loc[r, c] == "vist" for n, r, c in group}) == 1, group
    assert joint_recoverable({n: p.status for n, p in result.items()}, tables, links, threshold=threshold) == []


def test_two_tables_each_safe_alone_can_give_a_cell_away_together() -> None:
    """Found by a random search: K3's total is 6 in both tables. Alone, Q's hidden K3 cells
    and P's hidden K3 cells each leave the total open; together they pin it, and with it A."""
    tables, links = quarter_tables(a=[8, 5, 6], b=[7, 1, 0], ja=[15, 5, 1])
    # Consistency alone: protect each table, hide a linked total wherever it is hidden in the
    # other table, protect again, until nothing changes. Each table is then safe on its own …
    forced: dict[str, set] = {name: set() for name in tables}
    while True:
        alone = {name: protect(table, name=name, threshold=4, force_hidden=forced[name])
                 for name, table in tables.items()}
        more = {(n, r, c) for group in links if any(alone[m].status.loc[x, y] != "vist" for m, x, y in group)
                for n, r, c in group if alone[n].status.loc[r, c] == "vist"}
        if not more:
            break
        for n, r, c in more:
            forced[n].add((r, c))
    for name, table in tables.items():
        assert recoverable_cells(alone[name].status, table, threshold=4) == []
    # … but read together, a hidden cell can be worked out.
    assert joint_recoverable({n: p.status for n, p in alone.items()}, tables, links, threshold=4) != []

    result = protect_linked(tables, links=links, threshold=4)
    assert_linked_safe(result, tables, links, 4)
    reasons = set(result["Q"].log["reason"]) | set(result["P"].log["reason"])
    assert reasons & {REASON_JOINT, REASON_LINKED}  # the extra cells say why


def test_linked_cell_shown_in_one_table_and_hidden_in_the_other_is_found() -> None:
    tables, links = quarter_tables(a=[20, 30], b=[10, 40], ja=[5, 60])
    statuses = {n: status_frame(t, {}) for n, t in tables.items()}
    statuses["P"].loc["K1", MARGIN_LABEL] = "sekundær"
    statuses["P"].loc["K1", "ja"] = "sekundær"
    assert ("P", "K1", MARGIN_LABEL) in joint_recoverable(statuses, tables, links, threshold=4)


def test_force_masked_shows_a_small_cell_as_a_dash() -> None:
    table = frame({"a": [2, 30, 40], "b": [20, 25, 35]})
    result = protect(table, name="t", threshold=4, force_masked=[("x", "a")])
    assert result.display.loc["x", "a"] == "–" and result.status.loc["x", "a"] == "sekundær"
    assert "vist som «–»" in result.log.set_index(["row", "column"]).loc[("x", "a"), "reason"]
    assert_safe(result, table, 4)


def test_when_only_the_markers_give_a_value_away_across_tables_a_small_cell_is_shown_as_a_dash() -> None:
    """Found by hypothesis: every count is hidden, yet P's "<3" cells (1 and 1) must add up to
    K4's total, which Q also shows as "<3": so both are 1. Only a "–" instead of a "<3" helps."""
    tables, links = quarter_tables(a=[0, 0, 0, 0], b=[0, 0, 0, 2], ja=[0, 0, 0, 1])
    result = protect_linked(tables, links=links, threshold=2)
    assert_linked_safe(result, tables, links, 2)
    masked = [(n, r, c) for n, p in result.items()
              for r, c, status, value in p.log[["row", "column", "status", "hidden_value"]].itertuples(index=False)
              if status == "sekundær" and 1 <= value <= 2]
    assert masked, "a small cell is shown as '–'"


def test_a_link_to_a_cell_that_is_not_there_is_said_in_danish() -> None:
    tables, _ = quarter_tables(a=[20, 30], b=[10, 40], ja=[5, 60])
    with pytest.raises(EvaluationError, match="findes ikke"):
        protect_linked(tables, links=[[("Q", "K9", MARGIN_LABEL), ("P", "K9", MARGIN_LABEL)]], threshold=4)


def test_linked_cells_must_be_the_same_number() -> None:
    tables, links = quarter_tables(a=[20, 30], b=[10, 40], ja=[5, 60])
    tables["P"].loc["K1", "nej"] += 1
    with pytest.raises(EvaluationError, match="samme tal"):
        protect_linked(tables, links=links, threshold=4)


# --- properties --------------------------------------------------------------------------


@st.composite
def random_tables(draw) -> tuple[pd.DataFrame, int, list[tuple[str, str]]]:
    threshold = draw(st.integers(2, 5))
    rows, cols = draw(st.integers(2, 6)), draw(st.integers(2, 6))
    cell = st.one_of(st.just(0), st.integers(1, threshold), st.integers(threshold + 1, 80))
    values = draw(st.lists(cell, min_size=rows * cols, max_size=rows * cols))
    table = pd.DataFrame(np.array(values).reshape(rows, cols),
                         index=[f"r{i}" for i in range(rows)],
                         columns=[f"k{j}" for j in range(cols)])
    labels_r, labels_c = [*table.index, MARGIN_LABEL], [*table.columns, MARGIN_LABEL]
    forced = draw(st.lists(st.tuples(st.sampled_from(labels_r), st.sampled_from(labels_c)),
                           max_size=2))
    return table, threshold, forced


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_tables())
def test_property_no_small_count_shown_and_nothing_recoverable(case) -> None:
    table, threshold, forced = case
    result = protect(table, name="t", threshold=threshold, force_hidden=forced)
    assert_safe(result, table, threshold)
    for cell in forced:
        assert result.status.loc[cell] != "vist"
    display = result.display.to_numpy()
    status = result.status.to_numpy()
    assert ((display == f"<{threshold + 1}") == (status == "primær")).all()
    assert ((display == "–") == (status == "sekundær")).all()
    assert len(result.log) == (status != "vist").sum()


@settings(max_examples=40, deadline=None)
@given(random_tables(), st.randoms(use_true_random=False))
def test_property_audit_agrees_with_plain_min_max(case, rnd) -> None:
    """recoverable_cells (with its shortcuts) == cells whose own LP min equals its max."""
    table, threshold, _ = case
    full = add_margins(table)
    status = pd.DataFrame("vist", index=full.index, columns=full.columns, dtype=object)
    for row in full.index:
        for column in full.columns:
            value = full.loc[row, column]
            if 1 <= value <= threshold:
                status.loc[row, column] = "primær"
            elif value > threshold and rnd.random() < 0.4:
                status.loc[row, column] = "sekundær"
    intervals = feasible_intervals(status, table, threshold=threshold)
    pinned = intervals[(intervals["value"] > 0) & (intervals["min"] == intervals["max"])]
    assert set(recoverable_cells(status, table, threshold=threshold)) == set(
        zip(pinned["row"], pinned["column"]))
    inside = (intervals["min"] <= intervals["value"]) & (intervals["value"] <= intervals["max"])
    assert inside.all()


@st.composite
def random_quarter_tables(draw) -> tuple[dict[str, pd.DataFrame], list, int]:
    threshold = draw(st.integers(2, 5))
    quarters = draw(st.integers(1, 4))
    count = st.one_of(st.just(0), st.integers(1, threshold), st.integers(threshold + 1, 40))
    a = draw(st.lists(count, min_size=quarters, max_size=quarters))
    b = draw(st.lists(count, min_size=quarters, max_size=quarters))
    ja = [draw(st.integers(0, x + y)) for x, y in zip(a, b)]
    if quarters == 1:  # one quarter: no total row, the quarter's row is the total
        tables, _ = quarter_tables(a, b, ja)
        return tables, [[("Q", "K1", MARGIN_LABEL), ("P", "K1", MARGIN_LABEL)]], threshold
    tables, links = quarter_tables(a, b, ja)
    return tables, links, threshold


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_quarter_tables())
def test_property_tables_protected_together_reveal_nothing_together(case) -> None:
    tables, links, threshold = case
    assert_linked_safe(protect_linked(tables, links=links, threshold=threshold), tables, links, threshold)

"""Disclosure control for the Kredsråd edition: primary and secondary cell suppression.

The Kredsråd sees counts of cases by quarter, situation, offence, outcome. With tens of
cases a year, a cell of 1..threshold (default 4) can point at a child, so:

* **Primary**: every count from 1 to the threshold is hidden and shown as ``"<5"`` (the
  wording follows the threshold). A true **0 is shown**: these are counts of *cases*, not a
  population register, and "no case of this kind" identifies nobody. The same reasoning
  means a hidden cell that is worked out to be 0 is not treated as a disclosure (only a
  cell carried from last year can be a hidden 0).
* **Secondary**: hidden so that no primary cell can be worked out from the shown cells and
  the (true, published) totals. First the classic line rule: every row and column,
  margins included, with exactly one hidden cell gets a second one (the smallest non-zero
  shown cell, interior before totals). That rule is necessary, not sufficient: two hidden
  blocks joined by one cell (a "bridge"), a total hidden together with one interior cell,
  or a hidden cell whose neighbours are all 0 can still be solved. So :func:`protect` loops:
  :func:`recoverable_cells` audits the table with linear programming
  (``scipy.optimize.linprog``), and while some hidden cell is pinned, one more cell is
  hidden, chosen to break it. Secondary cells are shown as ``"–"``.
* **Tables published together** (:func:`protect_linked`): a number that stands in two
  tables (a quarter's total in the cases table and in the police table) is hidden in both
  or in neither, and the audit is run on all the tables at once, with those shared numbers
  as equations, because two intervals that are each wide can meet in one point. While a
  cell is pinned that way, one more cell is hidden.
* **Cross-edition consistency**: ``audit.py`` audits this edition with last year's
  published cells (whatever their design) and passes the cells it must hide as
  ``force_hidden``, so that combining the two editions reveals nothing.

The audit's attacker knows the shown cells, the row, column and grand totals (assumed
known even when ``margins=False``: the protection is computed on the full table, and
leaving totals out only removes information), and what the markers say: a ``"<5"`` cell is
in 1..threshold; a ``"–"`` cell is some hidden count (the footnote says it may be large or
small). The audit solves a feasible set that lies inside the attacker's and contains the
true table: ``"<5"`` in ``[1, threshold]``; ``"–"`` in ``[threshold + 1, ∞)`` (as if the
attacker knew that the rule only hides larger cells as "–"), or ``[value, ∞)`` for a small
cell shown as "–"; a hidden 0 as known. So a cell the audit finds free (``min < max``) is
free for the attacker too. A two-way table with margins has a totally unimodular
constraint matrix, so the LP bounds are integers and ``min < max`` leaves two or more
whole values. One case no extra suppression can fix is caused by the markers themselves:
four ``"<5"`` cells in a line whose total is ``"<5"`` must all be 1. There one of the small
cells (a total first) is shown as ``"–"`` instead, which no longer says it is small.
Not covered: inference from knowing how the selection rule picks cells ("the smallest
cell was chosen"), which standard practice (and τ-Argus) also leaves aside.

**ACRO** (https://github.com/AI-SDC/ACRO, the SACRO project's output checker for trusted
research environments) wraps pandas ``crosstab``/``pivot_table`` and flags cells by
frequency threshold, p-ratio and N-K dominance, suppresses them on request and reports the
reason per cell; with margins it recomputes the totals from the cells left, so the shown
totals are no longer the true totals. Its defaults (threshold 10, zeros disclosive for
class disclosure) are a research environment's; ours are the team's (4, zeros shown, see
above). We did not use it: it is a research-environment tool
with a session/output-bundle workflow and a heavy dependency tree we can't vet and install
offline here, it does not audit recoverability through true totals, and the Kredsråd wants
true totals. We follow the same rules (frequency threshold as primary suppression, a
logged reason per suppressed cell) and add the secondary suppression and audit above.

Pure pandas/numpy/scipy: nothing here knows HTML; the report lays out :class:`Protected`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from evaluation.errors import EvaluationError, NoDataError
from evaluation.settings import settings

MARGIN_LABEL = "I alt"
SHOWN, PRIMARY, SECONDARY = "vist", "primær", "sekundær"
SECONDARY_MARKER = "–"
LOG_COLUMNS = ["table", "row", "column", "status", "reason", "hidden_value"]
REASON_CARRIED = (
    "Skjult, så tallet ikke kan regnes ud, når denne udgave læses sammen med sidste års "
    "udgivne udgave."
)
REASON_LINKED = (
    "Sekundær: det samme tal står i en anden tabel i rapporten, hvor det er skjult; skjules "
    "her også, så tabellerne ikke kan kombineres."
)
REASON_JOINT = (
    "Sekundær: ellers kunne en skjult celle regnes ud, når rapportens tabeller læses sammen."
)
REASON_MASKED = (
    "Antal mellem 1 og {limit}, vist som «–»: ellers ville «<{marker}»-markeringerne i rapportens "
    "tabeller tilsammen afsløre en skjult celle."
)
# One number printed in several tables of an edition: (table name, row label, column label).
Link = Sequence[tuple[str, Any, Any]]
# Status codes inside the grid (the frames carry the Danish words).
_SHOWN, _PRIMARY, _SECONDARY = 0, 1, 2
_CODE_WORDS = {_SHOWN: SHOWN, _PRIMARY: PRIMARY, _SECONDARY: SECONDARY}
_WORD_CODES = {word: code for code, word in _CODE_WORDS.items()}
# Candidates tried (each an LP or two) before hiding the best-ranked one anyway.
_MAX_TRIALS = 12


@dataclass
class Protected:
    """A protected table: what to print, why each cell is hidden, and the footnote."""

    display: pd.DataFrame  # str cells: "1.234", "<5" (primary), "–" (secondary)
    status: pd.DataFrame  # "vist" | "primær" | "sekundær", same shape as display
    log: pd.DataFrame  # LOG_COLUMNS, one row per hidden cell (the team's appendix)
    footnote: str  # Danish, for under the table; "" when nothing is hidden
    name: str = ""  # the table's name (the edition's tables are looked up by it)


@dataclass
class _Grid:
    """The full table (margins included) as flat arrays, which the LP audit works on."""

    values: np.ndarray  # int64, flat, row-major
    code: np.ndarray  # int8 status codes
    reason: list[str]
    is_margin: np.ndarray  # bool
    lines: list[np.ndarray]  # flat indices of each equation; the last one is the total
    line_names: list[str]  # Danish, for the log: 'rækken «…»' / 'kolonnen «…»'
    rows: list[Any]
    columns: list[Any]
    precious: np.ndarray | None = None  # bool: cells to hide only when nothing else will do

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.columns)

    def label(self, flat: int) -> tuple[Any, Any]:
        row, column = divmod(int(flat), len(self.columns))
        return self.rows[row], self.columns[column]

    def copy(self) -> _Grid:
        return replace(self, code=self.code.copy(), reason=list(self.reason))

    @property
    def hidden(self) -> np.ndarray:
        return self.code != _SHOWN


def protect(
    table: pd.DataFrame,
    *,
    name: str,
    threshold: int | None = None,
    margins: bool = True,
    force_hidden: Iterable[tuple[Any, Any]] = (),
    force_masked: Iterable[tuple[Any, Any]] = (),
    precious: Iterable[tuple[Any, Any]] = (),
) -> Protected:
    """Suppress small counts and enough other cells that none of them can be worked out.

    ``precious`` names cells the reader needs most (e.g. the cases of each year): among
    equally good choices of a cell to hide, they are hidden last.

    ``table`` holds non-negative integer counts (rows x columns). ``force_hidden`` names
    (row, column) cells hidden in last year's edition; labels compare as strings, and
    cells not in this table are ignored. ``force_masked`` names small cells to show as
    "–" rather than "<5" (``protect_linked`` uses it when the markers of several tables
    together would give a value away). With ``margins=False`` the totals are still
    protected (as if published) but left out of the result.
    """
    limit = _threshold(threshold)
    full = add_margins(_validated(table, name))
    grid = _grid(full, margins_present=(table.shape[0] > 1, table.shape[1] > 1))
    wanted = {(str(r), str(c)) for r, c in precious}
    grid.precious = np.array([(str(grid.label(i)[0]), str(grid.label(i)[1])) in wanted
                              for i in range(grid.values.size)], dtype=bool)
    _mark_primary(grid, limit)
    _mark_forced(grid, force_hidden)
    _mark_masked(grid, force_masked, limit)
    _secure(grid, limit, name)
    return _result(grid, full, name=name, threshold=limit, keep_margins=margins, original=table)


def protect_series(
    series: pd.Series,
    *,
    name: str,
    threshold: int | None = None,
    margins: bool = True,
    force_hidden: Iterable[tuple[Any, Any]] = (),
) -> Protected:
    """A one-way table (categories -> count) with its total row "I alt"."""
    column = series.name if series.name is not None else "Antal"
    return protect(series.rename(column).to_frame(), name=name, threshold=threshold,
                   margins=margins, force_hidden=force_hidden)


def add_margins(table: pd.DataFrame) -> pd.DataFrame:
    """Row totals (if >1 column), column totals (if >1 row) and the grand total, as "I alt".

    A one-column table gets only the total row: a total column would repeat the column.
    """
    values = table.to_numpy(dtype="int64")
    rows, cols = list(table.index), list(table.columns)
    if values.shape[1] > 1:
        values = np.hstack([values, values.sum(axis=1, keepdims=True)])
        cols.append(MARGIN_LABEL)
    if values.shape[0] > 1:
        values = np.vstack([values, values.sum(axis=0, keepdims=True)])
        rows.append(MARGIN_LABEL)
    return pd.DataFrame(values, index=pd.Index(rows, name=table.index.name, dtype=object),
                        columns=pd.Index(cols, name=table.columns.name, dtype=object))


def feasible_intervals(display_status: pd.DataFrame, values: pd.DataFrame, *,
                       threshold: int | None = None) -> pd.DataFrame:
    """For each hidden cell, the least and greatest value consistent with what is shown.

    ``display_status`` is a :attr:`Protected.status`; totals are the rows/columns labelled
    "I alt". ``values`` are the true counts, with or without the margins.
    """
    limit = _threshold(threshold)
    grid = _grid_from_status(display_status, values)
    lows, highs = _intervals(grid, limit)
    cells = np.flatnonzero(grid.hidden)
    return pd.DataFrame({
        "row": [grid.label(i)[0] for i in cells],
        "column": [grid.label(i)[1] for i in cells],
        "status": [_CODE_WORDS[int(grid.code[i])] for i in cells],
        "value": grid.values[cells].astype("int64"),
        "min": [lows[i] for i in cells],
        "max": [highs[i] for i in cells],
    })


def recoverable_cells(display_status: pd.DataFrame, values: pd.DataFrame, *,
                      threshold: int | None = None) -> list[tuple[Any, Any]]:
    """Hidden non-zero cells whose exact value follows from the shown cells and totals.

    Empty for a safe table. A cell is recoverable when its feasible interval has min == max.
    """
    limit = _threshold(threshold)
    grid = _grid_from_status(display_status, values)
    return [grid.label(i) for i in _pinned(grid, limit)]


# --- several tables published together ---------------------------------------------------


def protect_linked(
    tables: Mapping[str, pd.DataFrame],
    *,
    links: Iterable[Link] = (),
    threshold: int | None = None,
    force_hidden: Mapping[str, Iterable[tuple[Any, Any]]] | None = None,
    precious: Mapping[str, Iterable[tuple[Any, Any]]] | None = None,
) -> dict[str, Protected]:
    """Protect the tables of one edition together, so that reading them side by side
    reveals no more than reading each one. ``precious`` (per table) as in ``protect``.

    ``links`` lists cells that are the same number in several tables; a linked cell hidden
    in one table is hidden in all, and :func:`joint_recoverable` audits all tables as one
    system. While a cell is pinned, one more cell is hidden (or, where only the "<5"
    markers pin it, one small cell is shown as "–"). Each round only adds, so it ends.
    """
    limit = _threshold(threshold)
    links = [list(group) for group in links]
    plan = _LinkedPlan(carried={name: {(str(r), str(c)) for r, c in (force_hidden or {}).get(name, ())}
                                for name in tables},
                       precious={name: {(str(r), str(c)) for r, c in (precious or {}).get(name, ())}
                                 for name in tables})
    protected = plan.protect(tables, links, limit)
    while True:
        pinned = joint_recoverable({n: p.status for n, p in protected.items()}, tables, links, threshold=limit)
        if not pinned:
            break
        plan, protected = _free_jointly(tables, links, limit, plan, protected, pinned[0])
    for name, result in protected.items():  # say why: protect calls every forced cell "carried"
        cells = [(str(r), str(c)) for r, c in result.log[["row", "column"]].itertuples(index=False)]
        forced_here = [reason == REASON_CARRIED and cell not in plan.carried[name]
                       for cell, reason in zip(cells, result.log["reason"])]
        if any(forced_here):
            result.log.loc[forced_here, "reason"] = [REASON_JOINT if cell in plan.joint[name] else REASON_LINKED
                                                     for cell, hit in zip(cells, forced_here) if hit]
    return protected


@dataclass
class _LinkedPlan:
    """What ``protect_linked`` forces on each table, by reason (cells as text labels)."""

    carried: dict[str, set[tuple[str, str]]]  # hidden in last year's edition
    linked: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # hidden in a linked table
    joint: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # hidden to free a cell jointly
    masked: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # small, shown as "–"
    precious: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # hidden last

    def __post_init__(self) -> None:
        for forced in (self.linked, self.joint, self.masked, self.precious):
            for name in self.carried:
                forced.setdefault(name, set())

    def adding(self, kind: str, name: str, cell: tuple[str, str]) -> _LinkedPlan:
        """A copy with one more cell hidden (``kind='joint'``) or masked (``'masked'``)."""
        copy = _LinkedPlan(**{k: {n: set(v) for n, v in getattr(self, k).items()}
                              for k in ("carried", "linked", "joint", "masked", "precious")})
        getattr(copy, kind)[name].add(cell)
        return copy

    def protect(self, tables: Mapping[str, pd.DataFrame], links: list[list[tuple[str, Any, Any]]],
                limit: int) -> dict[str, Protected]:
        """``protect`` each table, hiding linked cells wherever one of them is hidden (grows ``linked``)."""
        while True:
            protected = {name: protect(table, name=name, threshold=limit,
                                       force_hidden=self.carried[name] | self.linked[name] | self.joint[name],
                                       force_masked=self.masked[name], precious=self.precious[name])
                         for name, table in tables.items()}
            added = False
            for group in links:
                if any(_status_at(protected[n], r, c) != SHOWN for n, r, c in group):
                    for n, r, c in group:
                        if _status_at(protected[n], r, c) == SHOWN:
                            self.linked[n].add((str(r), str(c)))
                            added = True
            if not added:
                return protected


def joint_recoverable(statuses: Mapping[str, pd.DataFrame], values: Mapping[str, pd.DataFrame],
                      links: Iterable[Link], *, threshold: int | None = None) -> list[tuple[str, Any, Any]]:
    """Hidden non-zero cells whose value follows from all the tables read together.

    ``statuses`` are :attr:`Protected.status` frames by table name, ``values`` the true
    counts. Empty for a safe edition. A linked cell shown in one table and hidden in
    another is found too (it is recoverable by looking it up).
    """
    limit = _threshold(threshold)
    grid, where = _joint_grid(statuses, values, links)
    return [where[i] for i in _pinned(grid, limit)]


def _free_jointly(tables: Mapping[str, pd.DataFrame], links: list[list[tuple[str, Any, Any]]], limit: int,
                  plan: _LinkedPlan, protected: dict[str, Protected],
                  target: tuple[str, Any, Any]) -> tuple[_LinkedPlan, dict[str, Protected]]:
    """``plan`` with one more cell hidden or masked, so that ``target`` is (if possible) no
    longer pinned when the tables are read together; with the tables it protects.

    As ``_free`` does for one table: first hide a shown non-zero cell (the target's table,
    then the tables linked to it; its row or column first, interior before totals,
    smallest first); then show a "<5" cell as "–" (totals first); the first change that
    frees the target wins, else the best-ranked one is made anyway and the caller's loop
    goes on (it only ever adds, so it ends).
    """
    name, t_row, t_col = target
    related = list(dict.fromkeys([name] + [n for group in links if any(m == name for m, _, _ in group)
                                           for n, _, _ in group]))
    hide, mask = [], []
    for rank_table, table_name in enumerate(related):
        status = protected[table_name].status
        counts = add_margins(tables[table_name]).reindex(index=status.index, columns=status.columns)
        for row in status.index:
            for column in status.columns:
                value, word = int(counts.at[row, column]), status.at[row, column]
                same_line = table_name == name and (str(row) == str(t_row) or str(column) == str(t_col))
                margin = str(row) == MARGIN_LABEL or str(column) == MARGIN_LABEL
                cell = (str(row), str(column))
                if word == SHOWN and value > 0:
                    hide.append(((rank_table, not same_line, margin, value), "joint", table_name, cell))
                elif word == PRIMARY:
                    mask.append(((rank_table, not margin, not same_line, value), "masked", table_name, cell))
    hide.sort(key=lambda item: item[0])
    mask.sort(key=lambda item: item[0])
    candidates = hide + mask
    if not candidates:
        raise EvaluationError(f"Tabellen «{name}» kan ikke beskyttes sammen med rapportens andre tabeller: "
                              "alle tal er skjult, og et skjult tal kan stadig regnes ud.")
    for _rank, kind, table_name, cell in hide[:_MAX_TRIALS] + mask[:_MAX_TRIALS]:
        trial = plan.adding(kind, table_name, cell)
        result = trial.protect(tables, links, limit)
        statuses = {n: p.status for n, p in result.items()}
        if target not in joint_recoverable(statuses, tables, links, threshold=limit):
            return trial, result
    _rank, kind, table_name, cell = candidates[0]
    fallback = plan.adding(kind, table_name, cell)
    return fallback, fallback.protect(tables, links, limit)


def _status_at(result: Protected, row: Any, column: Any) -> str:
    """The status word of a cell looked up by its labels as text."""
    i, j = _position(result.status.index, result.status.columns, row, column, result.name)
    return str(result.status.iat[i, j])


def _position(rows: Iterable[Any], columns: Iterable[Any], row: Any, column: Any, table: str) -> tuple[int, int]:
    """(row, column) numbers of a cell named by its labels as text; a link to a cell that
    is not there is a programming error, said in Danish like every other."""
    rows, columns = [str(r) for r in rows], [str(c) for c in columns]
    try:
        return rows.index(str(row)), columns.index(str(column))
    except ValueError:
        raise EvaluationError(f"Cellen ({row}, {column}) findes ikke i tabellen «{table}».") from None


def _joint_grid(statuses: Mapping[str, pd.DataFrame], values: Mapping[str, pd.DataFrame],
                links: Iterable[Link]) -> tuple[_Grid, dict[int, tuple[str, Any, Any]]]:
    """All tables as one grid: their own equations, plus ``a = b`` for every linked pair."""
    grids = {name: _grid_from_status(statuses[name], values[name]) for name in statuses}
    offsets, where, size = {}, {}, 0
    for name, grid in grids.items():
        offsets[name] = size
        for flat in range(grid.values.size):
            where[size + flat] = (name, *grid.label(flat))
        size += grid.values.size
    values_flat = np.concatenate([g.values for g in grids.values()])
    lines = [line + offsets[name] for name, grid in grids.items() for line in grid.lines]
    names = [f"{line_name} i «{name}»" for name, grid in grids.items() for line_name in grid.line_names]
    for group in links:
        flats = []
        for name, row, column in group:
            grid = grids[name]
            i, j = _position(grid.rows, grid.columns, row, column, name)
            flats.append(offsets[name] + i * len(grid.columns) + j)
        for a, b in zip(flats, flats[1:]):
            if values_flat[a] != values_flat[b]:
                raise EvaluationError("Tabellerne passer ikke sammen: to celler, der skal være det samme tal, "
                                      "er forskellige.")
            lines.append(np.array([a, b]))
            names.append("det samme tal i to tabeller")
    joint = _Grid(values=values_flat,
                  code=np.concatenate([g.code for g in grids.values()]),
                  reason=[r for g in grids.values() for r in g.reason],
                  is_margin=np.concatenate([g.is_margin for g in grids.values()]),
                  lines=lines, line_names=names, rows=list(range(size)), columns=[""])
    return joint, where


# --- building the grid -------------------------------------------------------------------


def _threshold(threshold: int | None) -> int:
    """The threshold in force; below 2 the "<threshold+1>" marker would reveal the value."""
    limit = settings.suppression_threshold if threshold is None else int(threshold)
    if limit < 2:
        raise EvaluationError(
            f"Diskretioneringsgrænsen skal være mindst 2 (fik {limit}): ved 1 ville «<2» "
            "afsløre, at tallet er 1.")
    return limit


def _validated(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """Non-negative whole counts with plain (one-level) labels, as int64."""
    if table.empty:
        raise NoDataError(f"Tabellen «{name}» er tom; der er intet at vise.")
    if table.index.nlevels > 1 or table.columns.nlevels > 1:
        raise EvaluationError(f"Tabellen «{name}» har flere niveauer; kun en- og todimensionale "
                              "tabeller kan beskyttes.")
    if MARGIN_LABEL in [str(x) for x in [*table.index, *table.columns]]:
        raise EvaluationError(f"Tabellen «{name}» har allerede en «{MARGIN_LABEL}»; giv den uden "
                              "totaler.")
    try:
        raw = table.to_numpy(dtype="float64")
    except (TypeError, ValueError) as exc:
        raise EvaluationError(f"Tabellen «{name}» indeholder andet end antal.") from exc
    if not np.isfinite(raw).all() or (raw < 0).any() or (raw != np.round(raw)).any():
        raise EvaluationError(f"Tabellen «{name}» må kun indeholde hele, ikke-negative antal "
                              "(ingen tomme celler).")
    return pd.DataFrame(raw.astype("int64"), index=table.index, columns=table.columns)


def _grid(full: pd.DataFrame, *, margins_present: tuple[bool, bool]) -> _Grid:
    """Flatten a table with margins and list its equations (each line sums to its total)."""
    has_total_row, has_total_col = margins_present
    nrows, ncols = full.shape
    index = np.arange(nrows * ncols).reshape(nrows, ncols)
    lines, names = [], []
    if has_total_col:
        lines += [index[i, :] for i in range(nrows)]
        names += [f"rækken «{row}»" for row in full.index]
    if has_total_row:
        lines += [index[:, j] for j in range(ncols)]
        names += [f"kolonnen «{column}»" for column in full.columns]
    is_margin = np.zeros((nrows, ncols), dtype=bool)
    if has_total_col:
        is_margin[:, -1] = True
    if has_total_row:
        is_margin[-1, :] = True
    size = nrows * ncols
    return _Grid(values=full.to_numpy(dtype="int64").ravel().copy(),
                 code=np.zeros(size, dtype=np.int8), reason=[""] * size,
                 is_margin=is_margin.ravel(), lines=lines, line_names=names,
                 rows=list(full.index), columns=list(full.columns))


def _grid_from_status(status: pd.DataFrame, values: pd.DataFrame) -> _Grid:
    """Rebuild the audit's grid from a published status frame and the true counts."""
    flags = (str(status.index[-1]) == MARGIN_LABEL, str(status.columns[-1]) == MARGIN_LABEL)
    if values.shape != status.shape:
        values = add_margins(values)
    values = values.reindex(index=status.index, columns=status.columns)
    if values.isna().any().any():
        raise EvaluationError("Tallene passer ikke til tabellens rækker og kolonner.")
    grid = _grid(values, margins_present=flags)
    words = status.to_numpy().ravel()
    grid.code = np.array([_WORD_CODES[str(word)] for word in words], dtype=np.int8)
    return grid


def _mark_primary(grid: _Grid, limit: int) -> None:
    """Hide every count from 1 to the threshold (zeros stay shown)."""
    small = (grid.values >= 1) & (grid.values <= limit)
    grid.code[small] = _PRIMARY
    for i in np.flatnonzero(small):
        grid.reason[i] = f"Primær: antal mellem 1 og {limit}."


def _mark_forced(grid: _Grid, cells: Iterable[tuple[Any, Any]]) -> None:
    """Hide the cells hidden last year (one that is small anyway stays primary)."""
    wanted = {(str(row), str(column)) for row, column in cells}
    for flat in range(grid.values.size):
        row, column = grid.label(flat)
        if (str(row), str(column)) in wanted and grid.code[flat] == _SHOWN:
            grid.code[flat] = _SECONDARY
            grid.reason[flat] = REASON_CARRIED


def _mark_masked(grid: _Grid, cells: Iterable[tuple[Any, Any]], limit: int) -> None:
    """Show the named small cells as "–", which no longer says that they are small."""
    wanted = {(str(row), str(column)) for row, column in cells}
    for flat in range(grid.values.size):
        row, column = grid.label(flat)
        if (str(row), str(column)) in wanted and grid.code[flat] == _PRIMARY:
            grid.code[flat] = _SECONDARY
            grid.reason[flat] = REASON_MASKED.format(limit=limit, marker=limit + 1)


# --- secondary suppression ---------------------------------------------------------------


def _secure(grid: _Grid, limit: int, name: str) -> None:
    """Line rule, then audit; while a hidden cell is pinned, hide one more cell to free it."""
    while True:
        _complete_lines(grid)
        pinned = _pinned(grid, limit)
        if not pinned:
            return
        _free(grid, pinned[0], limit, name)


def _complete_lines(grid: _Grid) -> None:
    """Give every line (row or column, margins included) with one hidden cell a second one.

    Two ways are tried and the one that hides fewer cells is kept (the plain one on a tie):
    the plain rule (each line's partner is its smallest non-zero interior cell), and a
    look-ahead that tries every candidate of a line and completes the rest by the plain rule.
    The plain rule alone hid a whole extra row of a four-year table (a small cell's column
    partner chosen far from its row partner's row); the look-ahead finds the 2 × 2 block.
    """
    plain, ahead = grid.copy(), grid.copy()
    _fill_lines(plain, lookahead=False)
    _fill_lines(ahead, lookahead=True)
    best = ahead if ahead.hidden.sum() < plain.hidden.sum() else plain
    grid.code, grid.reason = best.code, best.reason


def _fill_lines(grid: _Grid, *, lookahead: bool) -> None:
    """The line rule in place (see ``_complete_lines``)."""
    changed = True
    while changed:
        changed = False
        for n, line in enumerate(grid.lines):
            hidden = grid.hidden[line]
            if hidden.sum() != 1:
                continue
            shown = line[~hidden]
            partner = _best_candidate(grid, shown)
            if lookahead:
                partner = min(shown, key=lambda c: (_hidden_after(grid, int(c)), _rank(grid, int(c))))
            grid.code[partner] = _SECONDARY
            grid.reason[partner] = (
                f"Sekundær: ellers kunne den anden skjulte celle i {grid.line_names[n]} "
                "regnes ud fra totalen.")
            changed = True


def _hidden_after(grid: _Grid, cell: int) -> int:
    """How many cells are hidden once ``cell`` is hidden and the lines completed greedily."""
    trial = grid.copy()
    trial.code[cell] = _SECONDARY
    _fill_lines(trial, lookahead=False)
    return int(trial.hidden.sum())


def _is_precious(grid: _Grid, cell: int) -> bool:
    return bool(grid.precious[cell]) if grid.precious is not None else False


def _rank(grid: _Grid, cell: int) -> tuple[bool, bool, bool, int, int]:
    """Which cell to hide first: non-zero, not precious, interior, smallest."""
    return (grid.values[cell] == 0, _is_precious(grid, cell), bool(grid.is_margin[cell]), int(grid.values[cell]),
            cell)


def _best_candidate(grid: _Grid, cells: np.ndarray) -> int:
    """Smallest non-zero cell, not precious, interior before totals (a zero hides nothing: it's known)."""
    return int(min(cells, key=lambda i: _rank(grid, int(i))))


def _free(grid: _Grid, target: int, limit: int, name: str) -> None:
    """Change as little as possible so that ``target`` can no longer be worked out.

    1. Hide one more shown cell (plus what the line rule then needs): cells sharing a line
       with the target first, smallest first, interior before totals.
    2. If no single cell does it, the markers themselves give it away (four "<5" cells in a
       line whose total is "<5" must all be 1): show one of the "<5" cells as "–" instead,
       which no longer says the value is small.
    3. Otherwise hide the best-ranked cell anyway and let the loop go on; it only ever hides
       more, so it ends.
    """
    ncols = grid.shape[1]
    t_row, t_col = divmod(target, ncols)

    def rank(i: int) -> tuple[bool, bool, bool, int, int]:
        r, c = divmod(int(i), ncols)
        return (r != t_row and c != t_col, _is_precious(grid, int(i)), bool(grid.is_margin[i]), int(grid.values[i]),
                int(i))

    candidates = sorted(np.flatnonzero(~grid.hidden & (grid.values > 0)), key=rank)
    label = "({}, {})".format(*grid.label(target))
    reason = (f"Sekundær: ellers kunne den skjulte celle {label} regnes præcist ud af de viste "
              "tal og totaler.")
    for candidate in candidates[:_MAX_TRIALS]:
        if _try(grid, candidate, reason, target, limit):
            return
    masked = (f"Antal mellem 1 og {limit}, vist som «{SECONDARY_MARKER}»: ellers ville "
              f"«<{limit + 1}»-markeringerne afsløre den skjulte celle {label}.")
    small = sorted(np.flatnonzero(grid.code == _PRIMARY),
                   key=lambda i: (not grid.is_margin[i], *rank(i)))
    for cell in small:
        if _try(grid, int(cell), masked, target, limit):
            return
    if not candidates:
        # Every non-zero cell is hidden and the "<5" markers still pin a value together
        # (e.g. a table of only ones): show them all as "–". Each hidden cell then lies on a
        # row, a column and a grand total that are all hidden, so it can grow with them.
        for cell in small:
            grid.code[int(cell)] = _SECONDARY
            grid.reason[int(cell)] = masked
        if small.size if isinstance(small, np.ndarray) else small:
            return
        raise EvaluationError(f"Tabellen «{name}» kan ikke beskyttes: alle tal er allerede skjult, "
                              "og et skjult tal kan stadig regnes ud.")
    grid.code[candidates[0]] = _SECONDARY
    grid.reason[candidates[0]] = reason


def _try(grid: _Grid, cell: int, reason: str, target: int, limit: int) -> bool:
    """Mark ``cell`` secondary (line rule completed); keep it if ``target`` is then free."""
    trial = grid.copy()
    trial.code[cell] = _SECONDARY
    trial.reason[cell] = reason
    _complete_lines(trial)
    if target in _pinned(trial, limit, targets=[target]):
        return False
    grid.code, grid.reason = trial.code, trial.reason
    return True


# --- the audit ---------------------------------------------------------------------------


@dataclass
class _Program:
    """The attacker's linear program over the hidden non-zero cells."""

    cells: np.ndarray  # flat index of each variable
    a_eq: np.ndarray | None
    b_eq: np.ndarray | None
    bounds: list[tuple[float, float | None]]
    singles: set[int]  # cells alone in some equation: pinned without solving

    def solve(self, c: np.ndarray) -> Any:
        return linprog(c, A_eq=self.a_eq, b_eq=self.b_eq, bounds=self.bounds, method="highs")


def _program(grid: _Grid, limit: int) -> _Program:
    """Equations with shown cells (and hidden zeros) moved to the right-hand side."""
    cells = np.flatnonzero(grid.hidden & (grid.values > 0))
    position = np.full(grid.values.size, -1)
    position[cells] = np.arange(cells.size)
    rows, rhs, singles = [], [], set()
    for line in grid.lines:
        coef = np.ones(line.size)
        coef[-1] = -1.0
        unknown = position[line] >= 0
        if not unknown.any():
            continue
        if unknown.sum() == 1:
            singles.add(int(line[unknown][0]))
        row = np.zeros(cells.size)
        row[position[line[unknown]]] = coef[unknown]
        rows.append(row)
        rhs.append(-(coef[~unknown] * grid.values[line[~unknown]]).sum())
    bounds: list[tuple[float, float | None]] = []
    for i in cells:
        value = int(grid.values[i])
        if grid.code[i] == _PRIMARY:  # "<5": the attacker knows 1..threshold
            bounds.append((min(1, value), max(limit, value)))
        else:  # "–": above the threshold, or (a small cell shown as "–") at least itself
            bounds.append((min(limit + 1, value), None))
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    return _Program(cells=cells, a_eq=a_eq, b_eq=b_eq, bounds=bounds, singles=singles)


def _pinned(grid: _Grid, limit: int, targets: Iterable[int] | None = None) -> list[int]:
    """Hidden non-zero cells (of ``targets``, default all) whose value the LP pins exactly.

    Any feasible point where a cell differs from its true value proves it is free, so two
    LPs over the sum free most cells at once; only the rest get their own min/max LPs.
    """
    program = _program(grid, limit)
    if program.cells.size == 0:
        return []
    wanted = set(program.cells.tolist())
    if targets is not None:
        wanted &= set(targets)
    pinned = sorted(wanted & program.singles)
    open_cells = wanted - program.singles
    true = grid.values[program.cells].astype(float)

    def free_by(result: Any) -> None:
        if result.status == 0:
            moved = program.cells[np.abs(result.x - true) > 0.5]
            open_cells.difference_update(moved.tolist())
        elif result.status != 3:  # 3 = unbounded: proves nothing about the others
            raise EvaluationError("Intern fejl i diskretioneringens kontrol (LP uden løsning).")

    for sign in (-1.0, 1.0):
        if open_cells:
            free_by(program.solve(np.full(program.cells.size, sign)))
    position = {int(cell): k for k, cell in enumerate(program.cells)}
    for cell in sorted(open_cells):
        if cell not in open_cells:
            continue
        for sign in (-1.0, 1.0):
            c = np.zeros(program.cells.size)
            c[position[cell]] = sign
            result = program.solve(c)
            if result.status == 3:
                open_cells.discard(cell)
            else:
                free_by(result)
            if cell not in open_cells:
                break
        else:
            pinned.append(cell)
            open_cells.discard(cell)
    return sorted(pinned)


def _intervals(grid: _Grid, limit: int) -> tuple[dict[int, float], dict[int, float]]:
    """Min and max of every hidden cell (a hidden 0 is taken as known: 0..0)."""
    program = _program(grid, limit)
    lows: dict[int, float] = {int(i): 0.0 for i in np.flatnonzero(grid.hidden)}
    highs = dict(lows)
    for k, cell in enumerate(program.cells):
        c = np.zeros(program.cells.size)
        c[k] = 1.0
        low, high = program.solve(c), program.solve(-c)
        if low.status != 0 or high.status not in (0, 3):
            raise EvaluationError("Intern fejl i diskretioneringens kontrol (LP uden løsning).")
        lows[int(cell)] = float(round(low.fun))
        highs[int(cell)] = float("inf") if high.status == 3 else float(round(-high.fun))
    return lows, highs


# --- the result --------------------------------------------------------------------------


def _danish_count(value: int) -> str:
    """1234 -> "1.234" (Danish thousands separator)."""
    return f"{value:,}".replace(",", ".")


def _result(grid: _Grid, full: pd.DataFrame, *, name: str, threshold: int, keep_margins: bool,
            original: pd.DataFrame) -> Protected:
    """Lay the grid out as display/status frames, the log and the footnote."""
    nrows, ncols = grid.shape
    primary_marker = f"<{threshold + 1}"
    text = [primary_marker if code == _PRIMARY else SECONDARY_MARKER if code == _SECONDARY
            else _danish_count(int(value)) for code, value in zip(grid.code, grid.values)]
    words = [_CODE_WORDS[int(code)] for code in grid.code]
    display = pd.DataFrame(np.array(text, dtype=object).reshape(nrows, ncols),
                           index=full.index, columns=full.columns)
    status = pd.DataFrame(np.array(words, dtype=object).reshape(nrows, ncols),
                          index=full.index, columns=full.columns)
    keep = np.ones(grid.values.size, dtype=bool)
    if not keep_margins:
        display = display.iloc[:original.shape[0], :original.shape[1]]
        status = status.iloc[:original.shape[0], :original.shape[1]]
        display.index, display.columns = original.index, original.columns
        status.index, status.columns = original.index, original.columns
        keep = ~grid.is_margin
    cells = np.flatnonzero(grid.hidden & keep)
    log = pd.DataFrame({
        "table": pd.Series([name] * cells.size, dtype=object),
        "row": pd.Series([grid.label(i)[0] for i in cells], dtype=object),
        "column": pd.Series([grid.label(i)[1] for i in cells], dtype=object),
        "status": pd.Series([words[i] for i in cells], dtype=object),
        "reason": pd.Series([grid.reason[i] for i in cells], dtype=object),
        "hidden_value": pd.Series(grid.values[cells], dtype="int64"),
    }, columns=LOG_COLUMNS)
    return Protected(display=display, status=status, log=log,
                     footnote=_footnote(threshold, cells.size > 0, keep_margins), name=name)


def _footnote(threshold: int, anything_hidden: bool, with_totals: bool) -> str:
    """The Danish explanation printed under a table with hidden cells."""
    if not anything_hidden:
        return ""
    totals = "Totalerne («I alt») er de faktiske totaler. " if with_totals else ""
    return (
        f"«<{threshold + 1}» står for et antal mellem 1 og {threshold}, som er skjult, så ingen "
        f"enkelt kan genkendes. «{SECONDARY_MARKER}» er et tal (stort eller lille), der er skjult, "
        f"for at de små tal ikke kan regnes ud fra de andre tal og totalerne. {totals}"
        "Et 0 vises, fordi det ikke udpeger nogen."
    )

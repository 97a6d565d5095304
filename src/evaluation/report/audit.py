"""The Kredsråd edition's exact audit: integer programs over every published cell, this
year's and last year's, whatever their designs.

``suppression.protect_linked`` protects this edition's tables together. What it cannot see
is last year's published edition when the design has changed (quarters then, half-years
now): cells no longer match by label. So each published cell carries a *definition*: which
cases it counts, as sets of values of a few dimensions (year, quarter, situation, and one
family-specific value such as "reported to the police" or a kind of offence). A cell is the
sum of the *atoms* (the finest cross-classification) its definition covers, so a quarter
and a half-year, this year's table and last year's, are all sums over the same unknowns.

The attacker's knowledge is then a system over non-negative integer atoms: a shown cell
is an equation, a ``"<5"`` cell lies in 1..threshold, a ``"–"`` cell is at least
threshold + 1 (or at least its value, for a small cell shown as "–"), a hidden 0 is taken
as known (all of these make the audit's feasible set lie inside the attacker's, as in
``suppression``). For every hidden non-zero cell the least and greatest value of its sum
are found by integer programs (``scipy.optimize.milp``, HiGHS); the cell is *recoverable*
when they are equal. Families that count the same cases (cases by year; by year and police
report; by year and actioncard phase ...) share their case totals, and the audit puts the
cells of the cases-by-year tables into each of them. Counts of mentions (kinds of offence,
assessments: a case can have several) are families of their own.

``protect_edition`` protects the tables, audits them with last year's published cells, and
while a cell (of either edition) is pinned hides one more cell of this edition that shares
atoms with it. Last year's cells are as published (definition, status, true value: the
published_cells table); if the data behind them has since been corrected so that the two
editions no longer fit one system, they are audited apart (each is then a different count).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from evaluation.errors import EvaluationError
from evaluation.report import recode, suppression

BASE_FAMILY = "sager"
MENTION_FAMILIES = ("kraenkelsestyper", "vurdering")
REST = "__øvrige__"  # the cases a family-specific value does not cover (e.g. outside a phase)
QUARTERS = (1, 2, 3, 4)
SITUATIONS = ("A", "B")
_MAX_TRIALS = 12


@dataclass(frozen=True)
class Cell:
    """One published cell: where it stands, what it counts, how it was printed, its true value."""

    edition: str  # "i år" or "sidste år"
    table: str
    row: str
    column: str
    definition: dict[str, Any]
    status: str  # suppression.SHOWN / PRIMARY / SECONDARY
    value: int

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.edition, self.table, self.row, self.column)


# --- definitions -----------------------------------------------------------------------------

def _category(dim: str | None, values: Sequence[Any]) -> dict[str, list]:
    """A printed category as constraints: 'A@2025'-style values also fix the year."""
    if dim is None:
        return {}
    if any("@" in str(v) for v in values):
        parts = [str(v).split("@") for v in values]
        return {dim: sorted({p[0] for p in parts}), "year": sorted({int(p[1]) for p in parts})}
    return {dim: sorted(values)}


def _union(constraints: Iterable[dict[str, list]]) -> dict[str, list]:
    """A total's constraints: every value any of its categories allows."""
    out: dict[str, set] = {}
    for c in constraints:
        for dim, values in c.items():
            out.setdefault(dim, set()).update(values)
    return {dim: sorted(values) for dim, values in out.items()}


def _meet(*parts: dict[str, Any]) -> dict[str, Any]:
    """Constraints that must all hold: a dimension named twice keeps the values in both."""
    out: dict[str, Any] = {}
    for part in parts:
        for dim, values in part.items():
            out[dim] = values if dim not in out or dim == "family" else sorted(set(out[dim]) & set(values))
    return out


def table_definitions(frame: pd.DataFrame, base: dict[str, Any], row_dim: str | None,
                      rows: Mapping[str, Sequence[Any]], col_dim: str,
                      columns: Mapping[str, Sequence[Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The definition of every cell of ``frame`` with its margins ("I alt" is the union of its line)."""
    row_c = {label: _category(row_dim, values) for label, values in rows.items()}
    col_c = {label: _category(col_dim, values) for label, values in columns.items()}
    row_c[suppression.MARGIN_LABEL] = _union(row_c.values())
    col_c[suppression.MARGIN_LABEL] = _union(col_c.values())
    full = suppression.add_margins(frame)
    return {(str(r), str(c)): _meet(base, row_c[str(r)], col_c[str(c)]) for r in full.index for c in full.columns}


def definitions(year: int, counts: Mapping[str, pd.DataFrame],
                designs: Mapping[str, tuple[str, str, recode.Design, pd.DataFrame]],
                lines: Mapping[str, tuple[Any, recode.Design]]) -> dict[str, dict[tuple[str, str], dict]]:
    """Definitions for the Kredsråd edition's tables (see ``kredsraad``'s table list)."""
    out: dict[str, dict[tuple[str, str], dict]] = {}
    for name, (_title, _note, design, _fine) in designs.items():
        rows = {c.label: list(c.values) for c in design.rows}
        columns = {c.label: list(c.values) for c in design.columns}
        if name == "sager_aar_situation":
            spec = ({"family": BASE_FAMILY}, "year", {k: [int(v) for v in vs] for k, vs in rows.items()}, "situation")
        elif name == "sager_periode_situation":
            spec = ({"family": BASE_FAMILY, "year": [int(year)]}, "quarter",
                    {k: [int(v.rsplit("K", 1)[1]) for v in vs] for k, vs in rows.items()}, "situation")
        else:  # mentions: kinds of offence, assessments ('A@2025' columns)
            spec = ({"family": name}, "value", rows, "situation")
        base, row_dim, row_values, col_dim = spec
        out[name] = table_definitions(counts[name], base, row_dim, row_values, col_dim, columns)
    for name, (_line, design) in lines.items():
        columns = {c.label: list(c.values) for c in design.columns}
        out[name] = table_definitions(counts[name], {"family": name}, None, {design.rows[0].label: []}, "value",
                                      columns)
    return out


# --- the integer programs ----------------------------------------------------------------------

@dataclass
class _Family:
    name: str
    atoms: list[tuple]  # (year, quarter, situation, value)
    index: dict[tuple, int]
    dims: tuple[list, list, list, list]


def _family_of(cell: Cell) -> str:
    return str(cell.definition.get("family", BASE_FAMILY))


def _families(cells: Sequence[Cell], complete: Iterable[str]) -> dict[str, _Family]:
    """The atoms of every family the cells use; case families also get the base cells' years."""
    complete = set(complete)
    names = {_family_of(c) for c in cells}
    years = sorted({y for c in cells for y in c.definition.get("year", [])})
    out = {}
    for name in names:
        if name == BASE_FAMILY and len(names - set(MENTION_FAMILIES)) > 1:
            continue  # the base cells live in every case family instead
        own = [c for c in cells if _family_of(c) == name]
        values = sorted({v for c in own for v in c.definition.get("value", [])}) or [REST]
        if name not in complete and name not in MENTION_FAMILIES and values != [REST]:
            values.append(REST)
        fam_years = sorted({y for c in own for y in c.definition.get("year", [])} |
                           (set(years) if name not in MENTION_FAMILIES else set()))
        dims = (fam_years, list(QUARTERS), list(SITUATIONS), values)
        atoms = list(itertools.product(*dims))
        out[name] = _Family(name, atoms, {a: i for i, a in enumerate(atoms)}, dims)
    return out


def _members(family: _Family, definition: Mapping[str, Any]) -> np.ndarray:
    """Indices of the family's atoms that a definition covers (absent dimension = all)."""
    years, quarters, situations, values = family.dims
    chosen = (definition.get("year", years), definition.get("quarter", quarters),
              definition.get("situation", situations), definition.get("value", values))
    return np.array([family.index[a] for a in itertools.product(*chosen) if a in family.index], dtype=int)


def _bounds(cell: Cell, threshold: int) -> tuple[float, float]:
    """What the attacker is assumed to know of a cell (tighter than what they know: safe)."""
    v = cell.value
    if cell.status == suppression.SHOWN or v == 0:
        return float(v), float(v)
    if cell.status == suppression.PRIMARY:
        return float(min(1, v)), float(max(threshold, v))
    return float(min(threshold + 1, v)), np.inf


class _System:
    """One family's integer program: a row per published cell in it."""

    def __init__(self, family: _Family, cells: Sequence[Cell], threshold: int) -> None:
        self.family = family
        self.cells = list(cells)
        self.rows = np.zeros((len(cells), len(family.atoms)))
        for i, cell in enumerate(cells):
            self.rows[i, _members(family, cell.definition)] = 1.0
        bounds = [_bounds(c, threshold) for c in cells]
        self.low = np.array([b[0] for b in bounds])
        self.high = np.array([b[1] for b in bounds])

    def _solve(self, c: np.ndarray) -> Any:
        n = len(self.family.atoms)
        return milp(c, constraints=[LinearConstraint(self.rows, self.low, self.high)],
                    integrality=np.ones(n), bounds=Bounds(np.zeros(n), np.full(n, np.inf)))

    def feasible(self) -> bool:
        return self._solve(np.zeros(len(self.family.atoms))).status == 0

    def pinned(self, targets: Iterable[int]) -> list[int]:
        """Positions (in ``cells``) of targets whose sum has one possible value.

        Any feasible point where a target's sum differs from its true value proves it free,
        so two programs over the targets' total free most of them at once; only the rest
        get their own least and greatest value.
        """
        open_ = set(targets)
        true = np.array([c.value for c in self.cells], dtype=float)

        def free_by(result: Any) -> None:
            if result.status == 0:
                sums = self.rows @ result.x
                open_.difference_update(i for i in list(open_) if abs(sums[i] - true[i]) > 0.5)
            elif result.status not in (2, 3):  # 3 = unbounded: proves nothing about one cell
                raise EvaluationError("Intern fejl i kontrollen af Kredsrådets udgave (heltalsprogram uden løsning).")

        if open_:
            total = self.rows[sorted(open_)].sum(axis=0)
            for sign in (1.0, -1.0):
                if open_:
                    free_by(self._solve(sign * total))
        out = []
        for i in sorted(open_):
            if i not in open_:
                continue
            pinned = True
            for sign in (1.0, -1.0):
                result = self._solve(sign * self.rows[i])
                if result.status == 3:
                    pinned = False
                    break
                free_by(result)
                if i not in open_:
                    pinned = False
                    break
            if pinned:
                out.append(i)
            open_.discard(i)
        return out


def recoverable(cells: Sequence[Cell], threshold: int, *, complete: Iterable[str] = (),
                only: Iterable[tuple] | None = None) -> list[Cell]:
    """Hidden non-zero cells (of ``only``, by key, default all) whose value follows exactly
    from all the cells given."""
    wanted = None if only is None else set(only)
    complete = list(complete)
    families = _families(cells, complete)
    found: list[Cell] = []
    for name, family in families.items():
        members = [c for c in cells if _family_of(c) == name
                   or (_family_of(c) == BASE_FAMILY and name not in MENTION_FAMILIES)]
        system = _System(family, members, threshold)
        targets = [i for i, c in enumerate(members) if c.status != suppression.SHOWN and c.value > 0
                   and (wanted is None or c.key in wanted)]
        if not targets:
            continue
        found += [members[i] for i in system.pinned(targets)]
    unique = {c.key: c for c in found}
    return list(unique.values())


def bounds(cells: Sequence[Cell], definition: Mapping[str, Any], threshold: int, *,
           complete: Iterable[str] = ()) -> tuple[float, float]:
    """The least and greatest value the published ``cells`` allow for any count with this
    definition (published or not): what an attacker can learn about it."""
    probe = Cell("mål", "", "", "", dict(definition), suppression.SECONDARY, 0)
    name = str(definition.get("family", BASE_FAMILY))
    families = _families([*cells, probe], complete)
    family = families.get(name) or next(f for n, f in families.items() if n not in MENTION_FAMILIES)
    members = [c for c in cells if _family_of(c) == family.name
               or (_family_of(c) == BASE_FAMILY and family.name not in MENTION_FAMILIES)]
    system = _System(family, members, threshold)
    row = np.zeros(len(family.atoms))
    row[_members(family, definition)] = 1.0
    low, high = system._solve(row), system._solve(-row)
    return float(round(low.fun)), (np.inf if high.status == 3 else float(round(-high.fun)))


def consistent(cells: Sequence[Cell], threshold: int, *, complete: Iterable[str] = ()) -> bool:
    """Do the cells fit one system (False when last year's figures were corrected since)?"""
    families = _families(cells, complete)
    for name, family in families.items():
        members = [c for c in cells if _family_of(c) == name
                   or (_family_of(c) == BASE_FAMILY and name not in MENTION_FAMILIES)]
        if not _System(family, members, threshold).feasible():
            return False
    return True


# --- the edition --------------------------------------------------------------------------------

def edition_cells(protected: Mapping[str, suppression.Protected], counts: Mapping[str, pd.DataFrame],
                  defs: Mapping[str, Mapping[tuple[str, str], dict]], edition: str = "i år") -> list[Cell]:
    """This edition's cells as the audit sees them."""
    out = []
    for name, result in protected.items():
        full = suppression.add_margins(counts[name]).reindex(index=result.status.index, columns=result.status.columns)
        for row in result.status.index:
            for column in result.status.columns:
                out.append(Cell(edition, name, str(row), str(column), defs[name][(str(row), str(column))],
                                str(result.status.at[row, column]), int(full.at[row, column])))
    return out


def protect_edition(counts: Mapping[str, pd.DataFrame], *, links: Sequence[Sequence[tuple]], threshold: int,
                    definitions: Mapping[str, Mapping[tuple[str, str], dict]], previous: Sequence[Cell] = (),
                    complete: Iterable[str] = (),
                    precious: Mapping[str, Iterable[tuple[str, str]]] | None = None) -> dict[str, suppression.Protected]:
    """Protect the edition's tables together, then hide more until no cell of this edition or
    of last year's (``previous``) can be worked out from both read together."""
    complete = list(complete)
    forced: dict[str, set[tuple[str, str]]] = {name: set() for name in counts}
    protected = suppression.protect_linked(counts, links=links, threshold=threshold, force_hidden=forced,
                                           precious=precious)
    previous = list(previous)
    if previous and not consistent([*edition_cells(protected, counts, definitions), *previous], threshold,
                                   complete=complete):
        previous = []  # corrected since: different counts, audited apart (last year's was audited when published)
    while True:
        cells = edition_cells(protected, counts, definitions)
        pinned = recoverable([*cells, *previous], threshold, complete=complete)
        if not pinned:
            return protected
        target = pinned[0]
        candidates = _candidates(cells, target, precious or {})
        if not candidates:
            raise EvaluationError(f"Tabellen «{target.table}» kan ikke beskyttes mod sidste års udgave: alle tal, der "
                                  "hænger sammen med den, er allerede skjult.")
        chosen = None
        for cell in candidates[:_MAX_TRIALS]:
            trial = {name: set(cells_) for name, cells_ in forced.items()}
            trial[cell.table].add((cell.row, cell.column))
            result = suppression.protect_linked(counts, links=links, threshold=threshold, force_hidden=trial,
                                                precious=precious)
            again = recoverable([*edition_cells(result, counts, definitions), *previous], threshold, complete=complete,
                                only=[target.key])
            if not again:
                chosen = (trial, result)
                break
        if chosen is None:
            trial = {name: set(cells_) for name, cells_ in forced.items()}
            trial[candidates[0].table].add((candidates[0].row, candidates[0].column))
            chosen = (trial, suppression.protect_linked(counts, links=links, threshold=threshold, force_hidden=trial,
                                                precious=precious))
        forced, protected = chosen


def _candidates(cells: Sequence[Cell], target: Cell,
                precious: Mapping[str, Iterable[tuple[str, str]]]) -> list[Cell]:
    """Shown non-zero cells of this edition that share atoms with the target: same table and
    line first, precious cells last, interior before totals, smallest first."""
    keep = {(name, str(r), str(c)) for name, cells_ in precious.items() for r, c in cells_}
    family = _family_of(target)

    def related(c: Cell) -> bool:
        fam = _family_of(c)
        return fam == family or BASE_FAMILY in (fam, family) and MENTION_FAMILIES.count(fam) == 0 \
            and MENTION_FAMILIES.count(family) == 0

    def overlaps(c: Cell) -> bool:
        for dim in ("year", "quarter", "situation", "value"):
            a, b = c.definition.get(dim), target.definition.get(dim)
            if a is not None and b is not None and not set(a) & set(b):
                return False
        return True

    found = [c for c in cells if c.status == suppression.SHOWN and c.value > 0 and related(c) and overlaps(c)]
    return sorted(found, key=lambda c: (c.table != target.table, c.row != target.row and c.column != target.column,
                                        (c.table, c.row, c.column) in keep,
                                        suppression.MARGIN_LABEL in (c.row, c.column), c.value, c.table, c.row,
                                        c.column))


# --- last year's published cells ----------------------------------------------------------------

_LAST_SQL = """
SELECT c.table_name, c.row_label, c.column_label, c.definition, c.status, c.true_value
FROM published_cells c
WHERE c.publication_id = (SELECT publication_id FROM report_publications
                          WHERE year = ? AND edition = 'kredsraad'
                          ORDER BY published_at DESC, publication_id DESC LIMIT 1)
ORDER BY c.table_name, c.row_label, c.column_label
"""


def last_publication(con: duckdb.DuckDBPyConnection, year: int) -> list[Cell]:
    """The cells of the latest published Kredsråd edition for ``year`` (empty when none)."""
    return [Cell("sidste år", table, row, column, json.loads(definition), status, int(value))
            for table, row, column, definition, status, value in con.execute(_LAST_SQL, [int(year)]).fetchall()]


__all__ = ["Cell", "definitions", "table_definitions", "recoverable", "bounds", "consistent", "edition_cells", "protect_edition",
           "last_publication"]

"""Table redesign before suppression (global recoding): tables that fit a small year.

With 20–40 cases a year, quarters × situations × nine kinds of offence leave most cells at
1–4, and suppression then hides most of the table. Statistics offices first redesign such
tables (τ-Argus calls it global recoding) and only then suppress what is still too small.
This module does that for the Kredsråd edition, with rules a reader can follow, each
printed beside its table (``Design.note``):

* **periods**: quarters, else half-years, else only the whole year (the yearly table);
* **kinds of offence**: kinds with fewer cases than the threshold's marker are merged into
  »Andre« (at least three named kinds always stay), and the split on situation A/B is
  dropped only when it would still hide too much;
* every design is judged by the share of its count cells that protection leaves shown
  (``shown_share`` after ``suppression.protect``), and the most detailed design that reaches
  the target is chosen (else the one that shows most).

A design maps fine categories (the query's values) to printed categories; ``apply`` sums
the fine counts into the printed table. Pure pandas: nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation import format as fmt
from evaluation.report import suppression

TARGET_SHOWN = 0.8  # the share of published count cells that should be shown
MIN_NAMED_KINDS = 3
OTHER_KINDS = "Andre"


@dataclass(frozen=True)
class Category:
    """One printed row or column: its label and the fine values it adds up."""

    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Design:
    """How a table is printed: its rows and columns as categories, and the Danish note
    that says how it was coarsened ('' when it was not)."""

    key: str
    rows: tuple[Category, ...]
    columns: tuple[Category, ...]
    note: str = ""
    index_name: str = ""

    def apply(self, fine: pd.DataFrame) -> pd.DataFrame:
        """The printed table: fine counts (rows × columns by fine value) summed per category."""
        rows = np.array([[v in r.values for v in fine.index] for r in self.rows], dtype="int64")
        columns = np.array([[v in c.values for v in fine.columns] for c in self.columns], dtype="int64")
        values = rows @ fine.to_numpy(dtype="int64") @ columns.T
        return pd.DataFrame(values, index=pd.Index([r.label for r in self.rows], dtype=object, name=self.index_name),
                            columns=pd.Index([c.label for c in self.columns], dtype=object))


def identity(values: Sequence[str], labels: dict[str, str] | None = None) -> tuple[Category, ...]:
    """Every fine value its own category."""
    return tuple(Category((labels or {}).get(v, v), (v,)) for v in values)


def shown_share(protected: suppression.Protected) -> float:
    """The share of a protected table's count cells (totals included) that are shown."""
    status = protected.status.to_numpy().ravel()
    return float((status == suppression.SHOWN).mean()) if status.size else 1.0


def choose(fine: pd.DataFrame, designs: Iterable[Design], *, name: str, threshold: int,
           target: float = TARGET_SHOWN) -> tuple[Design, float]:
    """The first (most detailed) design whose protected table shows at least ``target`` of
    its cells; if none does, the one that shows most (the earlier one on a tie)."""
    best: tuple[Design, float] | None = None
    for design in designs:
        share = shown_share(suppression.protect(design.apply(fine), name=name, threshold=threshold))
        if share >= target:
            return design, share
        if best is None or share > best[1]:
            best = (design, share)
    if best is None:
        raise ValueError("choose() needs at least one design")
    return best


# --- periods --------------------------------------------------------------------------------

def period_designs(year: int, quarters: int, columns: tuple[Category, ...]) -> list[Design]:
    """Quarters, then half-years (when the year has reached its second half), for the year's
    first ``quarters`` quarters. The whole year needs no design: it is the yearly table's row."""
    fine = [f"{year} K{q}" for q in range(1, quarters + 1)]
    designs = [Design("kvartaler", identity(fine), columns, "", "Kvartal")]
    if quarters >= 3:
        halves = (Category(f"{year} 1. halvår", tuple(fine[:2])), Category(f"{year} 2. halvår", tuple(fine[2:])))
        designs.append(Design("halvaar", halves, columns,
                              "Kvartalerne er lagt sammen to og to til halvår, fordi der var for få sager pr. "
                              "kvartal til at vise dem.", "Halvår"))
    return designs


# --- kinds ------------------------------------------------------------------------------------

def kind_designs(fine: pd.DataFrame, labels: dict[str, str], columns: Sequence[tuple[Category, ...]],
                 threshold: int) -> list[Design]:
    """Kinds of offence: all kinds, then rare kinds merged into »Andre«, each with the given
    column splits (the first split is tried first at every level of detail).

    A kind is rare when the year has at most ``threshold`` mentions of it; at least
    ``MIN_NAMED_KINDS`` kinds stay named (the most frequent, ties in the code list's order).
    """
    totals = fine.sum(axis=1)
    order = sorted(fine.index, key=lambda k: (-int(totals[k]), list(fine.index).index(k)))
    frequent = [k for k in order if int(totals[k]) > threshold]
    named_sets = [list(fine.index)]
    named = order[:max(MIN_NAMED_KINDS, len(frequent))]
    if len(named) < len(order) - 1:  # merging a single kind into "Andre" would only rename it
        named_sets.append([k for k in fine.index if k in named])
    designs = []
    for split in columns:
        for keep in named_sets:
            rest = [k for k in fine.index if k not in keep]
            rows = identity(keep, labels) + ((Category(OTHER_KINDS, tuple(rest)),) if rest else ())
            note = ""
            if rest:
                note = (f"Krænkelsestyper med højst {threshold} sager i året er lagt sammen under "
                        f"{fmt.quote(OTHER_KINDS)}: {fmt.and_list(labels.get(k, k).lower() for k in rest)}.")
            if len(split) == 1:
                note = (note + " " if note else "") + "Situation A og B er lagt sammen i denne tabel, fordi der " \
                    "ellers var for få sager i hver."
            designs.append(Design(f"{len(keep)}-{len(split)}", rows, split, note, "Krænkelsestype"))
    return designs


__all__ = ["TARGET_SHOWN", "Category", "Design", "identity", "shown_share", "choose", "period_designs",
           "kind_designs", "OTHER_KINDS"]

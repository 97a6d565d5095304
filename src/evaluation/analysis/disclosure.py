"""How identifiable the stored cases are: k-anonymity over what an outsider may know.

The cases carry no names, but someone who knows a child's situation ("a 15-year-old girl at
that efterskole, reported in March") knows five facts about the case: the network, the
reporting month, the age band, the gender and the institution type. Those are the
*quasi-identifiers*. Cases sharing all five form an *equivalence class*; a case alone in its
class (class size 1) is found by anyone who knows those facts, so its other fields (what
happened, whether it was reported to the police) are disclosed. The data set is
*k-anonymous* when every class holds at least k cases.

On realistic volumes (20–40 cases a year over 8 networks) nearly every case is unique, which
is why the database is personal data in law even without names (``docs/databeskyttelse.md``).

Used by:
- the role rules (server): outside the team and a network's own data, no view may narrow to
  fewer than ``threshold()`` cases (``too_few``);
- the team edition's data appendix (report) and the follow-up page (workbench): the table of
  ``uniqueness_by_year`` and the plain-Danish ``sentence``.

A missing gender (NULL) counts as its own value, like 'ukendt': an outsider cannot use it to
match, so this slightly *over*-states uniqueness — the safe side for a privacy measure. Only
current cases count (the ``cases`` view); replaced versions are history, not extra children.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from evaluation import format as fmt
from evaluation.settings import settings

# What an outsider may know about a case; the columns of ``cases``, in the order a person says them.
QUASI_IDENTIFIERS: tuple[str, ...] = ("netvaerk", "indberetningsmaaned", "aldersgruppe", "koen", "institutionstype")
QUASI_IDENTIFIER_LABELS: tuple[str, ...] = ("netværk", "indberetningsmåned", "aldersgruppe", "køn", "institutionstype")

# One scan: each current case with the size of its equivalence class. Months imply the year,
# so a class never spans two years and the overall figures are the sum of the yearly ones.
_CLASSES_SQL = f"""
    SELECT year(indberetningsmaaned) AS year,
           count(*) OVER (PARTITION BY {", ".join(QUASI_IDENTIFIERS)}) AS class_size,
           ({", ".join(QUASI_IDENTIFIERS)}) AS class_key
    FROM cases
"""

_BY_YEAR_SQL = f"""
    SELECT year,
           count(*)                                   AS cases,
           count(*) FILTER (WHERE class_size = 1)     AS unique_cases,
           count(*) FILTER (WHERE class_size < $k)    AS below_threshold,
           count(DISTINCT class_key)                  AS classes,
           min(class_size)                            AS smallest_class
    FROM ({_CLASSES_SQL})
    GROUP BY ROLLUP (year)
    ORDER BY year NULLS LAST
"""


def threshold() -> int:
    """The smallest group an outsider may see: one more than the Kredsråd's hidden counts.

    The Kredsråd edition hides counts 1..``suppression_threshold`` (shown as "<5"); a view
    that narrows to fewer cases than that would show the same small count the report hides.
    One rule for both, so they never disagree.
    """
    return settings.suppression_threshold + 1


def too_few(cases: int) -> bool:
    """True when a view narrowed to ``cases`` cases identifies too few children for outsiders.

    Zero is not "too few": an empty selection discloses nothing about any child.
    """
    return 0 < cases < threshold()


@dataclass(frozen=True)
class Uniqueness:
    """The measure for one year (``year``) or all years (``year is None``)."""

    year: int | None
    cases: int
    unique_cases: int          # alone in their equivalence class (k = 1)
    below_threshold: int       # in a class smaller than ``threshold`` (includes the unique ones)
    classes: int               # distinct combinations of the quasi-identifiers
    smallest_class: int | None # the data's k: every class holds at least this many (None: no cases)
    threshold: int

    @property
    def share_unique(self) -> float | None:
        return self.unique_cases / self.cases if self.cases else None

    @property
    def share_below_threshold(self) -> float | None:
        return self.below_threshold / self.cases if self.cases else None


def uniqueness_by_year(con: duckdb.DuckDBPyConnection) -> list[Uniqueness]:
    """One ``Uniqueness`` per reporting year, oldest first, then all years together (year None).

    Without cases the list holds only the all-years row, with zeros.
    """
    k = threshold()
    rows = con.execute(_BY_YEAR_SQL, {"k": k}).fetchall()
    found = [Uniqueness(year=None if r[0] is None else int(r[0]), cases=int(r[1]), unique_cases=int(r[2]),
                        below_threshold=int(r[3]), classes=int(r[4]),
                        smallest_class=None if r[5] is None else int(r[5]), threshold=k) for r in rows]
    return found  # ROLLUP gives the all-years row also without cases


def uniqueness(con: duckdb.DuckDBPyConnection, year: int | None = None) -> Uniqueness:
    """The measure for one reporting year, or for all years when ``year`` is None."""
    for item in uniqueness_by_year(con):
        if item.year == year:
            return item
    return Uniqueness(year, 0, 0, 0, 0, None, threshold())


def uniqueness_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The table for the data appendix and the follow-up page, with Danish headings.

    One row per year and a last row "Alle år"; shares as fractions (format them with the
    Danish kit), the smallest class as an integer (blank without cases).
    """
    rows = [{"År": "Alle år" if u.year is None else str(u.year), "Sager": u.cases,
             "Eneste af sin slags": u.unique_cases, "Andel eneste": u.share_unique,
             f"I grupper under {u.threshold}": u.below_threshold, "Mindste gruppe (k)": u.smallest_class}
            for u in uniqueness_by_year(con)]
    return pd.DataFrame(rows).astype({"Mindste gruppe (k)": "Int64"})


def sentence(u: Uniqueness) -> str:
    """One plain-Danish paragraph for the team: what the figure means and why it matters."""
    facts = fmt.and_list(QUASI_IDENTIFIER_LABELS)
    when = "I alle år" if u.year is None else f"I {u.year}"
    if not u.cases:
        return f"{when} er der ingen sager, så ingen sag kan genkendes."
    lead = (f"{when} er {fmt.integer(u.unique_cases)} af {fmt.plural(u.cases, 'sag', 'sager')} "
            f"({fmt.percent(u.share_unique)}) den eneste af sin slags på {facts}.")
    if u.unique_cases == 0:
        others = (u.smallest_class or 1) - 1
        return (f"{lead} Hver sag deler disse oplysninger med mindst {fmt.integer(others)} "
                f"{'anden' if others == 1 else 'andre'}, men en lille gruppe kan stadig genkendes af "
                "den, der kender barnet.")
    return (f"{lead} Den, der kender et barns situation – fx »en 15-årig pige på efterskolen, "
            "indberettet i marts« – kan finde sagen og læse resten af den. Derfor er databasen "
            "personoplysninger, selv om den ikke rummer navne, og uden for teamet vises aldrig "
            f"et udsnit med færre end {fmt.integer(u.threshold)} sager.")

"""Retention: how long cases are kept, and which are past it (``ssp-eval plan status``).

The retention period is the plan's decision, so it lives in the plan file: ``retention_years``
under ``plan:`` in ``data/plan.yaml`` (loaded into ``plan_meta`` by the registry; edited like
any plan fact, with history). A case is kept for that many whole calendar years after the
year it was reported: with 5 years, cases reported in 2020 are kept through 2025 and are past
retention from 1 January 2026. Comparing years needs whole years, so the period is whole years.

A database seeded before the setting existed has no ``retention_years``: then
``DEFAULT_YEARS`` applies, and the plan status says the plan has not set one. Nothing is
erased automatically: the team erases with ``ssp-eval slet til-og-med ÅR`` (``store.erasure``),
after a confirmation, so a wrong setting can never empty the database by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from evaluation.errors import EvaluationError

RETENTION_KEY = "retention_years"
DEFAULT_YEARS = 5  # the evaluation compares years; five years of trend, then erase
MIN_YEARS, MAX_YEARS = 1, 50


@dataclass(frozen=True)
class Retention:
    """The retention period and whether the plan set it (False: the default applies)."""

    years: int
    from_plan: bool

    def last_kept_year(self, today: date) -> int:
        """The oldest reporting year still kept on ``today``."""
        return today.year - self.years

    def sentence(self) -> str:
        where = "fastsat i planen" if self.from_plan else "standard – planen har ikke fastsat en periode"
        return f"Sager gemmes i {self.years} hele år efter indberetningsåret ({where})."


@dataclass(frozen=True)
class PastRetention:
    """Cases past the retention period on a day: reported in ``through_year`` or before."""

    retention: Retention
    through_year: int
    cases: int
    oldest_year: int | None


def retention(con: duckdb.DuckDBPyConnection) -> Retention:
    """The plan's retention period (``plan_meta``), or the default; a broken value is refused in Danish."""
    found = con.execute("SELECT value FROM plan_meta WHERE key = ?", [RETENTION_KEY]).fetchall()
    if not found or found[0][0] in (None, ""):
        return Retention(DEFAULT_YEARS, from_plan=False)
    return Retention(parse_years(found[0][0]), from_plan=True)


def parse_years(value: object) -> int:
    """A retention period as whole years, ``MIN_YEARS``..``MAX_YEARS``; a Danish error otherwise."""
    text = str(value).strip()
    if not text.isdigit() or not MIN_YEARS <= int(text) <= MAX_YEARS:
        raise EvaluationError(f"Planens opbevaringsperiode ({RETENTION_KEY}) skal være et helt antal år fra "
                              f"{MIN_YEARS} til {MAX_YEARS}, ikke '{text}'.")
    return int(text)


def past_retention(con: duckdb.DuckDBPyConnection, today: date | None = None) -> PastRetention:
    """How many current cases are past the retention period on ``today`` (default: today)."""
    keep = retention(con)
    through = keep.last_kept_year(today or date.today()) - 1
    cases, oldest = con.execute(
        "SELECT count(*), min(year(indberetningsmaaned)) FROM cases WHERE indberetningsmaaned < ?",
        [date(through + 1, 1, 1)]).fetchone()
    return PastRetention(keep, through, int(cases), None if oldest is None else int(oldest))

"""What the team writes in the browser for the yearly report: planned changes and learning tags.

* **Planned changes** to the plan and to the actioncard, in the team's own words. They are
  the only free text a council reader sees, so each one is a draft (``kladde``) until someone
  approves it (``godkendt``); only approved changes go into the Kredsråd edition, and the
  team edition shows every change with its status. Text is screened for personal data like
  the meeting notes (a name, a number, an address is refused with a masked Danish message).
* **Learning tags**: each network's written learning (``cases.erfaringer``) can be tagged
  with the actioncard phase or the theme it is about. The team edition groups learnings by
  tag with counts and a few quoted examples; an untagged learning is shown as untagged,
  never guessed from its words.

Both tables are append-only (``data/schema.sql``, migration 0021): the latest row per key
wins, the older rows are the history. Saves go through ``db.writer``; reads take the
caller's connection.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from evaluation.errors import EvaluationError
from evaluation.ingest import privacy
from evaluation.settings import current_user
from evaluation.store import db

MAX_CHANGE_CHARS = 1000  # mirrors the CHECK on planned_changes.text
TARGETS: dict[str, str] = {"plan": "Handleplanen", "actioncard": "Actioncardet"}
STATUSES: dict[str, str] = {"kladde": "Kladde (ikke godkendt)", "godkendt": "Godkendt", "slettet": "Slettet"}
# Themes a learning can be about besides an actioncard phase; the phases come from the registry.
THEMES: dict[str, str] = {
    "forebyggelse": "Forebyggelse og undervisning",
    "foraeldre": "Samarbejde med forældre",
    "samarbejde": "Samarbejde med politi og andre aktører",
    "platforme": "Platforme og sletning af materiale",
    "andet": "Andet",
}
UNTAGGED = ""
UNTAGGED_LABEL = "Ikke mærket"
PHASE_PREFIX, THEME_PREFIX = "fase:", "tema:"


# --- planned changes ------------------------------------------------------------------------

_LATEST_CHANGES_SQL = """
SELECT change_key, year, target, text, status, saved_at, saved_by, versions, first_saved_by
FROM (
    SELECT *, row_number() OVER w AS rn, count(*) OVER (PARTITION BY change_key) AS versions,
           first_value(saved_by) OVER (PARTITION BY change_key ORDER BY saved_at, rowid) AS first_saved_by
    FROM planned_changes
    WINDOW w AS (PARTITION BY change_key ORDER BY saved_at DESC, rowid DESC)
)
WHERE rn = 1 AND year = ? AND status <> 'slettet'
ORDER BY target DESC, saved_at, change_key
"""


def planned_changes(con: duckdb.DuckDBPyConnection, year: int, *, approved_only: bool = False) -> pd.DataFrame:
    """The year's planned changes (latest version of each, deleted ones left out), plan first.

    Columns: change_key, year, target, target_label, text, status, status_label, saved_at,
    saved_by (who saved the latest version: for an approved change, who approved it),
    versions, first_saved_by (who wrote it).
    """
    frame = con.execute(_LATEST_CHANGES_SQL, [int(year)]).df()
    if approved_only:
        frame = frame[frame["status"] == "godkendt"].reset_index(drop=True)
    frame.insert(3, "target_label", [TARGETS[t] for t in frame["target"]])
    frame.insert(6, "status_label", [STATUSES[s] for s in frame["status"]])
    return frame


def save_planned_change(db_path: str | Path, year: int, target: str, text: str, *,
                        change_key: str | None = None, by: str | None = None) -> str:
    """Save a new planned change, or a new version of ``change_key``, as a draft; returns its key.

    Editing an approved change makes it a draft again: what the council reads is always
    what someone approved.
    """
    if target not in TARGETS:
        raise EvaluationError(f"Ukendt sted for ændringen '{target}'. Vælg handleplanen eller actioncardet.")
    clean = _clean(text)
    key = change_key or uuid.uuid4().hex
    with db.writer(Path(db_path)) as con:
        if change_key is not None:
            _current(con, change_key)  # must exist
        _screen(con, clean)
        con.execute("INSERT INTO planned_changes (change_key, year, target, text, status, saved_by) "
                    "VALUES (?, ?, ?, ?, 'kladde', ?)", [key, int(year), target, clean, by or current_user()])
    return key


def approve_planned_change(db_path: str | Path, change_key: str, *, by: str | None = None) -> None:
    """Approve a change for the Kredsråd edition (a new version with status ``godkendt``)."""
    _set_status(db_path, change_key, "godkendt", by)


def delete_planned_change(db_path: str | Path, change_key: str, *, by: str | None = None) -> None:
    """Take a change out of the report (kept in the history as ``slettet``)."""
    _set_status(db_path, change_key, "slettet", by)


def _set_status(db_path: str | Path, change_key: str, status: str, by: str | None) -> None:
    with db.writer(Path(db_path)) as con:
        row = _current(con, change_key)
        con.execute("INSERT INTO planned_changes (change_key, year, target, text, status, saved_by) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [change_key, row[0], row[1], row[2], status, by or current_user()])


def _current(con: duckdb.DuckDBPyConnection, change_key: str) -> tuple:
    """(year, target, text, status) of the latest version; a Danish error when there is none."""
    row = con.execute("SELECT year, target, text, status FROM planned_changes WHERE change_key = ? "
                      "ORDER BY saved_at DESC, rowid DESC LIMIT 1", [change_key]).fetchone()
    if row is None or row[3] == "slettet":
        raise EvaluationError("Ændringen findes ikke (måske er den slettet). Genindlæs siden.")
    return row


def _clean(text: str | None) -> str:
    value = (text or "").strip()
    if not value:
        raise EvaluationError("Ændringen er tom. Skriv, hvad I vil ændre, før I gemmer.")
    if len(value) > MAX_CHANGE_CHARS:
        raise EvaluationError(f"Ændringen er for lang ({len(value)} tegn); højst {MAX_CHANGE_CHARS} tegn.")
    return value


def _screen(con: duckdb.DuckDBPyConnection, text: str) -> None:
    """Refuse personal data (masked in the message); the plan's organisations are allowed."""
    allowed = [r[0] for r in con.execute("SELECT name FROM actors UNION SELECT alias FROM actor_aliases").fetchall()]
    findings = privacy.find_in_text(text, allowed)
    if findings:
        found = "; ".join(f"{f.label} ({f.masked})" for f in findings[:5])
        raise EvaluationError(f"Ændringen blev ikke gemt, fordi den ser ud til at indeholde personoplysninger: "
                              f"{found}. Skriv uden navne, numre og adresser på personer; Kredsrådet læser teksten.")


# --- learning tags --------------------------------------------------------------------------

@dataclass(frozen=True)
class TagOption:
    """One choice in the tag list: the stored value and its Danish label."""

    value: str
    label: str


def tag_options(con: duckdb.DuckDBPyConnection) -> list[TagOption]:
    """Untagged, the actioncard's phases (from the registry, in order), then the themes."""
    phases = con.execute("SELECT phase_id, title FROM actioncard_phases ORDER BY phase_no").fetchall()
    return ([TagOption(UNTAGGED, UNTAGGED_LABEL)]
            + [TagOption(f"{PHASE_PREFIX}{pid}", f"Fase: {title}") for pid, title in phases]
            + [TagOption(f"{THEME_PREFIX}{key}", f"Tema: {label}") for key, label in THEMES.items()])


_LEARNINGS_SQL = """
WITH tags AS (
    SELECT netvaerk, sags_id, tag FROM learning_tags
    QUALIFY row_number() OVER (PARTITION BY netvaerk, sags_id ORDER BY saved_at DESC, rowid DESC) = 1
), found AS (
    SELECT c.netvaerk, c.sags_id, c.indberetningsmaaned AS month, c.situation, c.erfaringer,
           coalesce(t.tag, '') AS tag
    FROM cases c LEFT JOIN tags t USING (netvaerk, sags_id)
    WHERE c.indberetningsmaaned >= make_date(?, 1, 1) AND c.indberetningsmaaned < make_date(? + 1, 1, 1)
      AND length(trim(coalesce(c.erfaringer, ''))) > 0
), newest AS (
    SELECT *, row_number() OVER (PARTITION BY tag ORDER BY month DESC, netvaerk DESC, sags_id DESC) AS in_tag,
              row_number() OVER (ORDER BY month DESC, netvaerk DESC, sags_id DESC) AS overall
    FROM found
)
SELECT netvaerk, sags_id, month, situation, erfaringer, tag FROM newest
WHERE in_tag <= ? AND overall <= ?
ORDER BY month, netvaerk, sags_id
"""

_LEARNING_COUNTS_SQL = """
WITH tags AS (
    SELECT netvaerk, sags_id, tag FROM learning_tags
    QUALIFY row_number() OVER (PARTITION BY netvaerk, sags_id ORDER BY saved_at DESC, rowid DESC) = 1
)
SELECT coalesce(t.tag, '') AS tag, count(*) AS learnings
FROM cases c LEFT JOIN tags t USING (netvaerk, sags_id)
WHERE c.indberetningsmaaned >= make_date(?, 1, 1) AND c.indberetningsmaaned < make_date(? + 1, 1, 1)
  AND length(trim(coalesce(c.erfaringer, ''))) > 0
GROUP BY ALL
"""
_ALL = 2**62  # no limit


def learnings(con: duckdb.DuckDBPyConnection, year: int, *, limit: int | None = None,
              per_tag: int | None = None) -> pd.DataFrame:
    """The year's written learnings with their tag, oldest first: all of them, or the newest
    ``limit`` (and at most ``per_tag`` of each tag). A municipality writes tens a year; the
    limits keep a page or a report bounded on a large database.

    Columns: netvaerk, sags_id, month (date), situation, erfaringer, tag, tag_label.
    """
    params = [int(year), int(year), per_tag or _ALL, limit or _ALL]
    frame = con.execute(_LEARNINGS_SQL, params).df()
    labels = {o.value: o.label for o in tag_options(con)}
    frame["tag_label"] = [labels.get(t, UNTAGGED_LABEL) for t in frame["tag"]]
    return frame


def learning_counts(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """How many of the year's learnings carry each tag, in the tag list's order (untagged last).

    Columns: tag, tag_label, learnings.
    """
    counts = dict(con.execute(_LEARNING_COUNTS_SQL, [int(year), int(year)]).fetchall())
    options = tag_options(con)
    order = [o for o in options[1:] if o.value in counts] + [o for o in options[:1] if o.value in counts]
    return pd.DataFrame({"tag": [o.value for o in order], "tag_label": [o.label for o in order],
                         "learnings": [int(counts[o.value]) for o in order]})


def tag_learning(db_path: str | Path, netvaerk: str, sags_id: str, tag: str, *, by: str | None = None) -> None:
    """Tag one case's learning with a phase or theme ('' takes the tag off)."""
    with db.writer(Path(db_path)) as con:
        if tag not in {o.value for o in tag_options(con)}:
            raise EvaluationError("Ukendt mærke. Vælg en fase i actioncardet eller et tema fra listen.")
        found = con.execute("SELECT count(*) FROM cases WHERE netvaerk = ? AND sags_id = ? "
                            "AND length(trim(coalesce(erfaringer, ''))) > 0", [netvaerk, sags_id]).fetchone()[0]
        if not found:
            raise EvaluationError("Erfaringen findes ikke længere (sagen kan være rettet). Genindlæs siden.")
        con.execute("INSERT INTO learning_tags (netvaerk, sags_id, tag, saved_by) VALUES (?, ?, ?, ?)",
                    [netvaerk, sags_id, tag, by or current_user()])


__all__ = ["TARGETS", "STATUSES", "THEMES", "UNTAGGED", "UNTAGGED_LABEL", "TagOption", "planned_changes",
           "save_planned_change", "approve_planned_change", "delete_planned_change", "tag_options", "learnings", "learning_counts",
           "tag_learning"]

"""Decisions on names the cases mention but the plan does not list: deliberate and reversible.

Question 4 of the yearly evaluation ("have new relevant actors appeared?") ends in a decision
per candidate (actors.candidates): accept it as a new actor, as another spelling of a known
one, or dismiss it. A decision hides the name from next year's list, so a wrong one is
costly (a consultant once dismissed Cyberhus, 10 cases in 6 networks, by a second click).
Therefore:

- a dismissal needs a reason; the page asks for a confirmation naming the organisation;
- every decision can be undone from its history, in any later session (:func:`undo`): the
  names become candidates again and whatever the decision wrote into the registry (the new
  actor, the added spellings) is taken out again, with registry history;
- every decision and every undo is also a row of the plan's history (``registry_history``,
  table ``actor_decisions``), so ``ssp-eval plan history`` and the report tell it.

Rows of ``actor_decisions`` are append-only: one per spelling, the spellings of one decision
share ``decision_id``, and the latest row per normalised name is what matching reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from pathlib import Path

import duckdb
import pandas as pd

from evaluation import settings as config
from evaluation.errors import EvaluationError
from evaluation.format import and_list, quote
from evaluation.plan import registry
from evaluation.plan.actors import KnownActors, known_actors, normalise
from evaluation.store import db

__all__ = ["DECISION_LABELS", "HISTORY_COLUMNS", "accept_as_new", "accept_as_alias", "dismiss", "undo",
           "decisions", "decision_history", "sentence"]

DECISION_LABELS = {"new_actor": "Godkendt som ny aktør", "alias": "Godkendt som stavemåde",
                   "dismissed": "Afvist", "undone": "Fortrudt"}
HISTORY_COLUMNS = ("decision_id", "decided_at", "decided_by", "decision", "decision_label", "names", "actor_id",
                   "actor_name", "note", "undone_at", "undone_by", "undo_note", "can_undo")
MAX_NOTE_CHARS = 500


def _key(name: str) -> str:
    """The normalised name without spaces: spellings that differ only in spaces are one."""
    return normalise(name).replace(" ", "")


def _spellings(candidate: str, variants: Iterable[str]) -> list[str]:
    """The candidate and its variants, stripped, one per normalised form (spaces ignored), candidate first."""
    seen: set[str] = set()
    result = []
    for name in [candidate, *variants]:
        if not isinstance(name, str):
            continue
        key = _key(name)
        if key and key not in seen:
            seen.add(key)
            result.append(" ".join(name.split()))
    if not result:
        raise EvaluationError("Der er ikke angivet noget navn at tage stilling til.")
    return result


def _refuse_known(known: KnownActors, spellings: list[str], allowed: str | None = None) -> None:
    """A name that already belongs to an actor (other than ``allowed``) can't be decided again."""
    for name in spellings:
        hit = known.exact(normalise(name))
        if hit and hit[0] != allowed:
            raise EvaluationError(f"Navnet »{name}« hører allerede til aktøren »{known.names.get(hit[0], hit[0])}«.")


def _note(note: str | None, *, required: str | None = None) -> str | None:
    text = " ".join((note or "").split())
    if not text:
        if required:
            raise EvaluationError(required)
        return None
    if len(text) > MAX_NOTE_CHARS:
        raise EvaluationError(f"Begrundelsen er for lang ({len(text)} tegn); højst {MAX_NOTE_CHARS} tegn.")
    return text


def _next_id(con: duckdb.DuckDBPyConnection) -> int:
    """The next decision id (the writer holds the file lock, so no one else is numbering)."""
    return int(con.execute("SELECT coalesce(max(decision_id), 0) + 1 FROM actor_decisions").fetchall()[0][0])


def _record(con: duckdb.DuckDBPyConnection, spellings: list[str], decision: str, actor_id: str | None, by: str,
            note: str | None, *, in_registry: Sequence[bool] | None = None, undoes: int | None = None,
            undone_decision: str | None = None) -> int:
    """Append one row per spelling (as a frame, not row by row) and one plan-history row; returns the id."""
    decision_id = _next_id(con)
    frame = pd.DataFrame({"normalised_name": [normalise(s) for s in spellings], "name": spellings}, dtype=object)
    frame["decision"], frame["actor_id"], frame["decided_by"], frame["note"] = decision, actor_id, by, note
    frame["decision_id"], frame["undoes"] = decision_id, undoes
    frame["in_registry"] = list(in_registry) if in_registry is not None else False
    con.register("decision_rows", frame)
    try:
        con.execute("INSERT INTO actor_decisions (normalised_name, decision, actor_id, decided_by, note, decision_id, "
                    "name, in_registry, undoes) SELECT normalised_name, decision, actor_id, decided_by, note, "
                    "decision_id, name, in_registry, undoes FROM decision_rows")
    finally:
        con.unregister("decision_rows")
    story = {"name": spellings[0], "decision": DECISION_LABELS[undone_decision or decision],
             "spellings": spellings, "actor_id": actor_id}
    if undoes is None:
        registry.record_history(con, "actor_decisions", str(decision_id), "insert", None, story, by=by, reason=note)
    else:
        registry.record_history(con, "actor_decisions", str(undoes), "delete", story, None, by=by, reason=note)
    return decision_id


def _new_actor_id(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """A free slug from the name: "Børns Vilkår" → "boerns_vilkaar" (then _2, _3, ...)."""
    base = normalise(name).replace(" ", "_")[:40].rstrip("_") or "aktoer"
    if not base[0].isalpha():
        base = "aktoer_" + base
    taken = {row[0] for row in con.execute("SELECT actor_id FROM actors").fetchall()}
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}_{n}"
    return slug


def accept_as_new(db_path: Path | str, candidate: str, variants: Sequence[str], *, kind: str = "andet",
                  by: str | None = None, actor_id: str | None = None, in_plan: bool = True,
                  note: str | None = None) -> str:
    """Add ``candidate`` to the plan as a new actor, its other spellings as aliases; returns its id.

    One transaction: the actor (with registry history), a decision row per spelling, and the
    decision in the plan's history.
    """
    by = by or config.current_user()
    with db.writer(Path(db_path)) as con:
        spellings = _spellings(candidate, variants)
        _refuse_known(known_actors(con), spellings)
        actor_id = actor_id or _new_actor_id(con, spellings[0])
        registry.add_actor(con, actor_id, spellings[0], kind, spellings[1:], in_plan=in_plan, by=by,
                           reason="Godkendt som ny aktør ud fra sagernes navne")
        _record(con, spellings, "new_actor", actor_id, by, _note(note), in_registry=[True] * len(spellings))
    return actor_id


def accept_as_alias(db_path: Path | str, candidate: str, variants: Sequence[str], actor_id: str, *,
                    by: str | None = None, note: str | None = None) -> list[str]:
    """Record the candidate's spellings as other names of a known actor; returns the aliases added.

    A spelling the actor already has (after normalising) gets a decision row but no new alias,
    and an undo leaves it alone.
    """
    by = by or config.current_user()
    with db.writer(Path(db_path)) as con:
        spellings = _spellings(candidate, variants)
        known = known_actors(con)
        if actor_id not in known.names:
            raise EvaluationError(f"Der findes ingen aktør med id '{actor_id}' i planregistret.")
        _refuse_known(known, spellings, allowed=actor_id)
        added = [known.exact(normalise(name)) is None for name in spellings]
        for name, new in zip(spellings, added):
            if new:
                registry.add_alias(con, actor_id, name, by=by, reason="Godkendt som stavemåde ud fra sagernes navne")
        _record(con, spellings, "alias", actor_id, by, _note(note), in_registry=added)
    return [name for name, new in zip(spellings, added) if new]


def dismiss(db_path: Path | str, candidate: str, variants: Sequence[str], *, reason: str | None,
            by: str | None = None) -> int:
    """Decide that the candidate is not an actor for the plan; returns the decision's id.

    A reason is required: the name is not suggested again, and the next person to wonder why
    reads it in the history.
    """
    by = by or config.current_user()
    note = _note(reason, required="Skriv en begrundelse for at afvise navnet (fx »ikke en organisation, "
                                  "men en app«). Den står i historikken.")
    with db.writer(Path(db_path)) as con:
        spellings = _spellings(candidate, variants)
        _refuse_known(known_actors(con), spellings)
        return _record(con, spellings, "dismissed", None, by, note)


# --- undo ---------------------------------------------------------------------------------

_DECISION_ROWS = """SELECT normalised_name, name, decision, actor_id, in_registry FROM actor_decisions
                    WHERE decision_id = ? ORDER BY rowid"""
# Names of the decision that a later decision (or undo) has decided again.
_SUPERSEDED = """SELECT DISTINCT d.name FROM actor_decisions d JOIN actor_decisions later
                 ON later.normalised_name = d.normalised_name AND later.decision_id > d.decision_id
                 WHERE d.decision_id = ?"""


def undo(db_path: Path | str, decision_id: int, *, by: str | None = None, reason: str | None = None) -> list[str]:
    """Take a decision back: its names become candidates again; returns them.

    What the decision wrote into the registry is removed with history: the new actor (with
    its aliases) or the spellings it added to a known actor. Refused, with the reason in
    Danish, when a later decision covers the same names (undo that one first), when the
    decision was itself an undo, or when the plan has since put addresses or phone numbers
    under the new actor.
    """
    by = by or config.current_user()
    note = _note(reason)
    with db.writer(Path(db_path)) as con:
        rows = con.execute(_DECISION_ROWS, [int(decision_id)]).fetchall()
        if not rows:
            raise EvaluationError(f"Beslutning nr. {decision_id} findes ikke.")
        decision, actor_id = rows[0][2], rows[0][3]
        if decision == "undone":
            raise EvaluationError("En fortrydelse kan ikke fortrydes. Tag i stedet stilling til navnet igen.")
        later = [r[0] for r in con.execute(_SUPERSEDED, [int(decision_id)]).fetchall()]
        if later:
            raise EvaluationError(f"Der er taget stilling til {', '.join(f'»{n}«' for n in later)} igen senere. "
                                  "Fortryd den seneste beslutning i stedet.")
        names = [r[1] for r in rows]
        why = reason_text(decision, names[0], note)
        if decision == "new_actor" and con.execute("SELECT 1 FROM actors WHERE actor_id = ?", [actor_id]).fetchall():
            others = con.execute("SELECT alias FROM actor_aliases WHERE actor_id = ?", [actor_id]).fetchall()
            own = {normalise(r[1]) for r in rows}
            if any(normalise(a) not in own for (a,) in others):
                raise EvaluationError(f"Aktøren »{names[0]}« har fået flere stavemåder siden. "
                                      "Fortryd de beslutninger først.")
            registry.remove_actor(con, actor_id, by=by, reason=why)
        elif decision == "alias":
            for normalised, name, _d, _a, in_registry in rows:
                if in_registry:
                    registry.remove_alias(con, actor_id, name, by=by, reason=why)
        _record(con, names, "undone", actor_id, by, note, undoes=int(decision_id), undone_decision=decision)
    return names


def reason_text(decision: str, name: str, note: str | None) -> str:
    """The registry history's reason for an undo, in Danish."""
    what = {"new_actor": "godkendelsen som ny aktør", "alias": "godkendelsen som stavemåde",
            "dismissed": "afvisningen"}[decision]
    return f"Fortrudt: {what} af »{name}«" + (f" ({note})" if note else "")


def sentence(action: str, story: dict[str, Any], actor_names: dict[str, str] | None = None) -> str:
    """A decision (or its undo) from the plan history as a Danish sentence (change_text.py)."""
    name = quote(story.get("name") or "")
    others = [quote(s) for s in story.get("spellings", [])[1:]]
    spelled = f" (også skrevet {and_list(others)})" if others else ""
    actor = quote((actor_names or {}).get(story.get("actor_id") or "", story.get("actor_id") or ""))
    label = story.get("decision")
    if action == "delete":
        what = {DECISION_LABELS["new_actor"]: "godkendelsen som ny aktør", DECISION_LABELS["alias"]:
                "godkendelsen som stavemåde", DECISION_LABELS["dismissed"]: "afvisningen"}.get(label, "beslutningen")
        return f"Fortrudt: {what} af {name}. Navnet er igen en mulig ny aktør."
    if label == DECISION_LABELS["dismissed"]:
        return f"Navnet {name}{spelled} fra sagerne er afvist som ny aktør."
    if label == DECISION_LABELS["alias"]:
        return f"Navnet {name}{spelled} fra sagerne er godkendt som stavemåde af {actor}."
    return f"Navnet {name}{spelled} fra sagerne er godkendt som ny aktør i planen."


# --- reading ------------------------------------------------------------------------------

def decisions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every decision row ever written, newest first, with a Danish ``decision_label``."""
    frame = con.execute("""
        SELECT d.decision_id, d.decided_at, d.decided_by, d.normalised_name, d.name, d.decision, d.actor_id,
               a.name AS actor_name, d.note, d.undoes
        FROM actor_decisions d LEFT JOIN actors a USING (actor_id)
        ORDER BY d.decision_id DESC, d.rowid""").df()
    frame.insert(6, "decision_label", frame["decision"].map(DECISION_LABELS))
    return frame


_HISTORY = """
WITH decided AS (
    SELECT decision_id, any_value(decided_at) AS decided_at, any_value(decided_by) AS decided_by,
           any_value(decision) AS decision, any_value(actor_id) AS actor_id, any_value(note) AS note,
           list(name ORDER BY rowid) AS names, list(normalised_name) AS keys
    FROM actor_decisions WHERE decision <> 'undone' GROUP BY decision_id),
undone AS (
    SELECT undoes AS decision_id, any_value(decided_at) AS undone_at, any_value(decided_by) AS undone_by,
           any_value(note) AS undo_note
    FROM actor_decisions WHERE decision = 'undone' GROUP BY undoes),
newest AS (
    SELECT normalised_name, max(decision_id) AS newest FROM actor_decisions GROUP BY normalised_name)
SELECT d.decision_id, d.decided_at, d.decided_by, d.decision, d.names, d.actor_id,
       coalesce(a.name, d.names[1]) AS actor_name,
       d.note, u.undone_at, u.undone_by, u.undo_note,
       u.decision_id IS NULL AND NOT EXISTS (
           SELECT 1 FROM newest n WHERE list_contains(d.keys, n.normalised_name) AND n.newest > d.decision_id)
           AS can_undo
FROM decided d LEFT JOIN undone u USING (decision_id) LEFT JOIN actors a USING (actor_id)
WHERE (CAST($since AS TIMESTAMP) IS NULL OR d.decided_at >= $since OR u.undone_at >= $since)
  AND (CAST($until AS TIMESTAMP) IS NULL OR d.decided_at < $until)
ORDER BY d.decision_id DESC
"""


def decision_history(con: duckdb.DuckDBPyConnection, *, since: date | None = None,
                     until: date | None = None) -> pd.DataFrame:
    """One row per decision, newest first (``HISTORY_COLUMNS``): what, by whom, why, whether undone.

    ``can_undo`` is True for the decisions :func:`undo` accepts (not undone, not decided again
    later). ``actor_name`` is the actor accepted or aliased (for a dismissal, None). With
    ``since``/``until`` (days, ``until`` not included), the decisions made (or undone) in that
    time: the report lists those from the 1st of January of its year until it is made.
    """
    frame = con.execute(_HISTORY, {"since": since, "until": until}).df()
    frame["names"] = [list(v) for v in frame["names"]]
    frame.loc[frame["decision"] == "dismissed", "actor_name"] = None
    frame.insert(4, "decision_label", frame["decision"].map(DECISION_LABELS))
    frame["can_undo"] = frame["can_undo"].astype(bool)
    return frame[list(HISTORY_COLUMNS)]

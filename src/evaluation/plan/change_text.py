"""The plan's change history told in Danish sentences, for people who never saw the tables.

``registry.history`` keeps every change as table name, item id and the row before and after
as JSON: right for an audit and for ``ssp-eval plan history``, unreadable for a consultant
("policies skolernes_ordensregler last_revised: 2020-08-01 → 2026-05-29"). Here each change
becomes one sentence with the item's own name and Danish words for what changed:
"Politikken »Skolernes ordensregler«: senest revideret ændret fra 01.08.2020 til 29.05.2026."
No table name, column name or id is shown; an actor is named, not referred to by its id.
The seeding of a new database is one line ("Planen blev indlæst fra startdata"), not sixty.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from evaluation.plan import actor_decisions, registry

# The item as a sentence names it: "aktøren", "webadressen" ...
ITEM_WORDS: dict[str, str] = {
    "actors": "aktøren", "actor_aliases": "aktøren", "addresses": "webadressen", "phones": "telefonnummeret",
    "roles": "rollen", "policies": "politikken", "plan_meta": "planens oplysning",
    "actioncard_phases": "actioncard-fasen", "actioncard_steps": "actioncard-trinnet",
    "networks": "netværket", "network_names": "netværksnavnet",
}
# Danish words for the registry's columns (ids and bookkeeping columns are never shown).
FIELD_WORDS: dict[str, str] = {
    "name": "navn", "kind": "slags", "description": "beskrivelse", "in_plan": "står i planen",
    "url": "adresse", "actor_id": "aktør", "purpose": "formål", "number": "nummer", "title": "titel",
    "per_network": "kræves i hvert netværk", "owner": "ejer", "last_revised": "senest revideret",
    "text": "tekst", "value": "værdi", "alias": "stavemåde",
}
# The plan's own facts (plan_meta keys) in words; another key is "en oplysning om planen".
PLAN_KEY_WORDS: dict[str, str] = {
    "title": "titel", "municipality": "kommune", "partner": "samarbejdspartner", "basis": "grundlag",
    "target_group": "målgruppe", "purpose": "formål", "evaluated_by": "evalueres af",
    "evaluation_frequency": "hvor ofte planen evalueres", "last_evaluated": "seneste evaluering",
}
KIND_WORDS: dict[str, str] = {
    "ngo": "organisation (NGO)", "myndighed": "myndighed", "politi": "politi", "sundhed": "sundhed",
    "kommune": "kommune", "netvaerk": "netværk", "andet": "andet",
}
NAME_KEYS = ("name", "title", "url", "number", "alias")
SHORT = 80
COLUMNS = ["changed_at", "changed_by", "text"]


def plan_changes(con: duckdb.DuckDBPyConnection, *, limit: int | None = None) -> pd.DataFrame:
    """The registry's history, newest first, as ``changed_at``, ``changed_by`` and a Danish ``text``.

    Seed rows written together become one row; ``limit`` keeps the newest rows after that.
    """
    frame = registry.history(con)
    actor_names = dict(con.execute("SELECT actor_id, name FROM actors").fetchall())
    rows: list[dict[str, Any]] = []
    seeded: dict[Any, dict[str, Any]] = {}
    for change in frame.to_dict("records"):
        if change["action"] == "seed":
            day = pd.Timestamp(change["changed_at"]).floor("min")
            if day not in seeded:
                seeded[day] = {"changed_at": change["changed_at"], "changed_by": change["changed_by"], "count": 0}
                rows.append(seeded[day])
            seeded[day]["count"] += 1
            continue
        rows.append({"changed_at": change["changed_at"], "changed_by": change["changed_by"],
                     "text": describe(change, actor_names)})
    for row in seeded.values():
        row["text"] = (f"Planen blev indlæst fra startdata ({row.pop('count')} punkter: aktører, adresser, "
                       "telefonnumre, roller, politikker og actioncardet).")
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.head(limit) if limit is not None else out


def describe(change: dict[str, Any], actor_names: dict[str, str] | None = None) -> str:
    """One change (a row of ``registry.history``) as a Danish sentence, with its reason."""
    actor_names = actor_names or {}
    table, action = change["table_name"], change["action"]
    old, new = _row(change.get("old_value")), _row(change.get("new_value"))
    subject = _subject(table, old or new, actor_names)
    if table == "actor_decisions":  # a decision on a new actor, or its undo (actor_decisions.py)
        text = actor_decisions.sentence(action, old or new, actor_names)
    elif table == "actor_aliases":
        alias = _quote((new or old).get("alias"))
        text = (f"Stavemåden {alias} er tilføjet til {subject}." if action != "delete"
                else f"Stavemåden {alias} er fjernet fra {subject}.")
    elif action == "insert":
        details = [f"{_field(table, k)}: {_value(k, v, actor_names)}" for k, v in new.items()
                   if _shown(table, k) and k not in NAME_KEYS and not _missing(v)]
        text = f"{_capital(subject)} er tilføjet planen" + (f" ({'; '.join(details)})." if details else ".")
    elif action == "delete":
        text = f"{_capital(subject)} er fjernet fra planen."
    else:
        name_key = _name_key(old)
        renamed = name_key is not None and old.get(name_key) != new.get(name_key)
        changed = [f"{_field(table, k)} ændret fra {_value(k, old.get(k), actor_names)} til "
                   f"{_value(k, v, actor_names)}"
                   for k, v in new.items() if _shown(table, k) and old.get(k) != v and k != name_key]
        if renamed:  # "Webadressen »a.dk« er ændret til »b.dk«" (not "adresse ændret fra a.dk ...")
            text = f"{_capital(subject)} er ændret til {_value(name_key, new.get(name_key), actor_names)}"
            text += ("; " + "; ".join(changed) if changed else "") + "."
        else:
            text = f"{_capital(subject)}: " + ("; ".join(changed) if changed else "ændret") + "."
    reason = change.get("reason")
    if isinstance(reason, str) and reason.strip():
        text += f" Begrundelse: {_short(reason.strip())}"
    return text


def _row(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) and value else {}


def _subject(table: str, row: dict[str, Any], actor_names: dict[str, str]) -> str:
    """'politikken »Skolernes ordensregler«'; a plan fact by its Danish name."""
    if table == "plan_meta":
        word = PLAN_KEY_WORDS.get(str(row.get("key")))
        return f"planens {word}" if word else "en oplysning om planen"
    if table == "actor_aliases":
        return f"aktøren {_quote(actor_names.get(row.get('actor_id'), 'ukendt aktør'))}"
    key = _name_key(row)
    name = row[key] if key else None
    word = ITEM_WORDS.get(table, "punktet")
    return f"{word} {_quote(name)}" if name is not None else word


def _name_key(row: dict[str, Any]) -> str | None:
    """The column that names an item in a sentence (name, title, url, number or alias)."""
    return next((k for k in NAME_KEYS if not _missing(row.get(k))), None)


def _shown(table: str, key: str) -> bool:
    """Only columns with Danish words are told; ids never (an actor's own id neither)."""
    if table == "plan_meta":
        return key == "value"
    if table == "actors" and key == "actor_id":
        return False
    return key in FIELD_WORDS


def _field(table: str, key: str) -> str:
    return "værdien" if table == "plan_meta" else FIELD_WORDS[key]


def _value(key: str, value: Any, actor_names: dict[str, str]) -> str:
    """A value as a Dane reads it: dates 01.08.2020, Ja/Nej, the actor's name, kinds in words."""
    if _missing(value):
        return "(tom)"
    if key == "actor_id":
        return _quote(actor_names.get(value, "en aktør, der ikke findes mere"))
    if key == "kind":
        return KIND_WORDS.get(value, str(value))
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return f"{date.fromisoformat(value):%d.%m.%Y}"
        except ValueError:
            pass
    return _quote(_short(str(value)))


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _quote(text: Any) -> str:
    return f"»{text}«"


def _short(text: str) -> str:
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


__all__ = ["COLUMNS", "describe", "plan_changes"]

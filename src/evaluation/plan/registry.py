"""The plan registry: the action plan as data, seeded once from data/plan.yaml, then edited.

The plan's actors, web addresses, phone numbers, key-person roles, related policies and
actioncard live in the registry tables of data/schema.sql. ``seed_if_empty`` fills them from
the validated seed the first time a database is written; after that the database is the
truth, every edit goes through a function here that writes ``registry_history`` (who, when,
old and new row as JSON, why), and ``export_plan`` writes the registry back out in the seed's
own format, so the yearly revision of the plan can be read, diffed and versioned.
The file format itself (validation, YAML layout) lives in plan_file.py.

Table and column names in SQL come only from the constants in plan_file (a whitelist);
values are always parameters. Connections are given by the caller (``db.writer`` /
``db.reader``); nothing here opens a database.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from evaluation import name_keys
from evaluation import settings as config
from evaluation.errors import EvaluationError
from evaluation.plan.plan_file import (ACTORS, ADDRESSES, ALIASES, LIST_SECTIONS, NETWORK_NAMES, NETWORKS, PHONES,
                                       PLAN_META, POLICIES, SECTIONS,
                                  SLUG, TABLES, Field, Table, check_value, plan_key_order, seed_fields,
                                  sorted_aliases, load_seed, to_yaml)

__all__ = ["load_seed", "seed_if_empty", "actors", "addresses", "phones", "roles", "policies", "actioncard",
           "plan_meta", "update_item", "add_actor", "add_alias", "remove_actor", "remove_alias", "add_address",
           "add_phone",
           "update_address_url", "set_policy_revised", "set_plan_meta", "history", "plan_document",
           "dump_plan", "export_plan", "printed_url", "record_history", "HISTORY_HEADINGS", "OTHER_TABLE_LABELS"]

# History rows written by other modules about the plan: decisions on new actors
# (actor_decisions.py) are part of the plan's story even when they add nothing (a dismissal).
OTHER_TABLE_LABELS = {"actor_decisions": "Beslutninger om nye aktører"}
ACTION_LABELS = {"seed": "Indlæst fra planen", "insert": "Tilføjet", "update": "Ændret", "delete": "Slettet"}
HISTORY_HEADINGS = {"changed_at": "Tidspunkt", "changed_by": "Af", "table_label": "Tabel", "item_id": "Id",
                    "action_label": "Handling", "summary": "Ændring", "reason": "Begrundelse"}


# --- seeding ------------------------------------------------------------------------------

def seed_if_empty(con: duckdb.DuckDBPyConnection, path: Path | str | None = None) -> bool:
    """Fill an empty registry from the seed, with one 'seed' history row per item.

    Called by ``db.init`` and by ingest inside ``db.writer()``, so the first write to a new
    database brings the plan along. Returns False (and changes nothing) when already seeded.
    """
    counts = {name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in TABLES}
    if counts["actors"]:
        return False
    # Networks may exist without the rest: migration 0010 takes them from the cases' data.
    has_networks = bool(counts.pop(NETWORKS.name) + counts.pop(NETWORK_NAMES.name))
    if any(counts.values()):
        raise EvaluationError("Planregistret i databasen er delvist udfyldt uden aktører og kan ikke "
                              "indlæses fra startdata. Kontakt den, der vedligeholder databasen.")
    seed = load_seed(path)
    frames = _seed_frames(seed)
    if has_networks:
        del frames[NETWORKS.name], frames[NETWORK_NAMES.name]
    for name, frame in frames.items():
        _insert_frame(con, name, frame)
    _insert_frame(con, "registry_history", _seed_history(seed, frames))
    return True


def _seed_frames(seed: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The seed as one DataFrame per registry table, columns named as in the schema."""
    frames = {"plan_meta": pd.DataFrame(list(seed["plan"].items()), columns=["key", "value"], dtype=object)}
    for section, table in LIST_SECTIONS.items():
        rows = [{table.id_column: r["id"], **{f.key: r[f.key] for f in table.fields}} for r in seed[section]]
        frames[table.name] = pd.DataFrame(rows, columns=list(table.columns), dtype=object)
    frames["actor_aliases"] = pd.DataFrame([(a["id"], alias) for a in seed["actors"] for alias in a["aliases"]],
                                           columns=["actor_id", "alias"], dtype=object)
    frames["networks"] = pd.DataFrame([(n["id"], n["name"]) for n in seed["networks"]],
                                      columns=["network_id", "name"], dtype=object)
    frames["network_names"] = pd.DataFrame(
        [(name_keys.identity_key(name), n["id"], name) for n in seed["networks"] for name in (n["name"], *n["aliases"])],
        columns=["name_key", "network_id", "name"], dtype=object)
    frames["actioncard_phases"] = pd.DataFrame(
        [(no, p["id"], p["title"]) for no, p in enumerate(seed["actioncard"], 1)],
        columns=["phase_no", "phase_id", "title"], dtype=object)
    frames["actioncard_steps"] = pd.DataFrame(
        [(s["id"], no, step_no, s["title"], s["text"]) for no, p in enumerate(seed["actioncard"], 1)
         for step_no, s in enumerate(p["steps"], 1)],
        columns=["step_id", "phase_no", "step_no", "title", "text"], dtype=object)
    return frames


def _seed_history(seed: dict[str, Any], frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One 'seed' row per item; an actor's row carries its aliases, a step its phase."""
    aliases = {a["id"]: a["aliases"] for a in seed["actors"]}
    network_aliases = {n["id"]: n["aliases"] for n in seed["networks"]}
    rows = []
    for name, frame in frames.items():
        if name in ("actor_aliases", "network_names"):
            continue
        id_column = TABLES[name].id_column
        for record in frame.to_dict("records"):
            if name == "actors":
                record["aliases"] = aliases[record["actor_id"]]
            if name == "networks":
                record["aliases"] = network_aliases[record["network_id"]]
            rows.append((record[id_column], name, _json(record)))
    frame = pd.DataFrame(rows, columns=["item_id", "table_name", "new_value"], dtype=object)
    frame["changed_by"] = config.current_user()
    frame["action"] = "seed"
    return frame


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """INSERT … SELECT from a registered frame (never row by row); ``table`` is a constant."""
    if frame.empty:
        return
    columns = ", ".join(frame.columns)
    con.register("registry_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM registry_frame")
    finally:
        con.unregister("registry_frame")


# --- queries ------------------------------------------------------------------------------

SQL = {
    "actors": """SELECT a.actor_id, a.name, a.kind, a.description,
                        list(al.alias) FILTER (WHERE al.alias IS NOT NULL) AS aliases, a.in_plan, a.added_at
                 FROM actors a LEFT JOIN actor_aliases al USING (actor_id)
                 GROUP BY ALL ORDER BY a.actor_id""",
    "addresses": """SELECT d.address_id, d.url, d.actor_id, a.name AS actor_name, d.purpose
                    FROM addresses d LEFT JOIN actors a USING (actor_id) ORDER BY d.address_id""",
    "phones": """SELECT p.phone_id, p.number, p.actor_id, a.name AS actor_name, p.purpose
                 FROM phones p LEFT JOIN actors a USING (actor_id) ORDER BY p.phone_id""",
    "roles": "SELECT role_id, title, description, per_network FROM roles ORDER BY role_id",
    "policies": "SELECT policy_id, name, owner, last_revised, description FROM policies ORDER BY policy_id",
    "actioncard": """SELECT p.phase_no, p.phase_id, p.title AS phase_title, s.step_no, s.step_id, s.title, s.text
                     FROM actioncard_phases p JOIN actioncard_steps s USING (phase_no)
                     ORDER BY p.phase_no, s.step_no""",
    "plan_meta": "SELECT key, value FROM plan_meta",
}


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (dates as ``date``), for JSON and YAML."""
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _frame(con: duckdb.DuckDBPyConnection, key: str) -> pd.DataFrame:
    return con.execute(SQL[key]).df()


def actors(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Actors by id, with ``aliases`` as a sorted Python list (empty when none)."""
    frame = _frame(con, "actors")
    frame["aliases"] = [sorted_aliases(list(v)) if v is not None and not isinstance(v, float) else []
                        for v in frame["aliases"]]
    return frame


def addresses(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Web addresses by id, as printed in the plan, with the actor's name."""
    return _frame(con, "addresses")


def phones(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Phone numbers by id, as printed in the plan, with the actor's name."""
    return _frame(con, "phones")


def roles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Key-person roles by id; ``per_network`` says whether every local network needs one."""
    return _frame(con, "roles")


def policies(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Related policies and plans by id, with the date each was last revised."""
    return _frame(con, "policies")


def actioncard(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The actioncard, one row per step, in card order (phase, then step)."""
    return _frame(con, "actioncard")


def plan_meta(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The plan's own facts (title, municipality, last_evaluated, ...) as key/value rows."""
    rows = sorted(_records(con, SQL["plan_meta"]), key=lambda r: plan_key_order(r["key"]))
    return pd.DataFrame(rows, columns=["key", "value"])


# --- edits (always with history) ----------------------------------------------------------

def _table(name: str) -> Table:
    table = TABLES.get(name)
    if table in (NETWORKS, NETWORK_NAMES):
        raise EvaluationError("Netværk ændres med netværksfunktionerne (tilføj eller omdøb), så sagerne følger med.")
    if table is None or table is ALIASES:
        raise EvaluationError(f"Tabellen '{name}' findes ikke i planregistret. Mulige: "
                              + ", ".join(t for t in TABLES if t not in (ALIASES.name, NETWORK_NAMES.name)) + ".")
    return table


def _item(con: duckdb.DuckDBPyConnection, table: Table, item_id: str) -> dict[str, Any]:
    sql = f"SELECT {', '.join(table.columns)} FROM {table.name} WHERE {table.id_column} = ?"
    rows = _records(con, sql, [item_id])
    if not rows:
        raise EvaluationError(f"Der findes ingen {table.item} med id '{item_id}' i planregistret.")
    return rows[0]


def _check_edit(con: duckdb.DuckDBPyConnection, table: Table, column: str, value: Any, item_id: str) -> Any:
    """Check one new value the way the seed is checked, plus what only the database knows."""
    field = table.field(column)
    if field is None:
        raise EvaluationError(f"Feltet '{column}' kan ikke ændres for en {table.item}. Mulige felter: "
                              + ", ".join(f.key for f in table.fields) + ".")
    try:
        value = check_value(field, value)
    except ValueError as exc:
        raise EvaluationError(f"Ugyldig værdi for '{column}' ({table.item} '{item_id}'): {exc}.") from exc
    if field.kind == "actor" and value is not None:
        _item(con, ACTORS, value)
    if table is ADDRESSES and column == "url":
        value = printed_url(value)
        other = con.execute("SELECT address_id FROM addresses WHERE lower(url) = lower(?) AND address_id <> ?",
                            [value, item_id]).fetchall()
        if other:
            raise EvaluationError(f"Adressen '{value}' står allerede i planen (id '{other[0][0]}').")
    return value


def _history(con: duckdb.DuckDBPyConnection, table: str, item_id: str, action: str,
             old: dict[str, Any] | None, new: dict[str, Any] | None, by: str | None, reason: str | None) -> None:
    con.execute("INSERT INTO registry_history (changed_by, table_name, item_id, action, old_value, new_value, "
                "reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [by or config.current_user(), table, item_id, action,
                 None if old is None else _json(old), None if new is None else _json(new), reason])


def record_history(con: duckdb.DuckDBPyConnection, table: str, item_id: str, action: str,
                   old: dict[str, Any] | None, new: dict[str, Any] | None, *, by: str | None = None,
                   reason: str | None = None) -> None:
    """A history row written by another module about the plan (``OTHER_TABLE_LABELS``)."""
    if table not in OTHER_TABLE_LABELS:
        raise EvaluationError(f"Historik for '{table}' skrives af planregistrets egne funktioner.")
    _history(con, table, item_id, action, old, new, by, reason)


def _json(row: dict[str, Any]) -> str:
    """A row as JSON text for the history; dates and timestamps as ISO strings."""
    return json.dumps(row, ensure_ascii=False,
                      default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))


def update_item(con: duckdb.DuckDBPyConnection, table: str, item_id: str, changes: dict[str, Any], *,
                by: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Change fields of one registry item and record old and new in the history.

    Returns the row after the change. A change that changes nothing writes nothing.
    """
    spec = _table(table)
    if not changes:
        raise EvaluationError("Der er ingen ændringer at gemme.")
    old = _item(con, spec, item_id)
    checked = {c: _check_edit(con, spec, c, v, item_id) for c, v in changes.items()}
    new = {**old, **checked}
    if new == old:
        return old
    columns = [c for c in spec.columns if c in checked]  # identifiers from the whitelist only
    con.execute(f"UPDATE {spec.name} SET {', '.join(f'{c} = ?' for c in columns)} WHERE {spec.id_column} = ?",
                [checked[c] for c in columns] + [item_id])
    _history(con, spec.name, item_id, "update", old, new, by, reason)
    return new


def _insert_item(con: duckdb.DuckDBPyConnection, table: Table, item_id: str, values: dict[str, Any],
                 by: str | None, reason: str | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Insert one new item after the same checks as the seed; history action 'insert'."""
    if not isinstance(item_id, str) or not SLUG.fullmatch(item_id):
        raise EvaluationError(f"Id '{item_id}' er ugyldigt: brug små bogstaver, tal og _ "
                              "(fx red_barnet_sletdet).")
    if _records(con, f"SELECT 1 FROM {table.name} WHERE {table.id_column} = ?", [item_id]):
        raise EvaluationError(f"Der findes allerede en {table.item} med id '{item_id}'.")
    row = {table.id_column: item_id}
    for field in table.fields:
        row[field.key] = _check_edit(con, table, field.key, values.get(field.key, field.default), item_id)
    frame = pd.DataFrame([row], columns=list(table.columns), dtype=object)
    _insert_frame(con, table.name, frame)
    _history(con, table.name, item_id, "insert", None, {**row, **(extra or {})}, by, reason)
    return row


def _label_owner(con: duckdb.DuckDBPyConnection, label: str) -> str | None:
    """The actor whose name or alias this is (case-insensitive), if any."""
    row = con.execute("SELECT actor_id FROM (SELECT actor_id, name AS label FROM actors UNION ALL "
                      "SELECT actor_id, alias FROM actor_aliases) WHERE lower(label) = lower(?) LIMIT 1",
                      [label.strip()]).fetchall()
    return row[0][0] if row else None


def add_actor(con: duckdb.DuckDBPyConnection, actor_id: str, name: str, kind: str,
              aliases: tuple[str, ...] | list[str] = (), *, description: str | None = None,
              in_plan: bool = True, by: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Add an actor found in the evaluation (e.g. accepted from the cases' names) with its aliases.

    Its history row carries the aliases; none of its names may belong to another actor.
    """
    try:
        checked = check_value(Field("aliases", "aliases"), list(aliases))
    except ValueError as exc:
        raise EvaluationError(f"Ugyldige aliaser for aktøren '{actor_id}': {exc}.") from exc
    labels = [name, *checked] if isinstance(name, str) else checked
    for label in labels:
        if [x.casefold() for x in labels].count(label.casefold()) > 1:
            raise EvaluationError(f"Navnet '{label}' står mere end én gang for aktøren '{actor_id}'.")
        owner = _label_owner(con, label)
        if owner:
            raise EvaluationError(f"Navnet '{label}' hører allerede til aktøren '{owner}'.")
    row = _insert_item(con, ACTORS, actor_id, {"name": name, "kind": kind, "description": description,
                                               "in_plan": in_plan}, by, reason, extra={"aliases": checked})
    _insert_frame(con, ALIASES.name, pd.DataFrame([(actor_id, a) for a in checked],
                                                  columns=["actor_id", "alias"], dtype=object))
    return {**row, "aliases": checked}


def add_alias(con: duckdb.DuckDBPyConnection, actor_id: str, alias: str, *, by: str | None = None,
              reason: str | None = None) -> bool:
    """Record another spelling of an actor's name; False when the actor already has it."""
    _item(con, ACTORS, actor_id)
    if not isinstance(alias, str) or not alias.strip():
        raise EvaluationError("Et alias skal være et ikke-tomt navn.")
    owner = _label_owner(con, alias)
    if owner == actor_id:
        return False
    if owner:
        raise EvaluationError(f"Navnet '{alias.strip()}' hører allerede til aktøren '{owner}'.")
    row = {"actor_id": actor_id, "alias": alias.strip()}
    con.execute("INSERT INTO actor_aliases (actor_id, alias) VALUES (?, ?)", [actor_id, row["alias"]])
    _history(con, ALIASES.name, actor_id, "insert", None, row, by, reason)
    return True


def remove_actor(con: duckdb.DuckDBPyConnection, actor_id: str, *, by: str | None = None,
                 reason: str | None = None) -> dict[str, Any]:
    """Take an actor and its aliases out of the registry (undoing the decision that added it).

    Refused while a web address or phone number of the plan belongs to it. The history row
    ('delete') keeps the whole actor, aliases included, so nothing is lost.
    """
    old = _item(con, ACTORS, actor_id)
    used = con.execute("SELECT url FROM addresses WHERE actor_id = ? UNION ALL "
                       "SELECT number FROM phones WHERE actor_id = ?", [actor_id, actor_id]).fetchall()
    if used:
        raise EvaluationError(f"Aktøren '{old['name']}' kan ikke fjernes, fordi planen har "
                              f"{', '.join(r[0] for r in used)} under den. Flyt eller fjern dem først.")
    aliases = sorted_aliases([r[0] for r in con.execute("SELECT alias FROM actor_aliases WHERE actor_id = ?",
                                                         [actor_id]).fetchall()])
    con.execute("DELETE FROM actor_aliases WHERE actor_id = ?", [actor_id])
    con.execute("DELETE FROM actors WHERE actor_id = ?", [actor_id])
    _history(con, ACTORS.name, actor_id, "delete", {**old, "aliases": aliases}, None, by, reason)
    return {**old, "aliases": aliases}


def remove_alias(con: duckdb.DuckDBPyConnection, actor_id: str, alias: str, *, by: str | None = None,
                 reason: str | None = None) -> bool:
    """Take one spelling away from an actor (undoing a decision); False when it had no such alias."""
    removed = con.execute("DELETE FROM actor_aliases WHERE actor_id = ? AND alias = ? RETURNING alias",
                          [actor_id, alias]).fetchall()
    if removed:
        _history(con, ALIASES.name, actor_id, "delete", {"actor_id": actor_id, "alias": alias}, None, by, reason)
    return bool(removed)


def add_address(con: duckdb.DuckDBPyConnection, address_id: str, url: str, purpose: str, *,
                actor_id: str | None = None, by: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Add a web address to the plan (stored as printed, without scheme)."""
    values = {"url": url, "actor_id": actor_id, "purpose": purpose}
    return _insert_item(con, ADDRESSES, address_id, values, by, reason)


def add_phone(con: duckdb.DuckDBPyConnection, phone_id: str, number: str, purpose: str, *,
              actor_id: str | None = None, by: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Add a phone number to the plan, as it should be printed."""
    values = {"number": number, "actor_id": actor_id, "purpose": purpose}
    return _insert_item(con, PHONES, phone_id, values, by, reason)


def update_address_url(con: duckdb.DuckDBPyConnection, address_id: str, new_url: str, *,
                       by: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Accept a moved address (proposed by the link checker): the plan prints the new one."""
    return update_item(con, ADDRESSES.name, address_id, {"url": new_url}, by=by, reason=reason)


def printed_url(url: str) -> str:
    """An address the way the plan prints it: no scheme, no trailing slash (links adds https)."""
    return re.sub(r"^https?://", "", url.strip(), flags=re.I).rstrip("/")


def set_policy_revised(con: duckdb.DuckDBPyConnection, policy_id: str, revised: date | str, *,
                       by: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Record when a related policy was last revised (question 1 of the yearly evaluation)."""
    return update_item(con, POLICIES.name, policy_id, {"last_revised": revised}, by=by, reason=reason)


def set_plan_meta(con: duckdb.DuckDBPyConnection, key: str, value: str | date | None, *,
                  by: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Set one fact about the plan (e.g. last_evaluated after the yearly evaluation)."""
    if isinstance(value, date):
        value = value.isoformat()
    if _records(con, "SELECT 1 FROM plan_meta WHERE key = ?", [key]):
        return update_item(con, PLAN_META.name, key, {"value": value}, by=by, reason=reason)
    return _insert_item(con, PLAN_META, key, {"value": value}, by, reason)


# --- history ------------------------------------------------------------------------------

def history(con: duckdb.DuckDBPyConnection, *, table: str | None = None,
            item_id: str | None = None) -> pd.DataFrame:
    """Every registry change, newest first, with Danish labels and a one-line summary.

    ``HISTORY_HEADINGS`` maps the display columns to Danish headings.
    """
    if table is not None and table not in TABLES and table not in OTHER_TABLE_LABELS:
        raise EvaluationError(f"Tabellen '{table}' findes ikke i planregistret. Mulige: {', '.join(TABLES)}.")
    frame = con.execute(
        "SELECT change_id, changed_at, changed_by, table_name, item_id, action, old_value, new_value, reason "
        "FROM registry_history WHERE (CAST(? AS VARCHAR) IS NULL OR table_name = ?) "
        "AND (CAST(? AS VARCHAR) IS NULL OR item_id = ?) ORDER BY change_id DESC",
        [table, table, item_id, item_id]).df()
    frame.insert(4, "table_label", frame["table_name"].map(
        lambda t: TABLES[t].label if t in TABLES else OTHER_TABLE_LABELS.get(t, t)))
    frame.insert(7, "action_label", frame["action"].map(ACTION_LABELS))
    frame["summary"] = [_summary(o, n) for o, n in zip(frame["old_value"], frame["new_value"])]
    return frame


def _summary(old: Any, new: Any, width: int = 60) -> str:
    """'url: a → b' for updates; the item's name or title for inserts."""
    def short(value: Any) -> str:
        text = "–" if value is None else str(value)
        return text if len(text) <= width else text[: width - 1] + "…"
    old_row = json.loads(old) if isinstance(old, str) else {}
    new_row = json.loads(new) if isinstance(new, str) else {}
    if old_row and new_row:
        return "; ".join(f"{k}: {short(old_row.get(k))} → {short(v)}"
                         for k, v in new_row.items() if old_row.get(k) != v)
    row = new_row or old_row
    return short(next((row[k] for k in ("name", "title", "url", "number", "alias", "value") if k in row), ""))


# --- export -------------------------------------------------------------------------------

def plan_document(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The registry in the seed's canonical form: ``plan_document(con) == load_seed()`` after seeding."""
    doc: dict[str, Any] = {"plan": {r["key"]: r["value"] for r in _records(con, SQL["plan_meta"])}}
    doc["plan"] = dict(sorted(doc["plan"].items(), key=lambda kv: plan_key_order(kv[0])))
    aliases: dict[str, list[str]] = {}
    for row in _records(con, "SELECT actor_id, alias FROM actor_aliases"):
        aliases.setdefault(row["actor_id"], []).append(row["alias"])
    for section, table in LIST_SECTIONS.items():
        rows = _records(con, f"SELECT {', '.join(table.columns)} FROM {table.name} ORDER BY {table.id_column}")
        rows = [{**r, "id": r[table.id_column],
                 "aliases": sorted_aliases(aliases.get(r[table.id_column], []))} for r in rows]
        doc[section] = [{f.key: r[f.key] for f in seed_fields(table)} for r in rows]
    names: dict[str, list[str]] = {}
    for row in _records(con, "SELECT n.network_id, n.name FROM network_names n JOIN networks w USING (network_id) "
                             "WHERE n.name <> w.name"):
        names.setdefault(row["network_id"], []).append(row["name"])
    doc["networks"] = [{"id": r["network_id"], "name": r["name"], "aliases": sorted_aliases(names.get(r["network_id"], []))}
                       for r in _records(con, "SELECT network_id, name FROM networks ORDER BY network_id")]
    doc["actioncard"] = []
    for row in _records(con, SQL["actioncard"]):
        if not doc["actioncard"] or doc["actioncard"][-1]["id"] != row["phase_id"]:
            doc["actioncard"].append({"id": row["phase_id"], "title": row["phase_title"], "steps": []})
        step = {"id": row["step_id"], "title": row["title"], "text": row["text"]}
        doc["actioncard"][-1]["steps"].append(step)
    return {key: doc[key] for key in SECTIONS}


def dump_plan(con: duckdb.DuckDBPyConnection) -> str:
    """The registry as YAML text in the seed's format, with a header saying where it came from."""
    header = ("# Handleplan for digitale krænkelser – planregistret eksporteret fra databasen "
              f"{datetime.now():%Y-%m-%d %H:%M}.\n"
              "# Samme format som data/plan.yaml (se kommentaren dér); kan indlæses som startdata.\n")
    return to_yaml(plan_document(con), header)


def export_plan(con: duckdb.DuckDBPyConnection, path: Path | str) -> Path:
    """Write the registry to ``path`` as YAML (round-trips through ``load_seed``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_plan(con), encoding="utf-8")
    return path

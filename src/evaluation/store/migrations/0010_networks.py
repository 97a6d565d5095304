"""Migration 0010: the local SSP networks become registry data (``networks``, ``network_names``).

Before this, a network was whatever text a file's ``netvaerk`` held, so "Sindal" and "sindal"
were two networks. Here every name already in the data (cases, key-person verifications,
exercises, meeting notes, imports, rejected files) becomes a registry network, joined by the
identity rule of ``evaluation/name_keys.py`` (NFC, blanks collapsed, case folded); the plan
seed's networks are added too. Within one identity the seed's spelling wins, else the one on
most rows, and every row is rewritten to it. A spelling with an invisible or look-alike
character that becomes a known name once the look-alike is read as its Latin twin ("Sіndal"
with a Cyrillic і) is merged into that network; anything else stays a network of its own, so
nothing is lost and the team can rename it. A "name" that is personal data (a CPR or phone
number, e-mail, @handle typed in the wrong field, which 0.1.0 stored) is removed: NULL in
imports and rejected files, "Netværk uden gyldigt navn" in cases and notes. Each network gets a 'insert' history row saying
where it came from.

Self-contained on purpose (a migration is a snapshot): the table list below is the one of
this schema version; only the identity rule and the seed reader are imported.
"""

from __future__ import annotations

import json
from collections import Counter

import duckdb

from evaluation import name_keys
from evaluation import settings as config
from evaluation.plan.plan_file import load_seed

DDL = """
CREATE TABLE IF NOT EXISTS networks (
    network_id  VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    added_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS network_names (
    name_key    VARCHAR PRIMARY KEY,
    network_id  VARCHAR NOT NULL,
    name        VARCHAR NOT NULL
);
"""
NAME_COLUMNS = (("case_versions", "netvaerk"), ("key_person_verifications", "netvaerk"), ("exercises", "netvaerk"),
                ("meeting_notes", "netvaerk"), ("imports", "network"), ("rejected_files", "network"))
FROM_DATA = "Fundet i de eksisterende data ved opgradering (skemaversion 0010)."
FROM_SEED = "Fra handleplanens startdata ved opgradering (skemaversion 0010)."


def _spellings(con: duckdb.DuckDBPyConnection) -> Counter[str]:
    """Every network name in the data, with the number of rows that carry it."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    counts: Counter[str] = Counter()
    for table, column in NAME_COLUMNS:
        if table in tables:
            for name, n in con.execute(f"SELECT {column}, count(*) FROM {table} WHERE {column} IS NOT NULL "
                                       f"GROUP BY ALL").fetchall():
                counts[name] += n
    return counts


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
    seed = load_seed()["networks"]
    groups: dict[str, dict] = {}
    for network in seed:
        groups[name_keys.identity_key(network["name"])] = {
            "id": network["id"], "name": network["name"], "aliases": network["aliases"], "reason": FROM_SEED,
            "spellings": Counter()}
    for alias_key, owner in {name_keys.identity_key(a): name_keys.identity_key(n["name"])
                             for n in seed for a in n["aliases"]}.items():
        groups.setdefault(alias_key, groups[owner])
    for spelling in _spellings(con):
        if _personal(spelling):  # typed in the wrong field once (0.1.0 stored it): never a network name
            _blank_out(con, spelling)
    odd: list[tuple[str, int]] = []
    for spelling, rows in _spellings(con).most_common():
        if not name_keys.clean(spelling):
            continue
        if name_keys.suspicious_characters(spelling):
            odd.append((spelling, rows))
            continue
        key = name_keys.identity_key(spelling)
        group = groups.setdefault(key, {"id": None, "name": None, "aliases": [], "reason": FROM_DATA,
                                        "spellings": Counter()})
        group["spellings"][spelling] += rows
    for spelling, rows in odd:  # merged where the look-alike reading is a known name
        group = groups.get(name_keys.identity_key(name_keys.unmasked(spelling)))
        if group is None:
            group = groups.setdefault(name_keys.identity_key(spelling), {
                "id": None, "name": None, "aliases": [], "reason": FROM_DATA, "spellings": Counter()})
        group["spellings"][spelling] += rows
    _write(con, groups)


def _write(con: duckdb.DuckDBPyConnection, groups: dict[str, dict]) -> None:
    """Insert the networks and their spellings, rewrite the data to each network's name."""
    taken: set[str] = set()
    done: set[int] = set()
    user = config.current_user()
    for group in groups.values():
        if id(group) in done:
            continue
        done.add(id(group))
        if group["name"] is None:
            group["name"] = name_keys.clean(group["spellings"].most_common(1)[0][0])
        base = group["id"] or name_keys.slug(group["name"])
        network_id, n = base, 1
        while network_id in taken:
            n += 1
            network_id = f"{base}_{n}"
        taken.add(network_id)
        con.execute("INSERT INTO networks (network_id, name) VALUES (?, ?)", [network_id, group["name"]])
        names = [group["name"], *group["aliases"]]
        con.executemany("INSERT INTO network_names (name_key, network_id, name) VALUES (?, ?, ?)",
                        [[name_keys.identity_key(s), network_id, s] for s in names])
        for spelling in group["spellings"]:
            if spelling != group["name"]:
                for table, column in NAME_COLUMNS:
                    if _has(con, table):
                        con.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [group["name"], spelling])
        record = {"network_id": network_id, "name": group["name"], "aliases": group["aliases"],
                  "merged_spellings": sorted(s for s in group["spellings"] if s != group["name"])}
        con.execute("INSERT INTO registry_history (changed_by, table_name, item_id, action, new_value, reason) "
                    "VALUES (?, 'networks', ?, 'insert', ?, ?)",
                    [user, network_id, json.dumps(record, ensure_ascii=False), group["reason"]])


def _personal(spelling: str) -> bool:
    """A CPR or phone number, e-mail or @handle (not a first name: networks are named after places)."""
    from evaluation.ingest import privacy

    return any(f.kind != "name" for f in privacy.find_in_text(spelling))


def _blank_out(con: duckdb.DuckDBPyConnection, spelling: str) -> None:
    """Remove a network name that is personal data: NULL where the column allows it (imports,
    rejected files), else a neutral name that the team can rename (cases, notes, ...)."""
    neutral = "Netværk uden gyldigt navn"
    for table, column in NAME_COLUMNS:
        if not _has(con, table):
            continue
        value = None if table in ("imports", "rejected_files") else neutral
        con.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [value, spelling])


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT 1 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
                            [table]).fetchall())

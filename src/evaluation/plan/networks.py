"""The local SSP networks as registry data: listed, recognised, added and renamed with history.

A network is a row of ``networks`` (a stable id and its current name) with every spelling it is
known by in ``network_names``, keyed by ``name_keys.identity_key`` (NFC, blanks collapsed, case
folded). So "Sindal", "SINDAL" and " sindal " are one network, while "Sindall" is not a
network at all: :func:`resolve` answers with a "Mente du »Sindal«?" suggestion, and ingest
refuses the file. A name with an invisible or look-alike character ("Sіndal" with a Cyrillic
і) is refused and the character named (``name_keys.suspicious_characters``).

Cases, key-person verifications, exercises and meeting notes store the network's current
*name* (``netvaerk``), as they always have; :func:`rename_network` renames it in all of them in
the caller's transaction and keeps the old name as a spelling, so files that still use it load.
A new table that refers to a network should store ``network_id`` (stable across renames), or
add itself to :data:`NAME_COLUMNS`.

Every change writes ``registry_history`` (who, when, old and new, why), like the rest of the
registry. Connections come from the caller (``db.writer`` / ``db.reader``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from rapidfuzz import fuzz, process

from evaluation import name_keys
from evaluation.errors import EvaluationError
from evaluation.ingest import privacy
from evaluation.plan import registry
from evaluation.plan.plan_file import NETWORK_NAMES, NETWORKS, SLUG, load_seed

__all__ = ["NetworkMatch", "NetworkBook", "book", "networks", "network_names", "resolve", "add_network",
           "add_network_alias",
           "rename_network", "network_by_id", "known_names", "NAME_COLUMNS", "MAX_NAME_LENGTH"]

# Tables that store a network's current name; a rename updates them (identifiers: constants).
NAME_COLUMNS: tuple[tuple[str, str], ...] = (
    ("case_versions", "netvaerk"), ("key_person_verifications", "netvaerk"), ("exercises", "netvaerk"),
    ("meeting_notes", "netvaerk"), ("imports", "network"), ("rejected_files", "network"),
)
MAX_NAME_LENGTH = 60
SUGGEST_CUTOFF = 75  # rapidfuzz ratio (0-100) above which a known name is offered as "Mente du …?"


@dataclass(frozen=True)
class NetworkMatch:
    """What a typed network name is: a known network, or why not (with a suggestion)."""

    text: str
    network_id: str | None = None
    name: str | None = None                     # the network's current name, when known
    suggestion: str | None = None               # a known name close to the text, when unknown
    suspicious: list[name_keys.Suspicious] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.network_id is not None

    def problem(self) -> str:
        """Why the name was not accepted, as a Danish predicate: the caller puts the (masked)
        name in front ("»Sindall« er ikke et SSP-netværk i planen. Mente du »Sindal«?"). The
        text itself is not repeated here: it may be personal data typed in the wrong field."""
        hint = f" Mente du »{self.suggestion}«?" if self.suggestion else ""
        if self.suspicious:
            odd = ", ".join(s.describe() for s in self.suspicious)
            return f"indeholder {odd}. Skriv netværkets navn med almindelige bogstaver.{hint}"
        return f"er ikke et SSP-netværk i planen.{hint}"


# --- reading ------------------------------------------------------------------------------

def networks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every network by name: ``network_id``, ``name``, ``aliases`` (other spellings, a list), ``added_at``."""
    frame = con.execute("""
        SELECT w.network_id, w.name, w.added_at,
               list(n.name ORDER BY n.name) FILTER (WHERE n.name IS NOT NULL AND n.name <> w.name) AS aliases
        FROM networks w LEFT JOIN network_names n USING (network_id)
        GROUP BY ALL ORDER BY w.name""").df()
    frame["aliases"] = [list(v) if isinstance(v, (list, tuple)) or hasattr(v, "tolist") else [] for v in frame["aliases"]]
    return frame[["network_id", "name", "aliases", "added_at"]]


def network_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The current names, sorted: what drop-downs, ``--network`` and the template offer."""
    return [r[0] for r in con.execute("SELECT name FROM networks ORDER BY name").fetchall()]


def network_by_id(con: duckdb.DuckDBPyConnection, network_id: str) -> str:
    """A network's current name from its stable id (the server keeps ids for its users)."""
    row = con.execute("SELECT name FROM networks WHERE network_id = ?", [network_id]).fetchall()
    if not row:
        raise EvaluationError(f"Der findes intet netværk med id '{network_id}'.")
    return row[0][0]


def known_names(db_path: Path) -> list[str]:
    """The networks of a database, or of the plan's seed when there is no database yet (the
    template can be written before anything is loaded)."""
    from evaluation.store import db  # store imports plan's registry for seeding: import when used

    if not Path(db_path).exists():
        return sorted(n["name"] for n in load_seed()["networks"])
    with db.reader(db_path) as con:
        return network_names(con)


def _lookup(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """identity key -> (network_id, current name), for every spelling."""
    return {key: (nid, name) for key, nid, name in con.execute(
        "SELECT n.name_key, n.network_id, w.name FROM network_names n JOIN networks w USING (network_id)").fetchall()}


@dataclass(frozen=True)
class NetworkBook:
    """The known networks as one look-up, read once: ingest asks it about each distinct name."""

    lookup: dict[str, tuple[str, str]]  # identity key -> (network_id, current name)

    @classmethod
    def from_names(cls, names: list[str] | tuple[str, ...]) -> NetworkBook:
        """A book of plain names (tests, tools without a database); ids are slugs."""
        return cls({name_keys.identity_key(n): (name_keys.slug(n), name_keys.clean(n)) for n in names})

    def names(self) -> list[str]:
        return sorted({name for _, name in self.lookup.values()})

    def resolve(self, text: str) -> NetworkMatch:
        """Which network a typed name means; unknown or suspicious names get a suggestion."""
        odd = name_keys.suspicious_characters(text)
        if not odd:
            found = self.lookup.get(name_keys.identity_key(text))
            if found:
                return NetworkMatch(text, network_id=found[0], name=found[1])
        return NetworkMatch(text, suggestion=_suggest(text, self.lookup), suspicious=odd)

    def resolve_many(self, texts: list[str]) -> dict[str, NetworkMatch]:
        return {text: self.resolve(text) for text in texts}


def book(con: duckdb.DuckDBPyConnection) -> NetworkBook:
    """The registry's networks, every spelling, as a :class:`NetworkBook`."""
    return NetworkBook(_lookup(con))


def resolve(con: duckdb.DuckDBPyConnection, text: str) -> NetworkMatch:
    """Which network a typed name means (the CLI's ``--network``, the upload's ``?network=``)."""
    return book(con).resolve(text)


def _suggest(text: str, lookup: dict[str, tuple[str, str]]) -> str | None:
    """The current name of the known network whose spelling is closest, if close enough."""
    wanted = name_keys.identity_key(name_keys.unmasked(text))
    if not wanted or not lookup:
        return None
    found = process.extractOne(wanted, list(lookup), scorer=fuzz.ratio, score_cutoff=SUGGEST_CUTOFF)
    return lookup[found[0]][1] if found else None


# --- changing -----------------------------------------------------------------------------

def _checked_name(con: duckdb.DuckDBPyConnection, name: Any, network_id: str | None = None,
                  *, allow_similar: bool = False) -> str:
    """A new name or spelling, cleaned; refused when odd, too long or another network's."""
    if not isinstance(name, str) or not name_keys.clean(name):
        raise EvaluationError("Et netværk skal have et navn.")
    cleaned = name_keys.clean(name)
    odd = name_keys.suspicious_characters(cleaned)
    if odd:
        raise EvaluationError(f"Navnet indeholder {', '.join(s.describe() for s in odd)}. "
                              "Skriv netværkets navn med almindelige bogstaver.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise EvaluationError(f"Et netværksnavn må højst være {MAX_NAME_LENGTH} tegn.")
    if _looks_personal(cleaned):
        raise EvaluationError("Navnet ligner en personoplysning (CPR-nummer, telefonnummer, e-mail eller "
                              "brugernavn). Et netværk skal have et navn, der ikke peger på en person.")
    lookup = _lookup(con)
    owner = lookup.get(name_keys.identity_key(cleaned))
    if owner and owner[0] != network_id:
        raise EvaluationError(f"Navnet »{cleaned}« hører allerede til netværket »{owner[1]}«.")
    if owner is None and not allow_similar:
        others = {k: v for k, v in lookup.items() if v[0] != network_id}
        near = _suggest(cleaned, others)
        if near:
            raise EvaluationError(f"Navnet »{cleaned}« ligner det kendte netværk »{near}«. Er det et andet "
                                  "netværk, så bekræft, at det skal oprettes.")
    return cleaned


def clean_name(name: Any) -> str:
    """A typed name as it would be stored (spaces tidied); "" when there is none."""
    return name_keys.clean(name) if isinstance(name, str) else ""


def similar_network(con: duckdb.DuckDBPyConnection, name: Any) -> str | None:
    """The known network whose name is close to ``name`` without being one of its spellings
    (a typo, or really another network?); None when there is none. A name that could not be
    added raises the same Danish error as ``add_network``, so nothing odd is echoed back."""
    cleaned = _checked_name(con, name, allow_similar=True)
    return _suggest(cleaned, _lookup(con))


def _looks_personal(text: str) -> bool:
    """A network name is shown to everyone: a CPR or phone number, e-mail or @handle is refused.

    First names are not: networks are named after towns and schools, and a school may carry a
    person's name ("Karen Blixen Skolen").
    """
    return any(f.kind != "name" for f in privacy.find_in_text(text))


def add_network(con: duckdb.DuckDBPyConnection, name: str, *, network_id: str | None = None,
                aliases: tuple[str, ...] | list[str] = (), allow_similar: bool = False,
                by: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Add a local network (and other spellings of its name); returns its row.

    A name close to a known network ("Sindall" beside "Sindal") is refused unless
    ``allow_similar``: the page asks "is this really another network?" first.
    """
    cleaned = _checked_name(con, name, allow_similar=allow_similar)
    network_id = network_id or name_keys.slug(cleaned)
    if not SLUG.fullmatch(network_id):
        raise EvaluationError(f"Id '{network_id}' er ugyldigt: brug små bogstaver, tal og _.")
    if con.execute("SELECT 1 FROM networks WHERE network_id = ?", [network_id]).fetchall():
        raise EvaluationError(f"Der findes allerede et netværk med id '{network_id}'.")
    spellings = [cleaned]
    for alias in aliases:
        checked = _checked_name(con, alias, network_id, allow_similar=True)
        if name_keys.identity_key(checked) not in {name_keys.identity_key(s) for s in spellings}:
            spellings.append(checked)
    con.execute("INSERT INTO networks (network_id, name) VALUES (?, ?)", [network_id, cleaned])
    con.executemany("INSERT INTO network_names (name_key, network_id, name) VALUES (?, ?, ?)",
                    [[name_keys.identity_key(s), network_id, s] for s in spellings])
    row = {"network_id": network_id, "name": cleaned, "aliases": spellings[1:]}
    registry._history(con, NETWORKS.name, network_id, "insert", None, row, by, reason)
    return row


def add_network_alias(con: duckdb.DuckDBPyConnection, network: str, alias: str, *, by: str | None = None,
                      reason: str | None = None) -> bool:
    """Accept another spelling of a network's name; False when it is already one of its names."""
    match = _known(con, network)
    key = name_keys.identity_key(alias) if isinstance(alias, str) else ""
    if _lookup(con).get(key, (None,))[0] == match.network_id:
        return False
    cleaned = _checked_name(con, alias, match.network_id, allow_similar=True)
    con.execute("INSERT INTO network_names (name_key, network_id, name) VALUES (?, ?, ?)",
                [name_keys.identity_key(cleaned), match.network_id, cleaned])
    registry._history(con, NETWORK_NAMES.name, match.network_id, "insert", None,
                      {"network_id": match.network_id, "name": cleaned}, by, reason)
    return True


def _known(con: duckdb.DuckDBPyConnection, network: str) -> NetworkMatch:
    """A network given by id or by any of its names; a Danish error when there is none."""
    row = con.execute("SELECT network_id, name FROM networks WHERE network_id = ?", [network]).fetchall()
    if row:
        return NetworkMatch(network, network_id=row[0][0], name=row[0][1])
    match = resolve(con, network)
    if not match.known:
        raise EvaluationError(f"»{privacy.mask(network) if privacy.find_in_text(network) else network}« "
                              + match.problem())
    return match


def rename_network(con: duckdb.DuckDBPyConnection, network: str, new_name: str, *, by: str | None = None,
                   reason: str | None = None) -> dict[str, Any]:
    """Give a network a new name everywhere it is stored; the old name stays a known spelling.

    ``network`` is the id or any current spelling. Returns the counts of rows renamed per
    table (also written to the history row), so the page can say what changed.
    """
    match = _known(con, network)
    cleaned = _checked_name(con, new_name, match.network_id, allow_similar=True)
    old = match.name
    if cleaned == old:
        return {"network_id": match.network_id, "name": old, "renamed": {}}
    key = name_keys.identity_key(cleaned)
    con.execute("UPDATE networks SET name = ? WHERE network_id = ?", [cleaned, match.network_id])
    if con.execute("SELECT 1 FROM network_names WHERE name_key = ?", [key]).fetchall():
        con.execute("UPDATE network_names SET name = ? WHERE name_key = ?", [cleaned, key])  # new case only
    else:
        con.execute("INSERT INTO network_names (name_key, network_id, name) VALUES (?, ?, ?)",
                    [key, match.network_id, cleaned])
    renamed: dict[str, int] = {}
    for table, column in NAME_COLUMNS:
        count = con.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [cleaned, old]).fetchall()
        renamed[table] = int(count[0][0]) if count else 0
    registry._history(con, NETWORKS.name, match.network_id, "update",
                      {"network_id": match.network_id, "name": old},
                      {"network_id": match.network_id, "name": cleaned, "renamed_rows": renamed}, by, reason)
    return {"network_id": match.network_id, "name": cleaned, "renamed": renamed}

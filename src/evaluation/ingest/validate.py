"""The export contract's rules (``shared/spec/case-export.md``), checked in DuckDB, all at once.

A file's cells arrive as text: a frame (``readers.RawExport.frame``), or, on the direct path, a
``readers.CsvSource`` that DuckDB reads itself (cells as written; trimmed here). They are loaded
into a staging table and every rule is one SQL statement that writes ``(row, column, rule, value)`` rows into
an error table: no Python loop per cell, so a million rows validate in seconds. Python only
turns the first few hundred findings into Danish sentences (with the allowed values, a
"Mente du …?" suggestion, and personal data masked) and counts the rest.

Parsing is done once per *distinct* value of a column (``v_dictionary``): a column of a
million cells holds a few dozen spellings, so codes, months, ages and lists cost a join, not a
million regular expressions. When a file has no errors, :func:`validate` leaves the typed rows
in the temporary view ``v_cases``, with exactly the columns of ``case_versions`` except
``import_id``: months as DATE on the 1st, lists as sorted VARCHAR[] of codes, yes/no as
BOOLEAN, ages mapped to their band (the age itself is dropped).

The SQL of the rules lives in ``rules``; the Danish sentences in ``messages``. Table and column
names in the SQL come from ``spec.COLUMNS``; code lists, dates and the chosen network are
parameters. Cell values are never SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import duckdb
import pandas as pd

from evaluation import name_keys
from evaluation.ingest import privacy, rules, spec
from evaluation.ingest.messages import ERROR, WARNING, Level, Message, finding_text, format_count, limited, show
from evaluation.ingest.rules import row_hash_sql
from evaluation.plan.networks import NetworkBook

__all__ = ["validate", "Validation", "Message", "ERROR", "WARNING", "STEPS", "format_count", "row_hash_sql"]

MAX_SHOWN = 200  # messages shown per level; all are counted
# A column with at most this many distinct spellings is typed by a list look-up, not a join.
LOOKUP_MAX = 256

PII_COLUMNS = ("sags_id", "aktoerer", "erfaringer")
STEPS = 5  # progress steps of validate(): stage and parse, column rules, cross-field rules, PII, collect


class ExportLike(Protocol):
    """What validation needs of ``readers.RawExport``."""

    file_name: str
    frame: pd.DataFrame | None
    source: Any  # readers.CsvSource on the direct path, else None
    headers: dict[str, str]
    header_columns: dict[str, str]
    unknown_headers: list[str]
    duplicate_headers: list[str]

    @property
    def present_keys(self) -> list[str]: ...


@dataclass
class Validation:
    """The outcome of checking one file: counts of all findings, and the first ones as messages."""

    file_name: str
    rows: int = 0
    error_count: int = 0
    warning_count: int = 0
    messages: list[Message] = field(default_factory=list)
    first_error_rule: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0


# --- the driver ---------------------------------------------------------------------------


def validate(
    con: duckdb.DuckDBPyConnection,
    raw: ExportLike,
    *,
    network: str | None = None,
    networks: NetworkBook | None = None,
    allowed_names: Iterable[str] = (),
    allowed_phones: Iterable[str] = privacy.DEFAULT_ALLOWED_PHONES,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_shown: int = MAX_SHOWN,
) -> Validation:
    """Check every rule on every row; on success leave the typed rows in ``v_cases``.

    ``networks`` are the plan's networks (``plan.networks.book``): a ``netvaerk`` value or
    ``network`` (``--network``, or the network chosen on the upload page) is stored as the
    known network's current name, anything else is an error with a "Mente du …?".
    ``allowed_names``/``allowed_phones`` are the plan registry's organisations and numbers
    (not personal data). ``progress(done, total)`` is called after each group of rules.
    """
    today = today or date.today()
    book = networks if networks is not None else NetworkBook({})
    chosen = book.resolve(network) if network and network.strip() else None
    canonical = (chosen.name if chosen.known else name_keys.clean(network)) if chosen else None
    allowed_names = tuple(allowed_names)
    present = [k for k in raw.present_keys if k in raw.headers]
    params = rules.params(canonical, today)
    filled: set[str] = set()
    steps: list[Callable[[], Any]] = [lambda: filled.update(_stage(con, raw, present, params, book))]
    steps.append(lambda: _check_columns(con, present, filled, params))
    steps.append(lambda: _check_cross(con, params))
    steps.append(lambda: _check_pii(con, [k for k in PII_COLUMNS if k in present], allowed_names,
                                    tuple(allowed_phones)))
    for done, step in enumerate(steps, start=1):
        step()
        if progress:
            progress(done, STEPS)
    result = _collect(con, raw, canonical, _FileFacts(chosen, book, present), allowed_names, max_shown)
    if result.ok:
        _build_cases(con)
    if progress:
        progress(STEPS, STEPS)
    return result


def network_problem(match: Any, book: NetworkBook) -> str:
    """Why a network name is not accepted, with the known names when they are few."""
    names = book.names()
    known = f" Kendte netværk: {', '.join(names)}." if 0 < len(names) <= 20 else ""
    return match.problem() + known


def _stage(con: duckdb.DuckDBPyConnection, raw: ExportLike, present: list[str],
           params: dict[str, Any], book: NetworkBook) -> set[str]:
    """Load the text cells (blank = NULL), drop blank rows, and parse every column.

    Free-text cells are trimmed per row; coded cells only per distinct value (in the
    dictionary), since a reader's frame is stripped already and DuckDB-read cells hold few
    distinct spellings. Parsing works on each column's distinct values, which are few
    (codes, months, small numbers), and joins the result back to the rows.
    """
    source = raw.source
    cells = []
    for k in spec.KEYS:
        text = f"nullif(CAST({rules.q(k)} AS VARCHAR), '')"
        if spec.COLUMN_BY_KEY[k].kind in rules.TEXT_KINDS:
            text = f"nullif({rules.trimmed(f'CAST({rules.q(k)} AS VARCHAR)')}, '')"
        cells.append(f"{text if k in present else 'CAST(NULL AS VARCHAR)'} AS {rules.q('r_' + k)}")
    if source is None:
        not_blank = " OR ".join(f"{rules.q('r_' + k)} IS NOT NULL" for k in present) or "false"
        con.register("v_frame", raw.frame)
        try:
            sql = f"""CREATE OR REPLACE TEMP TABLE v_raw AS
                SELECT * FROM (SELECT CAST(row_in_file AS INTEGER) AS row_in_file, {", ".join(cells)}
                               FROM v_frame) WHERE {not_blank}"""
            con.execute(sql, rules.used({"ws": params["ws"]}, sql))  # no free-text column: no $ws
        finally:
            con.unregister("v_frame")
        counts = con.execute(f"SELECT {', '.join(_filled(present))} FROM v_raw").fetchall()[0] if present else ()
    else:
        counts = _stage_csv(con, raw, source, present, cells, params["ws"])
    filled = {k for k, n in zip(present, counts, strict=True) if n}  # empty columns need no parsing (planning is costly)
    parsed = [c for c in spec.COLUMNS if c.key in filled and c.kind not in rules.TEXT_KINDS]
    if parsed:
        sql = "CREATE OR REPLACE TEMP TABLE v_dictionary AS " + " UNION ALL ".join(map(rules.dictionary_sql, parsed))
    else:
        sql = f"CREATE OR REPLACE TEMP TABLE v_dictionary AS {rules.dictionary_sql(spec.COLUMN_BY_KEY['koen'])} LIMIT 0"
    con.execute(sql, rules.used(params, sql))
    if "netvaerk" in filled:
        _resolve_networks(con, book)
    _case_keys(con, "sags_id" in present)
    _build_parsed(con, filled, params)
    con.execute("""CREATE OR REPLACE TEMP TABLE v_errors (row_in_file INTEGER, key VARCHAR,
        rule VARCHAR, level VARCHAR, value VARCHAR, detail VARCHAR)""")
    return filled


def _filled(present: list[str]) -> list[str]:
    """SQL: the number of filled cells of each ``present`` column of ``v_raw`` (empty ones are
    not parsed: planning a column's parse is costly)."""
    return [f"count({rules.q('r_' + k)})" for k in present]


def _build_parsed(con: duckdb.DuckDBPyConnection, filled: set[str], params: dict[str, Any]) -> None:
    """``v_parsed``: the typed rows, as a view over ``v_raw`` that the rules and the write read.

    A column with few distinct spellings (nearly all: codes, months, yes/no) is typed by a list
    look-up in the one-row ``v_lookup`` (its spellings and their typed values, from
    ``v_dictionary``): no join, nothing stored, each reader computes only the columns it uses.
    A column with many spellings is joined to the dictionary instead (a list look-up is linear);
    then, and when many case ids need a Python key, the rows are stored once
    (``v_parsed_rows``), so the joins are not repeated by every reader.
    """
    sizes = dict(con.execute("SELECT key, count(*) FROM v_dictionary GROUP BY key").fetchall())
    odd_ids = con.execute("SELECT count(*) FROM v_case_keys").fetchall()[0][0]
    lookups = ["CAST($network AS VARCHAR) AS network"]
    selected = ["v_raw.row_in_file",
                f"CASE WHEN k.raw IS NULL THEN {name_keys.ascii_key_sql('v_raw.r_sags_id')} ELSE k.key END AS sags_key"]
    joins = ["CROSS JOIN v_lookup AS l", "LEFT JOIN v_case_keys AS k ON v_raw.r_sags_id = k.raw"]
    for col in spec.COLUMNS:
        k = col.key
        slot = rules.SLOTS.get(col.kind, "t_text")
        if col.kind in rules.TEXT_KINDS:
            typed = rules.q("r_" + k)
        elif k not in filled:
            typed = "l.network" if col.kind == "network" else f"CAST(NULL AS {rules.SLOT_TYPES[slot]})"
        elif sizes.get(k, 0) <= LOOKUP_MAX:
            spellings, values = rules.q("raws_" + k), rules.q("typed_" + k)
            entries = f"FROM v_dictionary WHERE key = '{k}'"
            lookups += [f"(SELECT list(raw ORDER BY raw) {entries}) AS {spellings}",
                        f"(SELECT list({slot} ORDER BY raw) {entries}) AS {values}"]
            typed = f"l.{values}[list_position(l.{spellings}, v_raw.{rules.q('r_' + k)})]"
        else:
            alias = rules.q("d_" + k)
            typed = f"{alias}.{slot}"
            joins.append(f"LEFT JOIN v_dictionary AS {alias} "
                         f"ON {alias}.key = '{k}' AND v_raw.{rules.q('r_' + k)} = {alias}.raw")
        if col.kind == "network" and k in filled:
            typed = f"coalesce({typed}, l.network)"
        selected.append(f"{typed} AS {rules.q(k)}")
    sql = f"CREATE OR REPLACE TEMP TABLE v_lookup AS SELECT {', '.join(lookups)}"
    con.execute(sql, rules.used(params, sql))
    select = f"SELECT {', '.join(selected)} FROM v_raw {' '.join(joins)}"
    if len(joins) > 2 or odd_ids > LOOKUP_MAX:
        con.execute(f"CREATE OR REPLACE TEMP TABLE v_parsed_rows AS {select}")
        select = "SELECT * FROM v_parsed_rows"
    con.execute(f"CREATE OR REPLACE TEMP VIEW v_parsed AS {select}")


def _resolve_networks(con: duckdb.DuckDBPyConnection, book: NetworkBook) -> None:
    """Each distinct network spelling of the file, looked up in the plan's networks (few values):
    a known one becomes the network's current name, any other gets the reason it is refused."""
    rows = con.execute("SELECT raw, v FROM v_dictionary WHERE key = 'netvaerk' AND v IS NOT NULL").fetchall()
    matches = book.resolve_many([v for _, v in rows])
    frame = pd.DataFrame({"raw": [r for r, _ in rows], "name": [matches[v].name for _, v in rows],
                          "problem": [None if matches[v].known else network_problem(matches[v], book) for _, v in rows]},
                         dtype=object)
    con.register("v_network_frame", frame)
    try:
        con.execute("""UPDATE v_dictionary SET t_text = f.name, problem = f.problem FROM v_network_frame f
                       WHERE v_dictionary.key = 'netvaerk' AND v_dictionary.raw = f.raw""")
    finally:
        con.unregister("v_network_frame")


def _case_keys(con: duckdb.DuckDBPyConnection, present: bool) -> None:
    """``v_case_keys``: identity key and confusables verdict of every case id that is not plain
    ASCII, judged in Python (``name_keys``); plain ones are keyed in SQL (``ascii_key_sql``)."""
    rows = con.execute(f"SELECT DISTINCT r_sags_id FROM v_raw WHERE r_sags_id IS NOT NULL "
                       f"AND NOT {name_keys.plain_sql('r_sags_id')}").fetchall() if present else []
    texts = [r[0] for r in rows]
    problems = [name_keys.suspicious_characters(t) for t in texts]
    frame = pd.DataFrame({"raw": texts, "key": [name_keys.identity_key(t) for t in texts],
                          "problem": [", ".join(p.describe() for p in found) or None for found in problems]},
                         dtype=object)
    con.register("v_case_key_frame", frame)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE v_case_keys AS SELECT CAST(raw AS VARCHAR) AS raw, "
                    "CAST(key AS VARCHAR) AS key, CAST(problem AS VARCHAR) AS problem FROM v_case_key_frame")
    finally:
        con.unregister("v_case_key_frame")


def _stage_csv(con: duckdb.DuckDBPyConnection, raw: ExportLike, source: Any, present: list[str],
               cells: list[str], ws: str) -> tuple[int, ...]:
    """``v_raw`` straight from DuckDB's ``read_csv`` (the direct path): no pandas, one pass,
    while ``layout`` checks on another thread that the file is one DuckDB reads as pandas does.

    Values under no header are kept until they are counted (unknown-column warnings, as the
    pandas reader gives them), then rows blank in every known column are deleted. Returns the
    number of filled cells of each ``present`` column (counted in the same pass). Raises
    ``readers.DirectReadRefused`` when DuckDB can't parse the file or the layout check says
    DuckDB reads it differently (the transaction is then aborted: the caller starts again with
    ``readers.read_export``).
    """
    from evaluation.ingest.readers import DirectReadRefused  # validate needs readers only here

    sql, params = source.select_sql()
    unnamed = [f"_{letter}" for letter in source.unnamed.values()]
    not_blank = rules.any_filled(["r_" + k for k in present])
    sql = f"""CREATE OR REPLACE TEMP TABLE v_raw AS
            SELECT * FROM (SELECT row_in_file, {", ".join(cells)}{"".join(", " + rules.q(u) for u in unnamed)}
                           FROM ({sql})) WHERE {not_blank} OR {rules.any_filled(unnamed)}"""
    source.check_layout()  # on the other core while DuckDB reads on this one
    try:
        con.execute(sql, rules.used({**params, "ws": ws, "not_blank": rules.NOT_BLANK}, sql))
    except duckdb.Error as exc:
        raise DirectReadRefused(raw.file_name, not_utf8=source.not_utf8()) from exc
    if not source.plain():  # the layout check ran beside the read: pandas would read this file otherwise
        raise DirectReadRefused(raw.file_name, not_utf8=source.not_utf8())
    filled = _filled(present)  # blank rows hold none: deleting them changes no count
    if not unnamed:
        return con.execute(f"SELECT {', '.join(filled)} FROM v_raw").fetchall()[0] if present else ()
    found = con.execute("SELECT " + ", ".join(
        [f"count(*) FILTER (WHERE regexp_matches({rules.q(u)}, $not_blank))" for u in unnamed]
        + [f"count(*) FILTER (WHERE NOT {not_blank})", *filled]) + " FROM v_raw",
        {"not_blank": rules.NOT_BLANK}).fetchall()[0]
    raw.unknown_headers.extend(f"(uden overskrift, kolonne {u[1:]})"
                               for u, n in zip(unnamed, found[:len(unnamed)], strict=True) if n)
    if found[len(unnamed)]:
        con.execute(f"DELETE FROM v_raw WHERE NOT {not_blank}", {"not_blank": rules.NOT_BLANK})
    return tuple(found[len(unnamed) + 1:])


def _insert_errors(con: duckdb.DuckDBPyConnection, selects: list[str], params: dict[str, Any]) -> None:
    if selects:
        sql = "INSERT INTO v_errors " + " UNION ALL ".join(selects)
        con.execute(sql, rules.used(params, sql))


def _check_columns(con: duckdb.DuckDBPyConnection, present: list[str], filled: set[str],
                   params: dict[str, Any]) -> None:
    """Every column's own rules, in one statement (an empty column can only be missing)."""
    selects = [rules.rule_sql(col, *rule) for col in spec.COLUMNS for rule in rules.column_rules(col, col.key in present)
               if col.key in filled or rule[1] == "row"]
    selects.append("SELECT v.row_in_file, 'sags_id', 'tegn', 'fejl', NULL, k.problem FROM v_raw v "
                   "JOIN v_case_keys k ON v.r_sags_id = k.raw WHERE k.problem IS NOT NULL")
    _insert_errors(con, selects, params)


def _check_cross(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> None:
    """Rules between columns (only where both values are valid), warnings, duplicates.

    The typed rows are a view (``_build_parsed``): one pass picks the rows where any rule
    holds (``hits``, few), and each rule then looks only at those. Duplicated case ids are
    found by an aggregate first; only when there are some are their rows looked up.
    """
    conditions = [f"coalesce({condition}, false)" for _, _, _, condition, _ in rules.CROSS_RULES]
    selects = [f"SELECT row_in_file, '{key}', '{rule}', '{level}', NULL, {detail} FROM hits WHERE {condition}"
               for (level, key, rule, _, detail), condition in zip(rules.CROSS_RULES, conditions, strict=True)]
    con.execute(rules.DUPLICATE_KEYS_SQL)
    if con.execute("SELECT count(*) FROM v_duplicate_keys").fetchall()[0][0]:
        selects.append(rules.DUPLICATE_SQL)
    sql = (f"INSERT INTO v_errors WITH hits AS MATERIALIZED (SELECT * FROM v_parsed WHERE {' OR '.join(conditions)}) "
           + " UNION ALL ".join(selects))
    con.execute(sql, rules.used(params, sql))


def _check_pii(con: duckdb.DuckDBPyConnection, columns: list[str], allowed_names: tuple[str, ...],
               allowed_phones: tuple[str, ...]) -> None:
    """Personal data in free text: one error per (row, column, kind), value masked already."""
    if not columns:
        return
    found = privacy.scan(con, "v_parsed", columns, "row_in_file", allowed_names,
                         allowed_phones=allowed_phones)
    if found.empty:
        return
    found = pd.DataFrame({"row_in_file": found["row"].astype("int64"), "key": found["column"],
                          "rule": "pii_" + found["kind"], "level": ERROR, "value": None,
                          "detail": found["masked"]}).astype({"value": object})
    con.register("v_found", found)
    try:
        con.execute("INSERT INTO v_errors SELECT row_in_file, key, rule, level, value, detail FROM v_found")
    finally:
        con.unregister("v_found")


# --- collecting the findings as Danish messages ---------------------------------------------


MAX_UNKNOWN_HEADERS_SHOWN = 10  # unknown columns named one by one; the rest in one line


@dataclass(frozen=True)
class _FileFacts:
    """What the file-level messages need to know besides the file itself."""

    chosen: Any  # NetworkMatch of the network chosen for the whole file, or None
    book: NetworkBook
    present: list[str]


def _file_messages(raw: ExportLike, facts: _FileFacts, rows: int, allowed_names: tuple[str, ...]) -> list[Message]:
    """Findings about the file as a whole: its columns, its network, whether it has any case."""
    name = raw.file_name
    out = [Message(ERROR, name, f"Kolonnen »{show(h, allowed_names)}« står flere gange i filen. Slet den ene.",
                   rule="dobbelt_kolonne") for h in raw.duplicate_headers]
    if facts.chosen is not None and not facts.chosen.known:
        out.append(Message(ERROR, name, limited(f"Netværket valgt for hele filen: »{show(facts.chosen.text, allowed_names)}« "
                                                f"{network_problem(facts.chosen, facts.book)}"),
                           rule="netvaerk_ukendt"))
    for col in spec.COLUMNS:
        if not col.required or col.key in facts.present:
            continue
        if col.kind == "network":
            if facts.chosen is None:
                out.append(Message(ERROR, name, (
                    "Filen har ingen kolonne »SSP-netværk«. Tilføj kolonnen, eller vælg netværket for hele "
                    "filen (--network)."), rule="kolonne_mangler"))
            continue
        out.append(Message(ERROR, name, f"Kolonnen »{col.label}« mangler. Den skal være med og udfyldes.",
                           rule="kolonne_mangler"))
    if rows == 0:
        out.append(Message(ERROR, name, "Filen indeholder ingen sager (kun overskrifter "
                           "eller tomme rækker).", rule="tom_fil"))
    return out + _header_messages(raw, allowed_names)


def _header_messages(raw: ExportLike, allowed_names: tuple[str, ...]) -> list[Message]:
    """Unknown columns: a warning each (the first few), an error when a heading holds personal data."""
    out: list[Message] = []
    warned = 0
    for header in raw.unknown_headers:
        unnamed = re.fullmatch(r"\(uden overskrift, kolonne ([A-Z]+)\)", header)
        if unnamed is None and privacy.find_in_text(header[:1000], allowed_names):
            out.append(Message(ERROR, raw.file_name, f"Kolonneoverskriften »{show(header, allowed_names)}« ligner "
                               "en personoplysning. Personoplysninger må ikke stå i filen, heller ikke i "
                               "overskrifter: slet eller omdøb kolonnen.", rule="pii_overskrift"))
            continue
        warned += 1
        if warned > MAX_UNKNOWN_HEADERS_SHOWN:
            continue
        text = (f"Kolonne {unnamed.group(1)} har ingen overskrift; dens værdier indlæses ikke." if unnamed
                else f"Kolonnen »{show(header, allowed_names)}« kendes ikke og indlæses ikke.")
        out.append(Message(WARNING, raw.file_name, text, rule="ukendt_kolonne"))
    if warned > MAX_UNKNOWN_HEADERS_SHOWN:
        out.append(Message(WARNING, raw.file_name, f"… og {format_count(warned - MAX_UNKNOWN_HEADERS_SHOWN)} "
                           "ukendte kolonner mere, som heller ikke indlæses.", rule="ukendt_kolonne"))
    return out


def _collect(con: duckdb.DuckDBPyConnection, raw: ExportLike, network: str | None, facts: _FileFacts,
             allowed_names: tuple[str, ...], max_shown: int) -> Validation:
    """Count every finding; turn the first ``max_shown`` per level, by row then column, into text."""
    rows = con.execute("SELECT count(*) FROM v_raw").fetchall()[0][0]
    file_level = _file_messages(raw, facts, rows, allowed_names)
    counts = dict(con.execute("SELECT level, count(*) FROM v_errors GROUP BY level").fetchall())
    result = Validation(raw.file_name, rows=rows,
                        error_count=counts.get(ERROR, 0) + sum(m.level == ERROR for m in file_level),
                        warning_count=counts.get(WARNING, 0) + sum(m.level == WARNING for m in file_level))
    present = facts.present
    letters = raw.header_columns  # file order: "B" before "AA"
    in_file = sorted(present, key=lambda k: (len(letters.get(k, "")), letters.get(k, ""), spec.KEYS.index(k)))
    order = [*in_file, *(k for k in spec.KEYS if k not in present)]
    for level in (ERROR, WARNING):
        own = [m for m in file_level if m.level == level]
        found = con.execute(
            "SELECT row_in_file, key, rule, value, detail FROM v_errors WHERE level = $level "
            "ORDER BY row_in_file, list_position($order, key), rule LIMIT $limit",
            {"level": level, "order": order, "limit": max(max_shown - len(own), 0)}).fetchall()
        shown = own + [_row_message(raw, level, allowed_names, network, *f) for f in found]
        result.messages += shown
        total = result.error_count if level == ERROR else result.warning_count
        if total > len(shown):
            noun = "fejl" if level == ERROR else ("advarsel" if total - len(shown) == 1 else "advarsler")
            result.messages.append(Message(level, raw.file_name, f"… og {format_count(total - len(shown))} {noun} "
                                           "mere (ikke vist).", rule="flere"))
    errors = [m for m in result.messages if m.level == ERROR]
    result.first_error_rule = errors[0].rule if errors else None
    return result


def _row_message(raw: ExportLike, level: Level, allowed_names: tuple[str, ...], network: str | None,
                 row: int, key: str, rule: str, value: str | None, detail: str | None) -> Message:
    text = finding_text(spec.COLUMN_BY_KEY[key], rule, value, detail, allowed_names, network)
    return Message(level, raw.file_name, text, row=row, key=key, header=raw.headers.get(key),
                   column=raw.header_columns.get(key), rule=rule)


# --- the typed rows ------------------------------------------------------------------------


def _build_cases(con: duckdb.DuckDBPyConnection) -> None:
    """``v_cases``: the validated rows typed exactly like case_versions, plus ``sags_key`` (the
    case id's identity key, ``name_keys.identity_key``), which ingest matches stored cases by."""
    cases = ", ".join("CAST(coalesce(antal_kraenkede, 1) AS INTEGER) AS antal_kraenkede" if k == "antal_kraenkede"
                      else (f"CAST({rules.q(k)} AS INTEGER) AS {rules.q(k)}" if spec.COLUMN_BY_KEY[k].kind == "int"
                            else rules.q(k)) for k in spec.KEYS)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW v_cases AS
        SELECT *, hex({rules.row_hash_sql('c')}) AS content_hash
        FROM (SELECT row_in_file, sags_key, {cases} FROM v_parsed) AS c""")

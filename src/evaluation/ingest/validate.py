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

Table and column names in the SQL come from ``spec.COLUMNS``; fixed patterns are literals of
this module; code lists, dates and ``--network`` are parameters. Cell values are never SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import duckdb
import pandas as pd
from evaluation import identity
from evaluation.ingest import privacy, spec
from evaluation.ingest.messages import (ERROR, MAX_AGE, WARNING, Level, Message, finding_text, format_count, limited,
                                        show)
from evaluation.plan.networks import NetworkBook
from evaluation.settings import settings

MAX_SHOWN = 200  # messages shown per level; all are counted
# Every character Python's str.strip() removes, so cells read by DuckDB are trimmed exactly as
# the pandas reader strips them (also inside list cells).
WHITESPACE = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())
# A cell with something else than those characters (RE2 class; a regex is ~25x cheaper than trim).
NOT_BLANK = "[^" + "".join(f"\\x{{{ord(ch):x}}}" for ch in WHITESPACE) + "]"
MONTH_FORMATS = ["%Y-%m", "%m-%Y", "%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d"]
# Only 4-digit years: "01-03-25" is refused rather than read as the year 25.
MONTH_SHAPE = r"[0-9]{4}[-/.][0-9]{1,2}([-/.][0-9]{1,2})?|([0-9]{1,2}[-/.]){1,2}[0-9]{4}"
TIME_SUFFIX = r"[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?$"
EXCEL_SERIAL = r"[0-9]{5}([.,]0+)?"  # an Excel date cell read as its day number (1927..2173)
WHOLE_NUMBER = r"-?[0-9]+([.,]0+)?"
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


# --- SQL building blocks (identifiers from spec only) --------------------------------------


def _q(name: str) -> str:
    return privacy.quote_identifier(name)


def _norm(expr: str) -> str:
    """SQL twin of ``spec.normalise_name``: case, æ/ø/å vs ae/oe/aa, accents, punctuation."""
    folded = f"replace(replace(replace(lower({expr}), 'æ', 'ae'), 'ø', 'oe'), 'å', 'aa')"
    return f"regexp_replace(strip_accents({folded}), '[^0-9a-z+]', '', 'g')"


def _trimmed(expr: str) -> str:
    """``trim(expr, $ws)``, but only where an end is blank: trimming with a character set costs
    ~2 s per million cells, looking at the two ends ~0.1 s, and nearly no cell needs it."""
    return f"CASE WHEN contains($ws, {expr}[1]) OR contains($ws, {expr}[-1]) THEN trim({expr}, $ws) ELSE {expr} END"


def _any_filled(columns: list[str]) -> str:
    """SQL: does any of these cells hold a non-blank character? A CASE, so later columns are
    looked at only for rows whose earlier cells were all blank."""
    if not columns:
        return "false"
    tests = " ".join(f"WHEN regexp_matches({_q(c)}, $not_blank) THEN true" for c in columns)
    return f"CASE {tests} ELSE false END"


def _lookup(key: str, expr: str) -> str:
    """The code for a spelling (code or label, any case), NULL when unknown."""
    return f"$c_{key}[list_position($n_{key}, {_norm(expr)})]"


def _elements(expr: str) -> str:
    """A list cell split on ',' or ';', each part trimmed, empty parts dropped."""
    parts = f"list_transform(regexp_split_to_array({expr}, '[,;]'), lambda e: trim(e, $ws))"
    return f"list_filter({parts}, lambda e: e <> '')"

SLOTS = {"month": "t_date", "yesno": "t_bool", "int": "t_int", "list": "t_list", "names": "t_list"}
SLOT_TYPES = {"t_text": "VARCHAR", "t_date": "DATE", "t_bool": "BOOLEAN", "t_int": "BIGINT", "t_list": "VARCHAR[]"}
TEXT_KINDS = ("text", "freetext")  # kept as written; every other kind is parsed via a dictionary


def _typed(col: spec.Column, v: str = "v") -> str:
    """SQL for the typed value of one column from its trimmed text ``v`` (NULL when invalid).

    Evaluated once per *distinct* value of the column (see ``_dictionary``), not per row.
    """
    if col.kind == "network":
        return f"regexp_replace({v}, '\\s+', ' ', 'g')"
    if col.kind == "code":
        return _lookup(col.key, v)
    if col.kind == "age":
        age = f"TRY_CAST(regexp_extract({v}, '^[0-9]+') AS INTEGER)"
        bands = " ".join(f"WHEN {age} BETWEEN {low} AND {high} THEN '{code}'"
                         for code, low, high in spec.AGE_BANDS)
        return (f"CASE WHEN regexp_full_match({v}, '{WHOLE_NUMBER}') THEN "
                f"CASE WHEN {age} <= {MAX_AGE} THEN CASE {bands} END END "
                f"ELSE {_lookup(col.key, v)} END")
    if col.kind == "int":
        return (f"CASE WHEN regexp_full_match({v}, '{WHOLE_NUMBER}') "
                f"THEN TRY_CAST(regexp_extract({v}, '^-?[0-9]+') AS BIGINT) END")
    if col.kind == "yesno":
        n = _norm(v)
        return f"CASE WHEN list_contains($yes, {n}) THEN true WHEN list_contains($no, {n}) THEN false END"
    if col.kind == "month":
        text = f"regexp_replace({v}, '{TIME_SUFFIX}', '')"
        parsed = (f"CASE WHEN regexp_full_match({text}, '{MONTH_SHAPE}') "
                  f"THEN CAST(try_strptime({text}, $month_formats) AS DATE) "
                  f"WHEN regexp_full_match({v}, '{EXCEL_SERIAL}') "
                  f"THEN DATE '1899-12-30' + TRY_CAST(regexp_extract({v}, '^[0-9]+') AS INTEGER) END")
        return f"CAST(date_trunc('month', {parsed}) AS DATE)"
    if col.kind == "list":
        codes = f"list_transform(l, lambda e: {_lookup(col.key, 'e')})"
        return (f"CASE WHEN len(bad) = 0 AND len(l) BETWEEN 1 AND {spec.MAX_LIST_ELEMENTS} "
                f"THEN list_sort(list_distinct({codes})) END")
    if col.kind == "names":
        names = "list_transform(l, lambda e: regexp_replace(e, '\\s+', ' ', 'g'))"
        return (f"CASE WHEN len(l) BETWEEN 1 AND {spec.MAX_LIST_ELEMENTS} "
                f"THEN list_filter({names}, lambda x, i: list_position({names}, x) = i) END")
    raise ValueError(col.kind)


def _params(network: str | None, today: date) -> dict[str, Any]:
    """Every value the SQL uses: code lists, yes/no spellings, formats, dates, --network."""
    params: dict[str, Any] = {
        "ws": WHITESPACE, "network": network, "month_formats": MONTH_FORMATS,
        "earliest": date.fromisoformat(spec.EARLIEST_MONTH + "-01"), "this_month": today.replace(day=1),
        "long_open": settings.long_open_months,
        "yes": [spec.normalise_name(v) for v in spec.YES_VALUES],
        "no": [spec.normalise_name(v) for v in spec.NO_VALUES],
    }
    for col in spec.COLUMNS:
        if col.codes:
            lookup = spec.code_lookup(col)
            params[f"n_{col.key}"] = list(lookup)
            params[f"c_{col.key}"] = list(lookup.values())
    return params


# --- the rules ----------------------------------------------------------------------------
# A column's own rules look only at one value, so they are judged on the column's dictionary
# of distinct values ("dict": a condition over raw, v, typed, bad, n) and joined back to the
# rows that hold a failing value; the rest are judged per row ("row": over v_raw).


Rule = tuple[str, str, str, str, str]  # (rule, source, condition, value shown, detail)


def _column_rules(col: spec.Column, present: bool) -> list[Rule]:
    """(rule, source, condition, value shown, detail) for one column's own values.

    A cell longer than the column's limit (``spec.max_length``) is one "laengde" error and is
    not parsed at all (``v`` is NULL for it in the dictionary): limits come before work.
    """
    if not present:
        return []
    r = _q("r_" + col.key)
    rules: list[Rule] = []
    if col.required:
        blank = f"{r} IS NULL AND $network IS NULL" if col.kind == "network" else f"{r} IS NULL"
        rules.append(("mangler", "row", blank, "NULL", "NULL"))
        if col.kind not in TEXT_KINDS:  # only blanks, or only separators (", ,")
            blank_value = "NOT too_long AND (v IS NULL OR n = 0)" if col.is_list else "NOT too_long AND v IS NULL"
            if col.kind == "network":  # a cell of only blanks takes --network like an empty one
                blank_value += " AND $network IS NULL"
            rules.append(("mangler", "dict", blank_value, "NULL", "NULL"))
    if col.kind in TEXT_KINDS:
        rules.append(("laengde", "row", f"length({r}) > {spec.max_length(col)}", "NULL", f"CAST(length({r}) AS VARCHAR)"))
    else:
        rules.append(("laengde", "dict", "too_long", "NULL", "CAST(length(raw) AS VARCHAR)"))
    if col.is_list:
        rules.append(("for_mange", "dict", f"n > {spec.MAX_LIST_ELEMENTS}", "NULL", "CAST(n AS VARCHAR)"))
    if col.kind in ("code", "age"):
        rules.append(("kode", "dict", "v IS NOT NULL AND typed IS NULL", "v", "NULL"))
    elif col.kind == "yesno":
        rules.append(("janej", "dict", "v IS NOT NULL AND typed IS NULL", "v", "NULL"))
    elif col.kind == "int":
        rules.append(("heltal", "dict", f"v IS NOT NULL AND NOT regexp_full_match(v, '{WHOLE_NUMBER}')", "v", "NULL"))
        rules.append(("interval", "dict", f"regexp_full_match(v, '{WHOLE_NUMBER}') AND "
                                          f"NOT coalesce(typed BETWEEN {col.min_value} AND {col.max_value}, false)",
                      "v", "NULL"))
    elif col.kind == "month":
        rules.append(("maaned", "dict", "v IS NOT NULL AND typed IS NULL", "v", "NULL"))
        rules.append(("maaned_foer", "dict", "typed < $earliest", "v", "NULL"))
        if col.key == "indberetningsmaaned":
            rules.append(("maaned_fremtid", "dict", "typed > $this_month", "v", "NULL"))
    elif col.kind == "list":
        rules.append(("kode", "dict", "len(bad) > 0", "array_to_string(bad, chr(31))", "NULL"))
    elif col.kind == "names":
        rules.append(("navn_laengde", "dict", f"list_max(list_transform(l, lambda e: length(e))) > {spec.MAX_ACTOR_NAME}",
                      "NULL", "NULL"))
    if col.kind == "network":
        rules.append(("netvaerk_konflikt", "dict", "$network IS NOT NULL AND typed IS NOT NULL AND typed <> $network",
                      "v", "NULL"))
        rules.append(("netvaerk_ukendt", "dict", "v IS NOT NULL AND problem IS NOT NULL", "v", "problem"))
    return rules


def _rule_sql(col: spec.Column, rule: str, source: str, condition: str, value: str, detail: str) -> str:
    """One rule as a SELECT of (row, key, rule, level, value, detail) rows."""
    r = _q("r_" + col.key)
    if source == "row":
        return (f"SELECT row_in_file, '{col.key}', '{rule}', 'fejl', {value}, {detail} "
                f"FROM v_raw WHERE {condition}")
    entries = (f"SELECT raw, v, l, bad, n, too_long, problem, {SLOTS.get(col.kind, 't_text')} AS typed "
               f"FROM v_dictionary WHERE key = '{col.key}'")
    return (f"SELECT v.row_in_file, '{col.key}', '{rule}', 'fejl', d.value, d.detail FROM v_raw v "
            f"JOIN (SELECT raw, {value} AS value, {detail} AS detail FROM ({entries}) WHERE {condition}) d "
            f"ON v.{r} = d.raw")


CROSS_RULES: tuple[tuple[str, str, str, str, str], ...] = (
    # (level, key reported, rule, condition, detail)
    (ERROR, "afslutningsmaaned", "afsluttet_foer_indberetning",
     "afslutningsmaaned < indberetningsmaaned", "strftime(indberetningsmaaned, '%Y-%m')"),
    (ERROR, "foraeldre_inddraget", "ikke_relevant_kun_myndig",
     "foraeldre_inddraget = 'ikke_relevant' AND aldersgruppe <> '18_plus'", "aldersgruppe"),
    (ERROR, "foraeldre_inddraget_dage", "dage_kun_med_ja",
     "foraeldre_inddraget_dage IS NOT NULL AND foraeldre_inddraget <> 'ja'", "foraeldre_inddraget"),
    (ERROR, "anmeldt_af", "anmeldt_af_kun_med_politi", "anmeldt_af IS NOT NULL AND NOT politianmeldt", "NULL"),
    (WARNING, "politianmeldt", "politisag_ikke_anmeldt",
     "list_contains(vurdering, 'politisag') AND NOT politianmeldt", "NULL"),
    (WARNING, "situation", "b_uden_anmeldelse_eller_underretning",
     "situation = 'B' AND NOT politianmeldt AND NOT coalesce(underretning_sendt, "
     "list_contains(vurdering, 'underretning'))", "NULL"),
    (WARNING, "afslutningsmaaned", "aaben_laenge",
     "afslutningsmaaned IS NULL AND date_diff('month', indberetningsmaaned, $this_month) > $long_open",
     "CAST(date_diff('month', indberetningsmaaned, $this_month) AS VARCHAR)"),
)

DUPLICATE_SQL = """
    SELECT row_in_file, 'sags_id', 'dublet', 'fejl', sags_id, CAST(first_row AS VARCHAR)
    FROM (SELECT row_in_file, sags_id,
                 min(row_in_file) OVER (PARTITION BY netvaerk, sags_key) AS first_row
          FROM v_parsed WHERE sags_key IS NOT NULL AND netvaerk IS NOT NULL)
    WHERE row_in_file > first_row
"""


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
    canonical = (chosen.name if chosen.known else identity.clean(network)) if chosen else None
    allowed_names = tuple(allowed_names)
    present = [k for k in raw.present_keys if k in raw.headers]
    params = _params(canonical, today)
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
        text = f"nullif(CAST({_q(k)} AS VARCHAR), '')"
        if spec.COLUMN_BY_KEY[k].kind in TEXT_KINDS:
            text = f"nullif({_trimmed(f'CAST({_q(k)} AS VARCHAR)')}, '')"
        cells.append(f"{text if k in present else 'CAST(NULL AS VARCHAR)'} AS {_q('r_' + k)}")
    if source is None:
        not_blank = " OR ".join(f"{_q('r_' + k)} IS NOT NULL" for k in present) or "false"
        con.register("v_frame", raw.frame)
        try:
            sql = f"""CREATE OR REPLACE TEMP TABLE v_raw AS
                SELECT * FROM (SELECT CAST(row_in_file AS INTEGER) AS row_in_file, {", ".join(cells)}
                               FROM v_frame) WHERE {not_blank}"""
            con.execute(sql, _used({"ws": params["ws"]}, sql))  # no free-text column: no $ws
        finally:
            con.unregister("v_frame")
    else:
        _stage_csv(con, raw, source, present, cells, params["ws"])
    counts = con.execute("SELECT " + ", ".join(f"count({_q('r_' + k)})" for k in present) + " FROM v_raw"
                         ).fetchall()[0] if present else ()
    filled = {k for k, n in zip(present, counts, strict=True) if n}  # empty columns need no parsing (planning is costly)
    parsed = [c for c in spec.COLUMNS if c.key in filled and c.kind not in TEXT_KINDS]
    if parsed:
        sql = "CREATE OR REPLACE TEMP TABLE v_dictionary AS " + " UNION ALL ".join(map(_dictionary, parsed))
    else:
        sql = f"CREATE OR REPLACE TEMP TABLE v_dictionary AS {_dictionary(spec.COLUMN_BY_KEY['koen'])} LIMIT 0"
    con.execute(sql, _used(params, sql))
    if "netvaerk" in filled:
        _resolve_networks(con, book)
    _case_keys(con, "sags_id" in present)
    selected = ["v_raw.row_in_file",
                f"CASE WHEN k.raw IS NULL THEN {identity.ascii_key_sql('v_raw.r_sags_id')} ELSE k.key END AS sags_key"]
    joins = ["LEFT JOIN v_case_keys AS k ON v_raw.r_sags_id = k.raw"]
    for col in spec.COLUMNS:
        k = col.key
        if col.kind in TEXT_KINDS:
            selected.append(f"{_q('r_' + k)} AS {_q(k)}")
        elif k not in filled:
            typed = "$network" if col.kind == "network" else "NULL"
            selected.append(f"CAST({typed} AS {SLOT_TYPES[SLOTS.get(col.kind, 't_text')]}) AS {_q(k)}")
        else:
            alias, slot = _q("d_" + k), SLOTS.get(col.kind, "t_text")
            typed = f"coalesce({alias}.{slot}, $network)" if col.kind == "network" else f"{alias}.{slot}"
            selected.append(f"{typed} AS {_q(k)}")
            joins.append(f"LEFT JOIN v_dictionary AS {alias} "
                         f"ON {alias}.key = '{k}' AND v_raw.{_q('r_' + k)} = {alias}.raw")
    sql = f"CREATE OR REPLACE TEMP TABLE v_parsed AS SELECT {', '.join(selected)} FROM v_raw {' '.join(joins)}"
    con.execute(sql, _used(params, sql))
    con.execute("""CREATE OR REPLACE TEMP TABLE v_errors (row_in_file INTEGER, key VARCHAR,
        rule VARCHAR, level VARCHAR, value VARCHAR, detail VARCHAR)""")
    return filled



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
    ASCII, judged in Python (``identity``); plain ones are keyed in SQL (``ascii_key_sql``)."""
    rows = con.execute(f"SELECT DISTINCT r_sags_id FROM v_raw WHERE r_sags_id IS NOT NULL "
                       f"AND NOT {identity.plain_sql('r_sags_id')}").fetchall() if present else []
    texts = [r[0] for r in rows]
    problems = [identity.suspicious_characters(t) for t in texts]
    frame = pd.DataFrame({"raw": texts, "key": [identity.identity_key(t) for t in texts],
                          "problem": [", ".join(p.describe() for p in found) or None for found in problems]},
                         dtype=object)
    con.register("v_case_key_frame", frame)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE v_case_keys AS SELECT CAST(raw AS VARCHAR) AS raw, "
                    "CAST(key AS VARCHAR) AS key, CAST(problem AS VARCHAR) AS problem FROM v_case_key_frame")
    finally:
        con.unregister("v_case_key_frame")


def _stage_csv(con: duckdb.DuckDBPyConnection, raw: ExportLike, source: Any, present: list[str],
               cells: list[str], ws: str) -> None:
    """``v_raw`` straight from DuckDB's ``read_csv`` (the direct path): no pandas, one pass.

    Values under no header are kept until they are counted (unknown-column warnings, as the
    pandas reader gives them), then rows blank in every known column are deleted. Raises
    ``readers.DirectReadRefused`` when DuckDB can't parse the file (the transaction is then
    aborted: the caller starts again with ``readers.read_export``).
    """
    from evaluation.ingest.readers import DirectReadRefused  # validate needs readers only here

    sql, params = source.select_sql()
    unnamed = [f"_{letter}" for letter in source.unnamed.values()]
    not_blank = _any_filled(["r_" + k for k in present])
    sql = f"""CREATE OR REPLACE TEMP TABLE v_raw AS
            SELECT * FROM (SELECT row_in_file, {", ".join(cells)}{"".join(", " + _q(u) for u in unnamed)}
                           FROM ({sql})) WHERE {not_blank} OR {_any_filled(unnamed)}"""
    try:
        con.execute(sql, _used({**params, "ws": ws, "not_blank": NOT_BLANK}, sql))
    except duckdb.Error as exc:
        raise DirectReadRefused(raw.file_name) from exc
    if not unnamed:
        return
    found = con.execute("SELECT " + ", ".join(
        [f"count(*) FILTER (WHERE regexp_matches({_q(u)}, $not_blank))" for u in unnamed]
        + [f"count(*) FILTER (WHERE NOT {not_blank})"]) + " FROM v_raw", {"not_blank": NOT_BLANK}).fetchall()[0]
    raw.unknown_headers.extend(f"(uden overskrift, kolonne {u[1:]})"
                               for u, n in zip(unnamed, found, strict=False) if n)
    if found[-1]:
        con.execute(f"DELETE FROM v_raw WHERE NOT {not_blank}", {"not_blank": NOT_BLANK})


def _dictionary(col: spec.Column) -> str:
    """A SELECT of each distinct value of one column, parsed once, for ``v_dictionary``.

    Columns: key, raw, v (trimmed; NULL when the cell is longer than the column's limit, so an
    over-long cell is never parsed), the typed value in the slot of its type (t_text, t_date,
    t_bool, t_int, t_list; the others NULL), l (list elements), bad (unknown list elements, only
    looked for up to ``spec.MAX_LIST_ELEMENTS``), n (list length), too_long, and problem (why a
    network name is not known; filled in by ``_resolve_networks``).
    """
    slot = SLOTS.get(col.kind, "t_text")
    typed = ", ".join(f"{_typed(col) if name == slot else 'NULL'}::{kind} AS {name}"
                      for name, kind in SLOT_TYPES.items())
    elements = _elements("v") if col.is_list else "CAST([] AS VARCHAR[])"
    bad = "CAST([] AS VARCHAR[])"
    if col.kind == "list":
        bad = (f"CASE WHEN len(l) <= {spec.MAX_LIST_ELEMENTS} THEN "
               f"list_filter(l, lambda e: NOT list_contains($n_{col.key}, {_norm('e')})) ELSE [] END")
    limit = spec.max_length(col)
    return f"""SELECT '{col.key}' AS key, raw, v, {typed}, l, bad, len(l) AS n, too_long,
               CAST(NULL AS VARCHAR) AS problem
        FROM (SELECT *, {bad} AS bad FROM (SELECT raw, v, too_long, {elements} AS l
              FROM (SELECT raw, length(raw) > {limit} AS too_long,
                           CASE WHEN length(raw) <= {limit} THEN nullif(trim(raw, $ws), '') END AS v
                    FROM (SELECT DISTINCT {_q('r_' + col.key)} AS raw FROM v_raw
                          WHERE {_q('r_' + col.key)} IS NOT NULL))))"""


def _used(params: dict[str, Any], sql: str) -> dict[str, Any]:
    """Only the parameters a statement mentions (DuckDB refuses unused named parameters)."""
    return {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", sql)}


def _insert_errors(con: duckdb.DuckDBPyConnection, selects: list[str], params: dict[str, Any]) -> None:
    if selects:
        sql = "INSERT INTO v_errors " + " UNION ALL ".join(selects)
        con.execute(sql, _used(params, sql))


def _check_columns(con: duckdb.DuckDBPyConnection, present: list[str], filled: set[str],
                   params: dict[str, Any]) -> None:
    """Every column's own rules, in one statement (an empty column can only be missing)."""
    selects = [_rule_sql(col, *rule) for col in spec.COLUMNS for rule in _column_rules(col, col.key in present)
               if col.key in filled or rule[1] == "row"]
    selects.append("SELECT v.row_in_file, 'sags_id', 'tegn', 'fejl', NULL, k.problem FROM v_raw v "
                   "JOIN v_case_keys k ON v.r_sags_id = k.raw WHERE k.problem IS NOT NULL")
    _insert_errors(con, selects, params)


def _check_cross(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> None:
    """Rules between columns (only where both values are valid), warnings, duplicates."""
    selects = [f"SELECT row_in_file, '{key}', '{rule}', '{level}', NULL, {detail} "
               f"FROM v_parsed WHERE coalesce({condition}, false)"
               for level, key, rule, condition, detail in CROSS_RULES]
    _insert_errors(con, [*selects, DUPLICATE_SQL], params)


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


def row_hash_sql(alias: str) -> str:
    """SQL hashing a case's validated values (all spec keys) in table ``alias``.

    Used to tell a changed case from an unchanged one. Ingest hashes the stored version and
    the new one in the same statement, so the hash function only has to agree with itself.
    """
    return "hash(" + ", ".join(f"{alias}.{_q(k)}" for k in spec.KEYS) + ")"


def _build_cases(con: duckdb.DuckDBPyConnection) -> None:
    """``v_cases``: the validated rows typed exactly like case_versions, plus ``sags_key`` (the
    case id's identity key, ``identity.identity_key``), which ingest matches stored cases by."""
    cases = ", ".join("CAST(coalesce(antal_kraenkede, 1) AS INTEGER) AS antal_kraenkede" if k == "antal_kraenkede"
                      else (f"CAST({_q(k)} AS INTEGER) AS {_q(k)}" if spec.COLUMN_BY_KEY[k].kind == "int"
                            else _q(k)) for k in spec.KEYS)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW v_cases AS
        SELECT *, hex({row_hash_sql('c')}) AS content_hash
        FROM (SELECT row_in_file, sags_key, {cases} FROM v_parsed) AS c""")

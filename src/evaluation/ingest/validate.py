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
from typing import Any, Literal, Protocol

import duckdb
import pandas as pd
from rapidfuzz import fuzz, process

from evaluation.ingest import privacy, spec
from evaluation.settings import settings

Level = Literal["fejl", "advarsel"]
ERROR: Level = "fejl"
WARNING: Level = "advarsel"
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
MAX_AGE = 120


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


@dataclass(frozen=True)
class Message:
    """One error or warning, with file, Excel row and column; ``str()`` is the Danish sentence."""

    level: Level
    file_name: str
    text: str
    row: int | None = None
    key: str | None = None
    header: str | None = None   # the column's heading as written in the file
    column: str | None = None   # the column as the user sees it in Excel (letter), if known
    rule: str = ""

    def __str__(self) -> str:
        if self.row is None and self.key is None and self.file_name in self.text:
            return self.text  # a reader's sentence that already names the file
        place = [self.file_name]
        if self.row is not None:
            place.append(f"række {self.row}")
        if self.key is not None:
            header = self.header or spec.COLUMN_BY_KEY[self.key].label
            name = f"»{header}«" if header == self.key else f"»{header}« ({self.key})"
            place.append(f"kolonne {self.column} {name}" if self.column else f"kolonne {name}")
        return f"{', '.join(place)}: {self.text}"


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
        return f"CASE WHEN len(bad) = 0 AND len(l) > 0 THEN list_sort(list_distinct({codes})) END"
    if col.kind == "names":
        names = "list_transform(l, lambda e: regexp_replace(e, '\\s+', ' ', 'g'))"
        return f"CASE WHEN len(l) > 0 THEN list_filter({names}, lambda x, i: list_position({names}, x) = i) END"
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


def _column_rules(col: spec.Column, present: bool) -> list[tuple[str, str, str, str]]:
    """(rule, source, condition, value shown) for one column's own values."""
    if not present:
        return []
    r = _q("r_" + col.key)
    rules: list[tuple[str, str, str, str]] = []
    if col.required:
        blank = f"{r} IS NULL AND $network IS NULL" if col.kind == "network" else f"{r} IS NULL"
        rules.append(("mangler", "row", blank, "NULL"))
        if col.kind not in TEXT_KINDS:  # only blanks, or only separators (", ,")
            blank_value = "v IS NULL OR n = 0" if col.is_list else "v IS NULL"
            if col.kind == "network":  # a cell of only blanks takes --network like an empty one
                blank_value += " AND $network IS NULL"
            rules.append(("mangler", "dict", blank_value, "NULL"))
    if col.kind in ("code", "age"):
        rules.append(("kode", "dict", "v IS NOT NULL AND typed IS NULL", "v"))
    elif col.kind == "yesno":
        rules.append(("janej", "dict", "v IS NOT NULL AND typed IS NULL", "v"))
    elif col.kind == "int":
        rules.append(("heltal", "dict", f"v IS NOT NULL AND NOT regexp_full_match(v, '{WHOLE_NUMBER}')", "v"))
        rules.append(("interval", "dict", f"regexp_full_match(v, '{WHOLE_NUMBER}') AND "
                                          f"NOT coalesce(typed BETWEEN {col.min_value} AND {col.max_value}, false)", "v"))
    elif col.kind == "month":
        rules.append(("maaned", "dict", "v IS NOT NULL AND typed IS NULL", "v"))
        rules.append(("maaned_foer", "dict", "typed < $earliest", "v"))
        if col.key == "indberetningsmaaned":
            rules.append(("maaned_fremtid", "dict", "typed > $this_month", "v"))
    elif col.kind == "list":
        rules.append(("kode", "dict", "len(bad) > 0", "array_to_string(bad, chr(31))"))
    elif col.max_length:
        rules.append(("laengde", "row", f"length({r}) > {col.max_length}", "NULL"))
    if col.kind == "network":
        rules.append(("netvaerk_konflikt", "dict", "$network IS NOT NULL AND lower(typed) <> lower($network)", "v"))
    return rules


def _rule_sql(col: spec.Column, rule: str, source: str, condition: str, value: str) -> str:
    """One rule as a SELECT of (row, key, rule, level, value, detail) rows."""
    r = _q("r_" + col.key)
    if source == "row":
        detail = f"CAST(length({r}) AS VARCHAR)" if rule == "laengde" else "NULL"
        return (f"SELECT row_in_file, '{col.key}', '{rule}', 'fejl', {value}, {detail} "
                f"FROM v_raw WHERE {condition}")
    entries = (f"SELECT raw, v, bad, n, {SLOTS.get(col.kind, 't_text')} AS typed "
               f"FROM v_dictionary WHERE key = '{col.key}'")
    return (f"SELECT v.row_in_file, '{col.key}', '{rule}', 'fejl', d.value, NULL FROM v_raw v "
            f"JOIN (SELECT raw, {value} AS value FROM ({entries}) WHERE {condition}) d ON v.{r} = d.raw")


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
                 min(row_in_file) OVER (PARTITION BY netvaerk, sags_id) AS first_row
          FROM v_parsed WHERE sags_id IS NOT NULL AND netvaerk IS NOT NULL)
    WHERE row_in_file > first_row
"""


# --- the driver ---------------------------------------------------------------------------


def validate(
    con: duckdb.DuckDBPyConnection,
    raw: ExportLike,
    *,
    network: str | None = None,
    allowed_names: Iterable[str] = (),
    allowed_phones: Iterable[str] = privacy.DEFAULT_ALLOWED_PHONES,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_shown: int = MAX_SHOWN,
) -> Validation:
    """Check every rule on every row; on success leave the typed rows in ``v_cases``.

    ``allowed_names``/``allowed_phones`` are the plan registry's organisations and numbers
    (not personal data). ``progress(done, total)`` is called after each group of rules.
    """
    today = today or date.today()
    network = " ".join(network.split()) if network and network.strip() else None
    allowed_names = tuple(allowed_names)
    present = [k for k in raw.present_keys if k in raw.headers]
    params = _params(network, today)
    filled: set[str] = set()
    steps: list[Callable[[], Any]] = [lambda: filled.update(_stage(con, raw, present, params))]
    steps.append(lambda: _check_columns(con, present, filled, params))
    steps.append(lambda: _check_cross(con, params))
    steps.append(lambda: _check_pii(con, [k for k in PII_COLUMNS if k in present], allowed_names,
                                    tuple(allowed_phones)))
    for done, step in enumerate(steps, start=1):
        step()
        if progress:
            progress(done, STEPS)
    result = _collect(con, raw, network, present, allowed_names, max_shown)
    if result.ok:
        _build_cases(con)
    if progress:
        progress(STEPS, STEPS)
    return result


def _stage(con: duckdb.DuckDBPyConnection, raw: ExportLike, present: list[str],
           params: dict[str, Any]) -> set[str]:
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
            con.execute(f"""CREATE OR REPLACE TEMP TABLE v_raw AS
                SELECT * FROM (SELECT CAST(row_in_file AS INTEGER) AS row_in_file, {", ".join(cells)}
                               FROM v_frame) WHERE {not_blank}""", {"ws": params["ws"]})
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
    selected, joins = ["v_raw.row_in_file"], []
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
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE v_raw AS
            SELECT * FROM (SELECT row_in_file, {", ".join(cells)}{"".join(", " + _q(u) for u in unnamed)}
                           FROM ({sql})) WHERE {not_blank} OR {_any_filled(unnamed)}""",
                    {**params, "ws": ws, "not_blank": NOT_BLANK})
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

    Columns: key, raw, v (trimmed), the typed value in the slot of its type (t_text, t_date,
    t_bool, t_int, t_list; the others NULL), bad (unknown list elements) and n (list length).
    """
    slot = SLOTS.get(col.kind, "t_text")
    typed = ", ".join(f"{_typed(col) if name == slot else 'NULL'}::{kind} AS {name}"
                      for name, kind in SLOT_TYPES.items())
    elements = _elements("v") if col.is_list else "CAST([] AS VARCHAR[])"
    bad = "CAST([] AS VARCHAR[])"
    if col.kind == "list":
        bad = f"list_filter(l, lambda e: NOT list_contains($n_{col.key}, {_norm('e')}))"
    return f"""SELECT '{col.key}' AS key, raw, v, {typed}, bad, len(l) AS n
        FROM (SELECT *, {bad} AS bad FROM (SELECT raw, v, {elements} AS l
              FROM (SELECT raw, nullif(trim(raw, $ws), '') AS v
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


def _file_messages(raw: ExportLike, network: str | None, present: list[str], rows: int) -> list[Message]:
    """Findings about the file as a whole: its columns, and whether it has any case at all."""
    out = [Message(ERROR, raw.file_name, f"Kolonnen »{h}« står flere gange i filen. Slet den ene.",
                   rule="dobbelt_kolonne") for h in raw.duplicate_headers]
    for col in spec.COLUMNS:
        if not col.required or col.key in present:
            continue
        if col.kind == "network":
            if network is None:
                out.append(Message(ERROR, raw.file_name, (
                    "Filen har ingen kolonne »SSP-netværk« (netvaerk). Tilføj kolonnen, eller angiv "
                    "netværket for hele filen med --network."), rule="kolonne_mangler"))
            continue
        out.append(Message(ERROR, raw.file_name, f"Kolonnen »{col.label}« ({col.key}) mangler. "
                           "Den skal være med og udfyldes.", rule="kolonne_mangler"))
    if rows == 0:
        out.append(Message(ERROR, raw.file_name, "Filen indeholder ingen sager (kun overskrifter "
                           "eller tomme rækker).", rule="tom_fil"))
    for header in raw.unknown_headers:
        unnamed = re.fullmatch(r"\(uden overskrift, kolonne ([A-Z]+)\)", header)
        text = (f"Kolonne {unnamed.group(1)} har ingen overskrift; dens værdier indlæses ikke." if unnamed
                else f"Kolonnen »{header}« kendes ikke og indlæses ikke.")
        out.append(Message(WARNING, raw.file_name, text, rule="ukendt_kolonne"))
    return out


def _collect(con: duckdb.DuckDBPyConnection, raw: ExportLike, network: str | None, present: list[str],
             allowed_names: tuple[str, ...], max_shown: int) -> Validation:
    """Count every finding; turn the first ``max_shown`` per level, by row then column, into text."""
    rows = con.execute("SELECT count(*) FROM v_raw").fetchall()[0][0]
    file_level = _file_messages(raw, network, present, rows)
    counts = dict(con.execute("SELECT level, count(*) FROM v_errors GROUP BY level").fetchall())
    result = Validation(raw.file_name, rows=rows,
                        error_count=counts.get(ERROR, 0) + sum(m.level == ERROR for m in file_level),
                        warning_count=counts.get(WARNING, 0) + sum(m.level == WARNING for m in file_level))
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


def format_count(number: int) -> str:
    """A count the Danish way: 1.234.567."""
    return f"{number:,}".replace(",", ".")


def _row_message(raw: ExportLike, level: Level, allowed_names: tuple[str, ...], network: str | None,
                 row: int, key: str, rule: str, value: str | None, detail: str | None) -> Message:
    text = _text(spec.COLUMN_BY_KEY[key], rule, value, detail, allowed_names, network)
    return Message(level, raw.file_name, text, row=row, key=key, header=raw.headers.get(key),
                   column=raw.header_columns.get(key), rule=rule)


def _show(value: str, allowed_names: tuple[str, ...]) -> str:
    """A value fit to echo: masked when it holds personal data, shortened when long."""
    if privacy.find_in_text(value, allowed_names):
        return privacy.mask(value)
    return value if len(value) <= 60 else value[:57] + "…"


def _allowed(col: spec.Column) -> str:
    """The allowed values of a coded column, as a Danish list: 'code (Label)' where they differ."""
    shown = [code if spec.normalise_name(label) == spec.normalise_name(code) else f"{code} ({label})"
             for code, label in col.codes.items()]
    return ", ".join(shown)


def _suggest(col: spec.Column, value: str) -> str:
    """' Mente du »X«?' when a value is a near miss of an allowed spelling, else ''."""
    lookup = spec.code_lookup(col)
    match = process.extractOne(spec.normalise_name(value), list(lookup), scorer=fuzz.ratio, score_cutoff=70)
    if not match:
        return ""
    code = lookup[match[0]]
    spelled = code if match[0] == spec.normalise_name(code) else col.codes.get(code, code)
    return f" Mente du »{spelled}«?"


def _text(col: spec.Column, rule: str, value: str | None, detail: str | None,
          allowed_names: tuple[str, ...], network: str | None) -> str:
    """The Danish sentence for one finding (the place is added by ``Message``)."""
    shown = _show(value, allowed_names) if value is not None else ""
    if rule == "mangler":
        return "Feltet skal udfyldes, men er tomt."
    if rule == "kode" and col.is_list:
        bad = [_show(v, allowed_names) for v in (value or "").split(chr(31))]
        what = (f"»{bad[0]}« er ikke en tilladt værdi." if len(bad) == 1 else
                f"{', '.join(f'»{b}«' for b in bad)} er ikke tilladte værdier.")
        hint = "".join(_suggest(col, v) for v in (value or "").split(chr(31)))
        return f"{what} Tilladt: {_allowed(col)} (flere adskilles med komma).{hint}"
    if rule == "kode" and col.kind == "age":
        hint = " Excel laver 12-14 om til en dato: skriv 12_14." if re.search(r"[0-9]{4}", value or "") else ""
        return (f"»{shown}« er ikke en aldersgruppe eller en alder i hele år (0–{MAX_AGE}). "
                f"Tilladt: {_allowed(col)}.{hint}{_suggest(col, value or '')}")
    if rule == "kode":
        return f"»{shown}« er ikke en tilladt værdi. Tilladt: {_allowed(col)}.{_suggest(col, value or '')}"
    if rule == "janej":
        return f"»{shown}« er ikke ja eller nej. Tilladt: ja, nej (også j, n, x, 1, 0, yes, no)."
    if rule == "heltal":
        return f"»{shown}« er ikke et helt tal."
    if rule == "interval":
        return f"»{shown}« skal være et helt tal fra {col.min_value} til {col.max_value}."
    if rule == "maaned":
        return (f"»{shown}« er ikke en måned. Skriv ÅÅÅÅ-MM, fx 2025-03 (også MM-ÅÅÅÅ, MM/ÅÅÅÅ "
                "eller en dato som 2025-03-17 eller 17-03-2025).")
    if rule == "maaned_foer":
        return f"»{shown}« ligger før {spec.EARLIEST_MONTH}; så gamle sager indlæses ikke."
    if rule == "maaned_fremtid":
        return f"»{shown}« ligger i fremtiden."
    if rule == "laengde":
        return f"Teksten er {format_count(int(detail or 0))} tegn lang; højst {format_count(col.max_length or 0)} er tilladt."
    if rule == "netvaerk_konflikt":
        return f"»{shown}« passer ikke med netværket »{network}«, der er angivet med --network."
    if rule == "dublet":
        return (f"Sagen »{shown}« står også i række {detail} for samme SSP-netværk. "
                "Hver sag må kun stå én gang i filen.")
    if rule == "pii_cpr" and col.key == "sags_id":
        return (f"Sags-ID'et ligner et CPR-nummer (»{detail}«). Brug netværkets eget sagsnummer, "
                "aldrig et CPR-nummer.")
    if rule.startswith("pii_"):
        return (f"Teksten indeholder {privacy.KIND_LABELS[rule[4:]]} (»{detail}«). Personoplysninger "
                "må ikke stå i filen: skriv det om, så ingen kan genkendes.")
    return CROSS_TEXTS[rule].format(detail=detail)


CROSS_TEXTS: dict[str, str] = {
    "afsluttet_foer_indberetning": "Afslutningsmåneden ligger før indberetningsmåneden ({detail}).",
    "ikke_relevant_kun_myndig": ("»Ikke relevant – myndig« kan kun bruges, når den krænkede er 18 år "
                                 "eller ældre; aldersgruppen er {detail}."),
    "dage_kun_med_ja": ("Dage til forældre inddraget må kun udfyldes, når Forældre inddraget er ja "
                        "(her: {detail})."),
    "anmeldt_af_kun_med_politi": "Anmeldt af må kun udfyldes, når Politianmeldt er ja.",
    "politisag_ikke_anmeldt": "Vurderingen er politisag, men sagen er ikke politianmeldt.",
    "b_uden_anmeldelse_eller_underretning": ("Situation B uden politianmeldelse og uden "
                                             "underretning. Er det rigtigt?"),
    "aaben_laenge": ("Sagen har været åben i {detail} måneder uden afslutningsmåned. "
                     "Er den afsluttet?"),
}


# --- the typed rows ------------------------------------------------------------------------


def row_hash_sql(alias: str) -> str:
    """SQL hashing a case's validated values (all spec keys) in table ``alias``.

    Used to tell a changed case from an unchanged one. Ingest hashes the stored version and
    the new one in the same statement, so the hash function only has to agree with itself.
    """
    return "hash(" + ", ".join(f"{alias}.{_q(k)}" for k in spec.KEYS) + ")"


def _build_cases(con: duckdb.DuckDBPyConnection) -> None:
    """``v_cases``: a view of the validated rows typed exactly like case_versions."""
    cases = ", ".join("CAST(coalesce(antal_kraenkede, 1) AS INTEGER) AS antal_kraenkede" if k == "antal_kraenkede"
                      else (f"CAST({_q(k)} AS INTEGER) AS {_q(k)}" if spec.COLUMN_BY_KEY[k].kind == "int"
                            else _q(k)) for k in spec.KEYS)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW v_cases AS
        SELECT *, hex({row_hash_sql('c')}) AS content_hash
        FROM (SELECT row_in_file, {cases} FROM v_parsed) AS c""")

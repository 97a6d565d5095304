"""The export contract's rules as SQL: the building blocks ``validate`` runs in DuckDB.

One place for the SQL of the rules (``validate`` stages the cells, runs these and words the
findings): the typed value of each column from its distinct spellings (``dictionary_sql``),
each column's own rules (``column_rules`` / ``rule_sql``), the rules between columns
(``CROSS_RULES``), duplicates, and the hash that tells a changed case from an unchanged one.
Identifiers come from ``spec.COLUMNS``; fixed patterns are literals of this module; code
lists, dates and the chosen network are parameters (``params``). Cell values are never SQL text.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from evaluation.ingest import privacy, spec
from evaluation.ingest.messages import ERROR, WARNING, MAX_AGE
from evaluation.settings import settings

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

# --- SQL building blocks (identifiers from spec only) --------------------------------------


def q(name: str) -> str:
    return privacy.quote_identifier(name)


def norm(expr: str) -> str:
    """SQL twin of ``spec.normalise_name``: case, æ/ø/å vs ae/oe/aa, accents, punctuation."""
    folded = f"replace(replace(replace(lower({expr}), 'æ', 'ae'), 'ø', 'oe'), 'å', 'aa')"
    return f"regexp_replace(strip_accents({folded}), '[^0-9a-z+]', '', 'g')"


def trimmed(expr: str) -> str:
    """``trim(expr, $ws)``, but only where an end is blank: trimming with a character set costs
    ~2 s per million cells, looking at the two ends ~0.1 s, and nearly no cell needs it."""
    return f"CASE WHEN contains($ws, {expr}[1]) OR contains($ws, {expr}[-1]) THEN trim({expr}, $ws) ELSE {expr} END"


def any_filled(columns: list[str]) -> str:
    """SQL: does any of these cells hold a non-blank character? A CASE, so later columns are
    looked at only for rows whose earlier cells were all blank."""
    if not columns:
        return "false"
    tests = " ".join(f"WHEN regexp_matches({q(c)}, $not_blank) THEN true" for c in columns)
    return f"CASE {tests} ELSE false END"


def lookup(key: str, expr: str) -> str:
    """The code for a spelling (code or label, any case), NULL when unknown."""
    return f"$c_{key}[list_position($n_{key}, {norm(expr)})]"


def elements(expr: str) -> str:
    """A list cell split on ',' or ';', each part trimmed, empty parts dropped."""
    parts = f"list_transform(regexp_split_to_array({expr}, '[,;]'), lambda e: trim(e, $ws))"
    return f"list_filter({parts}, lambda e: e <> '')"

SLOTS = {"month": "t_date", "yesno": "t_bool", "int": "t_int", "list": "t_list", "names": "t_list"}
SLOT_TYPES = {"t_text": "VARCHAR", "t_date": "DATE", "t_bool": "BOOLEAN", "t_int": "BIGINT", "t_list": "VARCHAR[]"}
TEXT_KINDS = ("text", "freetext")  # kept as written; every other kind is parsed via a dictionary


def typed_sql(col: spec.Column, v: str = "v") -> str:
    """SQL for the typed value of one column from its trimmed text ``v`` (NULL when invalid).

    Evaluated once per *distinct* value of the column (see ``_dictionary``), not per row.
    """
    if col.kind == "network":
        return f"regexp_replace({v}, '\\s+', ' ', 'g')"
    if col.kind == "code":
        return lookup(col.key, v)
    if col.kind == "age":
        age = f"TRY_CAST(regexp_extract({v}, '^[0-9]+') AS INTEGER)"
        bands = " ".join(f"WHEN {age} BETWEEN {low} AND {high} THEN '{code}'"
                         for code, low, high in spec.AGE_BANDS)
        return (f"CASE WHEN regexp_full_match({v}, '{WHOLE_NUMBER}') THEN "
                f"CASE WHEN {age} <= {MAX_AGE} THEN CASE {bands} END END "
                f"ELSE {lookup(col.key, v)} END")
    if col.kind == "int":
        return (f"CASE WHEN regexp_full_match({v}, '{WHOLE_NUMBER}') "
                f"THEN TRY_CAST(regexp_extract({v}, '^-?[0-9]+') AS BIGINT) END")
    if col.kind == "yesno":
        n = norm(v)
        return f"CASE WHEN list_contains($yes, {n}) THEN true WHEN list_contains($no, {n}) THEN false END"
    if col.kind == "month":
        text = f"regexp_replace({v}, '{TIME_SUFFIX}', '')"
        parsed = (f"CASE WHEN regexp_full_match({text}, '{MONTH_SHAPE}') "
                  f"THEN CAST(try_strptime({text}, $month_formats) AS DATE) "
                  f"WHEN regexp_full_match({v}, '{EXCEL_SERIAL}') "
                  f"THEN DATE '1899-12-30' + TRY_CAST(regexp_extract({v}, '^[0-9]+') AS INTEGER) END")
        return f"CAST(date_trunc('month', {parsed}) AS DATE)"
    if col.kind == "list":
        codes = f"list_transform(l, lambda e: {lookup(col.key, 'e')})"
        return (f"CASE WHEN len(bad) = 0 AND len(l) BETWEEN 1 AND {spec.MAX_LIST_ELEMENTS} "
                f"THEN list_sort(list_distinct({codes})) END")
    if col.kind == "names":
        names = "list_transform(l, lambda e: regexp_replace(e, '\\s+', ' ', 'g'))"
        return (f"CASE WHEN len(l) BETWEEN 1 AND {spec.MAX_LIST_ELEMENTS} "
                f"THEN list_filter({names}, lambda x, i: list_position({names}, x) = i) END")
    raise ValueError(col.kind)


def params(network: str | None, today: date) -> dict[str, Any]:
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


def column_rules(col: spec.Column, present: bool) -> list[Rule]:
    """(rule, source, condition, value shown, detail) for one column's own values.

    A cell longer than the column's limit (``spec.max_length``) is one "laengde" error and is
    not parsed at all (``v`` is NULL for it in the dictionary): limits come before work.
    """
    if not present:
        return []
    r = q("r_" + col.key)
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


def rule_sql(col: spec.Column, rule: str, source: str, condition: str, value: str, detail: str) -> str:
    """One rule as a SELECT of (row, key, rule, level, value, detail) rows."""
    r = q("r_" + col.key)
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

# A case identity (network, case-id key) found on more than one row, with its first row. An
# aggregate, not a window over every row: half the cost on 1M rows, and a file without
# duplicates (nearly every file) needs no second look (``validate._check_cross``).
DUPLICATE_KEYS_SQL = """CREATE OR REPLACE TEMP TABLE v_duplicate_keys AS
    SELECT netvaerk, sags_key, min(row_in_file) AS first_row FROM v_parsed
    WHERE sags_key IS NOT NULL AND netvaerk IS NOT NULL
    GROUP BY netvaerk, sags_key HAVING count(*) > 1"""
# Every later row of a duplicated identity: an error naming the first row.
DUPLICATE_SQL = """
    SELECT p.row_in_file, 'sags_id', 'dublet', 'fejl', p.sags_id, CAST(d.first_row AS VARCHAR)
    FROM v_parsed p JOIN v_duplicate_keys d USING (netvaerk, sags_key)
    WHERE p.row_in_file > d.first_row
"""


def dictionary_sql(col: spec.Column) -> str:
    """A SELECT of each distinct value of one column, parsed once, for ``v_dictionary``.

    Columns: key, raw, v (trimmed; NULL when the cell is longer than the column's limit, so an
    over-long cell is never parsed), the typed value in the slot of its type (t_text, t_date,
    t_bool, t_int, t_list; the others NULL), l (list elements), bad (unknown list elements, only
    looked for up to ``spec.MAX_LIST_ELEMENTS``), n (list length), too_long, and problem (why a
    network name is not known; filled in by ``_resolve_networks``).
    """
    slot = SLOTS.get(col.kind, "t_text")
    typed = ", ".join(f"{typed_sql(col) if name == slot else 'NULL'}::{kind} AS {name}"
                      for name, kind in SLOT_TYPES.items())
    split = elements("v") if col.is_list else "CAST([] AS VARCHAR[])"
    bad = "CAST([] AS VARCHAR[])"
    if col.kind == "list":
        bad = (f"CASE WHEN len(l) <= {spec.MAX_LIST_ELEMENTS} THEN "
               f"list_filter(l, lambda e: NOT list_contains($n_{col.key}, {norm('e')})) ELSE [] END")
    limit = spec.max_length(col)
    return f"""SELECT '{col.key}' AS key, raw, v, {typed}, l, bad, len(l) AS n, too_long,
               CAST(NULL AS VARCHAR) AS problem
        FROM (SELECT *, {bad} AS bad FROM (SELECT raw, v, too_long, {split} AS l
              FROM (SELECT raw, length(raw) > {limit} AS too_long,
                           CASE WHEN length(raw) <= {limit} THEN nullif(trim(raw, $ws), '') END AS v
                    FROM (SELECT DISTINCT {q('r_' + col.key)} AS raw FROM v_raw
                          WHERE {q('r_' + col.key)} IS NOT NULL))))"""


def used(params: dict[str, Any], sql: str) -> dict[str, Any]:
    """Only the parameters a statement mentions (DuckDB refuses unused named parameters)."""
    return {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", sql)}


def row_hash_sql(alias: str) -> str:
    """SQL hashing a case's validated values (all spec keys) in table ``alias``.

    Used to tell a changed case from an unchanged one. Ingest hashes the stored version and
    the new one in the same statement, so the hash function only has to agree with itself.
    """
    return "hash(" + ", ".join(f"{alias}.{q(k)}" for k in spec.KEYS) + ")"

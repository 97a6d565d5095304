"""The privacy screen: nothing that identifies a child enters the database.

Free text from the networks (``erfaringer``, ``aktoerer``, ``sags_id``) and from the
dashboards (meeting notes) is screened for CPR numbers, phone numbers, e-mail addresses,
social-media handles and first names of persons. A hit is an error for the caller; the value
itself is never echoed, only a masked prefix (``0101******``) that lets a person find the spot.

Two faces, one set of rules:

* :func:`scan` runs over a DuckDB table (1,000,000 rows of free text in well under a second
  per column on two cores; see ``benchmarks/privacy.py``),
* :func:`find_in_text` screens one string in Python, for the dashboards.

Both use the pattern constants below. They are written in the subset of regular-expression
syntax that RE2 (DuckDB) and Python's ``re`` read the same way: no look-arounds, no ``\\b``
(RE2's is ASCII-only, so it fails next to æ/ø/å), no ``\\d``/``\\w`` (Unicode in Python, ASCII in
RE2), and leftmost-first alternation in both. Every pattern captures the finding itself in
group 2 (:data:`CORE_GROUP`); group 1 is the character before it (or the start of the text),
which is how "not part of a longer number/word" is said without look-behind. The trailing
``(?:[^…]|$)`` never depends on Python's ``$`` matching before a final newline, because a
newline is itself a ``[^…]`` character. ``tests/ingest/test_privacy.py`` checks that SQL and Python
agree on a shared list of examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import duckdb
import pandas as pd

KINDS: tuple[str, ...] = ("cpr", "phone", "email", "handle", "name")

KIND_LABELS: dict[str, str] = {
    "cpr": "et CPR-nummer",
    "phone": "et telefonnummer",
    "email": "en e-mailadresse",
    "handle": "et brugernavn (@…)",
    "name": "et personnavn",
}

# The plan's own public numbers are organisations, not persons: a network may write
# "henviste til Sikkerchat 29 27 01 01". (114/112 are too short to look like a phone anyway.)
DEFAULT_ALLOWED_PHONES: tuple[str, ...] = (
    "35 36 55 55",  # Red Barnets hotline
    "29 27 01 01",  # Sikkerchat
)

CORE_GROUP = 2

# Characters that continue a word: a name must not be glued to any of them.
_WORD_CHARS = "A-Za-z0-9_ÆØÅæøåÄÖÜäöüÉéÈèÁáÍíÓóÚúÑñ"
# Characters of an e-mail's local part: a handle's @ must not follow one of them.
_EMAIL_CHARS = "A-Za-z0-9._%+\\-ÆØÅæøå"

# CPR: DDMMYY with a plausible day (01–31) and month (01–12), optional dash or space, 4 digits.
_CPR_DATE = "(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])[0-9]{2}"
CPR_CORE = _CPR_DATE + "[- ]?[0-9]{4}"
CPR_PATTERN = f"(^|[^0-9])({CPR_CORE})(?:[^0-9]|$)"

# Phone: 8 digits starting 2–9 (Danish subscriber numbers), written 12345678, 1234 5678 or
# 12 34 56 78 (also with . or - between the pairs), optionally after +45, 0045 or (+45).
# Dates (01.03.2025), case numbers (2025-0042), years and percentages have other shapes; two
# years written 4+4 ("2023 2024") are left out explicitly (RE2 has no negative look-ahead).
_PHONE_PREFIX = "(?:\\(?(?:\\+|00) ?45\\)? ?)?"
_NOT_YEAR = "(?:[03-9][0-9]|1[0-8]|2[1-9])[0-9]{2}"  # 4 digits that are not 19xx/20xx
_PHONE_NUMBER = (
    "(?:[2-9][0-9]{7}"
    "|(?:2[1-9]|[3-9][0-9])[0-9]{2} [0-9]{4}|20[0-9]{2} " + _NOT_YEAR +
    "|[2-9][0-9](?:(?: [0-9]{2}){3}|(?:\\.[0-9]{2}){3}|(?:-[0-9]{2}){3}))"
)
PHONE_PATTERN = f"(^|[^0-9])({_PHONE_PREFIX}{_PHONE_NUMBER})(?:[^0-9]|$)"

EMAIL_PATTERN = (
    f"(^|[^{_EMAIL_CHARS}])"
    "([A-Za-z0-9._%+\\-ÆØÅæøå]+@[A-Za-z0-9\\-ÆØÅæøå]+(?:\\.[A-Za-z0-9\\-ÆØÅæøå]+)*\\.[A-Za-z]{2,})"
)

# Handle: @ + 2 or more of letters, digits, _ and . (starting with a letter, digit or _),
# not preceded by an e-mail character (so the @ of an address is not a handle).
HANDLE_PATTERN = f"(^|[^{_EMAIL_CHARS}])(@[A-Za-z0-9_ÆØÅæøå][A-Za-z0-9_.ÆØÅæøå]+)"

# Allowed spans (the plan's own numbers, organisation names) are overwritten before matching.
# The fillers are chosen so that blanking can never *create* a match that the raw text lacks:
# a run of >= 8 zeros can't be part of any phone (its digit groups would start with 0 or be
# too long), and "_" continues a word, so no name becomes a whole word next to it. That keeps
# a match on the raw text a valid pre-check in SQL, and the SQL and Python faces identical.
PHONE_FILLER = "0"
NAME_FILLER = "_"

NAMES_RESOURCE = "danish_first_names.txt"
_REGEX_SPECIALS = set("\\.^$|?*+()[]{}")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data in a text: its kind, a masked form, and where it is."""

    kind: str
    masked: str
    start: int
    end: int

    @property
    def label(self) -> str:
        """Danish phrase for messages: "Teksten indeholder {label}"."""
        return KIND_LABELS[self.kind]


# --- patterns ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def first_names() -> tuple[str, ...]:
    """The curated first names shipped in ``data/danish_first_names.txt`` (comments dropped)."""
    resource = resources.files("evaluation.ingest").joinpath("data", NAMES_RESOURCE)
    text = resource.read_text(encoding="utf-8")
    names: dict[str, None] = {}
    for line in text.splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names[name] = None
    return tuple(names)


def _escape(literal: str) -> str:
    """Escape a literal for RE2 and Python alike; any run of whitespace matches any run."""
    parts: list[str] = []
    for word in literal.split():
        parts.append("".join("\\" + ch if ch in _REGEX_SPECIALS else ch for ch in word))
    return "[ \\t\\r\\n]+".join(parts)


@lru_cache(maxsize=1)
def name_pattern() -> str:
    """Whole capitalised first names, with an optional genitive -s ("Emmas")."""
    names = sorted(first_names(), key=lambda n: (-len(n), n))  # longest first: "Anne" before "Ann"
    alternation = "|".join(_escape(n) for n in names)
    return f"(^|[^{_WORD_CHARS}])({alternation})s?(?:[^{_WORD_CHARS}]|$)"


def allowed_names_pattern(allowed_names: Iterable[str]) -> str | None:
    """Organisation names to blank out before names are matched (any case), or None."""
    names = sorted({" ".join(n.split()) for n in allowed_names if n and n.strip()},
                   key=lambda n: (-len(n), n))
    if not names:
        return None
    return "(?i:" + "|".join(_escape(n) for n in names) + ")"


def _phone_digits(phone: str) -> str:
    """The 8 subscriber digits of a Danish number, without +45/0045."""
    digits = re.sub("[^0-9]", "", phone)
    for prefix in ("0045", "45"):
        if len(digits) == 8 + len(prefix) and digits.startswith(prefix):
            return digits[len(prefix):]
    return digits


def allowed_phones_pattern(allowed_phones: Iterable[str]) -> str | None:
    """The organisations' numbers in any grouping and with any prefix, or None.

    Only 8-digit numbers matter: shorter ones (114) never look like a phone anyway.
    """
    numbers = sorted({d for d in map(_phone_digits, allowed_phones) if len(d) == 8})
    if not numbers:
        return None
    spelled = ("[ .\\-]?".join(number) for number in numbers)
    return _PHONE_PREFIX + "(?:" + "|".join(spelled) + ")"


def any_pattern() -> str:
    """A cheap superset of every kind, to skip the (many) clean texts in one pass."""
    return f"(?:{CPR_PATTERN})|(?:{PHONE_PATTERN})|@|(?:{name_pattern()})"


# --- masking ----------------------------------------------------------------------------

_CPR_FULL = re.compile(CPR_CORE)


def mask(value: str) -> str:
    """Keep just enough of a value to find the spot: 4 digits of a CPR, else 1–2 characters.

    The rest becomes ``*``; a value is never returned whole (a 1-character value becomes "*").
    """
    value = value.strip()
    if not value:
        return ""
    if _CPR_FULL.fullmatch(value):
        keep = 4
    elif len(value) >= 8:
        keep = 2
    else:
        keep = 1
    keep = min(keep, len(value) - 1)
    return value[:keep] + "*" * (len(value) - keep)


# --- Python face ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    by_kind: dict[str, re.Pattern[str]]
    allowed_phones: re.Pattern[str] | None
    allowed_names: re.Pattern[str] | None


@lru_cache(maxsize=32)
def _compiled(allowed_names: tuple[str, ...], allowed_phones: tuple[str, ...]) -> _Compiled:
    """Compile once per allowed-lists combination (dashboards call this per keystroke)."""
    phones = allowed_phones_pattern(allowed_phones)
    names = allowed_names_pattern(allowed_names)
    return _Compiled(
        by_kind={kind: re.compile(pattern) for kind, pattern in _patterns().items()},
        allowed_phones=re.compile(phones) if phones else None,
        allowed_names=re.compile(names) if names else None,
    )


def _patterns() -> dict[str, str]:
    return {"cpr": CPR_PATTERN, "phone": PHONE_PATTERN, "email": EMAIL_PATTERN,
            "handle": HANDLE_PATTERN, "name": name_pattern()}


def _blank(pattern: re.Pattern[str] | None, text: str, filler: str) -> str:
    """Overwrite allowed spans with filler of the same length, so offsets stay valid."""
    if pattern is None:
        return text
    return pattern.sub(lambda m: filler * len(m.group(0)), text)


def _iter_cores(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match, resuming right after the core so the trailing boundary can be reused."""
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        yield m
        pos = m.end(CORE_GROUP)


def find_in_text(
    text: str | None,
    allowed_names: Iterable[str] = (),
    *,
    allowed_phones: Iterable[str] = DEFAULT_ALLOWED_PHONES,
) -> list[Finding]:
    """All personal data in one text, in reading order (the same rules as :func:`scan`)."""
    if not text:
        return []
    compiled = _compiled(tuple(allowed_names), tuple(allowed_phones))
    subjects = {
        "phone": _blank(compiled.allowed_phones, text, PHONE_FILLER),
        "name": _blank(compiled.allowed_names, text, NAME_FILLER),
    }
    findings: list[Finding] = []
    for kind, pattern in compiled.by_kind.items():
        for m in _iter_cores(pattern, subjects.get(kind, text)):
            start, end = m.span(CORE_GROUP)
            findings.append(Finding(kind, mask(text[start:end]), start, end))
    findings.sort(key=lambda f: (f.start, KINDS.index(f.kind)))
    return findings


# --- SQL face ---------------------------------------------------------------------------


def quote_identifier(name: str) -> str:
    """Double-quote an identifier of our own code (table/column) for DuckDB SQL."""
    return '"' + name.replace('"', '""') + '"'


def _sql_string(literal: str) -> str:
    """A single-quoted SQL literal for the module's own constant patterns (never user data)."""
    return "'" + literal.replace("'", "''") + "'"


def looks_like_cpr_sql(expr: str) -> str:
    """SQL boolean: does ``expr`` contain a CPR-like number (DDMMYY[-]XXXX, plausible date)?

    Same rule as :func:`scan`'s ``cpr`` kind (not part of a longer digit run), so a sags_id
    like ``SAG-010190-1234`` is caught too. NULL gives false. ``expr`` is SQL from our code.
    """
    return f"coalesce(regexp_matches(CAST(({expr}) AS VARCHAR), {_sql_string(CPR_PATTERN)}), false)"


def _text_expr(con: duckdb.DuckDBPyConnection, table: str, column: str) -> str:
    """The column as one VARCHAR: list elements joined by newlines (a boundary for all kinds)."""
    quoted = quote_identifier(column)
    col_type = con.sql(f"SELECT {quoted} FROM {quote_identifier(table)} LIMIT 0").types[0]
    if col_type.id in ("list", "array"):
        return f"array_to_string({quoted}, chr(10))"
    return f"CAST({quoted} AS VARCHAR)"


def _scan_sql(table: str, row_column: str, text_expr: str, *, phones: bool, names: bool) -> str:
    """One pass with the superset pattern, then each kind only on the texts it flagged."""
    phone_text = "regexp_replace(t, $allowed_phones, $phone_filler, 'g')" if phones else "t"
    name_text = "regexp_replace(t, $allowed_names, $name_filler, 'g')" if names else "t"
    return f"""
        SELECT rid, kind, value FROM (
            SELECT rid,
                nullif(regexp_extract(t, $cpr, 2), '') AS cpr,
                CASE WHEN regexp_matches(t, $phone)
                     THEN nullif(regexp_extract({phone_text}, $phone, 2), '') END AS phone,
                CASE WHEN contains(t, '@')
                     THEN nullif(regexp_extract(t, $email, 2), '') END AS email,
                CASE WHEN contains(t, '@')
                     THEN nullif(regexp_extract(t, $handle, 2), '') END AS handle,
                CASE WHEN regexp_matches(t, $name)
                     THEN nullif(regexp_extract({name_text}, $name, 2), '') END AS name
            FROM (SELECT {quote_identifier(row_column)} AS rid, {text_expr} AS t
                  FROM {quote_identifier(table)}) AS src
            WHERE t IS NOT NULL AND regexp_matches(t, $any)
        ) UNPIVOT (value FOR kind IN (cpr, phone, email, handle, name))
    """


def scan(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    row_column: str,
    allowed_names: Iterable[str] = (),
    *,
    allowed_phones: Iterable[str] = DEFAULT_ALLOWED_PHONES,
) -> pd.DataFrame:
    """Personal data in free-text columns of a table, vectorised in DuckDB.

    Returns one row per (row, column, kind) with the first match of that kind in the cell:
    columns ``row`` (the value of ``row_column``), ``column``, ``kind`` (see :data:`KINDS`)
    and ``masked``. Columns may be VARCHAR (or anything castable) or lists of VARCHAR.
    ``allowed_names`` are organisation names from the plan registry; their words are not
    names of persons. ``table``/``columns``/``row_column`` are identifiers of our own code.
    """
    phones = allowed_phones_pattern(allowed_phones)
    names = allowed_names_pattern(allowed_names)
    params: dict[str, str] = {**_patterns(), "any": any_pattern()}
    if phones:  # a run of 8 (Python keeps the span's length; both are >= 8, see PHONE_FILLER)
        params.update(allowed_phones=phones, phone_filler=PHONE_FILLER * 8)
    if names:
        params.update(allowed_names=names, name_filler=NAME_FILLER)
    frames: list[pd.DataFrame] = []
    for column in columns:
        sql = _scan_sql(table, row_column, _text_expr(con, table, column),
                        phones=phones is not None, names=names is not None)
        found = con.execute(sql, params).df()
        if len(found):
            found.insert(1, "column", column)
            frames.append(found)
    if not frames:
        return pd.DataFrame({"row": pd.Series(dtype="int64"), "column": pd.Series(dtype="str"),
                             "kind": pd.Series(dtype="str"), "masked": pd.Series(dtype="str")})
    out = pd.concat(frames, ignore_index=True).rename(columns={"rid": "row"})
    out["masked"] = out.pop("value").map(mask)
    # Stable reading order for messages: by row, then the caller's column order, then kind.
    out["_column_rank"] = out["column"].map({col: i for i, col in enumerate(columns)})
    out["_kind_rank"] = out["kind"].map({kind: i for i, kind in enumerate(KINDS)})
    out = out.sort_values(["row", "_column_rank", "_kind_rank"], kind="stable")
    return out[["row", "column", "kind", "masked"]].reset_index(drop=True)

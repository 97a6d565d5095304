"""When are two names the same? One rule for network names and case ids, in one place.

People type network names and case ids by hand, in Excel, on Danish and foreign keyboards,
and paste them from mails. The same network must never become two because of a capital
letter, a double space, a decomposed "å" (a + ring), or a look-alike character (Cyrillic "і",
a zero-width space). The rule:

* :func:`clean` — what is stored and shown: Unicode NFC, every run of blanks (tabs, no-break
  spaces, line breaks) one space, no blanks at the ends. Case is kept as written.
* :func:`identity_key` — what is compared: the cleaned text case-folded (``str.casefold``, so
  "STRASSE" = "straße") and NFC again (folding can decompose). "Sindal", " SINDAL " and
  "sindal" share one key; "Sindall" does not (a typo is offered as "Mente du …?", never
  merged silently).
* :func:`suspicious_characters` — the confusables check: characters a person can't see or
  can't tell from a Latin letter are refused, never mapped. Invisible and control characters
  (Unicode categories Cc, Cf, Co, Cn, Cs: zero-width space, direction marks, soft hyphen);
  letters of another script that Unicode's confusables table lists as looking like a Latin or
  common character (Cyrillic "і" for "i", Greek "Ο" for "O"); and compatibility forms that
  NFKC would turn into something else (full-width "Ｓ", the ligature "ﬁ", superscripts).
  Refusing is safer than mapping: "Sіndal" with a Cyrillic і is more likely a paste from
  somewhere odd than a new network, and the person is told exactly which character it was.

The confusables data come from the ``confusable_homoglyphs`` package: a pure-Python wheel of
Unicode's own ``confusables.txt`` and ``Scripts.txt`` (UTS #39). ICU's SpoofChecker (PyICU) is
the other well-kept implementation, but PyICU ships only as source and would be compiled
against libicu on every fresh machine and CI run; we need only "which script is this
character, and which Latin character does it imitate", which the tables answer directly.

:func:`ascii_key_sql` is the same key written in SQL for texts of printable ASCII (there NFC
and case folding reduce to ``lower``; :func:`plain_sql` tells them apart), so a million case
ids are keyed in DuckDB and only the few others come to Python. ``tests/test_identity.py`` checks that both faces agree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from confusable_homoglyphs import categories, confusables

# Python's str.split() splits on exactly these ASCII characters; the SQL twin must too.
ASCII_BLANKS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
INVISIBLE_CATEGORIES = ("Cc", "Cf", "Co", "Cn", "Cs")
SAFE_SCRIPTS = ("LATIN", "COMMON", "INHERITED")
_SCRIPT_NAMES = {
    "CYRILLIC": "kyrillisk", "GREEK": "græsk", "ARMENIAN": "armensk", "CHEROKEE": "cherokee",
    "ARABIC": "arabisk", "HEBREW": "hebraisk", "COPTIC": "koptisk", "GEORGIAN": "georgisk",
}


@dataclass(frozen=True)
class Suspicious:
    """One character the confusables check refuses: what it is and what it may pass for."""

    char: str
    kind: str               # "usynligt", "fremmed" (another script), "afvigende" (compatibility form)
    looks_like: str | None  # the Latin/common character it imitates, if any

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"

    def describe(self) -> str:
        """A Danish phrase naming the character without printing an invisible one."""
        if self.kind == "usynligt":
            return f"et usynligt tegn ({self.codepoint})"
        if self.kind == "fremmed":
            script = _SCRIPT_NAMES.get(_script(self.char), "ikke-latinsk")
            like = f", der ligner det latinske »{self.looks_like}«" if self.looks_like else ""
            return f"et {script} »{self.char}« ({self.codepoint}){like}"
        like = f" i stedet for »{self.looks_like}«" if self.looks_like else ""
        return f"et afvigende tegn »{self.char}« ({self.codepoint}){like}"


def clean(text: str) -> str:
    """The form stored and shown: NFC, blanks collapsed to one space, ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def identity_key(text: str) -> str:
    """The form compared: :func:`clean`, case-folded, NFC again. Equal keys = the same name."""
    return unicodedata.normalize("NFC", clean(text).casefold())


_BLANKS_CLASS = "".join(f"\\x{ord(c):02x}" for c in ASCII_BLANKS)


def plain_sql(expr: str) -> str:
    """SQL: is ``expr`` printable ASCII and blanks only? There :func:`ascii_key_sql` is the key and
    no character can be suspicious; anything else is judged in Python (few values)."""
    return f"regexp_full_match({expr}, '[\\x20-\\x7e{_BLANKS_CLASS}]*')"


def ascii_key_sql(expr: str) -> str:
    """SQL for :func:`identity_key` of a text where :func:`plain_sql` holds (``expr`` is SQL of our
    own code, never data): NFC changes nothing there and casefold is lower(); the blanks are
    the ones str.split() knows, collapsed only where there are any (most ids have none)."""
    collapsed = f"trim(regexp_replace({expr}, '[{_BLANKS_CLASS}]+', ' ', 'g'))"
    return f"lower(CASE WHEN regexp_matches({expr}, '[{_BLANKS_CLASS}]') THEN {collapsed} ELSE {expr} END)"


@lru_cache(maxsize=4096)
def _script(char: str) -> str:
    try:
        return categories.alias(char)
    except (KeyError, IndexError):  # a code point the tables do not know: unassigned
        return "UNKNOWN"


@lru_cache(maxsize=4096)
def _judge(char: str) -> Suspicious | None:
    """The verdict on one character (cached: names repeat a small alphabet)."""
    category = unicodedata.category(char)
    if char.isspace():
        return None  # blanks are collapsed by clean(), never refused
    if category in INVISIBLE_CATEGORIES:
        return Suspicious(char, "usynligt", None)
    if _script(char) not in SAFE_SCRIPTS:
        like = _latin_lookalike(char)
        if like:
            return Suspicious(char, "fremmed", like)
        if _script(char) == "UNKNOWN":
            return Suspicious(char, "usynligt", None)
        return None  # another script, but nothing Latin it could pass for
    compatible = unicodedata.normalize("NFKC", char)
    if compatible != char and char.isalnum():
        return Suspicious(char, "afvigende", compatible)
    return None


def _latin_lookalike(char: str) -> str | None:
    """The plain character this one imitates per Unicode's table: ASCII first, else Latin."""
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin", "common"])
    glyphs = [g["c"] for entry in found or [] for g in entry["homoglyphs"]]
    plain = [g for g in glyphs if g.isascii() and g.isprintable()]
    latin = [g for g in glyphs if all(_script(c) == "LATIN" for c in g)]
    return (plain or latin or [None])[0]


def suspicious_characters(text: str) -> list[Suspicious]:
    """Every character of ``text`` the confusables check refuses, in order, each once."""
    seen: dict[str, Suspicious] = {}
    for char in unicodedata.normalize("NFC", text):
        if char.isascii() and (char.isprintable() or char in ASCII_BLANKS):
            continue  # fast path: printable ASCII and blanks are always fine
        verdict = _judge(char)
        if verdict is not None and char not in seen:
            seen[char] = verdict
    return list(seen.values())


def unmasked(text: str) -> str:
    """The text with each look-alike replaced by what it imitates, invisibles dropped.

    Used only to *suggest* a known name ("Mente du »Sindal«?"), never to accept one.
    """
    out = []
    for char in clean(text):
        verdict = _judge(char) if not char.isascii() else None
        if verdict is None:
            out.append(char)
        elif verdict.looks_like:
            out.append(verdict.looks_like)
    return "".join(out)


_SLUG_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


def slug(text: str) -> str:
    """A stable ASCII id from a name ("Hjørring By" -> "hjoerring_by"), for registry ids."""
    folded = identity_key(text).translate(_SLUG_FOLD)
    folded = unicodedata.normalize("NFKD", folded)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    out = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")
    if not out or not out[0].isalpha():
        out = "n_" + out
    return out

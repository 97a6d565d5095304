"""name_keys.py: one rule for when two names are the same, in Python and (for ASCII) in SQL."""

from __future__ import annotations

import unicodedata

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import name_keys


@pytest.mark.parametrize(("a", "b"), [
    ("Sindal", " SINDAL "), ("Hjørring By", "hjørring\u00a0 by"), ("Tårs", "Ta\u030ars"),  # decomposed å
    ("SAG-1", "sag-1"), ("Straße", "STRASSE"), ("Vrå", "VRÅ\t"),
])
def test_the_same_name_however_typed(a: str, b: str) -> None:
    assert name_keys.identity_key(a) == name_keys.identity_key(b)


@pytest.mark.parametrize(("a", "b"), [("Sindal", "Sindall"), ("SAG-10", "SAG-1O"), ("Vrå", "Vra")])
def test_different_names_stay_different(a: str, b: str) -> None:
    assert name_keys.identity_key(a) != name_keys.identity_key(b)


def test_clean_keeps_case_and_composes() -> None:
    assert name_keys.clean("  Ta\u030ars \t By ") == "Tårs By"
    assert unicodedata.is_normalized("NFC", name_keys.clean("Ta\u030ars"))


@pytest.mark.parametrize(("text", "kind", "looks_like"), [
    ("S\u0456ndal", "fremmed", "i"),          # Cyrillic і
    ("\u041enord", "fremmed", "O"),            # Cyrillic О
    ("Sin\u200bdal", "usynligt", None),        # zero-width space
    ("Sindal\u00ad", "usynligt", None),        # soft hyphen
    ("\uff33indal", "afvigende", "S"),         # full-width S
    ("Sindal\u202e", "usynligt", None),        # right-to-left override
])
def test_look_alike_and_invisible_characters_are_found_and_named(text: str, kind: str, looks_like: str | None) -> None:
    found = name_keys.suspicious_characters(text)
    assert [(s.kind, s.looks_like) for s in found] == [(kind, looks_like)]
    described = found[0].describe()
    assert "U+" in described and "\u200b" not in described
    assert name_keys.identity_key(name_keys.unmasked(text)) == name_keys.identity_key(text.replace(found[0].char, looks_like or ""))


@pytest.mark.parametrize("text", ["Sindal", "Hjørring By", "Løkken", "Tårs", "Ærø-Øst", "Café Müller", "SAG/25-01 (b)"])
def test_ordinary_danish_and_latin_names_pass(text: str) -> None:
    assert name_keys.suspicious_characters(text) == []


def test_slug_is_an_ascii_id() -> None:
    assert name_keys.slug("Hjørring By") == "hjoerring_by"
    assert name_keys.slug("Vrå") == "vraa"
    assert name_keys.slug("2. Skole") == "n_2_skole"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=30))
def test_the_sql_key_is_the_python_key_for_plain_ascii(text: str) -> None:
    con = duckdb.connect()
    plain, key = con.execute(f"SELECT {name_keys.plain_sql('$t')}, {name_keys.ascii_key_sql('$t')}", {"t": text}).fetchone()
    printable = all(ch.isprintable() or ch in name_keys.ASCII_BLANKS for ch in text)
    assert plain == printable
    if plain:
        assert key == name_keys.identity_key(text)

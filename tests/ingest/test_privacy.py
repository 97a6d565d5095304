"""privacy.py: the PII screen finds what identifies a person, and only that.

A false negative lets personal data into the database; a false positive blocks a whole file.
Both are tested, and the SQL face (RE2 in DuckDB) is checked against the Python face (re).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.store import db
from evaluation.ingest import privacy
from evaluation.ingest.privacy import KIND_LABELS, KINDS, find_in_text, mask, scan

ORGS = ["Red Barnet", "Center for Seksuelle Overgreb", "Børns Vilkår", "Sikkerchat",
        "Mads Clausen Skolen"]

# (text, kind, the exact text that must be found)
POSITIVES: list[tuple[str, str, str]] = [
    ("CPR 010190-1234 stod i beskeden.", "cpr", "010190-1234"),
    ("Nummeret 0101901234 blev delt.", "cpr", "0101901234"),
    ("311299 1234 stod på billedet", "cpr", "311299 1234"),
    ("2802051234", "cpr", "2802051234"),
    ("Ring 22334455 efter skole.", "phone", "22334455"),
    ("Tlf. 2233 4455 til moren.", "phone", "2233 4455"),
    ("Ring 2012 3456 (et mobilnummer, ikke to årstal)", "phone", "2012 3456"),
    ("Mobil 22 33 44 55.", "phone", "22 33 44 55"),
    ("Nr. 22.33.44.55 stod i chatten", "phone", "22.33.44.55"),
    ("Ring +45 22 33 44 55 i aften", "phone", "+45 22 33 44 55"),
    ("Ring +4522334455", "phone", "+4522334455"),
    ("Ring 0045 22334455", "phone", "0045 22334455"),
    ("Ring (+45) 98 76 54 32", "phone", "(+45) 98 76 54 32"),
    ("Sikkerchat 29 27 01 01 eller faren på 41 22 33 44", "phone", "41 22 33 44"),
    ("Skriv til emma.hansen@gmail.com om billederne", "email", "emma.hansen@gmail.com"),
    ("mads_2010@hotmail.dk", "email", "mads_2010@hotmail.dk"),
    ("Kontakt: soeren@skole.hjoerring.dk.", "email", "soeren@skole.hjoerring.dk"),
    ("Profilen @emma_2010 delte videoen", "handle", "@emma_2010"),
    ("På Instagram (@sofie.b) lå billedet", "handle", "@sofie.b"),
    ("@mads12", "handle", "@mads12"),
    ("Emma i 7.b fik hjælp.", "name", "Emma"),
    ("Vi talte med Mads og hans forældre.", "name", "Mads"),
    ("Billedet af Sofie blev delt i klassen.", "name", "Sofie"),
    ("Olivers mor kontaktede skolen.", "name", "Oliver"),
    ("Klassekammeraten Lærke hjalp.", "name", "Lærke"),
    ("Søren fra 9. klasse", "name", "Søren"),
    ("Anne-Sofie blev chikaneret", "name", "Anne"),
    ("Skolen\nIda blev truet", "name", "Ida"),
    ("Vi samarbejdede med Mads Clausen Skolen.", "name", "Mads"),  # without the registry
]

NEGATIVES: list[str] = [
    "Vi kontaktede Red Barnet SletDet og Politiet; materialet blev slettet inden for 2 dage.",
    "Sag 2025-0042 afsluttet 01.03.2025",
    "Ring 114",
    "Sikkerchat 29 27 01 01",
    "Henviste til Sikkerchat ((+45 ) 29 27 01 01) og Red Barnets hotline ((+45) 35 36 55 55).",
    "Red Barnets hotline 3536 5555 eller +4535365555",
    "Per uge holdt vi møde",
    "13 % af eleverne havde oplevet det.",
    "Mellem 2019 og 2024 steg antallet fra 3.000 til 5.300 anmeldelser.",
    "Mødet var kl. 14.30-16.00 den 12.03.2025, næste gang 2025-04-01.",
    "Antal sager 2022 2023 2024: 4 5 7.",
    "Skoleåret 2023/2024 kostede 25.000 kr., videoen havde 1.234.567 visninger.",
    "Se redbarnet.dk/sletdet og politi.dk/anmeld.",
    "Mødet @ skolen varede 2 timer.",
    "Ugyldige datoer: 320190-1234 og 011390-1234, og 12345678901 er for langt.",
    "Nummeret 12345678 er ikke dansk, og 02 34 56 78 heller ikke.",
    "Bo, Mark og Storm er ord her. Sol, Alle, Vilde, Else, Tue og Ask også.",
    "August 2025 havde vi tre sager. Max. 2 dage til forældrene blev inddraget.",
    "emma og mads skrev med små bogstaver; EMMA med store.",
    "Idaho, Sofieø og Emmaline er ikke navne i listen.",
    "Center for Seksuelle Overgreb og Børns Vilkår gav vejledning.",
    "Vi samarbejdede med Mads Clausen Skolen.",
    "Snapchat, Instagram, TikTok og Discord var platformene.",
    "CPR-nummer blev ikke registreret; 7. klasse, 8.b og 9 elever.",
]


def _found(text: str, allowed: list[str] | None = None) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start:f.end]) for f in find_in_text(text, allowed or [])]


# --- Python face: true positives and true negatives -------------------------------------


@pytest.mark.parametrize(("text", "kind", "expected"), POSITIVES)
def test_finds_personal_data(text: str, kind: str, expected: str) -> None:
    assert (kind, expected) in _found(text)


@pytest.mark.parametrize("text", NEGATIVES)
def test_ordinary_learnings_are_not_flagged(text: str) -> None:
    assert find_in_text(text, ORGS) == []


def test_finds_every_occurrence_even_when_adjacent() -> None:
    text = "Emma Mads Sofie: 22334455 41223344"
    assert _found(text) == [("name", "Emma"), ("name", "Mads"), ("name", "Sofie"),
                            ("phone", "22334455"), ("phone", "41223344")]


def test_organisation_names_are_masked_case_insensitively() -> None:
    assert find_in_text("Mødet med MADS CLAUSEN skolen", ["Mads Clausen"]) == []
    assert find_in_text("mads  clausen   Skolen og Mads", ["Mads Clausen Skolen"])[0].masked == "M***"


def test_allowed_phones_are_configurable() -> None:
    assert _found("Sikkerchat 29 27 01 01", allowed=None) == []
    assert _found_phones("Sikkerchat 29 27 01 01", allowed_phones=()) == ["29 27 01 01"]
    assert _found_phones("Kommunen 98 92 22 22", allowed_phones=["+45 9892 2222"]) == []


def _found_phones(text: str, allowed_phones: list[str] | tuple[str, ...]) -> list[str]:
    return [text[f.start:f.end] for f in find_in_text(text, allowed_phones=allowed_phones)
            if f.kind == "phone"]


def test_finding_carries_masked_value_and_danish_label() -> None:
    [finding] = find_in_text("CPR 0101901234")
    assert finding.masked == "0101******"
    assert finding.label == "et CPR-nummer"
    assert set(KIND_LABELS) == set(KINDS)


def test_empty_text_has_no_findings() -> None:
    assert find_in_text("") == []
    assert find_in_text(None) == []


# --- masking ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "masked"), [
    ("0101901234", "0101******"),
    ("010190-1234", "0101*******"),
    ("22 33 44 55", "22*********"),
    ("emma.hansen@gmail.com", "em*******************"),
    ("@emma_2010", "@e********"),
    ("Emma", "E***"),
    ("Bo", "B*"),
    ("x", "*"),
    ("", ""),
])
def test_mask_keeps_only_a_short_prefix(value: str, masked: str) -> None:
    assert mask(value) == masked


@given(st.text(alphabet=st.characters(blacklist_characters="*", blacklist_categories=("Cs",)),
               min_size=1, max_size=40).filter(lambda s: s.strip()))
def test_mask_never_contains_the_original(value: str) -> None:
    assert value.strip() not in mask(value)


@pytest.mark.parametrize(("text", "kind", "expected"), POSITIVES)
def test_masked_finding_never_contains_what_was_found(text: str, kind: str, expected: str) -> None:
    for finding in find_in_text(text):
        assert text[finding.start:finding.end] not in finding.masked


# --- SQL face ---------------------------------------------------------------------------


@pytest.fixture
def con(tmp_path: Path):
    """A real DuckDB file, opened the way ingest opens it."""
    with db.writer(tmp_path / "privacy.duckdb") as connection:
        yield connection


def _python_first_per_kind(texts: list[str | None], allowed: list[str]) -> set[tuple[int, str, str]]:
    """What scan should return: the first finding of each kind per text, masked."""
    expected: set[tuple[int, str, str]] = set()
    for row, text in enumerate(texts):
        seen: set[str] = set()
        for finding in find_in_text(text, allowed):
            if finding.kind not in seen:
                seen.add(finding.kind)
                expected.add((row, finding.kind, finding.masked))
    return expected


def _sql_findings(con: duckdb.DuckDBPyConnection, texts: list[str | None],
                  allowed: list[str]) -> set[tuple[int, str, str]]:
    frame = pd.DataFrame({"r": range(len(texts)), "t": pd.Series(texts, dtype=object)})
    con.register("texts_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE texts AS SELECT r, t::VARCHAR AS t FROM texts_frame")
    con.unregister("texts_frame")
    found = scan(con, "texts", ["t"], "r", allowed)
    assert (found["column"] == "t").all()
    return {(int(r), k, m) for r, k, m in zip(found["row"], found["kind"], found["masked"])}


def test_sql_and_python_agree_on_the_shared_examples(con: duckdb.DuckDBPyConnection) -> None:
    texts: list[str | None] = [t for t, _, _ in POSITIVES] + NEGATIVES + [None, ""]
    for allowed in ([], ORGS):
        python = _python_first_per_kind(texts, allowed)
        assert _sql_findings(con, texts, allowed) == python
    assert len(python) >= len(POSITIVES) - 1  # the registry clears "Mads Clausen Skolen"


TOKENS = ["Emma", "Mads", "Emmas", "Idaho", "Sofieø", "Red Barnet", "Sikkerchat", "@", "@ab",
          "x@y.dk", "+45", "0045", "(+45)", "29 27 01 01", "29270101", "3536 5555", "22", "33", "2233", "4455", "010190",
          "-", "1234", ".", " ", "\n", "ø", "å", "a", "_", "0", "9", "2025-0042", "01.03.2025", "2023", "2012"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(TOKENS), max_size=12).map("".join), min_size=1, max_size=60))
def test_sql_and_python_agree_on_generated_texts(con: duckdb.DuckDBPyConnection, texts: list[str]) -> None:
    assert _sql_findings(con, texts, ["Red Barnet"]) == _python_first_per_kind(texts, ["Red Barnet"])


def test_scan_reports_row_column_kind_and_masked(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TEMP TABLE staging AS SELECT * FROM (VALUES
            (2, 'S-1', 'Vi kontaktede Red Barnet.', ['Red Barnet SletDet', 'Politiet']),
            (3, '0101901234', 'Emma gav os 22 33 44 55 og emma@x.dk', ['Børns Vilkår', 'Sofie']),
            (4, 'S-3', NULL, NULL)
        ) AS t(excel_row, sags_id, erfaringer, aktoerer)
    """)
    found = scan(con, "staging", ["sags_id", "erfaringer", "aktoerer"], "excel_row", ORGS)
    assert list(found.columns) == ["row", "column", "kind", "masked"]
    assert found.to_dict("records") == [
        {"row": 3, "column": "sags_id", "kind": "cpr", "masked": "0101******"},
        {"row": 3, "column": "erfaringer", "kind": "phone", "masked": "22*********"},
        {"row": 3, "column": "erfaringer", "kind": "email", "masked": "em*******"},
        {"row": 3, "column": "erfaringer", "kind": "name", "masked": "E***"},
        {"row": 3, "column": "aktoerer", "kind": "name", "masked": "S****"},
    ]


def test_scan_of_clean_table_is_empty_with_the_columns(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP TABLE clean AS SELECT 2 AS excel_row, 'Ring 114' AS erfaringer")
    found = scan(con, "clean", ["erfaringer"], "excel_row")
    assert found.empty
    assert list(found.columns) == ["row", "column", "kind", "masked"]


def test_scan_quotes_identifiers(con: duckdb.DuckDBPyConnection) -> None:
    con.execute('CREATE TEMP TABLE "Sager ""2025""" ("Række nr" INTEGER, "Fri tekst; DROP" VARCHAR)')
    con.execute('INSERT INTO "Sager ""2025""" VALUES (7, ?)', ["Oliver blev truet"])
    found = scan(con, 'Sager "2025"', ["Fri tekst; DROP"], "Række nr")
    assert found[["row", "kind"]].values.tolist() == [[7, "name"]]


def test_scan_casts_non_text_columns(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP TABLE ids AS SELECT 2 AS excel_row, 2802051234::BIGINT AS sags_id")
    assert scan(con, "ids", ["sags_id"], "excel_row")["masked"].tolist() == ["2802******"]


@pytest.mark.parametrize(("value", "expected"), [
    ("010190-1234", True), ("0101901234", True), ("SAG-311299-1234", True),
    ("2025-0042", False), ("320190-1234", False), ("011390-1234", False),
    ("12345678901", False), ("S-17", False), (None, False),
])
def test_looks_like_cpr_sql(value: str | None, expected: bool) -> None:
    sql = f"SELECT {privacy.looks_like_cpr_sql('v')} FROM (SELECT ?::VARCHAR AS v)"
    assert duckdb.connect().execute(sql, [value]).fetchone()[0] is expected


# --- the name list ----------------------------------------------------------------------


def test_name_list_is_curated() -> None:
    names = privacy.first_names()
    assert len(names) >= 300
    assert all(n[:1].isupper() and n[1:].islower() for n in names), "one capitalised word per line"
    for common in ("Emma", "Mads", "Sofie", "Oliver", "William", "Ida", "Freja", "Noah", "Søren"):
        assert common in names
    for word in ("Per", "Bo", "Else", "Mark", "Tue", "Ask", "Sol", "Alle", "Storm", "Vilde",
                 "Hans", "Tom", "Liv", "August", "Max", "Jan"):
        assert word not in names, f"{word} is an ordinary word at a sentence start"


def test_name_file_has_no_duplicates() -> None:
    path = Path(privacy.__file__).parent / "data" / privacy.NAMES_RESOURCE
    lines = [ln.split("#", 1)[0].strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    names = [ln for ln in lines if ln]
    assert len(names) == len(set(names))

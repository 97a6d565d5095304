"""validate.py: every rule of the export contract, judged in DuckDB, reported at row and column.

Each test builds the frame ``readers`` would hand over (stripped text, Excel row numbers) for a
small file of valid cases with one value changed, and asserts either the typed value that
would be loaded or the exact (row, column, rule) that is reported. Whole files through the
real reader and database are in tests/test_ingest.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd
import pytest

from evaluation.ingest import spec
from evaluation.ingest.readers import RawExport
from evaluation.ingest.validate import ERROR, WARNING, Message, Validation, validate
from evaluation.plan.networks import NetworkBook

TODAY = date(2026, 11, 20)
FILE = "eksport.csv"

# A valid case as a network writes it with codes (every column filled).
GOOD: dict[str, str] = {
    "sags_id": "NORD-25-001", "netvaerk": "Nord", "institutionstype": "folkeskole",
    "indberetningsmaaned": "2025-03", "afslutningsmaaned": "2025-05", "aldersgruppe": "12_14",
    "koen": "pige", "antal_kraenkede": "1", "kraenker": "kendt", "kraenker_samme_institution": "ja",
    "situation": "B", "kraenkelsestyper": "billeddeling, afpresning", "platforme": "snapchat",
    "spredning": "klassen", "vurdering": "politisag, underretning", "foraeldre_inddraget": "ja",
    "foraeldre_inddraget_dage": "1", "dokumentation_sikret": "ja", "materiale_slettet": "ja",
    "sletdet_kontaktet": "nej", "datatilsynet_klage": "nej", "samarbejde": "kommunalt",
    "politianmeldt": "ja", "anmeldt_af": "foraeldre", "underretning_sendt": "ja",
    "forsikring_anbefalet": "nej", "ssp_konsulent_inddraget": "ja", "hjaelp": "psykolog",
    "hjaelp_kraenker": "ja", "konfliktmaegling": "nej", "orienteret": "klassen",
    "presseinteresse": "nej", "aktoerer": "Red Barnet SletDet, Politiet",
    "erfaringer": "Forældrene blev inddraget samme dag, og materialet blev slettet.",
}
NETWORKS = NetworkBook.from_names(["Nord", "Syd", "Vest"])
REGISTRY_NAMES = ["Red Barnet", "Red Barnet SletDet", "Politiet", "Sikkerchat", "Datatilsynet"]


def export(rows: list[dict[str, Any]], *, drop: tuple[str, ...] = (), unknown: list[str] | None = None,
           duplicates: list[str] | None = None, labels: bool = False) -> RawExport:
    """The RawExport readers would make of a file with these rows (row 2 onwards), label or key headers."""
    keys = [k for k in spec.KEYS if k not in drop]
    records = [{k: (None if row.get(k, GOOD[k]) in (None, "") else str(row.get(k, GOOD[k]))) for k in keys}
               for row in rows]
    frame = pd.DataFrame(records, columns=keys, dtype="str")
    frame.insert(0, "row_in_file", range(2, len(rows) + 2))
    letters = [chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26) for i in range(len(keys))]
    headers = {k: spec.COLUMN_BY_KEY[k].label if labels else k for k in keys}
    return RawExport(file_name=FILE, frame=frame, headers=headers, header_columns=dict(zip(keys, letters, strict=True)),
                     unknown_headers=unknown or [], duplicate_headers=duplicates or [])


def check(rows: list[dict[str, Any]], *, network: str | None = None, max_shown: int = 200, **kwargs: Any
          ) -> tuple[Validation, duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    result = validate(con, export(rows, **kwargs), network=network, networks=NETWORKS, allowed_names=REGISTRY_NAMES,
                      today=TODAY, max_shown=max_shown)
    return result, con


def found(result: Validation, level: str = ERROR) -> set[tuple[int | None, str | None, str]]:
    return {(m.row, m.key, m.rule) for m in result.messages if m.level == level}


def loaded(con: duckdb.DuckDBPyConnection, column: str) -> list[Any]:
    return [r[0] for r in con.execute(f'SELECT "{column}" FROM v_cases ORDER BY row_in_file').fetchall()]


# --- a clean file --------------------------------------------------------------------------


def test_valid_file_has_no_findings_and_typed_rows() -> None:
    result, con = check([GOOD, {"sags_id": "NORD-25-002"}])
    assert result.ok and result.messages == [] and result.rows == 2
    row = con.execute("SELECT * FROM v_cases WHERE sags_id = 'NORD-25-001'").df().iloc[0]
    assert row["indberetningsmaaned"].date() == date(2025, 3, 1)
    assert list(row["kraenkelsestyper"]) == ["afpresning", "billeddeling"]  # sorted codes
    assert bool(row["politianmeldt"]) is True and row["antal_kraenkede"] == 1
    assert list(row["aktoerer"]) == ["Red Barnet SletDet", "Politiet"]
    assert len(row["content_hash"]) == 16
    cases_columns = {r[0] for r in con.execute("DESCRIBE v_cases").fetchall()}
    assert cases_columns == {*spec.KEYS, "row_in_file", "content_hash", "sags_key"}


# --- value rules: what is accepted, and what it becomes ------------------------------------
# All accepted spellings go into one file, one per row; each test looks at its own row.

MONTHS = ["2025-03", "2025-3", "03-2025", "3/2025", "2025-03-17", "17-03-2025", "17.03.2025",
          "17/03/2025", "17/3/2025", "2025-03-17 00:00:00", "45733"]
AGES = [("0", "under_12"), ("11", "under_12"), ("12", "12_14"), ("14", "12_14"), ("15", "15_17"),
        ("17", "15_17"), ("18", "18_plus"), ("45", "18_plus"), ("12-14", "12_14"), ("15_17", "15_17"),
        ("Under 12", "under_12"), ("18+", "18_plus"), ("UKENDT", "ukendt"), ("13.0", "12_14")]
YES_NO = [("ja", True), ("Ja", True), ("JA", True), ("j", True), ("x", True), ("X", True), ("1", True),
          ("yes", True), ("nej", False), ("NEJ", False), ("n", False), ("0", False), ("no", False),
          (None, None)]
CODES = [("institutionstype", "Fri-/privatskole", "friskole"), ("institutionstype", " FOLKESKOLE ", "folkeskole"),
         ("kraenker", "Både kendt og ukendt", "begge"), ("kraenker", "baade kendt og ukendt", "begge"),
         ("spredning", "uden for skolen", "uden_for_skolen"), ("situation", "Uskyldig sammenhæng", "A"),
         ("situation", "b", "B"), ("anmeldt_af", "Den krænkede", "kraenkede"), ("koen", "Pige", "pige"),
         ("kraenker_samme_institution", "Ukendt", "ukendt"), ("kraenker_samme_institution", "x", "ja"),
         ("materiale_slettet", "Ikke relevant", "ikke_relevant"), ("konfliktmaegling", "NEJ", "nej"),
         ("samarbejde", "Regionalt", "regionalt"), ("dokumentation_sikret", "Delvist", "delvist")]
LISTS = [("platforme", "Snapchat; TikTok, snapchat", ["snapchat", "tiktok"]),
         ("platforme", "Spil/gaming,SMS/MMS", ["gaming", "sms"]),
         ("vurdering", "Pædagogisk håndtering, politisag", ["paedagogisk", "politisag"]),
         ("vurdering", "paedagogisk haandtering;;", ["paedagogisk"]),
         ("hjaelp", "Red Barnet/Sikkerchat, Egen læge", ["hotline", "laege"]),
         ("orienteret", "Forældregruppen", ["foraeldregruppen"]),
         ("kraenkelsestyper", "Grooming ; chikane ; grooming", ["chikane", "grooming"])]

ACCEPTED: list[tuple[str, dict[str, Any], str, Any]] = (
    # (id, changes, key to look at, typed value expected)
    [(f"maaned {m}", {"indberetningsmaaned": m, "afslutningsmaaned": None}, "indberetningsmaaned",
      date(2025, 3, 1)) for m in MONTHS]
    + [(f"alder {a}", {"aldersgruppe": a, "foraeldre_inddraget": "ikke_relevant" if b == "18_plus" else "ja",
                       "foraeldre_inddraget_dage": None if b == "18_plus" else "1"}, "aldersgruppe", b)
       for a, b in AGES]
    + [(f"janej {t}", {"sletdet_kontaktet": t}, "sletdet_kontaktet", v) for t, v in YES_NO]
    + [(f"{k} {t}", {k: t}, k, c) for k, t, c in CODES]
    + [(f"{k} {t}", {k: t}, k, c) for k, t, c in LISTS]
    + [("navne", {"aktoerer": "Red Barnet SletDet,  Børns   Vilkår ; Politiet; Red Barnet SletDet"}, "aktoerer",
        ["Red Barnet SletDet", "Børns Vilkår", "Politiet"]),
       ("heltal med .0", {"antal_kraenkede": "3.0"}, "antal_kraenkede", 3),
       ("tomt antal er 1", {"antal_kraenkede": None}, "antal_kraenkede", 1),
       ("registrets telefonnummer", {"erfaringer": "Vi henviste til Sikkerchat 29 27 01 01 og Red Barnet."},
        "erfaringer", "Vi henviste til Sikkerchat 29 27 01 01 og Red Barnet.")]
)


@pytest.fixture(scope="module")
def accepted() -> tuple[Validation, dict[int, dict[str, Any]]]:
    """One file holding every accepted spelling, row i + 2 for ACCEPTED[i]."""
    rows = [{"sags_id": f"R{i}", **changes} for i, (_, changes, _, _) in enumerate(ACCEPTED)]
    result, con = check(rows)
    cases = con.execute("SELECT * FROM v_cases").df()
    return result, {int(r["row_in_file"]): r for r in cases.to_dict("records")}


@pytest.mark.parametrize("index", range(len(ACCEPTED)), ids=[c[0] for c in ACCEPTED])
def test_accepted_spellings_load_as_typed_values(accepted, index: int) -> None:
    result, cases = accepted
    _, _, key, expected = ACCEPTED[index]
    assert result.ok, [str(m) for m in result.messages if m.level == ERROR][:5]
    value = cases[index + 2][key]
    if isinstance(expected, list):
        value = list(value)
    elif isinstance(expected, date):
        value = pd.Timestamp(value).date()
    elif expected is None:
        value = None if pd.isna(value) else value
    assert value == expected


def test_valid_rows_get_no_messages_at_all(accepted) -> None:
    result, _ = accepted
    assert [m for m in result.messages if m.level == ERROR] == []
    assert all(m.rule == "aaben_laenge" for m in result.messages)  # the open cases among them


# --- value rules: what is refused, at which row and column ---------------------------------
# All refused values go into one file too: row i + 3 holds ERROR_CASES[i], after one valid row.

ERROR_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # (id, changes to row 3, key reported, rule)
    ("sags_id tom", {"sags_id": None}, "sags_id", "mangler"),
    ("sags_id for lang", {"sags_id": "S" * 41}, "sags_id", "laengde"),
    ("sags_id CPR med bindestreg", {"sags_id": "010190-1234"}, "sags_id", "pii_cpr"),
    ("sags_id CPR uden bindestreg", {"sags_id": "SAG 0101901234"}, "sags_id", "pii_cpr"),
    ("netvaerk tom", {"netvaerk": None}, "netvaerk", "mangler"),
    ("institutionstype ukendt", {"institutionstype": "gymnasium"}, "institutionstype", "kode"),
    ("institutionstype tom", {"institutionstype": None}, "institutionstype", "mangler"),
    ("maaned ugyldig", {"indberetningsmaaned": "2025-13"}, "indberetningsmaaned", "maaned"),
    ("maaned tocifret aar", {"indberetningsmaaned": "01-03-25"}, "indberetningsmaaned", "maaned"),
    ("maaned ugyldig dato", {"indberetningsmaaned": "31-02-2025"}, "indberetningsmaaned", "maaned"),
    ("maaned foer 2015", {"indberetningsmaaned": "2014-12", "afslutningsmaaned": None},
     "indberetningsmaaned", "maaned_foer"),
    ("maaned i fremtiden", {"indberetningsmaaned": "2026-12", "afslutningsmaaned": None},
     "indberetningsmaaned", "maaned_fremtid"),
    ("indberetning tom", {"indberetningsmaaned": None}, "indberetningsmaaned", "mangler"),
    ("afslutning ugyldig", {"afslutningsmaaned": "marts"}, "afslutningsmaaned", "maaned"),
    ("afslutning foer indberetning", {"afslutningsmaaned": "2025-02"}, "afslutningsmaaned",
     "afsluttet_foer_indberetning"),
    ("alder over 120", {"aldersgruppe": "121"}, "aldersgruppe", "kode"),
    ("alder ukendt tekst", {"aldersgruppe": "teenager"}, "aldersgruppe", "kode"),
    ("alder som dato", {"aldersgruppe": "2025-12-14"}, "aldersgruppe", "kode"),
    ("alder tom", {"aldersgruppe": None}, "aldersgruppe", "mangler"),
    ("koen ukendt", {"koen": "kvinde"}, "koen", "kode"),
    ("antal nul", {"antal_kraenkede": "0"}, "antal_kraenkede", "interval"),
    ("antal decimal", {"antal_kraenkede": "2,5"}, "antal_kraenkede", "heltal"),
    ("antal tekst", {"antal_kraenkede": "mange"}, "antal_kraenkede", "heltal"),
    ("kraenker tom", {"kraenker": None}, "kraenker", "mangler"),
    ("kraenker ukendt", {"kraenker": "en voksen"}, "kraenker", "kode"),
    ("samme institution", {"kraenker_samme_institution": "måske"}, "kraenker_samme_institution", "kode"),
    ("situation C", {"situation": "C"}, "situation", "kode"),
    ("situation tom", {"situation": None}, "situation", "mangler"),
    ("typer ukendt", {"kraenkelsestyper": "billeddeling, hævnporno"}, "kraenkelsestyper", "kode"),
    ("typer tom", {"kraenkelsestyper": None}, "kraenkelsestyper", "mangler"),
    ("typer kun separatorer", {"kraenkelsestyper": ", ;"}, "kraenkelsestyper", "mangler"),
    ("platform ukendt", {"platforme": "myspace"}, "platforme", "kode"),
    ("spredning ukendt", {"spredning": "hele byen"}, "spredning", "kode"),
    ("vurdering tom", {"vurdering": None}, "vurdering", "mangler"),
    ("vurdering ukendt", {"vurdering": "politi"}, "vurdering", "kode"),
    ("foraeldre tom", {"foraeldre_inddraget": None}, "foraeldre_inddraget", "mangler"),
    ("ikke relevant under 18", {"foraeldre_inddraget": "ikke_relevant", "foraeldre_inddraget_dage": None},
     "foraeldre_inddraget", "ikke_relevant_kun_myndig"),
    ("dage over 365", {"foraeldre_inddraget_dage": "366"}, "foraeldre_inddraget_dage", "interval"),
    ("dage negativ", {"foraeldre_inddraget_dage": "-1"}, "foraeldre_inddraget_dage", "interval"),
    ("dage uden ja", {"foraeldre_inddraget": "nej", "foraeldre_inddraget_dage": "2"},
     "foraeldre_inddraget_dage", "dage_kun_med_ja"),
    ("dokumentation tom", {"dokumentation_sikret": None}, "dokumentation_sikret", "mangler"),
    ("dokumentation ukendt", {"dokumentation_sikret": "måske"}, "dokumentation_sikret", "kode"),
    ("materiale ukendt", {"materiale_slettet": "slettet"}, "materiale_slettet", "kode"),
    ("samarbejde ukendt", {"samarbejde": "internationalt"}, "samarbejde", "kode"),
    ("politianmeldt tom", {"politianmeldt": None, "anmeldt_af": None}, "politianmeldt", "mangler"),
    ("politianmeldt ugyldig", {"politianmeldt": "vist nok"}, "politianmeldt", "janej"),
    ("anmeldt af ukendt", {"anmeldt_af": "naboen"}, "anmeldt_af", "kode"),
    ("anmeldt af uden anmeldelse", {"politianmeldt": "nej", "vurdering": "underretning"}, "anmeldt_af",
     "anmeldt_af_kun_med_politi"),
    ("hjaelp ukendt", {"hjaelp": "terapeut"}, "hjaelp", "kode"),
    ("konfliktmaegling ukendt", {"konfliktmaegling": "måske"}, "konfliktmaegling", "kode"),
    ("orienteret ukendt", {"orienteret": "hele byen"}, "orienteret", "kode"),
    ("erfaringer for lang", {"erfaringer": "Vi lærte noget. " * 70}, "erfaringer", "laengde"),
    ("dublet", {"sags_id": "NORD-25-001"}, "sags_id", "dublet"),
    ("CPR i erfaringer", {"erfaringer": "Eleven med 010190-1234 blev hjulpet."}, "erfaringer", "pii_cpr"),
    ("telefon i erfaringer", {"erfaringer": "Mor ringede fra 22 33 44 55."}, "erfaringer", "pii_phone"),
    ("e-mail i erfaringer", {"erfaringer": "Skriv til mor.h@example.dk."}, "erfaringer", "pii_email"),
    ("handle i erfaringer", {"erfaringer": "Profilen @sofie_2011 delte det."}, "erfaringer", "pii_handle"),
    ("navn i erfaringer", {"erfaringer": "Emma fik hjælp af skolen."}, "erfaringer", "pii_name"),
    ("navn i aktoerer", {"aktoerer": "Red Barnet SletDet, Mads"}, "aktoerer", "pii_name"),
] + [
    (f"{col.key} ugyldig", {col.key: "måske"}, col.key, "janej")
    for col in spec.COLUMNS if col.kind == "yesno" and col.key != "politianmeldt"
]


@pytest.fixture(scope="module")
def refused() -> tuple[Validation, duckdb.DuckDBPyConnection]:
    rows = [GOOD] + [{"sags_id": f"R{i}", **changes} for i, (_, changes, _, _) in enumerate(ERROR_CASES)]
    return check(rows, max_shown=1000)


@pytest.mark.parametrize("index", range(len(ERROR_CASES)), ids=[c[0] for c in ERROR_CASES])
def test_each_rule_reports_exact_row_and_column(refused, index: int) -> None:
    result, con = refused
    _, _, key, rule = ERROR_CASES[index]
    row = index + 3
    assert {(k, r) for r_, k, r in found(result) if r_ == row} == {(key, rule)}, \
        [str(m) for m in result.messages if m.row == row]
    message = next(m for m in result.messages if (m.row, m.key, m.rule) == (row, key, rule))
    letter = export([GOOD]).header_columns[key]
    label = spec.COLUMN_BY_KEY[key].label  # the template's Danish label, never the internal key
    assert str(message).startswith(f"{FILE}, række {row}, kolonne {letter} »{label}«: ")
    assert "v_cases" not in {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}


def test_refused_file_counts_every_error_and_the_valid_row_has_none(refused) -> None:
    result, _ = refused
    assert not result.ok
    assert result.error_count == len(ERROR_CASES)
    assert not [m for m in result.messages if m.row == 2]


def test_personal_data_is_never_echoed() -> None:
    values = {"sags_id": "010190-1234", "erfaringer": "Ring 22 33 44 55 eller skriv mor.h@example.dk, "
              "@sofie_2011 og Emma ved det.", "aktoerer": "Red Barnet, Oliver"}
    result, _ = check([GOOD, {"sags_id": "N2", **values}, {"sags_id": "N3", "situation": "010190-1234"}])
    text = "\n".join(str(m) for m in result.messages)
    assert {rule for _, _, rule in found(result)} >= {"pii_cpr", "pii_phone", "pii_email", "pii_handle",
                                                       "pii_name", "kode"}
    for secret in ("010190-1234", "22 33 44 55", "mor.h@example.dk", "@sofie_2011", "Emma", "Oliver"):
        assert secret not in text
    assert "0101" in text  # the masked prefix lets a person find the spot


def test_unknown_code_lists_allowed_values_and_suggests_a_near_miss() -> None:
    result, _ = check([{"institutionstype": "folkeskolen", "platforme": "snapchatt, myspace"}])
    by_key = {m.key: str(m) for m in result.messages}
    assert "»folkeskolen« er ikke en tilladt værdi" in by_key["institutionstype"]
    assert "Tilladt: Folkeskole, Fri-/privatskole, Efterskole" in by_key["institutionstype"]
    assert "Mente du »Folkeskole«?" in by_key["institutionstype"]
    assert "»snapchatt«, »myspace« er ikke tilladte værdier" in by_key["platforme"]
    assert "Mente du »Snapchat«?" in by_key["platforme"]
    assert "Spil/gaming, SMS/MMS" in by_key["platforme"] and "gaming (" not in by_key["platforme"]


def test_age_written_as_a_date_gets_a_hint() -> None:
    result, _ = check([{"aldersgruppe": "2025-12-14"}])
    assert "Excel laver 12-14 om til en dato" in str(result.messages[0])


# --- warnings load ---------------------------------------------------------------------------

WARNING_CASES = [
    ({"vurdering": "politisag", "politianmeldt": "nej", "anmeldt_af": None}, "politianmeldt",
     "politisag_ikke_anmeldt"),
    ({"situation": "B", "politianmeldt": "nej", "anmeldt_af": None, "vurdering": "paedagogisk",
      "underretning_sendt": "nej"}, "situation", "b_uden_anmeldelse_eller_underretning"),
    ({"indberetningsmaaned": "2025-06", "afslutningsmaaned": None}, "afslutningsmaaned", "aaben_laenge"),
]


@pytest.mark.parametrize("changes, key, rule", WARNING_CASES, ids=[c[2] for c in WARNING_CASES])
def test_warning_rules_warn_and_still_load(changes: dict[str, Any], key: str, rule: str) -> None:
    result, con = check([GOOD, {"sags_id": "N2", **changes}])
    assert result.ok and result.error_count == 0
    assert found(result, WARNING) == {(3, key, rule)}
    assert len(loaded(con, "sags_id")) == 2


def test_no_warning_for_b_with_underretning_or_a_case_open_under_a_year() -> None:
    result, _ = check([{"situation": "B", "politianmeldt": "nej", "anmeldt_af": None,
                        "vurdering": "underretning", "underretning_sendt": None,
                        "indberetningsmaaned": "2026-01", "afslutningsmaaned": None}])
    assert result.messages == []


# --- whole-file rules -------------------------------------------------------------------------


def test_network_from_option_when_the_column_is_missing() -> None:
    result, con = check([GOOD], drop=("netvaerk",), network="  Syd  ")
    assert result.ok
    assert loaded(con, "netvaerk") == ["Syd"]


def test_missing_network_column_without_option_is_one_file_error() -> None:
    result, _ = check([GOOD, {"sags_id": "N2"}], drop=("netvaerk",))
    assert found(result) == {(None, None, "kolonne_mangler")}
    assert "--network" in str(result.messages[0])


def test_network_option_fills_blanks_and_conflicts_are_errors() -> None:
    result, _ = check([{"netvaerk": None}, {"sags_id": "N2", "netvaerk": "nord"}, {"sags_id": "N3", "netvaerk": "Syd"}],
                      network="Nord")
    assert found(result) == {(4, "netvaerk", "netvaerk_konflikt")}


def test_every_later_row_of_a_repeated_case_id_names_the_first_row() -> None:
    """Three rows of one case id (one of them spelled in lower case: the same identity) and a
    pair of another: each later row is an error that points to its identity's first row."""
    first = GOOD["sags_id"]
    result, _ = check([GOOD, {"sags_id": "X-1"}, {"sags_id": first}, {"sags_id": "X-1"}, {"sags_id": first.lower()},
                       {"sags_id": "X-2"}])
    duplicates = sorted((m.row, m.text) for m in result.messages if m.rule == "dublet")
    assert [row for row, _ in duplicates] == [4, 5, 6]
    assert [text.split("står også i række ")[1].split()[0] for _, text in duplicates] == ["2", "3", "2"]


def test_same_case_id_in_two_networks_is_not_a_duplicate() -> None:
    result, _ = check([GOOD, {"netvaerk": "Syd"}])
    assert result.ok


def test_missing_required_column_is_reported_once_for_the_file() -> None:
    result, _ = check([GOOD, {"sags_id": "N2"}], drop=("situation", "koen"))
    assert found(result) == {(None, None, "kolonne_mangler")}
    assert "Kolonnen »Situation« mangler." in str(result.messages[0])


def test_unknown_columns_warn_and_duplicate_columns_are_errors() -> None:
    result, _ = check([GOOD], unknown=["Løbenr."], duplicates=["Sags-ID"])
    assert found(result, WARNING) == {(None, None, "ukendt_kolonne")}
    assert found(result) == {(None, None, "dobbelt_kolonne")}
    assert "»Løbenr.« kendes ikke" in str(result.messages[-1])


def test_a_file_without_cases_is_an_error() -> None:
    result, _ = check([{k: None for k in spec.KEYS}])
    assert result.rows == 0
    assert found(result) == {(None, None, "tom_fil")}


def test_all_errors_are_counted_sorted_by_row_then_column_and_capped() -> None:
    rows = [{"sags_id": f"N{i}", "situation": "C", "koen": "x"} for i in range(150)]
    result, _ = check(rows, labels=True)
    assert result.error_count == 300
    errors = [m for m in result.messages if m.level == ERROR]
    assert len(errors) == 201 and errors[-1].rule == "flere"
    assert "og 100 fejl mere" in str(errors[-1])
    shown = [(m.row, spec.KEYS.index(m.key)) for m in errors[:-1]]
    assert shown == sorted(shown) and shown[0] == (2, spec.KEYS.index("koen"))
    assert "række 2, kolonne G »Den krænkedes køn«: " in str(errors[0]) and "(koen)" not in str(errors[0])
    assert "Tilladt: Pige, Dreng, Andet, Ukendt." in str(errors[0])


def test_progress_is_reported_step_by_step() -> None:
    calls: list[tuple[int, int]] = []
    con = duckdb.connect()
    validate(con, export([GOOD]), today=TODAY, progress=lambda d, t: calls.append((d, t)))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert calls[-1][0] == calls[-1][1] and len(calls) >= 5


def test_message_without_row_or_column_names_the_file_only() -> None:
    assert str(Message(ERROR, "a.csv", "Filen er tom.")) == "a.csv: Filen er tom."


def test_a_column_without_header_is_named_by_its_letter() -> None:
    result, _ = check([GOOD], unknown=["(uden overskrift, kolonne AJ)"])
    assert str(result.messages[0]) == "eksport.csv: Kolonne AJ har ingen overskrift; dens værdier indlæses ikke."


def test_a_reader_sentence_naming_the_file_is_not_prefixed_twice() -> None:
    assert str(Message(ERROR, "a.csv", "Filen a.csv er tom.")) == "Filen a.csv er tom."

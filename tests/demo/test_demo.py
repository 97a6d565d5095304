"""demo.py / demo_files.py: seeded, realistic, in every network flavour, and loadable by the real ingest."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from evaluation.store import db
from evaluation.demo import generate as demo
from evaluation.ingest import spec
from evaluation.errors import EvaluationError

SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def drawn() -> list[dict]:
    """Cases from a few seeds pooled, so distribution checks are not one lucky draw."""
    return [c for seed in SEEDS for c in demo.generate_cases(seed=seed, cases=200)]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return demo.write_demo_files(tmp_path_factory.mktemp("demo"), seed=11, cases=200)


def _share(cases: list[dict], test) -> float:
    return sum(1 for c in cases if test(c)) / len(cases)


# ---- determinism ----------------------------------------------------------------------

def test_same_seed_gives_byte_identical_files(tmp_path: Path, files: list[Path]) -> None:
    again = demo.write_demo_files(tmp_path, seed=11, cases=200)
    assert [p.name for p in again] == [p.name for p in files]
    for first, second in zip(files, again):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_same_seed_gives_same_xlsx_cell_values(tmp_path: Path, files: list[Path]) -> None:
    again = {p.name: p for p in demo.write_demo_files(tmp_path, seed=11, cases=200)}
    xlsx = [p for p in files if p.suffix == ".xlsx"]
    assert xlsx
    for path in xlsx:
        one = list(openpyxl.load_workbook(path)["Sager"].iter_rows(values_only=True))
        two = list(openpyxl.load_workbook(again[path.name])["Sager"].iter_rows(values_only=True))
        assert one == two


def test_other_seed_gives_other_cases() -> None:
    assert demo.generate_cases(seed=1, cases=50) != demo.generate_cases(seed=2, cases=50)


# ---- shape of the data ----------------------------------------------------------------

def test_case_count_networks_years_and_small_networks() -> None:
    cases = demo.generate_cases(seed=5, cases=600)
    assert len(cases) == 600
    per_network = Counter(c["netvaerk"] for c in cases)
    assert set(per_network) == {n.name for n in demo.NETWORKS}
    assert max(per_network.values()) > 5 * min(per_network.values())  # small counts occur
    per_year = Counter(c["indberetningsmaaned"][0] for c in cases)
    assert set(per_year) == set(demo.DEMO_YEARS)
    assert per_year[2025] > per_year[2022]  # volumes rise


def test_every_value_is_allowed_by_the_contract(drawn: list[dict]) -> None:
    for case in drawn:
        assert set(case) == set(spec.KEYS)
        for col in spec.COLUMNS:
            value = case[col.key]
            if col.required:
                assert value not in (None, []), col.key
            if col.codes and value is not None:
                values = value if col.is_list else [value]
                assert set(values) <= set(col.codes), (col.key, value)


def test_cross_field_rules_hold(drawn: list[dict]) -> None:
    last = demo.last_full_month()
    for c in drawn:
        assert c["foraeldre_inddraget"] != "ikke_relevant" or c["aldersgruppe"] == "18_plus"
        assert c["anmeldt_af"] is None or c["politianmeldt"]
        assert c["foraeldre_inddraget_dage"] is None or c["foraeldre_inddraget"] == "ja"
        assert (2015, 1) <= c["indberetningsmaaned"] <= last
        if c["afslutningsmaaned"] is not None:
            assert c["indberetningsmaaned"] <= c["afslutningsmaaned"] <= last


def test_no_future_months_when_today_is_inside_the_period() -> None:
    cases = demo.generate_cases(seed=3, cases=300, today=date(2025, 6, 15))
    assert max(c["indberetningsmaaned"] for c in cases) <= (2025, 5)
    assert max(c["afslutningsmaaned"] or (0, 0) for c in cases) <= (2025, 5)
    assert len(cases) == 300


def test_sags_id_unique_per_network_and_not_personal_data() -> None:
    cases = demo.generate_cases(seed=9, cases=600)
    keys = [(c["netvaerk"], c["sags_id"]) for c in cases]
    assert len(keys) == len(set(keys))
    for _, sags_id in keys:
        assert len(sags_id) <= 40
        assert not re.search(r"\d{6}-?\d{4}|\d{8}", sags_id)


def test_free_text_has_no_digits_handles_or_mails(drawn: list[dict]) -> None:
    texts = [c["erfaringer"] for c in drawn if c["erfaringer"]]
    assert len(texts) > len(drawn) / 3
    assert len(set(texts)) > 50  # varied, not one sentence repeated
    for text in texts + [a for c in drawn for a in c["aktoerer"]]:
        assert not re.search(r"\d|@", text), text
        assert len(text) <= 1000


def test_distributions_roughly_as_intended(drawn: list[dict]) -> None:
    a = [c for c in drawn if c["situation"] == "A"]
    b = [c for c in drawn if c["situation"] == "B"]
    assert 0.30 <= len(b) / len(drawn) <= 0.50
    assert _share(b, lambda c: c["politianmeldt"]) > 2 * _share(a, lambda c: c["politianmeldt"])
    platforms = Counter(p for c in drawn for p in c["platforme"])
    assert platforms.most_common(1)[0][0] == "snapchat"
    assert 0.40 <= _share(drawn, lambda c: "snapchat" in c["platforme"]) <= 0.60
    assert _share(drawn, lambda c: c["aldersgruppe"] in ("12_14", "15_17")) >= 0.65
    # small share of warnings: a police case not reported
    warned = _share(drawn, lambda c: "politisag" in c["vurdering"] and not c["politianmeldt"])
    assert 0.01 <= warned <= 0.12
    assert 0 < _share(drawn, lambda c: c["afslutningsmaaned"] is None) < 0.15


def test_unknown_offender_means_less_deleted_and_more_sletdet(drawn: list[dict]) -> None:
    known = [c for c in drawn if c["kraenker"] == "kendt"]
    unknown = [c for c in drawn if c["kraenker"] == "ukendt"]
    deleted = lambda c: c["materiale_slettet"] == "ja"  # noqa: E731
    sletdet = lambda c: bool(c["sletdet_kontaktet"])  # noqa: E731
    assert _share(unknown, deleted) < _share(known, deleted) - 0.2
    assert _share(unknown, sletdet) > _share(known, sletdet) + 0.2


def test_parents_involved_fast_for_minors(drawn: list[dict]) -> None:
    minors = [c for c in drawn if c["aldersgruppe"] in ("under_12", "12_14", "15_17")]
    assert _share(minors, lambda c: c["foraeldre_inddraget"] == "ja") > 0.85
    days = [c["foraeldre_inddraget_dage"] for c in minors if c["foraeldre_inddraget_dage"] is not None]
    assert sum(d <= 3 for d in days) / len(days) > 0.8


def test_sextortion_among_boys_rises() -> None:
    cases = [c for seed in SEEDS for c in demo.generate_cases(seed=seed, cases=600)]
    boys = [c for c in cases if c["koen"] == "dreng"]

    def rate(year: int) -> float:
        of_year = [c for c in boys if c["indberetningsmaaned"][0] == year]
        return _share(of_year, lambda c: "afpresning" in c["kraenkelsestyper"])

    assert rate(2025) > rate(2022) + 0.1


def test_actors_include_plan_spellings_and_new_ones(drawn: list[dict]) -> None:
    actors = {a for c in drawn for a in c["aktoerer"]}
    assert {"Politiet", "Datatilsynet"} <= actors
    assert len(actors & set(demo.SLETDET_NAMES)) >= 3
    assert len(actors & set(demo.NEW_ACTORS)) >= 4


def test_few_cases_still_work() -> None:
    cases = demo.generate_cases(seed=1, cases=5)
    assert len(cases) == 5
    with pytest.raises(EvaluationError):
        demo.generate_cases(seed=1, cases=0)


# ---- file flavours --------------------------------------------------------------------

def test_file_names_and_flavours(files: list[Path]) -> None:
    names = {p.name for p in files}
    assert {"hjoerring_by_2024.xlsx", "hirtshals_2024.csv", "taars_2024.csv",
            "sindal_2024_rettelse.csv"} <= names
    assert files[-1].name == "sindal_2024_rettelse.csv"  # the correction is imported last
    by_name = {p.name: p.read_bytes() for p in files if p.suffix == ".csv"}
    hirtshals = by_name["hirtshals_2024.csv"]
    with pytest.raises(UnicodeDecodeError):
        hirtshals.decode("utf-8")
    text = hirtshals.decode("cp1252")
    assert text.startswith("Sags-ID;SSP-netværk;") and "\r\n" in text
    assert re.search(r";\d\d-2024;", text)  # months as MM-YYYY
    assert by_name["sindal_2024.csv"].startswith(b"\xef\xbb\xbfsags_id;netvaerk;")
    taars = by_name["taars_2024.csv"].decode("utf-8")
    assert taars.startswith('"sags_id","netvaerk",') and "\r\n" not in taars
    assert re.search(r'"2024-\d\d-\d\d"', taars)  # full dates


def test_xlsx_has_guide_sheet_and_excel_dates(files: list[Path]) -> None:
    path = next(p for p in files if p.name == "hjoerring_by_2024.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Vejledning", "Sager"]
    rows = list(workbook["Sager"].iter_rows(values_only=True))
    month_col = rows[0].index("Indberetningsmåned")
    assert all(isinstance(r[month_col], datetime) for r in rows[1:])
    plain = next(p for p in files if p.name.startswith("vraa_"))
    assert openpyxl.load_workbook(plain).sheetnames == ["Sager"]


def test_correction_file_changes_existing_cases(tmp_path: Path) -> None:
    cases = demo.generate_cases(seed=11, cases=200)
    fixes = demo.corrections(cases)
    assert 1 <= len(fixes) <= demo.CORRECTED_CASES
    originals = {c["sags_id"]: c for c in cases if c["netvaerk"] == demo.NETWORKS[demo.CORRECTING_NETWORK].name}
    for fixed in fixes:
        assert fixed["sags_id"] in originals
        assert fixed != originals[fixed["sags_id"]]
        assert fixed["afslutningsmaaned"] is not None
        assert fixed["materiale_slettet"] in ("ja", "ikke_relevant", None)  # None: not recorded


# ---- through the real ingest ----------------------------------------------------------

def test_demo_database_through_real_ingest(tmp_path: Path) -> None:
    db_path = tmp_path / "demo.duckdb"
    summary = demo.build_demo_database(db_path, seed=11, cases=200)
    assert "200 sager" in summary and "8 SSP-netværk" in summary
    written = sorted((tmp_path / "demo-data").iterdir())
    with db.reader(db_path) as con:
        assert con.execute("SELECT count(*) FROM rejected_files").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM imports").fetchone()[0] == len(written)
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 200
        assert con.execute("SELECT count(DISTINCT netvaerk) FROM cases").fetchone()[0] == 8
        replaced = con.execute(
            "SELECT count(*) FROM case_versions WHERE replaced_by_import IS NOT NULL").fetchone()[0]
        situation_b = con.execute(
            "SELECT avg(CASE WHEN politianmeldt THEN 1 ELSE 0 END) FILTER (situation = 'B') "
            "> 2 * avg(CASE WHEN politianmeldt THEN 1 ELSE 0 END) FILTER (situation = 'A') "
            "FROM cases").fetchone()[0]
    assert replaced == len(demo.corrections(demo.generate_cases(seed=11, cases=200)))
    assert situation_b
    with pytest.raises(EvaluationError, match="indeholder sager"):
        demo.build_demo_database(db_path, seed=11, cases=200)

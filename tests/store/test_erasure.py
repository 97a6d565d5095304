"""store/erasure.py and ``ssp-eval slet``: a case, an import (undone) or everything up to a year.

The database is built through the real ingest from files written here, so corrections and
re-sent cases are what ingest makes of them. Each test checks what is left — current cases,
history, the file's bytes — and that the erasure's record holds no case data.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from evaluation.cli import cli
from evaluation.ingest import ingest, spec
from evaluation.plan import networks
from evaluation.store import backup, db, erasure

TODAY = date(2026, 11, 20)
CASE: dict[str, str] = {
    "sags_id": "N1", "netvaerk": "Nord", "institutionstype": "folkeskole",
    "indberetningsmaaned": "2025-03", "afslutningsmaaned": "2025-05", "aldersgruppe": "12_14",
    "koen": "pige", "antal_kraenkede": "1", "kraenker": "kendt", "kraenker_samme_institution": "ja",
    "situation": "B", "kraenkelsestyper": "billeddeling", "platforme": "snapchat",
    "spredning": "klassen", "vurdering": "politisag", "foraeldre_inddraget": "ja",
    "foraeldre_inddraget_dage": "1", "dokumentation_sikret": "ja", "materiale_slettet": "ja",
    "sletdet_kontaktet": "nej", "datatilsynet_klage": "nej", "samarbejde": "kommunalt",
    "politianmeldt": "ja", "anmeldt_af": "foraeldre", "underretning_sendt": "ja",
    "forsikring_anbefalet": "nej", "ssp_konsulent_inddraget": "ja", "hjaelp": "psykolog",
    "hjaelp_kraenker": "ja", "konfliktmaegling": "nej", "orienteret": "klassen",
    "presseinteresse": "nej", "aktoerer": "Politiet", "erfaringer": "Forældrene blev inddraget samme dag.",
}
SECRET_V1 = "Hemmelig erfaring version et 4f1c9"
SECRET_V2 = "Hemmelig erfaring version to 8b2d7"


def write_export(path: Path, rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(spec.KEYS)
    for row in rows:
        full = {**CASE, **row}
        writer.writerow([full.get(k) or "" for k in spec.KEYS])
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def load(db_path: Path, path: Path, network: str | None = None) -> ingest.IngestResult:
    result = ingest.ingest_file(db_path, path, network=network, today=TODAY)
    assert result.status == "loaded", [str(m) for m in result.messages]
    return result


def current(db_path: Path) -> dict[tuple[str, str], str | None]:
    with db.reader(db_path) as con:
        return {(r[0], r[1]): r[2] for r in con.execute(
            "SELECT netvaerk, sags_id, erfaringer FROM cases ORDER BY ALL").fetchall()}


def versions(db_path: Path) -> int:
    with db.reader(db_path) as con:
        return con.execute("SELECT count(*) FROM case_versions").fetchone()[0]


@pytest.fixture(scope="module")
def three_imports_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Import 1: Nord N1 (2023), N2 (2024, SECRET_V1), N3 (2025). Import 2: Syd S1, S2 (2025).
    Import 3 (Nord again): N1 unchanged, N2 corrected (SECRET_V2), N4 new (2025). Built once."""
    tmp_path = tmp_path_factory.mktemp("three_imports")
    path = tmp_path / "ssp.duckdb"
    db.init(path)
    with db.writer(path) as con:  # the two networks are the plan's, as a team registers them
        networks.add_network(con, "Nord")
        networks.add_network(con, "Syd")
    first = [{"sags_id": "N1", "indberetningsmaaned": "2023-02", "afslutningsmaaned": "2023-03"},
             {"sags_id": "N2", "indberetningsmaaned": "2024-06", "afslutningsmaaned": "2024-07",
              "erfaringer": SECRET_V1},
             {"sags_id": "N3"}]
    load(path, write_export(tmp_path / "nord-1.csv", first))
    load(path, write_export(tmp_path / "syd.csv", [{"sags_id": "S1", "netvaerk": "Syd"},
                                                   {"sags_id": "S2", "netvaerk": "Syd"}]))
    third = [first[0], {**first[1], "erfaringer": SECRET_V2}, {"sags_id": "N4"}]
    result = load(path, write_export(tmp_path / "nord-2.csv", third))
    assert (result.rows_new, result.rows_replaced, result.rows_unchanged) == (1, 1, 1)
    return path


@pytest.fixture
def three_imports(three_imports_once: Path, tmp_path: Path) -> Path:
    """A private copy of the three-import database, with the export files beside it."""
    for source in three_imports_once.parent.iterdir():
        if source.is_file() and not source.name.endswith(".lock"):
            shutil.copy2(source, tmp_path / source.name)
    return tmp_path / "ssp.duckdb"


def erase(path: Path, make_plan, *args, reason: str | None = None) -> erasure.Erasure:
    with db.writer(path) as con:
        return erasure.erase(con, make_plan(con, *args), reason=reason, by="test")


def test_a_case_is_erased_with_its_history_and_gone_from_the_files_bytes(three_imports: Path) -> None:
    data = three_imports.read_bytes()
    assert data.count(SECRET_V1.encode()) and data.count(SECRET_V2.encode()), "the texts are findable before"
    with db.reader(three_imports) as con:
        plan = erasure.plan_case(con, "Nord", "N2")
    assert (plan.cases, plan.versions) == (1, 2)
    assert plan.description().startswith("Sagen N2 fra Nord slettes helt: 2 versioner")
    done = erase(three_imports, erasure.plan_case, "Nord", "N2", reason="Anmodning fra netværket")
    assert ("Nord", "N2") not in current(three_imports) and len(current(three_imports)) == 5
    assert versions(three_imports) == 5
    after = three_imports.read_bytes()
    assert SECRET_V1.encode() not in after and SECRET_V2.encode() not in after, "deleted rows left the bytes"
    with db.reader(three_imports) as con:
        record = con.execute("SELECT * FROM erasures WHERE erasure_id = ?", [done.erasure_id]).df()
    values = " ".join(str(v) for v in record.iloc[0].tolist())
    assert "N2" not in values and "Nord" not in values and "Hemmelig" not in values, "no case data in the record"
    assert record.iloc[0]["kind"] == "sag" and record.iloc[0]["versions"] == 2


def test_undoing_a_correction_brings_the_earlier_version_back(three_imports: Path) -> None:
    with db.reader(three_imports) as con:
        plan = erasure.plan_import(con, 3)
    assert (plan.cases, plan.versions, plan.restored) == (1, 2, 1)  # N4 goes, N2's correction goes, N2 v1 back
    assert "1 tidligere version af rettede sager bliver gældende igen" in plan.description()
    erase(three_imports, erasure.plan_import, 3)
    now = current(three_imports)
    assert now[("Nord", "N2")] == SECRET_V1 and ("Nord", "N4") not in now and ("Nord", "N1") in now
    with db.reader(three_imports) as con:
        assert con.execute("SELECT count(*) FROM imports WHERE import_id = 3").fetchone()[0] == 0
    # the same file can be loaded again (under the right network, say), and is new again
    again = ingest.ingest_file(three_imports, three_imports.parent / "nord-2.csv", today=TODAY)
    assert again.status == "loaded" and (again.rows_new, again.rows_replaced, again.rows_unchanged) == (1, 1, 1)


def test_an_import_whose_cases_a_later_import_resent_is_not_undone_alone(three_imports: Path) -> None:
    before = three_imports.read_bytes()
    with db.reader(three_imports) as con, pytest.raises(erasure.ErasureError,
                                                        match=r"nyere indlæsning 3 \(nord-2.csv"):
        erasure.plan_import(con, 1)
    assert three_imports.read_bytes() == before
    erase(three_imports, erasure.plan_import, 3)
    erase(three_imports, erasure.plan_import, 1)  # now it can: nothing later re-sent its cases
    assert sorted(current(three_imports)) == [("Syd", "S1"), ("Syd", "S2")]
    assert versions(three_imports) == 2


def test_an_import_of_another_network_does_not_block_an_undo(three_imports: Path) -> None:
    erase(three_imports, erasure.plan_import, 2)  # Syd: import 3 (Nord) re-sent nothing of it
    assert sorted(current(three_imports)) == [("Nord", "N1"), ("Nord", "N2"), ("Nord", "N3"), ("Nord", "N4")]


def test_everything_up_to_a_year(three_imports: Path) -> None:
    with db.reader(three_imports) as con:
        plan = erasure.plan_through_year(con, 2024)
    assert (plan.cases, plan.versions) == (2, 3)  # N1 (1 version: import 3 re-sent it unchanged), N2 (2)
    erase(three_imports, erasure.plan_through_year, 2024)
    assert sorted(current(three_imports)) == [("Nord", "N3"), ("Nord", "N4"), ("Syd", "S1"), ("Syd", "S2")]
    with db.reader(three_imports) as con:
        assert con.execute("SELECT min(indberetningsmaaned) FROM case_versions").fetchone()[0] >= date(2025, 1, 1)
        with pytest.raises(erasure.ErasureError, match="ingen sager indberettet i 2024 eller før"):
            erasure.plan_through_year(con, 2024)


def test_rows_of_other_per_case_and_per_import_tables_go_with_them(three_imports: Path) -> None:
    """A table another module adds, keyed by (netvaerk, sags_id) or import_id, is found and cleared."""
    with db.writer(three_imports) as con:
        con.execute("CREATE TABLE case_tags (netvaerk VARCHAR, sags_id VARCHAR, tag VARCHAR)")
        con.execute("INSERT INTO case_tags VALUES ('Nord', 'N2', 'læring'), ('Syd', 'S1', 'læring')")
        con.execute("CREATE TABLE import_notes (import_id INTEGER, note VARCHAR)")
        con.execute("INSERT INTO import_notes VALUES (2, 'sendt sent'), (3, 'rettelser')")
    with db.reader(three_imports) as con:
        assert erasure.plan_case(con, "Nord", "N2").linked_rows == 1
    erase(three_imports, erasure.plan_case, "Nord", "N2")
    erase(three_imports, erasure.plan_import, 2)
    with db.reader(three_imports) as con:
        assert con.execute("SELECT * FROM case_tags").fetchall() == []
        assert con.execute("SELECT * FROM import_notes").fetchall() == [(3, "rettelser")]


def test_an_erasure_refuses_when_the_data_changed_since_it_was_shown(three_imports: Path, tmp_path: Path) -> None:
    with db.reader(three_imports) as con:
        shown = erasure.plan_through_year(con, 2025)
    load(three_imports, write_export(tmp_path / "nord-3.csv", [{"sags_id": "N5"}]))
    before = three_imports.read_bytes()
    with pytest.raises(erasure.ErasureError, match="Data er ændret"):
        with db.writer(three_imports) as con:
            erasure.erase(con, shown)
    assert three_imports.read_bytes() == before


def test_unknown_targets_get_danish_messages(three_imports: Path) -> None:
    with db.reader(three_imports) as con:
        with pytest.raises(erasure.ErasureError, match="ingen sag N9 fra netværket Nord"):
            erasure.plan_case(con, "Nord", "N9")
        with pytest.raises(erasure.ErasureError, match="ingen indlæsning med nummer 99"):
            erasure.plan_import(con, 99)


def test_the_rewritten_file_keeps_the_schema_and_goes_on(three_imports: Path, tmp_path: Path) -> None:
    from test_migrate import catalog

    erase(three_imports, erasure.plan_case, "Nord", "N3")
    fresh = tmp_path / "ny.duckdb"
    db.init(fresh)
    with db.reader(fresh) as new, db.reader(three_imports) as erased:
        assert catalog(erased) == catalog(new)
    result = load(three_imports, write_export(tmp_path / "nord-9.csv", [{"sags_id": "N9"}]))
    assert result.import_id == 4, "the import sequence carries on after the rewrite"
    done = erase(three_imports, erasure.plan_case, "Nord", "N9")
    assert done.erasure_id == 2


def test_the_command_line_confirms_and_reports_backups_that_still_hold_the_data(three_imports: Path) -> None:
    runner = CliRunner()
    backup.backup(three_imports)
    listed = runner.invoke(cli, ["slet", "import", "--db", str(three_imports)])
    assert listed.exit_code == 0 and "nord-2.csv" in listed.output and "syd.csv" in listed.output
    no = runner.invoke(cli, ["slet", "sag", "--db", str(three_imports), "--network", "Nord", "N2"], input="nej\n")
    assert no.exit_code == 1 and "Intet er ændret." in no.output and ("Nord", "N2") in current(three_imports)
    yes = runner.invoke(cli, ["slet", "sag", "--db", str(three_imports), "--network", "Nord", "N2"], input="slet\n")
    assert yes.exit_code == 0, yes.output
    assert "Sagen N2 fra Nord slettes helt" in yes.output and ("Nord", "N2") not in current(three_imports)
    assert "1 sikkerhedskopi" in yes.output and "indeholder stadig" in yes.output
    undo = runner.invoke(cli, ["slet", "import", "--db", str(three_imports), "--yes", "2"])
    assert undo.exit_code == 0 and ("Syd", "S1") not in current(three_imports)
    year = runner.invoke(cli, ["slet", "til-og-med", "--db", str(three_imports), "--yes", "2023"])
    assert year.exit_code == 0 and ("Nord", "N1") not in current(three_imports)
    log = runner.invoke(cli, ["slet", "historik", "--db", str(three_imports)])
    assert log.exit_code == 0 and "N2" not in log.output
    assert "Alle sager til og med 2023: 1 sag og 1 version slettet" in log.output
    assert "Indlæsning 2 (syd.csv) fortrudt: 2 sager og 2 versioner slettet" in log.output
    assert "Én sag: 1 sag og 2 versioner slettet" in log.output and log.output.endswith("3 sletninger.\n")
    missing = runner.invoke(cli, ["slet", "sag", "--db", str(three_imports), "--network", "Nord", "N2", "--yes"])
    assert missing.exit_code == 1 and "ingen sag N2" in missing.output and "Traceback" not in missing.output


def test_every_table_that_names_a_case_is_found_by_erasure(tmp_path: Path) -> None:
    """A table with a case number must also carry the network, so erasure finds its rows
    (``learning_tags`` from the report's migration 0021 is one); otherwise erased cases would
    live on there."""
    path = tmp_path / "ny.duckdb"
    db.init(path)
    with db.reader(path) as con:
        naming = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_columns() WHERE column_name = 'sags_id' AND schema_name = 'main' "
            "AND table_name IN (SELECT table_name FROM duckdb_tables())").fetchall()}
        found = set(erasure._per_case_tables(con, ("netvaerk", "sags_id")))
    assert naming - {"case_versions"} == found
    assert "learning_tags" in found

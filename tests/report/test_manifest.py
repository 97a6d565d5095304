"""The report's manifest: same database and parameters give the same checksum; a correction changes it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from evaluation.store import db
from evaluation.report import manifest
from evaluation.analysis import queries
from evaluation.analysis.filters import Filters

PARAMETERS = {"år": 2025, "udgave": "team", "dato": date(2026, 3, 1), "tom": None}


def _build(path: Path) -> manifest.Manifest:
    with db.reader(path) as con:
        return manifest.build_manifest(con, year=2025, parameters=PARAMETERS)


def test_same_database_gives_the_same_manifest_twice(handmade_db: Path) -> None:
    first, second = _build(handmade_db), _build(handmade_db)
    assert first.checksum_all == second.checksum_all
    assert first.checksum_year == second.checksum_year
    assert first == second  # software, parameters, counts (imports compared below)
    assert first.imports.equals(second.imports)


def test_checksums_and_counts_come_from_the_query_layer(handmade_db: Path) -> None:
    m = _build(handmade_db)
    with db.reader(handmade_db) as con:
        assert m.checksum_all == queries.data_checksum(con, Filters())
        assert m.checksum_year == queries.data_checksum(con, Filters(year=2025))
    assert m.checksum_all != m.checksum_year
    assert (m.cases_all, m.cases_year) == (10, 6)  # HANDMADE_CASES: 10 current, 6 in 2025
    assert m.rejected_files == 0
    assert list(m.imports["import_id"]) == [1, 2]
    assert set(m.imports.columns) >= {"file_name", "sha256", "imported_at", "rows_in_file"}


def test_a_loaded_correction_changes_the_checksum(handmade_db: Path, tmp_path: Path) -> None:
    before = _build(handmade_db)
    with db.writer(handmade_db) as con:
        con.execute("UPDATE case_versions SET content_hash = 'rettet' WHERE sags_id = 'S4'")
    after = _build(handmade_db)
    assert after.checksum_all != before.checksum_all
    assert after.checksum_year != before.checksum_year


def test_parameters_are_text_and_software_versions_are_listed(handmade_db: Path) -> None:
    m = _build(handmade_db)
    assert m.parameters == {"år": "2025", "udgave": "team", "dato": "2026-03-01", "tom": ""}
    for name in ("ssp-evaluering", "python", "duckdb", "pandas", "plotly", "papermill", "nbconvert"):
        assert m.software[name], name


def test_manifest_as_json_round_trips(handmade_db: Path) -> None:
    m = _build(handmade_db)
    data = json.loads(m.to_json())
    assert data["checksum_all"] == m.checksum_all
    assert [i["file_name"] for i in data["imports"]] == ["eksport1.csv", "eksport2.csv"]
    assert data["imports"][0]["imported_at"].startswith(str(date.today().year)[:2])

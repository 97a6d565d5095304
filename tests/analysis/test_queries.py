"""queries.py (and filters.py): each question against hand-made cases with known answers.

The data is HANDMADE_CASES in conftest.py (2025: N1-N3 Nord, S4-S6 Syd; 2024: N7, N8 Nord,
S9 Syd; 2023: V10 Vest; plus a replaced old version of N1 that must never count).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evaluation.store import db
from evaluation.analysis import queries
from evaluation.analysis.filters import Filters, where

Y2025 = Filters(year=2025)


def _run(path: Path, fn, *args, **kwargs):
    with db.reader(path) as con:
        return fn(con, *args, **kwargs)


def test_where_passes_every_value_as_a_parameter() -> None:
    hostile = "Nord'); DROP TABLE cases; --"
    sql, params = where(Filters(year=2025, networks=(hostile,), situations=("B",)))
    assert hostile not in sql and "2025" not in sql
    assert [hostile] in params and ["B"] in params
    assert where(Filters()) == ("TRUE", [])
    assert where(Filters(year=2025), use_year=False) == ("TRUE", [])


def test_filters_coerce_lists_and_a_hostile_value_just_matches_nothing(handmade_db: Path) -> None:
    f = Filters(year="2025", networks=["Nord"], situations="B")  # type: ignore[arg-type]
    assert f == Filters(year=2025, networks=("Nord",), situations=("B",))
    assert hash(f) == hash(Filters(year=2025, networks=("Nord",), situations=("B",)))
    hostile = Filters(networks=("x'); DROP TABLE case_versions; --",))
    assert _run(handmade_db, queries.situation_split, hostile)["cases"].sum() == 0
    assert _run(handmade_db, queries.situation_split, Filters())["cases"].sum() == 10


def test_filter_options_lists_what_is_present(handmade_db: Path) -> None:
    options = _run(handmade_db, queries.filter_options)
    assert options.years == (2025, 2024, 2023)
    assert options.networks == ("Nord", "Syd", "Vest")
    assert options.institution_types == (("Folkeskole", "folkeskole"), ("Efterskole", "efterskole"))
    assert [code for _, code in options.situations] == ["A", "B"]


def test_year_has_data(handmade_db: Path) -> None:
    assert _run(handmade_db, queries.year_has_data, 2025)
    assert not _run(handmade_db, queries.year_has_data, 2022)


def test_trend_by_quarter_fills_empty_quarters_and_ignores_the_year(handmade_db: Path) -> None:
    frame = _run(handmade_db, queries.trend, Y2025, by="quarter")
    assert frame["period_label"].tolist() == [
        "2023 K4", "2024 K1", "2024 K2", "2024 K3", "2024 K4", "2025 K1", "2025 K2", "2025 K3", "2025 K4"]
    assert frame["cases"].tolist() == [1, 1, 1, 0, 1, 2, 2, 1, 1]
    assert frame["cases_b"].tolist() == [0, 0, 0, 0, 1, 1, 1, 0, 1]
    assert frame["cases"].sum() == 10  # the replaced version of N1 is not counted


def test_trend_by_month_and_with_a_filter(handmade_db: Path) -> None:
    frame = _run(handmade_db, queries.trend, Filters(networks=("Nord",)), by="month")
    assert frame["period_label"].iloc[0] == "2024-01" and frame["period_label"].iloc[-1] == "2025-04"
    assert len(frame) == 16 and frame["cases"].sum() == 5
    with pytest.raises(ValueError):
        _run(handmade_db, queries.trend, Y2025, by="week")


def test_situation_split(handmade_db: Path) -> None:
    frame = _run(handmade_db, queries.situation_split, Filters(year=2025, networks=("Syd",)))
    assert frame["situation"].tolist() == ["A", "B"]
    assert frame["cases"].tolist() == [2, 1]
    assert frame["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert frame["situation_label"].iloc[1].startswith("B – Trusler")
    empty = _run(handmade_db, queries.situation_split, Filters(year=2019))
    assert empty["cases"].tolist() == [0, 0]


def test_outcomes_count_values_and_not_recorded(handmade_db: Path) -> None:
    frame = _run(handmade_db, queries.outcomes, Y2025).set_index(["field", "value"])
    assert frame.loc[("politianmeldt", "ja"), "cases"] == 2
    assert frame.loc[("politianmeldt", "nej"), "cases"] == 4
    assert frame.loc[("vurdering", "underretning"), "cases"] == 3  # N3 S5 S6: lists unnested
    assert frame.loc[("vurdering", "paedagogisk"), "cases"] == 2
    assert frame.loc[("sletdet_kontaktet", "ikke_registreret"), "cases"] == 4
    assert frame.loc[("sletdet_kontaktet", "ikke_registreret"), "value_label"] == "Ikke registreret"
    assert ("materiale_slettet", "ikke_registreret") not in frame.index  # every 2025 case has it
    assert frame.loc[("dokumentation_sikret", "delvist"), "share"] == pytest.approx(1 / 6)
    assert frame.loc[("hjaelp", "laege"), "cases"] == 0  # zero rows keep categories stable
    assert frame.loc[("hjaelp", "laege"), "value_label"] == "Egen læge"


def test_platforms_and_offence_types_are_ranked(handmade_db: Path) -> None:
    platforms = _run(handmade_db, queries.platforms, Y2025)
    assert platforms["value"].tolist()[:2] == ["snapchat", "tiktok"]
    assert platforms["cases"].tolist()[:2] == [2, 1]
    assert platforms["value"].iloc[-1] == "ikke_registreret" and platforms["cases"].iloc[-1] == 4
    offences = _run(handmade_db, queries.offence_types, Y2025)
    assert offences.iloc[0][["value", "cases"]].tolist() == ["billeddeling", 6]
    assert offences.set_index("value").loc["afpresning", "cases"] == 1


def test_completeness_by_field_respects_where_a_field_applies(handmade_db: Path) -> None:
    frame = _run(handmade_db, queries.completeness_by_field, Y2025).set_index(["netvaerk", "field"])
    assert tuple(frame.loc[("Nord", "koen"), ["applicable", "filled"]]) == (3, 1)
    # days only apply where parents were involved (N1, N2), and both have them
    assert tuple(frame.loc[("Nord", "foraeldre_inddraget_dage"), ["applicable", "filled"]]) == (2, 2)
    # anmeldt_af only applies to police reports: S6 has it
    assert tuple(frame.loc[("Syd", "anmeldt_af"), ["applicable", "filled"]]) == (1, 1)
    assert tuple(frame.loc[("Syd", "erfaringer"), ["applicable", "filled"]]) == (3, 1)


def test_completeness_summary_is_pooled_and_lowest_first(handmade_db: Path) -> None:
    by_field = _run(handmade_db, queries.completeness_by_field, Y2025)
    summary = _run(handmade_db, queries.completeness, Y2025)
    assert set(summary["netvaerk"]) == {"Nord", "Syd"}
    for row in summary.itertuples():
        part = by_field[by_field["netvaerk"] == row.netvaerk]
        assert row.share == pytest.approx(part["filled"].sum() / part["applicable"].sum())
        assert row.cases == 3
        assert len(row.weakest.split(", ")) == 3
    assert summary["share"].is_monotonic_increasing


def test_networks_without_export(handmade_db: Path) -> None:
    frame = _run(handmade_db, queries.networks_without_export, 2025)
    assert frame.to_dict("records") == [{"netvaerk": "Vest", "last_month": "2023-10", "cases_before": 1}]
    assert _run(handmade_db, queries.networks_without_export, 2023).empty


def test_a_registry_network_without_cases_is_offered_and_listed_as_silent(handmade_db: Path) -> None:
    """Networks are registry data (plan.networks): one added before its first file is in the
    network filter and among the networks that sent nothing, with nothing sent before."""
    from evaluation.plan import networks

    with db.writer(handmade_db) as con:
        networks.add_network(con, "Nyby", by="test")
    assert "Nyby" in _run(handmade_db, queries.filter_options).networks
    frame = _run(handmade_db, queries.networks_without_export, 2025)
    assert frame["netvaerk"].tolist() == ["Vest", "Nyby"]
    assert frame.iloc[1]["cases_before"] == 0 and pd.isna(frame.iloc[1]["last_month"])
    assert _run(handmade_db, queries.networks_without_export, 2023)["netvaerk"].tolist() == ["Nyby"]


def test_learnings_search_is_case_insensitive_and_literal(handmade_db: Path) -> None:
    everything = _run(handmade_db, queries.learnings, Filters())
    assert everything["netvaerk"].tolist() == ["Syd", "Nord", "Syd"]  # newest first
    found = _run(handmade_db, queries.learnings, Filters(), "SLETDET")
    assert found["month"].tolist() == ["2025-05", "2024-12"]
    assert _run(handmade_db, queries.learnings, Y2025, "sletdet")["month"].tolist() == ["2025-05"]
    assert len(_run(handmade_db, queries.learnings, Filters(), "%")) == 1  # only the text with a %
    assert _run(handmade_db, queries.learnings, Filters(), "_").empty
    assert _run(handmade_db, queries.learnings, Filters(), "'; DROP TABLE cases; --").empty
    assert found["situation_label"].iloc[0] == "Uskyldig sammenhæng"


def test_imports_lists_loaded_and_rejected_files(handmade_db: Path) -> None:
    with db.writer(handmade_db) as con:
        con.execute("INSERT INTO rejected_files (file_name, rejected_by, errors, first_error) "
                    "VALUES ('fejl.csv', 'test', 3, 'ukendt_kode')")
    frame = _run(handmade_db, queries.imports)
    assert frame["status"].tolist() == ["indlaest", "indlaest", "afvist"]
    assert frame["status_label"].iloc[-1] == "Afvist"
    assert frame["errors"].iloc[-1] == 3
    assert "Fil" in queries.display_frame(frame).columns


def test_data_checksum_is_md5_over_current_cases_only(handmade_db: Path) -> None:
    with db.reader(handmade_db) as con:
        rows = con.execute("SELECT netvaerk, sags_id, content_hash FROM case_versions "
                           "WHERE replaced_by_import IS NULL AND year(indberetningsmaaned) = 2025 "
                           "ORDER BY netvaerk, sags_id").fetchall()
        checksum = queries.data_checksum(con, Y2025)
        assert queries.data_checksum(con, Y2025) == checksum
        assert queries.data_checksum(con, Filters(year=2024)) != checksum
        assert queries.data_checksum(con, Filters(year=2019)) == hashlib.md5(b"").hexdigest()
    expected = "\x1e".join(f"{n}\x1f{s}\x1f{h}" for n, s, h in rows)
    assert len(rows) == 6
    assert checksum == hashlib.md5(expected.encode()).hexdigest()


@pytest.mark.parametrize("year", [2024, 2025, 2019])
def test_both_checksums_in_one_scan_are_the_two_single_ones(handmade_db: Path, year: int) -> None:
    # The report's manifest takes both in one query; publishing later compares with the single one.
    with db.reader(handmade_db) as con:
        assert queries.data_checksums(con, year) == (queries.data_checksum(con, Filters()),
                                                     queries.data_checksum(con, Filters(year=year)))


def test_display_frame_uses_danish_headings_and_labels(handmade_db: Path) -> None:
    adherence = _run(handmade_db, queries.actioncard_adherence, Y2025)
    shown = queries.display_frame(adherence)
    assert list(shown.columns) == ["SSP-netværk", "Fase", "Antal sager (n)", "Fulgt", "Andel"]
    assert shown["Fase"].iloc[0] == "Vurder"
    outcomes = queries.display_frame(_run(handmade_db, queries.outcomes, Y2025))
    assert list(outcomes.columns) == ["Felt", "Værdi", "Sager", "Sager i alt", "Andel"]
    assert "Pædagogisk håndtering" in set(outcomes["Værdi"])


def test_queries_work_on_an_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "tom.duckdb"
    with db.writer(path):
        pass
    with db.reader(path) as con:
        assert queries.filter_options(con).years == ()
        assert queries.trend(con, Filters()).empty
        assert queries.completeness(con, Filters()).empty
        assert queries.learnings(con, Filters(), "x").empty
        assert queries.kpis(con, Filters(year=2025)).set_index("key").loc["cases", "value"] == 0
        assert queries.explore(con, Filters(), ["netvaerk"], "cases").empty


def test_reader_connection_is_read_only(handmade_db: Path) -> None:
    with db.reader(handmade_db) as con, pytest.raises(duckdb.Error):
        con.execute("DELETE FROM case_versions")


HANDMADE_FILTERS = (
    Filters(), Y2025, Filters(year=2024), Filters(year=2023), Filters(year=2019),
    Filters(year=2025, networks=("Syd",)), Filters(year=2025, institution_types=("efterskole",)),
    Filters(situations=("B",)), Filters(networks=("Nord", "Vest"), situations=("A",)),
    Filters(networks=("Findes ikke",)),
)


@pytest.mark.parametrize("filters", HANDMADE_FILTERS)
def test_cubes_give_the_direct_sql_answers_on_handmade_cases(handmade_db: Path, filters: Filters,
                                                             same_as_direct) -> None:
    with db.reader(handmade_db) as con:
        for fn in (queries.trend, queries.situation_split, queries.outcomes, queries.platforms,
                   queries.offence_types, queries.completeness_by_field, queries.completeness,
                   queries.data_checksum):
            same_as_direct(con, fn, filters)
        same_as_direct(con, queries.trend, filters, by="quarter")
        year = filters.year or 2025
        same_as_direct(con, queries.networks_without_export, year)
        same_as_direct(con, queries.year_has_data, year)
        same_as_direct(con, queries.filter_options)


def test_cubes_on_an_empty_database_match_the_direct_sql(tmp_path: Path, same_as_direct) -> None:
    path = tmp_path / "tom.duckdb"
    with db.writer(path):
        pass
    with db.reader(path) as con:
        for fn in (queries.trend, queries.situation_split, queries.outcomes, queries.completeness,
                   queries.actioncard_adherence):
            same_as_direct(con, fn, Filters())
        same_as_direct(con, queries.kpis, Filters(year=2025))
        same_as_direct(con, queries.explore, Filters(), ["platforme"], "share_B")
        same_as_direct(con, queries.explore, Filters(), [], "victims")
        same_as_direct(con, queries.networks_without_export, 2025)
        assert same_as_direct(con, queries.latest_year) is None

"""cube.py: cached cubes give exactly the direct SQL's answers, and never stale ones.

The equivalence is checked property-style (hypothesis draws filters, Udforsk choices) on a
random database of 10,000 cases (the benchmark's generator plus edge cases: empty lists,
Danish letters in network names, a network that stopped reporting, replaced versions), and
on the hand-made cases in test_queries/test_kpis/test_explore. Invalidation is checked with
real writes through ``db.writer``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.analysis import cube, explore, kpis, queries
from evaluation.store import db
from evaluation.ingest import spec
from evaluation.analysis.filters import Filters

REPO = Path(__file__).resolve().parents[2]
RANDOM_CASES = 10_000
EXTRA_NETWORKS = ("Ærø", "Øster Hurup", "Åby", "aabybro")  # code-point order differs from Danish
TODAY = date(2026, 6, 1)


def _bench() -> Any:
    """benchmarks/queries.py as a module: its vectorised generator of schema-valid cases."""
    found = importlib.util.spec_from_file_location("bench_queries", REPO / "benchmarks" / "queries.py")
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


def _random_frame(n: int) -> pd.DataFrame:
    """n random current cases with edge values, plus replaced old versions that must not count."""
    frame = _bench().cases_frame(n, seed=7)
    rows = frame.index
    frame.loc[rows % 11 == 0, "platforme"] = pd.Series([[] for _ in rows[rows % 11 == 0]],
                                                       index=rows[rows % 11 == 0], dtype=object)
    frame.loc[rows % 13 == 0, "hjaelp"] = pd.Series([["ingen", "psykolog"] for _ in rows[rows % 13 == 0]],
                                                    index=rows[rows % 13 == 0], dtype=object)
    days = frame["foraeldre_inddraget_dage"].copy()
    days[rows % 7 == 0] = pd.NA
    frame["foraeldre_inddraget_dage"] = days
    for i, name in enumerate(EXTRA_NETWORKS):
        frame.loc[rows % 50 == i, "netvaerk"] = name
    early = (frame["netvaerk"] == "Åby") & (frame["indberetningsmaaned"] >= pd.Timestamp("2021-01-01"))
    frame.loc[early, "netvaerk"] = "aabybro"  # Åby stopped reporting after 2020
    old = frame.iloc[:300].copy()
    old["import_id"], old["replaced_by_import"] = 1, 2
    old["situation"], old["politianmeldt"], old["anmeldt_af"] = "B", True, None
    old["content_hash"] = "0" * 32
    frame["import_id"] = 2
    return pd.concat([frame, old], ignore_index=True)


@pytest.fixture(scope="module")
def random_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of RANDOM_CASES current cases (two imports), loaded as one frame."""
    path = tmp_path_factory.mktemp("cube") / "random.duckdb"
    frame = _random_frame(RANDOM_CASES)
    with db.writer(path) as con:
        for import_id in (1, 2):
            con.execute("INSERT INTO imports (import_id, file_name, sha256, imported_by, rows_in_file, "
                        "rows_new, rows_replaced, rows_unchanged) VALUES (?, 'x.csv', ?, 'test', 0, 0, 0, 0)",
                        [import_id, f"{import_id:064d}"])
        con.register("frame", frame)
        con.execute("INSERT INTO case_versions BY NAME SELECT * FROM frame")
    return path


NETWORK_CHOICES = ("Netværk 01", "Netværk 07", "Netværk 30", *EXTRA_NETWORKS, "Findes ikke")
filters_strategy = st.builds(
    Filters,
    year=st.one_of(st.none(), st.integers(2016, 2026)),
    networks=st.lists(st.sampled_from(NETWORK_CHOICES), max_size=3, unique=True).map(tuple),
    institution_types=st.lists(st.sampled_from(list(spec.COLUMN_BY_KEY["institutionstype"].codes)),
                               max_size=2, unique=True).map(tuple),
    situations=st.lists(st.sampled_from(["A", "B"]), max_size=2, unique=True).map(tuple),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters=filters_strategy)
def test_every_question_matches_the_direct_sql_on_random_filters(random_db: Path, filters: Filters,
                                                                  same_as_direct) -> None:
    with db.reader(random_db) as con:
        same_as_direct(con, kpis.kpis, filters, today=TODAY)
        same_as_direct(con, kpis.kpis, filters, today=date(2025, 6, 1))  # running year: months cut
        same_as_direct(con, kpis.actioncard_adherence, filters)
        same_as_direct(con, queries.trend, filters)
        same_as_direct(con, queries.trend, filters, by="quarter")
        same_as_direct(con, queries.situation_split, filters)
        same_as_direct(con, queries.outcomes, filters)
        same_as_direct(con, queries.platforms, filters)
        same_as_direct(con, queries.offence_types, filters)
        same_as_direct(con, queries.completeness_by_field, filters)
        same_as_direct(con, queries.completeness, filters)
        same_as_direct(con, queries.data_checksum, filters)
        if filters.year is not None:
            same_as_direct(con, queries.networks_without_export, filters.year)
            same_as_direct(con, queries.year_has_data, filters.year)
            same_as_direct(con, kpis.comparison_months, filters.year, date(filters.year, 3, 1))


dimensions_strategy = st.lists(st.sampled_from(sorted(explore.DIMENSIONS)), max_size=3, unique=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters=filters_strategy, dimensions=dimensions_strategy,
       measure=st.sampled_from(sorted(explore.MEASURES)))
def test_explore_matches_the_direct_sql_on_random_choices(random_db: Path, filters: Filters,
                                                          dimensions: list[str], measure: str,
                                                          same_as_direct) -> None:
    with db.reader(random_db) as con:
        same_as_direct(con, explore.explore, filters, dimensions, measure)


def test_unfiltered_helpers_match_the_direct_sql(random_db: Path, same_as_direct) -> None:
    with db.reader(random_db) as con:
        options = same_as_direct(con, queries.filter_options)
        assert options.networks[-4:] == ("aabybro", "Åby", "Ærø", "Øster Hurup")  # code points
        assert same_as_direct(con, kpis.latest_year) == 2025
        silent = same_as_direct(con, queries.networks_without_export, 2022)
        assert silent["netvaerk"].tolist() == ["Åby"]
        assert same_as_direct(con, queries.networks_without_export, 2019).empty
        # aktoerer holds free names: no cube, the direct SQL answers both times
        free_names = same_as_direct(con, queries.outcomes, Filters(year=2025), ("koen", "aktoerer"))
        assert free_names["cases"].sum() > 0


def test_the_replaced_versions_are_not_counted(random_db: Path) -> None:
    with db.reader(random_db) as con:
        cases = queries.situation_split(con, Filters())["cases"].sum()
        total = sum(queries.trend(con, Filters())["cases"])
    assert cases == total == RANDOM_CASES


class CountingConnection:
    """A connection stand-in that counts the statements sent to DuckDB."""

    def __init__(self, con: Any) -> None:
        self.con, self.statements = con, 0

    def execute(self, *args: Any) -> Any:
        self.statements += 1
        return self.con.execute(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)


def test_a_filter_change_on_a_warm_cube_sends_no_sql(random_db: Path) -> None:
    cube.clear()
    with db.reader(random_db) as real:
        con = CountingConnection(real)
        for year in (2024, 2025):
            page = Filters(year=year)
            kpis.kpis(con, page, today=TODAY)
            kpis.actioncard_adherence(con, page)
            queries.outcomes(con, page)
            queries.completeness(con, page)
            queries.explore(con, page, ["netvaerk", "platforme"], "share_B")
        built = con.statements
        con.statements = 0
        changed = Filters(year=2025, networks=("Netværk 07", "Ærø"), situations=("B",))
        kpis.kpis(con, changed, today=TODAY)
        queries.trend(con, changed)
        kpis.actioncard_adherence(con, changed)
        queries.outcomes(con, changed)
        queries.completeness(con, changed)
        queries.situation_split(con, changed)
        queries.explore(con, changed, ["netvaerk", "platforme"], "share_B")
    assert built > 0 and con.statements == 0
    info = cube.cache_info()
    assert info.versions == 1 and info.entries >= 10


def _add_import_nine(con: Any) -> None:
    """The imports row a new case of the tests below belongs to (ingest always writes one)."""
    con.execute("INSERT INTO imports (import_id, file_name, sha256, imported_by, rows_in_file, rows_new, "
                "rows_replaced, rows_unchanged) VALUES (9, 'ny.csv', ?, 'test', 1, 1, 0, 0)", ["9" * 64])


def test_readers_see_new_cases_after_a_write(handmade_db: Path, same_as_direct) -> None:
    f = Filters(year=2025)
    with db.reader(handmade_db) as con:
        before = kpis.kpis(con, f, today=TODAY).set_index("key").loc["cases", "value"]
        platforms_before = queries.platforms(con, f).set_index("value").loc["discord", "cases"]
    with db.writer(handmade_db) as con:
        _add_import_nine(con)
        con.execute("INSERT INTO case_versions BY NAME SELECT 9 AS import_id, 2 AS row_in_file, "
                    "'ny' AS content_hash, 'X1' AS sags_id, ['discord'] AS platforme, * EXCLUDE (import_id, "
                    "row_in_file, content_hash, replaced_by_import, sags_id, platforme) "
                    "FROM case_versions WHERE sags_id = 'S4'")
    with db.reader(handmade_db) as con:
        after = same_as_direct(con, kpis.kpis, f, today=TODAY).set_index("key").loc["cases", "value"]
        platforms_after = same_as_direct(con, queries.platforms, f).set_index("value").loc["discord", "cases"]
        assert same_as_direct(con, queries.explore, f, ["netvaerk"], "cases")["cases"].tolist() == [3, 4]
    assert (before, after) == (6, 7)
    assert (platforms_before, platforms_after) == (0, 1)


def test_a_write_that_changes_no_count_is_still_seen(handmade_db: Path, same_as_direct) -> None:
    """An in-place update adds no import: the file's identity (inode, mtime) still changes."""
    f = Filters(year=2025)
    with db.reader(handmade_db) as con:
        assert queries.situation_split(con, f)["cases"].tolist() == [3, 3]
    with db.writer(handmade_db) as con:
        con.execute("UPDATE case_versions SET situation = 'B' WHERE sags_id = 'S4'")
    with db.reader(handmade_db) as con:
        assert same_as_direct(con, queries.situation_split, f)["cases"].tolist() == [2, 4]


def test_an_old_instance_does_not_poison_the_cache(handmade_db: Path, same_as_direct) -> None:
    """A reader on the old file (kept alive across a write) must not fill the new version's cubes."""
    f = Filters(year=2025)
    old = db.reader(handmade_db)
    old_con = old.__enter__()
    try:
        assert queries.situation_split(old_con, f)["cases"].sum() == 6
        with db.writer(handmade_db) as con:
            _add_import_nine(con)
            con.execute("INSERT INTO case_versions BY NAME SELECT 9 AS import_id, 'X1' AS sags_id, "
                        "* EXCLUDE (import_id, sags_id) FROM case_versions WHERE sags_id = 'S4'")
        # While the old instance lives, DuckDB may hand it to a new connection in this process.
        with db.reader(handmade_db) as con:
            same_as_direct(con, queries.situation_split, f)
    finally:
        old.__exit__(None, None, None)
    with db.reader(handmade_db) as con:
        assert same_as_direct(con, queries.situation_split, f)["cases"].sum() == 7


def test_different_files_never_share_cubes(handmade_db: Path, case_db: Callable[..., Path]) -> None:
    other = case_db([{"netvaerk": "Nord", "indberetningsmaaned": "2025-02"}], name="other.duckdb")
    f = Filters(year=2025)
    for _ in range(2):
        with db.reader(handmade_db) as con:
            assert queries.situation_split(con, f)["cases"].sum() == 6
        with db.reader(other) as con:
            assert queries.situation_split(con, f)["cases"].sum() == 1


def test_memory_is_bounded_to_two_versions(case_db: Callable[..., Path]) -> None:
    cube.clear()
    for i in range(4):
        path = case_db([{"indberetningsmaaned": f"2025-0{i + 1}"}], name=f"v{i}.duckdb")
        with db.reader(path) as con:
            kpis.kpis(con, Filters(year=2025), today=TODAY)
    assert cube.cache_info().versions == cube.MAX_VERSIONS == 2


def test_a_writer_connection_is_answered_live_and_not_cached(handmade_db: Path) -> None:
    cube.clear()
    with db.writer(handmade_db) as con:
        first = queries.situation_split(con, Filters(year=2025))["cases"].sum()
        con.execute("UPDATE case_versions SET indberetningsmaaned = DATE '2025-06-01' WHERE sags_id = 'V10'")
        second = queries.situation_split(con, Filters(year=2025))["cases"].sum()
    assert (first, second) == (6, 7)
    assert cube.cache_info().entries == 0


def test_bypass_runs_the_direct_sql_and_caches_nothing(handmade_db: Path) -> None:
    cube.clear()
    with cube.bypass(), db.reader(handmade_db) as con:
        assert cube.data_version(con) is None
        queries.trend(con, Filters())
    assert cube.cache_info().entries == 0
    with db.reader(handmade_db) as con:
        version = cube.data_version(con)
    assert version is not None and version.path == str(handmade_db)


def test_threads_sharing_the_cache_get_the_direct_answers(random_db: Path) -> None:
    """A Voilà page queries from its main thread and a worker at once, each on its own reader."""
    from concurrent.futures import ThreadPoolExecutor

    choices = [Filters(year=year, networks=nets) for year in (2023, 2024, 2025)
               for nets in ((), ("Netværk 07", "Ærø"))]

    def answers(filters: Filters) -> list[pd.DataFrame]:
        with db.reader(random_db) as con:
            return [kpis.kpis(con, filters, today=TODAY), kpis.actioncard_adherence(con, filters),
                    queries.outcomes(con, filters), queries.trend(con, filters)]

    with cube.bypass():
        expected = [answers(f) for f in choices]
    cube.clear()
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(answers, choices * 2))
    for i, frames in enumerate(got):
        for frame, want in zip(frames, expected[i % len(choices)], strict=True):
            pd.testing.assert_frame_equal(frame, want, check_exact=True)

"""Property test: no export file, however hostile, crashes ingest, leaks personal data or half-loads.

Hypothesis draws CSV and .xlsx files from ``export_strategies`` (the contract's columns with
valid, mutated, personal-data, formula-like and look-alike cells, every CSV flavour, odd
sheets, byte-level damage, random bytes) and ``fuzz_check.judge`` puts each through the real
``ingest_file`` into a copy of a seeded database. Derandomised, so CI runs the same examples
every time; ``benchmarks/fuzz_ingest.py`` runs the same strategies over 10,000+ files.

The files in ``tests/data/fuzz/`` are the interesting inputs found while building this (each
broke ingest before issue 9): they run every time, whatever Hypothesis draws.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from evaluation.store import db
from export_strategies import ALL_SECRETS, Drawn, export_files, xlsx_files
from fuzz_check import judge

CORPUS = Path(__file__).parents[1] / "data" / "fuzz"
EXAMPLES = 150


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "seed.duckdb"
    db.init(path)
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-work")


def _assert_kept(verdict) -> None:
    assert verdict.crash is None, verdict.crash
    assert not verdict.internal, f"the last guard answered ({verdict.layers}): a bug"
    assert not verdict.leaked, f"personal data echoed or stored: {len(verdict.leaked)} value(s)"
    assert not verdict.changed_on_reject, f"a rejection changed {verdict.changed_on_reject}"
    assert not verdict.partial, "a load wrote something else than it reported"
    assert verdict.status in ("loaded", "rejected", "unchanged")
    if verdict.status == "rejected":
        assert verdict.rules, "a rejection names the rule it broke"


CORPUS_FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".csv", ".xlsx")) if CORPUS.is_dir() else []


def test_the_corpus_is_there() -> None:
    assert len(CORPUS_FILES) >= 10, "tests/data/fuzz holds the interesting inputs"


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file(template_db: Path, workdir: Path, path: Path) -> None:
    _assert_kept(judge(template_db, workdir, path.name, path.read_bytes(), set(ALL_SECRETS)))


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                                 HealthCheck.function_scoped_fixture])
@given(drawn=export_files())
def test_no_file_crashes_leaks_or_half_loads(template_db: Path, workdir: Path, drawn: Drawn) -> None:
    _assert_kept(judge(template_db, workdir, drawn.name, drawn.data, drawn.secrets, drawn.layers))


def test_a_drawn_xlsx_is_the_same_bytes_a_clock_tick_later() -> None:
    """openpyxl stamps the save time into the file; the strategies remove it, so a replay draws
    the same bytes (else Hypothesis stops with FlakyStrategyDefinition in the mutated layer)."""
    from hypothesis import find

    first = find(xlsx_files(), lambda d: True, settings=settings(database=None, derandomize=True))
    time.sleep(2.1)  # zip entries carry 2-second timestamps
    again = find(xlsx_files(), lambda d: True, settings=settings(database=None, derandomize=True))
    assert first.data == again.data

"""Fixtures of the report's tests: the demo database at the sizes a municipality really has.

A municipality registers roughly 20–40 cases a year, so the report is tested on a sparse
demo (90 cases over four years, about 20 a year), a typical one (160 cases, about 40 a year)
and the demo's default (600 cases, the large year; ``demo_db`` in the shared conftest).
Each is built once per session through the real ingest; copy the file before writing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SIZES = {"sparse": 90, "typical": 160}


def _build(tmp_path_factory: pytest.TempPathFactory, cases: int) -> Path:
    from evaluation.demo import generate as demo

    path = tmp_path_factory.mktemp(f"demo{cases}") / "demo.duckdb"
    demo.build_demo_database(path, seed=2025, cases=cases)
    return path


@pytest.fixture(scope="session")
def sparse_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo at about 20 cases a year (90 cases, 2022–2025)."""
    return _build(tmp_path_factory, SIZES["sparse"])


@pytest.fixture(scope="session")
def typical_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo at about 40 cases a year (160 cases, 2022–2025)."""
    return _build(tmp_path_factory, SIZES["typical"])


@pytest.fixture(scope="session")
def sized_db(request: pytest.FixtureRequest) -> object:
    """``sized_db(name)``: the database for 'sparse', 'typical' or 'large'."""
    def get(name: str) -> Path:
        return request.getfixturevalue({"sparse": "sparse_db", "typical": "typical_db", "large": "demo_db"}[name])
    return get

"""views.common.page_build_reader: a page's first build reads on one connection, not one per
query group (each open cost ~35 ms; Årsevaluering's build opened ten), and never a stale one."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from evaluation.store import db
from evaluation.views import common
from evaluation.views.aarsevaluering import AarsevalueringView


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every ``db.reader`` the kernel's main thread opened (the real one, counted); the page's
    background worker reads on its own connections after the build, as before."""
    seen: list[Path] = []
    real = db.reader

    @contextmanager
    def counting(path, **kwargs):
        if threading.current_thread() is threading.main_thread():
            seen.append(Path(path))
        with real(path, **kwargs) as con:
            yield con

    monkeypatch.setattr(common.db, "reader", counting)
    return seen


def test_aarsevaluering_builds_on_one_connection(handmade_db: Path, opened: list[Path]) -> None:
    AarsevalueringView(handmade_db).wait()
    separately = len(opened)
    assert separately > 3  # without sharing, each query group opens its own
    opened.clear()
    with common.page_build_reader(handmade_db):
        view = AarsevalueringView(handmade_db)
    view.wait()
    # The shared connection, and store's own emptiness check (db.is_empty opens its own).
    assert opened == [handmade_db, handmade_db] and separately > 2
    assert view.experience.card_value("cases")  # the page was built from the shared reads
    opened.clear()
    with common.reader(handmade_db) as con:  # after the build: short-lived connections again
        assert con.execute("SELECT count(*) FROM cases").fetchall()[0][0] > 0
    assert opened == [handmade_db]


def test_a_changed_file_gets_its_own_connection(handmade_db: Path, opened: list[Path]) -> None:
    with common.page_build_reader(handmade_db):
        with common.reader(handmade_db):
            pass
        assert len(opened) == 1
        with db.writer(handmade_db) as con:  # a save replaces the file
            con.execute("CREATE TABLE bench_mark (x INTEGER)")
        with common.reader(handmade_db) as con:
            names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        assert len(opened) == 2
        assert "bench_mark" in names


def test_a_missing_database_shares_nothing(tmp_path: Path, opened: list[Path]) -> None:
    with common.page_build_reader(tmp_path / "ingen.duckdb"):
        assert common.database_problem(tmp_path / "ingen.duckdb")
    assert opened == []

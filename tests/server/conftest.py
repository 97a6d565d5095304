"""Fixtures for the server tests: real server processes on 127.0.0.1, real HTTP, real Chromium.

Every server is started in its own process group (``launch.start``) and stopped with
``launch.stop`` (SIGTERM, then a kill of the whole group), so a failing test leaves nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from serverkit import RunningServer, add_users, start_served

from evaluation.server import dashboard, launch


@pytest.fixture(scope="module")
def server_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the session's demo database: the module's writes stay in it."""
    path = tmp_path_factory.mktemp("server") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture(scope="module")
def local_server(server_db: Path, free_port: Callable[[], int]) -> Iterator[RunningServer]:
    """``ssp-eval dashboard``'s server (local mode, no login) on the module's database."""
    options = dashboard.options(server_db, free_port())
    process = launch.start(options, quiet=True)
    try:
        launch.wait_until_listening(process, options)
        yield RunningServer(options.port, server_db, process)
    finally:
        launch.stop(process)




@pytest.fixture(scope="module")
def serve_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo database with the tests' users (serverkit.USERS)."""
    path = tmp_path_factory.mktemp("serve") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    add_users(path)
    return path


@pytest.fixture(scope="module")
def served(serve_db: Path, free_port: Callable[[], int]) -> Iterator[RunningServer]:
    """``ssp-eval serve``'s server on the module's database (the watch runs every second)."""
    options, process = start_served(serve_db, free_port())
    try:
        yield RunningServer(options.port, serve_db, process)
    finally:
        launch.stop(process)

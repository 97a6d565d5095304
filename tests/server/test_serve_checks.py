"""What ``ssp-eval serve`` refuses before it starts: listening on the network without a TLS
proxy (passwords and pages would cross the municipality's network in plain text)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from evaluation.errors import EvaluationError
from evaluation.server import launch, users
from evaluation.store import db

SSP_EVAL = str(Path(sys.executable).with_name("ssp-eval"))


@pytest.fixture
def team_db(tmp_path: Path) -> Path:
    path = tmp_path / "ssp.duckdb"
    db.init(path)
    users.add_user(path, "mette", role="team", password="en lang hemmelig sætning")
    return path


def test_serving_the_network_without_a_tls_proxy_is_refused(team_db: Path, free_port: Callable[[], int]) -> None:
    port = free_port()
    result = subprocess.run([SSP_EVAL, "serve", "--db", str(team_db), "--host", "0.0.0.0", "--port", str(port)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "uden TLS" in result.stderr and "--proxy" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()  # nothing started


@pytest.mark.parametrize("host, proxy", [("127.0.0.1", ""), ("::1", ""), ("localhost", ""),
                                         ("0.0.0.0", "10.20.0.5"), ("10.20.0.9", "10.20.0.5")])
def test_loopback_alone_or_any_address_behind_a_proxy_may_start(team_db: Path, host: str, proxy: str) -> None:
    launch.check_serve(launch.ServerOptions(db_path=team_db, port=8866, host=host, mode="server", proxy=proxy))


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "10.20.0.9", "ssp.kommune.local"])
def test_any_other_address_without_a_proxy_is_refused(team_db: Path, host: str) -> None:
    with pytest.raises(EvaluationError, match="uden TLS"):
        launch.check_serve(launch.ServerOptions(db_path=team_db, port=8866, host=host, mode="server"))

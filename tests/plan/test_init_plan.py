"""Starting from another municipality's plan (issue 13, item 10): ``ssp-eval init --plan FIL``
seeds a new database from that file; a database that has a plan keeps it; a broken file is
refused before a database exists."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from evaluation.cli import cli
from evaluation.plan import networks, registry
from evaluation.settings import REPO_ROOT
from evaluation.store import db

OTHER_PLAN = REPO_ROOT / "tests" / "data" / "plan-anden-kommune.yaml"


def init(path: Path, plan: Path | None = None) -> object:
    args = ["init", "--db", str(path)] + (["--plan", str(plan)] if plan else [])
    return CliRunner().invoke(cli, args)


def test_init_with_a_plan_file_seeds_that_municipality(tmp_path: Path) -> None:
    result = init(tmp_path / "soelund.duckdb", OTHER_PLAN)
    assert result.exit_code == 0, result.output
    plan = yaml.safe_load(OTHER_PLAN.read_text(encoding="utf-8"))
    with db.reader(tmp_path / "soelund.duckdb") as con:
        meta = dict(con.execute("SELECT key, value FROM plan_meta").fetchall())
        names = networks.network_names(con)
        actors = set(registry.actors(con)["name"])
    assert meta["municipality"] == "Sølund Kommune" and meta["police_district"] == "Sydøstjyllands Politi"
    assert names == sorted(n["name"] for n in plan["networks"]) and len(names) == 5
    assert "Sydøstjyllands Politi" in actors and "Nordjyllands Politi" not in actors


def test_without_a_plan_file_the_seed_plan_is_used(tmp_path: Path) -> None:
    assert init(tmp_path / "hjoerring.duckdb").exit_code == 0
    with db.reader(tmp_path / "hjoerring.duckdb") as con:
        meta = dict(con.execute("SELECT key, value FROM plan_meta").fetchall())
        assert len(networks.network_names(con)) == 8
    assert (meta["municipality"], meta["police_district"]) == ("Hjørring Kommune", "Nordjyllands Politi")


def test_a_database_with_a_plan_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "hjoerring.duckdb"
    assert init(path).exit_code == 0
    result = init(path, OTHER_PLAN)
    assert result.exit_code != 0
    assert "har allerede en handleplan" in result.output and "plan-anden-kommune.yaml" in result.output
    with db.reader(path) as con:
        assert dict(con.execute("SELECT key, value FROM plan_meta").fetchall())["municipality"] == "Hjørring Kommune"


def test_a_broken_plan_file_is_refused_before_a_database_exists(tmp_path: Path) -> None:
    broken = tmp_path / "plan.yaml"
    broken.write_text(OTHER_PLAN.read_text(encoding="utf-8").replace("  municipality: Sølund Kommune\n", ""),
                      encoding="utf-8")
    result = init(tmp_path / "ny.duckdb", broken)
    assert result.exit_code != 0 and "plan.municipality" in result.output
    assert not (tmp_path / "ny.duckdb").exists()

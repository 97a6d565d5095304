"""plan/networks.py and migration 0010: the local SSP networks as registry data.

The plan's networks are seeded; a typed name is recognised after NFC, blank collapsing and
case folding, refused with a "Mente du …?" otherwise; add and rename write history; a rename
reaches the stored cases; and a 0.1.0 database's networks end up in the registry.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from evaluation.cli import cli
from evaluation.errors import EvaluationError
from evaluation.plan import networks, registry
from evaluation.store import db

PLAN_NETWORKS = ["Bindslev", "Hirtshals", "Hjørring By", "Løkken", "Sindal", "Tårs", "Ungdomsuddannelserne", "Vrå"]
FIXTURE = Path(__file__).parents[1] / "data" / "fixture-0.1.0.duckdb.gz"


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "net.duckdb"
    db.init(path)
    return path


def test_the_plans_networks_are_seeded_and_listed(seeded: Path) -> None:
    with db.reader(seeded) as con:
        assert networks.network_names(con) == PLAN_NETWORKS
        frame = networks.networks(con)
        history = registry.history(con, table="networks")
    assert list(frame["network_id"])[:3] == ["bindslev", "hirtshals", "hjoerring_by"]
    assert len(history) == 8 and set(history["action"]) == {"seed"}


@pytest.mark.parametrize("typed", ["Sindal", "SINDAL", "  sindal ", "Sin\u00a0dal".replace("\u00a0", ""), "sIndal\t"])
def test_a_known_network_however_typed(seeded: Path, typed: str) -> None:
    with db.reader(seeded) as con:
        match = networks.resolve(con, typed)
    assert match.known and match.name == "Sindal" and match.network_id == "sindal"


@pytest.mark.parametrize(("typed", "why"), [
    ("Sindall", "er ikke et SSP-netværk i planen. Mente du »Sindal«?"),
    ("S\u0456ndal", "indeholder et kyrillisk »\u0456« (U+0456), der ligner det latinske »i«"),
    ("Sin\u200bdal", "indeholder et usynligt tegn (U+200B)"),
    ("Hjoring by", "Mente du »Hjørring By«?"),
])
def test_an_unknown_or_look_alike_name_is_refused_with_a_suggestion(seeded: Path, typed: str, why: str) -> None:
    with db.reader(seeded) as con:
        match = networks.resolve(con, typed)
    assert not match.known and why in match.problem()
    if "\u0456" in typed or "\u200b" in typed:
        assert match.suggestion == "Sindal"


def test_add_network_with_history_and_its_refusals(seeded: Path) -> None:
    with db.writer(seeded) as con:
        row = networks.add_network(con, " Bjergby ", reason="Ny skole i planen", by="test")
        assert row == {"network_id": "bjergby", "name": "Bjergby", "aliases": []}
        for name, message in [("bjergby", "hører allerede til netværket »Bjergby«"),
                              ("Sindall", "ligner det kendte netværk »Sindal«"),
                              ("S\u0456ndal", "kyrillisk"),
                              ("0101901234", "personoplysning"), ("mor@example.dk", "personoplysning"),
                              ("x" * 61, "højst være 60 tegn"), ("  ", "skal have et navn")]:
            with pytest.raises(EvaluationError, match=message):
                networks.add_network(con, name)
        networks.add_network(con, "Sindal Øst", allow_similar=True)
        assert networks.add_network_alias(con, "Bjergby", "Bjergby Skole") is True
        assert networks.add_network_alias(con, "bjergby", "BJERGBY SKOLE") is False
    with db.reader(seeded) as con:
        assert networks.resolve(con, "bjergby skole").name == "Bjergby"
        added = registry.history(con, table="networks").iloc[-1:]  # oldest first is the seed; newest is first
        history = registry.history(con, table="networks")
    newest = history[history["item_id"] == "bjergby"].iloc[-1]
    assert newest["action"] == "insert" and newest["reason"] == "Ny skole i planen" and newest["changed_by"] == "test"
    assert len(added) == 1


def test_similar_network_names_the_look_alike_before_anything_is_written(seeded: Path) -> None:
    """What the upload page asks about before it adds a network ("Sindall": a typo of Sindal?)."""
    with db.reader(seeded) as con:
        assert networks.similar_network(con, "Sindall") == "Sindal"
        assert networks.similar_network(con, "Bjergby") is None
        for name, message in [("sindal", "hører allerede til netværket »Sindal«"),
                              ("0101901234", "personoplysning"), ("  ", "skal have et navn")]:
            with pytest.raises(EvaluationError, match=message):
                networks.similar_network(con, name)
    assert networks.clean_name("  Nord   Øst ") == "Nord Øst" and networks.clean_name(None) == ""


def _case_file(tmp_path: Path, network: str, sags_id: str = "S-1") -> Path:
    """A real export CSV with the template's example case, in ``network``."""
    from evaluation.ingest import spec, template
    from evaluation.spreadsheets import write_csv

    row = {**template.example_row([network]), "sags_id": sags_id}
    path = tmp_path / f"{sags_id}.csv"
    write_csv(path, [c.label for c in spec.COLUMNS], [[row[c.key] for c in spec.COLUMNS]])
    return path


def test_rename_reaches_the_cases_and_the_old_name_still_loads(seeded: Path, tmp_path: Path) -> None:
    from evaluation.ingest import ingest

    assert ingest.ingest_file(seeded, _case_file(tmp_path, "vrå")).status == "loaded"
    with db.writer(seeded) as con:
        done = networks.rename_network(con, "Vrå", "Vrå-Børglum", reason="Skolerne er lagt sammen", by="test")
    assert done["renamed"]["case_versions"] == 1 and done["renamed"]["imports"] == 0
    with db.reader(seeded) as con:
        assert con.execute("SELECT DISTINCT netvaerk FROM cases").fetchall() == [("Vrå-Børglum",)]
        assert networks.resolve(con, "VRÅ").name == "Vrå-Børglum", "the old name is still known"
        change = registry.history(con, table="networks", item_id="vraa").iloc[0]
    assert json.loads(change["old_value"])["name"] == "Vrå" and json.loads(change["new_value"])["name"] == "Vrå-Børglum"
    # a file still using the old name corrects the same case; it does not make a new one
    again = ingest.ingest_file(seeded, _case_file(tmp_path, "Vrå", "s-1"))
    assert again.status == "loaded" and again.rows_replaced == 1 and again.rows_new == 0
    with db.reader(seeded) as con:
        assert con.execute("SELECT netvaerk, sags_id FROM cases").fetchall() == [("Vrå-Børglum", "s-1")]


def test_network_functions_refuse_generic_registry_edits(seeded: Path) -> None:
    with db.writer(seeded) as con, pytest.raises(EvaluationError, match="Netværk ændres med netværksfunktionerne"):
        registry.update_item(con, "networks", "sindal", {"name": "Sindal By"})


def test_export_carries_the_networks_and_round_trips(seeded: Path, tmp_path: Path) -> None:
    with db.writer(seeded) as con:
        networks.rename_network(con, "Tårs", "Tårs-Ugilt")
    with db.reader(seeded) as con:
        path = registry.export_plan(con, tmp_path / "plan.yaml")
        document = registry.plan_document(con)
    again = registry.load_seed(path)
    assert again["networks"] == document["networks"]
    assert {"id": "taars", "name": "Tårs-Ugilt", "aliases": ["Tårs"]} in again["networks"]


def test_migration_takes_the_networks_of_an_old_database_into_the_registry(tmp_path: Path) -> None:
    path = tmp_path / "gammel.duckdb"
    with gzip.open(FIXTURE, "rb") as source, path.open("wb") as target:
        shutil.copyfileobj(source, target)
    raw = duckdb.connect(str(path))  # as 0.1.0 let it happen: spellings of one network, and a new one
    try:
        raw.execute("UPDATE case_versions SET netvaerk = 'sindal ' WHERE sags_id IN "
                    "(SELECT sags_id FROM case_versions WHERE netvaerk = 'Sindal' LIMIT 2)")
        raw.execute("UPDATE case_versions SET netvaerk = 'S\u0456ndal' WHERE sags_id IN "
                    "(SELECT sags_id FROM case_versions WHERE netvaerk = 'Sindal' LIMIT 1)")
        raw.execute("UPDATE case_versions SET netvaerk = 'Nørre Skole' WHERE sags_id IN "
                    "(SELECT sags_id FROM case_versions WHERE netvaerk = 'Tårs' LIMIT 1)")
        raw.execute("UPDATE case_versions SET netvaerk = '010190-1234' WHERE sags_id IN "  # a CPR number 0.1.0 stored
                    "(SELECT sags_id FROM case_versions WHERE netvaerk = 'Tårs' LIMIT 1)")
        raw.execute("UPDATE imports SET network = '22 33 44 55' WHERE import_id = (SELECT min(import_id) FROM imports)")
        before = raw.execute("SELECT count(*) FROM case_versions").fetchone()[0]
    finally:
        raw.close()
    with db.reader(path) as con:
        names = networks.network_names(con)
        per_network = dict(con.execute("SELECT netvaerk, count(*) FROM case_versions GROUP BY ALL").fetchall())
        made = registry.history(con, table="networks", item_id="noerre_skole").iloc[0]
        after = con.execute("SELECT count(*) FROM case_versions").fetchone()[0]
    assert names == sorted([*PLAN_NETWORKS, "Netværk uden gyldigt navn", "Nørre Skole"])
    with db.reader(path) as con:
        stored = con.execute("SELECT string_agg(DISTINCT netvaerk, '|') FROM case_versions").fetchone()[0]
        stored += str(con.execute("SELECT list(network) FROM imports").fetchone()[0])
        stored += str(con.execute("SELECT list(new_value) FROM registry_history").fetchone()[0])
    assert "010190-1234" not in stored and "22 33 44 55" not in stored, "personal data never becomes a network"
    assert set(per_network) == set(names), "every stored network name is a registry network"
    assert per_network["Sindal"] == 6 and "sindal " not in per_network, "spellings merged into the plan's name"
    assert after == before
    assert made["action"] == "insert" and "opgradering" in made["reason"]


def test_cli_lists_adds_and_renames(seeded: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(cli, ["network", "add", "Bjergby", "--db", str(seeded)])
    assert added.exit_code == 0, added.output
    refused = runner.invoke(cli, ["network", "add", "Sindall", "--db", str(seeded)])
    assert refused.exit_code == 1 and "ligner det kendte netværk »Sindal«" in refused.output
    renamed = runner.invoke(cli, ["network", "rename", "bjergby", "Bjergby-Mosbjerg", "--db", str(seeded)])
    assert renamed.exit_code == 0 and "Bjergby-Mosbjerg" in renamed.output
    listed = runner.invoke(cli, ["network", "list", "--db", str(seeded)])
    assert "Bjergby-Mosbjerg (også: Bjergby)" in listed.output and "9 netværk." in listed.output

"""registry.py / plan_file.py: the plan as data — seeded once, edited with history, exported back.

The seed is checked against the plan document itself (tests/data/registry_handleplan.txt, a
copy of the original): every web address and phone number printed there must be in the
registry, so an edit of data/plan.yaml that drops one fails here.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from evaluation.store import db
from evaluation.plan import registry
from evaluation.cli import cli
from evaluation.errors import EvaluationError
from evaluation.plan.plan_file import ACTOR_KINDS
from evaluation.settings import PLAN_SEED_PATH, SCHEMA_PATH

DOCUMENT = (Path(__file__).parents[1] / "data" / "registry_handleplan.txt").read_text(encoding="utf-8")
CARD_ORDER = [
    ("vurder", ["afdaek", "vurder", "inddrag"]),
    ("dokumenter", ["gem", "noter"]),
    ("stop", ["kendt_kraenker", "ukendt_kraenker", "samarbejde"]),
    ("anmeld", ["politianmeldelse", "forsikringsanmeldelse"]),
    ("behandel", ["faglig_sparring", "hjaelp_de_relevante", "haandtering_af_omgivelserne"]),
]


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    return registry.load_seed()


@pytest.fixture()
def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "plan.duckdb"
    db.init(path)
    return path


def by_id(items: list[dict[str, Any]], item_id: str) -> dict[str, Any]:
    return next(item for item in items if item["id"] == item_id)


# --- the seed against the plan document ---------------------------------------------------

def test_seed_lists_every_address_and_number_printed_in_the_plan(seed: dict[str, Any]) -> None:
    printed_urls = {u.lower() for u in re.findall(r"\b[a-z0-9-]+\.dk(?:/[a-z0-9_-]+)*", DOCUMENT, re.I)}
    printed_numbers = set(re.findall(r"\b\d{2} \d{2} \d{2} \d{2}\b", DOCUMENT))
    printed_numbers |= set(re.findall(r"\b11\d\b", DOCUMENT))  # short numbers such as 114
    assert printed_urls == {"redbarnet.dk/sletdet", "datatilsynet.dk", "politi.dk/anmeld"}
    assert printed_numbers == {"114", "35 36 55 55", "29 27 01 01"}

    assert {a["url"].lower() for a in seed["addresses"]} >= printed_urls
    assert {p["number"] for p in seed["phones"]} >= printed_numbers
    card_text = " ".join(s["text"] for phase in seed["actioncard"] for s in phase["steps"]).lower()
    for item in printed_urls | printed_numbers:
        assert item in card_text, f"{item} is on the card in the plan but not in the seed's card"


def test_actioncard_has_five_phases_and_thirteen_steps_in_card_order(seed: dict[str, Any]) -> None:
    assert [(p["id"], [s["id"] for s in p["steps"]]) for p in seed["actioncard"]] == CARD_ORDER
    steps = {s["id"]: s for p in seed["actioncard"] for s in p["steps"]}
    assert "Center for Seksuelle Overgreb" in steps["hjaelp_de_relevante"]["text"]
    assert "værdispringsregel" in steps["inddrag"]["text"]
    assert [p["title"] for p in seed["actioncard"]] == [
        "Vurder krænkelsen", "Dokumenter krænkelsen", "Stop krænkelsen", "Anmeld krænkelsen",
        "Behandel krænkelsen"]


def test_seed_names_the_plans_actors_roles_and_policies(seed: dict[str, Any]) -> None:
    assert seed["plan"]["title"] == "Handleplan for digitale krænkelser"
    assert seed["plan"]["municipality"] == "Hjørring Kommune"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", seed["plan"]["last_evaluated"])
    assert {"SletDet", "Red Barnet – Slet Det", "sletdet.dk"} <= set(by_id(seed["actors"], "red_barnet_sletdet")["aliases"])
    assert {"Politi", "Politiet", "politi.dk"} <= set(by_id(seed["actors"], "politiet")["aliases"])
    assert {"datatilsynet", "sikkerchat", "medieraadet", "trygfonden", "kredsraadet",
            "myndighedsafdelingen", "jammerbugt_kommune"} <= {a["id"] for a in seed["actors"]}
    roles = {r["id"]: r for r in seed["roles"]}
    assert roles["ssp_kontaktlaerer"]["per_network"] and not roles["klasseteam"]["per_network"]
    assert "beslutter skolens position, i forhold til mediehenvendelser" in roles["ledelse"]["description"]
    themes = by_id(seed["policies"], "boerne_unge_familiepolitik")["description"]
    for theme in ("Fællesskab", "Sundhed", "Medborgerskab", "Forældresamarbejde", "Læring og trivsel"):
        assert f"- {theme}:" in themes


def test_actor_kinds_mirror_the_schema_check() -> None:
    schema = SCHEMA_PATH.read_text(encoding="utf-8")
    check = re.search(r"kind\s+VARCHAR NOT NULL CHECK \(kind IN\s*\(([^)]*)\)", schema)
    assert check and tuple(re.findall(r"'([^']+)'", check.group(1))) == ACTOR_KINDS


# --- a broken seed ------------------------------------------------------------------------

def _break_kind(raw: dict) -> None:
    by_id(raw["actors"], "sikkerchat")["kind"] = "forening"


def _break_reference(raw: dict) -> None:
    by_id(raw["addresses"], "politi_anmeld")["actor_id"] = "politi_findes_ikke"


def _drop_step(raw: dict) -> None:
    raw["actioncard"][4]["steps"].pop()


def _duplicate_id(raw: dict) -> None:
    by_id(raw["roles"], "klasseteam")["id"] = "ledelse"


def _number_not_quoted(raw: dict) -> None:
    by_id(raw["phones"], "politi_114")["number"] = 114


def _bad_date(raw: dict) -> None:
    by_id(raw["policies"], "skolernes_ordensregler")["last_revised"] = "1. august 2020"


def _missing_section(raw: dict) -> None:
    del raw["roles"]


def _misspelt_key(raw: dict) -> None:
    by_id(raw["actors"], "datatilsynet")["navn"] = "Datatilsynet"


def _alias_of_two_actors(raw: dict) -> None:
    by_id(raw["actors"], "red_barnet_sletdet")["aliases"].append("Politiet")


@pytest.mark.parametrize(("breakage", "key", "problem"), [
    (_break_kind, "actors[sikkerchat].kind", "ikke en gyldig type"),
    (_break_reference, "addresses[politi_anmeld].actor_id", "findes ikke"),
    (_drop_step, "actioncard", "13 trin"),
    (_duplicate_id, "roles[ledelse].id", "mere end én gang"),
    (_number_not_quoted, "phones[politi_114].number", "anførselstegn"),
    (_bad_date, "policies[skolernes_ordensregler].last_revised", "ÅÅÅÅ-MM-DD"),
    (_missing_section, "roles", "mangler"),
    (_misspelt_key, "actors[datatilsynet].navn", "ikke en kendt nøgle"),
    (_alias_of_two_actors, "actors[red_barnet_sletdet].aliases", "aktøren 'politiet'"),
], ids=lambda v: v.__name__ if callable(v) else None)
def test_broken_seed_names_file_and_key_in_danish(tmp_path: Path, breakage, key: str, problem: str) -> None:
    raw = copy.deepcopy(yaml.safe_load(PLAN_SEED_PATH.read_text(encoding="utf-8")))
    breakage(raw)
    path = tmp_path / "ødelagt.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(EvaluationError) as caught:
        registry.load_seed(path)
    message = str(caught.value)
    assert "ødelagt.yaml" in message and "er ugyldige ved nøglen" in message
    assert f"'{key}'" in message and problem in message


def test_unreadable_seed_says_where(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("plan:\n  title: [ikke lukket\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"ikke gyldig YAML \(linje \d+\)"):
        registry.load_seed(path)
    with pytest.raises(EvaluationError, match="findes ikke"):
        registry.load_seed(tmp_path / "mangler.yaml")


# --- seeding and queries ------------------------------------------------------------------

def _counts(path: Path) -> dict[str, int]:
    with db.reader(path) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in
                ("plan_meta", "actors", "actor_aliases", "addresses", "phones", "roles", "policies",
                 "actioncard_phases", "actioncard_steps", "registry_history")}


def test_init_seeds_once_and_a_second_init_changes_nothing(seeded: Path, seed: dict[str, Any]) -> None:
    first = _counts(seeded)
    items = len(seed["plan"]) + sum(len(seed[s]) for s in ("actors", "networks", "addresses", "phones", "roles", "policies"))
    items += 5 + 13
    assert first["actors"] == len(seed["actors"]) and first["actioncard_steps"] == 13
    assert first["actor_aliases"] == sum(len(a["aliases"]) for a in seed["actors"])
    assert first["registry_history"] == items, "one 'seed' history row per item"
    db.init(seeded)
    assert _counts(seeded) == first
    with db.writer(seeded) as con:
        assert registry.seed_if_empty(con) is False
    with db.reader(seeded) as con:
        assert set(registry.history(con)["action"]) == {"seed"}


def test_queries_return_frames_in_order(seeded: Path) -> None:
    with db.reader(seeded) as con:
        actors = registry.actors(con)
        card = registry.actioncard(con)
        meta = registry.plan_meta(con)
        addresses = registry.addresses(con)
        policies = registry.policies(con)
    sletdet = actors.set_index("actor_id").loc["red_barnet_sletdet"]
    assert isinstance(sletdet["aliases"], list) and "SletDet" in sletdet["aliases"]
    assert list(actors["actor_id"]) == sorted(actors["actor_id"])
    assert list(card["step_id"]) == [s for _, steps in CARD_ORDER for s in steps]
    assert list(card["phase_no"]) == sorted(card["phase_no"]) and card["phase_no"].max() == 5
    assert meta["key"].iloc[0] == "title"
    assert addresses.set_index("address_id").loc["red_barnet_sletdet", "actor_name"] == "Red Barnet SletDet"
    assert policies["last_revised"].notna().all()


def test_seed_refuses_a_half_filled_registry(tmp_path: Path) -> None:
    path = tmp_path / "halv.duckdb"
    with pytest.raises(EvaluationError, match="delvist udfyldt"):
        with db.writer(path) as con:
            con.execute("INSERT INTO roles (role_id, title) VALUES ('x', 'X')")
            registry.seed_if_empty(con)


# --- edits and history --------------------------------------------------------------------

def test_update_writes_history_with_old_new_and_who(seeded: Path) -> None:
    with db.writer(seeded) as con:
        row = registry.update_address_url(con, "red_barnet_sletdet", "https://redbarnet.dk/sletdet-ny/",
                                          by="konsulent1", reason="Linktjekket fandt en omdirigering")
        assert registry.update_item(con, "addresses", "red_barnet_sletdet", {"url": row["url"]}) == row
    assert row["url"] == "redbarnet.dk/sletdet-ny", "stored as the plan prints it"
    with db.reader(seeded) as con:
        changes = registry.history(con, table="addresses")
        both = registry.history(con, item_id="red_barnet_sletdet")
        assert registry.addresses(con).set_index("address_id").loc["red_barnet_sletdet", "url"] == "redbarnet.dk/sletdet-ny"
    latest = changes.iloc[0]
    assert (latest["action"], latest["changed_by"], latest["item_id"]) == ("update", "konsulent1", "red_barnet_sletdet")
    assert json.loads(latest["old_value"])["url"] == "redbarnet.dk/sletdet"
    assert json.loads(latest["new_value"])["url"] == "redbarnet.dk/sletdet-ny"
    assert latest["reason"] == "Linktjekket fandt en omdirigering"
    assert latest["summary"] == "url: redbarnet.dk/sletdet → redbarnet.dk/sletdet-ny"
    assert (latest["table_label"], latest["action_label"]) == ("Webadresser", "Ændret")
    assert (changes["action"] == "update").sum() == 1, "a change that changes nothing writes no history"
    assert list(both["table_name"]) == ["addresses", "addresses", "actors"], "the actor and its address, newest first"


def test_new_actor_alias_address_and_dates_reach_the_export(seeded: Path, tmp_path: Path) -> None:
    with db.writer(seeded) as con:
        registry.add_actor(con, "boerns_vilkaar", "Børns Vilkår", "ngo", ["BørneTelefonen"],
                           description="Fundet i sagernes aktører.", by="konsulent1")
        assert registry.add_alias(con, "boerns_vilkaar", "Borns Vilkaar", by="konsulent1") is True
        assert registry.add_alias(con, "boerns_vilkaar", "børns vilkår") is False, "already its name"
        registry.add_address(con, "boerns_vilkaar", "bornsvilkar.dk", "Rådgivning af børn og unge.")
        registry.set_policy_revised(con, "skolernes_ordensregler", "2026-08-01")
        registry.set_plan_meta(con, "last_evaluated", "2026-11-20")
        registry.set_plan_meta(con, "adopted", "2021-01-01", reason="Vedtaget af byrådet")
        out = registry.export_plan(con, tmp_path / "ud" / "plan.yaml")
    exported = registry.load_seed(out)
    actor = by_id(exported["actors"], "boerns_vilkaar")
    assert actor["aliases"] == ["Borns Vilkaar", "BørneTelefonen"] and actor["in_plan"] is True
    assert by_id(exported["addresses"], "boerns_vilkaar")["actor_id"] is None
    assert str(by_id(exported["policies"], "skolernes_ordensregler")["last_revised"]) == "2026-08-01"
    assert exported["plan"]["last_evaluated"] == "2026-11-20" and exported["plan"]["adopted"] == "2021-01-01"
    with db.reader(seeded) as con:
        inserts = registry.history(con).query("action == 'insert'")
    assert set(inserts["table_name"]) == {"actors", "actor_aliases", "addresses", "plan_meta"}
    assert json.loads(inserts.set_index("table_name").loc["actors", "new_value"])["aliases"] == ["BørneTelefonen"]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda con: registry.update_item(con, "cases", "x", {"note": 1}), "Tabellen 'cases' findes ikke"),
    (lambda con: registry.update_item(con, "actors", "findes_ikke", {"name": "X"}), "ingen aktør med id 'findes_ikke'"),
    (lambda con: registry.update_item(con, "actors", "politiet", {"actor_id": "x"}), "Feltet 'actor_id' kan ikke ændres"),
    (lambda con: registry.update_item(con, "actors", "politiet", {"kind": "forening"}), "ikke en gyldig type"),
    (lambda con: registry.update_item(con, "phones", "politi_114", {"actor_id": "nej"}), "ingen aktør med id 'nej'"),
    (lambda con: registry.update_address_url(con, "politi_anmeld", "datatilsynet.dk"), "står allerede i planen"),
    (lambda con: registry.set_policy_revised(con, "skolernes_ordensregler", "snart"), "ÅÅÅÅ-MM-DD"),
    (lambda con: registry.add_alias(con, "red_barnet", "SletDet"), "hører allerede til aktøren 'red_barnet_sletdet'"),
    (lambda con: registry.add_actor(con, "Ny Aktør", "Ny", "ngo"), "Id 'Ny Aktør' er ugyldigt"),
    (lambda con: registry.add_actor(con, "datatilsynet", "Datatilsynet 2", "myndighed"), "findes allerede en aktør"),
    (lambda con: registry.add_actor(con, "ny", "Ny aktør", "ngo", ["ny AKTØR"]), "står mere end én gang"),
])
def test_bad_edits_are_refused_in_danish_and_change_nothing(seeded: Path, edit, message: str) -> None:
    before = _counts(seeded)
    with pytest.raises(EvaluationError, match=re.escape(message)):
        with db.writer(seeded) as con:
            edit(con)
    assert _counts(seeded) == before


def test_history_refuses_an_unknown_table(seeded: Path) -> None:
    with db.reader(seeded) as con, pytest.raises(EvaluationError, match="findes ikke i planregistret"):
        registry.history(con, table="drop table actors")


# --- export -------------------------------------------------------------------------------

def test_export_round_trips_to_the_seed(seeded: Path, seed: dict[str, Any], tmp_path: Path) -> None:
    with db.reader(seeded) as con:
        assert registry.plan_document(con) == seed
        out = registry.export_plan(con, tmp_path / "eksport.yaml")
    text = out.read_text(encoding="utf-8")
    assert registry.load_seed(out) == seed
    assert "Hjørring" in text and "\\u" not in text, "Danish letters written as they are"
    assert [line.split(":")[0] for line in text.splitlines() if re.match(r"[a-z]", line)] == list(seed)
    assert "last_evaluated: 2025-11-20" in text or re.search(r"last_evaluated: \d{4}-\d{2}-\d{2}$", text, re.M)


# --- CLI ----------------------------------------------------------------------------------

def test_cli_plan_export_and_history(seeded: Path, seed: dict[str, Any], tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "plan-eksport.yaml"
    result = runner.invoke(cli, ["plan", "export", "--db", str(seeded), "--out", str(out)], prog_name="ssp-eval")
    assert result.exit_code == 0, result.output
    assert "Skrev" in result.output and registry.load_seed(out) == seed
    result = runner.invoke(cli, ["plan", "export", "--db", str(seeded)], prog_name="ssp-eval")
    assert result.exit_code == 0 and yaml.safe_load(result.output)["plan"]["title"] == seed["plan"]["title"]

    with db.writer(seeded) as con:
        registry.update_address_url(con, "politi_anmeld", "politi.dk/anmeld-ny", by="konsulent2", reason="Flyttet")
    result = runner.invoke(cli, ["plan", "history", "--db", str(seeded), "--table", "addresses"], prog_name="ssp-eval")
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert "konsulent2" in first and "Webadresser" in first and "politi.dk/anmeld → politi.dk/anmeld-ny" in first
    assert "(Flyttet)" in first and result.output.rstrip().endswith("4 ændringer.")

    result = runner.invoke(cli, ["plan", "history", "--db", str(seeded), "--table", "x"], prog_name="ssp-eval")
    assert result.exit_code == 1 and "Fejl: Tabellen 'x' findes ikke" in result.output

"""The plan's change history in Danish sentences: names instead of ids, Danish words instead of
column names, one line for the seeding."""

from __future__ import annotations

import re
from pathlib import Path

from evaluation.plan import change_text, registry
from evaluation.plan.plan_file import ACTOR_KINDS, TABLES
from evaluation.store import db

# Every internal name a sentence must never show: table names, column names, ids.
INTERNAL = re.compile(r"\b(policies|addresses|actors|plan_meta|last_revised|actor_id|address_id|policy_id|"
                      r"url|kind|in_plan|last_evaluated|red_barnet_sletdet|skolernes_ordensregler)\b")


def test_every_registry_change_reads_as_a_danish_sentence(tmp_path: Path) -> None:
    path = tmp_path / "plan.duckdb"
    db.init(path)
    with db.writer(path) as con:
        registry.set_policy_revised(con, "skolernes_ordensregler", "2026-05-29", reason="Nyt afsnit om mobiler.")
        registry.update_address_url(con, "red_barnet_sletdet", "sletdet.redbarnet.dk")
        registry.add_actor(con, "cyberhus", "Cyberhus", "ngo", reason="Nævnt i tre sager.")
        registry.add_alias(con, "cyberhus", "Cyber-hus")
        registry.set_plan_meta(con, "last_evaluated", "2026-11-30")
    with db.reader(path) as con:
        frame = change_text.plan_changes(con)
        limited = change_text.plan_changes(con, limit=2)
        seeded = con.execute("SELECT count(*) FROM registry_history WHERE action = 'seed'").fetchall()[0][0]
    texts = list(frame["text"])
    assert list(frame.columns) == change_text.COLUMNS
    # newest first; the seeding is one line however many items it wrote
    assert texts[-1] == (f"Planen blev indlæst fra startdata ({seeded} punkter: aktører, adresser, telefonnumre, "
                         "roller, politikker og actioncardet).")
    assert texts[0] == "Planens seneste evaluering: værdien ændret fra 20.11.2025 til 30.11.2026."
    assert "Stavemåden »Cyber-hus« er tilføjet til aktøren »Cyberhus«." in texts
    assert ("Aktøren »Cyberhus« er tilføjet planen (slags: organisation (NGO); står i planen: ja). "
            "Begrundelse: Nævnt i tre sager.") in texts
    assert "Webadressen »redbarnet.dk/sletdet« er ændret til »sletdet.redbarnet.dk«." in texts
    assert ("Politikken »Skolernes ordensregler«: senest revideret ændret fra 01.08.2020 til 29.05.2026. "
            "Begrundelse: Nyt afsnit om mobiler.") in texts
    for text in texts:
        assert not INTERNAL.search(text), text
    assert list(limited["text"]) == texts[:2]


def test_an_actor_is_named_not_referred_to_by_its_id() -> None:
    change = {"table_name": "addresses", "action": "update", "reason": None,
              "old_value": '{"address_id": "x1", "url": "a.dk", "actor_id": "red_barnet", "purpose": "p"}',
              "new_value": '{"address_id": "x1", "url": "a.dk", "actor_id": "cyberhus", "purpose": "p"}'}
    text = change_text.describe(change, {"red_barnet": "Red Barnet", "cyberhus": "Cyberhus"})
    assert text == "Webadressen »a.dk«: aktør ændret fra »Red Barnet« til »Cyberhus«."
    unknown = change_text.describe({**change, "table_name": "networks"}, {})
    assert "networks" not in unknown and "x1" not in unknown and "cyberhus" not in unknown


def test_every_actor_kind_and_registry_table_has_danish_words() -> None:
    assert set(change_text.KIND_WORDS) == set(ACTOR_KINDS)
    assert set(change_text.ITEM_WORDS) == set(TABLES)
    shown = {f.key for t in TABLES.values() for f in t.fields if f.kind != "aliases"}
    assert shown <= set(change_text.FIELD_WORDS)

"""New-actor recall on held-out lists (issue 13, item 8).

Two labelled lists of spellings of the plan's actors as school staff write them (an extra
word such as "politiet i Hjørring", "Datatilsynets hjemmeside", "SletDet rådgivning"; word
order; typos) and of look-alike organisations that are not the plan's actors (newspapers
named like the police, other police districts, other councils' departments, other NGOs and
centres). The tuning list is ``tests/data/actor_variants.csv``.

- ``actor_heldout_1.csv`` (157 names) was written and frozen before the matcher was changed
  (0.1.0 matcher: recall 0.347, precision 0.971). Measured once after the first round
  (extra_words.py): recall 0.827, precision 1.000, short of the target. From then on it was
  looked at, so it is a development list.
- ``actor_heldout_2.csv`` (151 names) was written and frozen before the second round (a
  wider list of describing words, names split or joined, abbreviations). Measured once
  after it: recall 0.685, precision 1.000 (its extra words were verbs and roles, "SletDet
  hjalp med sletning", "Myndighedsafdelingens socialrådgiver"). A development list since.
- ``actor_heldout_3.csv`` (153 names) was written and frozen before the third round and
  never looked at while tuning: the target is measured on it.

The checksums are pinned, so a change fails loudly instead of quietly moving the goalposts.
Target: recall ≥ 0.90 at precision ≥ 0.98.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from evaluation.plan import actors
from evaluation.store import db

DATA = Path(__file__).parents[1] / "data"
TUNING = DATA / "actor_variants.csv"
HELDOUT_1 = DATA / "actor_heldout_1.csv"
HELDOUT_2 = DATA / "actor_heldout_2.csv"
HELDOUT_3 = DATA / "actor_heldout_3.csv"
FROZEN = {  # sha256, pinned on the day each list was written, before the round it measures
    HELDOUT_1: "aaaf2b2d481a7eeded6e58b21c17c882b25e066d7f0f33fbd4421fff557108a3",
    HELDOUT_2: "c15e9f3928fb47cfd50dbf3a0503419c4ebac1ad093d7a07e201cbbade4437c5",
    HELDOUT_3: "c6a98ad6cf9ca378e2cd9a8010c63c7386af30ac677d3df7e3c89087707c8294",
}
TARGET_RECALL, TARGET_PRECISION = 0.90, 0.98


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def key(name: str) -> str:
    return actors.normalise(name).replace(" ", "")


@pytest.fixture(scope="module")
def known(demo_db: Path) -> actors.KnownActors:
    """The seeded registry's actors and aliases, and the networks of a real database (the
    demo's, loaded through the real ingest): their names are the plan's own places."""
    with db.reader(demo_db) as con:
        assert con.execute("SELECT count(*) FROM actor_decisions").fetchone()[0] == 0
        return actors.known_actors(con)


def measure(path: Path, known: actors.KnownActors) -> tuple[float, float, str]:
    """Recall over the names that have an actor, precision over the names matched, and a report."""
    heldout = rows(path)
    results = actors.match_many([r["name"] for r in heldout], known)
    hits = sum(1 for r, m in zip(heldout, results) if m.actor_id and m.actor_id == r["expected_actor_id"])
    predicted = sum(1 for m in results if m.actor_id)
    positives = sum(1 for r in heldout if r["expected_actor_id"])
    recall, precision = hits / positives, (hits / predicted if predicted else 0.0)
    missed = [r["name"] for r, m in zip(heldout, results) if r["expected_actor_id"] and m.actor_id is None]
    wrong = [f"{r['name']!r} → {m.actor_id} (forventet {r['expected_actor_id'] or 'ny'})"
             for r, m in zip(heldout, results) if m.actor_id and m.actor_id != r["expected_actor_id"]]
    report = (f"{path.name}, {len(heldout)} navne: genkaldelse {recall:.3f}, præcision {precision:.3f}. "
              f"Ikke genkendt ({len(missed)}): {missed}. Forkert koblet ({len(wrong)}): {wrong}")
    return recall, precision, report


@pytest.mark.parametrize("path", [HELDOUT_1, HELDOUT_2, HELDOUT_3], ids=lambda p: p.stem)
def test_heldout_list_is_frozen(path: Path) -> None:
    assert hashlib.sha256(path.read_bytes()).hexdigest() == FROZEN[path], (
        f"{path.name} er ændret: en tilbageholdt testliste må ikke rettes efter tuning")


@pytest.mark.parametrize("path", [HELDOUT_1, HELDOUT_2, HELDOUT_3], ids=lambda p: p.stem)
def test_heldout_list_is_a_fair_test(path: Path, known: actors.KnownActors) -> None:
    """Big enough to measure 0.98 precision, no name shared with an earlier list, labels that exist."""
    heldout = rows(path)
    positives = [r for r in heldout if r["expected_actor_id"]]
    negatives = [r for r in heldout if not r["expected_actor_id"]]
    assert len(positives) >= 90 and len(negatives) >= 50
    assert {r["expected_actor_id"] for r in positives} == set(known.names)  # every actor is tried
    assert sum(1 for r in negatives if r["variant"].startswith("look-alike")) >= 35
    earlier = [TUNING, *[p for p in (HELDOUT_1, HELDOUT_2) if p.name < path.name]]
    seen = {key(r["name"]) for other in earlier for r in rows(other)}
    overlap = [r["name"] for r in heldout if key(r["name"]) in seen]
    assert overlap == [], f"navne findes også i en tidligere liste: {overlap}"
    assert len({key(r["name"]) for r in heldout}) == len(heldout)


def test_first_list_after_it_was_used_for_tuning(known: actors.KnownActors) -> None:
    """A development list since round 1 (see the module docstring): kept as a regression test."""
    recall, precision, report = measure(HELDOUT_1, known)
    print("\n" + report)
    assert recall >= TARGET_RECALL and precision >= TARGET_PRECISION, report


def test_second_list_after_it_was_used_for_tuning(known: actors.KnownActors) -> None:
    """A development list since round 2: kept as a regression test."""
    recall, precision, report = measure(HELDOUT_2, known)
    print("\n" + report)
    assert recall >= TARGET_RECALL and precision >= TARGET_PRECISION, report


def test_recall_and_precision_on_the_heldout_list(known: actors.KnownActors) -> None:
    """The target, on the list no tuning ever looked at."""
    recall, precision, report = measure(HELDOUT_3, known)
    print("\n" + report)
    assert recall >= TARGET_RECALL and precision >= TARGET_PRECISION, report

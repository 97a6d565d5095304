"""Another municipality (issue 13, item 10): nothing on a page or in a report names Hjørring, its
networks or its police district unless the plan file says so.

A demo database is built from a second plan file (tests/data/plan-anden-kommune.yaml: Sølund
Kommune, five networks instead of eight, another police district) the way a consultant starts
one (``ssp-eval demo --plan FIL``, which seeds the plan as ``ssp-eval init --plan FIL`` does);
every page of the navigation and both report editions are read in Chromium, and none of the
seed plan's own names may appear. That list is built from data/plan.yaml itself (municipality,
partner, police district, networks, actors and policy owners), leaving out the names the second
plan shares with it (national bodies like Datatilsynet). The same wording rules apply.
Screenshots: artefacts/screenshots/anden-kommune-<page>.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, expect

from evaluation.demo import generate as demo
from evaluation.plan import networks
from evaluation.settings import REPO_ROOT
from evaluation.store import db
from browsing import PAGE_TIMEOUT_MS, running_dashboard
from reading import edition_texts, page_texts
from wording import SEED_PLAN, internal_keys, problems

pytestmark = pytest.mark.browser
expect.set_options(timeout=PAGE_TIMEOUT_MS)

OTHER_PLAN = REPO_ROOT / "tests" / "data" / "plan-anden-kommune.yaml"
TEXTS = REPO_ROOT / "artefacts" / "anden-kommune"


def seed_names(seed_plan: Path = SEED_PLAN, other_plan: Path = OTHER_PLAN) -> set[str]:
    """The seed plan's own names: its places, networks, actors and policy owners, and the place in
    "X Kommune"/"Xs Politi"; without those the other plan also uses (national bodies, "Politiet")."""
    plan = yaml.safe_load(seed_plan.read_text(encoding="utf-8"))
    meta = plan["plan"]
    names = {meta["municipality"], meta["partner"], meta["police_district"]}
    names |= {n["name"] for n in plan["networks"]}
    names |= {a["name"] for a in plan["actors"]} | {alias for a in plan["actors"] for alias in a.get("aliases", [])}
    names |= {p["owner"] for p in plan["policies"] if p.get("owner")}
    for name in list(names):
        place = re.fullmatch(r"Kredsrådet for (.+?)s Politi|(?:.*, )?(.+?) Kommune|(.+?)s Politi", name)
        if place:
            names.add(next(g for g in place.groups() if g))
    other = other_plan.read_text(encoding="utf-8").casefold()
    return {name for name in names if name.casefold() not in other}


def named(text: str, names: set[str]) -> list[str]:
    """The seed plan's names in ``text`` (whole words, any case), with the line they stand in."""
    found = []
    for name in sorted(names):
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
            line = text[text.rfind("\n", 0, match.start()) + 1:text.find("\n", match.end())]
            found.append(f"{name}: »{line.strip()[:140]}«")
    return found


@pytest.fixture(scope="module")
def other_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("anden-kommune") / "soelund.duckdb"
    demo.build_demo_database(path, seed=2025, cases=150, plan_file=OTHER_PLAN)
    return path


@pytest.fixture(scope="module")
def server(other_db: Path, free_port: Callable[[], int]) -> Iterator[int]:
    """A real Voilà server as ``ssp-eval dashboard`` starts it; yields its port."""
    with running_dashboard(other_db, free_port()) as port:
        yield port


def test_the_seed_names_come_from_the_seed_plan() -> None:
    names = seed_names()
    assert {"Hjørring Kommune", "Hjørring", "Jammerbugt", "Nordjyllands Politi", "Nordjylland",
            "Kredsrådet for Nordjyllands Politi", "Hjørring By", "Bindslev", "Vrå"} <= names
    assert not {"Datatilsynet", "Red Barnet", "Politiet", "Sikkerchat"} & names  # shared with the other plan
    assert named("Sager fra Bindslev og vrå, Nordjyllands Politi", names) and not named("Vråby", {"Vrå"})


def test_the_demo_of_another_plan_has_its_networks_and_police(other_db: Path) -> None:
    plan = yaml.safe_load(OTHER_PLAN.read_text(encoding="utf-8"))
    with db.reader(other_db) as con:
        assert networks.network_names(con) == sorted(n["name"] for n in plan["networks"])
        in_cases = {r[0] for r in con.execute("SELECT DISTINCT netvaerk FROM cases").fetchall()}
        meta = dict(con.execute("SELECT key, value FROM plan_meta").fetchall())
    assert len(in_cases) == 5 != len(demo.NETWORKS)
    assert in_cases == {n["name"] for n in plan["networks"]}
    assert (meta["municipality"], meta["police_district"]) == ("Sølund Kommune", "Sydøstjyllands Politi")


def test_no_page_and_no_edition_names_the_seed_plan_s_places(browser: Browser, server: int, other_db: Path,
                                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    texts = page_texts(browser, server, TEXTS, shots="anden-kommune")
    texts.update(edition_texts(browser, other_db, tmp_path_factory.mktemp("rapporter"), TEXTS))
    names = seed_names()
    found = [f"{where}: {hit}" for where, (text, _) in texts.items() for hit in named(text, names)]
    assert found == [], "\n".join(found)
    # The other plan's own places are there: the municipality, the council's district, a network.
    assert "Sølund Kommune" in texts["rapport-team"][0]
    assert "Kredsrådet for Sydøstjyllands Politi" in texts["rapport-kredsraad"][0]
    assert "Nørremark" in texts["aarsevaluering"][0]
    keys = internal_keys(OTHER_PLAN, db_path=other_db)
    wording = [p for where, (text, _) in texts.items() for p in problems(text, keys, where=where)]
    assert wording == [], "\n".join(wording)

"""A network's contact is tied to their network by its stable id (``networks.network_id``):
a rename in the registry (``plan.networks.rename_network``) keeps them on their own network,
under its new name, in every check the server and the pages make."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.plan import networks
from evaluation.server import identity, roles, users
from evaluation.store import db

PASSWORD = "netværkets lange adgangskode"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "ssp.duckdb"
    db.init(path)
    return path


def test_a_network_contact_keeps_their_network_through_a_rename(database: Path) -> None:
    users.add_user(database, "lars", role="netvaerk", network="Sindal", password=PASSWORD)
    with db.writer(database) as con:
        networks.rename_network(con, "Sindal", "Sindal Skoler", by="mette", reason="nyt navn")
        names = networks.network_names(con)
    identity._cache.clear()
    person = identity.lookup(database, "lars")
    assert person is not None and person.network == "Sindal Skoler"
    assert roles.chosen_network(person, "Hirtshals", names) == "Sindal Skoler"
    assert roles.may_upload(person, "Sindal Skoler") and not roles.may_upload(person, "Sindal")
    assert roles.visible_networks(person, names) == ("Sindal Skoler",)
    with db.reader(database) as con:
        assert [u.network for u in users.list_users(con)] == ["Sindal Skoler"]
        assert users.history(con, "lars")[0]["network"] == "Sindal Skoler"
        stored = con.execute("SELECT network_id FROM users WHERE username = 'lars'").fetchone()[0]
        assert networks.network_by_id(con, stored) == "Sindal Skoler"


def test_a_network_is_named_as_the_registry_knows_it(database: Path) -> None:
    user = users.add_user(database, "lars", role="netvaerk", network="  sindal ", password=PASSWORD)
    assert user.network == "Sindal"
    with pytest.raises(users.UserError, match="»Sindall« er ikke et SSP-netværk i planen. Mente du »Sindal«?"):
        users.add_user(database, "lise", role="netvaerk", network="Sindall", password=PASSWORD)
    with pytest.raises(users.UserError, match="Kun rollen netvaerk"):
        users.add_user(database, "mette", role="team", network="Sindal", password=PASSWORD)

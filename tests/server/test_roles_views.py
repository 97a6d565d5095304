"""Role rules inside the pages, in-process: a page's kernel under ``ssp-eval serve`` as the server
sets it up (``SSP_EVAL_MODE=server`` and the identity the server passed), for each role.

Every widget's synced state is what Voilà sends to the browser; it is walked here and must
hold no other network's name for a network's contact. The browser test
(``test_roles_browser``) checks the same on the real websocket frames.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as widgets
import pytest

from evaluation.analysis import queries
from evaluation.errors import AccessDenied
from evaluation.server import identity, roles
from evaluation.settings import IDENTITY_ENV, MODE_ENV, current_user
from evaluation.store import db


def sent_to_browser(widget: widgets.Widget) -> str:
    """Every synced state of a widget tree, as one text (what the comm messages carry)."""
    seen, texts, todo = set(), [], [widget]
    while todo:
        item = todo.pop()
        if id(item) in seen or not isinstance(item, widgets.Widget):
            continue
        seen.add(id(item))
        state = item.get_state()
        texts.append(json.dumps(state, default=str, ensure_ascii=False))
        for value in state.values():
            if isinstance(value, str) and value.startswith("IPY_MODEL_"):
                todo.append(widgets.Widget.widgets.get(value[len("IPY_MODEL_"):]))
        todo.extend(getattr(item, "children", ()))
        if isinstance(item, widgets.Output):
            texts.append(json.dumps(item.outputs, default=str, ensure_ascii=False))
    return "\n".join(texts)


@pytest.fixture
def as_user(monkeypatch: pytest.MonkeyPatch, serve_db: Path) -> Iterator:
    def become(name: str | None) -> None:
        monkeypatch.setenv(MODE_ENV, "server")
        monkeypatch.setenv("SSP_EVAL_DB", str(serve_db))
        if name is None:
            monkeypatch.delenv(IDENTITY_ENV, raising=False)
        else:
            monkeypatch.setenv(IDENTITY_ENV, name)

    yield become


def other_networks(db_path: Path, own: str) -> list[str]:
    with db.reader(db_path) as con:
        return [n for n in queries.filter_options(con).networks if n != own]


def test_the_identity_the_server_passed_is_the_person_and_the_author(as_user, serve_db: Path) -> None:
    as_user("lars")
    person = identity.current_person()
    assert person == roles.Person("lars", "Lars", "netvaerk", "Sindal")
    assert current_user() == "lars"
    as_user(None)
    assert identity.current_person() is None
    with pytest.raises(AccessDenied):
        current_user()  # nobody named: nothing may be written


def test_a_disabled_user_is_nobody_at_once(as_user, serve_db: Path, tmp_path: Path) -> None:
    import shutil

    from evaluation.server import users

    copy = tmp_path / "kopi.duckdb"
    shutil.copyfile(serve_db, copy)
    as_user("lone")
    assert identity.current_person(copy) is not None
    users.set_active(copy, "lone", False)
    assert identity.current_person(copy) is None


def test_the_network_page_of_a_network_contact_holds_their_network_only(as_user, serve_db: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from evaluation.views.netvaerk import NetvaerkView

    as_user("lars")
    monkeypatch.setenv("QUERY_STRING", "netvaerk=Hirtshals")  # asking for another network
    view = NetvaerkView(serve_db)
    assert list(view.network.options) == ["Sindal"] and view.network.value == "Sindal"
    text = sent_to_browser(view.widget)
    assert "Sindal" in text
    leaked = [name for name in other_networks(serve_db, "Sindal") if name in text]
    assert not leaked


def test_the_upload_page_of_a_network_contact_lists_their_own_imports_only(as_user, serve_db: Path) -> None:
    from evaluation.views.indlaes import IndlaesView

    as_user("lars")
    view = IndlaesView(serve_db)
    assert [value for _label, value in view.network.options] == ["Sindal"]
    assert set(view.imports["network"]) <= {"Sindal"}
    text = sent_to_browser(view.widget)
    leaked = [name for name in other_networks(serve_db, "Sindal") if name in text]
    assert not leaked
    assert view.networks is None and "Netværk i planen" not in text  # adding and renaming: the team's
    assert view.undo is None and "Fortryd en indlæsning" not in text  # undoing an import too
    assert view.erase_case is None and "Slet én sag" not in text  # and erasing a case


def test_the_team_sees_every_network(as_user, serve_db: Path) -> None:
    from evaluation.views.netvaerk import NetvaerkView

    as_user("mette")
    view = NetvaerkView(serve_db)
    assert len(view.network.options) == len(other_networks(serve_db, "")) and len(view.network.options) > 1


def test_the_navigation_shows_a_role_only_its_pages(as_user, serve_db: Path) -> None:
    from evaluation.views import navigation

    as_user("lars")
    bar = navigation.nav_html("netvaerk", identity.current_person())
    assert "netvaerk.ipynb" in bar and "indlaes.ipynb" in bar and "udforsk.ipynb" not in bar
    assert "ssp/brugere" not in bar and "logout" in bar
    as_user("mette")
    team_bar = navigation.nav_html("netvaerk", identity.current_person())
    assert "udforsk.ipynb" in team_bar and "ssp/brugere" in team_bar and "ssp/log" in team_bar


def test_browser_input_never_widens_what_a_role_sees() -> None:
    lars = roles.Person("lars", "Lars", "netvaerk", "Sindal")
    lone = roles.Person("lone", "Lone", "laeser", None)
    team = roles.Person("mette", "Mette", "team", None)
    networks = ("Hirtshals", "Sindal", "Tårs")
    assert roles.chosen_network(lars, "Hirtshals", networks) == "Sindal"
    assert roles.chosen_network(lars, "'; DROP TABLE cases; --", networks) == "Sindal"
    assert roles.chosen_network(team, "Hirtshals", networks) == "Hirtshals"
    assert roles.chosen_network(team, "Findes ikke", networks) is None
    assert roles.visible_networks(lone, networks) == ()
    assert roles.min_cases(team) is None and roles.min_cases(lars, "Sindal") is None
    assert roles.min_cases(lars, "Hirtshals") == roles.min_cases(lone) == 5
    assert not roles.may_upload(lars, "Hirtshals") and roles.may_upload(lars, "Sindal")
    assert not roles.may_upload(lone, None)

"""Who is named as the author of a write at this computer (issue 13, item 4): a person's name,
never the operating system's login ("Af: root" named no one a consultant knows)."""

from __future__ import annotations

import getpass
import pwd
from types import SimpleNamespace

import pytest

from evaluation import settings


def account(login: str, gecos: str):
    def getpwnam(name: str) -> SimpleNamespace:
        assert name == login
        return SimpleNamespace(pw_gecos=gecos)
    return getpwnam


@pytest.mark.parametrize(("login", "gecos", "expected"), [
    ("root", "root", settings.LOCAL_USER),
    ("ssp", "", settings.LOCAL_USER),
    ("mette", "Mette Hansen,,,", "Mette Hansen"),
    ("mette", "mette", settings.LOCAL_USER),
])
def test_the_author_is_the_account_s_full_name_never_its_login(monkeypatch: pytest.MonkeyPatch, login: str,
                                                               gecos: str, expected: str) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: login)
    monkeypatch.setattr(pwd, "getpwnam", account(login, gecos))
    assert settings.current_user() == expected


def test_without_an_account_entry_the_author_is_the_local_user(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> None:
        raise KeyError(name)
    monkeypatch.setattr(getpass, "getuser", lambda: "1000")
    monkeypatch.setattr(pwd, "getpwnam", missing)
    assert settings.current_user() == settings.LOCAL_USER


def test_this_computer_s_login_is_not_the_author() -> None:
    assert settings.current_user() != getpass.getuser()

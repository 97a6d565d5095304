"""What each role may see and do: decided here, on the server side, before a query runs.

- ``team`` (SSP consultants): everything.
- ``netvaerk`` (a network's contact person): upload files for their own network; their own
  network's page, data and imports in full; nothing about other networks.
- ``laeser`` (Lokalråd/Kredsråd members): the published Kredsråd editions and nothing else
  (no case-level view, no small counts, no networks' free text).

Pages (Voilà notebooks) are checked by the server before a kernel starts (``PAGES``); inside
a page, views ask ``identity.current_person()`` and pass it to the functions here, so a view
for a role simply never receives what that role may not see. Outside the team and a
network's own data, no view narrows to fewer cases than the k-anonymity threshold
(``analysis.disclosure.threshold``): ``min_cases`` says which threshold applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

TEAM, NETWORK, READER = "team", "netvaerk", "laeser"

# The notebooks each role may open; the team may open every page. A page not listed here
# is refused to the other roles (new pages are closed until someone decides otherwise).
PAGES: dict[str, frozenset[str]] = {
    NETWORK: frozenset({"indlaes.ipynb", "netvaerk.ipynb"}),
    READER: frozenset(),
}
# Where "/" leads each role.
START_PAGES = {TEAM: "voila/render/aarsevaluering.ipynb", NETWORK: "voila/render/netvaerk.ipynb",
               READER: "ssp/udgivet"}
# Download kinds per role (``downloads.KINDS``).
DOWNLOADS: dict[str, frozenset[str]] = {
    TEAM: frozenset({"rapport", "skabelon", "actioncard", "plan", "netvaerk", "udgivet"}),
    NETWORK: frozenset({"skabelon", "actioncard", "netvaerk"}),
    READER: frozenset({"udgivet"}),  # published Kredsråd editions, as published
}
# Server pages (``/ssp/...``) only the team may open.
TEAM_ONLY = frozenset({"brugere", "log"})


@dataclass(frozen=True)
class Person:
    """Who is asking, as the server knows it (never as a browser says it)."""

    username: str
    display_name: str
    role: str
    network: str | None = None

    @property
    def is_team(self) -> bool:
        return self.role == TEAM


def may_open_page(person: Person, notebook: str) -> bool:
    return person.is_team or notebook in PAGES.get(person.role, frozenset())


def may_download(person: Person, kind: str) -> bool:
    return kind in DOWNLOADS.get(person.role, frozenset())


def may_see_network(person: Person, network: str | None) -> bool:
    """A network's own data in full: the team, and that network's contact."""
    return person.is_team or (person.role == NETWORK and network is not None and network == person.network)


def may_upload(person: Person, network: str | None) -> bool:
    """The team for any network; a network's contact for their own; readers never."""
    return person.is_team or (person.role == NETWORK and network == person.network)


def visible_networks(person: Person, networks: Iterable[str]) -> tuple[str, ...]:
    """The networks a person may see data of: all for the team, their own for a network."""
    networks = tuple(networks)
    if person.is_team:
        return networks
    if person.role == NETWORK:
        return tuple(n for n in networks if n == person.network)
    return ()


def chosen_network(person: Person, asked: str | None, networks: Iterable[str]) -> str | None:
    """The network a view shows when the browser asks for ``asked`` (query string, widget).

    Browser input is a wish, not a permission: a network's contact always gets their own
    network whatever they ask for; the team gets what they ask for if it exists.
    """
    visible = visible_networks(person, networks)
    if person.role == NETWORK:
        return person.network if person.network in visible else None
    return asked if asked in visible else None


def min_cases(person: Person, network: str | None = None) -> int | None:
    """The smallest number of cases a view may narrow to for this person, or None (no limit).

    None for the team, and for a network's contact on their own network; the k-anonymity
    threshold for everybody else.
    """
    if person.is_team or (person.role == NETWORK and network is not None and network == person.network):
        return None
    from evaluation.analysis import disclosure

    return disclosure.threshold()


def may_write(person: Person, network: str | None = None) -> bool:
    """Writes (imports, notes, judgements, decisions): the team; a network's contact for their own network."""
    return person.is_team or (person.role == NETWORK and network is not None and network == person.network)


def known_networks(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The networks the database knows: the registry's current names (``plan.networks``)."""
    from evaluation.plan import networks

    return tuple(networks.network_names(con))

"""The one navigation bar on every dashboard page, in the order the yearly cycle runs.

Every page's ``show`` goes through ``common.show_page``, which puts this bar above the page
(also above the Danish message that replaces a page whose database is missing), so a
consultant can always move on without typing an address. Links are relative to the page
(``udforsk.ipynb``): Voilà serves all notebooks from one folder, under ``ssp-eval dashboard``
and ``ssp-eval serve`` alike, so no base URL is needed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import ipywidgets as widgets


@dataclass(frozen=True)
class Page:
    """One dashboard page: its notebook's stem and its Danish link text."""

    key: str
    label: str

    @property
    def notebook(self) -> str:
        return f"{self.key}.ipynb"


PAGES: tuple[Page, ...] = (
    Page("aarsevaluering", "Årsevaluering"),
    Page("indlaes", "Indlæs udtræk"),
    Page("aarsrapport", "Årsrapport"),
    Page("opfoelgning", "Opfølgning"),
    Page("netvaerk", "Netværk"),
    Page("udforsk", "Udforsk"),
    Page("moedenoter", "Mødenoter"),
)
BY_KEY = {page.key: page for page in PAGES}

NAV_STYLE = """
<style>
.ssp-nav { font-family: Arial, Helvetica, sans-serif; display: flex; flex-wrap: wrap; gap: 2px;
           border-bottom: 2px solid #0072B2; margin: 0 0 10px 0; max-width: 1240px; }
.ssp-nav a { padding: 7px 12px; color: #0072B2; text-decoration: none; font-size: 15px;
             border-radius: 4px 4px 0 0; }
.ssp-nav a:hover, .ssp-nav a:focus { background: #EAF2F8; text-decoration: underline; }
.ssp-nav a[aria-current="page"] { background: #0072B2; color: #FFFFFF; font-weight: bold; }
</style>
"""


def href(key: str, *, anchor: str | None = None, **query: str) -> str:
    """The relative address of a page, optionally with a query (``netvaerk=Sindal``) and an anchor."""
    page = BY_KEY[key]
    address = page.notebook
    if query:
        address += "?" + urlencode(query)
    if anchor:
        address += f"#{anchor}"
    return address


def download_href(kind: str, name: str) -> str:
    """The address of a file served by the server's download handler (``GET /ssp/download/<kind>/<name>``).

    Relative to the page (``/voila/render/<page>.ipynb``), so it also works under a base URL:
    the handler logs and checks every download, which a ``data:`` link never reaches.
    """
    return f"../../ssp/download/{quote(kind, safe='')}/{quote(name, safe='')}"


def upload_href() -> str:
    """The address of the server's upload handler (``POST /ssp/upload``), relative to the page."""
    return "../../ssp/upload"


def nav_html(current: str | None, person: Any = None) -> str:
    """The bar as HTML; the current page is marked (``aria-current``, drawn filled).

    With a ``person`` (``server.identity.current_person``) only the pages their role may open
    are linked; under ``ssp-eval serve`` the team also gets the server's own pages, and
    everybody a way to log out.
    """
    from evaluation.server import identity, roles

    links = []
    for page in PAGES:
        if person is not None and not roles.may_open_page(person, page.notebook):
            continue
        mark = ' aria-current="page"' if page.key == current else ""
        links.append(f'<a href="{html.escape(page.notebook)}"{mark}>{html.escape(page.label)}</a>')
    if person is not None and identity.serving():
        server_pages = [("brugere", "Brugere"), ("log", "Adgangslog")] if person.is_team else []
        links += [f'<a href="../../ssp/{key}">{label}</a>' for key, label in server_pages]
        links.append('<a href="../../logout">Log ud</a>')
    return f'{NAV_STYLE}<nav class="ssp-nav" aria-label="Sider">{"".join(links)}</nav>'


def bar(current: str | None, person: Any = None) -> widgets.HTML:
    """The bar as a widget, placed above a page by ``common.show_page``."""
    widget = widgets.HTML(nav_html(current, person))
    widget.add_class("ssp-nav-bar")
    return widget


__all__ = ["BY_KEY", "PAGES", "Page", "bar", "download_href", "href", "nav_html", "upload_href"]

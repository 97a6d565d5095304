"""The server's own pages (``ssp-eval serve``), built without a kernel:

- ``/ssp/brugere`` (team): who may log in; add a colleague, disable or enable a user, set a
  new password — the same library functions as ``ssp-eval users`` (``users``), so the team
  needs no terminal;
- ``/ssp/log`` (team): the access log in Danish (``accesslog``);
- ``/ssp/udgivet`` (team and readers): the published Kredsråd editions to download.

Plain HTML with every value escaped, forms protected by the ``_xsrf`` token, the role
checked on the server for every request (``roles.TEAM_ONLY``). A page a role may not open
answers 403 and is logged as refused.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from tornado import web

from jupyter_server.base.handlers import JupyterHandler

from evaluation.errors import EvaluationError
from evaluation.server import accesslog, guard, login, roles, users
from evaluation.server.errorpage import DanishErrors
from evaluation.settings import acting_as, settings

PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} – SSP-evaluering</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; color: #1F2933; margin: 0 24px 40px 24px; max-width: 1240px; }}
nav {{ display: flex; flex-wrap: wrap; gap: 14px; border-bottom: 2px solid #0072B2; padding: 10px 0; margin-bottom: 10px; }}
a {{ color: #0072B2; }} h1 {{ font-size: 26px; }} h2 {{ font-size: 20px; margin-top: 28px; }}
table {{ border-collapse: collapse; font-size: 14px; }}
th {{ background: #F0F4F8; text-align: left; padding: 5px 8px; border-bottom: 1px solid #BCCCDC; }}
td {{ padding: 4px 8px; border-bottom: 1px solid #E4E7EB; vertical-align: top; }}
label {{ display: inline-block; min-width: 150px; font-weight: bold; margin: 6px 0; }}
input, select {{ padding: 6px; font-size: 15px; border: 1px solid #7B8794; border-radius: 4px; }}
button {{ padding: 6px 12px; font-size: 14px; background: #0072B2; color: #FFF; border: 0; border-radius: 4px;
          cursor: pointer; }}
.ok {{ background: #E6F4EA; border-left: 4px solid #009E73; padding: 8px 12px; }}
.fejl {{ background: #FDECEA; border-left: 4px solid #D55E00; padding: 8px 12px; }}
.lead {{ color: #52606D; }} .inaktiv {{ color: #7B8794; }}
</style></head><body>
<nav aria-label="Navigation">{nav}<span style="flex:1"></span><span>{who}</span>
<a href="{base}logout">Log ud</a></nav>
<main><h1>{title}</h1>{body}</main></body></html>"""

FLASH = {
    "add": "Brugeren {user} er oprettet.",
    "disable": "Brugeren {user} er deaktiveret; åbne sider er lukket.",
    "enable": "Brugeren {user} kan logge ind igen.",
    "password": "Ny adgangskode sat for {user}; brugerens åbne sessioner er afsluttet.",
}


def table(headings: list[str], rows: list[list[str]], empty: str) -> str:
    """An HTML table of already-escaped cells."""
    if not rows:
        return f'<p class="lead">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def when(moment: Any) -> str:
    return "–" if moment is None else escape(f"{moment:%d.%m.%Y %H:%M}")


class ServerPage(DanishErrors, JupyterHandler):
    """A page of the server's own (see the module docstring); ``page`` names it for the roles."""

    page = ""

    async def prepare(self) -> None:
        await super().prepare()  # login: redirect (GET) or 403 (POST) without a session
        if self._finished:
            return
        user = self.current_user
        if not isinstance(user, login.SspUser):
            raise web.HTTPError(404)  # local mode has no users, log or publishing
        if self.page in roles.TEAM_ONLY and not user.is_team_member:
            state = login.state_of(self)
            state.log.record("refused", username=user.username, page=self.page, address=state.client_address(self))
            raise web.HTTPError(403)

    @property
    def state(self) -> login.ServerState:
        return login.state_of(self)

    def show(self, title: str, body: str, status: int = 200) -> None:
        user = self.current_user
        base = escape(self.base_url)
        links = [("voila/render/aarsevaluering.ipynb", "Dashboards"), ("ssp/brugere", "Brugere"),
                 ("ssp/log", "Adgangslog"), ("ssp/udgivet", "Udgivne rapporter")]
        if not user.is_team_member:
            links = [(roles.START_PAGES[user.role], "Forside")]
        nav = "".join(f'<a href="{base}{href}">{escape(text)}</a>' for href, text in links)
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        self.finish(PAGE.format(title=escape(title), nav=nav, base=base, body=body,
                                who=escape(f"{user.display_name} ({users.ROLES[user.role].split(' (')[0]})")))

    def xsrf_field(self) -> str:
        return f'<input type="hidden" name="_xsrf" value="{escape(self.xsrf_token.decode("ascii"))}">'


class UsersPage(ServerPage):
    """``/ssp/brugere``: the team adds a colleague, disables, enables, sets a password."""

    page = "brugere"

    async def get(self) -> None:
        code, name = self.get_query_argument("ok", ""), self.get_query_argument("bruger", "")
        flash = FLASH[code].format(user=escape(name)) if code in FLASH else ""
        await self.render_page(flash_ok=flash)

    async def render_page(self, *, flash_ok: str = "", error: str = "", status: int = 200) -> None:
        from evaluation.store import db

        def load() -> tuple[list[users.User], list[dict], tuple[str, ...]]:
            with db.reader(self.state.db_path) as con:
                return users.list_users(con), users.history(con)[:30], roles.known_networks(con)

        everybody, changes, networks = await transfer_in_worker(load)
        rows = []
        for user in everybody:
            actions = self.user_actions(user)
            style = "" if user.active else ' class="inaktiv"'
            rows.append([f"<span{style}>{escape(user.username)}</span>", escape(user.display_name),
                         escape(user.role_label), escape(user.network or "–"),
                         "aktiv" if user.active else "deaktiveret", when(user.created_at), actions])
        history_rows = [[when(c["changed_at"]), escape(c["changed_by"]), escape(c["username"]), escape(c["action"]),
                         escape(c["role"] or "–"), escape(c["network"] or "–")] for c in changes]
        body = (f'<p class="ok" role="status">{flash_ok}</p>' if flash_ok else "") + \
               (f'<p class="fejl" role="alert">{escape(error)}</p>' if error else "") + \
               '<p class="lead">Hvem der kan logge ind, med hvilken rolle. Adgangskoder gemmes kun som argon2-hash.</p>' + \
               table(["Brugernavn", "Navn", "Rolle", "Netværk", "Status", "Oprettet", ""], rows, "Ingen brugere.") + \
               self.add_form(networks) + "<h2>Ændringer</h2>" + \
               table(["Hvornår", "Af", "Bruger", "Ændring", "Rolle", "Netværk"], history_rows, "Ingen ændringer.")
        self.show("Brugere", body, status)

    def user_actions(self, user: users.User) -> str:
        action = "enable" if not user.active else "disable"
        label = "Genaktivér" if not user.active else "Deaktivér"
        toggle = (f'<form method="post" style="display:inline">{self.xsrf_field()}'
                  f'<input type="hidden" name="action" value="{action}">'
                  f'<input type="hidden" name="username" value="{escape(user.username)}">'
                  f'<button type="submit">{label}</button></form>')
        password = (f' <form method="post" style="display:inline">{self.xsrf_field()}'
                    f'<input type="hidden" name="action" value="password">'
                    f'<input type="hidden" name="username" value="{escape(user.username)}">'
                    f'<input type="password" name="password" autocomplete="new-password" '
                    f'aria-label="Ny adgangskode til {escape(user.username)}" placeholder="Ny adgangskode">'
                    f'<button type="submit">Sæt adgangskode</button></form>')
        return toggle + password

    def add_form(self, networks: tuple[str, ...]) -> str:
        role_options = "".join(f'<option value="{escape(k)}">{escape(v)}</option>' for k, v in users.ROLES.items())
        network_options = '<option value="">(kun for netværkets kontaktperson)</option>' + "".join(
            f'<option value="{escape(n)}">{escape(n)}</option>' for n in networks)
        return (f'<h2>Tilføj en kollega</h2><form method="post">{self.xsrf_field()}'
                '<input type="hidden" name="action" value="add">'
                '<div><label for="ny-brugernavn">Brugernavn</label><input id="ny-brugernavn" name="username" '
                'required autocomplete="off" autocapitalize="none"></div>'
                '<div><label for="ny-navn">Navn</label><input id="ny-navn" name="display_name" required></div>'
                f'<div><label for="ny-rolle">Rolle</label><select id="ny-rolle" name="role">{role_options}</select></div>'
                f'<div><label for="ny-netvaerk">Netværk</label><select id="ny-netvaerk" name="network">'
                f'{network_options}</select></div>'
                '<div><label for="ny-kode">Adgangskode</label><input id="ny-kode" name="password" type="password" '
                f'required autocomplete="new-password" minlength="{users.MIN_PASSWORD_LENGTH}"></div>'
                '<div><button type="submit">Opret bruger</button></div></form>')

    async def post(self) -> None:
        action = self.get_body_argument("action", "")
        name = self.get_body_argument("username", "")
        acting = self.current_user

        def write() -> users.User:
            with acting_as(acting.username):
                db_path = self.state.db_path
                if action == "add":
                    return users.add_user(db_path, name, role=self.get_body_argument("role", ""),
                                          password=self.get_body_argument("password", ""),
                                          display_name=self.get_body_argument("display_name", ""),
                                          network=self.get_body_argument("network", "") or None)
                if action in ("disable", "enable"):
                    return users.set_active(db_path, name, action == "enable")
                if action == "password":
                    return users.set_password(db_path, name, self.get_body_argument("password", ""))
                raise users.UserError("Ukendt handling.")

        try:
            changed = await transfer_in_worker(write)
        except EvaluationError as exc:
            await self.render_page(error=str(exc), status=400)
            return
        self.state.log.record("users", username=acting.username, detail=f"{action} {changed.username}",
                              address=self.state.client_address(self))
        await guard.guard_round(self.settings)  # a disabled user's pages close now, not in a while
        self.redirect(f"{self.base_url}ssp/brugere?{urlencode({'ok': action, 'bruger': changed.username})}",
                      status=303)


class LogPage(ServerPage):
    """``/ssp/log``: the access log in Danish, newest first (filters: person, kind, days)."""

    page = "log"

    async def get(self) -> None:
        person = self.get_query_argument("bruger", "").strip().lower() or None
        kind = self.get_query_argument("haendelse", "") or None
        days_text = self.get_query_argument("dage", "30")
        days = int(days_text) if days_text.isdigit() and 0 < int(days_text) <= 3650 else 30
        if kind is not None and kind not in accesslog.EVENTS:
            kind = None
        events = await transfer_in_worker(
            self.state.log.events, since=accesslog.now() - timedelta(days=days), username=person, event=kind,
            limit=2000)
        rows = [[when(e.at), escape(e.username or ("(ukendt navn)" if e.subject else "–")), escape(e.label),
                 escape(e.page or "–"), escape(e.network or "–"), escape(e.detail or "–"), escape(e.address or "–")]
                for e in events]
        kinds = '<option value="">alle</option>' + "".join(
            f'<option value="{escape(k)}"{" selected" if k == kind else ""}>{escape(v)}</option>'
            for k, v in accesslog.EVENTS.items())
        form = ('<form method="get"><label for="log-bruger">Bruger</label>'
                f'<input id="log-bruger" name="bruger" value="{escape(person or "")}"> '
                f'<label for="log-haendelse">Hændelse</label><select id="log-haendelse" name="haendelse">{kinds}</select> '
                f'<label for="log-dage">Seneste dage</label><input id="log-dage" name="dage" value="{days}" size="4"> '
                '<button type="submit">Vis</button></form>')
        lead = (f'<p class="lead">Hvem der loggede ind, åbnede hvilke sider med hvilket netværk, indlæste og '
                f'hentede filer. Tider er UTC. Loggen indeholder ingen sagsdata og gemmes i '
                f'{settings.access_log_retention_days} dage.</p>')
        shown = f'<p class="lead">{len(rows)} hændelser (højst 2.000 vises).</p>'
        self.show("Adgangslog", lead + form + shown + table(
            ["Tid (UTC)", "Bruger", "Hændelse", "Side", "Netværk", "Detaljer", "Adresse"], rows,
            "Ingen hændelser i perioden."))


class PublishedPage(ServerPage):
    """``/ssp/udgivet``: the Kredsråd editions the team has published (readers' only page)."""

    page = "udgivet"

    async def get(self) -> None:
        from evaluation.server.downloads import published_files

        found = await transfer_in_worker(published_files, self.state.db_path)
        base = escape(self.base_url)
        rows = [[escape(str(p.year)), escape(p.kontrolnummer), when(p.published_at),
                 " ".join(f'<a href="{base}ssp/download/udgivet/{escape(quote(name))}">'
                          f'{"PDF" if name.endswith(".pdf") else "HTML"}</a>' for name in names)]
                for p, names in found]
        self.show("Udgivne rapporter", '<p class="lead">De udgaver af årsrapporten til Lokalrådet og Kredsrådet, '
                  'som SSP-teamet har udgivet, præcis som de blev udgivet.</p>' + table(
                      ["År", "Kontrolnummer", "Udgivet", "Hent"], rows,
                      "Der er endnu ingen udgivne Kredsråds-udgaver."))


async def transfer_in_worker(function: Any, *args: Any, **kwargs: Any) -> Any:
    from evaluation.server.transfer import in_worker

    return await in_worker(function, *args, **kwargs)


def routes(server_url: str) -> list[tuple]:
    from jupyter_server.utils import url_path_join

    return [(url_path_join(server_url, "/ssp/brugere"), UsersPage),
            (url_path_join(server_url, "/ssp/log"), LogPage),
            (url_path_join(server_url, "/ssp/udgivet"), PublishedPage)]

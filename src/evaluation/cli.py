"""``ssp-eval``: the command line, a thin face over the library.

Each command parses its options and calls one library function; errors are domain errors
with Danish messages, shown here without a traceback. Options are English, text is Danish.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from evaluation import __version__
from evaluation.clitext import DanishGroup  # also installs Danish wording for click's texts
from evaluation.errors import EvaluationError
from evaluation.settings import DB_ENV_VAR, database_path

DB_HELP = f"Databasefil. Standard: miljøvariablen {DB_ENV_VAR}, ellers ~/.local/share/ssp-evaluering/."
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def db_option(func: Callable) -> Callable:
    return click.option("--db", "db", type=click.Path(dir_okay=False), default=None,
                        metavar="STI", help=DB_HELP)(func)


def fail(exc: EvaluationError) -> None:
    click.secho(f"Fejl: {exc}", fg="red", err=True)
    sys.exit(1)


def confirmed(question: str, word: str = "ja") -> bool:
    """Ask in Danish and wait for ``word`` typed out (click's own confirm answers y/n in English)."""
    answer = click.prompt(f"{question}\nSkriv {word} for at fortsætte", default="", show_default=False)
    if answer.strip().lower() == word:
        return True
    click.echo("Intet er ændret.")
    return False


@click.group(cls=DanishGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", message="ssp-eval %(version)s", help="Vis versionen og afslut.")
def cli() -> None:
    """SSP-evaluering: data til den årlige evaluering af handleplanen for digitale krænkelser.

    Indlæs de lokale SSP-netværks anonyme sagsudtræk, hold planens aktører, webadresser og
    nøglepersoner ajour, og lav dashboards og årsrapport.
    """


PLAN_OPTION = click.option(
    "--plan", "plan", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FIL",
    help="Kommunens egen handleplan (samme format som data/plan.yaml). Standard: Hjørring Kommunes.")


@cli.command(context_settings=CONTEXT)
@db_option
@PLAN_OPTION
def init(db: str | None, plan: Path | None) -> None:
    """Opret databasen og indlæs handleplanen (aktører, adresser, telefonnumre, roller, netværk)."""
    from evaluation.store import db as dbmod

    path = database_path(db)
    try:
        dbmod.init(path, plan_file=plan)
    except EvaluationError as exc:
        fail(exc)
    click.echo(f"Databasen er klar: {path}")


def _known_networks(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for --network: the registry's networks (nothing when there is no database)."""
    from evaluation.plan import networks
    from evaluation.store import db as dbmod

    path = database_path(ctx.params.get("db"))
    if not path.exists():
        return []
    try:
        with dbmod.reader(path) as con:
            names = networks.network_names(con)
    except EvaluationError:
        return []
    return [n for n in names if n.casefold().startswith(incomplete.casefold())]


@cli.command(context_settings=CONTEXT)
@db_option
@click.option("--network", "network", default=None, shell_complete=_known_networks, metavar="NETVÆRK",
              help="SSP-netværket for hele filen, når filen ikke har kolonnen SSP-netværk. Et netværk, planen "
                   "kender (se 'ssp-eval network list'); et ukendt navn afvises med et forslag.")
@click.argument("files", nargs=-1, required=True, metavar="FILER...",
                type=click.Path(exists=True, dir_okay=False))
def ingest(db: str | None, network: str | None, files: tuple[str, ...]) -> None:
    """Indlæs sagsudtræk (.csv eller .xlsx) fra de lokale SSP-netværk.

    Hver fil kontrolleres helt, før noget indlæses: en fil med fejl indlæses slet ikke, og
    alle fejl vises på én gang med række og kolonne. Rettede sager erstatter de gamle.
    """
    from evaluation.ingest import ingest as ingestmod

    path = database_path(db)
    rejected = 0
    for file in files:
        with click.progressbar(length=1, label=f"Indlæser {Path(file).name}", file=sys.stderr,
                               show_pos=False) as bar:
            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)
            try:
                result = ingestmod.ingest_file(path, Path(file), network=network, progress=progress)
            except EvaluationError as exc:
                fail(exc)
        for message in result.messages:
            colour = "red" if message.level == "fejl" else "yellow"
            click.secho(str(message), fg=colour, err=message.level == "fejl")
        click.echo(result.summary())
        rejected += result.status == "rejected"
    if rejected:
        sys.exit(2)


@cli.command("demo-data", context_settings=CONTEXT)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), metavar="MAPPE", help="Mappe til filerne.")
@click.option("--seed", default=2025, show_default=True, help="Startværdi: samme værdi giver samme filer.")
@click.option("--cases", default=600, show_default=True, help="Antal sager i alt (fordeles på netværk og år).")
def demo_data(out: str, seed: int, cases: int) -> None:
    """Lav syntetiske (opdigtede) sagsudtræk i eksportformatet til demo og test."""
    from evaluation.demo import generate as demo

    files = demo.write_demo_files(Path(out), seed=seed, cases=cases)
    for file in files:
        click.echo(f"Skrev {file}")


@cli.command(context_settings=CONTEXT)
@db_option
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), metavar="MAPPE", help="Mappe til skabelonerne.")
def template(db: str | None, out: str) -> None:
    """Skriv udfyldningsskabeloner til netværkene (.xlsx med vejledning og rullelister, og .csv).

    Rullelisten SSP-netværk viser databasens netværk (uden database: handleplanens).
    """
    from evaluation.ingest import template as templatemod
    from evaluation.plan import networks

    try:
        names = networks.known_names(database_path(db))
    except EvaluationError as exc:
        fail(exc)
    for file in templatemod.write_templates(Path(out), networks=names):
        click.echo(f"Skrev {file}")


@cli.group(context_settings=CONTEXT)
def network() -> None:
    """De lokale SSP-netværk i planen: vis, tilføj og omdøb (ændringer gemmes i historikken)."""


@network.command("list", context_settings=CONTEXT)
@db_option
def network_list(db: str | None) -> None:
    """Vis netværkene med deres andre stavemåder."""
    from evaluation.plan import networks
    from evaluation.store import db as dbmod

    try:
        with dbmod.reader(database_path(db)) as con:
            frame = networks.networks(con)
    except EvaluationError as exc:
        fail(exc)
    for row in frame.itertuples():
        other = f" (også: {', '.join(row.aliases)})" if row.aliases else ""
        click.echo(f"{row.name}{other}")
    click.echo(f"{len(frame)} netværk.")


@network.command("add", context_settings=CONTEXT)
@db_option
@click.argument("name", metavar="NAVN")
@click.option("--reason", default=None, metavar="TEKST", help="Hvorfor netværket tilføjes (gemmes i historikken).")
@click.option("--similar-ok", is_flag=True, help="Tilføj, selv om navnet ligner et kendt netværk.")
def network_add(db: str | None, name: str, reason: str | None, similar_ok: bool) -> None:
    """Tilføj et lokalt SSP-netværk."""
    from evaluation.plan import networks
    from evaluation.store import db as dbmod

    try:
        with dbmod.writer(database_path(db)) as con:
            row = networks.add_network(con, name, allow_similar=similar_ok, reason=reason)
    except EvaluationError as exc:
        fail(exc)
    click.echo(f"Tilføjede netværket {row['name']}.")


@network.command("rename", context_settings=CONTEXT)
@db_option
@click.argument("old", metavar="NAVN")
@click.argument("new", metavar="NYT_NAVN")
@click.option("--reason", default=None, metavar="TEKST", help="Hvorfor netværket omdøbes (gemmes i historikken).")
def network_rename(db: str | None, old: str, new: str, reason: str | None) -> None:
    """Omdøb et netværk i planen og i alle dets sager; det gamle navn kendes stadig i filer."""
    from evaluation.plan import networks
    from evaluation.store import db as dbmod

    try:
        with dbmod.writer(database_path(db)) as con:
            done = networks.rename_network(con, old, new, reason=reason)
    except EvaluationError as exc:
        fail(exc)
    cases = done["renamed"].get("case_versions", 0)
    click.echo(f"Netværket hedder nu {done['name']} ({cases} sagsversioner omdøbt).")


@cli.command(context_settings=CONTEXT)
@db_option
@click.option("--seed", default=2025, show_default=True, help="Startværdi for de syntetiske data.")
@click.option("--cases", default=600, show_default=True, help="Antal syntetiske sager.")
@PLAN_OPTION
def demo(db: str | None, seed: int, cases: int, plan: Path | None) -> None:
    """Byg en demo-database: syntetiske udtræk indlæses gennem den rigtige indlæsning."""
    from evaluation.demo import generate as demomod

    path = database_path(db)
    with click.progressbar(length=1, label="Bygger demo-databasen", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)
        try:
            summary = demomod.build_demo_database(path, seed=seed, cases=cases, plan_file=plan, progress=progress)
        except EvaluationError as exc:
            fail(exc)
    click.echo(summary)


@cli.command(context_settings=CONTEXT)
@db_option
@click.option("--port", default=8866, show_default=True, help="Port på 127.0.0.1.")
@click.option("--verbose", is_flag=True, help="Vis Voilàs tekniske log (engelsk) til fejlsøgning.")
def dashboard(db: str | None, port: int, verbose: bool) -> None:
    """Åbn dashboards (Årsevaluering, Indlæs udtræk, Årsrapport, Opfølgning, Netværk, Udforsk, Mødenoter) i
    browseren, kun på denne maskine.

    Kører til Ctrl+C (eller SIGTERM fra en servicemanager); så lukkes alle sider og porten
    frigives. Til flere brugere med login: ssp-eval serve.
    """
    from evaluation.server import dashboard as dashmod, launch

    options = dashmod.options(database_path(db), port, verbose=verbose)
    try:
        server = launch.start(options)
        launch.wait_until_listening(server, options)
    except EvaluationError as exc:
        fail(exc)
    click.echo("Dashboards kører. Åbn i browseren:")
    for page, title in dashmod.pages():
        click.echo(f"  {title}: {dashmod.url(port, page)}")
    click.echo("Stop med Ctrl+C.")
    code = launch.run_until_stopped(server)
    if code == 0:
        click.echo("Dashboards er stoppet.")
    sys.exit(code)


@cli.command(context_settings=CONTEXT)
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADRESSE",
              help="Adressen serveren lytter på. Bag en TLS-proxy på samme maskine: 127.0.0.1.")
@click.option("--port", default=8866, show_default=True, help="Porten.")
@click.option("--proxy", "proxy", default="", metavar="ADRESSE",
              help="TLS-proxyens adresse (fx 127.0.0.1): kun derfra tæller videresendte oplysninger, og "
                   "cookies sendes kun over https.")
@click.option("--trusted-user-header", "trusted_user_header", default="", metavar="HEADER",
              help="Brugernavn fra kommunens single sign-on-proxy i denne header (kræver --proxy).")
@click.option("--verbose", is_flag=True, help="Vis den tekniske log (engelsk) til fejlsøgning.")
def serve(db: str | None, host: str, port: int, proxy: str, trusted_user_header: str, verbose: bool) -> None:
    """Dashboards som fælles server: alle logger ind med egen bruger og rolle.

    Hver side, kerne, indlæsning og hentning kræver login; hvem der ser og ændrer hvad,
    skrives i adgangsloggen (ssp-eval log). Kører til Ctrl+C eller SIGTERM.
    """
    from evaluation.server import launch

    options = launch.ServerOptions(db_path=database_path(db), port=port, host=host, mode="server",
                                   verbose=verbose, proxy=proxy, trusted_user_header=trusted_user_header)
    try:
        launch.check_serve(options)
        server = launch.start(options)
        launch.wait_until_listening(server, options)
    except EvaluationError as exc:
        fail(exc)
    click.echo(f"Serveren kører på {launch.address(options)} (login kræves).")
    click.echo("Stop med Ctrl+C.")
    code = launch.run_until_stopped(server)
    if code == 0:
        click.echo("Serveren er stoppet.")
    sys.exit(code)


@cli.command("log", context_settings=CONTEXT)
@db_option
@click.option("--user", "user", default=None, metavar="BRUGERNAVN", help="Kun denne brugers hændelser.")
@click.option("--event", "event", default=None, metavar="HÆNDELSE",
              help="Kun én slags: login, login_failed, login_locked, logout, session_ended, page, filter, "
                   "refused, upload, download, users.")
@click.option("--days", "days", default=30, show_default=True, type=click.IntRange(min=1), help="Seneste dage.")
@click.option("--backup", "backup", default=None, type=click.Path(dir_okay=False), metavar="FIL",
              help="Skriv i stedet en sikkerhedskopi af hele loggen til FIL (kan tages, mens serveren kører).")
def access_log(db: str | None, user: str | None, event: str | None, days: int, backup: str | None) -> None:
    """Vis adgangsloggen: hvem loggede ind, åbnede hvilke sider, indlæste og hentede hvad.

    Loggen ligger ved siden af databasen (mappen <database>-server) og indeholder ingen sagsdata.
    """
    from datetime import timedelta

    from evaluation.server import accesslog
    from evaluation.settings import access_log_path

    path = access_log_path(database_path(db))
    if not path.exists():
        fail(accesslog.AccessLogError(f"Der er ingen adgangslog endnu ({path}): den skrives af ssp-eval serve."))
    log = accesslog.AccessLog(path)
    try:
        if backup:
            click.echo(f"Skrev {log.backup(Path(backup))}")
            return
        events = log.events(since=accesslog.now() - timedelta(days=days), username=user, event=event, limit=100_000)
    except EvaluationError as exc:
        fail(exc)
    for e in reversed(events):
        who = e.username or ("(ukendt navn)" if e.subject else "–")
        extra = "  ".join(x for x in (e.page, e.network, e.detail) if x)
        click.echo(f"{e.at:%d.%m.%Y %H:%M:%S}  {who:<16} {e.label:<22} {extra}  {e.address or ''}".rstrip())
    click.echo(f"{len(events)} hændelser de seneste {days} dage (tider i UTC)." if len(events) != 1
               else f"1 hændelse de seneste {days} dage (tider i UTC).")


@cli.group(context_settings=CONTEXT)
def users() -> None:
    """Brugere af ssp-eval serve: opret, vis, deaktivér og skift adgangskode."""


def read_password(from_stdin: bool) -> str:
    """The new password: the first line of stdin (scripts), else typed twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Ny adgangskode", hide_input=True, confirmation_prompt="Gentag adgangskoden")


PASSWORD_STDIN = click.option("--password-stdin", "password_stdin", is_flag=True,
                              help="Læs adgangskoden fra første linje på standard input (ellers spørges der).")


@users.command("add", context_settings=CONTEXT)
@db_option
@click.argument("name", metavar="BRUGERNAVN")
@click.option("--role", "role", required=True, type=click.Choice(["team", "netvaerk", "laeser"]),
              help="team: alt. netvaerk: kun eget netværk. laeser: kun udgivne Kredsråds-udgaver.")
@click.option("--network", "network", default=None, metavar="NETVÆRK", help="Netværket (kun for rollen netvaerk).")
@click.option("--display-name", "display_name", default=None, metavar="NAVN", help="Fuldt navn, som det vises.")
@PASSWORD_STDIN
def users_add(db: str | None, name: str, role: str, network: str | None, display_name: str | None,
              password_stdin: bool) -> None:
    """Opret en bruger med rolle og adgangskode (gemmes kun som argon2-hash)."""
    from evaluation.server import users as usersmod

    try:
        user = usersmod.add_user(database_path(db), name, role=role, network=network, display_name=display_name,
                                 password=read_password(password_stdin))
    except EvaluationError as exc:
        fail(exc)
    where = f" for {user.network}" if user.network else ""
    click.echo(f"Oprettede {user.username} ({user.display_name}) med rollen {user.role}{where}.")


@users.command("list", context_settings=CONTEXT)
@db_option
def users_list(db: str | None) -> None:
    """Vis alle brugere: navn, rolle, netværk og om de er aktive."""
    from evaluation.server import users as usersmod
    from evaluation.store import db as dbmod

    try:
        with dbmod.reader(database_path(db)) as con:
            everybody = usersmod.list_users(con)
    except EvaluationError as exc:
        fail(exc)
    for user in everybody:
        state = "aktiv" if user.active else "deaktiveret"
        role = f"{user.role} ({user.network})" if user.network else user.role
        click.echo(f"{user.username:<20} {user.display_name:<28} {role:<28} {state}")
    click.echo(f"{len(everybody)} brugere." if len(everybody) != 1 else "1 bruger.")


def _set_active(db: str | None, name: str, active: bool) -> None:
    from evaluation.server import users as usersmod

    try:
        user = usersmod.set_active(database_path(db), name, active)
    except EvaluationError as exc:
        fail(exc)
    if active:
        click.echo(f"{user.username} kan logge ind igen.")
    else:
        click.echo(f"{user.username} er deaktiveret: åbne sider lukkes, og der kan ikke logges ind.")


@users.command("disable", context_settings=CONTEXT)
@db_option
@click.argument("name", metavar="BRUGERNAVN")
def users_disable(db: str | None, name: str) -> None:
    """Deaktivér en bruger: kan ikke logge ind, og åbne sider lukkes (historikken bevares)."""
    _set_active(db, name, False)


@users.command("enable", context_settings=CONTEXT)
@db_option
@click.argument("name", metavar="BRUGERNAVN")
def users_enable(db: str | None, name: str) -> None:
    """Genaktivér en deaktiveret bruger, så personen kan logge ind igen."""
    _set_active(db, name, True)


@users.command("password", context_settings=CONTEXT)
@db_option
@click.argument("name", metavar="BRUGERNAVN")
@PASSWORD_STDIN
def users_password(db: str | None, name: str, password_stdin: bool) -> None:
    """Sæt en ny adgangskode (brugerens åbne sessioner afsluttes)."""
    from evaluation.server import users as usersmod

    try:
        user = usersmod.set_password(database_path(db), name, read_password(password_stdin))
    except EvaluationError as exc:
        fail(exc)
    click.echo(f"Ny adgangskode sat for {user.username}.")


@cli.command(context_settings=CONTEXT)
@db_option
@click.option("--timeout", "timeout", type=click.FloatRange(min=0.1), default=None, metavar="SEKUNDER",
              help="Tidsgrænse pr. forespørgsel i sekunder. Standard: 10.")
def links(db: str | None, timeout: float | None) -> None:
    """Kontrollér planens webadresser og adresser nævnt i netværkenes erfaringer.

    Hver adresse bliver ok, flyttet (med forslag til ny adresse), brudt eller kan ikke nås, og
    alle kontroller gemmes i databasen som historik. Uden internet siges det tydeligt.
    """
    from evaluation.plan import links as linksmod

    with click.progressbar(length=1, label="Kontrollerer webadresser", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)
        try:
            summary = linksmod.run(database_path(db), progress=progress, timeout=timeout)
        except EvaluationError as exc:
            fail(exc)
    for line in summary.lines():
        click.echo(line)


@cli.group(context_settings=CONTEXT)
def plan() -> None:
    """Handleplanens register: eksportér planen som YAML, se historikken og se, hvad der skal følges op."""


@plan.command("export", context_settings=CONTEXT)
@db_option
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), metavar="FIL",
              help="YAML-fil at skrive til. Uden --out skrives planen på skærmen.")
def plan_export(db: str | None, out: str | None) -> None:
    """Skriv registret (aktører, adresser, numre, roller, politikker, actioncard) som YAML i samme format som data/plan.yaml."""
    from evaluation.store import db as dbmod
    from evaluation.plan import registry

    try:
        with dbmod.reader(database_path(db)) as con:
            click.echo(f"Skrev {registry.export_plan(con, Path(out))}" if out else registry.dump_plan(con))
    except EvaluationError as exc:
        fail(exc)


@plan.command("history", context_settings=CONTEXT)
@db_option
@click.option("--table", "table", default=None, metavar="TABEL", help="Kun ændringer i én tabel, fx addresses eller actors.")
def plan_history(db: str | None, table: str | None) -> None:
    """Vis ændringer i registret, nyeste først: hvornår, af hvem, hvad og hvorfor."""
    from evaluation.store import db as dbmod
    from evaluation.plan import registry

    try:
        with dbmod.reader(database_path(db)) as con:
            changes = registry.history(con, table=table)
    except EvaluationError as exc:
        fail(exc)
    for row in changes.itertuples():
        reason = f" ({row.reason})" if isinstance(row.reason, str) else ""
        click.echo(f"{row.changed_at:%Y-%m-%d %H:%M}  {row.changed_by}  {row.table_label}  {row.item_id}  "
                   f"{row.action_label}: {row.summary}{reason}")
    click.echo(f"{len(changes)} ændringer.")


@plan.command("status", context_settings=CONTEXT)
@db_option
@click.option("--today", "today", default=None, hidden=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Dato at regne fra (ÅÅÅÅ-MM-DD), til test.")
def plan_status(db: str | None, today: datetime | None) -> None:
    """Vis hvad der skal følges op i planen: nøglepersoner, årets øvelser, politikker og webadresser."""
    from evaluation.store import db as dbmod
    from evaluation.plan import planstatus

    try:
        with dbmod.reader(database_path(db)) as con:
            items = planstatus.due_items(con, today=today.date() if today else None)
    except EvaluationError as exc:
        fail(exc)
    click.echo(planstatus.format_due(items))


@cli.command(context_settings=CONTEXT)
@db_option
@click.option("--out", "out", default=".", show_default=True, type=click.Path(file_okay=False), metavar="MAPPE",
              help="Mappe til actioncard.html og actioncard.pdf.")
def actioncard(db: str | None, out: str) -> None:
    """Lav det aktuelle actioncard fra planens register som én side HTML og PDF til udskrift."""
    from evaluation.plan import actioncard as cardmod

    try:
        files = cardmod.write(database_path(db), Path(out))
    except EvaluationError as exc:
        fail(exc)
    for file in files:
        click.echo(f"Skrev {file}")


@cli.command(context_settings=CONTEXT)
@db_option
@click.option("--year", "year", required=True, type=int, metavar="ÅR", help="Indberetningsåret, fx 2025.")
@click.option("--edition", "edition", default="team", show_default=True, type=click.Choice(["team", "kredsraad"]),
              help="team: teamets fulde udgave. kredsraad: samlede tal med skjulte små tal til Kredsrådet.")
@click.option("--out", "out", default="reports", show_default=True, type=click.Path(file_okay=False),
              metavar="MAPPE", help="Mappe til rapportens filer.")
@click.option("--threshold", "threshold", default=None, type=click.IntRange(min=2), metavar="ANTAL",
              help="Kredsråd: antal fra 1 til ANTAL skjules. Standard: 4 (vises som »<5«).")
@click.option("--today", "today", default=None, hidden=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Dato rapporten regnes fra (ÅÅÅÅ-MM-DD), til eksempler og test.")
def report(db: str | None, year: int, edition: str, out: str, threshold: int | None, today: datetime | None) -> None:
    """Lav årsrapporten med papermill: HTML og PDF til læsning og den kørte notebook til revision."""
    from evaluation.report import render as reportmod

    try:
        files = reportmod.render_report(
            database_path(db), year, edition=edition, out_dir=Path(out), threshold=threshold,
            today=today.date() if today else None, progress=lambda text: click.echo(text, err=True),
            progress_bar={"desc": "Beregner", "unit": "celle", "file": sys.stderr})
    except EvaluationError as exc:
        fail(exc)
    for file in files.written():
        click.echo(f"Skrev {file}")
    for note in files.notes:
        click.secho(note, fg="yellow")
    team_only = "Manifestet" if edition == "team" else "Manifestet, listen over skjulte tal og udkastet"
    click.echo(f"Kontrolnummer: {files.kontrolnummer}. {team_only} er kun til teamet: send det ikke med rapporten.")
    if edition == "kredsraad":
        click.echo(f"Rapporten er et udkast. Udgiv den til Kredsrådet med: ssp-eval publish --year {year}")
    click.echo(f"Færdig på {files.seconds:.0f} s.")


@cli.command(context_settings=CONTEXT)
@db_option
@click.option("--year", "year", required=True, type=int, metavar="ÅR", help="Indberetningsåret, fx 2025.")
@click.option("--out", "out", default="reports", show_default=True, type=click.Path(file_okay=False),
              metavar="MAPPE", help="Mappen med udkastet (den samme som ved ssp-eval report).")
def publish(db: str | None, year: int, out: str) -> None:
    """Udgiv Kredsrådets udgave: gem hvem og hvornår, filerne og alle tal, så næste års udgave kontrolleres mod den."""
    from evaluation.report import publish as publishing

    try:
        done = publishing.publish(database_path(db), Path(out), year)
    except EvaluationError as exc:
        fail(exc)
    click.echo(f"Kredsrådets udgave for {done.year} er udgivet af {done.published_by} "
               f"{done.published_at:%d.%m.%Y %H:%M} (kontrolnummer {done.kontrolnummer}).")


# The storage commands (schema, upgrade, backup, restore, slet) live in their own module; it
# registers them on ``cli`` when imported, which needs everything above to exist first.
from evaluation import cli_storage  # noqa: E402,F401


def main() -> None:
    cli(prog_name="ssp-eval")


if __name__ == "__main__":
    main()

"""``ssp-eval`` storage commands: schema version, upgrade, backup, restore and erasure (``slet``).

Part of the thin command line (``cli.py`` imports this module, which registers its commands
on the same group): each command parses its options and calls one library function in
``evaluation.store``; the same functions are what a dashboard page calls.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from evaluation.cli import CONTEXT, cli, confirmed, db_option, fail
from evaluation.errors import EvaluationError
from evaluation.settings import database_path


@cli.command(context_settings=CONTEXT)
@db_option
def schema(db: str | None) -> None:
    """Vis databasens skemaversion, og om en opgradering venter (databasen ændres ikke)."""
    from evaluation.store import db as dbmod
    from evaluation.store import migrate

    path = database_path(db)
    try:
        with dbmod.reader(path, upgrade=False) as con:
            status = migrate.status(con)
    except EvaluationError as exc:
        fail(exc)
    click.echo(f"Database: {path}")
    for line in status.lines():
        click.echo(line)


@cli.command(context_settings=CONTEXT)
@db_option
def upgrade(db: str | None) -> None:
    """Opgradér databasen til denne versions skema nu (ellers sker det ved næste brug), efter en sikkerhedskopi."""
    from evaluation.store import db as dbmod

    path = database_path(db)
    try:
        done = dbmod.upgrade(path)
    except EvaluationError as exc:
        fail(exc)
    click.echo("Databasen er opgraderet; kopien fra før ligger i sikkerhedskopier/." if done
               else "Databasen er allerede opdateret.")


@cli.command(context_settings=CONTEXT)
@db_option
@click.option("--out", "out", default=None, type=click.Path(), metavar="FIL",
              help="Filen (eller mappen) til kopien. Standard: sikkerhedskopier/ ved siden af databasen.")
def backup(db: str | None, out: str | None) -> None:
    """Tag en sikkerhedskopi af databasen (også mens dashboards er åbne)."""
    from evaluation.store import backup as backupmod

    try:
        made = backupmod.backup(database_path(db), Path(out) if out else None)
    except EvaluationError as exc:
        fail(exc)
    click.echo(f"Sikkerhedskopi: {made.path} ({made.size / 1e6:.1f} MB, {made.cases} sager, skema {made.version}).")
    click.echo("Kopien indeholder personoplysninger: opbevar den lige så sikkert som databasen.")


@cli.command(context_settings=CONTEXT)
@db_option
@click.argument("file", metavar="FIL", type=click.Path(dir_okay=False))
@click.option("--yes", "yes", is_flag=True, help="Spørg ikke om bekræftelse.")
def restore(db: str | None, file: str, yes: bool) -> None:
    """Gendan databasen fra en sikkerhedskopi. Den nuværende database gemmes først i sikkerhedskopier/."""
    from evaluation.store import restore as restoremod

    path = database_path(db)
    try:
        status = restoremod.check_backup(Path(file))
        if not yes and not confirmed(f"Erstat databasen {path} med sikkerhedskopien {file} "
                                     f"(skema {status.version})?"):
            sys.exit(1)
        done = restoremod.restore(path, Path(file))
    except EvaluationError as exc:
        fail(exc)
    if done.previous:
        click.echo(f"Den hidtidige database er gemt som {done.previous}.")
    migrated = " og opgraderet til denne version" if done.migrated else ""
    click.echo(f"Databasen er gendannet fra {file}{migrated}: {done.cases} sager.")


@cli.group(context_settings=CONTEXT)
def slet() -> None:
    """Slet sager for altid: én sag, en indlæsning (fortrydes) eller alle sager til og med et år.

    Sletningen vises først og skal bekræftes. Sagerne forsvinder med hele deres historik, også
    fra selve databasefilen; en registrering af sletningen (hvornår, af hvem, hvor mange – ingen
    sagsoplysninger) gemmes. Sikkerhedskopier fra før indeholder stadig de slettede sager.
    """


def _erase(db: str | None, make_plan: Callable, args: tuple, yes: bool, reason: str | None) -> None:
    """Show what goes, ask, erase in one write, and say which backups still hold it."""
    from evaluation.store import backup as backupmod
    from evaluation.store import db as dbmod
    from evaluation.store import erasure

    path = database_path(db)
    try:
        with dbmod.reader(path) as con:
            plan = make_plan(con, *args)
        click.echo(plan.description())
        if not yes and not confirmed("Sletningen kan ikke fortrydes.", word="slet"):
            sys.exit(1)
        with dbmod.writer(path) as con:
            done = erasure.erase(con, plan, reason=reason)
        kept = backupmod.existing(path)
    except EvaluationError as exc:
        fail(exc)
    click.echo(f"Slettet (sletning nr. {done.erasure_id}; se 'ssp-eval slet historik').")
    if kept:
        one = len(kept) == 1
        click.secho(f"{len(kept)} {'sikkerhedskopi' if one else 'sikkerhedskopier'} i {kept[0].parent} er fra "
                    f"før sletningen og indeholder stadig de slettede sager. Slet {'den' if one else 'dem'}, når "
                    f"{'den' if one else 'de'} ikke længere skal bruges (README: Opbevaring og sletning).",
                    fg="yellow")


REASON_OPTION = click.option("--reason", "reason", default=None, metavar="TEKST",
                             help="Hvorfor (gemmes med sletningen; skriv ingen personoplysninger).")
YES_OPTION = click.option("--yes", "yes", is_flag=True, help="Spørg ikke om bekræftelse.")


@slet.command("sag", context_settings=CONTEXT)
@db_option
@click.option("--network", "network", required=True, metavar="NETVÆRK", help="Sagens SSP-netværk.")
@click.argument("sags_id", metavar="SAGSNUMMER")
@REASON_OPTION
@YES_OPTION
def slet_sag(db: str | None, network: str, sags_id: str, reason: str | None, yes: bool) -> None:
    """Slet én sag (netværkets sagsnummer) med hele dens historik."""
    from evaluation.store import erasure

    _erase(db, erasure.plan_case, (network, sags_id), yes, reason)


@slet.command("import", context_settings=CONTEXT)
@db_option
@click.argument("import_id", metavar="NUMMER", type=int, required=False)
@REASON_OPTION
@YES_OPTION
def slet_import(db: str | None, import_id: int | None, reason: str | None, yes: bool) -> None:
    """Fortryd en indlæsning: dens sager forsvinder, rettede sager får deres tidligere version igen.

    Uden NUMMER vises indlæsningerne med deres numre.
    """
    from evaluation.store import db as dbmod
    from evaluation.store import erasure

    if import_id is None:
        try:
            with dbmod.reader(database_path(db)) as con:
                listed = erasure.imports(con)
        except EvaluationError as exc:
            fail(exc)
        for row in listed.itertuples():
            network = f"  netværk {row.network}" if isinstance(row.network, str) else ""
            click.echo(f"{row.import_id:>5}  {row.imported_at:%Y-%m-%d %H:%M}  {row.file_name}{network}  "
                       f"({row.current_versions} gældende sager)")
        click.echo(f"{len(listed)} indlæsninger. Fortryd én med 'ssp-eval slet import NUMMER'.")
        return
    _erase(db, erasure.plan_import, (import_id,), yes, reason)


@slet.command("til-og-med", context_settings=CONTEXT)
@db_option
@click.argument("year", metavar="ÅR", type=click.IntRange(2000, 2100))
@REASON_OPTION
@YES_OPTION
def slet_til_og_med(db: str | None, year: int, reason: str | None, yes: bool) -> None:
    """Slet alle sager indberettet i ÅR og før (når planens opbevaringsperiode er udløbet)."""
    from evaluation.store import erasure

    _erase(db, erasure.plan_through_year, (year,), yes, reason)


@slet.command("historik", context_settings=CONTEXT)
@db_option
def slet_historik(db: str | None) -> None:
    """Vis alle sletninger: hvornår, af hvem, hvad slags og hvor mange (ingen sagsoplysninger)."""
    from evaluation.store import db as dbmod
    from evaluation.store import erasure

    try:
        with dbmod.reader(database_path(db)) as con:
            rows = erasure.history(con)
    except EvaluationError as exc:
        fail(exc)
    for row in rows.itertuples():
        why = f" – {row.reason}" if isinstance(row.reason, str) else ""
        click.echo(f"{row.erased_at:%Y-%m-%d %H:%M}  {row.erased_by}  {row.what}{why}")
    click.echo(f"{len(rows)} {'sletning' if len(rows) == 1 else 'sletninger'}.")

"""Danish wording for click's own texts ("Usage:", "Options", error lines).

click marks its strings for gettext (``from gettext import gettext as _`` in each module) but
ships no Danish catalogue. Rather than compile a .mo file, this module installs a small
dictionary as ``_`` in the click modules that print to users. Untranslated strings fall back
to English, so a click upgrade can never break the CLI, only leave a word in English.
"""

from __future__ import annotations

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

DANISH: dict[str, str] = {
    "Usage:": "Brug:",
    "Options": "Tilvalg",
    "Commands": "Kommandoer",
    "Positional arguments": "Argumenter",
    "Show this message and exit.": "Vis denne hjælp og afslut.",
    "Show the version and exit.": "Vis versionen og afslut.",
    "Error: {message}": "Fejl: {message}",
    "Try '{command} {option}' for help.": "Skriv '{command} {option}' for at få hjælp.",
    "Missing argument": "Mangler argument",
    "Missing option": "Mangler tilvalg",
    "Missing parameter": "Mangler parameter",
    "Missing parameter: {param_name}": "Mangler parameter: {param_name}",
    "Missing {param_type}": "Mangler {param_type}",
    "Missing command.": "Mangler en kommando.",
    "No such command {name!r}.": "Kommandoen {name!r} findes ikke.",
    "No such option {name!r}.": "Tilvalget {name!r} findes ikke.",
    "Invalid value for {param_hint}: {message}": "Ugyldig værdi for {param_hint}: {message}",
    "Invalid value: {message}": "Ugyldig værdi: {message}",
    "Aborted!": "Afbrudt.",
    "default: {default}": "standard: {default}",
    "required": "påkrævet",
    "file": "Filen",
    "directory": "Mappen",
    "path": "Stien",
    "{name} {filename!r} does not exist.": "{name} {filename!r} findes ikke.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} er en mappe.",
    "{name} {filename!r} is a file.": "{name} {filename!r} er en fil.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} kan ikke læses.",
    "{value!r} is not a valid {number_type}.": "{value!r} er ikke et gyldigt tal.",
    "{value!r} is not one of {choices}.": "{value!r} er ikke en af {choices}.",
    "{value} is not in the range {range}.": "{value} er ikke i intervallet {range}.",
    "Choose from:\n\t{choices}": "Vælg mellem:\n\t{choices}",
    "Option {name!r} requires an argument.": "Tilvalget {name!r} kræver en værdi.",
    "Got unexpected extra argument ({args})": "Uventet ekstra argument ({args})",
}


def danish(message: str) -> str:
    return DANISH.get(message, message)


def _danish_ngettext(singular: str, plural: str, n: int) -> str:
    return danish(singular if n == 1 else plural)


for _module in (click.core, click.decorators, click.exceptions, click.formatting,
                click.parser, click.termui, click.types):
    if hasattr(_module, "_"):
        _module._ = danish  # type: ignore[attr-defined]
    if hasattr(_module, "ngettext"):
        _module.ngettext = _danish_ngettext  # type: ignore[attr-defined]

# Metavars shown in usage lines: "[TILVALG]", "KOMMANDO [ARGUMENTER]...", "TEKST", "HELTAL".
click.types.StringParamType.name = "tekst"
click.types.IntParamType.name = "heltal"
click.types.FloatParamType.name = "tal"


class DanishCommand(click.Command):
    """A command whose usage line reads "[TILVALG]" instead of "[OPTIONS]"."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("options_metavar", "[TILVALG]")
        super().__init__(*args, **kwargs)


class DanishGroup(click.Group):
    """A group that makes Danish commands and sub-groups."""

    command_class = DanishCommand

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("options_metavar", "[TILVALG]")
        kwargs.setdefault("subcommand_metavar", "KOMMANDO [ARGUMENTER]...")
        super().__init__(*args, **kwargs)


DanishGroup.group_class = DanishGroup

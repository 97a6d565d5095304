"""The CLI speaks Danish: top-level help, every sub-command's help, and click's own texts."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from evaluation.cli import cli


def all_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path, e.g. ('plan', 'export'), so new commands are tested automatically."""
    out: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out.extend(all_commands(command, (*prefix, name)))
    return out


ENGLISH_LEFTOVERS = ("Usage:", "Show this message", "Options:", "Commands:")


def test_top_level_help_is_danish() -> None:
    result = CliRunner().invoke(cli, ["--help"], prog_name="ssp-eval")
    assert result.exit_code == 0
    assert "Brug: ssp-eval" in result.output
    assert "Kommandoer:" in result.output and "Tilvalg:" in result.output
    assert not any(text in result.output for text in ENGLISH_LEFTOVERS)


@pytest.mark.parametrize("path", all_commands(), ids=" ".join)
def test_each_command_help_is_danish_and_says_what_it_does(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="ssp-eval")
    assert result.exit_code == 0, result.output
    assert "Brug:" in result.output
    assert not any(text in result.output for text in ENGLISH_LEFTOVERS)
    command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert command.help and len(command.help.split()) >= 4, "a sentence about what it does"
    assert any(ch in command.help for ch in "æøåÆØÅ") or " og " in command.help or " i " in command.help


def test_click_errors_are_danish() -> None:
    result = CliRunner().invoke(cli, ["ingest"], prog_name="ssp-eval")
    assert result.exit_code != 0
    assert "Fejl: Mangler argument" in result.output
    result = CliRunner().invoke(cli, ["findesikke"], prog_name="ssp-eval")
    assert "findes ikke" in result.output

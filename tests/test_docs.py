"""The README stays true: every CLI command is documented, and the two quick-start commands
on its first screen are the ones CI and the Makefile actually run (sqlite-utils' test_docs)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from evaluation.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:40])


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[str]:
    """Every leaf command as it is typed, e.g. 'plan status'."""
    paths: list[str] = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths += _command_paths(command, prefix + (name,))
        else:
            paths.append(" ".join(prefix + (name,)))
    return paths


@pytest.mark.parametrize("command", _command_paths(cli))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"ssp-eval {command}" in README, f"README nævner ikke 'ssp-eval {command}'"


def _quick_start_commands() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", FIRST_SCREEN, re.S)
    assert block, "the first screen of the README has no command block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_first_screen_gives_two_commands_for_a_fresh_machine() -> None:
    assert _quick_start_commands() == ["make demo", "make test"]


def test_ci_runs_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    run_lines = [line.strip() for line in ci.splitlines() if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert run_lines == ["make test"]


def test_quick_start_targets_set_up_what_they_need() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        line = re.search(rf"^{target}:(.*)$", makefile, re.M)
        assert line, f"Makefile has no '{target}' target"
        assert "setup" in line.group(1) or "demo-db" in line.group(1), f"'make {target}' does not set up"
    assert re.search(r"^demo-db: setup", makefile, re.M)


def test_readme_images_and_links_exist() -> None:
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)\)", README):
        assert (ROOT / target).exists(), f"README links to missing {target}"


def _browser_guide() -> str:
    return README.split("## Årets gang i browseren", 1)[1].split("\n## ", 1)[0]


def test_the_browser_guide_names_only_labels_the_program_has() -> None:
    """Every *label* the walk-through tells a consultant to look for (page names, buttons,
    headings, statuses) is written somewhere in the program, so a renamed button makes the
    guide fail here rather than leave a consultant searching. '…' stands for a name."""
    source = " ".join(path.read_text(encoding="utf-8") for path in (ROOT / "src" / "evaluation").rglob("*.py"))
    source = re.sub(r"\s+", " ", source).lower()
    labels = set(re.findall(r"(?<![*\w])\*([^*\n]+(?:\n +[^*\n]+)?)\*(?!\*)", _browser_guide()))
    assert len(labels) >= 15, labels
    missing = []
    for label in sorted(labels):
        words = re.sub(r"\s+", " ", label).lower()
        pattern = ".{0,40}?".join(re.escape(part.strip()) for part in words.split("…"))
        if not re.search(pattern, source):
            missing.append(label)
    assert not missing, f"the README's browser guide names labels the program does not have: {missing}"

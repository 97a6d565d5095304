"""The yearly report made from the browser: ``ssp-eval report`` in a process of its own.

Why a subprocess: a report takes 10–60 s of CPU (papermill runs a kernel, Chromium prints),
and in the page's own kernel it would freeze that page; as a child process the page keeps
answering, shows the progress the command prints, and other users' pages are untouched.
It is the same command a terminal user runs (``cli.main``), so there is one code path.

One run at a time per year and edition: the child takes a lock file in the reports folder
(``.aarsevaluering-<year>-<edition>.lock``) before it starts the command and holds it until it
exits, so the lock is released even when the page that started it is closed or its kernel
dies; a second start while one runs exits at once with ``BUSY_EXIT`` and a Danish sentence.

The reports folder (``settings.reports_path``) is where the download handler serves files
from (kind ``rapport``). ``earlier_reports`` lists what is there, with the data checksum each
report was made from (``<stem>.manifest.json``, written by the report) next to today's, so the
team sees whether the data changed since.

Run as ``python -m evaluation.report.jobs LOCK -- report --year …`` (what ``start`` does).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock, Timeout

from evaluation.analysis import queries
from evaluation.analysis.filters import Filters

EDITIONS: dict[str, str] = {"team": "Teamets udgave", "kredsraad": "Kredsrådets udgave"}
BUSY_EXIT = 75  # EX_TEMPFAIL: someone else is making the same report
STEM = re.compile(r"aarsevaluering-(?P<year>\d{4})-(?P<edition>team|kredsraad)")
SUPPRESSION_SUFFIX = "-undertrykkelser.csv"
# Files of a report a person opens; the executed notebook (.ipynb) is the audit record only.
SHOWN_SUFFIXES = {".pdf": "PDF", ".html": "HTML (til skærm)", ".docx": "Word"}
# Lines of the command's output that the page says in its own way (file links, team-only label).
CLI_ONLY = ("Skrev ", "Færdig på", "Listen over skjulte tal")
_TQDM = re.compile(r"(\d+)/(\d+) \[")
Progress = Callable[[int, int, str], None]


def stem(year: int, edition: str) -> str:
    """``aarsevaluering-2025-team``: the common name of one report's files (as ``report.render``)."""
    return f"aarsevaluering-{int(year)}-{edition}"


def lock_path(reports_dir: Path, year: int, edition: str) -> Path:
    return Path(reports_dir) / f".{stem(year, edition)}.lock"


def is_running(reports_dir: Path, year: int, edition: str) -> bool:
    """True while some process makes this year's edition (its lock is held)."""
    path = lock_path(reports_dir, year, edition)
    if not path.exists():
        return False
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


@dataclass
class ReportRun:
    """One started run: follow it with ``wait``; ``lines`` are what the command said."""

    year: int
    edition: str
    reports_dir: Path
    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)

    def wait(self, timeout: float | None = None) -> int:
        """The exit code once the command and the readers of its output have finished."""
        code = self.process.wait(timeout)
        for thread in self._threads:
            thread.join(timeout)
        return code

    @property
    def busy(self) -> bool:
        return self.process.returncode == BUSY_EXIT

    def error(self) -> str | None:
        """The command's Danish error ('Fejl: …' without the prefix), or a plain sentence."""
        if self.process.returncode in (None, 0):
            return None
        if self.busy:
            return busy_text(self.year, self.edition)
        for line in self.lines:
            if line.startswith("Fejl: "):
                return line.removeprefix("Fejl: ")
        return "Rapporten kunne ikke laves. Prøv igen, og kontakt udviklerne, hvis det sker igen."

    def notes(self) -> list[str]:
        """The command's notes to the user (e.g. why a PDF is missing), without the file list."""
        return [line for line in self.output if line and not line.startswith(CLI_ONLY)]


def busy_text(year: int, edition: str) -> str:
    return (f"{EDITIONS[edition]} for {year} bliver lavet lige nu (måske af en kollega). Vent, til den er "
            "færdig, og genindlæs siden.")


def start(db_path: Path, year: int, edition: str, reports_dir: Path, *, progress: Progress | None = None,
          today: str | None = None) -> ReportRun:
    """Start ``ssp-eval report`` for ``year`` and ``edition`` into ``reports_dir``; returns at once.

    ``progress(done, total, text)`` is called from a reader thread as the command reports
    (cells of the notebook, then 'Skriver HTML …', 'Skriver PDF …').
    """
    if edition not in EDITIONS:
        raise ValueError(edition)
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "evaluation.report.jobs", str(lock_path(reports_dir, year, edition)), "--",
               "report", "--db", str(db_path), "--year", str(int(year)), "--edition", edition,
               "--out", str(reports_dir)]
    if today:
        command += ["--today", today]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    run = ReportRun(int(year), edition, reports_dir, process)
    say = progress or (lambda done, total, text: None)
    run._threads = [threading.Thread(target=_read_progress, args=(process.stderr, run.lines, say), daemon=True),
                    threading.Thread(target=_read_lines, args=(process.stdout, run.output), daemon=True)]
    for thread in run._threads:
        thread.start()
    return run


def _read_progress(stream, lines: list[str], say: Progress) -> None:
    """Read the command's stderr: tqdm's '\\r' updates become progress calls, other lines are kept."""
    state = {"done": 0, "total": 0, "text": "Starter …"}
    buffer = b""
    while chunk := stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096):
        buffer += chunk
        *parts, buffer = re.split(rb"[\r\n]", buffer)
        for raw in parts:
            _one_line(raw.decode("utf-8", "replace").strip(), lines, state, say)
    if buffer:
        _one_line(buffer.decode("utf-8", "replace").strip(), lines, state, say)


def _one_line(line: str, lines: list[str], state: dict, say: Progress) -> None:
    if not line or line.startswith("["):  # kernel log noise ('[IPKernelApp] …') is not for people
        return
    match = _TQDM.search(line)
    if match:
        state["done"], state["total"] = int(match[1]), int(match[2])
        state["text"] = "Beregner rapportens afsnit"
    else:
        lines.append(line)
        state["text"] = line.rstrip(" .") if line.startswith(("Beregner", "Skriver")) else state["text"]
    say(state["done"], state["total"], state["text"])


def _read_lines(stream, out: list[str]) -> None:
    for raw in iter(stream.readline, b""):
        out.append(raw.decode("utf-8", "replace").rstrip("\n"))


# --- what is in the reports folder ----------------------------------------------------------

def report_files(reports_dir: Path, year: int, edition: str) -> list[tuple[str, str]]:
    """(Danish label, file name) of one report's files for people, PDF first; the suppression
    list (Kredsråd edition) last."""
    name = stem(year, edition)
    out = [(label, f"{name}{suffix}") for suffix, label in SHOWN_SUFFIXES.items()
           if (Path(reports_dir) / f"{name}{suffix}").exists()]
    log = Path(reports_dir) / f"{name}{SUPPRESSION_SUFFIX}"
    if log.exists():
        out.append(("Listen over skjulte tal (kun til teamet)", log.name))
    return out


def earlier_reports(reports_dir: Path, con: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """Every report in the folder, newest first: year, edition, made at, the data checksum it was
    made from (its manifest; None when unknown) and whether today's data differ (``con`` given)."""
    columns = ["year", "edition", "edition_label", "made_at", "checksum", "changed_since", "files"]
    folder = Path(reports_dir)
    rows = []
    for html in sorted(folder.glob("aarsevaluering-*.html")) if folder.is_dir() else []:
        match = STEM.fullmatch(html.stem)
        if not match:
            continue
        year, edition = int(match["year"]), match["edition"]
        rows.append({"year": year, "edition": edition, "edition_label": EDITIONS[edition],
                     "made_at": datetime.fromtimestamp(html.stat().st_mtime),
                     "checksum": _manifest_checksum(folder / f"{html.stem}.manifest.json"),
                     "changed_since": None, "files": report_files(folder, year, edition)})
    # Today's checksum reads every case (a second at a million): only when there is one to compare.
    if con is not None and any(row["checksum"] for row in rows):
        current = queries.data_checksum(con, Filters())
        for row in rows:
            row["changed_since"] = None if row["checksum"] is None else row["checksum"] != current
    # object columns: a missing checksum stays None (pandas' str dtype would turn it into NaN)
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return frame.sort_values("made_at", ascending=False).reset_index(drop=True)


def _manifest_checksum(path: Path) -> str | None:
    """The all-years data checksum a report's manifest records, or None without a readable one."""
    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["checksum_all"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


# --- the child process ----------------------------------------------------------------------

def _child(argv: list[str]) -> int:
    """Take the lock (or exit with ``BUSY_EXIT``), then run the CLI with the rest of ``argv``."""
    lock_file, separator, *command = argv
    if separator != "--":
        raise SystemExit(2)
    lock = FileLock(lock_file)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        sys.stderr.write("Fejl: En anden laver den samme rapport lige nu.\n")
        return BUSY_EXIT
    try:
        from evaluation.cli import cli

        try:
            cli.main(args=command, prog_name="ssp-eval", standalone_mode=True)
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0
    finally:
        lock.release()


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))

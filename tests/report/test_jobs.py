"""``ssp-eval report`` run from the browser's side: a real child process, its progress, the lock
that allows one run per year and edition, its Danish errors, and the reports folder's listing."""

from __future__ import annotations

import io
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from filelock import FileLock

from evaluation.report import jobs as report_jobs
from evaluation.analysis import kpis, queries
from evaluation.analysis.filters import Filters
from evaluation.store import db

# What ``ssp-eval report`` writes on stderr (tqdm redraws its bar with carriage returns).
STDERR = (b"Beregner \xc3\xa5rsrapporten for 2025 (SSP- og Ungdomskonsulentteamets udgave) ...\n"
          b"\rBeregner:   0%|          | 0/17 [00:00<?, ?celle/s]"
          b"\rBeregner:   6%|\xe2\x96\x8c         | 1/17 [00:01<00:19,  1.19s/celle]"
          b"[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.\n"
          b"\rBeregner: 100%|\xe2\x96\x88\xe2\x96\x88| 17/17 [00:06<00:00,  2.57celle/s]\n"
          b"Skriver HTML ...\nSkriver PDF ...\n")


@pytest.fixture
def report_db(demo_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


def test_progress_is_read_from_the_commands_output() -> None:
    calls: list[tuple[int, int, str]] = []
    lines: list[str] = []
    report_jobs._read_progress(io.BufferedReader(io.BytesIO(STDERR)), lines, lambda *a: calls.append(a))
    assert (1, 17, "Beregner rapportens afsnit") in calls
    assert calls[-1] == (17, 17, "Skriver PDF")
    assert calls[0][2].startswith("Beregner årsrapporten for 2025")
    assert not any("IPKernelApp" in line for line in lines)  # kernel noise never reaches the page


def test_a_report_run_in_a_child_process(report_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapporter"
    with db.reader(report_db) as con:
        year = kpis.latest_year(con)
    seen: list[tuple[int, int, str]] = []
    run = report_jobs.start(report_db, year, "kredsraad", out, progress=lambda *a: seen.append(a))
    assert run.wait(600) == 0, run.lines
    assert run.error() is None
    stem = report_jobs.stem(year, "kredsraad")
    assert (out / f"{stem}.html").exists() and (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    files = report_jobs.report_files(out, year, "kredsraad")
    assert files[0] == ("PDF", f"{stem}.pdf")
    assert files[-1] == ("Listen over skjulte tal (kun til teamet)", f"{stem}-undertrykkelser.csv")
    totals = {total for _done, total, _text in seen if total}
    assert len(totals) == 1 and any(done == max(totals) for done, _t, _x in seen)
    assert any(text == "Skriver PDF" for *_n, text in seen)
    assert not any(line.startswith("Listen over skjulte tal") for line in run.notes())
    assert not report_jobs.is_running(out, year, "kredsraad")  # the child released its lock
    with db.reader(report_db) as con:  # the report's own manifest says what data it was made from
        listed = report_jobs.earlier_reports(out, con).iloc[0]
        assert listed["checksum"] == queries.data_checksum(con, Filters())
    assert listed["changed_since"] is False and listed["edition"] == "kredsraad"


def test_one_run_per_year_and_edition(report_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapporter"
    out.mkdir()
    held = FileLock(str(report_jobs.lock_path(out, 2025, "team")))
    with held.acquire(timeout=0):  # as if a colleague's run were going on
        assert report_jobs.is_running(out, 2025, "team")
        assert not report_jobs.is_running(out, 2025, "kredsraad")
        run = report_jobs.start(report_db, 2025, "team", out)
        assert run.wait(120) == report_jobs.BUSY_EXIT
    assert run.busy and run.error() == report_jobs.busy_text(2025, "team")
    assert "bliver lavet lige nu" in run.error()
    assert not list(out.glob("aarsevaluering-*"))


def test_a_year_without_cases_gives_the_commands_danish_error(report_db: Path, tmp_path: Path) -> None:
    run = report_jobs.start(report_db, 1999, "team", tmp_path / "rapporter")
    assert run.wait(300) == 1
    error = run.error()
    assert "1999" in error and "Traceback" not in error and not error.startswith("Fejl")


def test_earlier_reports_say_whether_the_data_changed_since(report_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapporter"
    out.mkdir()
    with db.reader(report_db) as con:
        current = queries.data_checksum(con, Filters())
    for stem, checksum in (("aarsevaluering-2025-team", current), ("aarsevaluering-2024-team", "0" * 32),
                           ("aarsevaluering-2025-kredsraad", None)):
        (out / f"{stem}.html").write_text("<html></html>", encoding="utf-8")
        if checksum:
            (out / f"{stem}.manifest.json").write_text(json.dumps({"checksum_all": checksum}), encoding="utf-8")
    (out / "noget-andet.html").write_text("x", encoding="utf-8")
    with db.reader(report_db) as con:
        frame = report_jobs.earlier_reports(out, con).set_index(["year", "edition"])
    assert len(frame) == 3
    assert frame.loc[(2025, "team"), "changed_since"] is False
    assert frame.loc[(2024, "team"), "changed_since"] is True
    assert frame.loc[(2025, "kredsraad"), "changed_since"] is None
    assert frame.loc[(2025, "kredsraad"), "checksum"] is None
    assert frame.loc[(2025, "kredsraad"), "edition_label"] == "Kredsrådets udgave"
    assert isinstance(frame.loc[(2025, "team"), "made_at"], datetime)
    assert report_jobs.earlier_reports(tmp_path / "findes-ikke").empty

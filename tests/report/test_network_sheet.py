"""A network's year for its meeting: the data (against the library's own answers and hand counts),
the download name, and the printed PDF read back with pdftotext."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from evaluation.report import network_sheet
from evaluation.analysis import kpis, stats
from evaluation.analysis.filters import Filters
from evaluation.plan import notes
from evaluation.store import db

TODAY = date(2026, 3, 1)


def test_network_year_gathers_the_networks_own_figures(handmade_db: Path) -> None:
    with db.reader(handmade_db) as con:
        sheet = network_sheet.network_year(con, "Nord", 2025, today=TODAY)
        expected = kpis.kpis(con, Filters(year=2025, networks=("Nord",)), today=TODAY)
    pd.testing.assert_frame_equal(sheet.kpis, expected)  # the same verdicts as Årsevaluering's filter
    assert (sheet.network, sheet.year, sheet.year_complete) == ("Nord", 2025, True)
    # Dokumenter = dokumentation sikret ja or delvist: N1 ja, N2 delvist, N3 ja in 2025; N7 ja, N8 nej in 2024.
    doc = sheet.phases.set_index("phase").loc["dokumenter"]
    assert (doc["followed"], doc["n"], doc["previous_followed"], doc["previous_n"]) == (3, 3, 1, 2)
    assert (doc["low"], doc["high"]) == pytest.approx(stats.wilson_interval(3, 3))
    assert list(sheet.phases["phase_label"]) == [p.label for p in kpis.PHASES]
    assert list(sheet.learnings["erfaringer"]) == ["Forældrene blev inddraget samme dag."]
    assert set(sheet.roles["netvaerk"]) <= {"Nord"}
    assert sheet.note is None and sheet.exercise is None


def test_the_meeting_note_and_an_unknown_network(handmade_db: Path) -> None:
    notes.save_meeting_note(handmade_db, "Syd", 2025, "Øvelsen flyttes til august.", meeting_date="2025-11-12")
    with db.reader(handmade_db) as con:
        sheet = network_sheet.network_year(con, "Syd", 2025, today=TODAY)
        assert sheet.note["note"] == "Øvelsen flyttes til august."
        with pytest.raises(network_sheet.NetworkSheetError, match="Netværket 'Øst' har ingen sager"):
            network_sheet.network_year(con, "Øst", 2025)


@pytest.mark.parametrize("name", ["Sindal.pdf", "2025-.pdf", "2025-a/b.pdf", "../2025-Sindal.pdf", "2025-Sindal.html",
                                  "", "25-Sindal.pdf"])
def test_malformed_download_names_are_refused_in_danish(name: str) -> None:
    with pytest.raises(network_sheet.NetworkSheetError, match="Netværksarket findes ikke"):
        network_sheet.parse_sheet_name(name)


def test_download_name_round_trip() -> None:
    name = network_sheet.sheet_name("Hjørring By", 2025)
    assert name == "2025-Hjørring By.pdf"
    assert network_sheet.parse_sheet_name(name) == ("Hjørring By", 2025)


def test_the_printed_sheet_says_what_the_page_says(demo_db: Path, tmp_path: Path) -> None:
    assert shutil.which("pdftotext"), "pdftotext mangler: make browser installerer poppler-utils"
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    with db.reader(path) as con:
        year = kpis.latest_year(con)
        network = network_sheet.networks(con)[0]
        sheet = network_sheet.network_year(con, network, year)
    pdf = network_sheet.write_pdf(path, network_sheet.sheet_name(network, year), tmp_path / "ark")
    assert pdf.name == f"{year}-{network}.pdf" and pdf.read_bytes().startswith(b"%PDF")
    pages = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    texts = [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                            capture_output=True, text=True, check=True).stdout for n in range(1, pages + 1)]
    assert all(t.strip() for t in texts), "a page without text"
    text = " ".join(" ".join(texts).split())
    assert f"{network}: årsmøde om digitale krænkelser {year}" in text
    cases = sheet.kpis.set_index("key").loc["cases"]
    assert f"Sager {int(cases['numerator'])} {int(cases['previous_numerator'])}" in text
    assert " ".join(stats.FDR_SENTENCE.split()) in text
    for verdict in sheet.kpis["verdict"]:
        assert " ".join(verdict.split()[:2]) in text
    assert "Kun til netværket og SSP- og Ungdomskonsulentteamet" in text

"""``ssp-eval report`` end to end: real papermill runs of both editions on the demo database.

Two renders in all (module-scoped): the team edition and the Kredsråd edition, each with its
PDF from Debian's Chromium. The HTML is parsed with the standard library's html.parser.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from evaluation.store import db
from evaluation.analysis import queries
from evaluation.report import render as report
from evaluation.cli import cli
from evaluation.errors import EvaluationError, NoDataError
from evaluation.analysis.filters import Filters

YEAR = 2025
TODAY = date.today()
TEAM_HEADINGS = ("Resumé: svar på de fem evalueringsspørgsmål", "Omfang og udvikling", "Situation A og B",
                 "Krænkelser og udfald", "Handlekortet i praksis", "Netværkene og datakvaliteten",
                 "Netværkenes erfaringer og mødenoter", "Bilag: data", "Metode", "Rapportens grundlag")
KREDSRAAD_HEADINGS = ("Sager pr. år og kvartal", "Krænkelser, vurdering og politianmeldelser", "Om tallene",
                      "Rapportens grundlag")


class Page(HTMLParser):
    """Headings, table cells and visible text of a report (script and style bodies left out)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.cells: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.visible: list[str] = []
        self.script_srcs: list[str] = []
        self._stack: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self._stack.append(tag)
        if tag == "script" and attributes.get("src"):
            self.script_srcs.append(attributes["src"] or "")
        if tag == "table":
            self._table = attributes.get("id") or f"tabel-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "h2":
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            self.cells.append(text)
            if self._table and self.tables[self._table]:
                self.tables[self._table][-1].append(text)
            self._cell = None
        elif tag == "h2" and self._heading is not None:
            self.h2.append("".join(self._heading).strip())
            self._heading = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1] in ("script", "style"):
            return
        self.visible.append(data)
        for part in (self._cell, self._heading):
            if part is not None:
                part.append(data)

    def row(self, table: str, label: str) -> list[str]:
        return next(r for r in self.tables[table] if r and r[0] == label)


@pytest.fixture(scope="module")
def rendered(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Both editions rendered with papermill from a copy of the demo database."""
    folder = tmp_path_factory.mktemp("report")
    path = folder / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    out = folder / "reports"
    files = {edition: report.render_report(path, YEAR, edition=edition, out_dir=out, today=TODAY)
             for edition in ("team", "kredsraad")}
    return {"db": path, "out": out, **files}


def _page(files: report.ReportFiles) -> Page:
    return Page(files.html.read_text(encoding="utf-8"))


def test_files_are_named_by_year_and_edition(rendered: dict) -> None:
    names = sorted(p.name for p in rendered["out"].iterdir())
    assert names == ["aarsevaluering-2025-kredsraad-undertrykkelser.csv", "aarsevaluering-2025-kredsraad.html",
                     "aarsevaluering-2025-kredsraad.ipynb", "aarsevaluering-2025-kredsraad.pdf",
                     "aarsevaluering-2025-team.html", "aarsevaluering-2025-team.ipynb", "aarsevaluering-2025-team.pdf"]
    assert rendered["team"].suppression_log is None and rendered["team"].notes == ()


@pytest.mark.parametrize("edition", ["team", "kredsraad"])
def test_pdf_is_a_real_pdf(rendered: dict, edition: str) -> None:
    pdf = rendered[edition].pdf
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 3  # several A4 pages


@pytest.mark.parametrize("edition, headings", [("team", TEAM_HEADINGS), ("kredsraad", KREDSRAAD_HEADINGS)])
def test_every_section_heading_is_present(rendered: dict, edition: str, headings: tuple[str, ...]) -> None:
    page = _page(rendered[edition])
    for heading in headings:
        assert heading in page.h2, heading
    assert page.h2[-1] == "Rapportens grundlag"


@pytest.mark.parametrize("edition", ["team", "kredsraad"])
def test_html_is_self_contained_with_charts_and_no_code(rendered: dict, edition: str) -> None:
    text = rendered[edition].html.read_text(encoding="utf-8")
    page = Page(text)
    assert page.script_srcs == []  # no require.js, MathJax, widget manager or plotly from a CDN
    assert not re.search(r"<link[^>]+href=\"https?:", text)
    assert text.count("plotly.js v") == 1  # the library embedded once
    assert len(re.findall(r'class="plotly-graph-div"', text)) >= (8 if edition == "team" else 2)
    for code in ("report_sections", "rs.front_page", "open_report(", "import ", "db_path ="):
        assert code not in "".join(page.visible), code
    assert '<html lang="da">' in text


def test_team_numbers_equal_the_query_layer(rendered: dict) -> None:
    page = _page(rendered["team"])
    with db.reader(rendered["db"]) as con:
        k = queries.kpis(con, Filters(year=YEAR), today=TODAY).set_index("key")
        split = queries.situation_split(con, Filters(year=YEAR)).set_index("situation")
        checksum = queries.data_checksum(con, Filters())
    assert page.row("tabel-noegletal", "Sager")[1] == str(k.at["cases", "numerator"])
    assert page.row("tabel-situation", split.at["B", "situation_label"])[1] == str(split.at["B", "cases"])
    assert checksum in "".join(page.visible)


def test_kredsraad_shows_no_small_count_no_free_text_and_no_case_ids(rendered: dict) -> None:
    text = rendered["kredsraad"].html.read_text(encoding="utf-8")
    page = Page(text)
    threshold = 4
    numbers = [int(c.replace(".", "")) for c in page.cells if re.fullmatch(r"\d{1,3}(\.\d{3})*", c)]
    assert numbers, "the tables have counts"
    assert not [n for n in numbers if 1 <= n <= threshold]
    with rendered["kredsraad"].suppression_log.open(encoding="utf-8-sig") as handle:
        primary = any(row["Status"] == "primær" for row in csv.DictReader(handle, delimiter=";"))
    assert ("<5" in page.cells) == primary  # small cells are shown with the threshold's wording
    visible = "".join(page.visible)
    assert "erfaringer" not in text.lower() and "sags_id" not in text.lower()
    with db.reader(rendered["db"]) as con:
        rows = con.execute("SELECT sags_id, netvaerk, erfaringer FROM cases WHERE year(indberetningsmaaned) = ?",
                           [YEAR]).fetchall()
    for sags_id, network, learning in rows:
        assert sags_id not in visible
        assert network not in visible, network
        if learning:
            assert learning[:40] not in text
    for word in ("Skjult værdi", "Primær: antal mellem", "hidden_value"):  # the log stays out
        assert word not in text


def chart_values(html: str) -> list[float]:
    """Every number the embedded plotly charts carry (x, y, z, text, customdata), hover data included."""
    values: list[float] = []
    calls = re.findall(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', html, re.S)
    assert calls, "the edition has charts"
    for call in calls:
        for trace in json.loads(call):
            for key in ("x", "y", "z", "text", "customdata"):
                stack = [trace.get(key)]
                while stack:
                    item = stack.pop()
                    if isinstance(item, list):
                        stack.extend(item)
                    elif isinstance(item, (int, float)) and not isinstance(item, bool):
                        values.append(float(item))
    return values


def test_kredsraad_charts_carry_no_small_count_even_in_their_data(rendered: dict) -> None:
    """A chart's JSON is readable in the HTML source: a hidden cell must be missing there too."""
    values = chart_values(rendered["kredsraad"].html.read_text(encoding="utf-8"))
    assert values and not [v for v in values if 1 <= v <= 4]


def test_kredsraad_number_equals_the_query_layer(rendered: dict) -> None:
    page = _page(rendered["kredsraad"])
    with db.reader(rendered["db"]) as con:
        cases = queries.kpis(con, Filters(year=YEAR), today=TODAY).set_index("key").at["cases", "numerator"]
    assert page.row("tabel-sager_aar_situation", str(YEAR))[3] == str(cases)


def test_suppression_log_is_separate_and_recorded_for_next_year(rendered: dict) -> None:
    path = rendered["kredsraad"].suppression_log
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert rows and {"Tabel", "Række", "Kolonne", "Status", "Begrundelse", "Skjult værdi"} <= set(rows[0])
    assert any(r["Status"] == "primær" and 1 <= int(r["Skjult værdi"]) <= 4 for r in rows)
    with db.reader(rendered["db"]) as con:
        published = con.execute("SELECT table_name, row_label, column_label FROM published_suppressions "
                                "WHERE edition_year = ?", [YEAR]).fetchall()
    assert sorted(published) == sorted((r["Tabel"], r["Række"], r["Kolonne"]) for r in rows)


def test_executed_notebook_is_kept_for_audit_with_its_parameters(rendered: dict) -> None:
    nb = nbformat.read(rendered["team"].notebook, as_version=4)
    parameters = nb.metadata["papermill"]["parameters"]
    assert parameters["year"] == YEAR and parameters["edition"] == "team"
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))


def test_same_database_gives_the_same_checksum_in_both_editions(rendered: dict) -> None:
    sums = [re.findall(r"<code>([0-9a-f]{32})</code>", files.html.read_text(encoding="utf-8"))
            for files in (rendered["team"], rendered["kredsraad"])]
    assert len(sums[0]) == 2 and sums[0] == sums[1]


def test_year_without_data_writes_nothing_and_says_so_in_danish(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with pytest.raises(NoDataError, match="ingen sager indberettet i 2019"):
        report.render_report(demo_db, 2019, out_dir=out)
    assert not out.exists()
    result = CliRunner().invoke(cli, ["report", "--year", "2019", "--db", str(demo_db), "--out", str(out)],
                                prog_name="ssp-eval")
    assert result.exit_code != 0
    assert "Fejl: Der er ingen sager indberettet i 2019" in result.output
    assert "2022, 2023, 2024, 2025" in result.output and not out.exists()


def test_without_chromium_the_html_stays_and_the_note_says_how_to_get_the_pdf(rendered: dict, tmp_path: Path) -> None:
    pdf, note = report.print_pdf(rendered["team"].html, tmp_path / "x.pdf", chromium=tmp_path / "ingen-chromium")
    assert pdf is None and not (tmp_path / "x.pdf").exists()
    assert "PDF blev ikke lavet" in note and "Udskriv" in note and "make browser" in note


def test_a_failing_cell_keeps_the_executed_notebook_and_says_so_in_danish(handmade_db: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    failing = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("year = 2025", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("1 / 0")],
        metadata={"kernelspec": {"name": report.KERNEL_NAME, "display_name": "SSP-evaluering", "language": "python"}})
    notebook = tmp_path / "fejler.ipynb"
    nbformat.write(failing, notebook)
    monkeypatch.setattr(report, "NOTEBOOK_PATH", notebook)
    out = tmp_path / "reports"
    with pytest.raises(EvaluationError, match=r"fejlede \(ZeroDivisionError\).*aarsevaluering-2025-team.ipynb"):
        report.render_report(handmade_db, 2025, out_dir=out, pdf=False)
    record = nbformat.read(out / "aarsevaluering-2025-team.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in record.cells for o in c.get("outputs", []))
    assert not (out / "aarsevaluering-2025-team.html").exists()

"""``ssp-eval report`` end to end: real papermill runs of both editions, on the demo database and
on a sparse year, printed by Debian's Chromium, read back with poppler and python-docx.

Four renders in all (module-scoped). The HTML is parsed with the standard library's
html.parser; PDF pages are read with ``pdftotext`` (poppler-utils, installed by the Makefile);
the team's .docx is opened with python-docx and converted by LibreOffice once.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import docx
import nbformat
import pytest
from click.testing import CliRunner

from evaluation.analysis import queries
from evaluation.analysis.filters import Filters
from evaluation.cli import cli
from evaluation.errors import EvaluationError, NoDataError
from evaluation.report import printer
from evaluation.report import render as report
from evaluation.store import db

YEAR = 2025
TODAY = date.today()
TEAM_HEADINGS = ("Resumé: svar på de fem evalueringsspørgsmål", "Omfang og udvikling", "Situation A og B",
                 "Krænkelser og udfald", "Actioncardet i praksis", "Netværkene og datakvaliteten",
                 "Netværkenes erfaringer og mødenoter", "Sådan læses tallene", "Bilag: data", "Bilag: alle erfaringer",
                 "Rapportens grundlag")
KREDSRAAD_HEADINGS = ("Sammenfatning", "Sager over årene", "Krænkelser og vurdering",
                      "Handling og actioncardet i praksis", "Om tallene")
CASES = [("large", "team"), ("large", "kredsraad"), ("sparse", "team"), ("sparse", "kredsraad")]


def tool(name: str) -> str:
    """A Debian tool the Makefile installs (report-tools); missing is a failure, not a skip."""
    path = shutil.which(name)
    assert path, f"{name} mangler: kør 'make report-tools' (poppler-utils, libreoffice-writer-nogui)"
    return path


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


@pytest.fixture(scope="module")
def rendered(demo_db: Path, sparse_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Both editions on copies of the demo database and of the sparse year."""
    folder = tmp_path_factory.mktemp("report")
    out: dict = {}
    for size, source in (("large", demo_db), ("sparse", sparse_db)):
        path = folder / f"{size}.duckdb"
        shutil.copyfile(source, path)
        out[size] = {"db": path, "out": folder / size}
        for edition in ("team", "kredsraad"):
            out[(size, edition)] = report.render_report(path, YEAR, edition=edition, out_dir=folder / size,
                                                        today=TODAY)
    return out


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of a PDF (pdftotext, layout kept)."""
    text = subprocess.run([tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1]


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_files_are_named_by_year_and_edition(rendered: dict) -> None:
    names = sorted(p.name for p in rendered["large"]["out"].iterdir())
    assert names == ["aarsevaluering-2025-kredsraad-undertrykkelser.csv", "aarsevaluering-2025-kredsraad.html",
                     "aarsevaluering-2025-kredsraad.ipynb", "aarsevaluering-2025-kredsraad.manifest.json",
                     "aarsevaluering-2025-kredsraad.pdf", "aarsevaluering-2025-kredsraad.udkast.json",
                     "aarsevaluering-2025-team.docx", "aarsevaluering-2025-team.html", "aarsevaluering-2025-team.ipynb",
                     "aarsevaluering-2025-team.manifest.json", "aarsevaluering-2025-team.pdf"]
    team = rendered[("large", "team")]
    assert team.suppression_log is None and team.draft is None and team.notes == ()


@pytest.mark.parametrize("size, edition", CASES)
def test_pdf_has_no_blank_page_page_numbers_and_a_numbered_contents_list(rendered: dict, size: str,
                                                                         edition: str) -> None:
    files = rendered[(size, edition)]
    pages = pdf_pages(files.pdf)
    assert len(pages) >= 4
    for number, text in enumerate(pages, start=1):
        body = text.replace(f"Side {number} af {len(pages)}", "")
        assert f"Side {number} af {len(pages)}" in text, number  # the footer
        assert len(body.split()) >= 5, f"page {number} is (nearly) blank"
    contents = " ".join(pages[1].split())
    assert contents.startswith("Indhold")
    headings = TEAM_HEADINGS if edition == "team" else KREDSRAAD_HEADINGS
    for n, heading in enumerate(headings, start=1):
        found = re.search(rf"{n}\. {re.escape(heading)} (\d+)", contents)
        assert found, heading
        page = int(found.group(1))
        assert f"{n}. {heading}" in " ".join(pages[page - 1].split()), (heading, page)  # the number is right
    data = files.pdf.read_bytes()
    assert b"/Outlines" in data  # bookmarks from the headings
    assert b"/StructTreeRoot" in data  # tagged for screen readers


@pytest.mark.parametrize("size, edition", CASES)
def test_no_chart_is_clipped_in_the_print_layout(rendered: dict, size: str, edition: str) -> None:
    """Every chart's box, and every text inside it (titles, ticks, legend), lies within the
    printed text width and within the chart."""
    from playwright.sync_api import sync_playwright

    html = rendered[(size, edition)].html
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=str(printer.CHROMIUM_PATH), args=printer.CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": printer.PRINT_WIDTH_PX, "height": 1000})
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.wait_for_function("() => [...document.querySelectorAll('.plotly-graph-div')]"
                                   ".every(d => d.querySelector('.main-svg'))")
            page.emulate_media(media="print")
            boxes = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(p => {
                const box = p.getBoundingClientRect();
                const texts = [...p.querySelectorAll('svg text')].filter(t => t.textContent.trim())
                    .map(t => { const r = t.getBoundingClientRect();
                                return [t.textContent, r.left, r.right, r.top, r.bottom]; });
                return {id: p.id, left: box.left, right: box.right, top: box.top, bottom: box.bottom, texts};
            })""")
        finally:
            browser.close()
    assert boxes
    for box in boxes:
        assert box["left"] >= 0 and box["right"] <= printer.PRINT_WIDTH_PX, box["id"]
        for text, left, right, top, bottom in box["texts"]:
            assert box["left"] - 1 <= left and right <= box["right"] + 1, (box["id"], text)
            assert box["top"] - 1 <= top and bottom <= box["bottom"] + 1, (box["id"], text)


@pytest.mark.parametrize("size, edition", CASES)
def test_html_is_self_contained_with_headings_and_no_code(rendered: dict, size: str, edition: str) -> None:
    text = rendered[(size, edition)].html.read_text(encoding="utf-8")
    page = Page(text)
    assert page.script_srcs == []
    assert not re.search(r"<link[^>]+href=\"https?:", text)
    assert text.count("plotly.js v") == 1
    headings = TEAM_HEADINGS if edition == "team" else KREDSRAAD_HEADINGS
    assert page.h2 == ["Indhold", *(f"{n}. {h}" for n, h in enumerate(headings, start=1))]
    for code in ("editions.build", "open_report(", "import ", "db_path ="):
        assert code not in "".join(page.visible), code
    assert '<html lang="da">' in text


@pytest.mark.parametrize("size", ["large", "sparse"])
def test_council_edition_shows_no_small_count_and_nothing_technical(rendered: dict, size: str) -> None:
    files = rendered[(size, "kredsraad")]
    text = files.html.read_text(encoding="utf-8")
    page = Page(text)
    numbers = [int(c.replace(".", "")) for c in page.cells if re.fullmatch(r"\d{1,3}(\.\d{3})*", c)]
    assert numbers and not [n for n in numbers if 1 <= n <= 4]
    manifest = json.loads(files.manifest.read_text(encoding="utf-8"))
    visible = "".join(page.visible)
    pdf_text = "\n".join(pdf_pages(files.pdf))
    assert f"Kontrolnummer: {manifest['kontrolnummer']}" in visible and manifest["kontrolnummer"] in pdf_text
    secrets = [manifest["checksum_all"], manifest["checksum_year"], *manifest["software"].values(),
               *(i["file_name"] for i in manifest["imports"]), *(i["sha256"][:16] for i in manifest["imports"])]
    for secret in secrets:
        if len(str(secret)) >= 5:
            assert str(secret) not in visible and str(secret) not in pdf_text, secret
    with db.reader(rendered[size]["db"]) as con:
        rows = con.execute("SELECT sags_id, netvaerk, erfaringer FROM cases WHERE year(indberetningsmaaned) = ?",
                           [YEAR]).fetchall()
    for sags_id, network, learning in rows:
        assert sags_id not in visible and network not in visible
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


@pytest.mark.parametrize("size", ["large", "sparse"])
def test_council_charts_carry_no_small_count_even_in_their_data(rendered: dict, size: str) -> None:
    values = chart_values(rendered[(size, "kredsraad")].html.read_text(encoding="utf-8"))
    assert values and not [v for v in values if 1 <= v <= 4]


def test_council_number_equals_the_query_layer(rendered: dict) -> None:
    page = Page(rendered[("large", "kredsraad")].html.read_text(encoding="utf-8"))
    with db.reader(rendered["large"]["db"]) as con:
        cases = queries.kpis(con, Filters(year=YEAR), today=TODAY).set_index("key").at["cases", "numerator"]
    row = next(r for r in page.tables["tabel-sager_aar_situation"] if r and r[0] == str(YEAR))
    assert row[3] == str(cases)


def test_suppression_log_is_separate_and_nothing_is_recorded_by_a_draft(rendered: dict) -> None:
    files = rendered[("sparse", "kredsraad")]
    with files.suppression_log.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert rows and {"Tabel", "Række", "Kolonne", "Status", "Begrundelse", "Skjult værdi"} <= set(rows[0])
    assert any(r["Status"] == "primær" and 1 <= int(r["Skjult værdi"]) <= 4 for r in rows)
    draft = json.loads(files.draft.read_text(encoding="utf-8"))
    hidden = {(t["name"], c["row"], c["column"]) for t in draft["tables"] for c in t["cells"] if c["status"] != "vist"}
    assert hidden == {(r["Tabel"], r["Række"], r["Kolonne"]) for r in rows}
    with db.reader(rendered["sparse"]["db"]) as con:
        assert con.execute("SELECT count(*) FROM report_publications").fetchone()[0] == 0


def _docx_tables(path: Path) -> list[list[list[str]]]:
    document = docx.Document(str(path))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


@pytest.mark.parametrize("size", ["large", "sparse"])
def test_word_edition_has_the_headings_and_the_html_tables_numbers(rendered: dict, size: str) -> None:
    files = rendered[(size, "team")]
    document = docx.Document(str(files.docx))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Indhold", *TEAM_HEADINGS]
    assert any("Word udfylder" in p.text for p in document.paragraphs)  # the contents field, said in the document
    assert len(document.inline_shapes) >= 8  # the charts as pictures
    html_tables = [rows for rows in Page(files.html.read_text(encoding="utf-8")).tables.values()]
    assert _docx_tables(files.docx) == html_tables  # every number (every cell) equals the HTML edition's


def test_libreoffice_converts_the_word_edition_to_pdf(rendered: dict, tmp_path: Path) -> None:
    source = rendered[("sparse", "team")].docx
    result = subprocess.run([tool("soffice"), "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                             "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "aarsevaluering-2025-team.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    assert "Omfang og udvikling" in "\n".join(pdf_pages(pdf))


def test_executed_notebook_is_kept_for_audit_with_its_parameters(rendered: dict) -> None:
    nb = nbformat.read(rendered[("large", "team")].notebook, as_version=4)
    parameters = nb.metadata["papermill"]["parameters"]
    assert parameters["year"] == YEAR and parameters["edition"] == "team"
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))


def test_same_database_gives_the_same_checksum_in_both_manifests(rendered: dict) -> None:
    sums = [json.loads(rendered[("large", e)].manifest.read_text(encoding="utf-8"))["checksum_all"]
            for e in ("team", "kredsraad")]
    with db.reader(rendered["large"]["db"]) as con:
        assert sums[0] == sums[1] == queries.data_checksum(con, Filters())


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


def test_without_chromium_the_html_and_the_word_file_stay_and_the_note_says_how_to_get_the_pdf(
        demo_db: Path, tmp_path: Path) -> None:
    # The .docx is normally written while Chromium prints, with the charts' pictures; without
    # Chromium it is written after, without them, and the PDF's absence is explained in Danish.
    files = report.render_report(demo_db, YEAR, edition="team", out_dir=tmp_path, today=TODAY,
                                 chromium=tmp_path / "ingen-chromium")
    assert files.pdf is None and not list(tmp_path.glob("*.pdf"))
    assert files.html.exists() and files.docx is not None and files.docx.exists()
    note = " ".join(files.notes)
    assert "PDF blev ikke lavet" in note and "Udskriv" in note and "make browser" in note
    headings = [p.text for p in docx.Document(str(files.docx)).paragraphs if p.style.name == "Heading 1"]
    assert "Omfang og udvikling" in " ".join(headings)


def test_no_kernel_browser_or_socket_is_left_after_the_renders(rendered: dict) -> None:
    import psutil

    from evaluation.settings import NOTEBOOKS_DIR

    assert not [p.name for p in NOTEBOOKS_DIR.iterdir() if p.name.startswith("kernel-ipc")]

    left = [" ".join(p.cmdline()[:3]) for p in psutil.Process().children(recursive=True)
            if any(name in " ".join(p.cmdline()) for name in ("ipykernel", "chromium", "playwright"))]
    assert left == []


def test_the_report_prints_the_same_in_the_warm_page_as_from_a_plain_load(rendered: dict, tmp_path: Path) -> None:
    # The printer loads plotly.js while the notebook runs and writes the report into that
    # page; the PDF must be the one a plain load of the HTML prints, page for page.
    html = rendered[("large", "team")].html
    assert printer._without_plotly_js(html.read_text(encoding="utf-8")) is not None  # the warm path is taken
    printed = {}
    for reuse in (True, False):
        with printer.PdfPrinter(reuse_plotly=reuse) as chromium:
            pdf, pictures, note = chromium.print(html, tmp_path / f"{reuse}.pdf", pictures=True)
            assert note is None and (chromium._plotly_css is not None) == reuse
        printed[reuse] = (pdf_pages(pdf), {key: png_size(picture) for key, picture in pictures.items()})
    assert printed[True] == printed[False]  # every page's text, and each chart's picture at the same size
    assert len(printed[True][1]) >= 5


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
        report.render_report(handmade_db, 2025, out_dir=out, pdf=False, docx=False)
    record = nbformat.read(out / "aarsevaluering-2025-team.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in record.cells for o in c.get("outputs", []))
    assert not (out / "aarsevaluering-2025-team.html").exists()

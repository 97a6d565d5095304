"""The workbench's journeys that move files, in a real browser against the real server: uploads
through the page's file chooser to ``POST /ssp/upload`` and downloads from
``GET /ssp/download/<kind>/<name>`` (a real Voilà as ``dashboard.start`` runs it, Debian's
Chromium). The database is checked before and after every upload; downloaded files are read
back (PDF text with pdftotext, YAML, xlsx). Screenshots before and after go to
artefacts/screenshots/.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from evaluation.report import network_sheet
from evaluation.analysis import kpis
from evaluation.ingest import ingest, template
from evaluation.plan import networks
from evaluation.store import db
from evaluation.views import navigation
from browsing import PAGE_TIMEOUT_MS, running_dashboard
from test_dashboard_browser import assert_no_traceback, open_page, screenshot

pytestmark = pytest.mark.browser
expect.set_options(timeout=PAGE_TIMEOUT_MS)
HEADER = ("sags_id;netvaerk;institutionstype;indberetningsmaaned;aldersgruppe;kraenker;situation;"
          "kraenkelsestyper;vurdering;foraeldre_inddraget;dokumentation_sikret;politianmeldt\n")
VALID = HEADER + "".join(f"UP-{i};Sindal;folkeskole;2025-0{i};12_14;kendt;A;billeddeling;paedagogisk;ja;ja;nej\n"
                         for i in range(1, 5))
# Row 2: a month that does not exist; row 3: a situation that is not A or B.
INVALID = (HEADER + "BAD-1;Sindal;folkeskole;2025-13;12_14;kendt;A;billeddeling;paedagogisk;ja;ja;nej\n"
           "BAD-2;Sindal;folkeskole;2025-03;12_14;kendt;C;billeddeling;paedagogisk;ja;ja;nej\n")
BIG_MB = 20


@pytest.fixture(scope="module")
def transfer_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("transfer") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture(scope="module")
def server(transfer_db: Path, free_port: Callable[[], int]) -> Iterator[int]:
    """A real Voilà server as ``ssp-eval dashboard`` starts it; yields its port."""
    with running_dashboard(transfer_db, free_port()) as port:
        yield port


def counts(path: Path) -> tuple[int, int, int]:
    """(current cases, imports, rejected files)."""
    with db.reader(path) as con:
        return tuple(con.execute("SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM imports), "
                                 "(SELECT count(*) FROM rejected_files)").fetchone())


def upload_page(browser: Browser, port: int, network: str = "Sindal") -> Page:
    page = open_page(browser, port, "indlaes.ipynb")
    expect(page.get_by_role("heading", name="Indlæs netværkenes sagsudtræk")).to_be_visible()
    expect(page.locator(".ssp-upload-button")).to_be_visible()
    page.select_option(".ssp-upload-network select", label=network)
    # The choice goes to the kernel and comes back to the uploader.
    page.wait_for_function("(n) => document.querySelector('.ssp-upload')?.dataset.network === n", arg=network)
    return page


def send(page: Page, files: list[Path]) -> None:
    page.set_input_files(".ssp-upload-input", [str(f) for f in files])
    expect(page.locator(".ssp-upload-chosen")).to_contain_text(files[0].name)
    page.locator(".ssp-upload-button").click()
    page.wait_for_function(
        f"document.querySelectorAll('.ssp-upload-file:not([data-status=\"waiting\"])').length === {len(files)} "
        "&& !document.querySelector('.ssp-upload-file progress')", timeout=PAGE_TIMEOUT_MS * 3)


def test_uploading_a_valid_and_an_invalid_file(browser: Browser, server: int, transfer_db: Path,
                                               tmp_path: Path) -> None:
    good, bad = tmp_path / "sindal_tillaeg.csv", tmp_path / "sindal_fejl.csv"
    good.write_text(VALID, encoding="utf-8")
    bad.write_text(INVALID, encoding="utf-8")
    # What the CLI's ingest says about the same files, on a throwaway copy of the same database.
    scratch = tmp_path / "kopi.duckdb"
    shutil.copyfile(transfer_db, scratch)
    said = {f.name: ingest.ingest_file(scratch, f, network="Sindal") for f in (good, bad)}
    assert said[good.name].status == "loaded" and said[bad.name].status == "rejected"
    cases, imports, rejected = counts(transfer_db)
    page = upload_page(browser, server)
    try:
        screenshot(page, "indlaes-foer-upload")
        send(page, [good, bad])
        for name, status in ((good.name, "loaded"), (bad.name, "rejected")):
            row = page.locator(f'.ssp-upload-file[data-name="{name}"]')
            expect(row).to_have_attribute("data-status", status)
            expect(row.locator(".ssp-upload-summary")).to_have_text(said[name].summary())
            shown = row.locator(".ssp-upload-messages li").all_text_contents()
            assert shown == [str(m) for m in said[name].messages]
        errors = page.locator(f'.ssp-upload-file[data-name="{bad.name}"] .ssp-upload-error').all_text_contents()
        assert len(errors) == 2
        assert errors[0].startswith("sindal_fejl.csv, række 2, kolonne D")
        assert errors[1].startswith("sindal_fejl.csv, række 3, kolonne G")
        expect(page.locator(".ssp-upload-status")).to_contain_text("2 filer: 1 indlæst, 0 uændret, 1 afvist.")
        expect(page.locator(".ssp-import-list")).to_contain_text("sindal_fejl.csv")  # the list was redrawn
        assert counts(transfer_db) == (cases + 4, imports + 1, rejected + 1)
        assert_no_traceback(page)
        screenshot(page, "indlaes-efter-upload")
        send(page, [good])  # the same file again: nothing changes, and the page says so
        expect(page.locator('.ssp-upload-file[data-name="sindal_tillaeg.csv"]')).to_have_attribute(
            "data-status", "unchanged")
        assert counts(transfer_db) == (cases + 4, imports + 1, rejected + 1)
    finally:
        page.close()


def test_a_file_is_refused_without_a_network_before_anything_is_sent(browser: Browser, server: int,
                                                                     transfer_db: Path, tmp_path: Path) -> None:
    good = tmp_path / "uden_netvaerk.csv"
    good.write_text(VALID.replace("UP-", "NN-"), encoding="utf-8")
    before = counts(transfer_db)
    page = open_page(browser, server, "indlaes.ipynb")
    try:
        page.set_input_files(".ssp-upload-input", [str(good)])
        page.locator(".ssp-upload-button").click()
        expect(page.locator(".ssp-upload-hint")).to_have_text("Vælg først det SSP-netværk, filerne kommer fra.")
        assert counts(transfer_db) == before
    finally:
        page.close()


def test_a_20_mb_file_shows_its_progress(browser: Browser, server: int, transfer_db: Path, tmp_path: Path) -> None:
    big = tmp_path / "sindal_stor.csv"
    rows, i = [HEADER], 0
    size = len(HEADER)
    while size < BIG_MB * 1024 * 1024:
        row = (f"STOR-{i:07d};Sindal;folkeskole;2024-{i % 12 + 1:02d};12_14;kendt;{'AB'[i % 2]};billeddeling;"
               f"paedagogisk;ja;ja;nej\n")
        rows.append(row)
        size += len(row)
        i += 1
    big.write_text("".join(rows), encoding="utf-8")
    assert big.stat().st_size >= BIG_MB * 1024 * 1024
    cases = counts(transfer_db)[0]
    page = upload_page(browser, server)
    try:
        # 20 MB crosses the loopback in a blink: limit the upload to about 8 MB/s so a person's
        # connection is what the page shows, and record every state text the row goes through.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 5, "downloadThroughput": -1,
                                                      "uploadThroughput": 8 * 1024 * 1024})
        page.evaluate("""() => { window.sspStates = [];
            new MutationObserver(() => document.querySelectorAll('.ssp-upload-state')
                .forEach(s => window.sspStates.push(s.textContent)))
            .observe(document.querySelector('.ssp-upload-list'), {subtree: true, childList: true,
                                                                   characterData: true}); }""")
        send(page, [big])
        states = page.evaluate("window.sspStates")
        percents = sorted({int(s.split()[-2]) for s in states if s.startswith("Sender …")})
        assert len([p for p in percents if 0 < p < 100]) >= 2, states[:20]
        assert "Kontrollerer og indlæser …" in states
        expect(page.locator('.ssp-upload-file[data-name="sindal_stor.csv"]')).to_have_attribute("data-status",
                                                                                                 "loaded")
        assert counts(transfer_db)[0] == cases + i
        screenshot(page, "indlaes-efter-stor-fil")
    finally:
        page.close()


def download(page: Page, selector: str, tmp_path: Path) -> Path:
    with page.expect_download(timeout=PAGE_TIMEOUT_MS) as info:
        page.locator(selector).first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target


def pdf_text(path: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_downloading_both_report_editions_from_the_server(browser: Browser, server: int, transfer_db: Path,
                                                          tmp_path: Path) -> None:
    page = open_page(browser, server, "aarsrapport.ipynb")
    try:
        year = page.locator(".ssp-report-year select option:checked").text_content()
        for edition, label in (("team", "Teamets udgave"), ("kredsraad", "Kredsrådets udgave")):
            page.locator(".ssp-report-edition button", has_text=label).click()
            page.locator(".ssp-make-report").click()
            expect(page.get_by_text(f"{label} for {year} er lavet.")).to_be_visible(timeout=600_000)
            pdf = download(page, ".ssp-report-result a.ssp-report-file", tmp_path)
            assert pdf.name == f"aarsevaluering-{year}-{edition}.pdf" and pdf.read_bytes().startswith(b"%PDF")
            edition_title = {"team": "SSP- og Ungdomskonsulentteamets udgave",
                             "kredsraad": "Udgave til Kredsrådet"}[edition]
            text = pdf_text(pdf)
            assert f"Årsevaluering {year}: Handleplan" in text and edition_title in text
            html = download(page, ".ssp-report-result a.ssp-report-file >> nth=1", tmp_path)
            assert html.suffix == ".html" and "<html" in html.read_text(encoding="utf-8")[:2000].lower()
        log = download(page, ".ssp-report-suppression", tmp_path)
        assert log.name.endswith("-undertrykkelser.csv")
        screenshot(page, "aarsrapport-efter-hentning")
    finally:
        page.close()


def test_downloading_a_networks_sheet(browser: Browser, server: int, transfer_db: Path, tmp_path: Path) -> None:
    with db.reader(transfer_db) as con:
        network, year = network_sheet.networks(con)[0], kpis.latest_year(con)
    page = open_page(browser, server, navigation.href("netvaerk", netvaerk=network))
    try:
        expect(page.get_by_role("heading", name=f"{network} {year}")).to_be_visible()
        pdf = download(page, ".ssp-download-network", tmp_path)
        assert pdf.name == network_sheet.sheet_name(network, year)
        assert f"{network}: årsmøde om digitale krænkelser {year}" in pdf_text(pdf)
    finally:
        page.close()


def test_downloading_the_actioncard_the_plan_and_the_templates(browser: Browser, server: int, transfer_db: Path,
                                                               tmp_path: Path) -> None:
    page = open_page(browser, server, "opfoelgning.ipynb")
    try:
        card = download(page, ".ssp-download-actioncard", tmp_path)
        assert card.name == "actioncard.pdf" and "Actioncard" in pdf_text(card)
        plan = download(page, ".ssp-download-plan", tmp_path)
        document = yaml.safe_load(plan.read_text(encoding="utf-8"))
        assert {"plan", "actors", "addresses", "actioncard"} <= set(document)
    finally:
        page.close()
    page = open_page(browser, server, "indlaes.ipynb")
    try:
        xlsx = download(page, ".ssp-template-xlsx", tmp_path)
        assert xlsx.name == template.XLSX_NAME
        workbook = openpyxl.load_workbook(xlsx)
        assert "Sager" in workbook.sheetnames
        # The SSP-netværk drop-down offers the registry's networks (a list on the hidden sheet).
        offered = {cell.value for row in workbook[template.LISTS_SHEET].iter_rows() for cell in row}
        with db.reader(transfer_db) as con:
            names = networks.network_names(con)
        assert names and set(names) <= offered, (names, sorted(map(str, offered))[:20])
        csv = download(page, ".ssp-template-csv", tmp_path)
        assert csv.name == template.CSV_NAME and csv.read_bytes().startswith(b"\xef\xbb\xbf")
    finally:
        page.close()

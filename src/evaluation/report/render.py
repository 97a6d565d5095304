"""Render the yearly report: papermill runs the notebook, nbconvert writes HTML, Chromium prints PDF.

``render_report`` is what ``ssp-eval report`` calls. For ``aarsevaluering-<year>-<edition>``:

1. check the parameters and that the year has cases (``report_sections.open_report``): a
   year without data is a :class:`NoDataError` with a Danish message, and no file is written;
2. run ``notebooks/aarsrapport.ipynb`` with papermill on the project's registered kernel
   (``KERNEL_NAME``, see the Makefile; papermill#251/#761) and keep the executed notebook as
   ``.ipynb`` for audit — also when a cell fails, as the failure record;
3. export self-contained HTML with nbconvert: no code (``exclude_input``, since papermill's
   report mode does not hide it, papermill#506), and the ``report`` template, which drops the
   lab template's CDN scripts; plotly.js is embedded once by the sections
   (``charts.to_offline_html``), so plotly's JSON-only mimetype pitfall (plotly#5365) never
   arises and the file works offline and by e-mail;
4. print it to A4 PDF with Playwright and Debian's Chromium (``page.pdf``), started in the
   background while the notebook runs (``PdfPrinter``); without Chromium the HTML is still
   written and the result says in Danish how to get the PDF;
5. Kredsråd edition: the notebook's last cell writes the suppression log to a separate,
   team-only CSV and records the hidden cells (``suppression.record_published``) so next
   year's edition hides them too — from the very tables it showed, without computing twice.

Nothing here prints: progress goes to the ``progress`` callback, and papermill's own
progress bar is only drawn when the caller asks for it (``progress_bar``).
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

# jsonschema (imported by nbformat) loads rfc3987_syntax only to check "iri" string formats,
# which notebooks never use; building its grammar took ~1.5 s of every report run here.
# Marking it absent first makes jsonschema skip that format (it catches the ImportError).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402

from evaluation.report import sections as report_sections  # noqa: E402
from evaluation.errors import EvaluationError, NoDataError  # noqa: E402
from evaluation.settings import NOTEBOOKS_DIR  # noqa: E402

KERNEL_NAME = "ssp-evaluering"
NOTEBOOK_PATH = NOTEBOOKS_DIR / "aarsrapport.ipynb"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "report"
CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# A4 is 210 mm; less the 15 mm margins of the template's @page that is 180 mm = 680 px at
# 96 dpi. Charts are laid out at this width so the PDF shows them as drawn.
PRINT_WIDTH_PX = 680
CELL_TIMEOUT_S = 600
PDF_TIMEOUT_S = 120

Progress = Callable[[str], None]


def _kernel_config() -> Any:
    """Talk to the kernel over Unix sockets (IPC) instead of TCP on localhost: nothing listens on
    a port, and ipykernel stops warning on stderr about unencrypted TCP."""
    from traitlets.config import Config

    return Config({"KernelManager": {"transport": "ipc"}})


_KERNEL_CONFIG = _kernel_config()


@dataclass(frozen=True)
class ReportFiles:
    """What a render wrote, and Danish notes for the user (e.g. how to get the missing PDF)."""

    html: Path
    notebook: Path
    pdf: Path | None
    suppression_log: Path | None
    notes: tuple[str, ...]
    seconds: float


def output_stem(year: int, edition: str) -> str:
    """``aarsevaluering-2025-team``: the common name of a report's files."""
    return f"aarsevaluering-{int(year)}-{edition}"


def render_report(db_path: str | Path, year: int, *, edition: str = "team", out_dir: str | Path = "reports",
                  threshold: int | None = None, today: date | None = None, pdf: bool = True,
                  chromium: Path = CHROMIUM_PATH, record: bool = True, progress: Progress | None = None,
                  progress_bar: bool | dict[str, Any] = False) -> ReportFiles:
    """Render one edition of the yearly report into ``out_dir`` (see the module docstring).

    ``record`` stores the Kredsråd edition's hidden cells for next year (leave it on for a
    published edition). Raises :class:`NoDataError` for a year without cases and
    :class:`EvaluationError` with a Danish message when a step fails.
    """
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    ctx = report_sections.open_report(db_path, year, edition=edition, threshold=threshold, today=today)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = output_stem(ctx.year, ctx.edition)
    notebook, html = out / f"{stem}.ipynb", out / f"{stem}.html"
    log_path = out / f"{stem}-undertrykkelser.csv" if ctx.edition == "kredsraad" else None
    notes: list[str] = []
    pdf_path = None
    with PdfPrinter(chromium) if pdf else nullcontext() as printer:  # Chromium starts meanwhile
        say(f"Beregner årsrapporten for {ctx.year} ({report_sections.EDITIONS[ctx.edition]}) ...")
        execute(ctx, notebook, suppression_log=log_path, record=record, progress_bar=progress_bar)
        say("Skriver HTML ...")
        export_html(notebook, html, title=f"Årsevaluering {ctx.year} – {report_sections.EDITIONS[ctx.edition]}")
        if printer is not None:
            say("Skriver PDF ...")
            pdf_path, note = printer.print(html, out / f"{stem}.pdf")
            if note:
                notes.append(note)
    return ReportFiles(html, notebook, pdf_path, log_path, tuple(notes), time.perf_counter() - started)


def parameters(ctx: report_sections.ReportContext, *, suppression_log: Path | None = None,
               record: bool = False) -> dict[str, Any]:
    """The notebook's parameters as papermill injects them (plain types only)."""
    return {"year": ctx.year, "db_path": str(ctx.db_path.resolve()), "edition": ctx.edition,
            "threshold": ctx.threshold, "today": ctx.today.isoformat(),
            "suppression_log": str(suppression_log.resolve()) if suppression_log else "", "record": bool(record)}


def execute(ctx: report_sections.ReportContext, output: Path, *, suppression_log: Path | None = None,
            record: bool = False, progress_bar: bool | dict[str, Any] = False) -> Path:
    """Run the report notebook with papermill; the executed notebook is kept even on failure.

    For the Kredsråd edition the notebook's last cell writes ``suppression_log`` and, with
    ``record``, stores the hidden cells (``report_sections.publish_kredsraad``), from the
    same tables it just showed.
    """
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel

    try:
        papermill.execute_notebook(
            str(NOTEBOOK_PATH), str(output), parameters=parameters(ctx, suppression_log=suppression_log, record=record),
            kernel_name=KERNEL_NAME, config=_KERNEL_CONFIG,
            language="python", progress_bar=progress_bar, log_output=False, execution_timeout=CELL_TIMEOUT_S,
            cwd=str(NOTEBOOKS_DIR), request_save_on_cell_execute=False)
    except NoSuchKernel as exc:
        raise EvaluationError(
            f"Jupyter-kernen '{KERNEL_NAME}' er ikke installeret, så rapporten kan ikke beregnes. Kør 'make setup' "
            f"(eller: python -m ipykernel install --sys-prefix --name {KERNEL_NAME}) og prøv igen.") from exc
    except papermill.PapermillExecutionError as exc:
        if exc.ename in {"NoDataError", "EvaluationError", "DatabaseError"}:
            cls = NoDataError if exc.ename == "NoDataError" else EvaluationError
            raise cls(str(exc.evalue)) from exc
        raise EvaluationError(
            f"Rapporten kunne ikke beregnes: en beregning i notebooken fejlede ({exc.ename}). Den kørte notebook "
            f"med fejlen er gemt i {output}; send den til udviklerne.") from exc
    return output


def export_html(notebook: Path, html: Path, *, title: str) -> Path:
    """Write the executed notebook as self-contained HTML without code, prompts or stderr."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:  # warnings on stderr belong in the audit notebook, not the report
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    nb.metadata["title"] = title
    exporter = HTMLExporter(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATE_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.exclude_markdown = True  # developer notes in the notebook are not report text
    exporter.language_code = "da"
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    html.write_text(body, encoding="utf-8")
    return html


def print_pdf(html: Path, pdf: Path, *, chromium: Path = CHROMIUM_PATH) -> tuple[Path | None, str | None]:
    """Print the HTML to A4 PDF in headless Chromium; (None, Danish note) when that can't be done."""
    with PdfPrinter(chromium) as printer:
        return printer.print(html, pdf)


class PdfPrinter:
    """Headless Chromium started in a background thread, so it is ready when the HTML is.

    Starting Chromium and opening a page takes seconds; ``render_report`` enters the printer
    before the notebook runs, so that happens while the kernel computes. Playwright's sync API
    must be used from the thread that started it, so every browser call happens in the
    printer's thread and ``print`` hands it the job. Any failure becomes (None, Danish note).
    """

    def __init__(self, chromium: Path = CHROMIUM_PATH) -> None:
        self.chromium = Path(chromium)
        self._jobs: queue.Queue[tuple[Path, Path] | None] = queue.Queue()
        self._results: queue.Queue[tuple[Path | None, str | None]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="pdf-printer", daemon=True)

    def __enter__(self) -> PdfPrinter:
        if self.chromium.exists():
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(PDF_TIMEOUT_S)

    def print(self, html: Path, pdf: Path) -> tuple[Path | None, str | None]:
        """Print ``html`` to ``pdf`` (A4, backgrounds on); (None, Danish note) on failure."""
        hint = (f"Åbn {html.name} i en browser og vælg Udskriv → Gem som PDF, eller installér Chromium "
                "('make browser' eller 'sudo apt-get install chromium') og kør kommandoen igen.")
        if not self._thread.is_alive() and not self.chromium.exists():
            return None, f"PDF blev ikke lavet: Chromium findes ikke på {self.chromium}. {hint}"
        self._jobs.put((html, pdf))
        try:
            result, failure = self._results.get(timeout=2 * PDF_TIMEOUT_S)
        except queue.Empty:
            return None, f"PDF blev ikke lavet: Chromium svarede ikke inden for {2 * PDF_TIMEOUT_S} s. {hint}"
        return (result, None) if failure is None else (None, f"PDF blev ikke lavet: {failure}. {hint}")

    def _run(self) -> None:
        """The printer thread: launch, open a page, then print each job until told to stop."""
        try:
            from playwright.sync_api import Error as PlaywrightError
            from playwright.sync_api import sync_playwright
        except ImportError:  # installed without the [test] extra
            self._fail_all("Python-pakken playwright er ikke installeret (installér den med 'make setup')")
            return
        try:
            with sync_playwright() as play:
                browser = play.chromium.launch(executable_path=str(self.chromium), args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1000})
                    while (job := self._jobs.get()) is not None:
                        try:
                            self._results.put((self._print_page(page, *job), None))
                        except PlaywrightError as exc:
                            self._results.put((None, f"Chromium kunne ikke udskrive rapporten ({type(exc).__name__})"))
                finally:
                    browser.close()
        except PlaywrightError as exc:  # Chromium would not start: answer every job with that
            self._fail_all(f"Chromium kunne ikke startes ({type(exc).__name__})")

    def _fail_all(self, failure: str) -> None:
        """Answer every job with ``failure`` until told to stop."""
        while self._jobs.get() is not None:
            self._results.put((None, failure))

    @staticmethod
    def _print_page(page: Any, html: Path, pdf: Path) -> Path:
        """Load the report, wait until every plotly chart is drawn, and print it on A4."""
        page.goto(html.resolve().as_uri(), wait_until="load", timeout=PDF_TIMEOUT_S * 1000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('.main-svg'))",
            timeout=PDF_TIMEOUT_S * 1000)
        page.emulate_media(media="print")
        page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
        return pdf

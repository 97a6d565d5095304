"""Render the yearly report: papermill runs the notebook, nbconvert writes HTML, Chromium prints PDF.

``render_report`` is what ``ssp-eval report`` calls. For ``aarsevaluering-<year>-<edition>``:

1. check the parameters and that the year has cases (``report_sections.open_report``): a
   year without data is a :class:`NoDataError` with a Danish message, and no file is written;
2. run ``notebooks/aarsrapport.ipynb`` with papermill on a kernel of this very interpreter
   (``report.kernel``: no kernel needs registering, papermill#251/#761) and keep the executed notebook as
   ``.ipynb`` for audit — also when a cell fails, as the failure record;
3. export self-contained HTML with nbconvert: no code (``exclude_input``, since papermill's
   report mode does not hide it, papermill#506), and the ``report`` template, which drops the
   lab template's CDN scripts; plotly.js is embedded once by the sections
   (``charts.to_offline_html``), so plotly's JSON-only mimetype pitfall (plotly#5365) never
   arises and the file works offline and by e-mail;
4. print it to A4 PDF with Playwright and Debian's Chromium (``page.pdf``), started in the
   background while the notebook runs (``PdfPrinter``): tagged for screen readers, with
   bookmarks from the headings, "Side N af M" in the footer, and page numbers in the
   contents list (a first print is read with poppler's ``pdftotext`` to find the page of
   each section, then printed again; without ``pdftotext`` the contents list links to the
   sections and the bookmarks carry the pages). Without Chromium the HTML is still written
   and the result says in Danish how to get the PDF;
5. team edition: the editable .docx (``docx.py``) from the same document model the notebook
   showed (``<stem>.document.json``), with the charts as pictures taken from the printed page;
6. the notebook's last cell writes the team-only files: ``<stem>.manifest.json`` (what the
   edition was made from, and its Kontrolnummer), and for the Kredsråd edition the
   suppression log and the draft that ``publish.py`` records when the team publishes it.
   Rendering never records anything in the database: publishing is a step of its own.

Nothing here prints: progress goes to the ``progress`` callback, and papermill's own
progress bar is only drawn when the caller asks for it (``progress_bar``).
"""

from __future__ import annotations

import base64
import json
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

# jsonschema (imported by nbformat) loads rfc3987_syntax only to check "iri" string formats,
# which notebooks never use; building its grammar took ~1.5 s of every report run here.
# Marking it absent first makes jsonschema skip that format (it catches the ImportError).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402

from evaluation.report import context as report_context  # noqa: E402
from evaluation.report import kernel as report_kernel  # noqa: E402
from evaluation.errors import EvaluationError, NoDataError  # noqa: E402
from evaluation.pdf import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from evaluation.settings import NOTEBOOKS_DIR  # noqa: E402

KERNEL_NAME = report_kernel.KERNEL_NAME
NOTEBOOK_PATH = NOTEBOOKS_DIR / "aarsrapport.ipynb"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "report"
CHROMIUM_PATH = CHROMIUM  # evaluation.pdf: Debian's Chromium, one path and one set of flags
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
    manifest: Path | None = None
    docx: Path | None = None
    draft: Path | None = None
    kontrolnummer: str = ""
    timings: tuple[tuple[str, float], ...] = ()  # seconds per step: notebook, html, pdf, docx (written during the pdf step)

    def written(self) -> list[Path]:
        """Every file written, the edition's own first."""
        return [p for p in (self.html, self.pdf, self.docx, self.notebook, self.manifest, self.suppression_log,
                            self.draft) if p is not None]


def output_stem(year: int, edition: str) -> str:
    """``aarsevaluering-2025-team``: the common name of a report's files."""
    return f"aarsevaluering-{int(year)}-{edition}"


def render_report(db_path: str | Path, year: int, *, edition: str = "team", out_dir: str | Path = "reports",
                  threshold: int | None = None, today: date | None = None, pdf: bool = True,
                  docx: bool = True, chromium: Path = CHROMIUM_PATH, progress: Progress | None = None,
                  progress_bar: bool | dict[str, Any] = False) -> ReportFiles:
    """Render one edition of the yearly report into ``out_dir`` as a draft (see the module docstring).

    Raises :class:`NoDataError` for a year without cases and :class:`EvaluationError` with a
    Danish message when a step fails.
    """
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    with ExitStack() as running:  # the kernel and Chromium start first and work beside the parent
        kernel = report_kernel.EarlyKernel(NOTEBOOKS_DIR, _KERNEL_CONFIG)
        manager = running.enter_context(kernel)
        ctx = report_context.open_report(db_path, year, edition=edition, threshold=threshold, today=today)
        printer = running.enter_context(PdfPrinter(chromium)) if pdf or (docx and ctx.team) else None
        return _render(ctx, Path(out_dir), manager, kernel, printer, started=started, say=say, pdf=pdf,
                       docx=docx, progress_bar=progress_bar)


def _render(ctx: report_context.ReportContext, out: Path, manager: Any, kernel: report_kernel.EarlyKernel,
            printer: PdfPrinter | None, *, started: float, say: Progress, pdf: bool, docx: bool,
            progress_bar: bool | dict[str, Any]) -> ReportFiles:
    """The steps of ``render_report`` once its kernel and printer are running."""
    out.mkdir(parents=True, exist_ok=True)
    stem = output_stem(ctx.year, ctx.edition)
    notebook, html = out / f"{stem}.ipynb", out / f"{stem}.html"
    notes: list[str] = []
    pdf_path = None
    timings: list[tuple[str, float]] = []
    step = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal step
        now = time.perf_counter()
        timings.append((name, now - step))
        step = now

    say(f"Beregner årsrapporten for {ctx.year} ({ctx.edition_label}) ...")
    execute(ctx, notebook, out_dir=out, stem=stem, progress_bar=progress_bar, km=manager)
    kernel.stop()
    lap("notebook")
    say("Skriver HTML ...")
    export_html(notebook, html, title=f"{ctx.title} – {ctx.edition_label}")
    lap("html")
    document = out / f"{stem}.document.json"
    written: list[Path] = []

    def write_word(pictures: dict[str, bytes]) -> None:
        """The .docx from the document the notebook showed and the charts' pictures."""
        from evaluation.report import word as docx_writer
        from evaluation.report.model import Document

        say("Skriver Word-dokument ...")
        begun = time.perf_counter()
        written.append(docx_writer.write_docx(Document.from_json(document.read_text(encoding="utf-8")),
                                              out / f"{stem}.docx", pictures))
        timings.append(("docx", time.perf_counter() - begun))

    word = docx and ctx.team
    pictures: dict[str, bytes] = {}
    if printer is not None:
        say("Skriver PDF ...")
        pdf_path, pictures, note = printer.print(html, out / f"{stem}.pdf" if pdf else None, pictures=word,
                                                 while_printing=write_word if word else None)
        if note:
            notes.append(note)
        lap("pdf")  # the .docx is written during this step, while Chromium prints
    if word and not written:  # no Chromium, or it failed before the pictures: the .docx without them
        write_word(pictures)
    docx_path = written[0] if written else None
    document.unlink(missing_ok=True)  # an intermediate: the .docx and the HTML are the edition
    manifest = out / f"{stem}.manifest.json"
    number = json.loads(manifest.read_text(encoding="utf-8")).get("kontrolnummer", "") if manifest.exists() else ""
    log = out / f"{stem}-undertrykkelser.csv"
    draft = out / f"{stem}.udkast.json"
    return ReportFiles(html, notebook, pdf_path, log if log.exists() and not ctx.team else None, tuple(notes),
                       time.perf_counter() - started, manifest if manifest.exists() else None, docx_path,
                       draft if draft.exists() and not ctx.team else None, number, tuple(timings))


def parameters(ctx: report_context.ReportContext, *, out_dir: Path | None = None, stem: str = "") -> dict[str, Any]:
    """The notebook's parameters as papermill injects them (plain types only)."""
    return {"year": ctx.year, "db_path": str(ctx.db_path.resolve()), "edition": ctx.edition,
            "threshold": ctx.threshold, "today": ctx.today.isoformat(),
            "out_dir": str(out_dir.resolve()) if out_dir else "", "stem": stem}


def execute(ctx: report_context.ReportContext, output: Path, *, out_dir: Path | None = None, stem: str = "",
            progress_bar: bool | dict[str, Any] = False, km: Any = None) -> Path:
    """Run the report notebook with papermill; the executed notebook is kept even on failure.

    With ``out_dir`` the notebook's last cell writes the team-only files there
    (``editions.write_outputs``), from the same document it just showed. ``km``: a kernel
    manager whose kernel is already running (``kernel.EarlyKernel``); without it papermill
    starts and stops its own.
    """
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel

    try:
        papermill.execute_notebook(
            str(NOTEBOOK_PATH), str(output), parameters=parameters(ctx, out_dir=out_dir, stem=stem),
            kernel_name=KERNEL_NAME, kernel_manager_class=report_kernel.ThisInterpreterKernelManager,
            config=_KERNEL_CONFIG,
            language="python", progress_bar=progress_bar, log_output=False, execution_timeout=CELL_TIMEOUT_S,
            cwd=str(NOTEBOOKS_DIR), request_save_on_cell_execute=False, **({"km": km} if km is not None else {}))
    except NoSuchKernel as exc:
        raise EvaluationError(
            "Rapporten kan ikke beregnes: Python-pakken ipykernel mangler i programmets miljø. "
            "Installér programmet igen (make setup) og prøv igen.") from exc
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
        path, _pictures, note = printer.print(html, pdf)
        return path, note


# "Side 3 af 12" in every page's bottom margin (Chromium's own header/footer templates).
FOOTER = ('<div style="width:100%; font-family: Arial, Helvetica, sans-serif; font-size: 8pt; color: #4a5561; '
          'text-align: center;">Side <span class="pageNumber"></span> af <span class="totalPages"></span></div>')
HEADER = "<div></div>"


class PdfPrinter:
    """Headless Chromium started in a background thread, so it is ready when the HTML is.

    Starting Chromium and opening a page takes seconds; ``render_report`` enters the printer
    before the notebook runs, so that happens while the kernel computes. Playwright's sync API
    must be used from the thread that started it, so every browser call happens in the
    printer's thread and ``print`` hands it the job. Any failure becomes a Danish note.
    """

    def __init__(self, chromium: Path = CHROMIUM_PATH) -> None:
        self.chromium = Path(chromium)
        self._jobs: queue.Queue[tuple[Path, Path | None, bool] | None] = queue.Queue()
        # What the printer thread reports, in order: ("pictures", dict) once the charts are
        # taken (when asked for), then ("done", (pdf or None, pictures, failure or None)).
        self._events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="pdf-printer", daemon=True)

    def __enter__(self) -> PdfPrinter:
        if self.chromium.exists():
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(PDF_TIMEOUT_S)

    def print(self, html: Path, pdf: Path | None, *, pictures: bool = False,
              while_printing: Callable[[dict[str, bytes]], None] | None = None
              ) -> tuple[Path | None, dict[str, bytes], str | None]:
        """Print ``html`` to ``pdf`` (A4) and, with ``pictures``, take each chart as a PNG (by
        its id, for the .docx): (pdf or None, pictures, Danish note on failure or None).

        ``while_printing`` is called in this thread with the pictures as soon as they are
        taken, and runs while Chromium prints (the .docx is written meanwhile); it is not
        called when Chromium failed before the pictures were taken.
        """
        hint = (f"Åbn {html.name} i en browser og vælg Udskriv → Gem som PDF, eller installér Chromium "
                "('make browser' eller 'sudo apt-get install chromium') og kør kommandoen igen.")
        if not self._thread.is_alive() and not self.chromium.exists():
            return None, {}, f"PDF blev ikke lavet: Chromium findes ikke på {self.chromium}. {hint}"
        self._jobs.put((html, pdf, pictures))
        while True:
            try:
                kind, value = self._events.get(timeout=2 * PDF_TIMEOUT_S)
            except queue.Empty:
                return None, {}, f"PDF blev ikke lavet: Chromium svarede ikke inden for {2 * PDF_TIMEOUT_S} s. {hint}"
            if kind == "pictures":
                if while_printing is not None:
                    while_printing(value)
                continue
            result, taken, failure = value
            return (result, taken, None) if failure is None else (None, taken, f"PDF blev ikke lavet: {failure}. {hint}")

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
                            self._events.put(("done", (*self._print_page(page, *job), None)))
                        except PlaywrightError as exc:
                            self._events.put(("done", (None, {}, f"Chromium kunne ikke udskrive rapporten "
                                                                f"({type(exc).__name__})")))
                finally:
                    browser.close()
        except PlaywrightError as exc:  # Chromium would not start: answer every job with that
            self._fail_all(f"Chromium kunne ikke startes ({type(exc).__name__})")

    def _fail_all(self, failure: str) -> None:
        """Answer every job with ``failure`` until told to stop."""
        while self._jobs.get() is not None:
            self._events.put(("done", (None, {}, failure)))

    def _print_page(self, page: Any, html: Path, pdf: Path | None, pictures: bool
                    ) -> tuple[Path | None, dict[str, bytes]]:
        """Load the report, wait until every chart is drawn, take the pictures, print on A4."""
        page.goto(html.resolve().as_uri(), wait_until="load", timeout=PDF_TIMEOUT_S * 1000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('.main-svg'))",
            timeout=PDF_TIMEOUT_S * 1000)
        taken = _chart_pictures(page) if pictures else {}
        if pictures:
            self._events.put(("pictures", taken))
        if pdf is None:
            return None, taken
        page.emulate_media(media="print")
        _print(page, pdf, final=False)
        numbers = contents_pages(pdf, page.eval_on_selector_all(
            "section[id] > h2", "hs => hs.map(h => [h.parentElement.id, h.textContent.trim()])"))
        if numbers:  # the same layout, with the page numbers in the contents list
            page.evaluate("numbers => { for (const [id, n] of Object.entries(numbers)) {"
                          " const s = document.querySelector(`.indhold a[href='#${id}'] + .side`);"
                          " if (s) s.textContent = String(n); } }", numbers)
        _print(page, pdf, final=True)
        return pdf, taken


def _chart_pictures(page: Any) -> dict[str, bytes]:
    """Each chart as a PNG of its size on the page, by its div's id.

    plotly.js draws them all at once in the page (``Plotly.toImage``), half the time of a
    screenshot per chart, which scrolls to each and waits for a frame.
    """
    urls = page.evaluate(
        "() => Promise.all([...document.querySelectorAll('.plotly-graph-div')].map(async d =>"
        " [d.id, await Plotly.toImage(d, {format: 'png', width: d.offsetWidth, height: d.offsetHeight,"
        " scale: 1})]))")
    return {str(key): base64.b64decode(url.split(",", 1)[1]) for key, url in urls}


def _print(page: Any, pdf: Path, *, final: bool = True) -> None:
    """One print on A4: backgrounds and page numbers in the footer; the final print is also
    tagged (for screen readers) with bookmarks from the headings. The first of two prints is
    only read for the page each section starts on (tags and bookmarks do not move the
    layout), so it skips them."""
    page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True, outline=final,
             tagged=final, display_header_footer=True, header_template=HEADER, footer_template=FOOTER)


def contents_pages(pdf: Path, headings: list[list[str]]) -> dict[str, int]:
    """The page each section starts on, read from the printed PDF with poppler's pdftotext;
    {} when pdftotext is not installed (the contents list then keeps its links only)."""
    tool = shutil.which("pdftotext")
    if tool is None or not headings:
        return {}
    result = subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=PDF_TIMEOUT_S)
    if result.returncode != 0:
        return {}
    pages = [" ".join(p.split()) for p in result.stdout.split("\f")]
    found: dict[str, int] = {}
    start = 2  # the title page and the contents list (pages 1 and 2) come first; each heading after the last
    for anchor, text in headings:
        wanted = " ".join(text.split())
        for number in range(start, len(pages)):
            if wanted in pages[number] and number > 0:
                found[anchor] = number + 1
                start = number
                break
    return found

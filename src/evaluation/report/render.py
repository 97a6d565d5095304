"""Render the yearly report: papermill runs the notebook, nbconvert writes HTML, Chromium prints PDF.

``render_report`` is what ``ssp-eval report`` calls. For ``aarsevaluering-<year>-<edition>``:

1. check the parameters and that the year has cases (``report_sections.open_report``): a
   year without data is a :class:`NoDataError` with a Danish message, and no file is written;
2. run ``notebooks/aarsrapport.ipynb`` with papermill on a kernel of this very interpreter
   (``report.kernel``: no kernel needs registering, papermill#251/#761) and keep the executed notebook as
   ``.ipynb`` for audit — also when a cell fails, as the failure record. The kernel is started
   first and imports the report's modules while the parent opens the database and starts
   Chromium (``kernel.EarlyKernel``; papermill gets it as ``km``);
3. export self-contained HTML with nbconvert: no code (``exclude_input``, since papermill's
   report mode does not hide it, papermill#506), and the ``report`` template, which drops the
   lab template's CDN scripts; the template puts plotly.js (from the plotly package) into the
   head once (``charts.plotly_js_tag``) and the notebook's outputs do not carry it, so plotly's
   JSON-only mimetype pitfall (plotly#5365) never arises and the file works offline and by e-mail;
4. print it to A4 PDF with Playwright and Debian's Chromium (``page.pdf``), started in the
   background while the notebook runs (``PdfPrinter``), which also loads plotly.js then, so
   the report is written into a page that has it already: tagged for screen readers, with
   bookmarks from the headings, "Side N af M" in the footer, and page numbers in the
   contents list (a first print is read with poppler's ``pdftotext`` to find the page of
   each section, then printed again; without ``pdftotext`` the contents list links to the
   sections and the bookmarks carry the pages). Without Chromium the HTML is still written
   and the result says in Danish how to get the PDF;
5. team edition: the editable .docx (``word.py``) from the same document model the notebook
   showed (``<stem>.document.json``), with the charts as pictures taken from the printed page,
   written while Chromium prints;
6. the notebook's last cell writes the team-only files: ``<stem>.manifest.json`` (what the
   edition was made from, and its Kontrolnummer), and for the Kredsråd edition the
   suppression log and the draft that ``publish.py`` records when the team publishes it.
   Rendering never records anything in the database: publishing is a step of its own.

Nothing here prints: progress goes to the ``progress`` callback, and papermill's own
progress bar is only drawn when the caller asks for it (``progress_bar``).
"""

from __future__ import annotations

import json
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

from typing import TYPE_CHECKING  # noqa: E402

from evaluation.report import kernel as report_kernel  # noqa: E402
from evaluation.errors import EvaluationError, NoDataError  # noqa: E402
from evaluation.report.printer import CHROMIUM_PATH, PdfPrinter  # noqa: E402
from evaluation.settings import NOTEBOOKS_DIR  # noqa: E402

if TYPE_CHECKING:
    from evaluation.report import context as report_context

# This module imports little (jupyter_client, Playwright's name): ``render_report`` starts the
# kernel first and imports pandas, DuckDB and nbformat after, while the kernel starts.

KERNEL_NAME = report_kernel.KERNEL_NAME
NOTEBOOK_PATH = NOTEBOOKS_DIR / "aarsrapport.ipynb"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "report"
CELL_TIMEOUT_S = 600

Progress = Callable[[str], None]


_KERNEL_CONFIG = report_kernel.IPC_CONFIG


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
        running.enter_context(kernel)
        threading.Thread(target=_import_later_steps, name="report-imports", daemon=True).start()
        from evaluation.report import context as report_context

        ctx = report_context.open_report(db_path, year, edition=edition, threshold=threshold, today=today)
        printer = running.enter_context(PdfPrinter(chromium)) if pdf or (docx and ctx.team) else None
        return _render(ctx, Path(out_dir), kernel, printer, started=started, say=say, pdf=pdf,
                       docx=docx, progress_bar=progress_bar)


def _render(ctx: report_context.ReportContext, out: Path, kernel: report_kernel.EarlyKernel,
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
    execute(ctx, notebook, out_dir=out, stem=stem, progress_bar=progress_bar, km=kernel.manager)
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


def _import_later_steps() -> None:
    """Import what the HTML and Word steps need while the parent waits for the notebook.

    nbconvert's exporter and python-docx take ~0.4 s to import, and the parent is idle while
    the kernel computes; a step that starts before this is done waits for the same imports.
    A failure is left to that step, which imports again and says in Danish what is wrong: a
    thread's traceback would reach the user's terminal in English.
    """
    try:
        import nbconvert.exporters.html  # noqa: F401

        from evaluation.report import word  # noqa: F401
    except ImportError:
        pass


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
    """Write the executed notebook as self-contained HTML without code, prompts or stderr;
    plotly.js goes into its head once (the notebook's outputs do not carry it)."""
    import nbformat
    from nbconvert import HTMLExporter

    from evaluation.analysis.charts import plotly_js_tag

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
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}, "plotly_js": plotly_js_tag()})
    html.write_text(body, encoding="utf-8")
    return html

"""Print a report's HTML to A4 PDF in headless Chromium, and take its charts as pictures.

``PdfPrinter`` runs Chromium in a thread of its own, started while the report's notebook
runs, and loads plotly.js into its page meanwhile: parsing plotly.js is most of the ~2 s a
report takes to load, so the report is then written into that page (``document.write``; the
window, and with it ``window.Plotly``, stays) instead of being loaded from the file. A
report printed that way is the same, page for page, as one printed from a plain load
(tested). The team edition's charts are taken as PNGs for the .docx before printing, and
the caller can write the .docx while Chromium prints (``while_printing``).

Two prints: the first is read with poppler's ``pdftotext`` to find the page each section
starts on, the second carries those numbers in the contents list, tags for screen readers
and bookmarks from the headings, and "Side N af M" in every footer.
"""

from __future__ import annotations

import base64
import queue
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evaluation.pdf import CHROMIUM, CHROMIUM_ARGS

CHROMIUM_PATH = CHROMIUM  # evaluation.pdf: Debian's Chromium, one path and one set of flags
# A4 is 210 mm; less the 15 mm margins of the template's @page that is 180 mm = 680 px at
# 96 dpi. Charts are laid out at this width so the PDF shows them as drawn.
PRINT_WIDTH_PX = 680
PDF_TIMEOUT_S = 120


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

    def __init__(self, chromium: Path = CHROMIUM_PATH, *, reuse_plotly: bool = True) -> None:
        self.chromium = Path(chromium)
        self.reuse_plotly = reuse_plotly
        self._plotly_css: str | None = None  # plotly.js's own style rules, once the warm page has them
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
                    if self.reuse_plotly:
                        self._warm_up(page)
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

    def _warm_up(self, page: Any) -> None:
        """Load plotly.js into the page while the notebook runs (parsing it is most of the ~2 s
        a report takes to load) and keep the style rules it adds to its page."""
        from playwright.sync_api import Error as PlaywrightError

        from evaluation.analysis.charts import plotly_js_tag

        try:
            page.set_content(f"<!DOCTYPE html><html><head><meta charset='utf-8'>{plotly_js_tag()}</head>"
                             "<body></body></html>", wait_until="load", timeout=PDF_TIMEOUT_S * 1000)
            self._plotly_css = page.evaluate(_PLOTLY_CSS_JS) if page.evaluate("() => !!window.Plotly") else None
        except PlaywrightError:
            self._plotly_css = None  # the report is then loaded as it is

    def _write_into_warm_page(self, page: Any, html: Path) -> bool:
        """Write the report into the warm page, where plotly.js and its styles are already
        loaded; False (the caller loads the file itself) without a warm page or on failure."""
        from playwright.sync_api import Error as PlaywrightError

        rest = _without_plotly_js(html.read_text(encoding="utf-8")) if self._plotly_css is not None else None
        if rest is None:
            return False
        try:
            page.evaluate(_WRITE_JS, [rest, self._plotly_css])
            page.wait_for_function("() => document.readyState === 'complete'", timeout=PDF_TIMEOUT_S * 1000)
        except PlaywrightError:
            self._plotly_css = None  # the warm page is spent: load files as they are from now on
            return False
        return True

    def _fail_all(self, failure: str) -> None:
        """Answer every job with ``failure`` until told to stop."""
        while self._jobs.get() is not None:
            self._events.put(("done", (None, {}, failure)))

    def _print_page(self, page: Any, html: Path, pdf: Path | None, pictures: bool
                    ) -> tuple[Path | None, dict[str, bytes]]:
        """Load the report, wait until every chart is drawn, take the pictures, print on A4."""
        if not self._write_into_warm_page(page, html):
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


# The CSS rules plotly.js inserted into its page when it loaded (in the CSSOM, not as text).
_PLOTLY_CSS_JS = "() => [...document.styleSheets].flatMap(s => [...s.cssRules].map(r => r.cssText)).join('\\n')"
# Replace the page's document with the report; since HTML5's document.open keeps the window,
# window.Plotly stays, and the charts' scripts draw with it. plotly's style rules are put back.
_WRITE_JS = ("([html, css]) => { document.open(); document.write(html.replace('</head>',"
             " '<style>' + css + '</style></head>')); document.close(); }")


def _without_plotly_js(html: str) -> str | None:
    """The report without its ``<script id="plotly-js">`` element; None when it has none."""
    from evaluation.analysis.charts import PLOTLY_JS_ID

    found = re.search(rf'<script\b[^>]*\bid="{PLOTLY_JS_ID}"[^>]*>', html)  # attributes in any order
    end = html.find("</script>", found.end()) if found else -1
    if found is None or end < 0 or "</head>" not in html:
        return None
    return html[:found.start()] + html[end + len("</script>"):]


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

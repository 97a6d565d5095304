"""One chart on a dashboard page, redrawn in place (``Plotly.react``), its numbers under it.

Why not a figure in an ``ipywidgets.Output`` (the pages' first way): a new figure in an Output
replaces the output's content, so the browser tears the old plot down and the jupyterlab-plotly
renderer runs a fresh ``Plotly.newPlot``; on Årsevaluering a filter change with its 7 charts
took ~0.8 s in the browser that way (benchmarks/dashboard.py). ``FigureView`` keeps one plot
element per chart and hands each new figure to ``Plotly.react``, which updates the drawing it
already has. Not plotly's ``FigureWidget`` either (conventions.md: plotly#4998, voila#1533, and
its widget code is 5 MB sent with every chart).

* **plotly.js** comes from our server (``server/handlers.PlotlyScript``: the plotly package's
  copy, offline), as one script fetched when a page draws its first chart and then kept by the
  browser (the version is in its address). The charts used to take the copy inside
  the jupyterlab-plotly extension, through JupyterLab's module federation; but Voilà loaded that
  extension on every page, and its 4.8 MB bundle was compiled and run before each page's first
  content (~0.7 s of the browser's main thread), so the extension is no longer loaded
  (``voila.json``). If the script cannot be fetched, the chart area says so in Danish above its
  data table, which still shows the numbers.
* **Updates in one frame**: the chart updates that arrive together are drawn in one animation
  frame, one after another, so the browser lays out and paints the page once for all of them.
* **First draw**: the plot is drawn only once the widget's element is in the page and has a
  width; a figure drawn into an area not laid out yet got a height of 0 (the "empty until the
  first click" bug). So a page may show a figure in its first state: no page holds figures
  back until the browser reports in (the former ``pending_figures`` did, for Udforsk and
  Mødenoter, before this widget waited for the layout itself).
* **The data table** (``figure_text``, the chart's text alternative) is replaced with the
  figure; a table the reader had unfolded stays unfolded.
* **Unchanged figures** are not sent again: a filter that leaves a chart as it was only
  raises ``revision``. The browser writes the revision it has drawn on the element
  (``data-drawn``) once ``Plotly.react`` has finished, and marks it ``data-pending`` while a
  change is on its way: the benchmark and the tests wait for that. It also tells the kernel
  ("drawn"), so a page can hold what lies under its charts until they are drawn
  (``wait_drawn``; Årsevaluering's learnings).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import anywidget
import plotly.graph_objects as go
import traitlets

from evaluation.settings import PLOTLY_SCRIPT_PATH

FIGURE_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}


def figure_spec(fig: go.Figure | dict) -> dict:
    """What the browser draws: data, layout and the pages' config, as plain JSON data.

    A spec from ``charts.*_spec`` is used as it is (already JSON data); a graph object goes
    through plotly's own encoder (numpy, dates and NaN made JSON-safe).
    """
    spec = fig if isinstance(fig, dict) else json.loads(fig.to_json())
    return {"data": spec.get("data") or [], "layout": spec.get("layout") or {}, "config": FIGURE_CONFIG}


def _plotly_script() -> str:
    """The server's plotly.js (``settings.PLOTLY_SCRIPT_PATH``) with its version, so a browser keeps it."""
    from plotly.offline import get_plotlyjs_version

    return f"{PLOTLY_SCRIPT_PATH}?v={get_plotlyjs_version()}"


@dataclass(frozen=True)
class PreparedFigure:
    """A figure ready for a chart area: its spec and its data table, built once.

    A page that keeps what it showed for a filter (Årsevaluering's prefetch) keeps these, so
    showing it again builds nothing.
    """

    spec: dict
    table: str


def prepare(fig: go.Figure | dict | PreparedFigure) -> PreparedFigure:
    """``fig`` as its spec and its folded data table (``figure_text``, the text alternative)."""
    if isinstance(fig, PreparedFigure):
        return fig
    from evaluation.views.figure_text import figure_table_html

    spec = figure_spec(fig)
    return PreparedFigure(spec, figure_table_html(spec))


class FigureView(anywidget.AnyWidget):
    """A chart area: ``show(fig)`` draws ``fig`` (a spec or a ``go.Figure``) in place."""

    _esm = """
    // plotly.js from the server (server/handlers.PlotlyScript: the plotly package's copy,
    // offline), loaded once per page when its first chart is drawn; window.Plotly once loaded.
    let loading = null;
    function scriptUrl() {
      let base = "/";
      try {
        base = JSON.parse(document.getElementById("jupyter-config-data").textContent).baseUrl || "/";
      } catch (error) { /* not in a Voilà page: the server's root */ }
      return (base.endsWith("/") ? base : base + "/") + "__PLOTLY_SCRIPT__";
    }
    function plotly() {
      if (window.Plotly) return Promise.resolve(window.Plotly);
      if (!loading) loading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = scriptUrl();
        script.onload = () => window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js is not loaded"));
        script.onerror = () => { loading = null; script.remove(); reject(new Error("plotly.js could not be fetched")); };
        document.head.appendChild(script);
      });
      return loading;
    }
    function laidOut(el) {
      return new Promise((resolve) => {
        let tries = 0;
        const check = () => (el.isConnected && el.clientWidth > 0) || ++tries > 600
          ? resolve() : requestAnimationFrame(check);
        check();
      });
    }
    // One queue for every chart on the page, run in an animation frame: updates that arrive
    // together are drawn one after another in that frame, and the browser then styles, lays
    // out and paints the page once, not once per chart. The jobs run one at a time, in order
    // (a chart's updates never overlap; the first waits for plotly.js to load).
    const frame = window.__sspFigureFrame ||
      (window.__sspFigureFrame = { jobs: [], scheduled: false, done: Promise.resolve() });
    function inFrame(job) {
      frame.jobs.push(job);
      if (frame.scheduled) return;
      frame.scheduled = true;
      requestAnimationFrame(() => {
        frame.scheduled = false;
        const jobs = frame.jobs.splice(0);
        frame.done = frame.done.then(async () => {
          for (const next of jobs) {
            try { await next(); } catch (error) { console.error("ssp-figure", error); }
          }
        });
      });
    }
    export default {
      render({ model, el }) {
        el.classList.add("ssp-figure");
        const plot = document.createElement("div");
        plot.className = "ssp-figure-plot";
        const table = document.createElement("div");
        table.className = "ssp-figure-table";
        el.append(plot, table);
        let shownFigure = null, shownTable = null, queued = false, drawn = false;
        const update = async () => {
          const figure = model.get("figure"), html = model.get("table"), revision = model.get("revision");
          if (figure !== shownFigure) {
            try {
              if (figure && figure.data) {
                const Plotly = await plotly();
                if (!drawn) await laidOut(el);  // drawn once: its area has a width
                plot.querySelector(".ssp-figure-failed")?.remove();
                await Plotly.react(plot, figure.data, figure.layout || {}, figure.config || {});
                drawn = true;
              } else if (window.Plotly) {
                window.Plotly.purge(plot);
              }
            } catch (error) {  // plotly.js not fetched, or a figure it refused: say so, keep the numbers
              console.error("ssp-figure", error);
              if (!plot.querySelector(".ssp-figure-failed")) {
                const failed = document.createElement("p");
                failed.className = "ssp-figure-failed";
                failed.textContent = "Figuren kunne ikke vises. Tallene står i tabellen herunder.";
                plot.prepend(failed);
              }
            }
            shownFigure = figure;
          }
          if (html !== shownTable) {  // after the plot: plotly's measurements find a clean page
            const open = table.querySelector("details")?.open;
            table.innerHTML = html;
            if (open) table.querySelector("details")?.setAttribute("open", "");
            shownTable = html;
          }
          if (revision > 0) {
            el.dataset.drawn = String(revision);
            model.send({ event: "drawn", revision });  // the kernel may hold its next updates for this
          }
          if (model.get("revision") === revision) delete el.dataset.pending;
        };
        const schedule = () => {
          el.dataset.pending = "1";
          if (queued) return;
          queued = true;
          queueMicrotask(() => { queued = false; inFrame(update); });
        };
        for (const name of ["figure", "table", "revision"]) model.on(`change:${name}`, schedule);
        schedule();
        return () => {
          for (const name of ["figure", "table", "revision"]) model.off(`change:${name}`, schedule);
          if (window.Plotly) window.Plotly.purge(plot);
        };
      }
    };
    """.replace("__PLOTLY_SCRIPT__", _plotly_script())
    # Containment keeps plotly's forced style and layout passes inside the chart: each redraw
    # measures text and boxes many times, and without it every measurement laid out the whole
    # page anew (a network change with its 7 charts: median 338 ms without, 272 ms with, at 10k
    # cases, the same page with and without). plotly sets .svg-container's size itself.
    _css = """
    .ssp-figure { width: 100%; }
    .ssp-figure-plot { width: 100%; contain: layout paint style; }
    .ssp-figure-plot .svg-container { contain: strict; }
    .ssp-figure-failed { margin: 0.5em 0; padding: 0.5em 0.75em; border-left: 4px solid #D55E00; background: #FDF2EC; }
    """

    figure = traitlets.Dict().tag(sync=True)
    table = traitlets.Unicode("").tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._drawn = 0  # the newest revision a browser has reported drawn
        self._drawn_changed = threading.Condition()
        self.on_msg(self._on_browser_message)

    def _on_browser_message(self, _widget: Any, content: dict, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == "drawn":
            with self._drawn_changed:
                self._drawn = max(self._drawn, int(content.get("revision") or 0))
                self._drawn_changed.notify_all()

    @property
    def drawn_once(self) -> bool:
        """A browser has reported a drawing of this area."""
        return self._drawn > 0

    def wait_drawn(self, timeout: float) -> bool:
        """Wait until a browser has drawn the newest revision; False after ``timeout`` seconds.

        A page sends its charts first and waits here before it sends what lies under them, so
        the browser draws the charts without parsing tables in between (Årsevaluering).
        """
        revision = self.revision
        with self._drawn_changed:
            return self._drawn_changed.wait_for(lambda: self._drawn >= revision, timeout)

    def show(self, fig: go.Figure | dict | PreparedFigure) -> bool:
        """Draw ``fig`` with its data table; False when it is the figure already shown (then only
        ``revision`` moves, so the browser confirms it has the newest state)."""
        prepared = fig if isinstance(fig, PreparedFigure) else None
        spec = prepared.spec if prepared else figure_spec(fig)
        changed = spec != self.figure
        with self.hold_sync():
            if changed:
                from evaluation.views.figure_text import figure_table_html

                self.figure = spec
                self.table = prepared.table if prepared else figure_table_html(spec)
            self.revision += 1
        return changed

    @property
    def title(self) -> str | None:
        """The title of the figure shown (tests and benchmarks read it)."""
        title: Any = (self.figure.get("layout") or {}).get("title") or {}
        return title.get("text") if isinstance(title, dict) else None


__all__ = ["FIGURE_CONFIG", "FigureView", "PreparedFigure", "figure_spec", "prepare"]

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
* **Spare drawings**: a page that knows what a chart may show next (Årsevaluering's prefetch
  of the other networks) sends it ahead (``predraw``). The browser draws it aside while the
  page is idle, hidden, and keeps up to ``SPARES`` per chart; when the kernel later shows a
  figure whose content key (``PreparedFigure.key``, a hash of the spec) is among them, the
  browser swaps the drawings instead of redrawing, and keeps the one it took down as a spare.
  The key is the content itself, so a spare can never show other numbers than the kernel's
  figure: a save or an import makes new figures with new keys, and they are drawn anew.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anywidget
import plotly.graph_objects as go
import traitlets

from evaluation.settings import PLOTLY_SCRIPT_PATH

# Not plotly's "responsive" (a window listener per plot): a chart area follows its own width.
FIGURE_CONFIG = {"displaylogo": False, "responsive": False, "displayModeBar": False}
SPARES = 12  # spare drawings a browser keeps per chart area (Årsevaluering: 8 networks and "all")


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
    key: str  # the spec's content hash (``spec_key``): equal keys, equal drawings


def spec_key(spec: dict) -> str:
    """A short hash of the spec's content: equal keys mean the same drawing (spare drawings)."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def prepare(fig: go.Figure | dict | PreparedFigure) -> PreparedFigure:
    """``fig`` as its spec and its folded data table (``figure_text``, the text alternative)."""
    if isinstance(fig, PreparedFigure):
        return fig
    from evaluation.views.figure_text import figure_table_html

    spec = figure_spec(fig)
    return PreparedFigure(spec, figure_table_html(spec), spec_key(spec))


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
    // Spare drawings (``predraw``): drawn one at a time while the page is idle, in the same
    // queue as the updates (so never in the middle of one), never while an update is on its way
    // or a chart waits to be drawn, and only once the charts have been left as they are for
    // QUIET_MS: the person's choice always goes first, and one who clicks through the networks
    // quickly does not wait for drawings made between the clicks.
    const QUIET_MS = 500;
    const idle = window.__sspSpareQueue || (window.__sspSpareQueue = { jobs: [], scheduled: false });
    const later = (run) => window.requestIdleCallback ? requestIdleCallback(run, { timeout: 1000 }) : setTimeout(run, 50);
    function whenIdle(job) {
      idle.jobs.push(job);
      nextSpare();
    }
    function nextSpare() {
      if (idle.scheduled || !idle.jobs.length) return;
      idle.scheduled = true;
      later(() => {
        idle.scheduled = false;
        const quiet = performance.now() - (frame.updated || 0);
        if (frame.scheduled || frame.jobs.length || document.querySelector(".ssp-figure[data-pending]")
            || quiet < QUIET_MS) {
          setTimeout(nextSpare, Math.max(50, QUIET_MS - quiet));
          return;
        }
        const job = idle.jobs.shift();
        frame.done = frame.done.then(job).catch((error) => console.error("ssp-figure", error)).then(nextSpare);
      });
    }
    export default {
      render({ model, el }) {
        el.classList.add("ssp-figure");
        const plots = document.createElement("div");  // the shown drawing (in the flow) and the spares
        plots.className = "ssp-figure-plots";
        let plot = document.createElement("div");
        plot.className = "ssp-figure-plot";
        plots.append(plot);
        const table = document.createElement("div");
        table.className = "ssp-figure-table";
        el.append(plots, table);
        let shownFigure = null, shownTable = null, shownKey = "", queued = false, drawn = false;
        const spares = new Map();  // content key -> a hidden drawing, oldest first
        const keep = (key, gd) => {  // moved out of sight (not display: none: its styles stay computed)
          gd.classList.remove("ssp-figure-plot", "ssp-figure-spare-drawing");  // not className: plotly
          gd.classList.add("ssp-figure-spare");                               // marks its own class too
          gd.setAttribute("aria-hidden", "true");
          spares.delete(key);
          spares.set(key, gd);
          while (spares.size > __SPARES__) {
            const [oldest, old] = spares.entries().next().value;
            spares.delete(oldest);
            window.Plotly?.purge(old);
            old.remove();
          }
        };
        // The area follows its own width (FIGURE_CONFIG: not plotly's "responsive", which listens
        // to the window and would redraw every spare too): the shown drawing is redrawn at once,
        // a spare when it is swapped in.
        const resized = new ResizeObserver(() => {
          const width = plots.clientWidth;
          if (drawn && width > 0 && plot._fullLayout && Math.abs(plot._fullLayout.width - width) > 1) {
            inFrame(() => window.Plotly.Plots.resize(plot).catch(() => {}));
          }
        });
        resized.observe(plots);
        const swapIn = async (key) => {  // the spare drawn for ``key`` becomes the shown drawing
          const spare = spares.get(key);
          spares.delete(key);
          spare.classList.replace("ssp-figure-spare", "ssp-figure-plot");
          spare.removeAttribute("aria-hidden");
          const width = plot._fullLayout?.width;  // the area's width (kept by ``resized``)
          if (shownKey && !plot.querySelector(".ssp-figure-failed")) keep(shownKey, plot);
          else { window.Plotly.purge(plot); plot.remove(); }
          plot = spare;
          if (width && Math.abs(plot._fullLayout.width - width) > 1) await window.Plotly.Plots.resize(plot);
        };
        const update = async () => {
          const figure = model.get("figure"), html = model.get("table"), revision = model.get("revision");
          const key = model.get("key");
          if (figure !== shownFigure) {
            try {
              if (figure && figure.data && drawn && key && spares.has(key)) {
                await swapIn(key);
              } else if (figure && figure.data) {
                const Plotly = await plotly();
                if (!drawn) await laidOut(el);  // drawn once: its area has a width
                plot.querySelector(".ssp-figure-failed")?.remove();
                await Plotly.react(plot, figure.data, figure.layout || {}, figure.config || {});
                drawn = true;
              } else if (window.Plotly) {
                window.Plotly.purge(plot);
              }
              shownKey = figure && figure.data ? key : "";
              if (plot.dataset.key !== shownKey) plot.dataset.key = shownKey;  // tests find a drawing by it
            } catch (error) {  // plotly.js not fetched, or a figure it refused: say so, keep the numbers
              console.error("ssp-figure", error);
              shownKey = "";
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
          frame.updated = performance.now();
        };
        const predraw = (msg) => {  // a figure this area may show next: drawn aside, hidden
          if (!msg || msg.event !== "predraw" || !msg.key || !msg.figure || !msg.figure.data) return;
          whenIdle(async () => {
            if (!drawn || !el.isConnected || msg.key === shownKey || spares.has(msg.key)) return;
            const Plotly = await plotly();
            const spare = document.createElement("div");
            spare.className = "ssp-figure-spare-drawing";  // laid out at the area's width, out of sight
            spare.setAttribute("aria-hidden", "true");
            plots.append(spare);
            try {
              await Plotly.newPlot(spare, msg.figure.data, msg.figure.layout || {}, msg.figure.config || {});
              spare.dataset.key = msg.key;
              keep(msg.key, spare);
            } catch (error) {
              console.error("ssp-figure", error);
              Plotly.purge(spare);
              spare.remove();
            }
          });
        };
        const schedule = () => {
          el.dataset.pending = "1";
          if (queued) return;
          queued = true;
          queueMicrotask(() => { queued = false; inFrame(update); });
        };
        for (const name of ["figure", "table", "revision"]) model.on(`change:${name}`, schedule);
        model.on("msg:custom", predraw);
        schedule();
        return () => {
          for (const name of ["figure", "table", "revision"]) model.off(`change:${name}`, schedule);
          model.off("msg:custom", predraw);
          resized.disconnect();
          if (window.Plotly) {
            window.Plotly.purge(plot);
            for (const spare of spares.values()) window.Plotly.purge(spare);
          }
          spares.clear();
        };
      }
    };
    """.replace("__PLOTLY_SCRIPT__", _plotly_script()).replace("__SPARES__", str(SPARES))
    # Containment keeps plotly's forced style and layout passes inside the chart: each redraw
    # measures text and boxes many times, and without it every measurement laid out the whole
    # page anew (a network change with its 7 charts: median 338 ms without, 272 ms with, at 10k
    # cases, the same page with and without). plotly sets .svg-container's size itself.
    _css = """
    .ssp-figure { width: 100%; }
    .ssp-figure-plot { width: 100%; contain: layout paint style; }
    .ssp-figure-plots .svg-container { contain: strict; }
    .ssp-figure-plots { position: relative; overflow: hidden; }
    .ssp-figure-spare, .ssp-figure-spare-drawing { position: absolute; top: 0; left: 0; right: 0;
        transform: translateX(-300%); contain: layout paint style; }
    .ssp-figure-failed { margin: 0.5em 0; padding: 0.5em 0.75em; border-left: 4px solid #D55E00; background: #FDF2EC; }
    """

    figure = traitlets.Dict().tag(sync=True)
    table = traitlets.Unicode("").tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)
    key = traitlets.Unicode("").tag(sync=True)  # the shown figure's content key (``spec_key``)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._drawn = 0  # the newest revision a browser has reported drawn
        self._drawn_changed = threading.Condition()
        self._predrawn: OrderedDict[str, None] = OrderedDict()  # keys sent ahead (``predraw``)
        self._first_drawing: list[Callable[[], None]] = []
        self.on_msg(self._on_browser_message)

    def _on_browser_message(self, _widget: Any, content: dict, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("event") == "drawn":
            with self._drawn_changed:
                first = self._drawn == 0
                self._drawn = max(self._drawn, int(content.get("revision") or 0))
                self._drawn_changed.notify_all()
            if first and self._drawn > 0:
                for callback in self._first_drawing:
                    callback()

    def on_first_drawing(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when a browser reports this area's first drawing (``predraw`` needs it)."""
        self._first_drawing.append(callback)

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
        prepared = prepare(fig)
        changed = prepared.spec != self.figure
        with self.hold_sync():
            if changed:
                self.figure, self.table, self.key = prepared.spec, prepared.table, prepared.key
            self.revision += 1
        return changed

    def predraw(self, fig: go.Figure | dict | PreparedFigure) -> bool:
        """Send a figure this area may show next, for the browser to draw aside while the page is
        idle (a spare drawing); False when it is shown now or was sent already.

        Only for a page with a browser that has drawn this area (the first drawing goes first).
        When ``show`` later gets the same content, the browser swaps the spare in: at 1M cases
        a network change with its seven charts then needs no ``Plotly.react`` at all.
        """
        prepared = prepare(fig)
        if not self.drawn_once or prepared.key == self.key or prepared.key in self._predrawn:
            return False
        self._predrawn[prepared.key] = None
        while len(self._predrawn) > SPARES:
            self._predrawn.popitem(last=False)
        self.send({"event": "predraw", "key": prepared.key, "figure": prepared.spec})
        return True

    @property
    def title(self) -> str | None:
        """The title of the figure shown (tests and benchmarks read it)."""
        title: Any = (self.figure.get("layout") or {}).get("title") or {}
        return title.get("text") if isinstance(title, dict) else None


__all__ = ["FIGURE_CONFIG", "SPARES", "FigureView", "PreparedFigure", "figure_spec", "prepare", "spec_key"]

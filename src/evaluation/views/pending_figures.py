"""Figures that wait until the browser has drawn the page (the "empty until the first click" bug).

A plotly figure that is part of a page's first widget state is rendered by the browser into
an output area that is not laid out yet: the plot's box gets a height of 0, so the chart
area looks empty until something is changed and the figure is drawn again (seen on Udforsk
and Mødenoter). Årsevaluering never had it, because its background worker draws the charts
only after ``worker.BrowserReady`` said the page is drawn. This gives the simple pages the
same order without a worker: a figure shown before that moment waits (the area says
"Henter figuren …") and is drawn as soon as the browser reports in. Without a browser
(tests, the benchmark) figures are drawn at once.
"""

from __future__ import annotations

import plotly.graph_objects as go

from evaluation.views.common import show_figure
from evaluation.views.figure_view import FigureView
from evaluation.views.worker import BrowserReady


class PendingFigures:
    """``show(out, fig)`` now, or once the browser has drawn the page; ``widget`` goes last on the page."""

    def __init__(self, in_browser: bool) -> None:
        self.drawn = not in_browser
        self._pending: dict[int, tuple[FigureView, go.Figure | dict]] = {}
        self.widget = BrowserReady(self.browser_ready) if in_browser else None

    def show(self, out: FigureView, fig: go.Figure | dict) -> None:
        if self.drawn:
            show_figure(out, fig)
            return
        self._pending[id(out)] = (out, fig)  # the newest figure for an area wins
        out.wait()

    def browser_ready(self) -> None:
        """Called when the page's last widget has been rendered: draw what waited."""
        self.drawn = True
        pending, self._pending = self._pending, {}
        for out, fig in pending.values():
            show_figure(out, fig)


__all__ = ["PendingFigures"]

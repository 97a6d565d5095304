"""The page's background worker, and how its updates reach a browser that is still loading.

Threads in a dashboard kernel, and the two rules that keep them safe:

* ``Deferred.lock`` is held while widgets are written, by the worker and by the page's
  callbacks, so two threads never interleave updates to one widget.
* ``common.reader`` lets one connection at a time into the database (DuckDB's per-process
  instance cache would otherwise hand a re-read after a save the file from before it).
  A thread other than the kernel's main thread never waits for that gate while holding
  ``Deferred.lock``: the worker reads first, closes the connection, then takes the lock to
  draw. So the two locks can't deadlock.
* The worker writes widgets only after ``Deferred.ready``: the browser has drawn the page
  (``BrowserReady``), so no update falls in the window in which a loading page drops them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import anywidget

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 20.0


class Deferred:
    """One background worker per page: the slow parts are computed after the page shows.

    A page renders its headline (the KPI cards) at once and hands the rest (charts, the
    actor candidates) to ``submit``; the browser receives each widget update as it is set
    (ipykernel sends comm messages from any thread). Jobs are keyed: a newer job for a key
    replaces a pending one, and a running job is told through ``stale()`` that it has been
    superseded (the user changed a filter again), so it stops instead of drawing old data.
    """

    def __init__(self) -> None:
        # Set when the browser has drawn the page (BrowserReady), or at once without a
        # browser; jobs wait for it before they write widgets.
        self.ready = threading.Event()
        # Held while widgets are written, by the worker and by the page's callbacks, so two
        # threads never interleave updates to one widget (a stale state could win). Jobs
        # compute outside it and hold it only to apply their results.
        self.lock = threading.RLock()
        self._cond = threading.Condition()
        self._pending: dict[str, tuple[int, Callable[[Callable[[], bool]], None]]] = {}
        self._tokens: dict[str, int] = {}
        self._busy = False
        self._thread: threading.Thread | None = None

    def wait_ready(self) -> None:
        """Block until the page is drawn, or ``READY_TIMEOUT_S`` at most (a browser without
        the anywidget extension still gets its charts, only later)."""
        self.ready.wait(READY_TIMEOUT_S)

    def submit(self, key: str, job: Callable[[Callable[[], bool]], None]) -> None:
        """Run ``job(stale)`` in the worker, after jobs already queued for other keys."""
        with self._cond:
            token = self._tokens.get(key, 0) + 1
            self._tokens[key] = token
            self._pending.pop(key, None)
            self._pending[key] = (token, job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ssp-dashboard", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def others_waiting(self, key: str) -> bool:
        """True when a job for another key is queued: idle work (``key``) should make way."""
        with self._cond:
            return any(other != key for other in self._pending)

    def quiet_for(self, seconds: float, key: str) -> bool:
        """Wait ``seconds`` unless a job for another key arrives; True if none came.

        Idle work (a page's prefetch) waits here first, so it does not take the cores from the
        browser while it is still drawing what the person asked for, and steps aside at once
        when the person asks for something new.
        """
        with self._cond:
            return not self._cond.wait_for(lambda: any(other != key for other in self._pending), seconds)

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._pending:
                    self._busy = False
                    self._thread = None
                    self._cond.notify_all()
                    return
                key = next(iter(self._pending))
                token, job = self._pending.pop(key)
                self._busy = True
            try:
                job(lambda key=key, token=token: self._tokens.get(key) != token)
            except Exception as exc:  # a job guards itself; this is the last line of defence
                log.error("Baggrundsarbejde fejlede: %s", type(exc).__name__)

    def wait(self, timeout: float = 120.0) -> bool:
        """Block until every submitted job has run (tests, benchmark); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)


class BrowserReady(anywidget.AnyWidget):
    """An invisible widget that tells the kernel when the browser has drawn the page.

    Why: a browser loads a page's widgets by asking the kernel for all their states and then
    creating the models; an update sent in between is dropped (ipywidgets ignores messages
    for a model it does not know yet), and every chart in the first state costs the browser
    about half a second of plotly before anything is shown. So the page is first shown
    without charts, and the worker draws them (and the other background parts) only after
    this widget, the page's last, has been rendered and said so.
    """

    # Also scrolls to the address's #anchor (a link from another page, e.g. Opfølgning's
    # "Årsevaluering, spørgsmål 2"): the browser looked for it before the widgets existed.
    _esm = """
    export default {
      render({ model, el }) {
        el.style.display = "none";
        model.send({ event: "rendered" });
        const id = decodeURIComponent(window.location.hash.slice(1));
        if (!id) return;
        let tries = 0;
        const find = () => {
          const target = document.getElementById(id);
          if (target) target.scrollIntoView({ block: "start" });
          else if (++tries < 40) setTimeout(find, 250);
        };
        setTimeout(find, 100);
      }
    };
    """

    def __init__(self, on_ready: Callable[[], None]) -> None:
        super().__init__()
        self.on_msg(lambda _widget, content, _buffers: on_ready() if content.get("event") == "rendered" else None)


__all__ = ["BrowserReady", "Deferred"]

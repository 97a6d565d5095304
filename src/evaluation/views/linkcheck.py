"""A button that checks the plan's web addresses with a progress bar, for any page.

``links.run`` does the work (the same as ``ssp-eval links``) in a thread of the page's
kernel, so the page stays usable while dozens of addresses are asked; the bar follows its
``progress(done, total)`` calls and the Danish conclusion replaces it when the run is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from evaluation.plan import links
from evaluation.views.common import Status, guarded

BUTTON_TEXT = "Tjek webadresserne nu"
RUNNING_TEXT = "Kontrollerer webadresserne …"
# links.RunSummary.message() ends an offline run with the CLI's advice; on a page the
# advice is the button.
CLI_ADVICE = "Kør 'ssp-eval links' igen, når maskinen er på nettet."
PAGE_ADVICE = "Tryk på knappen igen, når maskinen er på nettet."


class LinkCheck:
    """Button, progress bar and message; ``on_done()`` runs after a finished check (redraw)."""

    def __init__(self, db_path: Path, on_done: Callable[[], None] | None = None) -> None:
        self.db_path = Path(db_path)
        self.on_done = on_done
        self.status = Status()
        self.button = widgets.Button(description=BUTTON_TEXT, button_style="warning", icon="refresh",
                                     layout=widgets.Layout(width="240px"))
        self.button.add_class("ssp-run-links")
        self.button.on_click(lambda _b: self.start())
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="Fremdrift",
                                            layout=widgets.Layout(visibility="hidden", width="420px"))
        self.progress.add_class("ssp-link-progress")
        self.thread: threading.Thread | None = None
        self.widget = widgets.VBox([widgets.HBox([self.button, self.progress]), self.status.widget])

    def start(self) -> threading.Thread:
        """Start a check in a thread (one at a time per page); returns the thread."""
        if self.thread is not None and self.thread.is_alive():
            return self.thread
        self.button.disabled = True
        self.progress.value, self.progress.max = 0, 1
        self.progress.layout.visibility = "visible"
        self.status.loading(RUNNING_TEXT)
        self.thread = threading.Thread(target=self._check, name="linktjek", daemon=True)
        self.thread.start()
        return self.thread

    def _progress(self, done: int, total: int, *_rest: Any) -> None:
        self.progress.max = max(int(total), 1)
        self.progress.value = min(int(done), self.progress.max)

    def _check(self) -> None:
        message = None
        try:
            with guarded(self.status, loading=None):
                summary = links.run(self.db_path, progress=self._progress)
                message = summary.message().replace(CLI_ADVICE, PAGE_ADVICE)
                if self.on_done is not None:
                    self.on_done()
            if message:
                self.status.show(message, "warn" if summary.offline else "ok")
        finally:
            self.button.disabled = False
            self.progress.layout.visibility = "hidden"


__all__ = ["LinkCheck"]

"""The report's Jupyter kernel: this very interpreter, with no kernel registered beforehand.

papermill starts the notebook's kernel through jupyter_client, which looks kernels up by name
in the Jupyter data folders (papermill#251, #761): an installed wheel has none registered, and
a registered one may point at another Python than the one running ``ssp-eval``. Here the
kernel manager is given a kernel spec built at run time from ``sys.executable``, so the report
always computes with the same interpreter and packages as the command that asked for it —
in the editable install of ``make setup``, in a plain ``pip install``, in a service's venv.

Passed to papermill as ``kernel_manager_class`` (nbclient's ``NotebookClient`` trait);
``KERNEL_NAME`` is only a label in the executed notebook's metadata.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from traitlets import default
from traitlets.config import Config

KERNEL_NAME = "ssp-evaluering"
DISPLAY_NAME = "SSP-evaluering (denne Python)"


def this_interpreter_spec() -> KernelSpec:
    """ipykernel on ``sys.executable``: the interpreter running this code."""
    return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                      display_name=DISPLAY_NAME, language="python", metadata={"debugger": False})


class ThisInterpreterSpecs(KernelSpecManager):
    """Knows one kernel, ``KERNEL_NAME``, running on this interpreter; nothing on disk is read."""

    def find_kernel_specs(self) -> dict[str, str]:
        return {KERNEL_NAME: ""}

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name != KERNEL_NAME:
            raise NoSuchKernel(kernel_name)
        return this_interpreter_spec()


class ThisInterpreterKernelManager(AsyncKernelManager):
    """nbclient's default kernel manager, with ``ThisInterpreterSpecs`` as its spec source."""

    @default("kernel_spec_manager")
    def _this_interpreter_specs(self) -> KernelSpecManager:
        return ThisInterpreterSpecs(parent=self)


# Talk to the kernel over Unix sockets (IPC) instead of TCP on localhost: nothing listens on a
# port, and ipykernel stops warning on stderr about unencrypted TCP.
IPC_CONFIG = Config({"KernelManager": {"transport": "ipc"}})

# What the report's first cells import, and the modules its sections import when they run:
# the kernel imports them while it starts (ipykernel runs ``exec_lines`` before it answers),
# so that second of imports overlaps with the parent's own work instead of following it.
PRELOAD = ("evaluation.report.context", "evaluation.report.editions", "evaluation.plan.actors",
           "evaluation.plan.links", "evaluation.plan.phone_checks", "evaluation.plan.registry",
           "plotly.graph_objects", "plotly.io")


class EarlyKernel:
    """The report's kernel, started first and handed to papermill when the notebook runs.

    papermill starts its kernel only when it executes the notebook; by then the parent has
    imported its own modules, opened the database and started Chromium, one after another.
    Started here (``with EarlyKernel(cwd) as km``), the kernel launches and imports
    ``PRELOAD`` on the other core meanwhile. papermill gets the manager as ``km`` (nbclient
    then leaves the kernel to its owner) and the kernel is stopped at once when the block
    ends: it holds a read-only connection and nothing that needs a graceful shutdown.
    """

    def __init__(self, cwd: Path, config: Any = IPC_CONFIG) -> None:
        self.cwd = Path(cwd)
        self.manager = ThisInterpreterKernelManager(kernel_name=KERNEL_NAME, config=config)
        # With the IPC transport the sockets are files named from ``ip``, by default relative:
        # the kernel would make them in its working folder (the notebooks' folder, read-only in
        # an installed package) and the manager remove them from its own. A private folder:
        self._sockets: Path | None = None
        if self.manager.transport == "ipc":
            self._sockets = Path(tempfile.mkdtemp(prefix="ssp-rapport-kerne-"))
            self.manager.ip = str(self._sockets / "kernel-ipc")

    def __enter__(self) -> ThisInterpreterKernelManager:
        preload = "import " + ", ".join(PRELOAD)
        run_sync(self.manager.start_kernel)(cwd=str(self.cwd),
                                            extra_arguments=[f"--IPKernelApp.exec_lines={preload}"])
        return self.manager

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the kernel now (it is done once the notebook has run); again is a no-op."""
        if self.manager.has_kernel:
            run_sync(self.manager.shutdown_kernel)(now=True)
        if self._sockets is not None:
            shutil.rmtree(self._sockets, ignore_errors=True)

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

import sys

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from traitlets import default

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

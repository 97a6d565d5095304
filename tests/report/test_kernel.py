"""report/kernel.py: the report's kernel is this interpreter, found without any registered spec."""

from __future__ import annotations

import sys

import pytest
from jupyter_client.kernelspec import NoSuchKernel

from evaluation.report import kernel


def test_the_kernel_runs_on_this_interpreter() -> None:
    manager = kernel.ThisInterpreterKernelManager(kernel_name=kernel.KERNEL_NAME)
    assert manager.kernel_spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
    assert manager.kernel_spec.language == "python"


def test_no_other_kernel_is_looked_up_on_disk() -> None:
    specs = kernel.ThisInterpreterSpecs()
    assert list(specs.find_kernel_specs()) == [kernel.KERNEL_NAME]
    with pytest.raises(NoSuchKernel):
        specs.get_kernel_spec("python3")

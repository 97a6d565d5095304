"""report/kernel.py: the report's kernel is this interpreter, found without any registered spec."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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


def test_the_early_kernel_has_imported_the_report_before_the_first_cell_and_is_stopped_after(tmp_path) -> None:
    from jupyter_core.utils import run_sync

    with kernel.EarlyKernel(tmp_path) as manager:
        pid = manager.provisioner.process.pid
        client = manager.client()
        client.start_channels()
        try:
            run_sync(client.wait_for_ready)(timeout=120)
            code = (f"import sys, os; print(all(m in sys.modules for m in {list(kernel.PRELOAD)!r}), "
                    "os.getcwd())")
            printed: list[str] = []
            reply = run_sync(client.execute_interactive)(
                code, timeout=60, output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
            assert reply["content"]["status"] == "ok"
            assert "".join(printed).split() == ["True", str(tmp_path)]
        finally:
            client.stop_channels()
    assert not manager.has_kernel
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    # The IPC sockets were made in a private folder, not in the kernel's working folder
    # (the notebooks' folder of an installed package), and nothing of them is left.
    assert not list(tmp_path.iterdir())
    assert not Path(manager.ip).parent.exists()

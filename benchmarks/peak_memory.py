"""Peak resident memory of this process since it started its program (``VmHWM``).

Not ``resource.getrusage(...).ru_maxrss``: Linux keeps that high-water mark across ``execve``,
so a step run in a fresh ``subprocess`` reported its parent's peak — the storage benchmark
printed the 1M-case builder's 1,068 MB for every step. ``VmHWM`` belongs to the process's
current memory map, which ``execve`` replaces.
"""

from __future__ import annotations

from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (1024² bytes), from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("/proc/self/status has no VmHWM line (not Linux?)")

"""Fixtures for the storage tests that need the real operating system, not a simulation.

- ``small_disk(size_mb, script, *args)``: runs a Python script in a private mount namespace
  with a real tmpfs of ``size_mb`` mounted on a fresh folder (``sys.argv[1]``), so a full disk
  is the kernel's own ENOSPC, not a mocked exception. The mount vanishes with the process.
- ``run_as(uid, gid, groups, script, *args)``: runs a Python script as another user, for
  permissions (mode, group, owner) checked by the kernel.

Both need root or unprivileged user namespaces. Where neither is available the test fails
with the reason (it never passes or skips silently): CI runs as root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
# Imported before a child drops root (run_as): the standard library may be unreadable afterwards.
PRELOAD = ("import base64, grp, hashlib, json, pwd, shutil, tempfile, duckdb, fcntl, pandas\n"
           "import evaluation.store.db, evaluation.store.backup, evaluation.store.restore, evaluation.plan.registry\n"
           "import evaluation.errors, evaluation.settings, evaluation.store.migrate\n"
           "evaluation.store.migrate.known()  # reads the package's migrations folder once, cached")


def _unshare_prefix() -> list[str]:
    if os.geteuid() == 0:
        return ["unshare", "--mount", "--propagation", "private"]
    return ["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """``small_disk(size_mb, script, *args) -> dict``: the script's last stdout line, as JSON."""
    if shutil.which("unshare") is None:
        pytest.fail("util-linux 'unshare' is needed to mount a small real disk (apt-get install util-linux)")

    def run(size_mb: int, script: str, *args: str, mount_options: str = "") -> dict[str, Any]:
        folder = tmp_path / f"disk-{len(list(tmp_path.glob('disk-*')))}"
        folder.mkdir()
        code = tmp_path / "scenario.py"
        code.write_text(textwrap.dedent(script), encoding="utf-8")
        options = f"size={size_mb}m" + (f",{mount_options}" if mount_options else "")
        shell = (f'mount -t tmpfs -o {options} tmpfs "$1" && shift && '
                 f'exec "{sys.executable}" "{code}" "$@"')
        done = subprocess.run([*_unshare_prefix(), "sh", "-c", shell, "sh", str(folder), str(folder), *args],
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(SRC)})
        if done.returncode != 0 or not done.stdout.strip():
            pytest.fail(f"the small-disk scenario failed (rc {done.returncode}):\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    return run


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder other users can reach (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="ssp-deling-"))
    os.chmod(folder, 0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# The users and groups of the permission tests. They exist only inside the test's own mount
# namespace (bind-mounted over /etc/passwd and /etc/group), never on the machine itself.
USERS = {4001: "tjeneste", 4002: "konsulent", 4003: "anden"}
GROUPS = {4242: ("ssp", ["tjeneste", "konsulent"]), 4343: ("andre", ["anden", "konsulent"])}


@pytest.fixture
def run_as(shared_dir: Path) -> Callable[..., subprocess.CompletedProcess]:
    """``run_as(uid, script, *args)``: the script run as that user (groups from GROUPS), in ``shared_dir``."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.fail("running as other users needs root and 'unshare' (CI runs the suite as root)")
    etc = shared_dir / ".etc"
    etc.mkdir()
    with open("/etc/passwd", encoding="utf-8") as real:
        passwd = real.read() + "".join(f"{name}:x:{uid}:{uid}::{shared_dir}:/bin/sh\n" for uid, name in USERS.items())
    with open("/etc/group", encoding="utf-8") as real:
        group = real.read() + "".join(f"{name}:x:{gid}:{','.join(members)}\n" for gid, (name, members) in GROUPS.items())
        group += "".join(f"{name}:x:{uid}:\n" for uid, name in USERS.items())
    (etc / "passwd").write_text(passwd, encoding="utf-8")
    (etc / "group").write_text(group, encoding="utf-8")

    def run(uid: int, script: str, *args: str) -> subprocess.CompletedProcess:
        code = shared_dir / f"as-{uid}.py"
        code.write_text(textwrap.dedent(script), encoding="utf-8")
        os.chmod(code, 0o644)
        groups = [gid for gid, (_, members) in GROUPS.items() if USERS[uid] in members]
        # The interpreter may live where other users cannot read it (pyenv under /root), so the
        # child starts as root, imports what it needs, then becomes the user for good before
        # running the script: every file operation of the script is checked for that user.
        become = (f"{PRELOAD}\nimport os, sys\nsys.argv = sys.argv[1:]\ncode = open(sys.argv[0]).read()\n"
                  f"os.setgroups({groups!r}); os.setgid({uid}); os.setuid({uid})\n"
                  "exec(compile(code, sys.argv[0], 'exec'), {'__name__': '__main__'})")
        shell = (f'mount --bind "{etc}/passwd" /etc/passwd && mount --bind "{etc}/group" /etc/group && '
                 f'exec "{sys.executable}" -c "$0" "$@"')
        return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", shell, become,
                               str(code), *args], capture_output=True, text=True, timeout=120, cwd=shared_dir,
                              env={"PATH": os.environ.get("PATH", ""), "HOME": str(shared_dir),
                                   "PYTHONPATH": str(SRC)})

    return run

"""A plain install works: the wheel, installed outside the source tree, runs every command.

The wheel is built once per session from this tree (``pip wheel``, hatchling) and installed
into a fresh virtual environment in a temporary folder, with no Jupyter kernel registered
anywhere it could find (``JUPYTER_PATH``, ``JUPYTER_DATA_DIR`` and ``HOME`` point at empty
folders). Every command runs with its working directory outside the tree. Nothing may come
from the source tree: the package, the schema, the plan seed, the dashboards and the report
notebook must all be inside the wheel.

The third-party packages are the development environment's, made visible to the fresh
environment by one ``.pth`` line (its site-packages folder as a plain path, so its own
``.pth`` files — the editable install of this tree among them — are not run), with their
data files (templates) linked in, but no Jupyter kernel spec. A full
dependency resolution from the package index took 5½ minutes here, too slow for every CI run;
``test_the_wheel_declares_every_package_it_imports`` checks instead that the wheel's metadata
names every distribution the code imports.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "evaluation"


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this tree, built once per session (no build isolation: hatchling is a test dependency)."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                           "--no-index", "-w", str(out), str(REPO)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    [built] = out.glob("ssp_evaluering-*.whl")
    return built


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh venv with the wheel installed; returns the environment to run its commands in."""
    root = tmp_path_factory.mktemp("plain-install")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                           "--quiet", "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "_dev_env_packages.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    _link_data_files(Path(sys.prefix), venv)
    home, jupyter = root / "home", root / "jupyter"
    home.mkdir()
    jupyter.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "JUPYTER_PATH": str(jupyter),
           "JUPYTER_DATA_DIR": str(jupyter), "JUPYTER_CONFIG_DIR": str(jupyter), "LANG": "C.UTF-8",
           "TMPDIR": os.environ.get("TMPDIR", "/tmp"), "VENV": str(venv), "WORK": str(root)}
    return env


def _link_data_files(dev: Path, venv: Path) -> None:
    """The data files pip would have installed with the dependencies (nbconvert's and Voilà's
    templates under share/jupyter, their config under etc/jupyter) — but no kernel spec: the
    report must run without one (``kernels`` is left out on purpose)."""
    for part in ("share/jupyter", "etc/jupyter"):
        source = dev / part
        if not source.is_dir():
            continue
        target = venv / part
        target.mkdir(parents=True, exist_ok=True)
        for entry in source.iterdir():
            if entry.name != "kernels":
                (target / entry.name).symlink_to(entry)


def run(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run([str(Path(env["VENV"]) / "bin" / "ssp-eval"), *args], capture_output=True, text=True,
                          env=env, cwd=env["WORK"], timeout=timeout)
    assert done.returncode == 0, f"ssp-eval {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done


def test_the_wheel_carries_the_shipped_folders(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("evaluation/_shipped/schema.sql", "evaluation/_shipped/plan.yaml",
                     "evaluation/_shipped/notebooks/aarsrapport.ipynb",
                     "evaluation/_shipped/dashboards/aarsevaluering.ipynb",
                     "evaluation/store/migrations/0001_baseline.sql", "evaluation/report/templates/report/index.html.j2"):
        assert required in names, required
    for notebook in (REPO / "dashboards").glob("*.ipynb"):
        assert f"evaluation/_shipped/dashboards/{notebook.name}" in names


def test_the_installed_package_reads_nothing_from_the_source_tree(installed: dict[str, str]) -> None:
    code = ("import evaluation, evaluation.settings as s, evaluation.store.migrate as m; "
            "print(evaluation.__file__); print(s.SCHEMA_PATH); print(s.PLAN_SEED_PATH); "
            "print(s.DASHBOARDS_DIR); print(s.NOTEBOOKS_DIR); print(m.latest())")
    done = subprocess.run([str(Path(installed["VENV"]) / "bin" / "python"), "-c", code], capture_output=True,
                          text=True, env=installed, cwd=installed["WORK"], check=True)
    paths = done.stdout.split()[:5]
    assert all(p.startswith(installed["VENV"]) for p in paths), paths
    assert all(Path(p).exists() for p in paths)


def test_init_demo_report_actioncard_and_dashboard_from_the_plain_install(installed: dict[str, str],
                                                                         free_port) -> None:
    work = Path(installed["WORK"])
    data = work / "data"
    data.mkdir()
    assert "Databasen er klar" in run(installed, "init", "--db", str(data / "ny.duckdb")).stdout
    demo_db = data / "demo.duckdb"
    run(installed, "demo", "--db", str(demo_db), "--cases", "120")
    report = run(installed, "report", "--db", str(demo_db), "--year", "2025", "--out", str(work / "rapporter"))
    html = work / "rapporter" / "aarsevaluering-2025-team.html"
    assert html.exists() and "Årsevaluering" in html.read_text(encoding="utf-8")
    assert f"Skrev {html}" in report.stdout
    for folder in (Path(installed["JUPYTER_PATH"]), Path(installed["VENV"]) / "share" / "jupyter"):
        assert not list(folder.rglob("kernel.json")), "no kernel spec exists, none was registered on the way"
    run(installed, "actioncard", "--db", str(demo_db), "--out", str(work / "kort"))
    assert (work / "kort" / "actioncard.html").exists()

    port = free_port()
    server = subprocess.Popen([str(Path(installed["VENV"]) / "bin" / "ssp-eval"), "dashboard", "--db", str(demo_db),
                               "--port", str(port)], env=installed, cwd=work, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        page = None
        for _ in range(600):
            assert server.poll() is None, server.communicate()[0]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/render/aarsevaluering.ipynb",
                                            timeout=120) as response:
                    page = response.read().decode("utf-8")
                    break
            except OSError:
                time.sleep(0.2)
        assert page is not None and "Årsevaluering" in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)


def _imported_top_levels() -> set[str]:
    """Every top-level module the package imports (at module level or inside functions)."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - {"evaluation", "__future__"} - set(sys.stdlib_module_names)


def test_the_wheel_declares_every_package_it_imports(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        [meta] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(meta).decode("utf-8"))
    declared = {req.split(";")[0].split("[")[0].split(">")[0].split("<")[0].split("=")[0].split("!")[0].strip().lower()
                .replace("_", "-") for req in metadata.get_all("Requires-Dist") or [] if "extra ==" not in req}
    providers = importlib.metadata.packages_distributions()
    # Imports that come with a declared package: jupyter_client/traitlets/nbclient with papermill
    # and voila, markupsafe with jinja2 — still listed where the code uses them directly.
    missing = {}
    for module in sorted(_imported_top_levels()):
        dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        assert dists, f"{module} is imported but installed by no distribution"
        if not dists & declared:
            missing[module] = sorted(dists)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"

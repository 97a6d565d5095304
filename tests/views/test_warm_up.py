"""The pre-heated kernel's warm-up (views/warm_up.py): it pays plotly's, pandas' and scipy's first uses
before the request, and reads no database (a page never shows data older than the request)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_CHECK = """
import json, sys
import plotly.io as pio
from evaluation.views import warm_up
before = type(pio.templates._templates.get("plotly_white")).__name__
warm_up.warm_up()
print(json.dumps({"template_before": before,
                  "template_after": type(pio.templates._templates.get("plotly_white")).__name__,
                  "heatmap": "plotly.graph_objs._heatmap" in sys.modules,
                  "scipy_stats": "scipy.stats" in sys.modules}))
"""


def test_warm_up_loads_plotly_template_and_traces_without_touching_the_database(tmp_path: Path) -> None:
    database = tmp_path / "ingen.duckdb"
    env = dict(os.environ, SSP_EVAL_DB=str(database))
    run = subprocess.run([sys.executable, "-c", _CHECK], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["template_before"] == "object"  # plotly loads its templates lazily …
    assert seen["template_after"] == "Template"  # … the warm-up made it load the house template
    assert seen["heatmap"] is True
    assert seen["scipy_stats"] is True  # the KPI cards' tests: ~0.6 s of a first view otherwise
    assert list(tmp_path.iterdir()) == [], "the warm-up must not create or open a database"
    assert "Opvarmning" not in run.stderr  # no failure logged

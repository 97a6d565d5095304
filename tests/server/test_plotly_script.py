"""The server's plotly.js for the pages' charts (``handlers.PlotlyScript``), and no second copy.

Voilà loaded the jupyterlab-plotly extension on every page (its 4.8 MB bundle compiled before
the first content); the pages now fetch the plotly package's own copy from our server, once,
when a chart is drawn (``views/figure_view.py``).
"""

from __future__ import annotations

import json
import re

import httpx
from plotly.offline import get_plotlyjs, get_plotlyjs_version
from serverkit import RunningServer, xsrf_client

from evaluation.settings import PLOTLY_SCRIPT_PATH
from evaluation.views.figure_view import FigureView


def test_the_server_serves_the_plotly_package_script_compressed_and_cacheable(local_server: RunningServer) -> None:
    client = xsrf_client(local_server)
    response = client.get(f"/{PLOTLY_SCRIPT_PATH}?v={get_plotlyjs_version()}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert int(response.headers["Content-Length"]) < len(get_plotlyjs().encode()) / 2
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert "immutable" in response.headers["Cache-Control"]
    assert response.text == get_plotlyjs()  # httpx undoes the gzip: the package's copy, unchanged


def test_the_charts_ask_for_that_script_with_its_version() -> None:
    assert f"{PLOTLY_SCRIPT_PATH}?v={get_plotlyjs_version()}" in FigureView._esm


def test_pages_do_not_load_the_jupyterlab_plotly_extension(local_server: RunningServer) -> None:
    page = httpx.get(local_server.url("/voila/render/indlaes.ipynb"), timeout=120).text
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  page, re.S).group(1))
    names = [extension["name"] for extension in config["federated_extensions"]]
    assert "anywidget" in names  # the charts' own widget is loaded …
    assert "jupyterlab-plotly" not in names  # … the extension with a second plotly.js is not

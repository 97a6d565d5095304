"""spreadsheets.py: no CSV or .xlsx the product writes can run a formula in Excel (OWASP)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from evaluation import spreadsheets
from evaluation.ingest import template

DANGEROUS = ['=HYPERLINK("http://x","Klik")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1",
             "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_formula_becomes_text(value: str) -> None:
    assert spreadsheets.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Sindal", "-3", "+45", "12-14", "3,5", "", None, 7, 2.5, " =ikke i starten"])
def test_ordinary_values_and_plain_numbers_are_left_alone(value: object) -> None:
    assert spreadsheets.neutralise(value) == value


def test_frame_downloads_neutralise_cells_and_headings() -> None:
    frame = pd.DataFrame({"Erfaringer": DANGEROUS, "=Overskrift": [1] * len(DANGEROUS),
                          "Tal": [-1.5] * len(DANGEROUS)})
    text = spreadsheets.frame_csv_bytes(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Erfaringer", "'=Overskrift", "Tal"]
    assert all(row[0].startswith("'") for row in rows[1:]) and rows[1][2] == "-1,5"
    sheet = openpyxl.load_workbook(io.BytesIO(spreadsheets.xlsx_bytes(frame, "Udforsk")))["Udforsk"]
    cells = [sheet.cell(row=r, column=1) for r in range(2, len(DANGEROUS) + 2)]
    assert all(c.data_type == "s" and c.value.startswith("'") for c in cells), "no cell is a formula"
    assert sheet.cell(row=1, column=2).value == "'=Overskrift"


def test_the_template_offers_a_formula_looking_network_as_text(tmp_path: Path) -> None:
    xlsx, written_csv = template.write_templates(tmp_path, networks=["=Netværk", "Sindal"])
    lists = openpyxl.load_workbook(xlsx)["Lister"]
    values = [c.value for row in lists.iter_rows() for c in row if c.value]
    assert "'=Netværk" in values and "=Netværk" not in values
    assert ";'=Netværk;" in written_csv.read_bytes().decode("utf-8-sig")


def test_views_download_links_go_through_the_neutraliser() -> None:
    import base64
    import re

    from evaluation.views.common import download_links

    html = download_links(pd.DataFrame({"Aktør": ["=1+1"]}), "udforsk")
    payload = re.search(r'href="data:text/csv[^,]*,([^"]+)"', html) or re.search(r"base64,([A-Za-z0-9+/=]+)", html)
    assert payload
    decoded = base64.b64decode(payload.group(1)).decode("utf-8-sig")
    assert "'=1+1" in decoded

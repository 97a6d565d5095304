"""report.html: the document model as HTML, charts fitted to the printed page."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from evaluation.report import html, model


def test_fitting_a_chart_for_print_keeps_its_data_and_wraps_long_labels() -> None:
    """Numbers travel as plotly's typed arrays (dtype/bdata) through the model's JSON; only
    lists of text labels are wrapped (a typed array once became the labels 'dtype', 'bdata')."""
    fig = go.Figure(go.Bar(x=np.array([0.89, 0.91, 0.92]), y=["Vrå", "Løkken", "B – Trusler, afpresning, seksuel "
                                                                "krænkelse eller hævn"], orientation="h"))
    block = model.figure("graf-test", fig, "En test.")
    fitted = html.fit_for_print(block.figure)
    assert list(fitted.data[0].x) == [0.89, 0.91, 0.92]
    assert fitted.data[0].y[:2] == ("Vrå", "Løkken") and "<br>" in fitted.data[0].y[2]
    assert fitted.layout.width == html.FIGURE_WIDTH_PX and fitted.layout.height <= html.FIGURE_HEIGHT_PX


def test_text_from_the_data_is_escaped_and_tables_keep_their_ids() -> None:
    doc = model.Document("Titel", "Udgave", "team", ["<b>linje</b>"], [
        model.Section("Afsnit", "afsnit").add(model.Paragraph("a < b & c"),
                                              model.table("tabel-x", ["Navn", "Antal"], [["<script>", "3"]],
                                                          numeric=(1,), row_headings=True))])
    out = str(html.document_html(doc))
    assert "<script>" not in out and "&lt;script&gt;" in out and "a &lt; b &amp; c" in out
    assert '<table id="tabel-x">' in out and '<td class="tal">3</td>' in out
    assert '<a href="#afsnit">1. Afsnit</a>' in out and '<h2>1. Afsnit</h2>' in out

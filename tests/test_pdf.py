"""evaluation.pdf: HTML printed by Debian's Chromium, in a thread of its own, failures in Danish."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from evaluation import pdf

HTML = "<html><body><h1>Actioncard</h1><p>Én side.</p></body></html>"


def _print(page) -> bytes:
    return page.pdf(format="A4")


def test_a_page_is_printed_to_pdf() -> None:
    data = pdf.in_chromium(HTML, _print)
    assert data.startswith(b"%PDF") and len(data) > 500


def test_printing_works_from_inside_an_asyncio_loop_as_in_a_kernel() -> None:
    """Playwright's sync API refuses to run inside a loop; a Voilà kernel has one."""
    async def in_kernel() -> bytes:
        return pdf.in_chromium(HTML, _print)

    assert asyncio.run(in_kernel()).startswith(b"%PDF")


def test_a_missing_chromium_is_said_in_danish(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf, "CHROMIUM", tmp_path / "chromium")
    with pytest.raises(pdf.PrintError, match="Chromium findes ikke på .*make browser"):
        pdf.in_chromium(HTML, _print)


def test_a_failing_print_is_said_in_danish_without_playwrights_english() -> None:
    def broken(page) -> bytes:
        return page.pdf(format="Ikke-et-format")

    with pytest.raises(pdf.PrintError) as caught:
        pdf.in_chromium(HTML, broken)
    assert str(caught.value) == "Chromium kunne ikke udskrive siden. Prøv igen."

"""``FigureView.predraw``: what a chart area sends the browser to draw aside (spare drawings)."""

from __future__ import annotations

import pytest

from evaluation.views.figure_view import SPARES, FigureView, prepare, spec_key


def bar(n: int) -> dict:
    return {"data": [{"type": "bar", "x": ["a"], "y": [n]}], "layout": {"title": {"text": f"Figur {n}"}}}


@pytest.fixture
def area(monkeypatch: pytest.MonkeyPatch) -> tuple[FigureView, list[dict]]:
    sent: list[dict] = []
    monkeypatch.setattr(FigureView, "send", lambda self, content, buffers=None: sent.append(content))
    return FigureView(), sent


def test_the_key_is_the_content() -> None:
    assert prepare(bar(1)).key == prepare(bar(1)).key == spec_key(prepare(bar(1)).spec)
    assert prepare(bar(1)).key != prepare(bar(2)).key


def test_nothing_goes_ahead_before_the_browser_has_drawn_the_area(area) -> None:
    view, sent = area
    view.show(bar(1))
    assert not view.predraw(bar(2)) and sent == []


def test_a_figure_goes_ahead_once_and_never_the_one_shown(area) -> None:
    view, sent = area
    view.show(bar(1))
    view._handle_custom_msg({"event": "drawn", "revision": view.revision}, [])
    assert not view.predraw(bar(1))  # shown now
    assert view.predraw(bar(2)) and not view.predraw(prepare(bar(2)))
    assert sent == [{"event": "predraw", "key": prepare(bar(2)).key, "figure": prepare(bar(2)).spec}]
    view.show(prepare(bar(2)))
    assert view.key == prepare(bar(2)).key  # the browser swaps the spare in by this key


def test_the_kernel_remembers_as_many_as_a_browser_keeps(area) -> None:
    view, sent = area
    view.show(bar(0))
    view._handle_custom_msg({"event": "drawn", "revision": view.revision}, [])
    for n in range(1, SPARES + 2):
        assert view.predraw(bar(n))
    assert view.predraw(bar(1))  # forgotten, as the browser has dropped its oldest spare
    assert not view.predraw(bar(SPARES + 1))

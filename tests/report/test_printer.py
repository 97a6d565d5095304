"""report/printer.py: the parts of printing that need no browser."""

from __future__ import annotations

from evaluation.report import printer


def test_the_plotly_script_is_found_with_its_attributes_in_any_order() -> None:
    head = "<html><head><title>x</title></head><body><p>a</p>"
    for tag in ('<script id="plotly-js" charset="utf-8">', '<script charset="utf-8" id="plotly-js">'):
        assert printer._without_plotly_js(f"{head}{tag}var Plotly = 1;</script><p>b</p></body></html>") == \
            f"{head}<p>b</p></body></html>"
    assert printer._without_plotly_js(f"{head}<script>var x;</script></body></html>") is None


def test_the_early_imports_leave_a_failure_to_the_step_that_needs_them(monkeypatch) -> None:
    # The thread that imports nbconvert and python-docx early must not print an English
    # traceback when one is missing: the .docx step imports again and says so in Danish.
    import sys

    from evaluation.report import render

    monkeypatch.delitem(sys.modules, "evaluation.report.word", raising=False)
    monkeypatch.setitem(sys.modules, "docx", None)
    render._import_later_steps()  # raises ImportError without the guard

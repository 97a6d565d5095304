"""What every page must show on its first view, before anyone clicks (issue 13, item 1).

A helper for the browser tests, not a test module. Udforsk and Mødenoter once showed an empty
chart area on first load (the figure was drawn into an output area that had no height yet)
and Udforsk's year box was blank (a dropdown valued None), until something was changed; the
browser tests took their screenshots only after an interaction, so they missed it. So every
page is checked as it first appears: every chart area holds a drawn figure, every dropdown
shows a choice, nothing still says "Henter …".
"""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

# Chart areas each page has (at least): a page that loses one fails here.
CHART_AREAS = {"aarsevaluering": 7, "netvaerk": 2, "udforsk": 1, "moedenoter": 1}

_STATE = """() => {
  const outputs = [...document.querySelectorAll('.ssp-figure')];  // a chart area (views/figure_view.py)
  const drawn = (o) => {
    const plot = o.querySelector('.ssp-figure-plot');  // the shown drawing (not a spare)
    if (!plot || plot.getBoundingClientRect().height < 50) return false;
    return plot.querySelectorAll('.trace, .point, .hm, .annotation-text').length > 0;
  };
  const label = (e) => (e.closest('.widget-inline-hbox, .widget-box, .lm-Widget') || e).innerText.slice(0, 80);
  return {
    areas: outputs.length,
    empty: outputs.filter((o) => !drawn(o)).map((o) => (o.querySelector('.ssp-figure-plot .gtitle') || o).textContent.slice(0, 80)),
    blank_selects: [...document.querySelectorAll('select')]
      .filter((s) => s.selectedIndex < 0 || !s.options[s.selectedIndex].text.trim()).map(label),
    loading: [...document.querySelectorAll('.ssp-loading')].filter((e) => e.offsetParent !== null)
      .map((e) => e.innerText),
  };
}"""


def first_view_state(page: Page, timeout_ms: float, key: str | None = None) -> dict:
    """The page's state once its charts (at least ``CHART_AREAS[key]``) are drawn and nothing
    loads, or when ``timeout_ms`` ran out."""
    minimum = CHART_AREAS.get(key or "", 0)
    done = (f"() => {{ const s = ({_STATE})(); return s.areas >= {minimum} && s.empty.length === 0 "
            "&& s.loading.length === 0; }")
    try:
        page.wait_for_function(done, timeout=timeout_ms)
    except PlaywrightError:
        pass  # the caller's assertions say what is missing
    return page.evaluate(_STATE)


def assert_first_view_is_complete(page: Page, key: str, timeout_ms: float) -> None:
    """Every chart area drawn, every dropdown showing a choice, nothing still loading."""
    state = first_view_state(page, timeout_ms, key)
    assert state["areas"] >= CHART_AREAS.get(key, 0), (key, state)
    assert state["empty"] == [], f"{key}: tomme figurområder ved første visning: {state['empty']}"
    assert state["blank_selects"] == [], f"{key}: tomme valgfelter ved første visning: {state['blank_selects']}"
    assert state["loading"] == [], f"{key}: stadig 'Henter' ved første visning: {state['loading']}"

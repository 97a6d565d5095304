"""The dashboard pages' widget logic, without Jupyter: build a view on a test database,
change widget values or click buttons as a user would, and check what the page shows
against the library's own answer for the same question."""

from __future__ import annotations

import base64
import io
import re
import threading
from types import SimpleNamespace
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from evaluation.store import db
from evaluation.analysis import explore, kpis
from evaluation.plan import notes
from evaluation.analysis.filters import Filters
from evaluation.views import common, plan_sections
from evaluation.views.aarsevaluering import AarsevalueringView
from evaluation.views.common import ALL, figure_title
from evaluation.views.experience import kpi_value_text
from evaluation.views.figure_view import FigureView
from evaluation.views.moedenoter import MoedenoterView
from evaluation.views.aarsrapport import AarsrapportView
from evaluation.views.netvaerk import NetvaerkView
from evaluation.views.udforsk import NONE, UdforskView
from evaluation.views.worker import BrowserReady, Deferred

TODAY = date(2026, 3, 1)

# Nord and Syd report in 2024 and 2025; names of outside organisations for question 4.
ROWS: list[dict] = [
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-01", "situation": "B", "politianmeldt": True,
     "vurdering": ["politisag"], "aktoerer": ["Cyberhus", "Red Barnet SletDet"],
     "erfaringer": "SletDet hjalp hurtigt."},
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-03", "aktoerer": ["cyberhus"]},
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-05", "situation": "B", "platforme": ["snapchat"]},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-02", "aktoerer": ["Foreningen Far"],
     "erfaringer": "Forældrene blev inddraget samme dag."},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-06"},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-09", "institutionstype": "efterskole"},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-10", "situation": "B"},
    {"netvaerk": "Nord", "indberetningsmaaned": "2024-04"},
    {"netvaerk": "Syd", "indberetningsmaaned": "2024-08", "situation": "B"},
    {"netvaerk": "Vest", "indberetningsmaaned": "2024-02"},
]


@pytest.fixture
def view_db(case_db: Callable[..., Path], set_registry_networks: Callable[..., None]) -> Path:
    path = case_db(ROWS, name="views.duckdb")
    db.init(path)  # the plan registry (policies, roles, actors, addresses)
    set_registry_networks(path, ["Nord", "Syd", "Vest"])  # the networks the cases come from
    return path


@pytest.fixture
def page(view_db: Path) -> AarsevalueringView:
    view = AarsevalueringView(view_db, today=TODAY)
    assert view.ready and view.wait(60)
    return view


def expected_kpis(path: Path, filters: Filters):
    with db.reader(path) as con:
        return kpis.kpis(con, filters, today=TODAY).set_index("key")


def card(view: AarsevalueringView, key: str) -> str:
    """The value text inside one KPI card's HTML (what the browser shows)."""
    match = re.search(rf'data-kpi="{key}".*?class="ssp-kpi-value">([^<]*)<', view.experience.cards.value, re.S)
    assert match, key
    return match.group(1)


# --- Årsevaluering ------------------------------------------------------------------------

def test_aarsevaluering_shows_every_section_with_kpis_from_the_query_layer(page: AarsevalueringView,
                                                                           view_db: Path) -> None:
    assert page.filter_bar.year.value == 2025  # the newest year with cases
    expected = expected_kpis(view_db, Filters(year=2025))
    assert card(page, "cases") == "7" == str(int(expected.loc["cases", "numerator"]))
    assert card(page, "share_B") == kpi_value_text({**expected.loc["share_B"].to_dict()}) == "43\u00a0%"
    for verdict in expected["verdict"]:
        assert verdict in page.experience.cards.value
    assert "2024: 3" in page.experience.cards.value  # last year, never a bare arrow
    titles = [figure_title(o) for o in (page.experience.kpi_chart, page.experience.trend_chart,
                                        page.experience.heatmap, page.experience.platforms,
                                        page.experience.outcomes, page.experience.completeness)]
    assert all(titles), titles
    assert "Skolernes ordensregler" in page.policies.table.value
    assert "<td>Ledelse</td>" in page.key_persons.roles_table.value
    assert "Mangler" in page.key_persons.roles_table.value  # no key person verified yet
    assert "datatilsynet.dk" in page.addresses.table.value
    assert "Cyberhus" in page.actors.table.value and "Red Barnet SletDet" not in page.actors.table.value
    assert "Vest" in page.experience.no_export.value  # reported in 2024, not in 2025
    assert "SletDet hjalp hurtigt." in page.experience.learnings.value
    statuses = [s.status.text for s in (page.policies, page.key_persons, page.addresses, page.actors,
                                        page.experience)] + [page.experience.chart_status.text]
    assert statuses == [""] * 6


def test_networks_without_export_follow_a_new_load_though_a_network_change_reuses_them(
        page: AarsevalueringView, view_db: Path) -> None:
    """The list is kept per year and database version (a network change does not re-read it):
    a case for Vest written after the page was built must take Vest off the list."""
    assert "Vest" in page.experience.no_export.value
    page.filter_bar.network.value = "Nord"
    assert page.wait(60) and "Vest" in page.experience.no_export.value  # the same year: still listed
    with db.writer(view_db) as con:
        con.execute("""INSERT INTO case_versions SELECT * REPLACE ('Vest' AS netvaerk, sags_id || '-V' AS sags_id)
                       FROM case_versions WHERE year(indberetningsmaaned) = 2025 LIMIT 1""")
    page.filter_bar.network.value = "Syd"
    assert page.wait(60)
    assert "Vest" not in page.experience.no_export.value


def test_network_filter_changes_the_kpi_cards_to_the_query_layers_values(page: AarsevalueringView,
                                                                         view_db: Path) -> None:
    page.filter_bar.network.value = "Syd"
    assert page.wait(60)
    expected = expected_kpis(view_db, Filters(year=2025, networks=("Syd",)))
    assert card(page, "cases") == "4" == page.experience.card_value("cases")
    assert card(page, "police_reports") == kpi_value_text(expected.loc["police_reports"].to_dict())
    assert page.experience.kpi_frame.equals(expected.reset_index()[page.experience.kpi_frame.columns])
    assert "SletDet hjalp hurtigt." not in page.experience.learnings.value  # Nord's learning is gone
    assert "Nord" not in page.key_persons.roles_table.value
    page.filter_bar.situation.value = "B"
    page.filter_bar.network.value = ALL
    assert card(page, "cases") == "3"


def test_year_filter_drives_plan_sections(page: AarsevalueringView) -> None:
    page.filter_bar.year.value = 2024
    assert page.wait(60)
    assert "Vurdering 2024" in page.policies.table.value
    assert card(page, "cases") == "3"
    assert "Cyberhus" not in page.actors.table.value  # named only in 2025 cases


def test_search_in_learnings(page: AarsevalueringView) -> None:
    page.experience.search.value = "forældrene"
    assert "Forældrene blev inddraget" in page.experience.learnings.value
    assert "SletDet hjalp" not in page.experience.learnings.value
    page.experience.search.value = "findes ikke"
    assert "Ingen erfaringer matcher" in page.experience.learnings.value


def test_saving_a_policy_judgement_from_the_form(page: AarsevalueringView, view_db: Path) -> None:
    section = page.policies
    section.policy.value = "skolernes_ordensregler"
    section.judgement.value = "skal_tilpasses"
    section.note.value = "Digitale krænkelser skal nævnes."
    section.save_button.click()
    assert section.status.text == "Vurderingen er gemt."
    assert "Skal tilpasses" in section.table.value and "Digitale krænkelser skal nævnes." in section.history.value
    assert section.note.value == ""
    with db.reader(view_db) as con:
        saved = notes.policy_status(con, 2025).set_index("policy_id").loc["skolernes_ordensregler"]
    assert saved["judgement"] == "skal_tilpasses"


def test_refused_save_shows_the_danish_reason(page: AarsevalueringView) -> None:
    page.policies.policy.value = "skolernes_ordensregler"
    page.policies.note.value = "Aftalt med Mette."
    page.policies.save_button.click()
    assert "personoplysninger" in page.policies.status.text and "Mette" not in page.policies.status.text


def test_verifying_a_key_person_and_recording_an_exercise(page: AarsevalueringView, view_db: Path) -> None:
    section = page.key_persons
    section.network.value = "Nord"
    section.role.value = "ledelse"
    section.verified_on.value = date(2025, 10, 1)
    section.person.value = "Skoleleder"
    section.verify_button.click()
    assert section.status.text == "Bekræftelsen er gemt.", section.status.text
    assert "Skoleleder" in section.roles_table.value and "01.10.2025" in section.roles_table.value
    section.ex_network.value = "Syd"
    section.ex_held_on.value = date(2025, 9, 15)
    section.ex_teachers.value, section.ex_new.value = 6, 2
    section.exercise_button.click()
    assert section.status.text == "Øvelsen er gemt.", section.status.text
    assert "15.09.2025" in section.exercise_table.value
    section.ex_new.value = 9  # more new teachers than teachers: refused by keypersons
    section.exercise_button.click()
    assert "kan ikke være større" in section.status.text


def test_accepting_a_new_actor_moves_it_into_the_registry(page: AarsevalueringView, view_db: Path) -> None:
    section = page.actors
    assert section.frame["candidate"].tolist()[0] == "Cyberhus"  # two cases: first
    section.candidate.value = "Cyberhus"
    section.kind.value = "ngo"
    section.accept_new_button.click()
    section.confirmation.yes.click()  # decisions are confirmed (actor_section.py)
    assert section.status.text == "»Cyberhus« er tilføjet planen som ny aktør.", section.status.text
    with db.reader(view_db) as con:
        added = con.execute("SELECT kind, in_plan FROM actors WHERE name = 'Cyberhus'").fetchall()
        history = con.execute("SELECT count(*) FROM registry_history WHERE table_name = 'actors' "
                              "AND action = 'insert'").fetchall()
    assert added == [("ngo", True)] and history == [(1,)]
    assert "Cyberhus" not in list(section.frame["candidate"])
    section.candidate.value = "Foreningen Far"
    section.reason.value = "Ikke relevant for planen"
    section.dismiss_button.click()
    section.confirmation.yes.click()
    assert section.frame.empty and "Ingen nye aktører" in section.table.value


def test_a_save_while_the_background_worker_reads_shows_the_saved_state(page: AarsevalueringView) -> None:
    """DuckDB hands a second connection in one process the instance already open: without the
    page's read gate, the reload after a save would read the file from before the save."""
    holding, release = threading.Event(), threading.Event()
    replaced_while_held: list[bool] = []
    before = page.db_path.stat().st_ino

    def hold_a_reader(stale) -> None:
        with common.reader(page.db_path):
            holding.set()
            release.wait(60)

    def release_after_the_save() -> None:
        """Let the reader go only once the save has replaced the file: the race is certain."""
        for _ in range(600):
            if page.db_path.stat().st_ino != before:
                replaced_while_held.append(True)
                break
            time.sleep(0.1)
        release.set()

    page.deferred.submit("hold", hold_a_reader)
    assert holding.wait(30), "the background reader never started"
    watcher = threading.Thread(target=release_after_the_save)
    watcher.start()
    page.actors.candidate.value = "Cyberhus"
    page.actors.accept_new_button.click()
    page.actors.confirmation.yes.click()  # decisions are confirmed (actor_section.py)
    watcher.join(70)
    assert replaced_while_held == [True], "the save did not happen while the reader was open"
    assert page.actors.status.text == "»Cyberhus« er tilføjet planen som ny aktør."
    assert "Cyberhus" not in [label for label, _ in page.actors.candidate.options]
    assert page.wait(30)


def test_link_checker_button_shows_progress_and_the_summary(page: AarsevalueringView,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    section = page.addresses
    seen: list[tuple[int, int]] = []
    release, running = threading.Event(), threading.Event()

    class Summary:
        offline = False

        def message(self) -> str:
            return "Kontrollerede 2 adresser: 2 ok."

    def fake_run(db_path: Path, *, progress=None):
        for done in range(3):
            progress(done, 2)
            seen.append((section.progress.value, section.progress.max))
        running.set()
        release.wait(30)
        return Summary()

    monkeypatch.setattr(plan_sections.links, "run", fake_run)
    thread = section.start_check()
    assert running.wait(30), "the check never started"
    assert section.run_button.disabled and section.progress.layout.visibility == "visible"
    assert section.start_check() is thread  # a second click does not start a second run
    release.set()
    thread.join(10)
    assert seen == [(0, 2), (1, 2), (2, 2)]
    assert section.status.text == "Kontrollerede 2 adresser: 2 ok."
    assert not section.run_button.disabled and section.progress.layout.visibility == "hidden"


@pytest.mark.parametrize(("offline", "kind"), [(False, "ok"), (True, "warn")])
def test_a_link_check_without_internet_is_a_warning_not_a_success(page: AarsevalueringView, offline: bool,
                                                                  kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 item 4: a run that reached no address was shown in the green banner of success."""
    summary = SimpleNamespace(offline=offline, message=lambda: "Ingen forbindelse til internettet – …")
    monkeypatch.setattr(plan_sections.links, "run", lambda db_path, *, progress=None: summary)
    page.addresses.start_check().join(30)
    assert f"ssp-banner-{kind}" in page.addresses.status.widget.value


def test_missing_and_empty_databases_give_a_danish_message(tmp_path: Path) -> None:
    missing = AarsevalueringView(tmp_path / "findes-ikke.duckdb")
    assert not missing.ready and "findes ikke" in missing.widget.value
    empty = tmp_path / "tom.duckdb"
    db.init(empty)
    for view_class in (AarsevalueringView, UdforskView, MoedenoterView, NetvaerkView, AarsrapportView):
        view = view_class(empty)
        assert not view.ready and "ingen sager" in view.widget.value
        # the way on is the browser page that loads files, never a terminal command
        assert "Indlæs udtræk" in view.widget.value and "ssp-eval" not in view.widget.value
    assert "Indlæs udtræk" in missing.widget.value and "ssp-eval" not in missing.widget.value


def test_a_failing_first_read_gives_the_whole_page_as_a_danish_message(monkeypatch: pytest.MonkeyPatch,
                                                                        view_db: Path) -> None:
    """``first_read``: the error's own text (it may carry typed values) never reaches the page."""
    def broken(_con):
        raise RuntimeError("secret-value-0101901234")

    monkeypatch.setattr(common.queries, "filter_options", broken)
    for view_class in (AarsevalueringView, UdforskView, MoedenoterView):
        view = view_class(view_db)
        assert not view.ready
        assert common.UNEXPECTED_TEXT in view.widget.value and "secret-value" not in view.widget.value


def test_show_never_raises_on_unexpected_errors(monkeypatch: pytest.MonkeyPatch, view_db: Path) -> None:
    shown: list = []
    monkeypatch.setattr("IPython.display.display", shown.append)

    class Broken:
        def __init__(self, db_path, *, in_browser: bool = False):
            raise RuntimeError("boom")

    assert common.show_page(Broken, "Årsevaluering", view_db, page="aarsevaluering") is None
    assert "uventet fejl" in shown[-1].value and "boom" not in shown[-1].value
    assert 'aria-current="page">Årsevaluering<' in shown[0].value  # the navigation stays, current page marked


def test_deferred_drops_superseded_jobs() -> None:
    worker, ran, gate, started = Deferred(), [], threading.Event(), threading.Event()
    worker.submit("a", lambda stale: (started.set(), gate.wait(30), ran.append(("a1", stale()))))
    assert started.wait(30), "job a1 never started"  # a1 runs while the others are submitted
    worker.submit("b", lambda stale: ran.append(("b1", stale())))
    worker.submit("b", lambda stale: ran.append(("b2", stale())))  # replaces the pending b1
    worker.submit("a", lambda stale: ran.append(("a2", stale())))  # marks the running a1 stale
    gate.set()
    assert worker.wait(10)
    assert ran == [("a1", True), ("b2", False), ("a2", False)]


def test_background_parts_wait_until_the_browser_has_drawn_the_page(view_db: Path) -> None:
    view = AarsevalueringView(view_db, today=TODAY, in_browser=True)
    signal = view.widget.children[-1]
    assert isinstance(signal, BrowserReady)
    assert card(view, "cases") == "7"  # the headline is there at once
    time.sleep(0.5)
    assert not view.deferred.ready.is_set()
    assert figure_title(view.experience.heatmap) is None and view.actors.frame.empty
    signal._handle_custom_msg({"event": "rendered"}, [])  # what the widget's JS sends
    assert view.wait(30)
    assert figure_title(view.experience.heatmap) == "Actioncardet fulgt pr. netværk"
    assert "Cyberhus" in list(view.actors.frame["candidate"])


def test_deferred_lets_idle_work_step_aside() -> None:
    """Idle work (the prefetch) waits while nothing else is asked for, and learns at once when
    a person asks for something."""
    worker, seen, started = Deferred(), [], threading.Event()

    def idle(stale) -> None:
        started.set()
        seen.append(("quiet", worker.quiet_for(30, "idle")))  # returns early: a job came
        seen.append(("waiting", worker.others_waiting("idle")))

    worker.submit("idle", idle)
    assert started.wait(30)
    worker.submit("person", lambda stale: seen.append(("person", True)))
    assert worker.wait(10)
    assert seen == [("quiet", False), ("waiting", True), ("person", True)]
    assert worker.quiet_for(0.05, "idle") and not worker.others_waiting("idle")  # nothing queued


def shown_parts(view: AarsevalueringView) -> dict:
    """What section 5 shows: each chart's figure and table, the cards and the text parts."""
    ex = view.experience
    return {**{name: (area.figure, area.table) for name, area in zip(
                ["kpi", "trend", "heatmap", "platforms", "offences", "outcomes", "completeness"], ex.chart_areas())},
            "cards": ex.cards.value, "underretning": ex.underretning.value, "no_export": ex.no_export.value,
            "learnings": ex.learnings.value}


def prefetched_page(view_db: Path) -> AarsevalueringView:
    """Årsevaluering with the browser's prefetch on, after it has prepared every network."""
    view = AarsevalueringView(view_db, today=TODAY)
    view.experience.prefetch = True
    view.filter_bar.situation.value = "B"  # any change: the prefetch follows the charts
    view.filter_bar.situation.value = ALL
    assert view.wait(60)
    return view


def test_a_prefetched_network_is_shown_without_reading_and_as_a_fresh_page_shows_it(
        view_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    view = prefetched_page(view_db)
    fresh = AarsevalueringView(view_db, today=TODAY)
    fresh.filter_bar.network.value = "Syd"
    assert fresh.wait(60)

    def no_read(*_args, **_kwargs):
        raise AssertionError("a prefetched network was read again")

    monkeypatch.setattr("evaluation.views.experience.reader", no_read)
    view.filter_bar.network.value = "Syd"
    assert view.wait(60)
    assert view.experience.status.text == view.experience.chart_status.text == ""
    assert shown_parts(view) == shown_parts(fresh)
    assert card(view, "cases") == "4"


def test_prefetched_views_are_not_shown_after_the_database_changed(view_db: Path) -> None:
    """Kept views belong to one version of the file: a case written after the prefetch counts."""
    view = prefetched_page(view_db)
    with db.writer(view_db) as con:
        con.execute("""INSERT INTO case_versions SELECT * REPLACE (sags_id || '-ny' AS sags_id)
                       FROM case_versions WHERE netvaerk = 'Syd' AND year(indberetningsmaaned) = 2025 LIMIT 1""")
    view.filter_bar.network.value = "Syd"
    assert view.wait(60)
    assert card(view, "cases") == "5"
    fresh = AarsevalueringView(view_db, today=TODAY)
    fresh.filter_bar.network.value = "Syd"
    assert fresh.wait(60)
    assert shown_parts(view) == shown_parts(fresh)  # the charts too, not only the cards


def test_prefetched_networks_go_to_the_browser_as_spare_drawings_keyed_by_their_content(
        view_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a browser has drawn the page, the charts the prefetch kept for each other network
    go ahead (``FigureView.predraw``), each once; a network shown later carries the key of exactly
    the figure sent ahead for it, so the browser swaps that drawing in (``figure_view``)."""
    sent: list[tuple[FigureView, dict]] = []
    monkeypatch.setattr(FigureView, "send", lambda self, content, buffers=None: sent.append((self, content)))
    view = AarsevalueringView(view_db, today=TODAY)
    assert view.wait(60)
    ex = view.experience
    ex.prefetch = True
    view.filter_bar.situation.value = "B"  # prefetches, but no browser has drawn anything yet
    assert view.wait(60)
    assert sent == []
    view.filter_bar.situation.value = ALL
    assert view.wait(60)
    for area in ex.chart_areas():  # what each chart area's JS sends after its first drawing
        area._handle_custom_msg({"event": "drawn", "revision": area.revision}, [])
    assert view.wait(60)  # the first drawing alone sends what the prefetch had kept
    ahead = {(id(area), c["key"]): c["figure"] for area, c in sent if c["event"] == "predraw"}
    assert len(ahead) == len(sent)  # none sent twice
    for area in ex.chart_areas():
        keys = [key for (owner, key) in ahead if owner == id(area)]
        assert len(keys) == len(ex.networks), area.title  # every other network and "Alle netværk"
        assert area.key not in keys  # not what it shows now
    for network in ("Syd", "Nord"):
        view.filter_bar.network.value = network
        assert view.wait(60)
        for area in ex.chart_areas():
            assert ahead[(id(area), area.key)] == area.figure, (network, area.title)
    sent.clear()
    view.filter_bar.situation.value = "B"  # the same networks again: nothing new to draw ahead
    view.filter_bar.situation.value = ALL
    assert view.wait(60)
    assert all((id(area), c["key"]) in ahead for area, c in sent)


def test_the_text_under_the_charts_waits_until_the_browser_has_drawn_them(
        view_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a browser (``paced``) the learnings follow the charts once the browser reports them
    drawn (``FigureView`` sends "drawn"), or after ``PACE_TIMEOUT_S`` if it never does."""
    view = AarsevalueringView(view_db, today=TODAY)
    assert view.wait(60)
    ex = view.experience
    ex.paced = True
    areas = ex.chart_areas()

    def browser_draws() -> None:  # what each chart area's JS sends after Plotly.react
        for area in areas:
            area._handle_custom_msg({"event": "drawn", "revision": area.revision}, [])

    browser_draws()  # the page's first drawing
    assert all(area.drawn_once for area in areas)
    view.filter_bar.network.value = "Syd"
    assert poll(lambda: ex.platforms.revision, lambda revision: revision > 1)  # the charts went out
    time.sleep(0.3)
    assert "SletDet hjalp hurtigt." in ex.learnings.value  # Nord's learning: still the old text
    browser_draws()
    assert view.wait(60)
    assert "SletDet hjalp hurtigt." not in ex.learnings.value
    assert "Forældrene blev inddraget" in ex.learnings.value

    monkeypatch.setattr("evaluation.views.experience.PACE_TIMEOUT_S", 0.2)
    view.filter_bar.network.value = "Nord"  # no browser answers: the text follows anyway
    assert view.wait(60)
    assert "SletDet hjalp hurtigt." in ex.learnings.value


def poll(read: Callable[[], object], ok: Callable[[object], bool], timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if ok(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


# --- Udforsk ------------------------------------------------------------------------------

def test_udforsk_table_chart_and_downloads_follow_the_choices(view_db: Path) -> None:
    view = UdforskView(view_db)
    assert view.ready and view.chosen_dimensions() == ["netvaerk", "situation"]
    view.dimensions[1].value = NONE
    view.measure.value = "share_police_reports"
    view.filter_bar.year.value = 2025
    with db.reader(view_db) as con:
        expected = explore.explore(con, Filters(year=2025), ["netvaerk"], "share_police_reports")
    pd.testing.assert_frame_equal(view.frame, expected)
    assert figure_title(view.chart) == "Andel politianmeldt fordelt på SSP-netværk"
    assert "33,3\u00a0%" in view.table.value  # Nord: 1 of 3
    assert view.table.value.count('class="ssp-small"') == int(expected["small"].sum()) == 2
    csv_uri = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', view.download.value).group(1)
    csv = base64.b64decode(csv_uri).decode("utf-8-sig").splitlines()
    table = csv[csv.index("") + 1:]  # the filters come first (explore_export.py)
    assert table[0] == "SSP-netværk;Antal;Ud af;Andel politianmeldt (%);Lille tal"
    assert table[1].startswith("Nord;1;3;33,3")
    xlsx_uri = re.search(r'href="data:application/[^;]+;base64,([^"]+)"', view.download.value).group(1)
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx_uri))).active
    assert [c.value for c in sheet[1]][:2] == ["SSP-netværk", "Antal"] and sheet["A2"].value == "Nord"


def test_udforsk_starts_on_all_years_and_the_box_says_so(view_db: Path) -> None:
    """A Dropdown whose value is None selects nothing: 'Alle år' was chosen but the box was empty."""
    view = UdforskView(view_db)
    assert view.filter_bar.year.label == "Alle år" and view.filter_bar.year.index == 0
    assert view.filter_bar.filters().year is None
    view.filter_bar.year.value = 2024
    assert view.filter_bar.filters().year == 2024


def test_udforsk_ignores_repeated_dimensions_and_says_when_nothing_matches(view_db: Path) -> None:
    view = UdforskView(view_db)
    view.dimensions[1].value = "netvaerk"
    assert view.chosen_dimensions() == ["netvaerk"]
    view.filter_bar.year.value = 2024
    view.filter_bar.institution_type.value = "efterskole"
    assert "Ingen sager med de valgte filtre" in view.table.value and view.download.value == ""


# --- Mødenoter ----------------------------------------------------------------------------

def test_meeting_note_is_saved_listed_and_loaded_again(view_db: Path) -> None:
    view = MoedenoterView(view_db)
    assert view.ready and view.year.value == 2025 and list(view.network.options) == ["Nord", "Syd", "Vest"]
    assert figure_title(view.chart) == "Sager pr. netværk i 2025 og gemte mødenoter"
    view.network.value = "Syd"
    view.meeting_date.value = date(2025, 11, 12)
    view.note.value = "Øvelsen gentages i foråret."
    view.save_button.click()
    assert view.status.text == "Mødenoten er gemt."
    assert "Øvelsen gentages i foråret." in view.listing.value and "12.11.2025" in view.listing.value
    again = MoedenoterView(view_db)  # a page reload
    again.network.value = "Syd"
    assert again.note.value == "Øvelsen gentages i foråret." and again.meeting_date.value == date(2025, 11, 12)
    again.network.value = "Nord"
    assert again.note.value == "" and again.meeting_date.value is None
    again.network.value = "Syd"
    again.note.value = "Rettet note."
    again.save_button.click()
    assert "Tidligere versioner (1)" in again.history.value
    with db.reader(view_db) as con:
        assert notes.meeting_note(con, "Syd", 2025)["note"] == "Rettet note."


def test_meeting_note_with_a_name_is_refused_on_the_page(view_db: Path) -> None:
    view = MoedenoterView(view_db)
    view.note.value = "Mødet med Mette gik godt."
    view.save_button.click()
    assert "personoplysninger" in view.status.text and "Mette" not in view.status.text
    assert "Ingen mødenoter gemt" in view.listing.value

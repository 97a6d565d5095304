"""The report's content builders, called directly (no papermill): numbers, editions, protection."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from evaluation.plan import actor_decisions, actors
from evaluation.store import db
from evaluation.analysis import queries
from evaluation.report import kredsraad as report_kredsraad, sections as report_sections, suppression
from evaluation.errors import EvaluationError, NoDataError
from evaluation.analysis.filters import Filters

TODAY = date.today()  # the demo database is built relative to today (demo.last_full_month)
TEAM_SECTIONS = {
    "summary": "Resumé: svar på de fem evalueringsspørgsmål", "volumes": "Omfang og udvikling",
    "situations": "Situation A og B", "offences_and_outcomes": "Krænkelser og udfald",
    "actioncard": "Handlekortet i praksis", "networks": "Netværkene og datakvaliteten",
    "learnings": "Netværkenes erfaringer og mødenoter", "data_appendix": "Bilag: data", "method": "Metode",
    "manifest_section": "Rapportens grundlag",
}


@pytest.fixture(scope="module")
def report_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo database with a moved web address and an accepted actor added."""
    path = tmp_path_factory.mktemp("sections") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    with db.writer(path) as con:
        address_id, url = con.execute("SELECT address_id, url FROM addresses ORDER BY address_id LIMIT 1").fetchall()[0]
        con.execute("INSERT INTO link_checks (checked_at, url, address_id, status, http_status, final_url, "
                    "proposed_url) VALUES (?, ?, ?, 'moved', 301, 'https://ny.example.dk/side', 'ny.example.dk/side')",
                    [datetime(2026, 2, 1, 12, 0), f"https://{url}", address_id])
    with db.reader(path) as con:
        candidate = actors.candidates(con, year=2025).iloc[0]
    actor_decisions.accept_as_new(path, candidate["candidate"], list(candidate["variants"]))
    return path


def _ctx(path: Path, edition: str = "team", threshold: int | None = None, year: int = 2025):
    return report_sections.open_report(path, year, edition=edition, threshold=threshold, today=TODAY)


def _cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each row's cells of one table (no HTML parsing needed: our tables are flat)."""
    table = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert table, f"no table {table_id}"
    return [[re.sub(r"<.*?>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)]


def test_open_report_refuses_a_year_without_cases_in_danish(report_db: Path) -> None:
    with pytest.raises(NoDataError, match="ingen sager indberettet i 2019.*2022, 2023, 2024, 2025"):
        _ctx(report_db, year=2019)
    with pytest.raises(EvaluationError, match="Ukendt udgave"):
        _ctx(report_db, edition="presse")


def test_every_team_section_has_its_heading_and_kredsraad_leaves_team_sections_out(report_db: Path) -> None:
    team, kreds = _ctx(report_db), _ctx(report_db, "kredsraad")
    for function, heading in TEAM_SECTIONS.items():
        section = getattr(report_sections, function)(team)
        assert "<h2" in section._repr_html_() and heading in section.html, function
    for function in ("summary", "situations", "actioncard", "networks", "learnings", "data_appendix"):
        assert getattr(report_sections, function)(kreds) is None, function


def test_key_figures_table_shows_the_query_layers_numbers(report_db: Path) -> None:
    ctx = _ctx(report_db)
    html = report_sections.volumes(ctx).html
    with db.reader(report_db) as con:
        k = queries.kpis(con, Filters(year=2025), today=TODAY).set_index("key")
        trend = queries.trend(con, Filters(), by="quarter")
    rows = {r[0]: r for r in _cells(html, "tabel-noegletal")}
    assert rows["Sager"][1] == str(k.at["cases", "numerator"])
    assert rows["Sager"][3] == str(k.at["cases", "previous_numerator"])
    police = k.loc["police_reports"]
    assert rows["Politianmeldt"][1] == f"{police['value'] * 100:.0f} % ({int(police['numerator'])} af {int(police['denominator'])})"
    years = {r[0]: r for r in _cells(html, "tabel-sager-pr-aar")}
    assert years["2024"][1] == str(int(trend.loc[trend["year"] == 2024, "cases"].sum()))


def test_charts_embed_plotly_js_once_and_are_numbered(report_db: Path) -> None:
    ctx = _ctx(report_db)
    first = report_sections.volumes(ctx).html
    second = report_sections.situations(ctx).html
    assert first.count("plotly.js v") == 1 and "plotly.js v" not in second
    assert 'id="graf-1"' in first and 'id="graf-3"' in second
    assert not re.search(r"<script[^>]*\bsrc=", first + second)


def test_summary_answers_the_five_questions_with_concrete_recommendations(report_db: Path) -> None:
    ctx = _ctx(report_db)
    html = report_sections.summary(ctx).html
    for number in range(1, 6):
        assert f"<h3>{number}. " in html
    facts = report_sections._summary_facts(ctx)
    recs = report_sections.recommendations(ctx, facts)
    assert "ny.example.dk/side" in html and any("ny.example.dk/side" in r for r in recs)  # moved address
    accepted = facts.accepted.iloc[0]["name"]
    assert report_sections._e(accepted) in html and any(accepted in r and "planens tekst" in r for r in recs)
    # The demo's Bindslev network has no SSP contact teacher registered (demo.add_plan_upkeep_demo).
    assert any(r.startswith("Bindslev: udpeg") for r in recs)
    assert any("Skolernes ordensregler" in r for r in recs)  # revised after the last evaluation


def test_learnings_are_in_the_team_edition_only(report_db: Path) -> None:
    with db.reader(report_db) as con:
        sample = queries.learnings(con, Filters(year=2025), limit=1).iloc[0]["erfaringer"]
    assert report_sections._e(sample) in report_sections.learnings(_ctx(report_db)).html
    kreds = _ctx(report_db, "kredsraad")
    html = "".join(s.html for s in (report_sections.front_page(kreds), report_sections.volumes(kreds),
                                    report_sections.offences_and_outcomes(kreds), report_sections.method(kreds),
                                    report_sections.manifest_section(kreds)))
    assert report_sections._e(sample) not in html and "erfaring" not in html.lower()


@pytest.mark.parametrize("threshold", [4, 12])
def test_kredsraad_tables_show_no_small_count_and_none_can_be_worked_out(report_db: Path, threshold: int) -> None:
    tables = report_kredsraad.kredsraad_tables(_ctx(report_db, "kredsraad", threshold=threshold))
    assert set(tables) == {"sager_aar_situation", "sager_kvartal_situation", "politianmeldt_kvartal",
                           "kraenkelsestyper_situation", "vurdering_situation"}
    hidden = 0
    for t in tables.values():
        counts = suppression.add_margins(t.counts)
        shown = counts.where(t.protected.status == suppression.SHOWN)
        assert not ((shown >= 1) & (shown <= threshold)).any().any(), t.name
        assert suppression.recoverable_cells(t.protected.status, t.counts, threshold=threshold) == [], t.name
        hidden += int((t.protected.status != suppression.SHOWN).to_numpy().sum())
    links = report_kredsraad._links(2025, list(tables["sager_kvartal_situation"].counts.index))
    assert suppression.joint_recoverable({n: t.protected.status for n, t in tables.items()},
                                         {n: t.counts for n, t in tables.items()}, links, threshold=threshold) == []
    if threshold == 12:
        assert hidden > 10  # the quarter tables have cells 5..12: the test exercises suppression


def test_kredsraad_charts_leave_hidden_cells_out_of_their_data(report_db: Path) -> None:
    """The chart JSON is in the HTML: a hidden cell must be a gap there, not its value."""
    tables = report_kredsraad.kredsraad_tables(_ctx(report_db, "kredsraad", threshold=12))
    gaps = 0
    for t in tables.values():
        hidden = t.protected.status.loc[t.counts.index, t.counts.columns] != suppression.SHOWN
        fig = report_kredsraad._kredsraad_chart(t)
        for trace in fig.data:
            for row, y in zip(t.counts.index, trace.y):
                if hidden.at[row, trace.name]:
                    assert y is None or y != y, (t.name, row, trace.name)  # None/NaN: no value in the JSON
                    gaps += 1
                else:
                    assert y == t.counts.at[row, trace.name]
        assert ("skjulte tal er udeladt" in fig.layout.title.text) == bool(hidden.to_numpy().any())
    assert gaps > 0, "threshold 12 hides cells in the hand-made data"


def test_kredsraad_counts_equal_the_query_layer(report_db: Path) -> None:
    tables = report_kredsraad.kredsraad_tables(_ctx(report_db, "kredsraad"))
    with db.reader(report_db) as con:
        split = queries.situation_split(con, Filters(year=2025)).set_index("situation")
        kpis = queries.kpis(con, Filters(year=2025), today=TODAY).set_index("key")
    years = tables["sager_aar_situation"].counts
    assert years.at["2025", "Situation B"] == split.at["B", "cases"]
    assert tables["politianmeldt_kvartal"].counts["Politianmeldt"].sum() == kpis.at["police_reports", "numerator"]
    assert tables["sager_kvartal_situation"].counts.to_numpy().sum() == kpis.at["cases", "numerator"]


def test_linked_totals_are_hidden_in_every_table_or_in_none(report_db: Path) -> None:
    ctx = _ctx(report_db, "kredsraad", threshold=12)
    tables = report_kredsraad.kredsraad_tables(ctx)
    quarters = list(tables["sager_kvartal_situation"].counts.index)
    for group in report_kredsraad._links(2025, quarters):
        states = {tables[n].protected.status.at[r, c] == suppression.SHOWN for n, r, c in group}
        assert len(states) == 1, group
    log = report_kredsraad.suppression_log(tables)
    assert set(log.columns) >= {"table", "row", "column", "status", "reason", "hidden_value", "title"}
    assert (log["reason"] != suppression.REASON_CARRIED).all()  # nothing was published last year


def test_cells_hidden_last_year_are_hidden_again(report_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "published.duckdb"
    shutil.copyfile(report_db, path)
    last_year = report_kredsraad.kredsraad_tables(_ctx(path, "kredsraad", threshold=60, year=2024))
    for t in last_year.values():
        suppression.record_published(path, 2024, t.protected)
    this_year = report_kredsraad.kredsraad_tables(_ctx(path, "kredsraad", year=2025))
    years = this_year["sager_aar_situation"].protected
    before = last_year["sager_aar_situation"].protected.status
    for row in ("2023", "2024"):
        for column in before.columns:
            if before.at[row, column] != suppression.SHOWN:
                assert years.status.at[row, column] != suppression.SHOWN, (row, column)
    quarter_totals = last_year["sager_kvartal_situation"].protected.status.loc["I alt"]
    for column, status in quarter_totals.items():
        if status != suppression.SHOWN:  # last year's quarter totals are this year's 2024 row
            assert years.status.at["2024", column] != suppression.SHOWN, column
    assert (years.log["reason"] == suppression.REASON_CARRIED).any()


def test_kredsraad_charts_draw_only_shown_cells(report_db: Path) -> None:
    tables = report_kredsraad.kredsraad_tables(_ctx(report_db, "kredsraad", threshold=20))
    t = tables["sager_kvartal_situation"]
    shown = report_kredsraad._shown_values(t)
    hidden = t.protected.status.loc[t.counts.index, t.counts.columns] != suppression.SHOWN
    assert hidden.to_numpy().any() and shown[hidden].isna().all().all()
    fig = report_kredsraad._kredsraad_chart(t)
    drawn = pd.Series([v for trace in fig.data for v in trace.y if v is not None and v == v])
    assert len(drawn) and not ((drawn >= 1) & (drawn <= 20)).any()
    assert "skjulte tal er udeladt" in fig.layout.title.text


def test_a_year_with_one_quarter_so_far_is_protected_and_linked(case_db) -> None:
    rows = [{"indberetningsmaaned": f"2025-0{1 + i % 2}", "situation": "AB"[i % 3 == 0],
             "politianmeldt": i % 4 == 0} for i in range(14)]
    rows += [{"indberetningsmaaned": "2024-06", "situation": "A"} for _ in range(9)]
    path = case_db(rows)
    ctx = report_sections.open_report(path, 2025, edition="kredsraad", today=date(2025, 3, 15))
    tables = report_kredsraad.kredsraad_tables(ctx)
    quarters = tables["sager_kvartal_situation"]
    assert list(quarters.counts.index) == ["2025 K1"]
    assert quarters.counts.to_numpy().sum() == 14
    for group in report_kredsraad._links(2025, ["2025 K1"]):
        assert len({tables[n].protected.status.at[r, c] == suppression.SHOWN for n, r, c in group}) == 1
    for t in tables.values():
        assert suppression.recoverable_cells(t.protected.status, t.counts) == [], t.name

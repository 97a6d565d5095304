"""The editions built as documents, without papermill: sections, numbers, verdicts, protection."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from evaluation.analysis import queries, stats
from evaluation.analysis.filters import Filters
from evaluation.errors import NoDataError
from evaluation.plan import actor_decisions, actors
from evaluation.report import audit, context, editions, inputs, kredsraad, model, suppression
from evaluation.store import db

TODAY = date.today()  # the demo database is built relative to today (demo.last_full_month)
YEAR = 2025
TEAM_SECTIONS = ["Resumé: svar på de fem evalueringsspørgsmål", "Omfang og udvikling", "Situation A og B",
                 "Krænkelser og udfald", "Actioncardet i praksis", "Netværkene og datakvaliteten",
                 "Netværkenes erfaringer og mødenoter", "Sådan læses tallene", "Bilag: data", "Bilag: alle erfaringer",
                 "Rapportens grundlag"]
COUNCIL_SECTIONS = ["Sammenfatning", "Sager over årene", "Krænkelser og vurdering", "Handling og actioncardet i praksis",
                    "Om tallene"]


def texts(doc: model.Document) -> list[str]:
    """Every text a reader sees in a document (title page, headings, paragraphs, lists, cells)."""
    out = [doc.title, doc.edition_label, *doc.subtitle_lines]
    for s in doc.sections:
        out.append(s.title)
        for b in s.blocks:
            if isinstance(b, (model.Heading, model.Paragraph)):
                out.append(b.text)
            elif isinstance(b, model.BulletList):
                out += b.items
            elif isinstance(b, model.Table):
                out += [*b.headings, *(c for row in b.rows for c in row)]
            elif isinstance(b, model.Figure):
                out.append(b.description)
    return out


@pytest.fixture(scope="module")
def report_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo database with a moved web address, an accepted actor, a tagged
    learning and two planned changes (one approved)."""
    path = tmp_path_factory.mktemp("editions") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    with db.writer(path) as con:
        address_id, url = con.execute("SELECT address_id, url FROM addresses ORDER BY address_id LIMIT 1").fetchall()[0]
        con.execute("INSERT INTO link_checks (checked_at, url, address_id, status, http_status, final_url, "
                    "proposed_url) VALUES (?, ?, ?, 'moved', 301, 'https://ny.example.dk/side', 'ny.example.dk/side')",
                    [datetime(2026, 2, 1, 12, 0), f"https://{url}", address_id])
    with db.reader(path) as con:
        candidate = actors.candidates(con, year=YEAR).iloc[0]
        learning = inputs.learnings(con, YEAR).iloc[0]
    actor_decisions.accept_as_new(path, candidate["candidate"], list(candidate["variants"]))
    inputs.tag_learning(path, learning["netvaerk"], learning["sags_id"], "fase:dokumenter")
    approved = inputs.save_planned_change(path, YEAR, "actioncard", "Øvelsen skal træne fasen Dokumenter.")
    inputs.approve_planned_change(path, approved)
    inputs.save_planned_change(path, YEAR, "plan", "Et udkast, som Kredsrådet ikke må se endnu.")
    return path


@pytest.fixture(scope="module")
def team(report_db: Path) -> tuple[context.ReportContext, model.Document]:
    ctx = context.open_report(report_db, YEAR, edition="team", today=TODAY)
    return ctx, editions.build(ctx)


@pytest.fixture(scope="module")
def council(report_db: Path) -> tuple[context.ReportContext, model.Document]:
    ctx = context.open_report(report_db, YEAR, edition="kredsraad", today=TODAY)
    return ctx, editions.build(ctx)


def test_open_report_refuses_a_year_without_cases_in_danish(report_db: Path) -> None:
    with pytest.raises(NoDataError, match="ingen sager indberettet i 2019.*2022, 2023, 2024, 2025"):
        context.open_report(report_db, 2019, today=TODAY)


@pytest.mark.parametrize("module, other", [("team", "kredsraad"), ("kredsraad", "team")])
def test_team_and_council_sections_never_import_each_other(module: str, other: str) -> None:
    code = (f"import sys, evaluation.report.{module}; "
            f"print('evaluation.report.{other}' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_each_edition_has_its_sections_in_order(team: tuple, council: tuple) -> None:
    assert [s.title for s in team[1].sections] == TEAM_SECTIONS
    assert [s.title for s in council[1].sections] == COUNCIL_SECTIONS
    assert [t for _a, t in council[1].contents()] == COUNCIL_SECTIONS


def test_data_appendix_shows_how_identifiable_the_cases_are(team: tuple, report_db: Path) -> None:
    from evaluation.analysis import disclosure

    table = team[1].tables()["tabel-genkendelighed"]
    with db.reader(report_db) as con:
        measured = disclosure.uniqueness(con, YEAR)
        sentence = disclosure.sentence(measured)
    row = next(r for r in table.rows if r[0] == str(YEAR))
    assert row[1:3] == (str(measured.cases), str(measured.unique_cases))
    assert sentence in texts(team[1])


def test_key_figures_and_their_verdicts_are_the_dashboards(team: tuple, report_db: Path) -> None:
    """Same figure, same verdict: the report shows kpis.kpis' verdicts (judged together, FDR)."""
    ctx, doc = team
    table = doc.tables()["tabel-noegletal"]
    with db.reader(report_db) as con:
        k = queries.kpis(con, Filters(year=YEAR), today=ctx.today)
    assert [row[0] for row in table.rows] == k["label"].tolist()
    assert [row[-1] for row in table.rows] == k["verdict"].tolist()
    assert table.rows[0][1] == str(int(k.set_index("key").at["cases", "numerator"]))
    assert stats.FDR_SENTENCE in texts(doc)


def test_summary_answers_the_five_questions_with_concrete_recommendations(team: tuple) -> None:
    text = "\n".join(texts(team[1]))
    for n in range(1, 6):
        assert f"{n}. " in text
    assert "ny.example.dk/side" in text  # the moved address, with its new address
    assert "Skriv " in text and "planens tekst" in text  # the accepted actor
    assert "Øvelsen skal træne fasen Dokumenter." in text and "Kladde (ikke godkendt)" in text


def test_learnings_are_grouped_by_tag_and_untagged_ones_stay_untagged(team: tuple, report_db: Path) -> None:
    doc = team[1]
    groups = dict(doc.tables()["tabel-erfaringer-mærker"].rows)
    with db.reader(report_db) as con:
        found = inputs.learnings(con, YEAR)
    assert groups["Fase: Dokumenter krænkelsen"] == "1"
    assert groups[inputs.UNTAGGED_LABEL] == str(len(found) - 1)
    headings = [b.text for s in doc.sections for b in s.blocks if isinstance(b, model.Heading)]
    assert any(h.startswith("Fase: Dokumenter krænkelsen (1 erfaring)") for h in headings)
    assert len(doc.tables()["tabel-erfaringer"].rows) == len(found)  # the full list, in the appendix only


def test_council_sees_only_approved_changes_and_nothing_technical(council: tuple, report_db: Path) -> None:
    ctx, doc = council
    text = "\n".join(texts(doc))
    assert "Øvelsen skal træne fasen Dokumenter." in text
    assert "Et udkast, som Kredsrådet ikke må se endnu." not in text
    assert f"Kontrolnummer: {ctx.cache['kontrolnummer']}" in text
    manifest = ctx.cache["manifest"]
    for secret in (manifest.checksum_all, manifest.checksum_year, "ssp-evaluering 0", "duckdb", ".csv", ".xlsx",
                   "python"):
        assert secret not in text, secret
    with db.reader(report_db) as con:
        rows = con.execute("SELECT DISTINCT netvaerk FROM cases").fetchall()
        files = [r[0] for r in con.execute("SELECT file_name FROM imports").fetchall()]
    for (network,) in rows:
        assert network not in text, network
    for name in files:
        assert name not in text


def test_places_are_named_only_when_the_plan_says_so(report_db: Path, tmp_path: Path) -> None:
    ctx = context.open_report(report_db, YEAR, edition="kredsraad", today=TODAY)
    assert ctx.edition_label == "Udgave til Kredsrådet for Nordjyllands Politi"  # data/plan.yaml names it
    path = tmp_path / "uden-politikreds.duckdb"
    shutil.copyfile(report_db, path)
    with db.writer(path) as con:
        con.execute("DELETE FROM plan_meta WHERE key = 'police_district'")
    ctx = context.open_report(path, YEAR, edition="kredsraad", today=TODAY)
    assert ctx.edition_label == "Udgave til Kredsrådet" and "Politi" not in ctx.edition_label
    with db.writer(path) as con:
        con.execute("INSERT INTO plan_meta VALUES ('police_district', 'Testkredsens Politi')")
    ctx = context.open_report(path, YEAR, edition="kredsraad", today=TODAY)
    assert ctx.edition_label == "Udgave til Kredsrådet for Testkredsens Politi"


@pytest.mark.parametrize("size", ["sparse", "typical", "large"])
def test_council_tables_are_safe_and_show_most_cells(sized_db, size: str) -> None:
    """No small count shown; the edition's own exact audit (integer programs over every table,
    jointly) finds nothing recoverable; and on the sparse year at least 80 % of the cells show."""
    ctx = context.open_report(sized_db(size), YEAR, edition="kredsraad", today=TODAY)
    tables = kredsraad.council_tables(ctx)
    shown = total = 0
    for t in tables.values():
        full = suppression.add_margins(t.counts).reindex(index=t.protected.status.index,
                                                         columns=t.protected.status.columns)
        visible = full.to_numpy()[t.protected.status.to_numpy() == suppression.SHOWN]
        assert not ((visible >= 1) & (visible <= ctx.threshold)).any(), t.name
        shown += visible.size
        total += full.size
    cells = audit.edition_cells({n: t.protected for n, t in tables.items()}, {n: t.counts for n, t in tables.items()},
                                ctx.cache["kredsraad_definitions"])
    assert audit.recoverable(cells, ctx.threshold, complete=ctx.cache["kredsraad_complete"]) == []
    share = shown / total
    print(f"{size}: {shown} of {total} published count cells shown ({share:.0%})")
    assert share >= 0.8
    named = [r for r in tables[kredsraad.OFFENCES].counts.index if r != "Andre"]
    assert len(named) >= 3
    assert list(tables[kredsraad.YEARS].counts.columns) == ["Situation A", "Situation B"]
    years = tables[kredsraad.YEARS].protected.status
    assert (years[suppression.MARGIN_LABEL] == suppression.SHOWN).all()  # the cases of every year
    assert (years.loc[str(YEAR)] == suppression.SHOWN).all()  # and this year's split on A and B


def test_council_charts_carry_only_shown_cells(council: tuple) -> None:
    ctx, doc = council
    tables = kredsraad.council_tables(ctx)
    t = tables[kredsraad.YEARS]
    full = suppression.add_margins(t.counts)
    hidden = {int(full.at[r, c]) for r in t.counts.index for c in full.columns
              if t.protected.status.at[r, c] != suppression.SHOWN}
    shown = {int(full.at[r, c]) for r in t.counts.index for c in full.columns
             if t.protected.status.at[r, c] == suppression.SHOWN}
    values = [v for f in doc.figures() for trace in f.spec["data"] for v in trace.get("y", []) if v is not None]
    assert values and set(values) <= shown
    assert not (set(values) & (hidden - shown))


def test_council_counts_equal_the_query_layer(council: tuple, report_db: Path) -> None:
    ctx, _doc = council
    t = kredsraad.council_tables(ctx)[kredsraad.YEARS]
    with db.reader(report_db) as con:
        cases = queries.kpis(con, Filters(year=YEAR), today=ctx.today).set_index("key").at["cases", "numerator"]
    assert t.protected.display.at[str(YEAR), suppression.MARGIN_LABEL] == str(int(cases))


def test_document_survives_json_for_the_word_renderer(team: tuple) -> None:
    doc = team[1]
    again = model.Document.from_json(doc.to_json())
    assert texts(again) == texts(doc) and again.tables().keys() == doc.tables().keys()
    assert [f.figure_id for f in again.figures()] == [f.figure_id for f in doc.figures()]
    assert json.loads(doc.to_json())["edition"] == "team"


@pytest.mark.parametrize("edition", ["team", "kredsraad"])
def test_an_edition_reads_one_snapshot_through_one_connection(sparse_db: Path, edition: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Every section (and the manifest, on a cursor of the same connection) reads the same data:
    # an import landing meanwhile cannot make two sections of one edition disagree.
    ctx = context.open_report(sparse_db, 2025, edition=edition, today=date(2026, 3, 1))
    opened: list[Path] = []
    connect = db._connect_read_only
    monkeypatch.setattr(db, "_connect_read_only", lambda path: opened.append(path) or connect(path))
    doc = editions.build(ctx)
    assert opened == [sparse_db] and doc.sections

"""report.publish: a draft becomes a published edition only by a deliberate act, recorded whole."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from evaluation.cli import cli
from evaluation.errors import EvaluationError
from evaluation.report import audit, context, editions, html, kredsraad, publish
from evaluation.store import db

TODAY = date.today()


def draft(db_path: Path, out: Path, year: int) -> context.ReportContext:
    """The Kredsråd edition's draft files as ``ssp-eval report`` leaves them (HTML without the
    papermill run: the same document, rendered by the same function)."""
    ctx = context.open_report(db_path, year, edition="kredsraad", today=TODAY)
    doc = editions.build(ctx)
    stem = f"aarsevaluering-{year}-kredsraad"
    editions.write_outputs(ctx, doc, out, stem)
    (out / f"{stem}.html").write_text(str(html.document_html(doc)), encoding="utf-8")
    (out / f"{stem}.pdf").write_bytes(b"%PDF-1.4 test")
    return ctx


@pytest.fixture
def published_db(sparse_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sparsom.duckdb"
    shutil.copyfile(sparse_db, path)
    return path


def test_publishing_records_who_when_the_files_and_every_cell_in_one_step(published_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapporter"
    ctx = draft(published_db, out, 2024)
    with pytest.raises(EvaluationError, match="intet udkast"):
        publish.publish(published_db, tmp_path / "tom", 2024)
    done = publish.publish(published_db, out, 2024, by="anne")
    assert (done.year, done.edition, done.published_by) == (2024, "kredsraad", "anne")
    assert done.kontrolnummer == ctx.cache["kontrolnummer"]
    with db.reader(published_db) as con:
        assert [p.publication_id for p in publish.publications(con)] == [done.publication_id]
        name, data = publish.published_file(con, done.publication_id, "pdf")
        assert name == "aarsevaluering-2024-kredsraad.pdf" and data == b"%PDF-1.4 test"
        name, page = publish.published_file(con, done.publication_id, "html")
        assert page == (out / name).read_bytes()
        cells = audit.last_publication(con, 2024)
        tables = con.execute("SELECT table_name, design_note FROM published_tables").fetchall()
    draft_cells = json.loads((out / "aarsevaluering-2024-kredsraad.udkast.json").read_text(encoding="utf-8"))
    assert len(cells) == sum(len(t["cells"]) for t in draft_cells["tables"]) > 0
    assert {t for t, _note in tables} == {t["name"] for t in draft_cells["tables"]}
    assert {c.status for c in cells} <= {"vist", "primær", "sekundær"}


def test_next_years_edition_is_audited_against_the_published_one(published_db: Path, tmp_path: Path) -> None:
    draft(published_db, tmp_path / "r2024", 2024)
    publish.publish(published_db, tmp_path / "r2024", 2024)
    ctx = context.open_report(published_db, 2025, edition="kredsraad", today=TODAY)
    tables = kredsraad.council_tables(ctx)
    with db.reader(published_db) as con:
        last = audit.last_publication(con, 2024)
    cells = audit.edition_cells({n: t.protected for n, t in tables.items()}, {n: t.counts for n, t in tables.items()},
                                ctx.cache["kredsraad_definitions"])
    assert last and audit.recoverable([*cells, *last], ctx.threshold, complete=ctx.cache["kredsraad_complete"]) == []


def test_a_draft_made_before_new_data_cannot_be_published(published_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapporter"
    draft(published_db, out, 2025)
    with db.writer(published_db) as con:
        # as a loaded correction would: a current case changes, and with it its content hash
        con.execute("UPDATE case_versions SET situation = 'B', content_hash = content_hash || 'x' "
                    "WHERE replaced_by_import IS NULL AND sags_id = (SELECT min(sags_id) FROM case_versions "
                    "WHERE situation = 'A' AND replaced_by_import IS NULL)")
    with pytest.raises(EvaluationError, match="Data er ændret"):
        publish.publish(published_db, out, 2025)
    with db.reader(published_db) as con:
        assert publish.publications(con) == []


def test_the_cli_publishes_and_says_so_in_danish(published_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapporter"
    draft(published_db, out, 2025)
    result = CliRunner().invoke(cli, ["publish", "--year", "2025", "--db", str(published_db), "--out", str(out)],
                                prog_name="ssp-eval")
    assert result.exit_code == 0, result.output
    assert "Kredsrådets udgave for 2025 er udgivet af" in result.output
    with db.reader(published_db) as con:
        assert publish.latest(con, 2025) is not None and publish.latest(con, 2024) is None

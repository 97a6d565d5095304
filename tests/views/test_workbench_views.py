"""The workbench pages' widget logic without Jupyter: navigation, Opfølgning, Netværk,
Årsrapport and Indlæs udtræk, built on test databases and checked against the library's
own answers (planstatus, kpis, keypersons, the registry)."""

from __future__ import annotations

import json
from html import unescape
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import pytest

from evaluation.analysis import kpis, stats
from evaluation.analysis.filters import Filters
from evaluation.plan import keypersons, planstatus, registry
from evaluation.settings import DASHBOARDS_DIR, current_user
from evaluation.store import db
from evaluation.views import navigation
from evaluation.views.aarsrapport import AarsrapportView
from evaluation.views.experience import kpi_value_text
from evaluation.views.indlaes import IndlaesView
from evaluation.views.netvaerk import NetvaerkView, requested
from evaluation.views.opfoelgning import OpfoelgningView

TODAY = date(2026, 3, 1)
ROWS: list[dict] = [
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-01", "situation": "B", "politianmeldt": True,
     "erfaringer": "SletDet hjalp hurtigt."},
    {"netvaerk": "Nord", "indberetningsmaaned": "2025-03"},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-02"},
    {"netvaerk": "Syd", "indberetningsmaaned": "2025-06", "situation": "B"},
    {"netvaerk": "Nord", "indberetningsmaaned": "2024-04"},
    {"netvaerk": "Syd", "indberetningsmaaned": "2024-08"},
]


@pytest.fixture
def plan_db(case_db: Callable[..., Path], set_registry_networks: Callable[..., None]) -> Path:
    """Cases in Nord and Syd, the registry (networks Nord and Syd), and Nord's management
    verified long ago (due)."""
    path = case_db(ROWS, name="workbench.duckdb")
    db.init(path)
    set_registry_networks(path, ["Nord", "Syd"])
    keypersons.verify(path, "Nord", "ledelse", "2024-01-10", person="Skoleleder")
    return path


def texts(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def item_rows(view: OpfoelgningView) -> list:
    return [row for row in view.checklist.children if hasattr(row, "children")]


def row_of(view: OpfoelgningView, what: str):
    rows = [row for row in item_rows(view) if what in row.children[0].value]
    assert len(rows) == 1, [r.children[0].value for r in item_rows(view)]
    return rows[0]


# --- navigation ---------------------------------------------------------------------------

def test_navigation_lists_the_pages_in_the_cycles_order_and_marks_the_current() -> None:
    html = navigation.nav_html("opfoelgning")
    labels = re.findall(r">([^<>]+)</a>", html)
    assert labels == ["Årsevaluering", "Indlæs udtræk", "Årsrapport", "Opfølgning", "Netværk", "Udforsk", "Mødenoter"]
    assert re.findall(r'aria-current="page">([^<]+)<', html) == ["Opfølgning"]
    assert 'href="indlaes.ipynb"' in html


def test_every_dashboard_notebook_is_in_the_navigation_and_shows_its_own_page() -> None:
    notebooks = {path.stem for path in DASHBOARDS_DIR.glob("*.ipynb")}
    assert notebooks == {page.key for page in navigation.PAGES}
    for key in notebooks:
        cells = json.loads((DASHBOARDS_DIR / f"{key}.ipynb").read_text(encoding="utf-8"))["cells"]
        source = "".join("".join(cell["source"]) for cell in cells)
        assert source == f"from evaluation.views import {key}page = {key}.show()"
        module = __import__(f"evaluation.views.{key}", fromlist=["show"])
        assert getattr(module, "PAGE", key) == key


def test_page_addresses_for_queries_anchors_and_downloads() -> None:
    assert navigation.href("netvaerk", netvaerk="Hjørring By") == "netvaerk.ipynb?netvaerk=Hj%C3%B8rring+By"
    assert navigation.href("aarsevaluering", anchor="sektion-2") == "aarsevaluering.ipynb#sektion-2"
    assert navigation.download_href("netvaerk", "2025-Hjørring By.pdf") == \
        "../../ssp/download/netvaerk/2025-Hj%C3%B8rring%20By.pdf"
    assert navigation.download_href("rapport", "../x") == "../../ssp/download/rapport/..%2Fx"
    assert requested("netvaerk=Hj%C3%B8rring+By&aar=2025") == ("Hjørring By", 2025)
    assert requested("aar=tyve") == (None, None) and requested(None) == (None, None)


# --- Opfølgning ---------------------------------------------------------------------------

def test_opfoelgning_lists_what_planstatus_lists_with_a_link_for_each(plan_db: Path) -> None:
    view = OpfoelgningView(plan_db, today=TODAY)
    assert view.ready and view.status.text == ""
    with db.reader(plan_db) as con:
        expected = planstatus.due_items(con, today=TODAY)
    rows = item_rows(view)
    assert len(rows) == len(expected) > 0
    assert f"{len(expected)} punkter" in texts(view.summary.value)
    for row, item in zip(rows, expected.to_dict("records"), strict=True):
        html = row.children[0].value
        assert f"<b>{item['what']}</b>: {item['why']}" in unescape(html)
        assert 'href="aarsevaluering.ipynb#sektion-' in html


def test_ticking_a_due_key_person_confirms_it_and_the_item_leaves_the_list(plan_db: Path) -> None:
    view = OpfoelgningView(plan_db, today=TODAY)
    before = len(view.items)
    tick = row_of(view, "Ledelse i Nord").children[1]
    assert "Skoleleder har stadig rollen" in tick.description
    tick.value = True
    assert view.item_status.text == "Gemt: rollen i Nord er bekræftet i dag."
    assert len(view.items) == before - 1
    assert not [r for r in item_rows(view) if "Ledelse i Nord" in r.children[0].value]
    with db.reader(plan_db) as con:
        latest = keypersons.verification_history(con, "Nord").iloc[0]
    assert (latest["role_id"], latest["person"], latest["verified_on"]) == ("ledelse", "Skoleleder",
                                                                             pd.Timestamp(TODAY))


def test_link_check_from_the_page_then_a_moved_and_a_broken_address_are_done_here(
        plan_db: Path, local_site) -> None:
    base, hits = local_site
    with db.writer(plan_db) as con:
        ids = list(registry.addresses(con)["address_id"])
        for address_id, path in zip(ids, ("/ok", "/flyttet", "/vaek"), strict=False):
            registry.update_address_url(con, address_id, f"{base}{path}", reason="test")
    view = OpfoelgningView(plan_db, today=TODAY)
    assert not [r for r in item_rows(view) if "127.0.0.1" in r.children[0].value]
    thread = view.link_check.start()
    assert view.link_check.button.disabled and view.link_check.progress.layout.visibility == "visible"
    thread.join(60)
    assert {"/ok", "/flyttet", "/vaek"} <= set(hits)
    assert view.link_check.status.text.startswith("Kontrollerede 3 adresser")
    assert view.link_check.progress.value == view.link_check.progress.max == 3
    assert not view.link_check.button.disabled
    moved = row_of(view, "/flyttet")
    assert moved.children[1].description == f"Klaret: ret adressen til {base.removeprefix('http://')}/ny"
    moved.children[1].value = True
    with db.reader(plan_db) as con:
        urls = dict(zip(registry.addresses(con)["address_id"], registry.addresses(con)["url"]))
    assert urls[ids[1]] == f"{base.removeprefix('http://')}/ny"
    assert not [r for r in item_rows(view) if "/flyttet" in r.children[0].value]
    broken = row_of(view, "/vaek")
    field, button = broken.children[1].children
    button.click()
    assert view.item_status.text == "Skriv den rigtige adresse i feltet først."
    field.value = "https://datatilsynet.dk/"
    button.click()
    assert view.item_status.text.startswith("Gemt: adressen er rettet til datatilsynet.dk.")
    with db.reader(plan_db) as con:
        assert "datatilsynet.dk" in set(registry.addresses(con)["url"])
    history = texts(view.history.value)
    assert "er ændret til »datatilsynet.dk«" in history and "address" not in history


def test_registering_the_evaluation_clears_the_revised_policies(plan_db: Path) -> None:
    with db.writer(plan_db) as con:
        registry.set_policy_revised(con, "skolernes_ordensregler", "2026-01-15")
    view = OpfoelgningView(plan_db, today=TODAY)
    assert "policy_revised" in set(view.items["kind"])
    view.evaluated_on.value = date(2026, 2, 20)
    view.evaluated_button.click()
    assert view.evaluated_status.text == "Gemt: planen er evalueret 20.02.2026."
    assert "policy_revised" not in set(view.items["kind"])
    assert "Planen blev senest evalueret 20.02.2026." in texts(view.evaluated.value)
    view.evaluated_on.value = date(2999, 1, 1)
    view.evaluated_button.click()
    assert "ikke en dag i fremtiden" in view.evaluated_status.text


def test_opfoelgning_offers_the_actioncard_and_plan_downloads_from_the_server(plan_db: Path) -> None:
    view = OpfoelgningView(plan_db, today=TODAY)
    html = "".join(getattr(w, "value", "") for w in view.widget.children)
    assert 'href="../../ssp/download/actioncard/actioncard.pdf"' in html
    assert 'href="../../ssp/download/plan/handleplan.yaml"' in html
    assert "data:" not in html


# --- Netværk ------------------------------------------------------------------------------

def test_netvaerk_shows_the_networks_kpis_with_the_fdr_sentence_and_switches(plan_db: Path) -> None:
    view = NetvaerkView(plan_db, today=TODAY, network="Syd", year=2025)
    assert view.ready and view.wait(60) and view.chart_status.text == ""
    with db.reader(plan_db) as con:
        frame = kpis.kpis(con, Filters(year=2025, networks=("Syd",)), today=TODAY).set_index("key")
    cases = kpi_value_text(frame.loc["cases"].to_dict())
    assert re.search(rf'data-kpi="cases".*?ssp-kpi-value">{cases}<', view.cards.value, re.S)
    assert unescape(view.cards.value).count(stats.FDR_SENTENCE) == 1
    assert "Syd 2025" in view.heading.value
    assert 'href="../../ssp/download/netvaerk/2025-Syd.pdf"' in view.download.value
    assert view.kpi_chart.figure["data"] and view.trend_chart.figure["data"]
    view.network.value = "Nord"
    assert view.wait(60)
    assert "Nord 2025" in view.heading.value and "SletDet hjalp hurtigt." in view.learnings.value
    assert "Skoleleder" in view.people.value


def test_netvaerk_takes_its_network_from_the_address_only_when_it_is_known(
        plan_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUERY_STRING", "netvaerk=Syd&aar=2024")
    view = NetvaerkView(plan_db, today=TODAY)
    assert (view.network.value, view.year.value) == ("Syd", 2024)
    monkeypatch.setenv("QUERY_STRING", "netvaerk=%3Cscript%3E")
    view = NetvaerkView(plan_db, today=TODAY)
    assert view.network.value == "Nord" and "<script>" not in view.heading.value


def test_fdr_sentence_is_on_aarsevaluering_once(plan_db: Path) -> None:
    from evaluation.views.aarsevaluering import AarsevalueringView

    view = AarsevalueringView(plan_db, today=TODAY)
    assert view.wait(60)
    assert unescape(view.experience.cards.value).count(stats.FDR_SENTENCE) == 1


# --- Årsrapport ---------------------------------------------------------------------------

def test_aarsrapport_makes_a_report_in_a_child_process_and_links_the_files(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    out = tmp_path / "rapporter"
    view = AarsrapportView(path, reports_dir=out)
    assert view.ready and "ikke lavet nogen rapporter" in view.listing.value
    view.make()
    assert view.button.disabled and view.progress_box.layout.display == "flex"
    assert view.make() is view.watcher  # a second click while it runs starts nothing
    assert view.wait(600)
    year = view.year.value
    assert view.status.text == f"Teamets udgave for {year} er lavet."
    assert f'href="../../ssp/download/rapport/aarsevaluering-{year}-team.pdf"' in view.result.value
    assert "undertrykkelser" not in view.result.value  # the team edition hides nothing
    assert not view.button.disabled and view.progress_box.layout.display == "none"
    assert f"aarsevaluering-{year}-team.html" in view.listing.value
    again = AarsrapportView(path, reports_dir=out)  # a later visit finds the report
    assert f"Teamets udgave for {year} findes allerede" in texts(again.result.value)


def test_the_suppression_list_is_labelled_as_the_teams_only() -> None:
    from evaluation.views.aarsrapport import files_html

    html = files_html([("PDF", "aarsevaluering-2025-kredsraad.pdf"),
                       ("Listen over skjulte tal (kun til teamet)", "aarsevaluering-2025-kredsraad-undertrykkelser.csv")])
    assert html.count("ssp-report-file") == 1
    team_only = re.search(r'<div class="[^"]*ssp-team-only">(.*?)</div>', html, re.S).group(1)
    assert "Kun til teamet" in team_only and "undertrykkelser.csv" in team_only


# --- Indlæs udtræk ------------------------------------------------------------------------

def test_indlaes_lists_imports_and_silent_networks_and_works_without_a_database(
        plan_db: Path, tmp_path: Path) -> None:
    from evaluation.plan import networks

    with db.writer(plan_db) as con:  # a network in the registry that has sent no file yet
        networks.add_network(con, "Nyby", by="test")
    view = IndlaesView(plan_db, today=TODAY)
    assert view.ready
    assert [value for _label, value in view.network.options] == ["", "Nord", "Nyby", "Syd"]
    assert "Nyby – 0" in texts(view.silent.value)
    view.network.value = "Syd"
    assert view.uploader.network == "Syd"  # what the browser sends with each file
    assert view.uploader.upload_url == "../../ssp/upload"
    assert "eksport1.csv" in view.listing.value
    assert "Syd juni 2025 3" in texts(view.silent.value) and "Nord marts 2025 3" in texts(view.silent.value)
    view.after_upload([{"file": "a.csv", "status": "loaded"}, {"file": "b.csv", "status": "rejected"}])
    assert view.status.text == ("2 filer: 1 indlæst, 0 uændret, 1 afvist. Detaljerne står ved hver fil ovenfor.")
    empty = IndlaesView(tmp_path / "ny.duckdb", today=TODAY)
    assert empty.ready and "databasen oprettes ved den første fil" in empty.listing.value
    assert [value for _label, value in empty.network.options] == [""]  # "Vælg netværk …" only


def test_the_team_adds_a_network_and_its_files_can_be_loaded_at_once(plan_db: Path) -> None:
    from evaluation.plan import networks

    view = IndlaesView(plan_db, today=TODAY)
    section = view.networks
    assert section is not None and "Nord" in texts(section.table.value)
    section.name.value = "Vestby"
    section.reason.value = "Ny skole i kommunen"
    section.add_button.click()
    assert section.status.text == "Netværket »Vestby« er oprettet. Dets filer kan nu indlæses."
    assert "Vestby" in texts(section.table.value)
    assert "Vestby" in [value for _label, value in view.network.options]  # the upload drop-down
    with db.reader(plan_db) as con:
        assert "Vestby" in networks.network_names(con)
        history = con.execute("SELECT reason, changed_by FROM registry_history WHERE item_id = 'vestby'").fetchall()
    assert history == [("Ny skole i kommunen", current_user())]  # who and why, in the plan's history
    assert section.name.value == ""


def test_a_name_like_a_known_network_is_asked_about_before_it_is_added(plan_db: Path) -> None:
    from evaluation.plan import networks

    section = IndlaesView(plan_db, today=TODAY).networks
    section.name.value = "Nordd"
    section.add_button.click()
    assert section.status.text.startswith("Navnet ligner det kendte netværk »Nord«.")
    assert section.confirm_add.layout.display is None  # shown: "Ja, opret »Nordd« som et nyt netværk"
    section.name.value = "Nordby"  # another name is another question: the yes goes
    assert section.confirm_add.layout.display == "none"
    section.name.value = "Nordd"
    section.add_button.click()
    with db.reader(plan_db) as con:
        assert networks.network_names(con) == ["Nord", "Syd"]
    section.confirm_add.click()
    assert section.status.text.startswith("Netværket »Nordd« er oprettet.")
    assert section.confirm_add.layout.display == "none"
    with db.reader(plan_db) as con:
        assert networks.network_names(con) == ["Nord", "Nordd", "Syd"]


def test_a_network_name_that_looks_personal_is_refused_without_repeating_it(plan_db: Path) -> None:
    section = IndlaesView(plan_db, today=TODAY).networks
    section.name.value = "Ring 20 30 40 50"
    section.add_button.click()
    assert "ligner en personoplysning" in section.status.text
    assert "20 30 40 50" not in section.status.widget.value


def test_renaming_a_network_asks_first_and_then_renames_its_cases(plan_db: Path) -> None:
    view = IndlaesView(plan_db, today=TODAY)
    section = view.networks
    section.old.value = "Syd"
    section.new_name.value = "Sydkysten"
    section.rename_reason.value = "Skolerne er lagt sammen"
    section.rename_button.click()
    assert section.confirm_rename.description == "Ja, omdøb »Syd« til »Sydkysten« i planen og i alle dets sager"
    with db.reader(plan_db) as con:  # nothing renamed before the yes
        assert con.execute("SELECT count(*) FROM cases WHERE netvaerk = 'Syd'").fetchone()[0] == 3
    section.confirm_rename.click()
    assert section.status.text.startswith("Netværket hedder nu »Sydkysten«; ")
    with db.reader(plan_db) as con:
        assert con.execute("SELECT count(*) FROM cases WHERE netvaerk = 'Sydkysten'").fetchone()[0] == 3
        assert con.execute("SELECT count(*) FROM cases WHERE netvaerk = 'Syd'").fetchone()[0] == 0
        reason = con.execute("SELECT reason FROM registry_history WHERE action = 'update' ORDER BY change_id DESC "
                             "LIMIT 1").fetchone()[0]
    assert reason == "Skolerne er lagt sammen"
    assert [value for _label, value in view.network.options] == ["", "Nord", "Sydkysten"]
    section.old.value = ""
    section.rename_button.click()
    assert section.status.text == "Vælg det netværk, der skal omdøbes."


def test_the_team_undoes_an_import_from_the_upload_page(tmp_path: Path) -> None:
    """A file loaded under the wrong network is taken back: preview in words, nothing gone until
    the yes, then its cases are gone and the file can be loaded again (all through the real ingest)."""
    from evaluation.ingest import ingest, spec, template
    from evaluation.spreadsheets import write_csv

    path = tmp_path / "undo.duckdb"
    db.init(path)  # the plan's networks

    def export(network: str, sags_id: str) -> Path:
        row = {**template.example_row([network]), "sags_id": sags_id}
        file = tmp_path / f"{network.lower()}_{sags_id}.csv"
        write_csv(file, [c.label for c in spec.COLUMNS], [[row[c.key] for c in spec.COLUMNS]])
        return file

    assert ingest.ingest_file(path, export("Sindal", "A-1"), network="Sindal").status == "loaded"
    wrong = export("Tårs", "B-1")
    assert ingest.ingest_file(path, wrong, network="Tårs").status == "loaded"
    view = IndlaesView(path, today=TODAY)
    undo = view.undo
    labels = [label for label, _value in undo.choice.options]
    assert labels[1].startswith(f"Nr. 2: {wrong.name} (Tårs, ")  # newest first
    undo.preview()
    assert undo.status.text == "Vælg den indlæsning, der skal fortrydes."
    undo.choice.value = undo.choice.options[1][1]
    undo.show_button.click()
    assert f"Indlæsning 2 af {wrong.name} (netværk Tårs) fortrydes: 1 sag forsvinder" in texts(undo.question.value)
    assert undo.confirm_box.layout.display == "flex"
    with db.reader(path) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 2  # nothing gone before the yes
    undo.confirm_button.click()
    assert undo.status.text.startswith(f"Fortrudt: Indlæsning 2 af {wrong.name}")
    with db.reader(path) as con:
        assert con.execute("SELECT netvaerk FROM cases").fetchall() == [("Sindal",)]
    assert [value for _label, value in undo.choice.options] == [0, 1]
    assert wrong.name not in view.listing.value
    assert ingest.ingest_file(path, wrong, network="Tårs").status == "loaded"  # the file loads again


def test_the_team_erases_one_case_from_the_upload_page(plan_db: Path) -> None:
    """Every version of one case, after a preview in words; a typed CPR number is not echoed."""
    view = IndlaesView(plan_db, today=TODAY)
    form = view.erase_case
    with db.reader(plan_db) as con:
        sags_id, before = con.execute("SELECT sags_id, (SELECT count(*) FROM cases) FROM cases "
                                      "WHERE netvaerk = 'Syd' ORDER BY sags_id LIMIT 1").fetchone()
    form.preview()
    assert form.status.text == "Vælg netværket, sagen kommer fra."
    form.network.value = "Syd"
    form.sags_id.value = "010190-1234"
    form.show_button.click()
    assert "ligner en personoplysning" in form.status.text and "010190" not in form.status.widget.value
    form.sags_id.value = "Anna Jensen"  # a name is not repeated either
    form.show_button.click()
    assert "ligner en personoplysning" in form.status.text and "Jensen" not in form.status.widget.value
    assert form.confirm_box.layout.display == "none"
    form.sags_id.value = f" {sags_id} "
    form.show_button.click()
    assert f"Sagen {sags_id} fra Syd slettes helt: 1 version" in texts(form.question.value)
    form.network.value = "Nord"  # a changed choice takes the question (and its yes) away
    assert form.confirm_box.layout.display == "none" and form.plan is None
    form.network.value = "Syd"
    form.show_button.click()
    with db.reader(plan_db) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == before  # nothing before the yes
    form.confirm_button.click()
    assert form.status.text.startswith(f"Slettet: Sagen {sags_id} fra Syd")
    with db.reader(plan_db) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == before - 1
        assert con.execute("SELECT count(*) FROM case_versions WHERE netvaerk = 'Syd' AND sags_id = ?",
                           [sags_id]).fetchone()[0] == 0
        assert con.execute("SELECT kind, reason FROM erasures").fetchall() == [
            ("sag", "Sagen er slettet fra siden Indlæs udtræk.")]
    form.show_button.click()  # gone: the library says so in Danish
    assert f"Der er ingen sag {sags_id} fra netværket Syd." in form.status.text


def test_aarsrapport_embeds_the_report_inputs_and_publishes_the_kredsraad_edition(demo_db: Path,
                                                                                   tmp_path: Path) -> None:
    from evaluation.ingest import ingest
    from evaluation.report import publish
    from evaluation.settings import current_user

    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    out = tmp_path / "rapporter"
    view = AarsrapportView(path, reports_dir=out)
    year = int(view.year.value)
    assert view.changes.widget in view.widget.children and view.tags.widget in view.widget.children
    assert view.changes.filters.year == year and view.tags.filters.year == year
    assert view.publish_button.disabled and "er ikke udgivet" in texts(view.publication.value)
    view.edition.value = "kredsraad"
    view.make()
    assert view.wait(600) and view.status.text == f"Kredsrådets udgave for {year} er lavet."
    assert not view.publish_button.disabled
    view.publish_button.click()
    assert view.confirm_box.layout.display == "flex" and "Udgiv Kredsrådets udgave" in view.confirm.value
    view.confirm_button.click()
    with db.reader(path) as con:
        latest = publish.latest(con, year)
    assert latest is not None and latest.published_by == current_user()
    assert view.publish_status.text == (f"Kredsrådets udgave for {year} er udgivet (kontrolnummer "
                                        f"{latest.kontrolnummer}).")
    assert "er udgivet" in texts(view.publication.value) and view.confirm_box.layout.display == "none"
    # New cases after the draft: publishing the old draft again is refused in Danish.
    extra = tmp_path / "nye.csv"
    extra.write_text("sags_id;netvaerk;institutionstype;indberetningsmaaned;aldersgruppe;kraenker;situation;"
                     "kraenkelsestyper;vurdering;foraeldre_inddraget;dokumentation_sikret;politianmeldt\n"
                     f"NY-1;Sindal;folkeskole;{year}-05;12_14;kendt;A;billeddeling;paedagogisk;ja;ja;nej\n",
                     encoding="utf-8")
    assert ingest.ingest_file(path, extra, network="Sindal").status == "loaded"
    view.publish_button.click()
    view.confirm_button.click()
    assert "Data er ændret" in view.publish_status.text
    with db.reader(path) as con:
        assert len([p for p in publish.publications(con) if p.year == year]) == 1


def test_aarsrapport_shows_the_report_button_before_the_long_tagging_list_and_links_to_it(
        demo_db: Path, tmp_path: Path) -> None:
    """The tagging list has a line per learning of the year (about 180 on the demo): above the
    button it pushed 'Lav rapport' some 6,000 pixels down the page."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    view = AarsrapportView(path, reports_dir=tmp_path / "rapporter")
    children = list(view.widget.children)
    assert children.index(view.button) < children.index(view.changes.widget) < children.index(view.tags.widget)
    lead = next(c.value for c in children if isinstance(c, widgets.HTML) and "Lav rapporten" in c.value)
    targets = re.findall(r'href="#([^"]+)"', lead)
    assert len(targets) == 2
    for target, section in zip(targets, (view.changes, view.tags)):
        headings = [c.value for c in section.widget.children if isinstance(c, widgets.HTML)]
        assert any(f'id="{target}"' in h for h in headings), (target, headings[:1])


def test_an_offline_link_check_gives_page_advice_not_a_terminal_command(plan_db: Path, free_port) -> None:
    from evaluation.views import linkcheck

    closed = free_port()  # nobody listens: every address fails to connect, as without internet
    with db.writer(plan_db) as con:
        for address_id in registry.addresses(con)["address_id"]:
            registry.update_address_url(con, address_id, f"http://127.0.0.1:{closed}/{address_id}", reason="test")
    view = OpfoelgningView(plan_db, today=TODAY)
    view.link_check.start().join(120)
    said = view.link_check.status.text
    assert said.startswith("Ingen forbindelse til internettet") and said.endswith(linkcheck.PAGE_ADVICE)
    assert "ssp-eval" not in said and "ssp-banner-warn" in view.link_check.status.widget.value
    from evaluation.views.aarsevaluering import AarsevalueringView

    page = AarsevalueringView(plan_db, today=TODAY)
    assert page.wait(60)
    page.addresses.start_check().join(120)
    assert page.addresses.status.text == said  # Årsevaluering's button says the same


def test_cases_past_retention_are_followed_up_and_erased_from_the_page(plan_db: Path) -> None:
    """A case older than the retention period made the page fail (no row for its kind) and the
    item named a terminal command; now the page previews the erasure and erases on confirmation."""
    from evaluation.store import erasure

    with db.writer(plan_db) as con:
        con.execute("UPDATE case_versions SET indberetningsmaaned = DATE '2019-05-01' "
                    "WHERE netvaerk = 'Syd' AND replaced_by_import IS NULL")
        old = con.execute("SELECT count(*) FROM cases WHERE year(indberetningsmaaned) <= 2019").fetchone()[0]
        total = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert old > 0
    view = OpfoelgningView(plan_db, today=TODAY)
    assert view.status.text == ""  # no "uventet fejl"
    row = row_of(view, "Sager indberettet i")
    assert "ssp-eval" not in row.children[0].value and "Slet sagerne for altid" in row.children[0].value
    eraser = row.children[1]
    preview, confirm_box = eraser.children[0], eraser.children[1]
    preview.click()
    assert confirm_box.layout.display == "flex"
    assert f"{old} sag" in texts(confirm_box.children[0].value) and "kan ikke fortrydes" in confirm_box.children[0].value
    confirm_box.children[1].children[0].click()  # "Ja, slet for altid"
    with db.reader(plan_db) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == total - old
        assert len(erasure.history(con)) == 1
    assert not [r for r in item_rows(view) if "Sager indberettet i" in r.children[0].value]

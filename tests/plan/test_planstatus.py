"""planstatus.py and ``ssp-eval plan status``: concrete due items of every kind, in Danish."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from evaluation.store import db
from evaluation.demo import generate as demo
from evaluation.plan import keypersons, phone_checks, planstatus, registry
from evaluation.cli import cli
from evaluation.errors import EvaluationError
from evaluation.store import erasure

TODAY = date(2026, 3, 1)


def add_checks(path: Path, rows: list[tuple]) -> None:
    """Link checks as links.py stores them: (checked_at, url, address_id, status, http_status,
    proposed_url, error, error_kind)."""
    frame = pd.DataFrame(rows, dtype=object, columns=["checked_at", "url", "address_id", "status", "http_status",
                                                      "proposed_url", "error", "error_kind"])
    frame["checked_at"] = pd.to_datetime(frame["checked_at"])
    frame["final_url"] = frame["proposed_url"].map(lambda u: f"https://{u}/" if isinstance(u, str) else None)
    with db.writer(path) as con:
        con.register("checks", frame)
        con.execute("INSERT INTO link_checks BY NAME SELECT * FROM checks")
        con.unregister("checks")


@pytest.fixture(scope="module")
def prepared_once(tmp_path_factory: pytest.TempPathFactory, set_registry_networks: Callable[..., None]) -> Path:
    """Networks Nord and Syd; one of every kind of due item, and things that are *not* due.

    Built once per module through the real write functions; each test gets its own copy.
    """
    path = tmp_path_factory.mktemp("planstatus") / "prepared.duckdb"
    db.init(path)
    set_registry_networks(path, ["Nord", "Syd"])
    for role in ("ledelse", "ssp_konsulent", "ssp_kontaktlaerer"):
        keypersons.verify(path, "Nord", role, date(2025, 9, 1))                # all current in Nord ...
    keypersons.verify(path, "Syd", "ledelse", date(2024, 12, 1))               # ... overdue in Syd
    keypersons.verify(path, "Syd", "ssp_konsulent", date(2025, 12, 1))         # Syd: no contact teacher
    keypersons.record_exercise(path, "Nord", 2026, True, held_on=date(2026, 2, 10), contact_teachers=4)
    keypersons.record_exercise(path, "Syd", 2025, True, held_on=date(2025, 10, 1))  # last year's only
    with db.writer(path) as con:
        registry.set_policy_revised(con, "skolernes_ordensregler", date(2026, 1, 15))  # evaluated 2025-11-20
        registry.set_policy_revised(con, "plan_ungdomskriminalitet", date(2025, 6, 1))  # before: not due
    add_checks(path, [
        # datatilsynet.dk: ok, then 404 for 20 days running
        ("2026-01-20 03:00", "https://datatilsynet.dk", "datatilsynet_klage", "ok", 200, None, None, None),
        ("2026-02-01 03:00", "https://datatilsynet.dk/", "datatilsynet_klage", "broken", 404, None, None, None),
        ("2026-02-21 03:00", "https://www.datatilsynet.dk", "datatilsynet_klage", "broken", 404, None, None, None),
        # politi.dk/anmeld: unreachable for 3 days only (not yet flagged), then an offline run (ignored)
        ("2026-02-18 03:00", "https://politi.dk/anmeld", "politi_anmeld", "unreachable", None, None,
         "tidsgrænsen blev overskredet", "timeout"),
        ("2026-02-21 03:00", "https://politi.dk/anmeld", "politi_anmeld", "unreachable", None, None,
         "tidsgrænsen blev overskredet", "timeout"),
        ("2026-02-28 03:00", "https://politi.dk/anmeld", "politi_anmeld", "unreachable", None, None,
         "ingen forbindelse", "offline"),
        # redbarnet.dk/sletdet: moved permanently
        ("2026-02-21 03:00", "https://redbarnet.dk/sletdet", "red_barnet_sletdet", "moved", 301,
         "sletdet.redbarnet.dk", None, None),
    ])
    phone_checks.check(path, "politi_114", "ok", date(2025, 12, 1))             # checked: not due
    phone_checks.check(path, "sikkerchat", "broken", date(2026, 2, 1))          # not working
    # Red Barnet's hotline: never checked
    add_cases(path, [("A1", "2019-05-01"), ("A2", "2021-03-01")])  # 2019: past 5 years' retention; 2021 kept
    return path


def add_cases(path: Path, cases: list[tuple[str, str]]) -> None:
    """Plain cases with the given case numbers and reporting months (one import)."""
    with db.writer(path) as con:
        con.execute("INSERT INTO imports (import_id, file_name, sha256, imported_by, rows_in_file, rows_new, "
                    "rows_replaced, rows_unchanged) VALUES (1, 'gammel.csv', repeat('a', 64), 't', 2, 2, 0, 0)")
        for i, (sags_id, month) in enumerate(cases):
            con.execute("""INSERT INTO case_versions (import_id, row_in_file, content_hash, sags_id, netvaerk,
                               institutionstype, indberetningsmaaned, aldersgruppe, kraenker, situation,
                               kraenkelsestyper, vurdering, foraeldre_inddraget, dokumentation_sikret, politianmeldt)
                           VALUES (1, ?, ?, ?, 'Nord', 'folkeskole', ?::DATE, '12_14', 'kendt', 'A',
                                   ['billeddeling'], ['paedagogisk'], 'ja', 'ja', false)""",
                        [i + 2, sags_id, sags_id, month])


@pytest.fixture
def prepared(prepared_once: Path, tmp_path: Path) -> Path:
    path = tmp_path / "prepared.duckdb"
    shutil.copyfile(prepared_once, path)
    return path


def items(path: Path, today: date = TODAY) -> pd.DataFrame:
    with db.reader(path) as con:
        return planstatus.due_items(con, today=today)


def test_due_items_lists_concrete_items_of_every_kind(prepared: Path) -> None:
    frame = items(prepared)
    assert list(frame.columns) == ["kind", "kind_label", "what", "why", "since", "network", "ref", "proposed"]
    assert set(frame["kind"]) == set(planstatus.KINDS)
    assert list(dict.fromkeys(frame["kind"])) == list(planstatus.KINDS)  # grouped in KINDS order
    assert (frame["kind_label"] == frame["kind"].map(planstatus.KIND_LABELS)).all()
    got = {(r.kind, r.what): r for r in frame.itertuples()}
    assert set(got) == {
        ("policy_revised", "Skolernes ordensregler"),
        ("role_missing", "SSP-kontaktlærer i Syd"),
        ("role_due", "Ledelse i Syd"),
        ("address_broken", "datatilsynet.dk"),
        ("address_moved", "redbarnet.dk/sletdet"),
        ("phone_broken", "29 27 01 01 (Sikkerchat)"),
        ("phone_due", "35 36 55 55 (Red Barnet)"),
        ("exercise_missing", "Øvelse 2026 i Syd"),
        ("retention_past", "Sager indberettet i 2020 og før"),
    }
    assert "15.01.2026" in got[("policy_revised", "Skolernes ordensregler")].why
    assert "20.11.2025" in got[("policy_revised", "Skolernes ordensregler")].why
    assert "ingen registreret SSP-kontaktlærer" in got[("role_missing", "SSP-kontaktlærer i Syd")].why
    due = got[("role_due", "Ledelse i Syd")]
    assert "01.12.2024" in due.why and due.since == pd.Timestamp("2025-12-01")
    broken = got[("address_broken", "datatilsynet.dk")]
    assert "HTTP-status 404" in broken.why and "20 dage i træk" in broken.why
    assert broken.since == pd.Timestamp("2026-02-01 03:00")
    assert "sletdet.redbarnet.dk" in got[("address_moved", "redbarnet.dk/sletdet")].why
    assert "Ingen øvelse registreret for 2026" in got[("exercise_missing", "Øvelse 2026 i Syd")].why
    # what a page needs to act on an item (Opfølgning ticks items off or links to them)
    assert (due.network, due.ref) == ("Syd", "ledelse")
    assert got[("role_missing", "SSP-kontaktlærer i Syd")].ref == "ssp_kontaktlaerer"
    moved = got[("address_moved", "redbarnet.dk/sletdet")]
    assert (moved.ref, moved.proposed) == ("red_barnet_sletdet", "sletdet.redbarnet.dk")
    assert broken.ref is not None and got[("exercise_missing", "Øvelse 2026 i Syd")].network == "Syd"
    old = got[("retention_past", "Sager indberettet i 2020 og før")]
    assert old.why == "1 sag er ældre end opbevaringsperioden på 5 år."  # the CLI text adds how (below)
    assert (old.ref, old.since) == ("2020", pd.Timestamp("2025-01-01"))  # 2019 + 5 whole years, then due


def test_unreachable_is_flagged_only_after_the_agreed_days(prepared: Path) -> None:
    add_checks(prepared, [("2026-03-01 03:00", "https://politi.dk/anmeld", "politi_anmeld", "unreachable", None,
                           None, "tidsgrænsen blev overskredet", "timeout")])
    frame = items(prepared)
    assert "politi.dk/anmeld" not in set(frame["what"])  # 11 days: below link_failing_days (14)
    add_checks(prepared, [("2026-03-05 03:00", "https://politi.dk/anmeld", "politi_anmeld", "unreachable", None,
                           None, "tidsgrænsen blev overskredet", "timeout")])
    row = items(prepared, date(2026, 3, 5)).set_index("what").loc["politi.dk/anmeld"]
    assert row["kind"] == "address_broken"
    assert "tidsgrænsen blev overskredet" in row["why"] and "15 dage i træk" in row["why"]


def test_accepting_a_move_and_fixing_things_clears_the_items(prepared: Path) -> None:
    with db.writer(prepared) as con:
        registry.update_address_url(con, "red_barnet_sletdet", "sletdet.redbarnet.dk", reason="Linktjek")
        registry.set_plan_meta(con, "last_evaluated", date(2026, 2, 1))
    keypersons.verify(prepared, "Syd", "ssp_kontaktlaerer", date(2026, 2, 2))
    keypersons.verify(prepared, "Syd", "ledelse", date(2026, 2, 2))
    keypersons.record_exercise(prepared, "Syd", 2026, True, held_on=date(2026, 2, 20))
    add_checks(prepared, [("2026-02-22 03:00", "https://datatilsynet.dk", "datatilsynet_klage", "ok", 200,
                           None, None, None)])
    phone_checks.check(prepared, "sikkerchat", "changed", date(2026, 2, 25), new_number="29 27 01 02")
    phone_checks.check(prepared, "red_barnet_hotline", "ok", date(2026, 2, 25))
    with db.writer(prepared) as con:
        erasure.erase(con, erasure.plan_through_year(con, 2020))
    assert items(prepared).empty


def test_the_retention_period_comes_from_the_plan(prepared: Path) -> None:
    with db.writer(prepared) as con:
        registry.set_plan_meta(con, "retention_years", "4")
    assert items(prepared).set_index("kind").loc["retention_past", "what"] == "Sager indberettet i 2021 og før"
    with db.writer(prepared) as con:
        con.execute("DELETE FROM plan_meta WHERE key = 'retention_years'")  # a database seeded before the setting
    row = items(prepared).set_index("kind").loc["retention_past"]
    assert row["what"] == "Sager indberettet i 2020 og før" and "(standard; planen har ikke fastsat" in row["why"]
    with db.writer(prepared) as con:
        registry.set_plan_meta(con, "retention_years", "fem")
    with pytest.raises(EvaluationError, match="helt antal år fra 1 til 50, ikke 'fem'"):
        items(prepared)


def test_exercise_recorded_as_not_held_is_still_due(prepared: Path) -> None:
    keypersons.record_exercise(prepared, "Nord", 2026, False)
    row = items(prepared).set_index("what").loc["Øvelse 2026 i Nord"]
    assert "ikke holdt" in row["why"]


def test_without_an_evaluation_date_no_policy_is_flagged(prepared: Path) -> None:
    with db.writer(prepared) as con:
        registry.set_plan_meta(con, "last_evaluated", None)
    assert "policy_revised" not in set(items(prepared)["kind"])


def test_format_due_groups_by_kind_in_danish(prepared: Path) -> None:
    text = planstatus.format_due(items(prepared))
    assert text.startswith("Til opfølgning: 9 punkter.")
    for label in planstatus.KIND_LABELS.values():
        assert f"{label} (1)" in text
    assert "  - Ledelse i Syd: Sidst bekræftet 01.12.2024" in text
    assert "Forfalden siden 01.12.2025." in text
    assert ("ældre end opbevaringsperioden på 5 år. Slet dem med 'ssp-eval slet til-og-med 2020'. Forfalden "
            "siden 01.01.2025.") in text
    empty = planstatus.format_due(items(prepared).iloc[0:0])
    assert empty.startswith("Intet at følge op på")


def test_cli_plan_status_on_a_demo_like_database(case_db: Callable[..., Path]) -> None:
    path = case_db([{"netvaerk": n.name, "sags_id": f"D{i}"} for i, n in enumerate(demo.NETWORKS)])
    db.init(path)
    summary = demo.add_plan_upkeep_demo(path, seed=3)
    assert summary and "Planens vedligehold" in summary

    result = CliRunner().invoke(cli, ["plan", "status", "--db", str(path)], prog_name="ssp-eval")
    assert result.exit_code == 0, result.output
    out = result.output
    year = date.today().year
    assert out.startswith("Til opfølgning:")
    assert f"SSP-kontaktlærer i {demo.NETWORKS[-1].name}: Netværket har ingen registreret SSP-kontaktlærer." in out
    assert "Nøglepersoner ikke bekræftet i 12 måneder" in out and "Sidst bekræftet" in out
    assert f"Øvelse {year} i " in out
    assert "Skolernes ordensregler: Revideret" in out
    with db.reader(path) as con:
        frame = planstatus.due_items(con)
    assert {"role_due", "role_missing", "exercise_missing", "policy_revised"} <= set(frame["kind"])
    assert (frame["kind"] == "exercise_missing").sum() == 3


def test_cli_plan_status_hidden_today_option(prepared: Path) -> None:
    result = CliRunner().invoke(cli, ["plan", "status", "--db", str(prepared), "--today", "2026-03-01"])
    assert result.exit_code == 0, result.output
    assert "Øvelse 2026 i Syd" in result.output and "redbarnet.dk/sletdet" in result.output
    later = CliRunner().invoke(cli, ["plan", "status", "--db", str(prepared), "--today", "2027-01-05"])
    assert "Øvelse 2027 i Nord" in later.output
    assert "--today" not in CliRunner().invoke(cli, ["plan", "status", "--help"]).output


def test_cli_plan_status_missing_database_is_a_danish_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["plan", "status", "--db", str(tmp_path / "nej.duckdb")])
    assert result.exit_code == 1
    assert "Fejl: Databasen" in result.output and "findes ikke" in result.output


def test_since_is_a_datetime_column(prepared: Path) -> None:
    frame = items(prepared)
    assert pd.api.types.is_datetime64_any_dtype(frame["since"])
    assert frame.loc[frame["kind"] == "role_missing", "since"].isna().all()
    assert isinstance(frame.loc[frame["kind"] == "exercise_missing", "since"].iloc[0], (pd.Timestamp, datetime))

"""ingest.py: real files through the real reader into a real DuckDB file — all or nothing.

Files are written here the way networks send them (Windows-1252 ';' CSV with Danish labels,
UTF-8 BOM CSV with keys, .xlsx with a guide sheet and Excel date cells). Each test asserts
what is in the database afterwards, and for a refused file that nothing but the rejection
was written. The command line is tested with click's CliRunner.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from evaluation.store import db
from evaluation.ingest import ingest, spec
from evaluation.plan import networks
from evaluation.cli import cli
from test_validate import ERROR_CASES, GOOD

TODAY = date(2026, 11, 20)


# --- writing files as the networks do ------------------------------------------------------


def as_labels(row: dict[str, Any]) -> dict[str, Any]:
    """A case with codes written the way Danish Excel users write it: labels, Ja/Nej."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        col = spec.COLUMN_BY_KEY[key]
        if value in (None, "") or not isinstance(value, str):
            out[key] = value
        elif col.kind == "yesno":
            out[key] = {"ja": "Ja", "nej": "Nej"}.get(value, value)
        elif col.is_list and col.codes:
            out[key] = ", ".join(col.codes.get(v.strip(), v.strip()) for v in value.split(","))
        elif col.codes:
            out[key] = col.codes.get(value, value)
        else:
            out[key] = value
    return out


def write_csv(path: Path, rows: list[dict[str, Any]], *, labels: bool = True, sep: str = ";",
              encoding: str = "cp1252", drop: tuple[str, ...] = (), extra: dict[str, str] | None = None) -> Path:
    """An export CSV: header by Danish label or key, CRLF, quoted where needed."""
    keys = [k for k in spec.KEYS if k not in drop]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    header = [spec.COLUMN_BY_KEY[k].label if labels else k for k in keys]
    writer.writerow(header + list(extra or {}))
    for row in rows:
        full = {**GOOD, **row}
        full = as_labels(full) if labels else full
        writer.writerow(["" if full[k] is None else full[k] for k in keys] + list((extra or {}).values()))
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def cases(db_path: Path, columns: str = "*", where: str = "true") -> list[tuple]:
    with db.reader(db_path) as con:
        return con.execute(f"SELECT {columns} FROM cases WHERE {where} ORDER BY netvaerk, sags_id").fetchall()


def count(db_path: Path, table: str) -> int:
    with db.reader(db_path) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised database (schema + plan registry), made once and copied per test."""
    path = tmp_path_factory.mktemp("seed") / "seed.duckdb"
    db.init(path)
    with db.writer(path) as con:  # the test files' networks, beside the plan's own
        for name in ("Nord", "Syd", "Vest"):
            networks.add_network(con, name, allow_similar=True)
    return path


@pytest.fixture
def db_path(seeded: Path, tmp_path: Path) -> Path:
    target = tmp_path / "ssp.duckdb"
    shutil.copyfile(seeded, target)
    return target


def load(db_path: Path, path: Path, **kwargs: Any) -> ingest.IngestResult:
    return ingest.ingest_file(db_path, path, today=TODAY, **kwargs)


# --- the file flavours -------------------------------------------------------------------------


def test_windows_1252_semicolon_csv_with_danish_labels(db_path: Path, tmp_path: Path) -> None:
    learning = "Forældrene “fik” hjælp – og skolen brugte 0 € på det."
    path = write_csv(tmp_path / "hirtshals_2025.csv", [
        {"sags_id": "HH25/01", "kraenker": "begge", "vurdering": "paedagogisk, politisag",
         "erfaringer": learning},
        {"sags_id": "HH25/02", "situation": "A", "hjaelp": "hotline, laege"},
    ])
    assert path.read_bytes().count(b"\x80") == 1  # really Windows-1252: the euro sign
    result = load(db_path, path)
    assert result.status == "loaded", [str(m) for m in result.messages]
    assert result.summary() == "hirtshals_2025.csv: 2 sager indlæst (2 nye, 0 rettede)."
    rows = cases(db_path, "sags_id, kraenker, vurdering, erfaringer, situation, hjaelp, politianmeldt, "
                          "indberetningsmaaned, aldersgruppe")
    assert rows == [
        ("HH25/01", "begge", ["paedagogisk", "politisag"], learning, "B", ["psykolog"], True,
         date(2025, 3, 1), "12_14"),
        ("HH25/02", "kendt", ["politisag", "underretning"], GOOD["erfaringer"], "A", ["hotline", "laege"], True,
         date(2025, 3, 1), "12_14"),
    ]
    with db.reader(db_path) as con:
        imported = con.execute("SELECT file_name, sha256, rows_in_file, rows_new, imported_by FROM imports").fetchall()
    assert imported == [("hirtshals_2025.csv", hashlib.sha256(path.read_bytes()).hexdigest(), 2, 2,
                         imported[0][4])]


def test_utf8_bom_csv_with_keys_and_commas(db_path: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sindal.csv", [
        {"sags_id": "S2025-1", "platforme": "snapchat, tiktok", "netvaerk": "Sindal"},
        {"sags_id": "S2025-2", "platforme": "instagram", "netvaerk": "Sindal", "koen": "dreng"},
    ], labels=False, sep=",", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = load(db_path, path)
    assert result.status == "loaded", [str(m) for m in result.messages]
    assert cases(db_path, "sags_id, netvaerk, platforme, koen") == [
        ("S2025-1", "Sindal", ["snapchat", "tiktok"], "pige"),
        ("S2025-2", "Sindal", ["instagram"], "dreng"),
    ]


def test_xlsx_with_guide_sheet_and_excel_date_cells(db_path: Path, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    guide = workbook.active
    guide.title = "Vejledning"
    guide.append(["Sagsudtræk – én række pr. sag. Ingen navne eller CPR-numre."])
    sheet = workbook.create_sheet("Sager")
    sheet.append([c.label for c in spec.COLUMNS])
    for sags_id, reported, closed, age in (("VRAA-2025-01", datetime(2025, 3, 17), date(2025, 5, 2), 13),
                                           ("VRAA-2025-02", datetime(2024, 12, 1), None, 16)):
        values = as_labels({**GOOD, "sags_id": sags_id, "netvaerk": "Vrå"})
        values.update(indberetningsmaaned=reported, afslutningsmaaned=closed, aldersgruppe=age,
                      antal_kraenkede=2, foraeldre_inddraget_dage=0)
        sheet.append([values[c.key] for c in spec.COLUMNS])
    path = tmp_path / "vraa_2025.xlsx"
    workbook.save(path)
    result = load(db_path, path)
    assert result.status == "loaded", [str(m) for m in result.messages]
    assert cases(db_path, "sags_id, indberetningsmaaned, afslutningsmaaned, aldersgruppe, antal_kraenkede, "
                          "foraeldre_inddraget_dage") == [
        ("VRAA-2025-01", date(2025, 3, 1), date(2025, 5, 1), "12_14", 2, 0),
        ("VRAA-2025-02", date(2024, 12, 1), None, "15_17", 2, 0),
    ]
    assert result.warning_count == 1  # VRAA-2025-02 has been open for more than 12 months
    assert "1 advarsel" in result.summary()


def test_missing_database_is_created_with_the_plan_registry(tmp_path: Path) -> None:
    db_path = tmp_path / "ssp.duckdb"  # a missing *folder* is refused (tests/store/test_db.py)
    result = load(db_path, write_csv(tmp_path / "a.csv", [{"netvaerk": "sindal"}]))  # a network of the plan
    assert result.status == "loaded" and result.import_id == 1
    assert cases(db_path, "netvaerk") == [("Sindal",)], "stored as the registry spells it"
    assert count(db_path, "cases") == 1
    assert count(db_path, "actors") > 5


# --- re-imports and corrections ----------------------------------------------------------------


def test_reimport_of_the_same_content_changes_nothing_and_says_so(db_path: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "nord.csv", [{}, {"sags_id": "N2"}])
    assert load(db_path, path).status == "loaded"
    again = load(db_path, path)
    assert again.status == "unchanged" and again.messages == []
    assert again.summary() == f"nord.csv uændret: filen er allerede indlæst (importeret {date.today():%Y-%m-%d})."
    renamed = tmp_path / "nord_kopi.csv"
    shutil.copyfile(path, renamed)
    assert "(importeret " in load(db_path, renamed).summary() and "som nord.csv" in load(db_path, renamed).summary()
    assert count(db_path, "imports") == 1 and count(db_path, "case_versions") == 2


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_big_file_loaded_before_is_answered_before_it_is_parsed(db_path: Path, tmp_path: Path, suffix: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Over ``PRECHECK_BYTES`` (here every file), the hash is looked up before any parse: a
    workbook is never opened, a CSV gets only the reader's first pass (the hash runs beside it)."""
    from evaluation.ingest import readers

    path = write_csv(tmp_path / "nord.csv", [{}, {"sags_id": "N2"}])
    if suffix == ".xlsx":
        workbook = openpyxl.Workbook()
        with path.open(encoding="cp1252", newline="") as handle:
            for row in csv.reader(handle, delimiter=";"):
                workbook.active.append(row)
        path = tmp_path / "nord.xlsx"
        workbook.save(path)
    assert load(db_path, path).status == "loaded"
    monkeypatch.setattr(ingest, "PRECHECK_BYTES", 0)
    monkeypatch.setattr(ingest, "_load", lambda *a, **k: pytest.fail("validated again"))
    if suffix == ".xlsx":
        monkeypatch.setattr(readers, "read_export", lambda *a, **k: pytest.fail("parsed again"))
    again = load(db_path, path)
    assert again.status == "unchanged"
    assert count(db_path, "imports") == 1


def test_corrected_export_replaces_changed_cases_and_keeps_the_audit_trail(db_path: Path, tmp_path: Path) -> None:
    first = load(db_path, write_csv(tmp_path / "nord_1.csv", [
        {"sags_id": "N1"}, {"sags_id": "N2", "materiale_slettet": "nej"}, {"sags_id": "N3"}]))
    # Same cases re-exported: N1 identical (written with codes instead of labels), N2 corrected, N4 new.
    second_path = write_csv(tmp_path / "nord_2.csv", [
        {"sags_id": "N1"}, {"sags_id": "N2", "materiale_slettet": "ja"}, {"sags_id": "N4"}], labels=False)
    second = load(db_path, second_path)
    assert (second.rows_new, second.rows_replaced, second.rows_unchanged) == (1, 1, 1)
    assert second.summary() == "nord_2.csv: 3 sager indlæst (1 ny, 1 rettet, 1 uændret)."
    assert cases(db_path, "sags_id, materiale_slettet, import_id") == [
        ("N1", "ja", first.import_id), ("N2", "ja", second.import_id), ("N3", "ja", first.import_id),
        ("N4", "ja", second.import_id)]
    with db.reader(db_path) as con:
        history = con.execute("SELECT import_id, replaced_by_import, materiale_slettet FROM case_versions "
                              "WHERE sags_id = 'N2' ORDER BY import_id").fetchall()
        counts = con.execute("SELECT rows_new, rows_replaced, rows_unchanged FROM imports ORDER BY import_id").fetchall()
    assert history == [(first.import_id, second.import_id, "nej"), (second.import_id, None, "ja")]
    assert counts == [(3, 0, 0), (1, 1, 1)]


def test_a_rejected_correction_leaves_the_loaded_cases_untouched(db_path: Path, tmp_path: Path) -> None:
    load(db_path, write_csv(tmp_path / "nord_1.csv", [{"sags_id": "N1"}, {"sags_id": "N2"}]))
    before = cases(db_path)
    bad = load(db_path, write_csv(tmp_path / "nord_2.csv", [{"sags_id": "N1", "situation": "C"},
                                                            {"sags_id": "N2", "materiale_slettet": "nej"}]))
    assert bad.status == "rejected"
    assert cases(db_path) == before and count(db_path, "case_versions") == 2


# --- refused files: every rule, nothing loaded ---------------------------------------------------


def test_a_file_breaking_every_rule_reports_each_at_its_row_and_column_and_loads_nothing(
        db_path: Path, tmp_path: Path) -> None:
    rows = [{}] + [{"sags_id": f"R{i}", **changes} for i, (_, changes, _, _) in enumerate(ERROR_CASES)]
    path = write_csv(tmp_path / "alle_fejl.csv", rows, labels=True)
    result = load(db_path, path)
    assert result.status == "rejected"
    assert result.error_count == len(ERROR_CASES)
    letters = {k: openpyxl.utils.get_column_letter(i + 1) for i, k in enumerate(spec.KEYS)}
    shown = {(m.row, m.key, m.rule) for m in result.messages}
    for i, (name, _, key, rule) in enumerate(ERROR_CASES):
        assert (i + 3, key, rule) in shown, name
    first = next(m for m in result.messages if m.key == "situation")
    label = spec.COLUMN_BY_KEY["situation"].label
    assert str(first).startswith(f"alle_fejl.csv, række {first.row}, kolonne {letters['situation']} »{label}«: ")
    assert result.summary() == f"alle_fejl.csv afvist: {len(ERROR_CASES)} fejl – intet er indlæst."
    assert count(db_path, "case_versions") == 0 and count(db_path, "imports") == 0
    with db.reader(db_path) as con:
        rejected = con.execute("SELECT file_name, sha256, errors, first_error FROM rejected_files").fetchall()
    assert rejected == [("alle_fejl.csv", hashlib.sha256(path.read_bytes()).hexdigest(), len(ERROR_CASES),
                         result.messages[0].rule)]


@pytest.mark.parametrize("content, text", [
    (b"", "er tom"),
    ("Sags-ID;SSP-netværk;Situation\r\n".encode("cp1252"), "ingen sager"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "ikke en tekstfil"),
], ids=["tom fil", "kun overskrifter", "binær fil"])
def test_empty_and_binary_files_are_rejected_and_recorded(db_path: Path, tmp_path: Path, content: bytes,
                                                          text: str) -> None:
    path = tmp_path / "eksport.csv"
    path.write_bytes(content)
    result = load(db_path, path)
    assert result.status == "rejected" and result.error_count >= 1
    assert any(text in str(m) for m in result.messages), [str(m) for m in result.messages]
    assert "afvist" in result.summary()
    assert count(db_path, "rejected_files") == 1 and count(db_path, "case_versions") == 0


PII = [
    ("cpr med bindestreg", "erfaringer", "Eleven 010190-1234 blev hjulpet.", "010190-1234"),
    ("cpr uden bindestreg", "erfaringer", "Nummeret 0101901234 stod i chatten.", "0101901234"),
    ("cpr som sags-id", "sags_id", "010190-1234", "010190-1234"),
    ("telefon", "erfaringer", "Moren ringede fra 22 33 44 55 om aftenen.", "22 33 44 55"),
    ("telefon +45", "erfaringer", "Ring +4598765432 hvis det sker igen.", "98765432"),
    ("e-mail", "erfaringer", "Billederne kom fra emma.h@gmail.com i går.", "emma.h@gmail.com"),
    ("handle", "erfaringer", "Profilen @sofie_2011 delte videoen.", "@sofie_2011"),
    ("fornavn", "erfaringer", "Vi talte med Oliver og hans forældre.", "Oliver"),
    ("fornavn i aktører", "aktoerer", "Red Barnet SletDet, Lærke", "Lærke"),
]


@pytest.mark.parametrize("key, value, secret", [p[1:] for p in PII], ids=[p[0] for p in PII])
def test_personal_data_rejects_the_file_and_never_appears_anywhere(db_path: Path, tmp_path: Path, key: str,
                                                                   value: str, secret: str) -> None:
    path = write_csv(tmp_path / "eksport.csv", [{"sags_id": "N1"}, {"sags_id": "N2", key: value}])
    result = load(db_path, path)
    assert result.status == "rejected"
    assert [(m.row, m.key) for m in result.messages] == [(3, key)]
    assert "(»" in str(result.messages[0]) and "*" in str(result.messages[0])
    output = "\n".join([str(m) for m in result.messages] + [result.summary()])
    assert secret not in output
    with db.reader(db_path) as con:
        stored = con.execute("SELECT * FROM rejected_files").fetchall()
        assert con.execute("SELECT count(*) FROM case_versions").fetchall()[0][0] == 0
    assert secret not in repr(stored)
    assert secret.encode("utf-8") not in db_path.read_bytes()


# --- warnings, columns, the network, progress ---------------------------------------------------


def test_warnings_load_and_are_counted(db_path: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "nord.csv", [{"sags_id": "N1", "vurdering": "politisag", "politianmeldt": "nej",
                                              "anmeldt_af": None}], extra={"Løbenr.": "7"})
    result = load(db_path, path)
    assert result.status == "loaded"
    assert sorted(m.rule for m in result.messages) == ["politisag_ikke_anmeldt", "ukendt_kolonne"]
    assert all(m.level == "advarsel" for m in result.messages)
    assert "2 advarsler" in result.summary()
    with db.reader(db_path) as con:
        assert con.execute("SELECT warnings FROM imports").fetchall() == [(2,)]
        assert "Løbenr." not in str(con.execute("DESCRIBE case_versions").fetchall())


def test_network_given_for_a_file_without_the_column(db_path: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "syd.csv", [{"sags_id": "S1"}], drop=("netvaerk",))
    refused = load(db_path, path)
    assert refused.status == "rejected" and "--network" in str(refused.messages[0])
    result = load(db_path, path, network="Syd")
    assert result.status == "loaded"
    assert cases(db_path, "netvaerk, sags_id") == [("Syd", "S1")]
    with db.reader(db_path) as con:
        assert con.execute("SELECT network FROM imports").fetchall() == [("Syd",)]


def test_progress_goes_from_read_through_validation_to_write(db_path: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    load(db_path, write_csv(tmp_path / "a.csv", [{}]), progress=lambda d, t: calls.append((d, t)))
    assert calls[0][0] == 1 and calls[-1][0] == calls[-1][1]
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) >= 5


# --- the command line ------------------------------------------------------------------------------


def test_cli_loads_files_and_exits_0(db_path: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "nord.csv", [{}, {"sags_id": "N2"}])
    result = CliRunner().invoke(cli, ["ingest", "--db", str(db_path), str(path)], prog_name="ssp-eval")
    assert result.exit_code == 0, result.output
    assert "nord.csv: 2 sager indlæst (2 nye, 0 rettede)." in result.output
    again = CliRunner().invoke(cli, ["ingest", "--db", str(db_path), str(path)], prog_name="ssp-eval")
    assert again.exit_code == 0 and "uændret" in again.output


def test_cli_exits_2_when_a_file_is_rejected_but_loads_the_others(db_path: Path, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "nord.csv", [{}])
    bad = write_csv(tmp_path / "syd.csv", [{"sags_id": "S1", "netvaerk": "Syd", "situation": "C"}])
    result = CliRunner().invoke(cli, ["ingest", "--db", str(db_path), str(bad), str(good)], prog_name="ssp-eval")
    assert result.exit_code == 2
    assert "syd.csv, række 2, kolonne K »Situation«: »C« er ikke en tilladt værdi." in result.output
    assert "syd.csv afvist: 1 fejl – intet er indlæst." in result.output
    assert "nord.csv: 1 sag indlæst" in result.output
    assert cases(db_path, "netvaerk") == [("Nord",)]


def test_a_missing_file_is_rejected_with_a_danish_sentence(db_path: Path, tmp_path: Path) -> None:
    result = load(db_path, tmp_path / "findes_ikke.csv")
    assert result.status == "rejected"
    assert str(result.messages[0]) == "Filen findes_ikke.csv findes ikke."
    with db.reader(db_path) as con:
        assert con.execute("SELECT file_name, sha256, errors FROM rejected_files").fetchall() == [
            ("findes_ikke.csv", None, 1)]


# --- the direct path gives exactly what the pandas path gives ------------------------------------


def _validated(raw: Any) -> tuple[list[str], list[tuple], list[str]]:
    """Messages, typed rows and unknown headers of one read file, validated in a fresh database."""
    import duckdb

    from evaluation.ingest.validate import validate

    con = duckdb.connect()
    result = validate(con, raw, networks=networks.NetworkBook.from_names(["Nord"]),
                      allowed_names=["Red Barnet SletDet", "Politiet"], today=TODAY)
    rows = con.execute("SELECT * FROM v_cases ORDER BY row_in_file").fetchall() if result.ok else []
    return [str(m) for m in result.messages], rows, list(raw.unknown_headers)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("with_errors", [False, True], ids=["gyldig", "fejl"])
def test_direct_and_pandas_paths_agree_on_messages_rows_and_columns(tmp_path: Path, encoding: str,
                                                                  with_errors: bool) -> None:
    """Blanks around values (also Unicode ones), quoted line breaks and separators, a whitespace-only
    row, a value under no header, empty records: the same messages, rows and Excel row numbers."""
    wide = "\u2003" if encoding != "cp1252" else "\t"  # an em space where the encoding has one
    rows = [{"sags_id": "  N1 ", "institutionstype": " Folkeskole\u00a0", "koen": f"{wide}pige",
             "erfaringer": " Linje 1 med \"citat\";\r\nLinje 2, slut. ", "platforme": " snapchat ;  tiktok "},
            {"sags_id": "N2", "netvaerk": " Nord ", "erfaringer": "Mødet gik godt;\nforældrene kom."},
            {"sags_id": "N3", "koen": "   ", "antal_kraenkede": " 2 ", "afslutningsmaaned": None}]
    if with_errors:
        rows += [{"sags_id": f"R{i}", **changes} for i, (_, changes, _, _) in enumerate(ERROR_CASES)]
    path = write_csv(tmp_path / "eksport.csv", rows, labels=False, encoding=encoding, extra={"": ""})
    lines = path.read_bytes().split(b"\r\n")
    blank_row = b";" * len(spec.KEYS) + b"   "              # blanks in the unnamed column only
    unnamed_value = b";" * len(spec.KEYS) + b"noget"        # a value under no header, nothing else
    path.write_bytes(b"\r\n".join([*lines[:3], blank_row, b" ;  ;", *lines[3:4], unnamed_value, *lines[4:]]))
    with readers_open(path) as direct:
        assert direct.source is not None, "this file should take the direct path"
        fast = _validated(direct)
    slow = _validated(__import__("evaluation.ingest.readers", fromlist=["x"]).read_export(path))
    assert fast == slow
    assert fast[2] == ["(uden overskrift, kolonne AI)"]
    if not with_errors:
        # N1 spans two lines (a quoted line break) but is one Excel row; rows 3, 4 and 6 are blank.
        assert [r[0] for r in fast[1]] == [2, 5, 7]


def readers_open(path: Path) -> Any:
    from evaluation.ingest import readers

    return readers.open_export(path)


def test_a_csv_duckdb_refuses_is_read_again_with_pandas_and_loads(db_path: Path, tmp_path: Path) -> None:
    """A field with text after its closing quote: DuckDB's strict mode refuses it, pandas reads it."""
    path = write_csv(tmp_path / "nord.csv", [{"sags_id": "N1"}, {"sags_id": "N2"}], labels=False, encoding="utf-8")
    path.write_bytes(path.read_bytes().replace(b"\r\nN2;", b'\r\n"N"2;', 1))
    from evaluation.ingest import readers

    with readers.open_export(path) as raw:
        assert raw.source is not None  # it looks plain; only DuckDB's parse finds the problem
    result = load(db_path, path)
    assert result.status == "loaded", [str(m) for m in result.messages]
    assert cases(db_path, "sags_id") == [("N1",), ("N2",)]
    assert count(db_path, "imports") == 1 and count(db_path, "rejected_files") == 0


def test_a_blank_line_found_beside_duckdbs_read_sends_the_file_the_pandas_way(db_path: Path, tmp_path: Path) -> None:
    """The layout check runs while DuckDB reads: a blank line between records (which DuckDB
    skips, shifting Excel's row numbers) is found by it, and pandas reads the file instead."""
    path = write_csv(tmp_path / "nord.csv", [{"sags_id": "N1"}, {"sags_id": "N2", "koen": "x"}], labels=False,
                     encoding="utf-8")
    path.write_bytes(path.read_bytes().replace(b"\r\nN2;", b"\r\n\r\nN2;", 1))
    from evaluation.ingest import readers

    with readers.open_export(path) as raw:
        assert raw.source is not None and not raw.source.plain()  # not plain, found beside the read
    result = load(db_path, path)
    assert result.status == "rejected"
    assert [(m.row, m.key) for m in result.messages if m.row] == [(4, "koen")]  # Excel's row, blank line counted
    path.write_bytes(path.read_bytes().replace(b";x;", b";pige;", 1))
    assert load(db_path, path).status == "loaded"
    assert cases(db_path, "sags_id") == [("N1",), ("N2",)]


def test_a_ragged_csv_is_rejected_with_the_pandas_readers_danish_message(db_path: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "skaev.csv", [{"sags_id": "N1"}, {"sags_id": "N2"}], labels=False, encoding="utf-8")
    lines = path.read_bytes().split(b"\r\n")
    lines[2] += b";x" * 10
    path.write_bytes(b"\r\n".join(lines))
    result = load(db_path, path)
    assert result.status == "rejected"
    assert "række 3 har flere felter" in str(result.messages[0])
    assert count(db_path, "case_versions") == 0 and count(db_path, "rejected_files") == 1


# --- encoding on the direct path: a head that looks UTF-8 is proved beside DuckDB's read -----------


def _ascii_head_rows(late: dict[str, str]) -> list[dict[str, Any]]:
    """Enough ASCII-only cases to fill the reader's head, then one case with ``late``'s text."""
    rows = [{"sags_id": f"N{i}", "netvaerk": "Nord", "erfaringer": "x" * 120} for i in range(2500)]
    return rows + [{"sags_id": "N-sidst", "netvaerk": "Nord", **late}]


def test_a_windows_1252_file_with_an_ascii_head_still_takes_the_direct_path(db_path: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Its head is taken as UTF-8, the check beside DuckDB's read finds it is not, and the direct
    path runs again with the encoding decided from the whole file, not the pandas path: here
    the pandas path is made to refuse the file's size, as it refuses every CSV over 50 MB."""
    from evaluation.ingest import limits, readers

    path = write_csv(tmp_path / "nord.csv", _ascii_head_rows({"erfaringer": "Forældrene blev inddraget."}),
                     labels=False)
    assert path.stat().st_size > readers.HEAD_BYTES and path.read_bytes().count(b"\xe6") == 1  # 'æ' in Windows-1252
    monkeypatch.setattr(limits, "MAX_PANDAS_CSV_BYTES", readers.HEAD_BYTES)
    result = load(db_path, path)
    assert result.status == "loaded", [str(m) for m in result.messages]
    assert cases(db_path, "erfaringer", "sags_id = 'N-sidst'") == [("Forældrene blev inddraget.",)]
    assert count(db_path, "case_versions") == 2501


def test_a_stray_byte_after_a_utf8_head_is_refused_naming_its_row(db_path: Path, tmp_path: Path) -> None:
    """UTF-8 with one Windows-1252 'ø' after the head (the check runs beside the read): the
    same refusal, naming the row, as when the whole file was decoded before the read."""
    rows = _ascii_head_rows({"erfaringer": "Mødet gik godt."})
    rows[0]["erfaringer"] = "Forældrene kom."  # UTF-8 in the head: the file is meant as UTF-8
    path = write_csv(tmp_path / "nord.csv", rows, labels=False, encoding="utf-8")
    data = path.read_bytes()
    path.write_bytes(data.replace("Mødet".encode(), "Mødet".encode("cp1252")))
    result = load(db_path, path)
    assert result.status == "rejected"
    text = " ".join(str(m) for m in result.messages)
    assert "række 2502" in text and "CSV UTF-8" in text, text
    assert "Mødet" not in text  # the cell is not echoed
    assert count(db_path, "case_versions") == 0 and count(db_path, "rejected_files") == 1

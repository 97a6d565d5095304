"""template.py: the networks' fill-in templates follow the contract and load cleanly."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import range_boundaries

from evaluation.ingest import spec, template
from evaluation.plan.plan_file import load_seed


NETWORKS = [n["name"] for n in load_seed()["networks"]]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return template.write_templates(tmp_path_factory.mktemp("skabelon") / "ny-mappe", networks=sorted(NETWORKS))


@pytest.fixture(scope="module")
def workbook(written: list[Path]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(written[0])


def _list_values(workbook: openpyxl.Workbook, formula: str) -> list[str]:
    """Resolve a drop-down's range formula ('Lister'!$A$2:$A$7) to the values it offers."""
    sheet_part, cells = formula.lstrip("=").rsplit("!", 1)
    sheet = workbook[sheet_part.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    assert min_col == max_col
    return [sheet.cell(row=r, column=min_col).value for r in range(min_row, max_row + 1)]


def _validations_by_column(sheet) -> dict[str, list]:
    out: dict[str, list] = {}
    for dv in sheet.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            letter = cell_range.coord.split(":")[0].rstrip("0123456789")
            out.setdefault(letter, []).append(dv)
    return out


def test_files_written_with_names(written: list[Path]) -> None:
    assert [p.name for p in written] == [template.XLSX_NAME, template.CSV_NAME]
    assert all(p.stat().st_size > 0 for p in written)


def test_sheets_in_order_and_lists_hidden(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == ["Vejledning", "Sager", "Lister"]
    assert workbook["Lister"].sheet_state == "hidden"
    assert workbook.active.title == "Vejledning"


def test_guide_explains_anonymity_months_lists_and_every_column(workbook: openpyxl.Workbook) -> None:
    text = " ".join(str(c.value) for row in workbook["Vejledning"].iter_rows() for c in row if c.value)
    for phrase in ("anonym", "CPR", "telefonnumre", "e-mail", "@", "ÅÅÅÅ-MM", "komma",
                   "Én række pr. sag", "SSP- og Ungdomskonsulentteamet",
                   # the contract's newer rules (case-export.md): networks, encodings, CR, headers
                   "Mente du", "kyrillisk", "ét tegnsæt", "kun med CR", "kolonneoverskrifter"):
        assert phrase in text, phrase
    for col in spec.COLUMNS:
        assert col.label in text
    assert "Uskyldig sammenhæng" in text and "Pædagogisk håndtering" in text
    assert ", ".join(sorted(NETWORKS)) in text, "the guide lists the networks of the drop-down"


def test_header_is_labels_bold_frozen_with_comments(workbook: openpyxl.Workbook) -> None:
    sheet = workbook["Sager"]
    header = [c for c in sheet[1]]
    assert [c.value for c in header] == [c.label for c in spec.COLUMNS]
    assert all(c.font.bold for c in header)
    assert all(c.comment is not None and len(c.comment.text) > 10 for c in header)
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["A"].width >= 15
    assert "Skal udfyldes" in header[0].comment.text


def test_every_coded_and_yes_no_column_has_a_drop_down_with_exactly_the_spec_values(
        workbook: openpyxl.Workbook) -> None:
    sheet = workbook["Sager"]
    by_column = _validations_by_column(sheet)
    coded = [c for c in spec.COLUMNS if c.codes or c.kind in ("yesno", "network")]
    assert len(coded) >= 26
    for col_no, col in enumerate(spec.COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(col_no)
        lists = [dv for dv in by_column.get(letter, []) if dv.type == "list"]
        if col not in coded:
            assert not lists, col.key
            continue
        assert len(lists) == 1, col.key
        dv = lists[0]
        assert dv.showErrorMessage and not dv.showDropDown  # showDropDown=True would hide it
        expected = (["Ja", "Nej"] if col.kind == "yesno" else sorted(NETWORKS) if col.kind == "network"
                    else list(col.codes.values()))
        assert _list_values(workbook, dv.formula1) == expected, col.key
        # every label maps back to its code through the contract's own lookup
        if col.codes:
            lookup = spec.code_lookup(col)
            assert sorted(lookup[spec.normalise_name(v)] for v in expected) == sorted(col.codes)
        assert f"{letter}2:{letter}{template.LAST_ROW}" in str(dv.sqref)
    strict = {c.key: dv.errorStyle for c, dv in (
        (c, [d for d in by_column[openpyxl.utils.get_column_letter(i)] if d.type == "list"][0])
        for i, c in enumerate(spec.COLUMNS, start=1) if c in coded)}
    assert strict["institutionstype"] in (None, "stop")
    assert strict["platforme"] == "information"  # several values in one cell must be allowed


def test_number_columns_have_whole_number_checks(workbook: openpyxl.Workbook) -> None:
    by_column = _validations_by_column(workbook["Sager"])
    for col_no, col in enumerate(spec.COLUMNS, start=1):
        if col.kind == "int":
            (dv,) = by_column[openpyxl.utils.get_column_letter(col_no)]
            assert dv.type == "whole"
            assert (dv.formula1, dv.formula2) == (str(col.min_value), str(col.max_value))


def test_csv_template_bom_semicolon_labels_and_example(written: list[Path]) -> None:
    raw = written[1].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [c.label for c in spec.COLUMNS]
    assert len(rows) == 2 and len(rows[1]) == len(spec.COLUMNS)


def test_example_row_uses_allowed_values() -> None:
    assert set(template.EXAMPLE_ROW) == set(spec.KEYS)
    for col in spec.COLUMNS:
        value = template.EXAMPLE_ROW[col.key]
        if col.required:
            assert value, col.key
        if col.codes and value:
            lookup = spec.code_lookup(col)
            for part in value.split(",") if col.is_list else [value]:
                assert spec.normalise_name(part) in lookup, (col.key, part)


# ---- through the real ingest ----------------------------------------------------------

def _fill_xlsx(source: Path, target: Path) -> None:
    """What a network does: open the template and type one case into Sager."""
    workbook = openpyxl.load_workbook(source)
    sheet = workbook["Sager"]
    values = dict(template.EXAMPLE_ROW, sags_id="HJB-25-001", netvaerk="Hjørring By",
                  aldersgruppe="15-17", situation="Trusler, afpresning, seksuel krænkelse eller hævn",
                  kraenkelsestyper="Afpresning, Billeddeling", platforme="Instagram, Snapchat",
                  vurdering="Politisag, Underretning", politianmeldt="Ja", anmeldt_af="Forældre",
                  underretning_sendt="Ja", aktoerer="Red Barnet SletDet, Politiet",
                  sletdet_kontaktet="Ja", erfaringer="Afpresningen blev stoppet hurtigt.")
    for col_no, col in enumerate(spec.COLUMNS, start=1):
        value: object = values[col.key] or None
        if col.key == "indberetningsmaaned":
            value = date(2025, 3, 1)  # Excel turned the typed month into a date cell
        elif col.kind == "int" and value is not None:
            value = int(value)
        sheet.cell(row=2, column=col_no, value=value)
    workbook.save(target)


def test_templates_load_cleanly_through_real_ingest(tmp_path: Path, written: list[Path]) -> None:
    from evaluation.store import db
    from evaluation.ingest import ingest

    db_path = tmp_path / "skabelon.duckdb"
    db.init(db_path)
    filled = tmp_path / "hjoerring_by_2025.xlsx"
    _fill_xlsx(written[0], filled)
    for path in (written[1], filled):
        result = ingest.ingest_file(db_path, path)
        errors = [str(m) for m in result.messages if m.level == "fejl"]
        assert result.status == "loaded", (path.name, errors)
        assert not errors
    with db.reader(db_path) as con:
        rows = con.execute("SELECT netvaerk, sags_id, situation, aldersgruppe, kraenkelsestyper "
                           "FROM cases ORDER BY netvaerk").fetchall()
    assert rows == [("Bindslev", "EKS-25-01", "A", "12_14", ["billeddeling"]),  # the first network of the list
                    ("Hjørring By", "HJB-25-001", "B", "15_17", ["afpresning", "billeddeling"])]

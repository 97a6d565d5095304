"""Tests for evaluation.ingest.readers: every file-level rule of the case-export spec.

Sample files are built in each test by small helpers, so what a test feeds is readable next
to what it asserts.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import Workbook

from evaluation.ingest import csvtext, layout, readers, spec
from evaluation.errors import InputFileError
from evaluation.ingest.readers import read_export

LABEL_HEADER = ["Sags-ID", "SSP-netværk", "Institutionstype", "Indberetningsmåned",
                "Den krænkedes alder", "Krænkelsestype(r)", "Erfaringer"]
KEY_HEADER = ["sags_id", "netvaerk", "institutionstype", "indberetningsmaaned",
              "aldersgruppe", "kraenkelsestyper", "erfaringer"]


def write_csv(path: Path, rows: list[list[Any]], *, delimiter: str = ";",
              encoding: str = "utf-8", newline: str = "\r\n") -> Path:
    """Write rows as Excel does: minimal quoting, the given separator, encoding and newline."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]], *,
               hidden: tuple[str, ...] = ()) -> Path:
    """Write a workbook with the given sheets in order; rows may be [] for an empty row."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
        if title in hidden:
            sheet.sheet_state = "hidden"
    workbook.save(path)
    return path


def case_row(n: int, **overrides: Any) -> list[Any]:
    """A plausible data row in LABEL_HEADER/KEY_HEADER order."""
    values = {"sags_id": f"2025-{n:03d}", "netvaerk": "Hjørring By",
              "institutionstype": "Folkeskole", "indberetningsmaaned": "2025-03",
              "aldersgruppe": "12-14", "kraenkelsestyper": "Billeddeling, Chikane",
              "erfaringer": "Forældrene blev inddraget samme dag."}
    values.update(overrides)
    return [values[k] for k in KEY_HEADER]


def values(raw: readers.RawExport, key: str) -> list[Any]:
    """A column as a list with missing values as None (easier to compare)."""
    return [None if pd.isna(v) else v for v in raw.frame[key]]


# --- CSV flavours -----------------------------------------------------------------------


def test_cp1252_semicolon_csv_with_danish_labels(tmp_path: Path) -> None:
    text = "Udgift 1.200 € – “billedet” blev slettet; skolen hjalp."
    path = write_csv(tmp_path / "hjørring.csv",
                     [LABEL_HEADER, case_row(1, erfaringer=text), case_row(2, aldersgruppe="15")],
                     encoding="cp1252")
    raw = read_export(path)
    assert raw.encoding == "cp1252"
    assert raw.delimiter == ";"
    assert raw.sheet is None
    assert raw.file_name == "hjørring.csv"
    assert list(raw.frame.columns) == ["row_in_file", *KEY_HEADER]
    assert values(raw, "erfaringer") == [text, "Forældrene blev inddraget samme dag."]
    assert values(raw, "netvaerk") == ["Hjørring By", "Hjørring By"]
    assert values(raw, "aldersgruppe") == ["12-14", "15"]
    assert raw.frame["row_in_file"].tolist() == [2, 3]
    assert raw.headers["aldersgruppe"] == "Den krænkedes alder"
    assert raw.header_columns == {k: "ABCDEFG"[i] for i, k in enumerate(KEY_HEADER)}
    assert raw.unknown_headers == [] and raw.duplicate_headers == []


def test_bom_csv_with_keys(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sindal.csv", [KEY_HEADER, case_row(1)], encoding="utf-8-sig")
    raw = read_export(path)
    assert raw.encoding == "utf-8-sig"
    assert raw.headers["sags_id"] == "sags_id"  # no BOM glued to the first header
    assert values(raw, "sags_id") == ["2025-001"]


def test_plain_utf8_comma_csv_with_lf(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "taars.csv",
                     [KEY_HEADER, case_row(1, kraenkelsestyper="billeddeling, chikane")],
                     delimiter=",", newline="\n")
    raw = read_export(path)
    assert (raw.encoding, raw.delimiter) == ("utf-8", ",")
    assert values(raw, "kraenkelsestyper") == ["billeddeling, chikane"]


def test_semicolon_csv_with_decimal_commas_is_not_taken_for_comma(tmp_path: Path) -> None:
    header = [*KEY_HEADER, "antal_kraenkede"]
    rows = [header] + [case_row(i, erfaringer="1,5 time; 2,5 dage") + ["1,0"] for i in range(1, 4)]
    raw = read_export(write_csv(tmp_path / "decimal.csv", rows))
    assert raw.delimiter == ";"
    assert values(raw, "antal_kraenkede") == ["1,0", "1,0", "1,0"]
    assert values(raw, "erfaringer")[0] == "1,5 time; 2,5 dage"


def test_quoted_fields_with_delimiters_newlines_and_quotes(tmp_path: Path) -> None:
    tricky = 'Linje 1; med "citat"\r\nLinje 2, slut'
    rows = [LABEL_HEADER, case_row(1, erfaringer=tricky), case_row(2)]
    path = write_csv(tmp_path / "quoted.csv", rows)
    assert path.read_bytes().count(b'""citat""') == 1  # really quoted as Excel does
    raw = read_export(path)
    assert values(raw, "erfaringer")[0] == tricky
    # Excel shows the multi-line record as one row: the next record is row 3, not 4.
    assert raw.frame["row_in_file"].tolist() == [2, 3]


def test_utf8_detected_over_the_whole_file_not_just_the_head(tmp_path: Path) -> None:
    """ASCII for far more than the sniffed head, then one Windows-1252 'ø' near the end."""
    rows = [KEY_HEADER] + [case_row(i, netvaerk="Nord", erfaringer="x" * 100) for i in range(4000)]
    rows.append(case_row(4000, netvaerk="Sø"))
    path = write_csv(tmp_path / "late.csv", rows, encoding="cp1252")
    assert path.stat().st_size > readers.HEAD_BYTES
    raw = read_export(path)
    assert raw.encoding == "cp1252"
    assert values(raw, "netvaerk")[-1] == "Sø"


def test_utf16_unicode_text_from_excel(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "unicode.csv", [LABEL_HEADER, case_row(1)], delimiter="\t",
                     encoding="utf-16")
    raw = read_export(path)
    assert (raw.encoding, raw.delimiter) == ("utf-16", "\t")
    assert values(raw, "netvaerk") == ["Hjørring By"]


def test_excel_sep_line_is_honoured_and_not_counted(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sep.csv", [KEY_HEADER, case_row(1, erfaringer="x")], delimiter=",")
    path.write_bytes(b"sep=,\r\n" + path.read_bytes())
    raw = read_export(path)
    assert raw.delimiter == ","
    assert raw.frame["row_in_file"].tolist() == [2]  # Excel hides the sep= line
    assert values(raw, "erfaringer") == ["x"]


def test_values_are_stripped_and_blank_is_missing(tmp_path: Path) -> None:
    rows = [[f"  {h}  " for h in KEY_HEADER],
            case_row(1, sags_id="  007 ", erfaringer="   ", aldersgruppe="\u00a015\u00a0"),
            case_row(2, erfaringer="")]
    raw = read_export(write_csv(tmp_path / "spaces.csv", rows))
    assert values(raw, "sags_id") == ["007", "2025-002"]  # leading zeros kept: text, not numbers
    assert values(raw, "erfaringer") == [None, None]
    assert values(raw, "aldersgruppe") == ["15", "12-14"]
    assert raw.frame["erfaringer"].isna().all()


def test_headers_match_case_spaces_and_ae_oe_aa(tmp_path: Path) -> None:
    header = [" SAGS-ID ", "ssp netvaerk", "INSTITUTIONSTYPE", "Indberetningsmaaned",
              "den kraenkedes alder", "KRÆNKELSESTYPE(R)", "erfaringer"]
    raw = read_export(write_csv(tmp_path / "case.csv", [header, case_row(1)]))
    assert list(raw.frame.columns)[1:] == KEY_HEADER
    assert raw.headers["sags_id"] == "SAGS-ID"
    assert raw.headers["kraenkelsestyper"] == "KRÆNKELSESTYPE(R)"


def test_every_spec_label_and_key_is_recognised_with_excel_letters(tmp_path: Path) -> None:
    labels = [c.label for c in spec.COLUMNS]
    raw = read_export(write_csv(tmp_path / "all.csv", [labels, ["x"] * len(labels)]))
    assert list(raw.frame.columns)[1:] == list(spec.KEYS)
    assert raw.header_columns["sags_id"] == "A"
    assert raw.header_columns["erfaringer"] == "AH"  # the 34th column
    raw = read_export(write_csv(tmp_path / "keys.csv", [list(spec.KEYS), ["x"] * len(labels)]))
    assert raw.headers == {k: k for k in spec.KEYS}


# --- row numbering ----------------------------------------------------------------------


def test_row_numbers_with_blank_lines_and_empty_rows(tmp_path: Path) -> None:
    lines = [
        ";".join(KEY_HEADER),          # row 1
        ";".join(case_row(1)),         # row 2
        "",                            # row 3: blank line
        ";" * (len(KEY_HEADER) - 1),   # row 4: an empty Excel row
        ";".join(case_row(5)),         # row 5
        "   ",                         # row 6: only spaces
        ";".join(case_row(7)),         # row 7
        "", "", ";;;",                 # trailing empty rows
    ]
    path = tmp_path / "blank.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    raw = read_export(path)
    assert raw.frame["row_in_file"].tolist() == [2, 5, 7]
    assert values(raw, "sags_id") == ["2025-001", "2025-005", "2025-007"]
    assert raw.frame.index.tolist() == [0, 1, 2]


def test_leading_blank_lines_before_the_header_keep_true_numbers(tmp_path: Path) -> None:
    path = tmp_path / "leading.csv"
    path.write_text("\n;;\n" + ";".join(KEY_HEADER) + "\n" + ";".join(case_row(1)) + "\n",
                    encoding="utf-8")
    raw = read_export(path)
    assert raw.frame["row_in_file"].tolist() == [4]


def test_row_numbers_in_a_large_file_read_in_parallel(tmp_path: Path) -> None:
    """Above 5 MB pandas splits the file across threads; numbering must not notice."""
    note = "Mødet gik godt;\nforældrene kom, og klassen blev orienteret. " * 3
    rows = [KEY_HEADER]
    expected: list[int] = []
    for i in range(1, 24000):
        if i % 997 == 0:
            rows.append([])  # a blank line, written by csv as an empty record
            continue
        rows.append(case_row(i, erfaringer=note if i % 500 == 0 else "kort tekst " * 20))
        expected.append(i + 1)
    path = write_csv(tmp_path / "large.csv", rows, newline="\n")
    assert path.stat().st_size > 5 * 1024 * 1024
    raw = read_export(path)
    assert raw.frame["row_in_file"].tolist() == expected
    assert values(raw, "sags_id")[-1] == "2025-23999"
    assert values(raw, "erfaringer")[499] == note.strip()  # i = 500


# --- header problems --------------------------------------------------------------------


def test_unknown_and_duplicate_headers(tmp_path: Path) -> None:
    header = ["Sags-ID", "Løbenr.", "sags_id", "Institutionstype", "", "SAGS ID"]
    rows = [header, ["A1", "7", "A1-dup", "folkeskole", "", "A1-dup2"],
            ["A2", "8", "A2-dup", "efterskole", "", ""]]
    raw = read_export(write_csv(tmp_path / "dups.csv", rows))
    assert raw.unknown_headers == ["Løbenr."]  # the empty unnamed column is ignored
    assert raw.duplicate_headers == ["sags_id", "SAGS ID"]
    assert values(raw, "sags_id") == ["A1", "A2"]  # the first column of a key wins
    assert raw.header_columns == {"sags_id": "A", "institutionstype": "D"}


def test_values_under_no_header_are_reported_as_an_unknown_column(tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_text("sags_id;institutionstype\nA1;folkeskole;noget\nA2;efterskole\n",
                    encoding="utf-8")
    raw = read_export(path)
    assert raw.unknown_headers == ["(uden overskrift, kolonne C)"]
    assert values(raw, "sags_id") == ["A1", "A2"]


def test_no_recognisable_header_never_echoes_cells(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "noheader.csv",
                     [["0101901234", "Emma Hansen", "folkeskole"], ["x", "y", "z"]])
    with pytest.raises(InputFileError) as info:
        read_export(path)
    message = str(info.value)
    assert "noheader.csv" in message and "række 1" in message
    assert "0101901234" not in message and "Emma" not in message


def test_header_only_file_is_an_empty_frame_not_an_error(tmp_path: Path) -> None:
    raw = read_export(write_csv(tmp_path / "header.csv", [KEY_HEADER]))
    assert raw.frame.empty
    assert list(raw.frame.columns) == ["row_in_file", *KEY_HEADER]
    raw = read_export(write_xlsx(tmp_path / "header.xlsx", {"Sager": [KEY_HEADER]}))
    assert raw.frame.empty and raw.sheet == "Sager"


def test_too_many_fields_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("sags_id;situation\nA1;A\nA2;B;x;x;x;x;x;x;x;x\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"ragged\.csv.*række 3"):
        read_export(path)


def test_too_many_fields_after_a_sep_line_names_the_excel_row(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("sep=;\nsags_id;situation\nA1;A\nA2;B;x;x;x;x;x;x;x;x\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"række 3 har flere felter"):
        read_export(path)


def test_unclosed_quote_is_reported_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('sags_id;erfaringer\nA1;ok\n\nA2;"ingen slut\nA3;ok\n', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"et felt i række 4 begynder med anførselstegn"):
        read_export(path)


# --- xlsx ---------------------------------------------------------------------------------


def test_xlsx_with_guide_sheet_first_dates_and_numbers(tmp_path: Path) -> None:
    header = ["Sags-ID", "Indberetningsmåned", "Afslutningsmåned", "Den krænkedes alder",
              "Antal krænkede", "Dage til forældre inddraget", "Politianmeldt", "Erfaringer"]
    rows = [header,
            ["S-1", date(2025, 3, 14), datetime(2025, 4, 2, 13, 30), 13, 2.0, 0, True, "  ok  "],
            ["S-2", "03-2025", None, "12-14", 1.5, None, False, time(9, 15)],
            [17, None, None, None, None, None, None, None]]
    path = write_xlsx(tmp_path / "vraa.xlsx", {
        "Vejledning": [["Sådan udfylder I arket"], ["Se fanen Sager."]],
        "Sager": rows,
    })
    raw = read_export(path)
    assert raw.sheet == "Sager"
    assert (raw.encoding, raw.delimiter) == (None, None)
    assert values(raw, "indberetningsmaaned") == ["2025-03-14", "03-2025", None]
    assert values(raw, "afslutningsmaaned") == ["2025-04-02", None, None]
    assert values(raw, "aldersgruppe") == ["13", "12-14", None]
    assert values(raw, "antal_kraenkede") == ["2", "1.5", None]
    assert values(raw, "foraeldre_inddraget_dage") == ["0", None, None]
    assert values(raw, "politianmeldt") == ["ja", "nej", None]
    assert values(raw, "erfaringer") == ["ok", "09:15", None]
    assert values(raw, "sags_id") == ["S-1", "S-2", "17"]
    assert raw.frame["row_in_file"].tolist() == [2, 3, 4]
    assert raw.header_columns["politianmeldt"] == "G"


def test_xlsx_sheet_name_matching_ignores_case_and_spaces(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "case.xlsx", {
        "Vejledning": [["sags_id"], ["ikke denne"]],
        " sager ": [["sags_id"], ["denne"]],
    })
    raw = read_export(path)
    assert raw.sheet == " sager "
    assert values(raw, "sags_id") == ["denne"]


def test_xlsx_without_sager_uses_the_first_visible_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ark.xlsx", {
        "Skjult": [["sags_id"], ["skjult"]],
        "Ark1": [KEY_HEADER, case_row(1)],
        "Ark2": [["sags_id"], ["ikke denne"]],
    }, hidden=("Skjult",))
    raw = read_export(path)
    assert raw.sheet == "Ark1"
    assert values(raw, "sags_id") == ["2025-001"]


def test_xlsx_row_numbers_with_empty_rows_in_the_middle_and_at_the_end(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sager"
    sheet.append(KEY_HEADER)          # row 1
    sheet.append(case_row(1))         # row 2
    sheet.append([None] * 7)          # row 3: nothing stored
    sheet["C4"] = "   "               # row 4: only spaces
    sheet["A6"] = "2025-006"          # row 6, after an absent row 5
    sheet["A30"].number_format = "0"  # a formatted, empty cell far below
    sheet["J9"] = "uden overskrift"   # a value in an unnamed column
    workbook.save(tmp_path / "huller.xlsx")
    raw = read_export(tmp_path / "huller.xlsx")
    assert raw.frame["row_in_file"].tolist() == [2, 6]
    assert values(raw, "sags_id") == ["2025-001", "2025-006"]
    assert raw.unknown_headers == ["(uden overskrift, kolonne J)"]


def test_xlsx_header_not_in_first_row_keeps_true_numbers(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "lav.xlsx", {"Sager": [[], [], KEY_HEADER, case_row(1)]})
    raw = read_export(path)
    assert raw.frame["row_in_file"].tolist() == [4]


def test_empty_xlsx_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "tom.xlsx", {"Vejledning": [["tekst"]], "Sager": []})
    with pytest.raises(InputFileError, match=r"'Sager'.*tom\.xlsx.*tom"):
        read_export(path)


def test_damaged_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "itu.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hej.txt", "ikke en projektmappe")
    with pytest.raises(InputFileError, match=r"itu\.xlsx.*beskadiget"):
        read_export(path)


def test_text_file_named_xlsx(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "forkert.xlsx", [KEY_HEADER, case_row(1)])
    with pytest.raises(InputFileError, match=r"forkert\.xlsx.*\.csv"):
        read_export(path)


def test_xlsx_named_csv(tmp_path: Path) -> None:
    xlsx = write_xlsx(tmp_path / "a.xlsx", {"Sager": [KEY_HEADER, case_row(1)]})
    path = tmp_path / "forkert.csv"
    path.write_bytes(xlsx.read_bytes())
    with pytest.raises(InputFileError, match=r"forkert\.csv.*Excel-fil.*\.xlsx"):
        read_export(path)


# --- files that are not exports at all ----------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b";;;\r\n;;;\r\n", b"\xef\xbb\xbf"])
def test_empty_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "tom.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=r"tom\.csv er tom"):
        read_export(path)


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    random.Random(7).randbytes(4096),
    b"%PDF-1.7\n" + b"sags_id;situation\n" * 3,
])
def test_binary_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "billede.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=r"billede\.csv er ikke en tekstfil"):
        read_export(path)


def test_old_xls_asks_for_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "gammel.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    with pytest.raises(InputFileError, match=r"gammel\.xls.*\.xlsx"):
        read_export(path)


def test_ole_file_named_xlsx_is_old_or_protected(tmp_path: Path) -> None:
    path = tmp_path / "kode.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    with pytest.raises(InputFileError, match="adgangskode"):
        read_export(path)


@pytest.mark.parametrize("name", ["sager.ods", "sager.txt", "sager"])
def test_unsupported_extensions(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("sags_id\nA1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"\.xlsx.*\.csv"):
        read_export(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="findes ikke"):
        read_export(tmp_path / "væk.csv")


def test_undecodable_text(tmp_path: Path) -> None:
    """Bytes undefined in Windows-1252 (0x81) in a file that is not UTF-8 either."""
    path = tmp_path / "tegn.csv"
    path.write_bytes(b"sags_id;erfaringer\r\nA1;\x81\xe6\r\n")
    with pytest.raises(InputFileError, match=r"Tegnsættet i filen tegn\.csv"):
        read_export(path)


# --- the direct path (open_export): DuckDB reads the CSV when it reads it as pandas does ----------


def test_plain_csv_opens_as_a_duckdb_source_with_the_same_header(tmp_path: Path) -> None:
    header = [*LABEL_HEADER, "Løbenr.", ""]
    path = write_csv(tmp_path / "nord.csv", [header, case_row(1) + ["7", ""], case_row(2) + ["8", ""]])
    with readers.open_export(path) as raw:
        assert raw.frame is None and raw.source is not None
        assert raw.source.path == path  # UTF-8: no copy
        slow = read_export(path)
        assert raw.present_keys == KEY_HEADER == slow.present_keys
        assert (raw.headers, raw.header_columns) == (slow.headers, slow.header_columns)
        assert raw.unknown_headers == ["Løbenr."] and (raw.encoding, raw.delimiter) == ("utf-8", ";")
        assert raw.source.columns == {k: i for i, k in enumerate(KEY_HEADER)}
        assert raw.source.unnamed == {8: "I", 9: "J", 10: "K", 11: "L", 12: "M"}  # blank header + spare
        assert raw.source.skip_lines == 1


def test_windows_1252_is_read_from_a_temporary_utf8_copy_removed_afterwards(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cp.csv", [LABEL_HEADER, case_row(1, erfaringer="“citat” – 5 €")],
                     encoding="cp1252")
    with readers.open_export(path) as raw:
        copy = raw.source.path
        assert raw.encoding == "cp1252" and copy != path
        assert "“citat” – 5 €" in copy.read_text(encoding="utf-8")
    assert not copy.exists()


def test_excel_sep_line_is_skipped_on_the_direct_path(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sep.csv", [KEY_HEADER, case_row(1)], delimiter=",")
    path.write_bytes(b"sep=,\r\n" + path.read_bytes())
    with readers.open_export(path) as raw:
        assert raw.source is not None and raw.source.skip_lines == 2 and raw.delimiter == ","


@pytest.mark.parametrize("content", [
    b"sags_id;situation\nA1;A\n\nA2;B\n",            # a blank line before a record: DuckDB skips it
    b"\nsags_id;situation\nA1;A\n",                  # a blank line before the header
    b";\nsags_id;situation\nA1;A\n",                 # an empty record before the header
    b'"sags_id";situation\nA1;A\n',                  # a quoted header
    b"sags_id;situation\rA1;A\rA2;B\r",              # old Mac line ends
    b'sags_id;situation\nA1; "A"\n',                 # blanks before a quote: DuckDB drops them
    b"Ukendt;Kolonne\nA1;A\n",                       # no known header: read_export words it
    b"sags_id;situation\nA1;\x81\n",                 # neither UTF-8 nor Windows-1252
])
def test_files_that_duckdb_would_read_differently_take_the_pandas_path(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "eksport.csv"
    path.write_bytes(content)
    direct = readers._direct_export(path)
    # refused up front, or by the layout check that runs beside DuckDB's read (validate asks it)
    assert direct is None or not direct.source.plain()


@pytest.mark.parametrize("content, plain", [
    (b"a;b\r\n1;2\r\n", True),
    (b"a;b\n1;2\n\n\r\n\n", True),                  # blank lines at the end only
    (b"a;b\n1;2\n\n3;4\n", False),
    (b"a;b\r\n1;2\r\n\r\n3;4\r\n", False),
    (b"a;b\r\n1;2\r3;4\r\n", False),                 # a lone CR
    (b'a;b\n1;"x\ny"\n', True),                      # quoted line breaks are fine
    (b'a;b\n1;"x ""y"" z"\n', True),                 # a doubled quote after a blank, inside quotes
    (b'a;b\n1;   "x"\n', False),
    (b'a;b\n1;\t"x"\n', False),
    (b'  "a";b\n1;2\n', False),
], ids=range(10))
def test_plain_layout_finds_what_duckdb_reads_differently_also_across_chunk_seams(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, plain: bool) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert layout.plain_layout(path, ";") is plain
    assert layout.LayoutCheck(path, ";").plain() is plain  # the same verdict from its thread
    for size in (1, 2, 3, 5):  # every pattern split at every seam
        monkeypatch.setattr(layout, "CHUNK_BYTES", size)
        assert layout.plain_layout(path, ";") is plain, size


@pytest.mark.parametrize("content, lines", [
    (b"a;b\n1;2\n", 2),                              # LF: no CR, the CR counts are skipped
    (b"a;b\r\n1;2\r\n", 2),                          # CRLF counts once
    (b"a;b\r1;2\r", 2),                              # CR alone (old Mac Excel)
    (b"a;b\r\n1;2\r3;4\n5;6", 3),                    # mixed; the last line has no end
    (b'a;b\r\n1;"x\r\ny"\r\n', 3),                   # a quoted line break is a line here too
], ids=range(5))
def test_shape_counts_every_kind_of_line_end_also_across_chunk_seams(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, lines: int) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert csvtext.shape(path, "utf-8") == csvtext.Shape(quotes=content.count(b'"'), lines=lines)
    for size in (1, 2, 3):  # a CRLF split between two chunks is still one line end
        monkeypatch.setattr(csvtext, "CHUNK_BYTES", size)
        assert csvtext.shape(path, "utf-8").lines == lines, size


def test_the_layout_check_proves_utf8_when_asked(tmp_path: Path) -> None:
    """``prove_utf8``: plain only if the whole file decodes as UTF-8, and it says when that was why."""
    from evaluation.ingest import layout

    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes("sags_id;erfaringer\nA1;Forældre\n".encode())
    latin = tmp_path / "latin.csv"
    latin.write_bytes("sags_id;erfaringer\nA1;Forældre\n".encode("cp1252"))
    for path, plain in ((utf8, True), (latin, False)):
        check = layout.LayoutCheck(path, ";", prove_utf8=True)
        assert check.plain() is plain and check.not_utf8 is not plain
    assert layout.LayoutCheck(latin, ";").plain() is True  # without the proof, the layout alone
    blank = tmp_path / "blank.csv"
    blank.write_bytes("sags_id;erfaringer\n\nA1;Forældre\n".encode("cp1252"))
    check = layout.LayoutCheck(blank, ";", prove_utf8=True)
    assert check.plain() is False and check.not_utf8 is False  # not plain for its layout: pandas decides the rest

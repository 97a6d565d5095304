"""Issue 9's failure classes, one test each: files an attacker of the ingest would send.

Every test puts a real file through ``ingest_file`` into a real database and asserts a specific
Danish outcome: the rule that refused it (never the last guard ``intern_fejl``), where it
applies the row, and that nothing was loaded. Each of these failed before its fix: crashed
with a traceback, took the machine's memory, echoed or stored personal data, or loaded
damaged data silently.
"""

from __future__ import annotations

import shutil
import tracemalloc
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from evaluation.ingest import ingest, spec, template
from evaluation.store import db

HEADER = [c.label for c in spec.COLUMNS]
INTERNAL_ERROR = "intern_fejl"  # ingest's last guard: a bug, never an answer


def _row(**changes: str) -> list[str]:
    values = {**template.EXAMPLE_ROW, "netvaerk": "Sindal", "sags_id": "SIN-1", **changes}
    return [values[c.key] for c in spec.COLUMNS]


def _csv(path: Path, header: list[str], rows: list[list[str]], *, line_end: str = "\r\n",
         encoding: str = "utf-8") -> Path:
    text = line_end.join(";".join(cells) for cells in [header, *rows]) + line_end
    path.write_bytes(text.encode(encoding))
    return path


def _xlsx(path: Path, rows: list[list[str]], title: str = "Sager") -> tuple[Workbook, object]:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(HEADER)
    for cells in rows:
        sheet.append(cells)
    return workbook, sheet


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "seed.duckdb"
    db.init(path)
    return path


@pytest.fixture
def db_path(seeded: Path, tmp_path: Path) -> Path:
    target = tmp_path / "ssp.duckdb"
    shutil.copyfile(seeded, target)
    return target


def _refused(db_path: Path, path: Path, rule: str, **kwargs: object) -> str:
    """Ingest ``path``; assert it was refused by ``rule`` with the database unchanged but for the record."""
    before = _cases(db_path)
    result = ingest.ingest_file(db_path, path, **kwargs)
    text = "\n".join(str(m) for m in result.messages)
    assert result.status == "rejected", text
    rules = {m.rule for m in result.messages if m.level == "fejl"}
    assert rule in rules and INTERNAL_ERROR not in rules, (rules, text)
    assert "Traceback" not in text and "Error" not in text
    assert _cases(db_path) == before
    return text


def _cases(db_path: Path) -> list[tuple]:
    with db.reader(db_path) as con:
        return con.execute("SELECT netvaerk, sags_id FROM cases ORDER BY ALL").fetchall()


# --- crashes -----------------------------------------------------------------------------------

def test_csv_without_sags_id_and_erfaringer_columns(db_path: Path, tmp_path: Path) -> None:
    keep = [i for i, c in enumerate(spec.COLUMNS) if c.key not in ("sags_id", "erfaringer")]
    path = _csv(tmp_path / "uden.csv", [HEADER[i] for i in keep], [[_row()[i] for i in keep]])
    assert "Kolonnen »Sags-ID« mangler" in _refused(db_path, path, "kolonne_mangler")


@pytest.mark.parametrize("quoted", [False, True], ids=["uden-citat", "med-citat"])
def test_cr_only_line_ends_are_read(db_path: Path, tmp_path: Path, quoted: bool) -> None:
    header = [f'"{h}"' for h in HEADER] if quoted else HEADER
    path = _csv(tmp_path / "mac.csv", header, [_row(), _row(sags_id="SIN-2")], line_end="\r")
    result = ingest.ingest_file(db_path, path)
    assert result.status == "loaded", [str(m) for m in result.messages]
    assert _cases(db_path) == [("Sindal", "SIN-1"), ("Sindal", "SIN-2")]


def test_a_header_of_thousands_of_cells_is_a_limit(db_path: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path / "bred.csv", HEADER + [f"x{i}" for i in range(18_300)], [_row()])
    assert "højst 1.000 er tilladt" in _refused(db_path, path, "graense_kolonner")


# --- the machine ---------------------------------------------------------------------------------

def test_a_styled_cell_at_xfd1048576_costs_nothing(db_path: Path, tmp_path: Path) -> None:
    workbook, sheet = _xlsx(tmp_path / "x.xlsx", [_row()])
    sheet["XFD1048576"].font = Font(bold=True)
    workbook.save(tmp_path / "xfd.xlsx")
    tracemalloc.start()
    result = ingest.ingest_file(db_path, tmp_path / "xfd.xlsx")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.status == "loaded", [str(m) for m in result.messages]
    assert peak < 200 * 1024 * 1024, f"{peak / 1e6:.0f} MB of Python memory for a 6 KB file"


def test_a_value_at_row_1048576_is_one_row(db_path: Path, tmp_path: Path) -> None:
    workbook, sheet = _xlsx(tmp_path / "x.xlsx", [_row()])
    sheet["A1048576"] = "SIN-9"
    workbook.save(tmp_path / "a1m.xlsx")
    tracemalloc.start()
    text = _refused(db_path, tmp_path / "a1m.xlsx", "mangler")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "række 1048576, kolonne B »SSP-netværk«" in text
    assert peak < 200 * 1024 * 1024


def test_a_list_cell_of_500000_elements_is_refused_by_its_length(db_path: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path / "liste.csv", HEADER, [_row(platforme=",".join(["zz"] * 500_000))])
    text = _refused(db_path, path, "laengde")
    assert "højst 1.000 er tilladt" in text and max(len(line) for line in text.splitlines()) < 700


def test_too_many_list_elements_within_the_length(db_path: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path / "liste.csv", HEADER, [_row(platforme=",".join(["sms"] * 40))])
    assert "40 værdier; højst 30" in _refused(db_path, path, "for_mange")


def test_a_zip_bomb_is_refused_before_openpyxl(db_path: Path, tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (50 * 1024 * 1024) + b"</a>")
    assert "zip-bombe" in _refused(db_path, path, "graense_zip_bombe")


# --- personal data through side doors ------------------------------------------------------------

@pytest.mark.parametrize(("header", "secret"), [("0101901234", "0101901234"), ("mor.h@example.dk", "mor.h@example.dk"),
                                                 ("@sofie_2011", "@sofie_2011")])
def test_an_unknown_column_named_like_personal_data(db_path: Path, tmp_path: Path, header: str, secret: str) -> None:
    path = _csv(tmp_path / "kolonne.csv", [*HEADER, header], [[*_row(), "x"]])
    text = _refused(db_path, path, "pii_overskrift")
    assert secret not in text


@pytest.mark.parametrize("network", ["0101901234", "22 33 44 55", "mor.h@example.dk"])
def test_personal_data_as_the_network_is_neither_stored_nor_echoed(db_path: Path, tmp_path: Path, network: str) -> None:
    path = _csv(tmp_path / "net.csv", HEADER, [_row(netvaerk=network)])
    text = _refused(db_path, path, "netvaerk_ukendt")
    assert network not in text
    option = _refused(db_path, _csv(tmp_path / "net2.csv", [h for h in HEADER if h != "SSP-netværk"],
                                    [[v for h, v in zip(HEADER, _row()) if h != "SSP-netværk"]]),
                      "netvaerk_ukendt", network=network)
    assert network not in option
    with db.reader(db_path) as con:
        stored = con.execute("SELECT network FROM rejected_files UNION ALL SELECT network FROM imports").fetchall()
    assert all(n is None for (n,) in stored)


def test_a_personal_data_sheet_name_is_refused_and_masked(db_path: Path, tmp_path: Path) -> None:
    workbook, _ = _xlsx(tmp_path / "x.xlsx", [_row()], title="0101901234")
    workbook.save(tmp_path / "fane.xlsx")
    result = ingest.ingest_file(db_path, tmp_path / "fane.xlsx")
    assert result.status == "rejected" and "0101******" in str(result.messages[0])
    assert "0101901234" not in str(result.messages[0])


def test_a_megabyte_of_actors_is_refused_by_length(db_path: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path / "aktoerer.csv", HEADER, [_row(aktoerer="Politiet " * 120_000)])
    assert "højst 1.000 er tilladt" in _refused(db_path, path, "laengde")


def test_one_overlong_actor_name(db_path: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path / "aktoer.csv", HEADER, [_row(aktoerer="Red Barnet, " + "Forening " * 15)])
    assert "længere end 100 tegn" in _refused(db_path, path, "navn_laengde")


# --- silent damage -------------------------------------------------------------------------------

def test_a_stray_windows_1252_byte_in_a_utf8_file_names_the_row(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "blandet.csv"
    good = _csv(tmp_path / "ren.csv", HEADER, [_row(netvaerk="Tårs"), _row(netvaerk="Tårs", sags_id="T-2")])
    data = good.read_bytes()
    last = data.rindex("Tårs".encode())
    path.write_bytes(data[:last] + "Tårs".encode("cp1252") + data[last + len("Tårs".encode()):])
    text = _refused(db_path, path, "ulaeselig_fil")
    assert "række 3" in text and "CSV UTF-8" in text
    assert ingest.ingest_file(db_path, good).status == "loaded"
    with db.reader(db_path) as con:
        assert con.execute("SELECT DISTINCT netvaerk FROM cases").fetchall() == [("Tårs",)]


@pytest.mark.parametrize(("typed", "why"), [
    ("S\u0456ndal", "kyrillisk »\u0456«"), ("Sin\u200bdal", "usynligt tegn (U+200B)"),
    ("Sindall", "Mente du »Sindal«?"), ("sindal", None),
])
def test_network_names_by_one_rule(db_path: Path, tmp_path: Path, typed: str, why: str | None) -> None:
    path = _csv(tmp_path / "net.csv", HEADER, [_row(netvaerk=typed)])
    if why is None:
        assert ingest.ingest_file(db_path, path).status == "loaded"
        assert _cases(db_path) == [("Sindal", "SIN-1")], "stored under the registry's spelling"
        return
    assert why in _refused(db_path, path, "netvaerk_ukendt")


def test_case_ids_by_the_same_rule(db_path: Path, tmp_path: Path) -> None:
    assert ingest.ingest_file(db_path, _csv(tmp_path / "a.csv", HEADER, [_row(sags_id="SIN-25-01")])).status == "loaded"
    again = ingest.ingest_file(db_path, _csv(tmp_path / "b.csv", HEADER, [_row(sags_id="sin-25-01", erfaringer="Rettet.")]))
    assert again.rows_replaced == 1 and again.rows_new == 0
    text = _refused(db_path, _csv(tmp_path / "c.csv", HEADER, [_row(sags_id="SIN-25-0\u0031\u200b")]), "tegn")
    assert "usynligt tegn (U+200B)" in text
    assert _cases(db_path) == [("Sindal", "sin-25-01")]


def test_a_tab_after_each_header_cell_does_not_fool_the_sniffer(db_path: Path, tmp_path: Path) -> None:
    path = _csv(tmp_path / "tab.csv", [f"{h}\t" for h in HEADER], [_row()])
    result = ingest.ingest_file(db_path, path)
    assert result.status == "loaded", [str(m) for m in result.messages]


def test_an_unclosed_quote_at_the_end_is_reported_at_its_row(db_path: Path, tmp_path: Path) -> None:
    cells = _row(sags_id="SIN-2")
    cells[-1] = '"Erfaringen slutter aldrig'
    path = _csv(tmp_path / "citat.csv", HEADER, [_row(), cells])
    assert "række 3 begynder med anførselstegn" in _refused(db_path, path, "ulaeselig_fil")

"""The fill-in templates the local SSP networks get: an .xlsx with guide and drop-downs, and a CSV.

Everything about the columns comes from ``spec.COLUMNS``, so a change in the contract changes
the templates. The .xlsx has three sheets: ``Vejledning`` (Danish instructions), ``Sager``
(the header row, frozen, with a comment per column and a drop-down or number check on each
coded, yes/no and number column) and a hidden ``Lister`` holding the code lists. The lists
are referenced by range because an inline list in a data validation is limited to 255
characters (the situation labels alone are close to that).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from evaluation.ingest import spec
from evaluation.spreadsheets import neutralise, write_csv

XLSX_NAME = "sagsudtraek-skabelon.xlsx"
CSV_NAME = "sagsudtraek-skabelon.csv"
GUIDE_SHEET, CASES_SHEET, LISTS_SHEET = "Vejledning", "Sager", "Lister"
LAST_ROW = 1000  # validations cover rows 2..LAST_ROW: far more cases than a network has a year
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")  # yellow: "Gule kolonner skal udfyldes"
OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")
AUTHOR = "SSP-evaluering"

# One example case, as Danish labels: it is valid, so the CSV template loads as it is.
EXAMPLE_ROW: dict[str, str] = {
    "sags_id": "EKS-25-01", "netvaerk": "Eksempel-netværk", "institutionstype": "Folkeskole",
    "indberetningsmaaned": "2025-03", "afslutningsmaaned": "2025-04",
    "aldersgruppe": "12_14", "koen": "Pige", "antal_kraenkede": "1", "kraenker": "Kendt",
    "kraenker_samme_institution": "Ja", "situation": "Uskyldig sammenhæng",
    "kraenkelsestyper": "Billeddeling", "platforme": "Snapchat", "spredning": "Enkeltpersoner",
    "vurdering": "Pædagogisk håndtering", "foraeldre_inddraget": "Ja",
    "foraeldre_inddraget_dage": "0", "dokumentation_sikret": "Ja", "materiale_slettet": "Ja",
    "sletdet_kontaktet": "Nej", "datatilsynet_klage": "Nej", "samarbejde": "Ingen",
    "politianmeldt": "Nej", "anmeldt_af": "", "underretning_sendt": "Nej",
    "forsikring_anbefalet": "Nej", "ssp_konsulent_inddraget": "Ja", "hjaelp": "Skolen",
    "hjaelp_kraenker": "Ja", "konfliktmaegling": "Nej", "orienteret": "Klassen, Forældregruppen",
    "presseinteresse": "Nej", "aktoerer": "",
    "erfaringer": "Eksempel: en samtale med begge elever og forældrene stoppede delingen. "
                  "Slet denne række, før filen sendes.",
}

GUIDE_INTRO: tuple[str, ...] = (
    "Hvad er filen til?",
    "Hvert år evaluerer SSP- og Ungdomskonsulentteamet handleplanen for digitale krænkelser. "
    "Netværkets anonyme oplysninger om de sager, I har håndteret med actioncardet, viser, hvad "
    "der virker, og hvad planen skal rettes i.",
    "Filen skal være anonym",
    "Skriv aldrig navne, CPR-numre, telefonnumre, e-mailadresser eller brugernavne (@navn) – "
    "heller ikke i Erfaringer og Eksterne aktører. En fil med personoplysninger bliver afvist "
    "i sin helhed. Skriv aldersgruppen frem for alderen, og undgå detaljer, der kan pege på et "
    "bestemt barn.",
    "Sådan udfylder I fanen Sager",
    "Én række pr. sag. Lad overskrifterne stå, som de er. Gule kolonner skal udfyldes, blå kan "
    "udfyldes. Vælg fra rullelisten, hvor der er en. Måneder skrives ÅÅÅÅ-MM, fx 2025-03 (kun "
    "måneden gemmes). Flere værdier i samme celle adskilles med komma, fx Snapchat, Instagram. "
    "En tom celle betyder 'ikke registreret'. Sags-ID er netværkets eget sagsnummer; bruger I "
    "samme Sags-ID igen i en senere fil, erstatter den nye række den gamle (en rettelse).",
    "SSP-netværk",
    "Skriv netværkets navn, som det står i rullelisten (store og små bogstaver og ekstra mellemrum "
    "er ligegyldige). Et navn, planen ikke kender, afvises med et forslag (\"Mente du …?\"). Skriv "
    "navnet med almindelige bogstaver: et navn med usynlige tegn eller bogstaver fra et andet "
    "alfabet, der ligner danske (fx et kyrillisk і), afvises. Det samme gælder Sags-ID.",
    "Bruger I CSV-skabelonen i stedet",
    "Gem som CSV (semikolonsepareret) i UTF-8. Excel laver '12-14' om til en dato: skriv "
    "aldersgruppen som 12_14 eller 15_17 i CSV-filer. Filen skal være i ét tegnsæt: en fil, der er "
    "UTF-8 bortset fra nogle få tegn (fx tekst kopieret ind fra et andet program), afvises med "
    "rækkenumrene, så I kan rette dem. CSV-filer gemt på ældre Mac-Excel (linjeskift kun med CR) "
    "kan indlæses som de er.",
    "Personoplysninger i overskrifter og faneblade",
    "Også kolonneoverskrifter og fanebladenes navne kontrolleres. En ekstra kolonne, hvis "
    "overskrift ligner et CPR-nummer, en e-mailadresse, et telefonnummer eller et @brugernavn, "
    "får hele filen afvist – og overskriften gentages aldrig i beskeden.",
    "Hvem sender I filen til?",
    "Send den udfyldte fil til SSP- og Ungdomskonsulentteamet, når teamet beder om den – typisk "
    "én gang om året før den årlige evaluering. Brug sikker mail. Spørgsmål kan stilles til "
    "netværkets SSP-konsulent.",
)


def allowed_values(col: spec.Column, networks: Sequence[str] = ()) -> list[str]:
    """The values a drop-down offers for a column: the Danish labels, Ja/Nej, or the networks."""
    if col.kind == "network":
        return list(networks)
    return spec.allowed_labels(col)


def has_dropdown(col: spec.Column, networks: Sequence[str] = ()) -> bool:
    """Coded, age, list and yes/no columns get a drop-down, and the network column when the
    networks are known; free columns do not."""
    return bool(allowed_values(col, networks))


def _how_to_fill(col: spec.Column) -> str:
    """A Danish sentence on how to fill one column (used in the guide and the header comment)."""
    if col.kind == "yesno":
        text = "Ja eller Nej."
    elif col.kind == "month":
        text = "Måned som ÅÅÅÅ-MM, fx 2025-03."
    elif col.kind == "list":
        text = "Én eller flere af listens værdier, adskilt med komma."
    elif col.kind == "age":
        text = "Vælg aldersgruppen fra listen."
    elif col.codes:
        text = "Vælg én værdi fra listen."
    elif col.kind == "int":
        text = f"Helt tal fra {col.min_value} til {col.max_value}."
    else:
        text = "Fri tekst."
    parts = [text, col.help] if col.help else [text]
    if col.key == "anmeldt_af":
        parts.append("Kun når sagen er politianmeldt.")
    if col.key == "foraeldre_inddraget":
        parts.append("'Ikke relevant – myndig' kun når den krænkede er 18+.")
    if col.key == "situation":
        parts.append("A = uskyldig sammenhæng, B = trusler, afpresning, seksuel krænkelse eller hævn.")
    return " ".join(parts)


def _allowed_text(col: spec.Column, networks: Sequence[str]) -> str:
    if has_dropdown(col, networks):
        return ", ".join(allowed_values(col, networks))
    if col.kind == "int":
        return f"{col.min_value}–{col.max_value}"
    if col.max_length:
        return f"Højst {col.max_length} tegn"
    return ""


def _write_guide(sheet: Worksheet, networks: Sequence[str]) -> None:
    """The Vejledning sheet: purpose, anonymity, how to fill, where to send, then every column."""
    sheet["A1"] = "Skabelon til sagsudtræk – handleplan for digitale krænkelser"
    sheet["A1"].font = Font(bold=True, size=14)
    row = 3
    for i, text in enumerate(GUIDE_INTRO):
        cell = sheet.cell(row=row, column=1, value=neutralise(text))
        if i % 2 == 0:
            cell.font = Font(bold=True)
        else:
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.row_dimensions[row].height = 15 * (len(text) // 110 + 1)
        row += 1 if i % 2 == 0 else 2
    row += 1
    titles = ("Kolonne", "Skal udfyldes", "Sådan udfyldes den", "Tilladte værdier")
    for col_no, title in enumerate(titles, 1):
        sheet.cell(row=row, column=col_no, value=title).font = Font(bold=True)
    for col in spec.COLUMNS:
        row += 1
        values = (col.label, "Ja" if col.required else "Nej", _how_to_fill(col), _allowed_text(col, networks))
        for col_no, value in enumerate(values, 1):
            cell = sheet.cell(row=row, column=col_no, value=neutralise(value))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (34, 14, 60, 60)):
        sheet.column_dimensions[letter].width = width


def _write_lists(sheet: Worksheet, networks: Sequence[str]) -> dict[str, str]:
    """The hidden Lister sheet, one column per drop-down; returns key -> absolute range.

    The range has no leading "=": OOXML stores formulas bare, as Excel itself writes them.
    """
    formulas: dict[str, str] = {}
    list_col = 0
    for col in spec.COLUMNS:
        if not has_dropdown(col, networks):
            continue
        list_col += 1
        letter = get_column_letter(list_col)
        values = allowed_values(col, networks)
        sheet.cell(row=1, column=list_col, value=neutralise(col.label)).font = Font(bold=True)
        for i, value in enumerate(values, start=2):
            sheet.cell(row=i, column=list_col, value=neutralise(value))
        formulas[col.key] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    sheet.sheet_state = "hidden"
    return formulas


def _validation(col: spec.Column, formula: str | None) -> DataValidation | None:
    """A drop-down for coded columns, a number check for whole numbers, a length check for text."""
    if formula:
        # A list column holds several values ("Snapchat, Instagram"), and an age may be typed
        # as a whole number: there the list is a help, not a wall.
        strict = not (col.kind == "list" or col.kind == "age")
        dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                            errorStyle="stop" if strict else "information")
        dv.error = ("Vælg en værdi fra listen." if strict else
                    "Værdien er ikke på listen. Flere værdier adskilles med komma.")
    elif col.kind == "int":
        dv = DataValidation(type="whole", operator="between", formula1=str(col.min_value),
                            formula2=str(col.max_value), allow_blank=True)
        dv.error = f"Skriv et helt tal fra {col.min_value} til {col.max_value}."
    elif col.max_length:
        dv = DataValidation(type="textLength", operator="lessThanOrEqual",
                            formula1=str(col.max_length), allow_blank=True)
        dv.error = f"Højst {col.max_length} tegn."
    else:
        return None
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.errorTitle = col.label[:32]
    dv.promptTitle = col.label[:32]
    dv.prompt = _how_to_fill(col)[:255]
    return dv


def _write_cases_sheet(sheet: Worksheet, formulas: dict[str, str]) -> None:
    """The Sager sheet: bold frozen header with comments, widths, text format and validations."""
    for col_no, col in enumerate(spec.COLUMNS, start=1):
        letter = get_column_letter(col_no)
        cell = sheet.cell(row=1, column=col_no, value=neutralise(col.label))
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if col.required else OPTIONAL_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        need = "Skal udfyldes. " if col.required else "Kan udfyldes. "
        comment = Comment(need + _how_to_fill(col), AUTHOR)
        comment.width, comment.height = 320, 140
        cell.comment = comment
        width = 60 if col.kind == "freetext" else 36 if col.kind in ("list", "names") else 18
        sheet.column_dimensions[letter].width = max(width, min(len(col.label) + 2, 40))
        if col.kind != "int":  # text format: Excel must not turn "2025-03" or "12-14" into dates
            sheet.column_dimensions[letter].number_format = "@"
        dv = _validation(col, formulas.get(col.key))
        if dv is not None:
            sheet.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.row_dimensions[1].height = 45
    sheet.freeze_panes = "B2"


def write_xlsx_template(path: Path, networks: Sequence[str] = ()) -> Path:
    """Write the Excel template (Vejledning, Sager, hidden Lister); ``networks`` fill the
    SSP-netværk drop-down (the registry's current names, or just the one network it is for)."""
    workbook = Workbook()
    guide = workbook.active
    guide.title = GUIDE_SHEET
    cases = workbook.create_sheet(CASES_SHEET)
    lists = workbook.create_sheet(LISTS_SHEET)
    _write_guide(guide, networks)
    _write_cases_sheet(cases, _write_lists(lists, networks))
    workbook.active = 0
    workbook.properties.creator = AUTHOR
    workbook.properties.title = "Skabelon til sagsudtræk"
    workbook.save(path)
    return path


def example_row(networks: Sequence[str] = ()) -> dict[str, str]:
    """The example case, in the first of the networks when they are known (so it loads)."""
    return {**EXAMPLE_ROW, "netvaerk": networks[0]} if networks else dict(EXAMPLE_ROW)


def write_csv_template(path: Path, networks: Sequence[str] = ()) -> Path:
    """Write the CSV template: ';', UTF-8 with BOM (Danish Excel reads it), labels, one example."""
    row = example_row(networks)
    write_csv(path, [c.label for c in spec.COLUMNS], [[row[c.key] for c in spec.COLUMNS]])
    return path


def write_templates(out_dir: Path, networks: Sequence[str] = ()) -> list[Path]:
    """Write both templates into ``out_dir`` (created if missing); returns their paths.

    ``networks``: the names offered in the SSP-netværk drop-down and used in the example row,
    normally ``plan.networks.network_names(con)``; without them the column is free text.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_xlsx_template(out_dir / XLSX_NAME, networks), write_csv_template(out_dir / CSV_NAME, networks)]

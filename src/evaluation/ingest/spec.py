"""The case-export contract (``shared/spec/case-export.md``, format 1) as data.

Everything that knows a column of the networks' export reads it from here: the validator,
the schema's CHECK lists (tested against this module), the fill-in template, the demo
generator and the dashboards' labels. Changing the contract means changing this file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

FORMAT_VERSION = 1

Kind = Literal["text", "network", "code", "month", "age", "int", "yesno", "list", "names", "freetext"]


@dataclass(frozen=True)
class Column:
    """One column of the export: its key, Danish label, type and allowed values."""

    key: str
    label: str
    kind: Kind
    required: bool = False
    # code -> Danish label (the label is also accepted as input); empty for free columns
    codes: dict[str, str] = field(default_factory=dict)
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None
    help: str = ""

    @property
    def is_list(self) -> bool:
        return self.kind in ("list", "names")


def _codes(*items: str | tuple[str, str]) -> dict[str, str]:
    """Build an ordered code->label map; a bare code is its own label (capitalised)."""
    out: dict[str, str] = {}
    for item in items:
        if isinstance(item, tuple):
            out[item[0]] = item[1]
        else:
            out[item] = item[:1].upper() + item[1:]
    return out


YES_NO_UNKNOWN = _codes("ja", "nej", "ukendt")

COLUMNS: tuple[Column, ...] = (
    Column("sags_id", "Sags-ID", "text", True, max_length=40,
           help="Netværkets eget sagsnummer, 1–40 tegn. Må ikke ligne et CPR-nummer."),
    Column("netvaerk", "SSP-netværk", "network", True,
           help="Navnet på det lokale SSP-netværk (kan også angives én gang for hele filen)."),
    Column("institutionstype", "Institutionstype", "code", True, _codes(
        "folkeskole", ("friskole", "Fri-/privatskole"), "efterskole", "ungdomsuddannelse",
        "fritidstilbud", "andet")),
    Column("indberetningsmaaned", "Indberetningsmåned", "month", True,
           help="Måned for indberetning, fx 2025-03. Kun måneden gemmes."),
    Column("afslutningsmaaned", "Afslutningsmåned", "month",
           help="Måned sagen blev afsluttet. Tom = sagen er åben."),
    Column("aldersgruppe", "Den krænkedes alder", "age", True, _codes(
        ("under_12", "Under 12"), ("12_14", "12-14"), ("15_17", "15-17"), ("18_plus", "18+"),
        "ukendt"),
        help="Aldersgruppe, eller en alder i hele år (kun gruppen gemmes)."),
    Column("koen", "Den krænkedes køn", "code", False, _codes("pige", "dreng", "andet", "ukendt")),
    Column("antal_kraenkede", "Antal krænkede", "int", False, min_value=1, max_value=999,
           help="Helt tal, mindst 1. Tom = 1."),
    Column("kraenker", "Krænker", "code", True, _codes(
        "kendt", "ukendt", ("begge", "Både kendt og ukendt"))),
    Column("kraenker_samme_institution", "Krænker på samme institution", "code", False,
           YES_NO_UNKNOWN),
    Column("situation", "Situation", "code", True, _codes(
        ("A", "Uskyldig sammenhæng"),
        ("B", "Trusler, afpresning, seksuel krænkelse eller hævn"))),
    Column("kraenkelsestyper", "Krænkelsestype(r)", "list", True, _codes(
        "billeddeling", "videodeling", "afpresning", "trusler", "hacking", "identitetstyveri",
        "chikane", "grooming", "andet")),
    Column("platforme", "Platform(e)", "list", False, _codes(
        ("snapchat", "Snapchat"), ("instagram", "Instagram"), ("tiktok", "TikTok"),
        ("facebook", "Facebook"), ("messenger", "Messenger"), ("whatsapp", "WhatsApp"),
        ("discord", "Discord"), ("youtube", "YouTube"), ("gaming", "Spil/gaming"),
        ("sms", "SMS/MMS"), "andet", "ukendt")),
    Column("spredning", "Spredning", "code", False, _codes(
        "ingen", "enkeltpersoner", "klassen", "skolen", ("uden_for_skolen", "Uden for skolen"),
        "ukendt")),
    Column("vurdering", "Vurdering", "list", True, _codes(
        ("politisag", "Politisag"), ("underretning", "Underretning"),
        ("paedagogisk", "Pædagogisk håndtering"))),
    Column("foraeldre_inddraget", "Forældre inddraget", "code", True, _codes(
        "ja", "nej", ("ikke_relevant", "Ikke relevant – myndig"))),
    Column("foraeldre_inddraget_dage", "Dage til forældre inddraget", "int", False,
           min_value=0, max_value=365, help="Helt tal 0–365; kun når forældre er inddraget."),
    Column("dokumentation_sikret", "Dokumentation sikret", "code", True,
           _codes("ja", "delvist", "nej")),
    Column("materiale_slettet", "Materiale slettet", "code", False, _codes(
        "ja", "delvist", "nej", "ukendt", ("ikke_relevant", "Ikke relevant"))),
    Column("sletdet_kontaktet", "Red Barnet SletDet kontaktet", "yesno"),
    Column("datatilsynet_klage", "Klage til Datatilsynet", "yesno"),
    Column("samarbejde", "Samarbejde med andre", "code", False,
           _codes("ingen", "kommunalt", "regionalt", "nationalt")),
    Column("politianmeldt", "Politianmeldt", "yesno", True),
    Column("anmeldt_af", "Anmeldt af", "code", False, _codes(
        ("kraenkede", "Den krænkede"), ("foraeldre", "Forældre"), "skolen",
        "myndighedsafdeling")),
    Column("underretning_sendt", "Underretning sendt", "yesno"),
    Column("forsikring_anbefalet", "Forsikringsanmeldelse anbefalet", "yesno"),
    Column("ssp_konsulent_inddraget", "SSP- og Ungdomskonsulent inddraget", "yesno"),
    Column("hjaelp", "Hjælp til den krænkede", "list", False, _codes(
        "ingen", "skolen", "psykolog", ("hotline", "Red Barnet/Sikkerchat"),
        ("laege", "Egen læge"), "andet")),
    Column("hjaelp_kraenker", "Hjælp til krænker", "yesno"),
    Column("konfliktmaegling", "Konfliktmægling", "code", False,
           _codes("ja", "nej", ("ikke_relevant", "Ikke relevant"))),
    Column("orienteret", "Orienteret", "list", False, _codes(
        "ingen", "klassen", "skolen", ("foraeldregruppen", "Forældregruppen"))),
    Column("presseinteresse", "Presseinteresse", "yesno"),
    Column("aktoerer", "Eksterne aktører", "names", False,
           help="Navne på eksterne organisationer, adskilt med komma, fx Red Barnet SletDet, Politiet."),
    Column("erfaringer", "Erfaringer", "freetext", False, max_length=1000,
           help="Hvad netværket lærte af sagen. Ingen personoplysninger."),
)

COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)

# Accepted spellings of yes/no (spec: ja/nej, j, n, x = ja, 1, 0, yes, no; any case).
YES_VALUES = ("ja", "j", "x", "1", "yes", "y", "true", "sand")
NO_VALUES = ("nej", "n", "0", "no", "false", "falsk")

# Age bands: (code, lowest age, highest age) for mapping a whole-number age to its band.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("under_12", 0, 11), ("12_14", 12, 14), ("15_17", 15, 17), ("18_plus", 18, 120),
)

# Limits checked before a value is parsed (a cell longer than its column's limit is an error
# and is not looked at further): whole cells per column type, list elements per cell, and one
# name in "Eksterne aktører". Columns with their own max_length (Sags-ID, Erfaringer) use it.
MAX_CELL_LENGTH: dict[str, int] = {
    "text": 40, "network": 60, "code": 100, "age": 100, "month": 100, "int": 100, "yesno": 100,
    "list": 1000, "names": 1000, "freetext": 1000,
}
MAX_LIST_ELEMENTS = 30
MAX_ACTOR_NAME = 100

EARLIEST_MONTH = "2015-01"
LONG_OPEN_MONTHS = 12


def normalise_name(text: str) -> str:
    """Fold a header or code for matching: case, spaces, æ/ø/å vs ae/oe/aa, punctuation.

    "Krænkelsestype(r)", " kraenkelsestyper " and "KRÆNKELSESTYPER" all become
    "kraenkelsestyper"; "Sags-ID" and "sags_id" both become "sagsid".
    """
    text = text.strip().lower()
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z+]", "", text)


def header_lookup() -> dict[str, str]:
    """Map every accepted (normalised) header spelling to its spec key."""
    out: dict[str, str] = {}
    for col in COLUMNS:
        out[normalise_name(col.key)] = col.key
        out[normalise_name(col.label)] = col.key
    return out


def code_lookup(col: Column) -> dict[str, str]:
    """Map every accepted (normalised) spelling of a coded value to its code."""
    out: dict[str, str] = {}
    for code, label in col.codes.items():
        out[normalise_name(code)] = code
        out[normalise_name(label)] = code
    if col.key == "kraenker_samme_institution":
        for value in YES_VALUES:
            out[normalise_name(value)] = "ja"
        for value in NO_VALUES:
            out[normalise_name(value)] = "nej"
    return out


def label_of(key: str, code: str) -> str:
    """The Danish label of a code, for screens and reports (the code itself if unknown)."""
    return COLUMN_BY_KEY[key].codes.get(code, code)


def max_length(col: Column) -> int:
    """The most characters a cell of this column may hold (see ``MAX_CELL_LENGTH``)."""
    return col.max_length or MAX_CELL_LENGTH[col.kind]


def allowed_labels(col: Column) -> list[str]:
    """The values a person picks for a column, as the template's drop-down shows them."""
    if col.kind == "yesno":
        return ["Ja", "Nej"]
    return list(col.codes.values())

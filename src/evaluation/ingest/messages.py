"""The Danish sentences of ingest: one per finding, naming file, row and column, never leaking.

``validate`` finds (row, column, rule, value) rows in SQL; this module words them. Every
sentence names a column by the Danish label the fill-in template uses (plus the column
letter Excel shows), lists allowed values as the template's drop-downs show them, and
offers "Mente du …?" for a near miss. A value is echoed only through :func:`show`: masked
when the privacy screen finds personal data in it, shortened when long, with invisible
characters made visible, so no message line carries a child's data or a megabyte of text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from evaluation.ingest import privacy, spec

Level = Literal["fejl", "advarsel"]
ERROR: Level = "fejl"
WARNING: Level = "advarsel"
MAX_VALUE_SHOWN = 60     # characters of a value echoed in a message
MAX_LIST_SHOWN = 5       # unknown list elements named in one message; the rest are counted
MAX_MESSAGE = 600        # characters of one message text, whatever it holds
MAX_AGE = 120


@dataclass(frozen=True)
class Message:
    """One error or warning, with file, Excel row and column; ``str()`` is the Danish sentence."""

    level: Level
    file_name: str
    text: str
    row: int | None = None
    key: str | None = None
    header: str | None = None   # the column's heading as written in the file (kept for callers)
    column: str | None = None   # the column as the user sees it in Excel (letter), if known
    rule: str = ""

    def __str__(self) -> str:
        if self.row is None and self.key is None and self.file_name in self.text:
            return self.text  # a reader's sentence that already names the file
        place = [self.file_name]
        if self.row is not None:
            place.append(f"række {self.row}")
        if self.key is not None:
            name = f"»{spec.COLUMN_BY_KEY[self.key].label}«"  # the template's label, never the key
            place.append(f"kolonne {self.column} {name}" if self.column else f"kolonne {name}")
        return f"{', '.join(place)}: {self.text}"


def format_count(number: int) -> str:
    """A count the Danish way: 1.234.567."""
    return f"{number:,}".replace(",", ".")


def show(value: str, allowed_names: Iterable[str] = ()) -> str:
    """A value fit to echo: masked when it holds personal data, invisible characters shown as
    U+XXXX, shortened when long (the message must stay one readable line)."""
    head = value[: MAX_VALUE_SHOWN * 4]  # a megabyte cell is judged on its start only
    if privacy.find_in_text(head, tuple(allowed_names)) or privacy.find_in_text(value[-200:], tuple(allowed_names)):
        masked = privacy.mask(head)
        return masked if len(masked) <= MAX_VALUE_SHOWN else masked[: MAX_VALUE_SHOWN - 1] + "…"
    visible = "".join(ch if ch.isprintable() else f"<U+{ord(ch):04X}>" for ch in head)
    return visible if len(visible) <= MAX_VALUE_SHOWN and len(value) == len(head) else visible[: MAX_VALUE_SHOWN - 3] + "…"


def allowed_text(col: spec.Column) -> str:
    """The allowed values of a coded column as the template's drop-down shows them."""
    return ", ".join(f"»{label}«" if "," in label else label for label in spec.allowed_labels(col))


def suggest(col: spec.Column, value: str) -> str:
    """' Mente du »Label«?' when a value is a near miss of an allowed spelling, else ''."""
    lookup = spec.code_lookup(col)
    match = process.extractOne(spec.normalise_name(value[:200]), list(lookup), scorer=fuzz.ratio, score_cutoff=70)
    if not match:
        return ""
    return f" Mente du »{spec.label_of(col.key, lookup[match[0]])}«?"


def limited(text: str) -> str:
    """A message text cut to :data:`MAX_MESSAGE` characters (a guard; sentences are shorter)."""
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def finding_text(col: spec.Column, rule: str, value: str | None, detail: str | None,
                 allowed_names: tuple[str, ...], network: str | None) -> str:
    """The Danish sentence for one finding (the place is added by ``Message``)."""
    return limited(_finding_text(col, rule, value, detail, allowed_names, network))


def _list_text(col: spec.Column, value: str | None, allowed_names: tuple[str, ...]) -> str:
    elements = (value or "").split(chr(31))
    bad = [show(v, allowed_names) for v in elements[:MAX_LIST_SHOWN]]
    more = len(elements) - len(bad)
    named = ", ".join(f"»{b}«" for b in bad) + (f" og {format_count(more)} andre" if more else "")
    what = f"{named} er ikke en tilladt værdi." if len(elements) == 1 else f"{named} er ikke tilladte værdier."
    hint = "".join(suggest(col, v) for v in elements[:MAX_LIST_SHOWN] if len(v) <= 100)
    return f"{what} Tilladt: {allowed_text(col)} (flere adskilles med komma).{hint}"


def _finding_text(col: spec.Column, rule: str, value: str | None, detail: str | None,
                  allowed_names: tuple[str, ...], network: str | None) -> str:
    shown = show(value, allowed_names) if value is not None else ""
    if rule == "mangler":
        return "Feltet skal udfyldes, men er tomt."
    if rule == "kode" and col.is_list:
        return _list_text(col, value, allowed_names)
    if rule == "for_mange":
        return (f"Cellen har {format_count(int(detail or 0))} værdier; højst {format_count(spec.MAX_LIST_ELEMENTS)} "
                "er tilladt i én celle.")
    if rule == "kode" and col.kind == "age":
        hint = " Excel laver 12-14 om til en dato: skriv 12_14." if re.search(r"[0-9]{4}", value or "") else ""
        return (f"»{shown}« er ikke en aldersgruppe eller en alder i hele år (0–{MAX_AGE}). "
                f"Tilladt: {allowed_text(col)}.{hint}{suggest(col, value or '')}")
    if rule == "kode":
        return f"»{shown}« er ikke en tilladt værdi. Tilladt: {allowed_text(col)}.{suggest(col, value or '')}"
    if rule == "janej":
        return f"»{shown}« er ikke ja eller nej. Tilladt: Ja, Nej (også j, n, x, 1, 0, yes, no)."
    if rule == "heltal":
        return f"»{shown}« er ikke et helt tal."
    if rule == "interval":
        return f"»{shown}« skal være et helt tal fra {col.min_value} til {col.max_value}."
    if rule == "maaned":
        return (f"»{shown}« er ikke en måned. Skriv ÅÅÅÅ-MM, fx 2025-03 (også MM-ÅÅÅÅ, MM/ÅÅÅÅ "
                "eller en dato som 2025-03-17 eller 17-03-2025).")
    if rule == "maaned_foer":
        return f"»{shown}« ligger før {spec.EARLIEST_MONTH}; så gamle sager indlæses ikke."
    if rule == "maaned_fremtid":
        return f"»{shown}« ligger i fremtiden."
    if rule == "laengde":
        return (f"Teksten er {format_count(int(detail or 0))} tegn lang; højst "
                f"{format_count(spec.max_length(col))} er tilladt.")
    if rule == "netvaerk_konflikt":
        return f"»{shown}« passer ikke med netværket »{network}«, der er valgt for hele filen."
    if rule == "netvaerk_ukendt":
        return f"»{shown}« {detail}"
    if rule == "tegn":
        return f"Sags-ID'et indeholder {detail}. Skriv det med almindelige bogstaver og tal."
    if rule == "dublet":
        return (f"Sagen »{shown}« står også i række {detail} for samme SSP-netværk. "
                "Hver sag må kun stå én gang i filen.")
    if rule == "pii_cpr" and col.key == "sags_id":
        return (f"Sags-ID'et ligner et CPR-nummer (»{detail}«). Brug netværkets eget sagsnummer, "
                "aldrig et CPR-nummer.")
    if rule.startswith("pii_"):
        return (f"Teksten indeholder {privacy.KIND_LABELS[rule[4:]]} (»{detail}«). Personoplysninger "
                "må ikke stå i filen: skriv det om, så ingen kan genkendes.")
    if rule == "ikke_relevant_kun_myndig":
        detail = spec.label_of("aldersgruppe", detail or "")
    if rule == "dage_kun_med_ja":
        detail = spec.label_of("foraeldre_inddraget", detail or "")
    if rule == "navn_laengde":
        return f"Et navn i cellen er længere end {spec.MAX_ACTOR_NAME} tegn; skriv organisationernes navne kort."
    return CROSS_TEXTS[rule].format(detail=detail)


CROSS_TEXTS: dict[str, str] = {
    "afsluttet_foer_indberetning": "Afslutningsmåneden ligger før indberetningsmåneden ({detail}).",
    "ikke_relevant_kun_myndig": ("»Ikke relevant – myndig« kan kun bruges, når den krænkede er 18 år "
                                 "eller ældre; aldersgruppen er {detail}."),
    "dage_kun_med_ja": ("Dage til forældre inddraget må kun udfyldes, når Forældre inddraget er Ja "
                        "(her: {detail})."),
    "anmeldt_af_kun_med_politi": "Anmeldt af må kun udfyldes, når Politianmeldt er Ja.",
    "politisag_ikke_anmeldt": "Vurderingen er Politisag, men sagen er ikke politianmeldt.",
    "b_uden_anmeldelse_eller_underretning": ("Situation B uden politianmeldelse og uden "
                                             "underretning. Er det rigtigt?"),
    "aaben_laenge": ("Sagen har været åben i {detail} måneder uden afslutningsmåned. "
                     "Er den afsluttet?"),
}

"""The wording rules for everything a user reads (issue 13, item 4). A helper, not a test module.

``problems(text, keys)`` returns one line per place a text a consultant reads breaks a rule:
an ISO date in a Danish sentence, a count that disagrees with its noun ("1 roller", "3 sag"), a
quote other than »…«, "actioncard" and "handlekort" both, an internal key (a column key like
``kraenkelsestyper``, ``last_revised``, a registry id like ``sex_og_samfund``), the operating
system's user as an author ("Af: root"), an English word, a phone number in double brackets.
The internal keys are not listed by hand: ``internal_keys()`` reads them from the schema and the
plan file, so a new column or actor is covered the day it is added.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from evaluation.settings import REPO_ROOT
from evaluation.store import db

SCHEMA = REPO_ROOT / "data" / "schema.sql"
SEED_PLAN = REPO_ROOT / "data" / "plan.yaml"

# A date or a month written the ISO way ("2025-11-20", "2022-05"), not as Danish prose writes it.
ISO_DATE = re.compile(r"\b(?:19|20)\d{2}-(?:0[1-9]|1[0-2])(?:-\d{2})?\b")
# Nouns the product counts, singular -> plural (same-form nouns like "netværk", "år" are left out).
NOUNS = {
    "sag": "sager", "rolle": "roller", "aktør": "aktører", "punkt": "punkter", "telefonnummer": "telefonnumre",
    "nummer": "numre", "adresse": "adresser", "webadresse": "webadresser", "politik": "politikker",
    "nøgleperson": "nøglepersoner", "fil": "filer", "række": "rækker", "måned": "måneder", "dag": "dage",
    "uge": "uger", "gang": "gange", "note": "noter", "mødenote": "mødenoter", "beslutning": "beslutninger",
    "kontrol": "kontroller", "øvelse": "øvelser", "krænkelse": "krænkelser", "indlæsning": "indlæsninger",
    "celle": "celler", "tabel": "tabeller", "figur": "figurer", "ændring": "ændringer", "stavemåde": "stavemåder",
    "kategori": "kategorier", "person": "personer", "læring": "læringer", "erfaring": "erfaringer",
    "fejl": "fejl", "advarsel": "advarsler", "side": "sider", "version": "versioner", "import": "importer",
}
PLURALS = {plural: singular for singular, plural in NOUNS.items() if plural != singular}
ONE = re.compile(r"(?<![\d.,\-–/])\b1 (\w+)\b")
MANY = re.compile(r"(?<![\d.,\-–/])\b(0|[2-9]|\d{2,}) (\w+)\b(?![.,]\d)")
QUOTES = re.compile(r"[\"“”„]")
# English a page or report could leak (Python, pandas, widgets, plotly's defaults, untranslated UI).
ENGLISH = ("None", "NaN", "nan", "NaT", "True", "False", "null", "undefined", "Loading", "loading", "Error",
           "Warning", "Traceback", "Exception", "Download", "Upload", "Save", "Cancel", "Submit", "Select",
           "Unknown", "unknown", "count", "value", "variable", "index", "Click", "click", "Untitled",
           "Kernel", "kernel", "widget", "Widget", "Other", "other", "Yes", "No", "Total", "share")
ENGLISH_WORD = re.compile(r"\b(" + "|".join(ENGLISH) + r")\b")
# Web addresses and file names may hold ASCII spellings and dates; they are names, not sentences.
NAMES = re.compile(r"(?:https?://\S+|\b[\w.-]+\.(?:dk|com|org|net|eu|no|se|pdf|html|csv|xlsx|docx|yaml|ipynb|json|"
                   r"png|zip|duckdb)\b\S*|\S+@\S+)")
FOLDED = re.compile(r"ae|oe|aa")


def _keyish(word: str) -> bool:
    """A key a user should never read: snake_case or an ASCII spelling of a Danish word."""
    return "_" in word or bool(FOLDED.search(word))


def internal_keys(plan_file: Path = SEED_PLAN, db_path: Path | None = None) -> set[str]:
    """Column keys of the schema (the export contract's among them), the plan file's ids and,
    given a database, the ids its registry made since (an accepted actor's ``sex_og_samfund``)."""
    columns = set(re.findall(r"^\s+([a-z][a-z0-9_]*)\s+[A-Z]", SCHEMA.read_text(encoding="utf-8"), re.M))
    plan = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    ids = {str(item["id"]) for value in plan.values() if isinstance(value, list)
           for item in value if isinstance(item, dict) and "id" in item}
    if db_path is not None:
        with db.reader(db_path) as con:
            for table, column in (("actors", "actor_id"), ("addresses", "address_id"), ("phones", "phone_id"),
                                  ("roles", "role_id"), ("policies", "policy_id")):
                ids |= {row[0] for row in con.execute(f"SELECT {column} FROM {table}").fetchall()}
    keys = set(plan.get("plan", {})) | columns | ids
    return {key for key in keys if _keyish(key) and len(key) > 3}


def os_users() -> set[str]:
    """Operating-system accounts that must never show as a person: this machine's user and root."""
    users = {"root"}
    try:
        users.add(getpass.getuser())
    except Exception:  # no login name in some containers
        pass
    return users


def _plain(text: str) -> str:
    return NAMES.sub(" ", text.replace("\xa0", " "))


def _lines_with(pattern: re.Pattern[str], text: str) -> Iterable[tuple[str, re.Match[str]]]:
    for line in text.splitlines():
        for match in pattern.finditer(line):
            yield line.strip(), match


def problems(text: str, keys: set[str], *, where: str = "") -> list[str]:
    """Each place ``text`` breaks a wording rule, as ``where: rule: »line«``."""
    found: list[str] = []

    def add(rule: str, line: str) -> None:
        found.append(f"{where}: {rule}: »{line[:160]}«")

    plain = _plain(text)
    for line, _ in _lines_with(ISO_DATE, plain):
        add("ISO-dato", line)
    for line, match in _lines_with(ONE, plain):
        if match.group(1).lower() in PLURALS:
            add(f"1 {match.group(1)}", line)
    for line, match in _lines_with(MANY, plain):
        if match.group(2).lower() in NOUNS and NOUNS[match.group(2).lower()] != match.group(2).lower():
            add(f"{match.group(1)} {match.group(2)}", line)
    for line, _ in _lines_with(QUOTES, plain):
        add("citationstegn andre end »…«", line)
    for line, match in _lines_with(ENGLISH_WORD, plain):
        add(f"engelsk ord {match.group(1)!r}", line)
    for line in plain.splitlines():
        if "((" in line:
            add("dobbelt parentes", line.strip())
        for word in re.findall(r"[\w-]+", line):
            if word in keys:
                add(f"intern nøgle {word!r}", line.strip())
            if word in os_users():
                add(f"styresystemets bruger {word!r}", line.strip())
    return list(dict.fromkeys(found))  # a line breaking a rule twice is named once


def mixed_terms(texts: dict[str, str]) -> list[str]:
    """"actioncard" and "handlekort" are one thing: the product uses one of the words."""
    uses = {term: sorted(name for name, text in texts.items() if re.search(term, _plain(text), re.I))
            for term in ("actioncard", "handlekort")}
    return [f"både »actioncard« ({', '.join(uses['actioncard'])}) og »handlekort« "
            f"({', '.join(uses['handlekort'])})"] if all(uses.values()) else []

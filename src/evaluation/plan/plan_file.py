"""The plan file: reading, validating and writing data/plan.yaml (the registry's seed format).

The registry (registry.py) keeps the plan in DuckDB; this module knows the file. The model
below (sections, fields, tables) is shared by both, so a value is checked the same way
whether it comes from the seed or from an edit in a dashboard. ``load_seed`` returns the
seed in a canonical form that ``registry.plan_document`` also produces, which is what makes
"seed → database → export → load_seed" compare equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import yaml

from evaluation import name_keys
from evaluation import settings as config
from evaluation.errors import EvaluationError

SECTIONS = ("plan", "actors", "networks", "addresses", "phones", "roles", "policies", "actioncard")
# Mirrors the CHECK on actors.kind in data/schema.sql (tests/plan/test_registry.py compares them).
ACTOR_KINDS = ("ngo", "myndighed", "politi", "sundhed", "kommune", "netvaerk", "andet")
# The card's shape is what the dashboards and the report lay out; a seed that loses a step
# is more likely a bad edit than a new edition of the plan.
EXPECTED_PHASES = 5
EXPECTED_STEPS = 13
# Display order of the plan's own facts; other keys follow alphabetically.
PLAN_KEYS = ("title", "municipality", "partner", "police_district", "basis", "target_group", "purpose",
             "evaluated_by", "evaluation_frequency", "last_evaluated", "retention_years")
SLUG = re.compile(r"[a-z][a-z0-9_]*")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FOLD_AT = 80  # one-line texts longer than this are written as folded blocks


@dataclass(frozen=True)
class Field:
    """One value of a registry item; ``kind`` says how it is checked."""

    key: str
    kind: str  # text | kind | bool | date | actor | aliases
    required: bool = True
    default: Any = None


@dataclass(frozen=True)
class Table:
    """A registry table: its SQL name and id column (constants), Danish labels, its fields."""

    name: str
    id_column: str
    label: str  # plural, for history and lists
    item: str  # singular, for messages
    fields: tuple[Field, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.id_column, *(f.key for f in self.fields))

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


ACTORS = Table("actors", "actor_id", "Aktører", "aktør", (
    Field("name", "text"), Field("kind", "kind"), Field("description", "text", False),
    Field("in_plan", "bool", False, True)))
ADDRESSES = Table("addresses", "address_id", "Webadresser", "webadresse", (
    Field("url", "text"), Field("actor_id", "actor", False), Field("purpose", "text")))
PHONES = Table("phones", "phone_id", "Telefonnumre", "telefonnummer", (
    Field("number", "text"), Field("actor_id", "actor", False), Field("purpose", "text")))
ROLES = Table("roles", "role_id", "Roller", "rolle", (
    Field("title", "text"), Field("description", "text", False),
    Field("per_network", "bool", False, True)))
POLICIES = Table("policies", "policy_id", "Politikker og planer", "politik", (
    Field("name", "text"), Field("owner", "text", False), Field("last_revised", "date", False),
    Field("description", "text", False)))
PLAN_META = Table("plan_meta", "key", "Planoplysninger", "planoplysning", (Field("value", "text", False),))
PHASES = Table("actioncard_phases", "phase_id", "Actioncard-faser", "fase", (Field("title", "text"),))
STEPS = Table("actioncard_steps", "step_id", "Actioncard-trin", "trin",
              (Field("title", "text"), Field("text", "text")))
ALIASES = Table("actor_aliases", "actor_id", "Aktørnavne", "aktørnavn")
# The local SSP networks: their own section and functions (plan/networks.py), since a name is
# an identity there (name_keys.py) and a rename reaches the cases.
NETWORKS = Table("networks", "network_id", "SSP-netværk", "netværk", (Field("name", "text"),))
NETWORK_NAMES = Table("network_names", "name_key", "Netværksnavne", "netværksnavn")
NETWORK_FIELDS = (Field("id", "id"), Field("name", "text"), Field("aliases", "aliases", False, ()))
TABLES = {t.name: t for t in (PLAN_META, ACTORS, ALIASES, NETWORKS, NETWORK_NAMES, ADDRESSES, PHONES, ROLES,
                              POLICIES, PHASES, STEPS)}
LIST_SECTIONS = {"actors": ACTORS, "addresses": ADDRESSES, "phones": PHONES, "roles": ROLES, "policies": POLICIES}


# --- the seed -----------------------------------------------------------------------------

def load_seed(path: Path | str | None = None) -> dict[str, Any]:
    """Read and validate the seed; returns it in canonical form (the form ``plan_document`` gives).

    Canonical: every field present (defaults filled), list sections sorted by id, aliases
    sorted case-insensitively, plan values as text, dates as ``date``. A broken seed raises a
    Danish EvaluationError naming the file and the key, before anything reaches a database.
    """
    path = Path(path) if path else config.PLAN_SEED_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvaluationError(f"Handleplanens startdata findes ikke: {path}.") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (linje {mark.line + 1})" if mark else ""
        raise EvaluationError(f"Handleplanens startdata {path} er ikke gyldig YAML{where}.") from exc
    return _SeedValidator(path).validate(raw)


class _SeedValidator:
    """Checks a parsed seed, raising at the first problem with the key that has it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> NoReturn:
        raise EvaluationError(f"Handleplanens startdata {self.path} er ugyldige ved nøglen '{key}': {problem}.")

    def validate(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.fail("(øverst)", "filen skal være en YAML-tabel med nøglerne " + ", ".join(SECTIONS))
        for key in raw:
            if key not in SECTIONS:
                self.fail(str(key), "er ikke en kendt nøgle (mulige: " + ", ".join(SECTIONS) + ")")
        for key in SECTIONS:
            if key not in raw:
                self.fail(key, "mangler")
        seed: dict[str, Any] = {"plan": self.plan(raw["plan"])}
        for section, table in LIST_SECTIONS.items():
            seed[section] = self.items(section, raw[section], table)
        seed["networks"] = self.networks(raw["networks"])
        seed["actioncard"] = self.actioncard(raw["actioncard"])
        self.cross_check(seed)
        return {key: seed[key] for key in SECTIONS}

    def plan(self, raw: Any) -> dict[str, str | None]:
        if not isinstance(raw, dict):
            self.fail("plan", "skal være en tabel med planens oplysninger")
        out: dict[str, str | None] = {}
        for key, value in raw.items():
            if not isinstance(key, str) or not SLUG.fullmatch(key):
                self.fail(f"plan.{key}", "nøgler skal skrives med små bogstaver, tal og _")
            if isinstance(value, date):
                value = value.isoformat()
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)  # a number of years (retention_years) is kept as text like every plan fact
            if isinstance(value, str):
                value = value.strip()
            if value is not None and not isinstance(value, str):
                self.fail(f"plan.{key}", "skal være en tekst eller en dato")
            out[key] = value
        for key in ("title", "municipality"):
            if not out.get(key):
                self.fail(f"plan.{key}", "mangler")
        return dict(sorted(out.items(), key=lambda kv: plan_key_order(kv[0])))

    def items(self, section: str, raw: Any, table: Table) -> list[dict[str, Any]]:
        if not isinstance(raw, list) or not raw:
            self.fail(section, "skal være en ikke-tom liste")
        return sorted(self.records(section, raw, seed_fields(table)), key=lambda row: row["id"])

    def records(self, section: str, raw: list[Any], fields: tuple[Field, ...]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for index, item in enumerate(raw):
            where = f"{section}[{index}]"
            if not isinstance(item, dict):
                self.fail(where, "skal være en tabel med nøgler og værdier")
            if isinstance(item.get("id"), str):
                where = f"{section}[{item['id']}]"
            for key in item:
                if key not in {f.key for f in fields}:
                    self.fail(f"{where}.{key}", "er ikke en kendt nøgle (stavefejl?)")
            row = {f.key: self.value(f"{where}.{f.key}", f, item.get(f.key, f.default)) for f in fields}
            if row["id"] in seen:
                self.fail(f"{where}.id", f"id '{row['id']}' er brugt mere end én gang")
            seen.add(row["id"])
            out.append(row)
        return out

    def value(self, key: str, field: Field, value: Any) -> Any:
        try:
            return check_value(field, value)
        except ValueError as exc:
            self.fail(key, str(exc))

    def networks(self, raw: Any) -> list[dict[str, Any]]:
        """The local networks: ids, names and other spellings, each name one identity."""
        if not isinstance(raw, list) or not raw:
            self.fail("networks", "skal være en ikke-tom liste")
        rows = sorted(self.records("networks", raw, NETWORK_FIELDS), key=lambda row: row["id"])
        owners: dict[str, str] = {}
        for row in rows:
            row["name"] = name_keys.clean(row["name"])
            row["aliases"] = sorted_aliases(name_keys.clean(a) for a in row["aliases"])
            for name in (row["name"], *row["aliases"]):
                odd = name_keys.suspicious_characters(name)
                if odd:
                    self.fail(f"networks[{row['id']}]", f"navnet '{name}' indeholder {odd[0].describe()}")
                key = name_keys.identity_key(name)
                if key in owners:
                    self.fail(f"networks[{row['id']}]", f"navnet '{name}' bruges også af netværket '{owners[key]}'")
                owners[key] = row["id"]
        return rows

    def actioncard(self, raw: Any) -> list[dict[str, Any]]:
        if not isinstance(raw, list) or len(raw) != EXPECTED_PHASES:
            self.fail("actioncard", f"skal være en liste med {EXPECTED_PHASES} faser")
        phase_fields = (Field("id", "id"), Field("title", "text"), Field("steps", "steps"))
        phases = self.records("actioncard", raw, phase_fields)
        steps = [step for phase in phases for step in phase["steps"]]
        if len(steps) != EXPECTED_STEPS:
            self.fail("actioncard", f"skal have {EXPECTED_STEPS} trin i alt, men har {len(steps)}")
        for phase in phases:
            phase["steps"] = self.records(f"actioncard[{phase['id']}].steps", phase["steps"],
                                          (Field("id", "id"), Field("title", "text"), Field("text", "text")))
        step_ids = [s["id"] for phase in phases for s in phase["steps"]]
        duplicate = next((s for s in step_ids if step_ids.count(s) > 1), None)
        if duplicate:
            self.fail(f"actioncard.steps[{duplicate}]", "trin-id er brugt mere end én gang")
        return phases

    def cross_check(self, seed: dict[str, Any]) -> None:
        actor_ids = {a["id"] for a in seed["actors"]}
        for section in ("addresses", "phones"):
            for row in seed[section]:
                if row["actor_id"] is not None and row["actor_id"] not in actor_ids:
                    self.fail(f"{section}[{row['id']}].actor_id",
                              f"aktøren '{row['actor_id']}' findes ikke under actors")
        owners: dict[str, str] = {}
        for actor in seed["actors"]:
            labels = [actor["name"], *actor["aliases"]]
            folded = [label.casefold() for label in labels]
            for label, key in zip(labels, folded):
                if folded.count(key) > 1:
                    self.fail(f"actors[{actor['id']}].aliases", f"navnet '{label}' står mere end én gang")
                if key in owners:
                    self.fail(f"actors[{actor['id']}].aliases",
                              f"navnet '{label}' bruges også af aktøren '{owners[key]}'")
            owners.update(dict.fromkeys(folded, actor["id"]))
        urls = [a["url"].casefold() for a in seed["addresses"]]
        for row in seed["addresses"]:
            if urls.count(row["url"].casefold()) > 1:
                self.fail(f"addresses[{row['id']}].url", f"adressen '{row['url']}' står der mere end én gang")


def check_value(field: Field, value: Any) -> Any:
    """One value checked and normalised; ValueError carries the Danish problem."""
    if value is None:
        if field.required:
            raise ValueError("mangler")
        return None
    kind = field.kind
    if kind == "id":
        if not isinstance(value, str) or not SLUG.fullmatch(value):
            raise ValueError("skal være et id med små bogstaver, tal og _ (fx red_barnet_sletdet)")
    elif kind in ("text", "actor"):
        if not isinstance(value, str) or not value.strip():
            raise ValueError("skal være en tekst (tal skrives i anførselstegn, fx \"114\")")
        value = value.strip()
    elif kind == "kind" and value not in ACTOR_KINDS:
        raise ValueError(f"'{value}' er ikke en gyldig type (mulige: {', '.join(ACTOR_KINDS)})")
    elif kind == "bool" and not isinstance(value, bool):
        raise ValueError("skal være true eller false")
    elif kind == "date":
        value = _as_date(value)
    elif kind == "aliases":
        if not isinstance(value, (list, tuple)) or not all(isinstance(a, str) and a.strip() for a in value):
            raise ValueError("skal være en liste af navne")
        value = sorted_aliases(a.strip() for a in value)
    elif kind == "steps" and (not isinstance(value, list) or not value):
        raise ValueError("skal være en ikke-tom liste af trin")
    return value


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"'{value}' er ikke en dato på formen ÅÅÅÅ-MM-DD")


def sorted_aliases(aliases: Any) -> list[str]:
    return sorted(aliases, key=lambda a: (a.casefold(), a))


def seed_fields(table: Table) -> tuple[Field, ...]:
    """A list section's keys in the seed, in file order: id first, an actor's aliases before in_plan."""
    fields = [Field("id", "id"), *table.fields]
    if table is ACTORS:
        fields.insert(-1, Field("aliases", "aliases", False, ()))
    return tuple(fields)


def plan_key_order(key: str) -> tuple[int, str]:
    return (PLAN_KEYS.index(key) if key in PLAN_KEYS else len(PLAN_KEYS), key)


# --- writing ----------------------------------------------------------------------------

class _PlanDumper(yaml.SafeDumper):
    """YAML like data/plan.yaml: indented lists, multi-line texts as literal blocks (``|``)
    and long one-line texts folded (``>``), as a person writes them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else ">" if len(data) > FOLD_AT else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_PlanDumper.add_representer(str, _represent_str)


def _date_or_text(value: Any) -> Any:
    """An ISO date in the plan's facts is written as a YAML date (unquoted, as in the seed)."""
    try:
        return _as_date(value) if isinstance(value, str) else value
    except ValueError:
        return value


def to_yaml(doc: dict[str, Any], header: str = "") -> str:
    """A canonical plan document as YAML in the seed's layout: one block per section.

    Plan values that are ISO dates are written as dates and optional fields without a value
    are left out, exactly as a person writes the seed; ``load_seed`` reads both back equal.
    """
    doc = dict(doc)
    doc["plan"] = {k: _date_or_text(v) for k, v in doc["plan"].items()}
    for section in LIST_SECTIONS:
        doc[section] = [{k: v for k, v in row.items() if v is not None} for row in doc[section]]
    doc["networks"] = [{k: v for k, v in row.items() if v not in (None, [])} for row in doc.get("networks", [])]
    parts = [yaml.dump({key: doc[key]}, Dumper=_PlanDumper, sort_keys=False, allow_unicode=True, width=100)
             for key in SECTIONS]
    return header + "\n" + "\n".join(parts)

"""Synthetic (made-up) case exports for demos, docs and tests, built through the real ingest.

Nothing here describes a real child or case. The generator draws cases from a seeded numpy
Generator with plausible distributions and correlations taken from the public figures in
``shared/domain.md`` (Snapchat in about half the cases, B cases reported to police far more
often than A, SletDet used mostly when the offender is unknown, rising sextortion among boys),
and writes them (through ``demo_files``) the way the local networks send them: .xlsx with
and without a guide sheet, Windows-1252 CSV with Danish labels, UTF-8 CSV with keys, months
as text, Excel date cells or full dates. Same seed and ``cases`` give byte-identical files.

Column names and code lists come from ``spec.COLUMNS``, so the files follow the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.ingest import spec
from evaluation.demo.files import Case, FileStyle, write_file
from evaluation.errors import EvaluationError

DEMO_YEARS: tuple[int, ...] = (2022, 2023, 2024, 2025)
YEAR_WEIGHTS = (0.20, 0.23, 0.27, 0.30)  # volumes rise, as in the national figures
# Fewer cases in the summer holiday and around Christmas.
MONTH_WEIGHTS = (1.0, 1.0, 1.1, 1.0, 1.1, 0.8, 0.3, 0.9, 1.1, 1.0, 1.1, 0.8)


@dataclass(frozen=True)
class Network:
    """A local SSP network: its name, relative size, institutions and export habits."""

    name: str
    slug: str
    weight: float
    institutions: dict[str, float]
    style: FileStyle
    id_pattern: str               # sags_id format; never 8+ digits in a row (phone/CPR-like)


NETWORKS: tuple[Network, ...] = (
    Network("Hjørring By", "hjoerring_by", 0.30,
            {"folkeskole": 0.78, "friskole": 0.12, "fritidstilbud": 0.07, "andet": 0.03},
            FileStyle("xlsx", months="excel", guide_sheet=True, extra_column="Løbenr."),
            "HJB-{yy}-{seq:03d}"),
    Network("Ungdomsuddannelserne", "ungdomsuddannelserne", 0.22,
            {"ungdomsuddannelse": 0.95, "andet": 0.05},
            FileStyle("xlsx", values="code", months="excel-date", guide_sheet=True), "UU-{yy}-{seq:03d}"),
    Network("Hirtshals", "hirtshals", 0.12, {"folkeskole": 0.85, "fritidstilbud": 0.15},
            FileStyle("csv", months="mm-yyyy", encoding="cp1252"), "HH{yy}/{seq:02d}"),
    Network("Sindal", "sindal", 0.10, {"folkeskole": 0.9, "friskole": 0.1},
            FileStyle("csv", header="key", values="code", encoding="utf-8-sig"), "S{year}-{seq}"),
    Network("Vrå", "vraa", 0.09, {"folkeskole": 0.7, "efterskole": 0.3},
            FileStyle("xlsx", header="key", values="code"), "VRAA-{year}-{seq:02d}"),
    Network("Løkken", "loekken", 0.08, {"folkeskole": 0.8, "fritidstilbud": 0.2},
            FileStyle("xlsx", values="code", months="excel"), "LOK{yy}{seq:03d}"),
    Network("Tårs", "taars", 0.05, {"folkeskole": 1.0},
            FileStyle("csv", header="key", values="code", months="date-iso", sep=",",
                      quote_all=True, crlf=False, age_as_number=True), "T{yy}-{seq}"),
    Network("Bindslev", "bindslev", 0.04, {"folkeskole": 0.6, "friskole": 0.4},
            FileStyle("csv", months="date-dk", encoding="cp1252"), "B-{seq}-{yy}"),
)
CORRECTING_NETWORK = 3         # NETWORKS' Sindal sends a corrected re-export of a few cases in a later file
NO_EXERCISE_LAST_YEAR = 6      # NETWORKS' Tårs held no exercise last year
CORRECTED_YEAR = 2024
CORRECTED_CASES = 3

# Scenarios tie situation, offence types and offender together. Weights per gender; the
# sextortion weight for boys grows each year (SletDet and police saw it rise from 2022).
SCENARIOS: dict[str, dict[str, Any]] = {
    "kaereste": {"situation": "A", "types": ["billeddeling"], "offender": "kendt"},
    "tankeloes": {"situation": "A", "types": ["billeddeling", "videodeling", "chikane"], "offender": "kendt"},
    "hacking": {"situation": "A", "types": ["hacking", "identitetstyveri"], "offender": "ukendt"},
    "haevn": {"situation": "B", "types": ["billeddeling", "videodeling"], "offender": "kendt"},
    "trusler": {"situation": "B", "types": ["trusler", "chikane"], "offender": "kendt"},
    "afpresning": {"situation": "B", "types": ["afpresning"], "offender": "ukendt"},
    "grooming": {"situation": "B", "types": ["grooming"], "offender": "ukendt"},
}
SCENARIO_WEIGHTS = {
    "pige": {"kaereste": .30, "tankeloes": .24, "hacking": .04, "haevn": .16, "trusler": .12,
             "afpresning": .08, "grooming": .06},
    "dreng": {"kaereste": .16, "tankeloes": .34, "hacking": .12, "haevn": .05, "trusler": .13,
              "afpresning": .07, "grooming": .03},
}
SEXTORTION_BOYS_PER_YEAR = 0.09

PLATFORMS = {"snapchat": .50, "instagram": .14, "tiktok": .10, "messenger": .05, "whatsapp": .04,
             "discord": .04, "gaming": .04, "sms": .03, "facebook": .02, "youtube": .01,
             "andet": .01, "ukendt": .02}

SLETDET_NAMES = ("Red Barnet SletDet", "SletDet", "red barnet – slet det", "Red Barnets SletDet")
SEED_POLICE = "Nordjyllands Politi"  # the seed plan's police actor, as the demo's cases spell it


def police_names(police: str = SEED_POLICE) -> tuple[str, ...]:
    """How the cases write the plan's police (its actor of kind 'politi')."""
    return ("Politiet", police, "politiet")
HOTLINE_NAMES = ("Sikkerchat", "SikkerChat", "Red Barnets hotline")
# Organisations the plan does not list (the "new actors" question); two spellings of one of
# them, so the dashboard shows near-spellings grouped.
NEW_ACTORS = ("Børns Vilkår", "Borns Vilkaar", "Cyberhus", "Headspace", "Foreningen Far",
              "Sex & Samfund")

# The bank of experience sentences, tagged by when they fit. {platform} and {actor} are
# filled in. No names, no numbers: nothing in here may look like personal data.
SENTENCES: dict[str, tuple[str, ...]] = {
    "alle": (
        "Actioncardet gav en god struktur for, hvem der gjorde hvad i de første timer.",
        "Det hjalp, at ledelsen på forhånd havde aftalt, hvem der ringer til forældrene.",
        "Nye kontaktlærere kendte ikke actioncardet – den årlige øvelse bør prioriteres.",
        "Faglig sparring med SSP-konsulenten gjorde vurderingen tryggere.",
        "Noterne om forløbet lå spredt hos flere medarbejdere; vi mangler et fælles sted.",
        "Klasseteamet blev inddraget tidligt, og det gjorde omgivelserne lettere at håndtere.",
        "Det tog for lang tid at finde ud af, hvem der havde ansvaret i ferien.",
        "Eleven oplevede det som en lettelse at blive taget alvorligt fra første samtale.",
        "Skolens ordensregler bør nævne digitale krænkelser direkte.",
        "Sagen viste et behov for undervisning i samtykke og billeddeling på mellemtrinnet.",
        "Samarbejdet mellem skole, SSP og politi fungerede godt.",
    ),
    "A": (
        "Billedet var delt i et kæresteforhold, og en pædagogisk samtale med begge parter var nok.",
        "Delingen skete af tankeløshed; eleverne vidste ikke, at det kan være ulovligt.",
        "En klassesamtale om deling af billeder virkede forebyggende for hele årgangen.",
        "Forældremødet om digital dannelse efter sagen blev godt modtaget.",
    ),
    "B": (
        "Trusler om mere deling gjorde, at sagen hurtigt blev vurderet som en politisag.",
        "Den krænkede havde brug for psykologhjælp ud over skolens egne tilbud.",
        "Det var svært at vurdere, om der var tale om hævn eller en uskyldig sammenhæng.",
        "Underretningen blev sendt samme dag, og myndighedsafdelingen tog hurtigt over.",
    ),
    "afpresning": (
        "Afpresseren krævede penge via {platform}; den krænkede betalte heldigvis ikke.",
        "Flere drenge på årgangen havde fået lignende beskeder fra falske profiler.",
        "Det var vigtigt at sige klart, at skylden ligger hos afpresseren og ikke hos den krænkede.",
        "Profilen blev blokeret, og samtalen blev gemt som dokumentation, før der blev svaret.",
    ),
    "ukendt": (
        "Materialet lå på en udenlandsk side, og det lykkedes ikke at få det fjernet helt.",
        "Det var uklart, hvem der stod bag profilen, og det gjorde det svært at stoppe delingen.",
    ),
    "sletdet": ("SletDet hjalp med at få materialet fjernet fra {platform}.",),
    "klage": ("Klagen til Datatilsynet gav først svar efter flere måneder.",),
    "kendt": (
        "Krænkeren og dennes forældre blev kontaktet samme dag og bedt om at slette materialet.",
        "Begge parter går på samme skole, så der blev lavet en plan for frikvartererne.",
        "Krænkeren fik også tilbudt hjælp, hvilket forældrene var glade for.",
    ),
    "maegling": ("Konfliktmægling hjalp begge parter videre.",),
    "foraeldre": (
        "Forældrene blev inddraget med det samme efter værdispringsreglen.",
        "Det tog nogle dage at få fat i forældrene, og det skal vi blive hurtigere til.",
        "Forældrene ønskede først ikke en politianmeldelse, hvilket gav en svær dialog.",
    ),
    "dokumentation": (
        "Dokumentationen blev gemt af forældrene og ikke på medarbejdernes telefoner, som planen siger.",
        "En medarbejder tog skærmbilleder på egen telefon; det skal vi undgå fremover.",
        "Skærmbillederne manglede tidspunkter, hvilket gjorde dokumentationen svagere.",
    ),
    "spredning": (
        "Billedet nåede at blive delt i flere gruppechats, før vi hørte om det.",
        "Vi orienterede forældregruppen uden at nævne navne, og det dæmpede rygterne.",
    ),
    "politi": (
        "Anmeldelsen blev lavet på politiets hjemmeside sammen med forældrene.",
        "Forebyggelsesbetjenten deltog i samtalen med klassen bagefter.",
    ),
    "ny_aktoer": (
        "Vi henviste også til {actor}, som ikke står i handleplanen.",
        "{actor} var en god støtte og bør måske nævnes i planen.",
    ),
}


# --------------------------------------------------------------------------------------
# Drawing cases
# --------------------------------------------------------------------------------------

def last_full_month(today: date | None = None) -> tuple[int, int]:
    """The latest month that is over: demo cases never lie in the current or a future month."""
    today = today or date.today()
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def _pick(rng: np.random.Generator, weights: dict[str, float]) -> str:
    """One key drawn with the given (unnormalised) weights."""
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _chance(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


def _add_months(ym: tuple[int, int], n: int) -> tuple[int, int]:
    index = ym[0] * 12 + ym[1] - 1 + n
    return index // 12, index % 12 + 1


def plan_networks(registry_networks: Sequence[tuple[str, str]]) -> tuple[Network, ...]:
    """The demo's networks for a plan's networks (``(network_id, name)`` pairs): the seed plan's
    eight as above; another municipality's networks take the eight profiles in turn (size,
    institutions, export habits) under their own names and ids, so a demo of that plan names
    none of the seed plan's places."""
    if sorted(name for _, name in registry_networks) == sorted(n.name for n in NETWORKS):
        return NETWORKS
    return tuple(replace(NETWORKS[i % len(NETWORKS)], name=name, slug=network_id,
                         id_pattern=f"N{i + 1}-{{yy}}-{{seq:03d}}")
                 for i, (network_id, name) in enumerate(registry_networks))


def _allocate(rng: np.random.Generator, cases: int, cells: list[tuple[Network, int]]) -> list[int]:
    """Cases per (network, year): every cell gets one when there are enough, the rest by weight."""
    base = 1 if cases >= len(cells) else 0
    p = np.array([n.weight * YEAR_WEIGHTS[DEMO_YEARS.index(y)] for n, y in cells])
    extra = rng.multinomial(cases - base * len(cells), p / p.sum())
    return [base + int(e) for e in extra]


def generate_cases(*, seed: int, cases: int, today: date | None = None, networks: Sequence[Network] = NETWORKS,
                   police: str = SEED_POLICE) -> list[Case]:
    """Draw ``cases`` synthetic cases (canonical values, one dict per case), deterministically."""
    if cases < 1:
        raise EvaluationError("Antallet af demo-sager skal være mindst 1.")
    rng = np.random.default_rng(seed)
    last = last_full_month(today)
    cells = [(n, y) for n in networks for y in DEMO_YEARS if (y, 1) <= last]
    spellings = police_names(police)
    out: list[Case] = []
    for (network, year), count in zip(cells, _allocate(rng, cases, cells)):
        months = [m for m in range(1, 13) if (year, m) <= last]
        p = np.array([MONTH_WEIGHTS[m - 1] for m in months])
        drawn = sorted(int(months[i]) for i in rng.choice(len(months), size=count, p=p / p.sum()))
        for seq, month in enumerate(drawn, start=1):
            sags_id = network.id_pattern.format(yy=year % 100, year=year, seq=seq)
            out.append(_draw_case(rng, network, sags_id, (year, month), last, spellings))
    return out


def _draw_case(rng: np.random.Generator, network: Network, sags_id: str,
               reported: tuple[int, int], last: tuple[int, int], police: tuple[str, ...]) -> Case:
    """One case, drawn in steps so later fields can depend on earlier ones (as in real cases)."""
    c: Case = {"sags_id": sags_id, "netvaerk": network.name, "indberetningsmaaned": reported}
    _draw_victim(rng, c, network)
    scenario = _draw_offence(rng, c)
    _draw_assessment(rng, c)
    _draw_outcome(rng, c)
    c["afslutningsmaaned"] = _closing(rng, reported, last, c["situation"] == "B")
    c["aktoerer"] = _actors(rng, c, reported[0], police)
    c["erfaringer"] = _experience(rng, c, scenario)
    return c


def _draw_victim(rng: np.random.Generator, c: Case, network: Network) -> None:
    """Institution, age band (following the institution), gender and number of victims."""
    c["institutionstype"] = inst = _pick(rng, network.institutions)
    c["aldersgruppe"] = _pick(rng, (
        {"15_17": .62, "18_plus": .35, "ukendt": .03} if inst == "ungdomsuddannelse" else
        {"12_14": .55, "15_17": .35, "ukendt": .10} if inst == "efterskole" else
        {"under_12": .12, "12_14": .50, "15_17": .34, "ukendt": .04}))
    c["koen"] = _pick(rng, {"pige": .62, "dreng": .33, "andet": .02, "ukendt": .03})
    c["antal_kraenkede"] = 1 if _chance(rng, .88) else int(rng.integers(2, 7))


def _draw_offence(rng: np.random.Generator, c: Case) -> str:
    """Scenario -> situation, offence types, offender, platforms, spread; returns the scenario."""
    boy = c["koen"] == "dreng"
    weights = dict(SCENARIO_WEIGHTS["dreng" if boy else "pige"])
    if boy:
        weights["afpresning"] += SEXTORTION_BOYS_PER_YEAR * (c["indberetningsmaaned"][0] - DEMO_YEARS[0])
    if c["aldersgruppe"] == "under_12":
        weights["afpresning"] /= 3
        weights["kaereste"] /= 3
    scenario = _pick(rng, weights)
    plot = SCENARIOS[scenario]
    c["situation"] = plot["situation"]
    types = [plot["types"][int(rng.integers(len(plot["types"])))]]
    if scenario == "afpresning" and _chance(rng, .5):
        types.append("billeddeling")
    if plot["situation"] == "B" and "trusler" not in types and _chance(rng, .15):
        types.append("trusler")
    c["kraenkelsestyper"] = types
    other = "ukendt" if plot["offender"] == "kendt" else "kendt"
    c["kraenker"] = kr = _pick(rng, {plot["offender"]: .82, "begge": .08, other: .10})
    c["kraenker_samme_institution"] = None if _chance(rng, .1) else _pick(rng, (
        {"ja": .6, "nej": .3, "ukendt": .1} if kr != "ukendt" else {"ukendt": .8, "nej": .2}))
    platforms = [_pick(rng, PLATFORMS)]
    if scenario == "afpresning" and _chance(rng, .5):
        platforms = [_pick(rng, {"instagram": .5, "snapchat": .4, "tiktok": .1})]
    if scenario == "hacking" and _chance(rng, .4):
        platforms = ["gaming"]
    if _chance(rng, .15):
        platforms.append(_pick(rng, {k: v for k, v in PLATFORMS.items() if k not in [*platforms, "ukendt"]}))
    c["platforme"] = [] if _chance(rng, .05) else platforms
    c["spredning"] = None if _chance(rng, .08) else _pick(rng, (
        {"ingen": .4, "enkeltpersoner": .4, "ukendt": .2} if scenario in ("afpresning", "grooming")
        else {"enkeltpersoner": .3, "klassen": .3, "skolen": .15, "uden_for_skolen": .2, "ukendt": .05}
        if scenario == "haevn"
        else {"ingen": .15, "enkeltpersoner": .45, "klassen": .25, "skolen": .05,
              "uden_for_skolen": .05, "ukendt": .05}))
    return scenario


def _draw_assessment(rng: np.random.Generator, c: Case) -> None:
    """Vurder and Inddrag: police case, notification, parents; B is reported far more often."""
    b = c["situation"] == "B"
    minor = c["aldersgruppe"] != "18_plus"
    politisag = _chance(rng, .78 if b else .14)
    underretning = minor and _chance(rng, .40 if b else .10)
    vurdering = [v for v, on in (("politisag", politisag), ("underretning", underretning),
                                 ("paedagogisk", not b or _chance(rng, .45))) if on]
    c["vurdering"] = vurdering or ["paedagogisk"]
    c["politianmeldt"] = reported = politisag and _chance(rng, .88)  # the rest: a warning
    c["anmeldt_af"] = None if not reported or _chance(rng, .05) else _pick(rng, (
        {"foraeldre": .55, "skolen": .28, "kraenkede": .12, "myndighedsafdeling": .05} if minor
        else {"kraenkede": .55, "skolen": .30, "foraeldre": .15}))
    c["underretning_sendt"] = None if _chance(rng, .1) else underretning and _chance(rng, .92)
    c["foraeldre_inddraget"] = parents = _pick(rng, (
        {"ja": .93, "nej": .07} if minor else {"ikke_relevant": .7, "ja": .2, "nej": .1}))
    c["foraeldre_inddraget_dage"] = None if parents != "ja" or _chance(rng, .08) else int(
        rng.choice([0, 1, 2, 3, 5, 7, 14], p=[.42, .28, .11, .06, .06, .04, .03]))


def _draw_outcome(rng: np.random.Generator, c: Case) -> None:
    """Dokumenter, Stop, Anmeld and Behandel: what was saved, deleted, who helped, who was told."""
    b, kr = c["situation"] == "B", c["kraenker"]
    progress = c["indberetningsmaaned"][0] - DEMO_YEARS[0]  # documentation improves over the years
    c["dokumentation_sikret"] = _pick(rng, {"ja": .62 + .05 * progress, "delvist": .22,
                                            "nej": .16 - .03 * progress})
    material = bool({"billeddeling", "videodeling", "afpresning", "grooming"} & set(c["kraenkelsestyper"]))
    deleted = _pick(rng, (
        {"ikke_relevant": .8, "ukendt": .2} if not material
        else {"ja": .72, "delvist": .14, "nej": .05, "ukendt": .09} if kr == "kendt"
        else {"ja": .30, "delvist": .20, "nej": .25, "ukendt": .25} if kr == "ukendt"
        else {"ja": .5, "delvist": .25, "nej": .1, "ukendt": .15}))
    c["materiale_slettet"] = None if _chance(rng, .05) else deleted
    c["sletdet_kontaktet"] = material and _chance(rng, {"kendt": .07, "ukendt": .58, "begge": .42}[kr])
    c["datatilsynet_klage"] = c["sletdet_kontaktet"] and deleted in ("nej", "delvist") and _chance(rng, .3)
    c["samarbejde"] = None if _chance(rng, .1) else _pick(rng, (
        {"ingen": .65, "kommunalt": .30, "regionalt": .05} if kr == "kendt"
        else {"ingen": .40, "kommunalt": .35, "regionalt": .17, "nationalt": .08}))
    c["forsikring_anbefalet"] = _chance(rng, .35 if b else .05)
    c["ssp_konsulent_inddraget"] = _chance(rng, .82 if b else .45)
    helped = [h for h, p in (("skolen", .65), ("psykolog", .38 if b else .08),
                             ("hotline", .18), ("laege", .05), ("andet", .04)) if _chance(rng, p)]
    c["hjaelp"] = helped or ["ingen"]
    c["hjaelp_kraenker"] = kr != "ukendt" and _chance(rng, .45)
    same = c["kraenker_samme_institution"] == "ja" and kr == "kendt"
    c["konfliktmaegling"] = None if _chance(rng, .1) else _pick(rng, (
        {"ja": .3, "nej": .7} if same else {"ikke_relevant": .8, "nej": .2}))
    told = [o for o, p in (("klassen", .55 if c["spredning"] == "klassen" else .2), ("skolen", .05),
                           ("foraeldregruppen", .18)) if _chance(rng, p)]
    c["orienteret"] = told or ["ingen"]
    c["presseinteresse"] = None if _chance(rng, .15) else _chance(rng, .02)


def _closing(rng: np.random.Generator, reported: tuple[int, int], last: tuple[int, int],
             b: bool) -> tuple[int, int] | None:
    """The month a case closed, or None: recent cases are often still open, old ones rarely."""
    age_months = (last[0] - reported[0]) * 12 + last[1] - reported[1]
    if _chance(rng, .5 if age_months <= 2 else .15 if age_months <= 6 else .04):
        return None
    duration = int(rng.choice([0, 1, 2, 3, 4, 6], p=[.15, .3, .25, .15, .1, .05] if b
                              else [.5, .3, .12, .05, .02, .01]))
    return min(_add_months(reported, duration), last)


def _actors(rng: np.random.Generator, c: Case, year: int, police: tuple[str, ...]) -> list[str]:
    """Outside organisations, spelled the many ways people write them."""
    names: list[str] = []
    if c["sletdet_kontaktet"]:
        names.append(SLETDET_NAMES[int(rng.integers(len(SLETDET_NAMES)))])
    if c["politianmeldt"] and _chance(rng, .7):
        names.append(police[int(rng.integers(len(police)))])
    if c["datatilsynet_klage"]:
        names.append("Datatilsynet")
    if "hotline" in c["hjaelp"] and _chance(rng, .6):
        names.append(HOTLINE_NAMES[int(rng.integers(len(HOTLINE_NAMES)))])
    if "psykolog" in c["hjaelp"] and "grooming" in c["kraenkelsestyper"] and _chance(rng, .5):
        names.append("Center for Seksuelle Overgreb")
    if _chance(rng, .05 + .05 * (year - DEMO_YEARS[0])):  # new actors appear over the years
        names.append(NEW_ACTORS[int(rng.integers(len(NEW_ACTORS)))])
    return names


def _experience(rng: np.random.Generator, c: Case, scenario: str) -> str | None:
    """One to three fitting sentences from the bank, or nothing (about four cases in ten)."""
    if _chance(rng, .4):
        return None
    tags = ["alle", c["situation"]]
    tags += [t for t, on in (
        ("afpresning", scenario == "afpresning"), ("ukendt", c["kraenker"] != "kendt"),
        ("sletdet", bool(c["sletdet_kontaktet"])), ("klage", bool(c["datatilsynet_klage"])),
        ("kendt", c["kraenker"] == "kendt"),
        ("maegling", c["konfliktmaegling"] == "ja"), ("foraeldre", c["foraeldre_inddraget"] == "ja"),
        ("dokumentation", True), ("spredning", c["spredning"] in ("klassen", "skolen", "uden_for_skolen")),
        ("politi", bool(c["politianmeldt"])),
        ("ny_aktoer", any(a in NEW_ACTORS for a in c["aktoerer"]))) if on]
    pool = [s for t in tags for s in SENTENCES[t]]
    picks = rng.choice(len(pool), size=min(len(pool), int(rng.choice([1, 2, 3], p=[.5, .35, .15]))),
                       replace=False)
    platform = spec.label_of("platforme", c["platforme"][0]) if c["platforme"] else "nettet"
    if platform in ("Andet", "Ukendt"):
        platform = "nettet"
    actor = next((a for a in c["aktoerer"] if a in NEW_ACTORS), "en anden organisation")
    text = " ".join(pool[int(i)].format(platform=platform, actor=actor) for i in sorted(picks))
    return text[:1].upper() + text[1:]


def corrections(cases: list[Case], network: str = NETWORKS[CORRECTING_NETWORK].name) -> list[Case]:
    """The corrected re-export: a few cases of one network-year, followed up and changed."""
    chosen = [c for c in cases if c["netvaerk"] == network
              and c["indberetningsmaaned"][0] == CORRECTED_YEAR][:CORRECTED_CASES]
    out: list[Case] = []
    for case in chosen:
        fixed = dict(case)
        if fixed["afslutningsmaaned"] is None:
            fixed["afslutningsmaaned"] = min(_add_months(case["indberetningsmaaned"], 2),
                                             last_full_month())
        note = "Rettet efter opfølgning: sagen er afsluttet."
        if fixed["materiale_slettet"] in ("nej", "ukendt", "delvist"):
            fixed["materiale_slettet"] = "ja"
            note = "Rettet efter opfølgning: materialet er nu slettet, og sagen er afsluttet."
        fixed["dokumentation_sikret"] = "ja"
        fixed["erfaringer"] = f"{case['erfaringer']} {note}" if case["erfaringer"] else note
        out.append(fixed)
    return out



def write_demo_files(out_dir: Path, *, seed: int, cases: int, networks: Sequence[Network] = NETWORKS,
                     police: str = SEED_POLICE) -> list[Path]:
    """Write the synthetic exports, one file per network and year plus one correction file.

    Returns the paths in the order they should be imported (the correction comes last).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    drawn = generate_cases(seed=seed, cases=cases, networks=networks, police=police)
    paths: list[Path] = []
    for network in networks:
        for year in DEMO_YEARS:
            chunk = [c for c in drawn if c["netvaerk"] == network.name
                     and c["indberetningsmaaned"][0] == year]
            if chunk:
                name = f"{network.slug}_{year}.{network.style.ext}"
                paths.append(write_file(out_dir / name, chunk, network.style, network.name))
    network = networks[min(CORRECTING_NETWORK, len(networks) - 1)]
    fixes = corrections(drawn, network.name)
    if fixes:
        name = f"{network.slug}_{CORRECTED_YEAR}_rettelse.{network.style.ext}"
        paths.append(write_file(out_dir / name, fixes, network.style, network.name))
    return paths


# --------------------------------------------------------------------------------------
# The demo database
# --------------------------------------------------------------------------------------

def add_plan_upkeep_demo(db_path: Path, *, seed: int, networks: Sequence[Network] = NETWORKS,
                         police: str = SEED_POLICE) -> str | None:
    """Demo plan upkeep, so ``ssp-eval plan status`` and the dashboards have concrete items.

    Seeds, relative to today: two years of key-person verifications per network (about one in
    four overdue, and the smallest network without a registered SSP contact teacher), last
    year's and this year's actioncard exercises (some networks lack this year's), and one
    related policy revised after the plan's last evaluation (with registry history). Staff
    are given by job title, never by name. Returns a Danish sentence for the summary.
    """
    from datetime import datetime, time, timedelta

    import pandas as pd

    from evaluation.store import db
    from evaluation.plan import registry
    from evaluation.settings import settings

    rng = np.random.default_rng([seed, 5])
    today = date.today()
    titles = {"ledelse": ("Skoleleder", "Viceskoleleder", "Afdelingsleder"),
              "ssp_konsulent": ("SSP- og Ungdomskonsulent, team Nord", "SSP- og Ungdomskonsulent, team Syd"),
              "ssp_kontaktlaerer": ("SSP-kontaktlærer, udskolingen", "SSP-kontaktlærer, mellemtrinnet")}
    without_contact_teacher = networks[-1].name
    verifications: list[tuple[Any, ...]] = []
    overdue = 0
    for i, network in enumerate(networks):
        roles = [r for r in titles if not (r == "ssp_kontaktlaerer" and network.name == without_contact_teacher)]
        roles += ["forebyggelsesbetjent"] if i % 3 == 0 else []
        for role in roles:
            person = titles.get(role, (f"Forebyggelsesbetjent, {police}",))
            person = person[int(rng.integers(len(person)))]
            late = bool(rng.random() < 0.25) or (i == 1 and role == "ledelse")
            overdue += late
            last = today - timedelta(days=int(rng.integers(400, 560) if late else rng.integers(20, 330)))
            previous = last - timedelta(days=int(rng.integers(330, 400)))
            for day in (previous, last):
                verifications.append((network.name, role, person, day, datetime.combine(day, time(10)), "demo"))
    exercises: list[tuple[Any, ...]] = []
    missing = {int(i) for i in rng.choice(len(networks), size=min(3, len(networks)), replace=False)}
    for i, network in enumerate(networks):
        teachers = int(rng.integers(2, 7))
        last_year = date(today.year - 1, 10, 1) + timedelta(days=int(rng.integers(0, 50)))
        held_last = i != NO_EXERCISE_LAST_YEAR
        exercises.append((network.name, last_year.year, held_last, last_year if held_last else None, teachers,
                          int(rng.integers(0, 3)) if held_last else None, datetime.combine(last_year, time(15)), "demo"))
        if i in missing:
            if i == min(missing):  # one network has recorded that this year's exercise was cancelled
                exercises.append((network.name, today.year, False, None, teachers, None,
                                  datetime.combine(today, time(9)), "demo"))
            continue
        held_on = max(date(today.year, 1, 1), today - timedelta(days=int(rng.integers(1, 200))))
        exercises.append((network.name, today.year, True, held_on, teachers, int(rng.integers(0, 3)),
                          datetime.combine(held_on, time(15)), "demo"))
    frames = {
        "key_person_verifications": pd.DataFrame(verifications, dtype=object, columns=[
            "netvaerk", "role_id", "person", "verified_on", "saved_at", "saved_by"]),
        "exercises": pd.DataFrame(exercises, dtype=object, columns=[
            "netvaerk", "year", "held", "held_on", "contact_teachers", "new_contact_teachers", "saved_at", "saved_by"]),
    }
    revised_policy = None
    with db.writer(db_path) as con:
        for table, frame in frames.items():  # table names are the constants above
            con.register("demo_frame", frame)
            con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM demo_frame")
            con.unregister("demo_frame")
        meta = dict(con.execute("SELECT key, value FROM plan_meta").fetchall())
        evaluated = date.fromisoformat(str(meta.get("last_evaluated") or today.isoformat())[:10])
        policies = dict(con.execute("SELECT policy_id, name FROM policies").fetchall())
        if evaluated < today - timedelta(days=1) and "skolernes_ordensregler" in policies:
            revised = evaluated + (today - evaluated) / 2
            registry.set_policy_revised(con, "skolernes_ordensregler", revised, by="demo",
                                        reason="Demo: ordensreglerne har fået et afsnit om digitale krænkelser.")
            revised_policy = policies["skolernes_ordensregler"]
    held = sum(1 for e in exercises if e[1] == today.year and e[2])
    policy = f", og {revised_policy} er revideret efter planens seneste evaluering" if revised_policy else ""
    return (f"Planens vedligehold (opdigtet): {len(verifications)} bekræftelser af nøglepersoner over to år; "
            f"{overdue} roller er ikke bekræftet i {settings.verification_months} måneder, og "
            f"{without_contact_teacher} har ingen registreret SSP-kontaktlærer; årets øvelse i actioncardet "
            f"er holdt i {held} af {len(networks)} netværk{policy}.")


def _plan_places(db_path: Path) -> tuple[tuple[Network, ...], str]:
    """The demo's networks and police spelling for the plan in the database."""
    from evaluation.store import db
    from evaluation.plan import networks as network_registry

    with db.reader(db_path) as con:
        frame = network_registry.networks(con)
        police = con.execute("SELECT name FROM actors WHERE kind = 'politi' ORDER BY actor_id LIMIT 1").fetchall()
    return plan_networks(list(zip(frame["network_id"], frame["name"]))), police[0][0] if police else "Politiet"


def build_demo_database(db_path: Path, *, seed: int, cases: int, plan_file: Path | None = None,
                        progress: Callable[[int, int], None] | None = None) -> str:
    """Create a demo database from synthetic exports loaded through the real ingest.

    The plan comes from ``plan_file`` (default: the seed plan, Hjørring's); the cases are drawn
    for that plan's networks and name its police, so another municipality's demo names none of
    Hjørring's places. ``progress(done, total)`` is called after each file, so the CLI can show a
    bar: each file is a full ingest (about a second or two), and the demo has a few dozen files.
    """
    from evaluation.store import db
    from evaluation.ingest import ingest

    db_path = Path(db_path)
    if db_path.exists() and not db.is_empty(db_path):
        raise EvaluationError(
            f"Databasen {db_path.name} findes allerede og indeholder sager. Demo-data blandes "
            "aldrig med rigtige data: vælg en ny fil med --db."
        )
    db.init(db_path, plan_file=plan_file)
    networks, police = _plan_places(db_path)
    files = write_demo_files(db_path.parent / "demo-data", seed=seed, cases=cases, networks=networks, police=police)
    for done, path in enumerate(files, start=1):
        result = ingest.ingest_file(db_path, path)
        if progress:
            progress(done, len(files))
        if result.status == "rejected":
            raise EvaluationError(
                f"Demo-filen {path.name} blev afvist af indlæsningen. Det er en fejl i "
                "demo-generatoren; meld den til udviklerne."
            )
    with db.reader(db_path) as con:
        loaded, reporting, first, last = con.execute(
            "SELECT count(*), count(DISTINCT netvaerk), min(year(indberetningsmaaned)), "
            "max(year(indberetningsmaaned)) FROM cases").fetchone()
    summary = (f"Demo-databasen er bygget med opdigtede data: {len(files)} filer indlæst, "
               f"{loaded} sager fra {reporting} SSP-netværk, årene {first}–{last}. "
               f"Filerne ligger i {files[0].parent}.")
    extra = add_plan_upkeep_demo(db_path, seed=seed, networks=networks, police=police)
    return f"{summary} {extra}" if extra else summary

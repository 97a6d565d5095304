"""New-actor detection: which organisations named in the cases does the plan not list?

The cases' ``aktoerer`` are free text ("SletDet", "red barnet – slet det", "Redbarnet
SletDet"). Question 4 of the yearly evaluation ("have new relevant actors appeared?") needs
them matched to the registry's actors, and the rest grouped into candidates a consultant can
accept (as a new actor or as another spelling of a known one) or dismiss. The dashboard and
the report both call :func:`candidates`, so they show the same list.

Matching, in order (see :func:`match`):

1. **exact** on the normalised form (:func:`normalise`) of an actor's name (``"eksakt"``) or
   of an alias or an accepted decision (``"alias"``); also with all spaces removed, so
   "Redbarnet SletDet" is "Red Barnet SletDet";
2. a name decided as **dismissed** (or spelled within the threshold of one) is not an actor;
3. **extra words** (``"udvidet"``): the name holds all words of one actor's label and every
   other word only describes that actor ("politiet i Hjørring", "Datatilsynets hjemmeside",
   "SletDet rådgivning"); see extra_words.py, which also keeps "Datatilsynet i Norge" and
   "Københavns Politi" apart;
4. **fuzzy**: the best of rapidfuzz's ``token_sort_ratio`` on the normalised names, plain
   ``ratio`` with spaces removed, and the same after expanding an acronym from the label
   ("RB SletDet", "CSO Rigshospitalet"); a match needs ``settings.actor_match_score`` and no
   word that names something else (``extra_words.foreign_words``: "Kredsrådet for
   Østjyllands Politi" scores 90 against Kredsrådet for Nordjyllands Politi but is refused).

Why these scorers: tests/plan/test_actors.py measures precision and recall on the labelled
variants in tests/data/actor_variants.csv. ``token_set_ratio`` and ``WRatio`` score 90–100
when one name's words contain the other's, which matched the hard negatives ("Red Barnet
Ungdom", "Datatilsynet i Sverige", "Hjørring Kommune", "Bornholms Politi") to known actors;
``token_sort_ratio`` kept precision at 1.0 there. The highest-scoring negative ("Politiken"
against "Politiet", 82) stays clear of the threshold of 88, and the variants left unmatched
(rewordings such as "Lokalpolitiet") reach the consultant as candidates with a suggested
actor, one click from becoming an alias. Names with extra words ("politiet i Hjørring") were
missed by all of these scorers (about 3 in 10 names as school staff write them); step 3 reads
them, measured on a held-out list written before it was built (tests/plan/test_actor_heldout.py).

Decisions (accept as a new actor or another spelling, dismiss, undo) are in
actor_decisions.py; the latest decision on a name is what matching reads here, so next year
the same spellings are matched (or left out) without asking again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, NamedTuple

import duckdb
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from evaluation.plan.extra_words import ActorWords, contained, foreign_words, words_of
from evaluation import settings as config

__all__ = ["normalise", "lowercase_words", "Match", "KnownActors", "known_actors", "match", "match_many",
           "candidates", "CANDIDATE_COLUMNS", "CANDIDATE_HEADINGS", "SUGGEST_SCORE"]

How = Literal["eksakt", "alias", "udvidet", "fuzzy"]

# A known actor scoring at least this (but below the match threshold) is offered as the
# "add as alias" suggestion. Lower than the threshold on purpose: a human decides.
SUGGEST_SCORE = 70.0

CANDIDATE_COLUMNS = ("candidate", "variants", "cases", "networks", "first_seen", "last_seen",
                     "suggested_actor_id", "suggested_name", "suggested_score")
CANDIDATE_HEADINGS = {"candidate": "Navn", "variants": "Stavemåder", "cases": "Sager", "networks": "Netværk",
                      "first_seen": "Først set", "last_seen": "Sidst set", "suggested_name": "Måske samme som",
                      "suggested_score": "Lighed"}

# --- normalising --------------------------------------------------------------------------

# Danish (and the neighbours') letters spelled the way people type them without the key.
_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue"})
_SCHEME = re.compile(r"https?://|(?<![a-z0-9])www\.")
# A top-level domain ends a web address: "datatilsynet.dk/klage" names Datatilsynet.
_DOMAIN = re.compile(r"\.(?:dk|com|org|net|eu|nu|info)(?![a-z0-9])")
_APOSTROPHES = re.compile(r"['’‘´`]")
# Legal forms say nothing about which organisation it is ("Cyberhus ApS" is Cyberhus).
_LEGAL_FORM = re.compile(r"(?<![a-z0-9])(?:a/s|aps|i/s|p/s|k/s|amba|a\.m\.b\.a\.?)(?![a-z0-9])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Small words skipped when reading an acronym: "CSO" is Center for Seksuelle Overgreb.
_ACRONYM_SKIP = frozenset({"for", "og", "i", "af", "paa", "til", "the", "of", "and"})
_ACRONYM = re.compile(r"[a-z]{2,5}")


def normalise(name: str) -> str:
    """The comparable form of an organisation's name: ``"Red Barnet – Slet Det"`` → ``"red barnet slet det"``.

    Case-folded; æ/ø/å → ae/oe/aa (as typed on a keyboard without them), other accents
    dropped (é → e); "&" → "og"; web-address parts dropped (scheme, "www.", the top-level
    domain), so "www.datatilsynet.dk" is "datatilsynet"; apostrophes dropped ("Barnet's");
    legal forms (A/S, ApS, I/S) dropped; every other dash, dot, slash or punctuation mark is
    a space, and spaces are collapsed. No other words are dropped: "i", "for" and "og" tell
    "Datatilsynet i Sverige" from Datatilsynet. Idempotent: normalising twice changes nothing.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _DOMAIN.sub(" ", _SCHEME.sub(" ", text))
    text = text.replace("&", " og ").translate(_LETTERS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _LEGAL_FORM.sub(" ", _APOSTROPHES.sub("", text))
    return " ".join(_NON_WORD.sub(" ", text).split())


_PIECE = re.compile(r"[\w'’]+")


def lowercase_words(name: str) -> frozenset[str]:
    """Normalised words the writer wrote in small letters, in a name where they used capitals.

    Empty when the whole name is in small letters or in capitals: then case says nothing.
    """
    pieces = _PIECE.findall(unicodedata.normalize("NFKC", name))
    lettered = [p for p in pieces if any(c.isalpha() for c in p)]
    if not any(p != p.lower() for p in lettered) or all(p == p.upper() for p in lettered):
        return frozenset()
    return frozenset(w for p in lettered if p == p.lower() for w in normalise(p).split())


def _compact(key: str) -> str:
    """The normalised name without spaces: "redbarnet sletdet" and "red barnet sletdet" agree."""
    return key.replace(" ", "")


# --- the known actors ---------------------------------------------------------------------

class Match(NamedTuple):
    """How one name matched: ``actor_id`` is None when it is not a known actor.

    ``score`` is 0..100 (100 for exact); for a name that did not match it is the score of
    ``nearest``, the most similar known actor, which a dashboard can offer as a suggestion.
    ``dismissed`` is True when the name was (or is spelled like) a dismissed name.
    """

    actor_id: str | None
    score: float
    how: How | None
    nearest: str | None = None
    dismissed: bool = False


@dataclass(frozen=True)
class KnownActors:
    """Everything a name is matched against, keyed by normalised name.

    ``labels`` maps a normalised name to ``(actor_id, how)``; ``dismissed`` holds the
    normalised names decided as not an actor; ``names`` maps actor ids to display names.
    """

    labels: dict[str, tuple[str, How]]
    dismissed: frozenset[str] = frozenset()
    names: dict[str, str] = field(default_factory=dict)
    threshold: float = config.settings.actor_match_score
    words: ActorWords = field(default_factory=lambda: ActorWords({}))

    @classmethod
    def build(cls, names: dict[str, str], aliases: Iterable[tuple[str, str]] = (),
              decided: Iterable[tuple[str, str | None]] = (), *,
              threshold: float | None = None, context: Iterable[tuple[str, str | None]] = (),
              places: Iterable[str] = ()) -> KnownActors:
        """Index names, then aliases, then decisions ((name, actor_id or None = dismissed)).

        The first owner of a normalised name keeps it, so an actor's own name beats another
        actor's alias; a dismissal never hides a name that belongs to an actor. ``context``
        is (actor_id, text) from the actor's plan entry (description, web addresses, phone
        numbers) and ``places`` the municipality's and its networks' names: the words that
        may stand beside a name (extra_words.py).
        """
        labels: dict[str, tuple[str, How]] = {}
        for actor_id, name in sorted(names.items()):
            labels.setdefault(normalise(name), (actor_id, "eksakt"))
        for actor_id, alias in sorted(aliases):
            labels.setdefault(normalise(alias), (actor_id, "alias"))
        own: dict[str, set[str]] = {}
        for actor_id, text in [*names.items(), *aliases, *context]:
            if actor_id in names and isinstance(text, str):
                own.setdefault(actor_id, set()).update(normalise(text).split())
        labelled: dict[str, set[str]] = {}
        for label, (actor_id, _how) in labels.items():
            for word in label.split():
                labelled.setdefault(word, set()).add(actor_id)
        words = ActorWords({a: frozenset(w) for a, w in own.items()},
                           words_of(normalise(p) for p in places if isinstance(p, str)),
                           {w: frozenset(a) for w, a in labelled.items()})
        dismissed = set()
        for name, actor_id in decided:
            key = normalise(name)
            if actor_id is None:
                dismissed.add(key)
            elif actor_id in names:
                labels.setdefault(key, (actor_id, "alias"))
        labels.pop("", None)
        return cls(labels, frozenset(k for k in dismissed if k and k not in labels), dict(names),
                   config.settings.actor_match_score if threshold is None else threshold, words)

    @cached_property
    def _compact(self) -> dict[str, tuple[str, How]]:
        compact: dict[str, tuple[str, How]] = {}
        for key, hit in self.labels.items():
            compact.setdefault(_compact(key), hit)
        return compact

    @cached_property
    def _choices(self) -> tuple[list[str], list[str | None]]:
        """Fuzzy targets: every actor label, then every dismissed name (owner None)."""
        keys = list(self.labels) + sorted(self.dismissed)
        owners: list[str | None] = [a for a, _ in self.labels.values()] + [None] * len(self.dismissed)
        return keys, owners

    def exact(self, key: str) -> tuple[str, How] | None:
        """The actor whose normalised name or alias this is, with or without spaces."""
        return self.labels.get(key) or self._compact.get(_compact(key))

    @cached_property
    def _dismissed_compact(self) -> frozenset[str]:
        return frozenset(_compact(key) for key in self.dismissed)

    def is_dismissed(self, key: str) -> bool:
        """True when this normalised name (spaces ignored) was decided as not an actor."""
        return _compact(key) in self._dismissed_compact


# What the plan says about each actor: its description, web addresses and phone numbers.
_ACTOR_CONTEXT = """
    SELECT actor_id, description FROM actors
    UNION ALL SELECT actor_id, url FROM addresses WHERE actor_id IS NOT NULL
    UNION ALL SELECT actor_id, purpose FROM addresses WHERE actor_id IS NOT NULL
    UNION ALL SELECT actor_id, number FROM phones WHERE actor_id IS NOT NULL
    UNION ALL SELECT actor_id, purpose FROM phones WHERE actor_id IS NOT NULL"""
# The plan's own places: its municipality and the networks that report cases.
_PLACES = """
    SELECT value FROM plan_meta WHERE key = 'municipality'
    UNION SELECT DISTINCT netvaerk FROM cases"""


def known_actors(con: duckdb.DuckDBPyConnection, *, threshold: float | None = None) -> KnownActors:
    """The registry's actors and aliases (web addresses too) plus the latest decision on each decided name."""
    names = dict(con.execute("SELECT actor_id, name FROM actors").fetchall())
    aliases = con.execute("SELECT actor_id, alias FROM actor_aliases UNION ALL "
                          "SELECT actor_id, url FROM addresses WHERE actor_id IS NOT NULL").fetchall()
    decided = [(name, actor_id if decision != "dismissed" else None)
               for name, decision, actor_id in _latest_decisions(con) if decision != "undone"]
    context = con.execute(_ACTOR_CONTEXT).fetchall()
    places = [row[0] for row in con.execute(_PLACES).fetchall()]
    return KnownActors.build(names, aliases, decided, threshold=threshold, context=context, places=places)


def _latest_decisions(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    """(normalised_name, decision, actor_id), the latest row per name (rows are append-only;
    'undone' means the name is undecided again: actor_decisions.py)."""
    return con.execute("""
        SELECT normalised_name, decision, actor_id FROM actor_decisions
        QUALIFY row_number() OVER (PARTITION BY normalised_name ORDER BY decision_id DESC) = 1""").fetchall()


# --- matching -----------------------------------------------------------------------------

def _score_matrix(keys: Sequence[str], choices: Sequence[str]) -> np.ndarray:
    """Pairwise similarity 0..100: token order ignored, and spaces ignored (vectorised)."""
    if not keys or not choices:
        return np.zeros((len(keys), len(choices)), dtype=np.float32)
    by_tokens = process.cdist(keys, choices, scorer=fuzz.token_sort_ratio, workers=1)
    by_letters = process.cdist([_compact(k) for k in keys], [_compact(c) for c in choices],
                               scorer=fuzz.ratio, workers=1)
    return np.maximum(by_tokens, by_letters)


def _acronym_score(key: str, label: str) -> float:
    """The score after reading a short word of ``key`` as the initials of words in ``label``.

    "rb sletdet" against "red barnet sletdet" becomes "red barnet sletdet" (100); "cso
    rigshospitalet" against "center for seksuelle overgreb rigshospitalet" likewise. Small
    words ("for", "og") are skipped when reading initials but kept in the expansion.
    """
    words = key.split()
    label_words = label.split()
    content = [i for i, w in enumerate(label_words) if w not in _ACRONYM_SKIP]
    initials = "".join(label_words[i][0] for i in content)
    best = 0.0
    for n, word in enumerate(words):
        if not _ACRONYM.fullmatch(word) or word in _ACRONYM_SKIP or word in label_words:
            continue
        start = initials.find(word)
        if start < 0:
            continue
        span = label_words[content[start]: content[start + len(word) - 1] + 1]
        expanded = " ".join(words[:n] + span + words[n + 1:])
        best = max(best, fuzz.token_sort_ratio(expanded, label), fuzz.ratio(_compact(expanded), _compact(label)))
    return best


def match_many(names: Sequence[str], known: KnownActors) -> list[Match]:
    """:func:`match` for many names at once: one score matrix instead of a loop of searches."""
    keys = [normalise(n) for n in names]
    choices, owners = known._choices
    scores = _score_matrix(keys, choices)
    results = []
    for row, (name, key) in enumerate(zip(names, keys)):
        results.append(_match_key(key, known, scores[row] if len(choices) else None, choices, owners,
                                  lowercase_words(name) if isinstance(name, str) else frozenset()))
    return results


def match(name: str, known: KnownActors) -> Match:
    """Which known actor ``name`` is: exact, then alias, then fuzzy (see the module docstring)."""
    return match_many([name], known)[0]


def _match_key(key: str, known: KnownActors, scores: np.ndarray | None, choices: list[str],
               owners: list[str | None], lowercase: frozenset[str] = frozenset()) -> Match:
    if not key:
        return Match(None, 0.0, None)
    hit = known.exact(key)
    if hit:
        return Match(hit[0], 100.0, hit[1], hit[0])
    if known.is_dismissed(key):
        return Match(None, 100.0, None, None, True)
    if scores is None:
        return Match(None, 0.0, None)
    scores = scores.astype(float)
    if any(_ACRONYM.fullmatch(w) for w in key.split()):
        for i, label in enumerate(choices):
            scores[i] = max(scores[i], _acronym_score(key, label))
    actors_only = [i for i, owner in enumerate(owners) if owner is not None]
    nearest_i = max(actors_only, key=lambda i: scores[i]) if actors_only else None
    nearest = owners[nearest_i] if nearest_i is not None else None
    extended = contained(key, known.labels, known.words, lowercase)
    if extended:
        actor_id, _label, extra = extended
        own = [scores[i] for i in actors_only if owners[i] == actor_id]
        return Match(actor_id, round(max(own, default=0.0), 1), "udvidet" if extra else "fuzzy", actor_id)
    best = int(np.argmax(scores))
    score = float(scores[best])
    if score >= known.threshold:
        if owners[best] is None:
            return Match(None, round(score, 1), None, nearest, True)
        if not foreign_words(key, choices[best], owners[best], known.words, lowercase):
            return Match(owners[best], round(score, 1), "fuzzy", owners[best])
    return Match(None, round(float(scores[nearest_i]), 1) if nearest_i is not None else 0.0, None, nearest)


# --- candidates ---------------------------------------------------------------------------

# Every spelling of every name in the cases, with how many cases use it (all years): the
# few hundred distinct names are what Python matches, never the rows.
_DISTINCT_NAMES = """
    SELECT name, count(*) AS uses FROM (
        SELECT DISTINCT netvaerk, sags_id, trim(unnest(aktoerer)) AS name
        FROM cases WHERE aktoerer IS NOT NULL)
    WHERE name <> '' GROUP BY name"""

# Counts per candidate in the chosen year; first and last month seen over all years, so a
# name that has been in the cases since 2022 does not look new in 2025.
_CANDIDATE_COUNTS = """
    WITH mentions AS (
        SELECT DISTINCT netvaerk, sags_id, indberetningsmaaned AS month, trim(unnest(aktoerer)) AS name
        FROM cases WHERE aktoerer IS NOT NULL)
    SELECT g.cluster,
           count(DISTINCT (m.netvaerk, m.sags_id)) FILTER (WHERE CAST(? AS INTEGER) IS NULL
                                                           OR year(m.month) = ?) AS cases,
           count(DISTINCT m.netvaerk) FILTER (WHERE CAST(? AS INTEGER) IS NULL OR year(m.month) = ?) AS networks,
           strftime(min(m.month), '%Y-%m') AS first_seen,
           strftime(max(m.month), '%Y-%m') AS last_seen
    FROM mentions m JOIN candidate_names g USING (name)
    GROUP BY g.cluster"""


def candidates(con: duckdb.DuckDBPyConnection, *, year: int | None = None,
               known: KnownActors | None = None) -> pd.DataFrame:
    """Names in the cases that are no known actor and not dismissed, near-spellings grouped.

    One row per candidate (columns ``CANDIDATE_COLUMNS``, Danish headings in
    ``CANDIDATE_HEADINGS``), most cases first: ``candidate`` is the most used spelling,
    ``variants`` every spelling (most used first; pass them all to accept/dismiss), ``cases``
    and ``networks`` count the cases in ``year`` (all years when None), ``first_seen`` and
    ``last_seen`` are months ('YYYY-MM') over all years, and ``suggested_actor_id`` the most
    similar known actor scoring at least ``SUGGEST_SCORE`` (below the match threshold).
    """
    known = known or known_actors(con)
    names = con.execute(_DISTINCT_NAMES).df()
    if names.empty:
        return _empty_candidates()
    matches = match_many(list(names["name"]), known)
    unmatched = [m.actor_id is None and not m.dismissed for m in matches]
    names = names.assign(nearest=[m.nearest for m in matches], score=[m.score for m in matches])[unmatched]
    if names.empty:
        return _empty_candidates()
    names = names.assign(key=[normalise(n) for n in names["name"]]).reset_index(drop=True)
    names["cluster"] = _clusters(list(names["key"]), known.threshold)
    con.register("candidate_names", names[["name", "cluster"]])
    try:
        counts = con.execute(_CANDIDATE_COUNTS, [year, year, year, year]).df()
    finally:
        con.unregister("candidate_names")
    frame = _describe_clusters(names, known).merge(counts, on="cluster")
    frame = frame[frame["cases"] > 0].astype({"cases": "int64", "networks": "int64"})
    frame = frame.sort_values(["cases", "networks", "candidate"], ascending=[False, False, True])
    frame = frame[list(CANDIDATE_COLUMNS)].reset_index(drop=True)
    for column in ("suggested_actor_id", "suggested_name", "suggested_score"):  # None, not NaN, for "none"
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def _clusters(keys: list[str], threshold: float) -> np.ndarray:
    """Group near-spellings: connected components of the "score >= threshold" graph."""
    scores = _score_matrix(keys, keys)
    _, labels = connected_components(csr_matrix(scores >= threshold), directed=False)
    return labels


def _danish_letters(name: str) -> int:
    return sum(c in "æøåÆØÅ" for c in name)


def _skeleton(name: str) -> str:
    """A name with æ/ø/å and their keyboard spellings (ae, oe/o, aa/a) made alike."""
    key = " ".join(name.lower().split())
    for danish, plain in (("aa", "a"), ("ae", "a"), ("oe", "o"), ("å", "a"), ("æ", "a"), ("ø", "o")):
        key = key.replace(danish, plain)
    return key


def _display_order(spellings: Iterable[tuple[str, int]]) -> list[str]:
    """Spellings most used first, except that the most used one gives way to its twin written
    with æ/ø/å ("Børns Vilkår" names the candidate even when "Borns Vilkaar" is used more),
    since the transliteration is the keyboard's compromise, not the organisation's name."""
    order = [n for n, _ in sorted(spellings, key=lambda nu: (-nu[1], -_danish_letters(nu[0]), nu[0]))]
    twins = [n for n in order if _skeleton(n) == _skeleton(order[0])]
    best = max(twins, key=_danish_letters)  # max keeps the first (most used) among equals
    return [best] + [n for n in order if n != best]


def _describe_clusters(names: pd.DataFrame, known: KnownActors) -> pd.DataFrame:
    """Per cluster: display name (``_display_order``), spellings, and the suggestion for "add as alias"."""
    rows = []
    for cluster, group in names.groupby("cluster", sort=False):
        variants = _display_order(zip(group["name"], group["uses"]))
        best = group.loc[group["score"].idxmax()]
        suggested = best["nearest"] if best["nearest"] and best["score"] >= SUGGEST_SCORE else None
        rows.append({"cluster": cluster, "candidate": variants[0], "variants": variants,
                     "suggested_actor_id": suggested,
                     "suggested_name": known.names.get(suggested) if suggested else None,
                     "suggested_score": float(best["score"]) if suggested else None})
    return pd.DataFrame(rows)


def _empty_candidates() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("cases", "networks") else object)
                         for c in CANDIDATE_COLUMNS})

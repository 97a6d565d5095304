"""A known actor's name written with extra words: "politiet i Hjørring", "SletDet rådgivning".

School staff rarely write an organisation's bare name: they add the place ("politiet i
Hjørring"), the channel ("Datatilsynets hjemmeside", "SletDet rådgivning"), a number
("Sikkerchat 29 27 01 01") or a word from what the organisation does ("TrygFonden (DELT)").
Whole-string similarity cannot tell those from look-alikes, because "Datatilsynet i Norge",
"Københavns Politi" or "Red Barnet Ungdom" add just as few letters. What tells them apart is
*which* words were added. A name is read as a known actor here when:

1. every word of one of the actor's labels (name, alias, web address) is in it, allowing a
   Danish genitive ("Datatilsynets") and a typo of a letter or two in a longer word; and
2. every word left over *describes* that actor rather than naming another organisation: a
   small word ("i", "til", "hos"), a word for a channel or a part of an organisation
   ("hjemmeside", "rådgivning", "afdeling"), a place of the plan's own municipality (its
   name and its networks), or a word from the actor's own entry in the plan (its names,
   description, web addresses and phone numbers). A compound of two such words counts
   ("chatrådgivning", "telefonhotline"). So does any word written in small letters in a
   name where the writer used capitals ("SletDet hjalp med sletning", "Myndighedsafdelingens
   socialrådgiver"): Danish gives names a capital ("Red Barnet Ungdom", "Datatilsynet i
   Norge", "Politiets Efterretningstjeneste"), except words for another country ("svenske").

Everything here is read from the plan registry, so another municipality's plan brings its own
places and actors. The same test guards the fuzzy match (:func:`foreign_words`): a fuzzy
match whose name holds a word that is neither in the label nor describes the actor
("Kredsrådet for Østjyllands Politi") is refused. Which words are generic was decided on
the tuning list and, once each had been measured, the earlier held-out lists; the last
held-out list measures it (tests/plan/test_actor_heldout.py tells the story).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

__all__ = ["SMALL_WORDS", "GENERIC_WORDS", "FOREIGN_WORDS", "ActorWords", "same_word", "contained", "foreign_words", "words_of"]

# Function words: they never name an organisation.
SMALL_WORDS = frozenset({"i", "til", "hos", "for", "paa", "og", "fra", "af", "det", "den", "de", "ved",
                         "med", "en", "et", "om", "via"})
# Words for how one reaches an organisation, what it offers, or a part or kind of one, and
# for the people it helps (normalised spelling; inflected forms are read by ``stems``).
GENERIC_WORDS = frozenset({
    "hjemmeside", "side", "raadgivning", "hotline", "chat", "telefon", "klage", "kontakt", "henvendelse",
    "anmeldelse", "vejledning", "hjaelp", "formular", "skema", "materiale", "kursus",
    "afdeling", "lokalafdeling", "team", "kontor", "forening", "landsforening",
    "dansk", "danske", "danmark", "dk", "www",
    "foraeldre", "familie", "elev", "boern", "barn", "unge",
})
# Words for another country, written in small letters in Danish ("Datatilsynets svenske
# søster"): they name another organisation however they are written.
FOREIGN_WORDS = frozenset({
    "svensk", "norsk", "tysk", "finsk", "islandsk", "engelsk", "britisk", "amerikansk", "hollandsk",
    "fransk", "europaeisk", "international", "nordisk", "udenlandsk",
})
# Words shorter than this are never "foreign" in a fuzzy match: initials and small words.
_SHORT = 4
# Parts of a compound ("chat" + "raadgivning") are at least this long.
_PART = 3


def words_of(texts: Iterable[str | None]) -> frozenset[str]:
    """The set of words in already normalised texts (None skipped)."""
    return frozenset(word for text in texts if text for word in text.split())


def same_word(a: str, b: str, *, loose: bool = False) -> bool:
    """True for the same word, a genitive of it ("politiets"), or a slip of a letter or two.

    One edit (a transposition counts as one) is allowed when a word has four letters or
    more ("redd"/"red", "poliit"/"politi"); two only from nine letters ("datatilsyn"/
    "datatilsynet"), since "politiken"/"politiet" are two edits apart. ``loose`` allows two
    from six letters ("centret"/"center"): for checking a match already found by spelling.
    """
    if a == b or a == b + "s" or b == a + "s":
        return True
    if max(len(a), len(b)) < _SHORT:
        return False
    allowed = 2 if min(len(a), len(b)) >= (6 if loose else 9) else 1
    return OSA.distance(a, b, score_cutoff=allowed) <= allowed


# Danish endings of the definite form, the plural and the genitive ("chatten", "siden",
# "afdelingens"): a word with one of them off is the same word for describing an actor.
_ENDINGS = ("erne", "ene", "ens", "ets", "en", "et", "ne", "er", "e", "s", "n")


def stems(word: str) -> list[str]:
    """The word and its forms without an inflection ending ("chatten" → "chatt", "chat")."""
    forms = [word]
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _PART:
            stem = word[: -len(ending)]
            forms.append(stem)
            if len(stem) > _PART and stem[-1] == stem[-2]:
                forms.append(stem[:-1])  # a doubled consonant: "chatt" → "chat"
    return forms


@dataclass(frozen=True)
class ActorWords:
    """The words that may stand beside an actor's name: its own and the plan's places."""

    own: Mapping[str, frozenset[str]]   # actor_id -> words of its plan entry
    places: frozenset[str] = frozenset()  # the municipality and its networks
    labelled: Mapping[str, frozenset[str]] = field(default_factory=dict)  # word -> actors whose labels hold it

    def describes(self, word: str, actor_id: str, lowercase: frozenset[str] = frozenset()) -> bool:
        """True when ``word`` adds nothing that names another organisation than ``actor_id``.

        ``lowercase`` are the words the writer wrote in small letters in a name where they
        also used capitals: Danish writes names with a capital ("Red Barnet Ungdom", "Datatilsynet
        i Norge", "Politiets Efterretningstjeneste") and other words without ("SletDet hjalp med
        sletning", "Myndighedsafdelingens socialrådgiver"), so such a word describes too, unless
        it belongs to another actor's name ("SletDet og politiet" names two).
        """
        if word.isdigit():
            return True
        if self._known(word, actor_id) or self._compound(word, actor_id):
            return True
        if word not in lowercase or any(form in FOREIGN_WORDS for form in stems(word)):
            return False
        return not (self.labelled.get(word, frozenset()) - {actor_id})

    def _known(self, word: str, actor_id: str) -> bool:
        """A small or generic word, a place, or a word of the actor's entry (any inflection).

        Also the first part of a compound in the actor's entry: "psykolog" beside Center
        for Seksuelle Overgreb, whose entry says "psykologhjælp".
        """
        own = self.own.get(actor_id, frozenset())
        pools = (SMALL_WORDS, GENERIC_WORDS, self.places, own)
        for form in stems(word):
            if any(form in pool for pool in pools):
                return True
            if any(same_word(form, other) for pool in pools[1:] for other in pool
                   if abs(len(other) - len(form)) <= 2):
                return True
        return len(word) >= 5 and any(other.startswith(word) for other in own)

    def _compound(self, word: str, actor_id: str) -> bool:
        """'chatraadgivning' = 'chat' + 'raadgivning', both describing words spelled right
        (a slip allowed in a part would read almost anything as a compound)."""
        return any(self._exact(word[:i], actor_id) and self._exact(word[i:], actor_id)
                   for i in range(_PART, len(word) - _PART + 1))

    def _exact(self, word: str, actor_id: str) -> bool:
        """A describing word as spelled, or the first part of a compound in the actor's entry."""
        own = self.own.get(actor_id, frozenset())
        pools = (SMALL_WORDS, GENERIC_WORDS, self.places, own)
        if any(form in pool for form in stems(word) for pool in pools):
            return True
        return len(word) >= 5 and any(other.startswith(word) for other in own)


def _word_fits(word: str, wanted: str, abbreviations: bool) -> bool:
    """The name's word stands for the label's: the same word, or (``abbreviations``) a long
    one cut after most of it ("myndighedsafd." for "myndighedsafdeling")."""
    if same_word(word, wanted):
        return True
    return abbreviations and len(word) >= 7 and wanted.startswith(word) and len(word) >= 0.6 * len(wanted)


def _cover(label: list[str], words: list[str], abbreviations: bool = True) -> list[int] | None:
    """Positions in ``words`` that hold each word of ``label`` (each used once), or None."""
    used: list[int] = []
    for wanted in label:
        hit = next((i for i, w in enumerate(words) if i not in used and w == wanted), None)
        if hit is None:
            hit = next((i for i, w in enumerate(words) if i not in used and _word_fits(w, wanted, abbreviations)),
                       None)
        if hit is None:
            return None
        used.append(hit)
    return used


def _joined(words: list[str]) -> list[tuple[list[str], int | None]]:
    """The words as written, and with each pair of neighbours written as one ("data tilsynet",
    "red barnet"): people split and join names in both directions. Each comes with the
    position of the joined word (None as written)."""
    return [(words, None)] + [(words[:i] + [words[i] + words[i + 1]] + words[i + 2:], i)
                              for i in range(len(words) - 1)]


def contained(key: str, labels: Mapping[str, tuple[str, str]], words: ActorWords,
              lowercase: frozenset[str] = frozenset()) -> tuple[str, str, bool] | None:
    """The actor whose label ``key`` holds, with only describing words beside it.

    Returns ``(actor_id, label, extra)``, ``extra`` False when the name is the label itself
    (spelled with a slip). When labels of several actors fit, the one covering most words
    wins; a tie between two actors is no match (a consultant decides).
    """
    names = _joined(key.split())
    best: list[tuple[int, str, str, bool]] = []
    for label, (actor_id, _how) in labels.items():
        fit = _fit(_joined(label.split()), names, actor_id, words, lowercase)
        if fit is not None:
            best.append((fit[0], actor_id, label, fit[1]))
    if not best:
        return None
    top = max(n for n, *_ in best)
    winners = sorted((actor_id, label, extra) for n, actor_id, label, extra in best if n == top)
    if len({actor_id for actor_id, *_ in winners}) > 1:
        return None
    return winners[0]


def _fit(labels: list[tuple[list[str], int | None]], names: list[tuple[list[str], int | None]], actor_id: str,
         words: ActorWords, lowercase: frozenset[str]) -> tuple[int, bool] | None:
    """(label words covered, extra words present) for the first way of writing that fits."""
    for label_words, label_join in labels:
        for name, name_join in names:
            if len(label_words) > len(name):
                continue
            used = _cover(label_words, name, abbreviations=label_join is None)
            if used is None or (name_join is not None and name_join not in used):
                continue  # a joined word of the name must be part of the label, never an extra
            extra = [w for i, w in enumerate(name) if i not in used]
            if all(words.describes(w, actor_id, lowercase) for w in extra):
                return sum(len(w) for w in label_words), bool(extra)
    return None


def foreign_words(key: str, label: str, actor_id: str, words: ActorWords,
                  lowercase: frozenset[str] = frozenset()) -> list[str]:
    """Words of ``key`` that are not in ``label`` and do not describe the actor (fuzzy guard).

    A word counts as in the label when it is the same word (see :func:`same_word`) as one
    of the label's, or a piece of the label written without spaces ("slet" in "sletdet").
    """
    label_words = label.split()
    compact = label.replace(" ", "")
    foreign = []
    for word in key.split():
        if len(word) < _SHORT or word in compact:
            continue
        if any(same_word(word, other, loose=True) for other in label_words) or \
                words.describes(word, actor_id, lowercase):
            continue
        foreign.append(word)
    return foreign

"""Stage `places`: find every place an article names and put it on its GeoNames point.

Contract other stages rely on:
- ``PlacesStage`` sets ``article.places``: every toponym with its span (exact character
  offsets into ``article.text``) and its resolved point; and resolves
  ``article.dateline["mention"]`` into ``article.dateline["place"]``.
- ``locate(article, start, end)`` -> the most specific Place the text between ``start``
  and ``end`` (an event's sentence) supports, with ``geo_precision`` set (ACLED: 1 the
  town, 2 near a town or part of a region, 3 the region), falling back to the article's
  focus (its dateline, else its main place) when the sentence names none.
- ``resolve_spans(text, spans)``: the same resolution for spans found by another recogniser.

How (docs/places.md has the long form):
1. Recognition. Runs of capitalised words (with the connectors of place names: "Deir
   ez-Zor", "Stratford-upon-Avon") are looked up in the gazetteer by their folded key, and
   spaCy's GPE/LOC/FAC entities also by their transliteration skeleton; the longest match
   wins. Guards drop demonyms ("Syrian"), names inside a person's name ("George
   Washington"), names after a title ("President Lincoln") or before a street word
   ("Memphis Street"), acronyms, and lone capitalised words with no sign of being a place
   (see ``Recognizer._guard``); day and month names, words the article also writes in lower
   case, surnames of the article's persons, and parts of longer names the gazetteer lacks or
   of the actor file's organisations ("Deir" of "Deir Sharqi", "al-Qaeda"; see
   ``Recognizer._drop_parts``). spaCy's PERSON label alone does not veto a gazetteer name
   (it calls "Ain Issa" a person).
2. Resolution. Every candidate place of every mention gets a score from a small linear
   model (``data/gazetteer/ranker.json``): how the name matched, feature type, population,
   whether it is a capital; and agreement with the rest of the article: the countries and
   first-order divisions it names (demonyms count too), an explicit qualifier ("Paris,
   Texas"), the distance to the other places, the divisions they may lie in, the dateline.
   A first pass resolves with priors only, two more with the context of the others'
   choices. One name keeps one sense in an article.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import yaml

from .gazetteer import (
    NAME_ABBR,
    NAME_ALT,
    NAME_MAIN,
    NAME_PATCH,
    NAME_SKELETON,
    Entry,
    Gazetteer,
    Match,
    load,
)
from .gazetteer.names import fold, skeleton
from .record import Article, Place

MAX_TOKENS = 7
BIG_CITY = 200_000  # a lone capitalised word naming a town this large needs no other evidence
LIST_WORDS = frozenset((",", "and", "or", "&", "/"))
PLACE_LABELS = ("GPE", "LOC", "FAC")
# first words that mark an Arabic or Kurdish place name even when spaCy calls it a person
PLACE_PREFIXES = frozenset(
    "ain ayn ain tal tall tell deir dayr dair kafr kfar jabal jebel jisr bir khan ras wadi hayy tal "
    "qasr qalat qalaat maarat maarrat marat sheikh umm abu beit bayt bab mazraat".split()
)
NEAR_WORDS = re.compile(
    r"\b(near|outside|outskirts of|close to|around|north of|south of|east of|west of|"
    r"(?:north|south|east|west)(?:east|west)? of|countryside of|vicinity of|km from|kilometers from|"
    r"kilometres from|miles from|suburbs? of|environs of)\s+(?:the\s+)?(?:town of\s+|city of\s+|village of\s+)?$",
    re.IGNORECASE,
)


@functools.cache
def _guards() -> dict[str, frozenset[str]]:
    data = yaml.safe_load(resources.files("sitrep.data").joinpath("gazetteer/guards.yaml").read_text("utf-8"))
    return {k: frozenset(str(w) for w in v) for k, v in data.items()}


@functools.cache
def _actor_names() -> dict[str, tuple[tuple[str, ...], ...]]:
    """The names of the actor file's organisations and forces (not the countries' own names),
    folded into words, by each word they hold: "Al-Nusra Front" -> al, nusra, front."""
    from .actors import actor_file

    data = actor_file()
    own = {fold(n) for c in data.countries.values() for n in (c.name, *c.aliases)}
    out: defaultdict[str, set[tuple[str, ...]]] = defaultdict(set)
    for e in data.entries.values():
        for alias in e.aliases:
            letters = re.sub(r"[^A-Za-z]", "", alias)
            if letters.isupper() and len(letters) <= 5:
                continue  # acronyms ("IS", "SDF") match only by case: not here
            key = fold(alias)
            if not key or key in own:
                continue
            words = tuple(key.split())
            for w in words:
                out[w].add(words)
    return {w: tuple(v) for w, v in out.items()}


def _within(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    n = len(part)
    return any(whole[k : k + n] == part for k in range(len(whole) - n + 1))


@functools.cache
def _ranker() -> dict[str, Any]:
    """``ranker.json``: the resolver's weights, the confidence model's, its threshold."""
    text = resources.files("sitrep.data").joinpath("gazetteer/ranker.json").read_text("utf-8")
    import json

    data: dict[str, Any] = json.loads(text)
    return data


# --- recognition ---------------------------------------------------------------------------
@dataclass
class Mention:
    """A toponym in the text and the gazetteer places it may name."""

    start: int
    end: int
    text: str
    matches: list[Match]
    label: str = ""  # spaCy entity label around it, if any
    embedded: bool = False  # inside an organisation's name ("University of California")
    locative: bool = False  # after a locative word ("in", "to", "near")
    near: bool = False  # "near X", "outside X": the event is by X, not in it
    qualifier: Mention | None = None  # "Springfield, Illinois": the mention that qualifies it
    division: bool = False  # followed by "province", "county", "governorate": the division, not the town
    strong: bool = False  # a country, a first-order division or a big town by its own name
    chosen: Entry | None = None
    score: float = 0.0  # the probability that ``chosen`` is right (the confidence model)
    conf: Any = None  # the confidence model's features (numpy vector)
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            self.key = fold(self.text)


def _is_cap(s: str) -> bool:
    s = s.lstrip("'‘’ʿʾ`\"")
    return bool(s) and s[0].isupper()


_PROPN = 96  # spacy.symbols.PROPN
ARTICLES = frozenset(("al", "el", "as", "ad", "ar", "az", "an", "at", "ash", "ez"))


class Tokens:
    """The token attributes recognition reads, taken from the Doc once (spaCy's token
    objects are slow to create)."""

    __slots__ = ("text", "lower", "idx", "end", "cap", "sent_start", "pos", "is_stop", "ents", "prev", "next")

    def __init__(self, doc: Any, text: str) -> None:
        from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, IS_STOP, LENGTH, POS, SENT_START

        arr = doc.to_array([IDX, LENGTH, SENT_START, POS, IS_STOP, ENT_IOB, ENT_TYPE]).tolist()
        self.idx = [r[0] for r in arr]
        self.end = [r[0] + r[1] for r in arr]
        self.text = [text[r[0] : r[0] + r[1]] for r in arr]
        self.lower = [t.lower() for t in self.text]
        self.cap = [_is_cap(t) for t in self.text]
        self.sent_start = [r[2] == 1 for r in arr]
        self.pos = [r[3] == _PROPN for r in arr]
        self.is_stop = [bool(r[4]) for r in arr]
        # the neighbouring token that is not white space (-1 at the ends)
        n = len(arr)
        space = [not t.strip() for t in self.text]
        self.prev = [-1] * n
        last = -1
        for k in range(n):
            self.prev[k] = last
            if not space[k]:
                last = k
        self.next = [-1] * n
        last = -1
        for k in range(n - 1, -1, -1):
            self.next[k] = last
            if not space[k]:
                last = k
        # entities as token -> (start, end, label), from the IOB codes (3 begin, 1 inside)
        self.ents: dict[int, tuple[int, int, str]] = {}
        strings = doc.vocab.strings
        k, n = 0, len(arr)
        while k < n:
            if arr[k][5] == 3:
                j = k + 1
                while j < n and arr[j][5] == 1:
                    j += 1
                span = (k, j, strings[arr[k][6]])
                for t in range(k, j):
                    self.ents[t] = span
                k = j
            else:
                k += 1


class Recognizer:
    """Toponym spans in a spaCy Doc, with their gazetteer candidates."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gaz = gazetteer
        g = _guards()
        self.connectors = g["connectors"]
        self.titles = g["person_titles"]
        self.after = g["not_place_after"]
        self.locative = g["locative"]
        self.common = g["common_words"]
        self.inner = self.connectors | {"-", "'", "’", ".", "&"}
        self.divisions = g["division_words"]
        self.place_after = g["place_after"]
        self.date_words = g["date_words"]
        self.heads = frozenset(fold(w) for w in g["name_heads"])
        # words after a name that say the name is whole ("Aleppo City", "Idlib Province")
        self.name_ends = self.divisions | self.place_after | {"city"}
        self._weak = False
        self._named_divisions: dict[tuple[int, int], str] = {}
        self._division_found: set[tuple[int, int]] = (
            set()
        )  # "Grant" of "Grant counties": Grant County is known
        self._surnames: set[str] = set()  # last words of the article's persons named in full
        self._big: dict[str, bool] = {}  # word -> whether it names a big place (_big_place)
        self._lower: set[str] = set()  # the words the article writes in lower case

    def _big_place(self, word: str) -> bool:
        """Whether the word (or the word without a final s: "Syrias") names a country, a
        first-order division or a town of 100,000 people."""
        known = self._big.get(word)
        if known is None:
            key = fold(word)
            known = any(
                m.entry.level <= 2 or m.entry.population >= 100_000
                for k in (key, key[:-1] if key.endswith("s") else "")
                if k
                for m in self.gaz.lookup(k, transliterate=False)
            )
            if len(self._big) > 10_000:
                self._big.clear()
            self._big[word] = known
        return known

    def _spans(self, toks: Tokens) -> list[tuple[int, int]]:
        """Token ranges [i, j) that could be place names: start and end on a capitalised word
        (or an Arabic article joined by a hyphen: "al-Bab"), connectors inside, no sentence
        boundary."""
        out: list[tuple[int, int]] = []
        text, cap, sent = toks.text, toks.cap, toks.sent_start
        n = len(text)
        inner = self.inner
        for i in range(n):
            if not cap[i]:
                if not (text[i].lower() in ARTICLES and i + 2 < n and text[i + 1] == "-" and cap[i + 2]):
                    continue
            for j in range(i + 1, min(n, i + MAX_TOKENS) + 1):
                k = j - 1
                if k > i:
                    if sent[k]:
                        break
                    if not (cap[k] or text[k].lower() in inner):
                        break
                if cap[k] or (k > i and text[k] == "."):
                    out.append((i, j))
        return out

    def _division_names(self, toks: Tokens, spans: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """Spans that name a division by the word after them: "Idlib province", "Walker
        county", and each name of a list the plural closes ("Becker, Clay and Douglas
        counties", "Harvey, Harper or Kingman counties") -> the word in the singular, which
        with the name makes the division's own name ("Douglas County")."""
        starts: defaultdict[int, list[int]] = defaultdict(list)  # token after a span -> its starts
        for i, j in spans:
            starts[j].append(i)
        out: dict[tuple[int, int], str] = {}
        if self.divisions.isdisjoint(toks.lower):
            return out
        for q, word in enumerate(toks.lower):
            if word not in self.divisions or toks.prev[q] < 0:
                continue
            singular = word[:-3] + "y" if word.endswith("ies") else word[:-1] if word.endswith("s") else word
            j = toks.prev[q] + 1
            while j in starts:
                for i in starts[j]:
                    out[(i, j)] = singular
                if singular == word:
                    break  # a singular word names one division
                # back over ", ", " and ", ", and " to the name before: the span after the list word
                p = next(
                    (
                        toks.prev[i]
                        for i in sorted(starts[j], reverse=True)
                        if toks.prev[i] >= 0 and toks.lower[toks.prev[i]] in LIST_WORDS
                    ),
                    -1,
                )
                if p < 0:
                    break
                if toks.lower[p] in ("and", "or") and toks.prev[p] >= 0 and toks.text[toks.prev[p]] == ",":
                    p = toks.prev[p]
                if toks.prev[p] < 0:
                    break
                j = toks.prev[p] + 1
        return out

    def find(self, doc: Any, text: str, toks: Tokens | None = None) -> list[Mention]:
        toks = toks or Tokens(doc, text)
        spans = self._spans(toks)
        if not spans:
            return []
        self._lower = {w for w, c in zip(toks.lower, toks.cap, strict=True) if not c}
        idx, ends = toks.idx, toks.end
        ents = toks.ents
        # only spans whose first word begins some gazetteer name are folded whole, except
        # those that get a transliteration key: what spaCy calls a place or a person, or what
        # follows a locative word ("to Ayn Issa")
        heads = {i: fold(toks.text[i]) for i in {i for i, _ in spans}}
        # a longer name's key begins with "peoples" for "People's Republic of China"
        possessive = {
            i: fold(toks.text[i] + toks.text[i + 1])
            for i in heads
            if i + 1 < len(toks.text) and toks.lower[i + 1] in ("'s", "’s")
        }
        known = self.gaz.prefixes(h.split(" ", 1)[0] for h in (*heads.values(), *possessive.values()) if h)
        keys: dict[tuple[int, int], str] = {}
        skel: dict[tuple[int, int], str] = {}
        wanted: set[str] = set()
        for i, j in spans:
            head = possessive[i] if j - i > 2 and i in possessive else heads[i]
            ent = ents.get(i)
            translit = (
                ent is not None and ent[0] == i and ent[1] == j and ent[2] in (*PLACE_LABELS, "PERSON")
            ) or (toks.prev[i] >= 0 and toks.lower[toks.prev[i]] in self.locative and j - i <= 3)
            is_known = bool(head) and head.split(" ", 1)[0] in known
            if not (is_known or translit):
                continue
            k = fold(text[idx[i] : ends[j - 1]])
            if not k:
                continue
            keys[(i, j)] = k
            if is_known:
                wanted.add(k)
            if translit:
                sk = skeleton(k, folded=True)
                if len(sk) >= 4:
                    skel[(i, j)] = "~" + sk
        # "Douglas" in "Douglas and Becker counties" is Douglas County: its own name
        named = self._division_names(toks, spans)
        division_keys = {
            sp: fold(text[idx[sp[0]] : ends[sp[1] - 1]]) + " " + fold(word) for sp, word in named.items()
        }
        found = self.gaz.lookup_keys(wanted | set(skel.values()) | set(division_keys.values()))
        self._named_divisions = named
        self._division_found = set()
        spans_of = set(ents.values())
        place_keys = {fold(text[idx[a] : ends[b - 1]]) for a, b, lab in spans_of if lab in PLACE_LABELS}
        # surnames of the people of this article: the same word alone elsewhere is that
        # person ("Barack Obama" ... "Obama said")
        other_keys = {fold(toks.text[b - 1]) for a, b, lab in spans_of if lab == "PERSON"} - place_keys
        # ... and of those named in full ("John Kerry"; "Bashar al-Assad"), when the first word
        # is no Arabic article and no big place ("Aleppo Hama", "Syrias Aleppo" for "Syria's
        # Aleppo" in text that lost its apostrophes are places spaCy calls a person)
        self._surnames = {
            fold(toks.text[b - 1])
            for a, b, lab in spans_of
            if lab == "PERSON"
            and b - a >= 2
            and toks.lower[a] not in ARTICLES
            and not self._big_place(toks.lower[a])
        } - place_keys
        cands: list[tuple[int, int, list[Match]]] = []
        for i, j in keys.keys() | division_keys.keys():
            k = keys.get((i, j), "")
            ms = found.get(k) or []
            if not ms and (i, j) in skel:
                ms = found.get(skel[(i, j)]) or []
            if (i, j) in division_keys:
                own = [m for m in found.get(division_keys[(i, j)]) or [] if m.entry.level in (2, 3)]
                if own:
                    ms = ms + own
                    self._division_found.add((i, j))
            if ms:
                cands.append((i, j, ms))
        # the longest match wins; then left to right
        cands.sort(key=lambda c: (idx[c[0]] - ends[c[1] - 1], c[0]))
        taken = [False] * len(toks.text)
        mentions: list[Mention] = []
        weak: list[tuple[int, int, list[Match]]] = []
        for i, j, ms in cands:
            if any(taken[i:j]):
                continue
            m = self._guard(toks, text, i, j, ms, ents, place_keys, other_keys=other_keys)
            if m is None:
                if self._weak:
                    weak.append((i, j, ms))
                continue
            for t in range(i, j):
                taken[t] = True
            mentions.append(m)
        # names rejected only for want of evidence get it from a place they are listed with:
        # "withdrew to Palmyra and al-Bab", "Homs, Hama or Idlib"
        changed = bool(weak)
        while changed:
            changed = False
            m_starts = {m.start for m in mentions}
            m_ends = {m.end for m in mentions}
            for i, j, ms in weak:
                if any(taken[i:j]):
                    continue
                p, q = toks.prev[i], toks.next[j - 1]
                before = (
                    p >= 0
                    and toks.lower[p] in LIST_WORDS
                    and toks.prev[p] >= 0
                    and toks.end[toks.prev[p]] in m_ends
                )
                after = (
                    q >= 0
                    and toks.lower[q] in LIST_WORDS
                    and toks.next[q] >= 0
                    and toks.idx[toks.next[q]] in m_starts
                )
                if not (before or after):
                    continue
                m = self._guard(toks, text, i, j, ms, ents, place_keys, listed=True, other_keys=other_keys)
                if m is not None:
                    for t in range(i, j):
                        taken[t] = True
                    mentions.append(m)
                    changed = True
        mentions.sort(key=lambda m: m.start)
        mentions = self._drop_parts(toks, text, mentions)
        self._qualify(mentions, text)
        return mentions

    def _drop_parts(self, toks: Tokens, text: str, mentions: list[Mention]) -> list[Mention]:
        """Mentions that are only part of a longer name the gazetteer lacks: the head of a
        longer capitalised name ("Deir" of "Deir Sharqi", "Al" of "Al-Nusra", "Free" of "Free
        Syrian Army"), or a word of an armed group's or an organisation's name of the actor
        file ("Sham" of "Ahrar al-Sham", "Qaeda" or "al-Qaeda" itself). A country, a
        first-order division or a big town by its own name stays (marked embedded when it is
        inside an organisation's name); so does the first of two names side by side
        ("Hasaka-Qamishli road", "Homs Hama and Idlib" written without commas)."""
        if not mentions:
            return mentions
        starts = {m.start for m in mentions}
        first = {i: k for k, i in enumerate(toks.idx)}
        actors = _actor_names()
        out = []
        for m in mentions:
            head = " " not in m.key and m.key in self.heads
            if not head and any(x.entry.level == 1 for x in m.matches):
                out.append(m)  # a country ("the Britain-based Syrian Observatory")
                continue
            k = first.get(m.start)
            while k is not None and k + 1 < len(toks.end) and toks.end[k] < m.end:
                k += 1
            q = toks.next[k] if k is not None else -1
            part = False
            if q >= 0 and not toks.sent_start[q] and text[m.end : toks.idx[q]] in ("", " "):
                r = q
                if toks.text[q] in ("-", "‐") and text[m.end : toks.idx[q]] == "":
                    r = toks.next[q]
                    if r < 0 or toks.idx[r] != toks.end[q]:
                        r = -1
                # what follows carries on the name: any capitalised word after a head word
                # ("Deir Sharqi", "Al-Nusra", "Ain Tarma" even when Tarma is a place of its
                # own), an Arabic article joined to one ("Urum al-Kubra", "Bustan al-Qasser")
                nxt = r
                if r >= 0 and toks.lower[r] in ARTICLES:
                    h = toks.next[r]
                    nxt = toks.next[h] if h >= 0 and toks.text[h] == "-" else -1
                    if nxt >= 0 and toks.idx[nxt] != toks.end[h]:
                        nxt = -1
                elif not head:
                    nxt = -1
                if (
                    nxt >= 0
                    and toks.cap[nxt]
                    and (head or toks.idx[nxt] not in starts)
                    and toks.lower[nxt] not in self.name_ends
                    and not toks.text[nxt].isupper()
                ):
                    part = not m.strong or head
            if not part and not m.strong:
                words = tuple(m.key.split())
                if words and words[0] in actors:
                    window = " " + fold(text[max(0, m.start - 60) : m.end + 60]) + " "
                    part = any(
                        _within(words, alias) and f" {' '.join(alias)} " in window
                        for alias in actors[words[0]]
                    )
            if not part:
                out.append(m)
        return out

    def _guard(
        self,
        toks: Tokens,
        text: str,
        i: int,
        j: int,
        ms: list[Match],
        ents: dict[int, tuple[int, int, str]],
        place_keys: set[str],
        listed: bool = False,
        other_keys: set[str] | frozenset[str] = frozenset(),
    ) -> Mention | None:
        """The mention, or None when the words around it say it is not a place. Sets
        ``self._weak`` when the only reason is a want of evidence (see ``listed``)."""
        self._weak = False
        s, e = toks.idx[i], toks.end[j - 1]
        if toks.text[j - 1] == "." and not any(m.kind == NAME_ABBR for m in ms):
            return None
        surface = text[s:e]
        letters = surface.replace(".", "").replace(" ", "").replace("-", "")
        if letters.isupper() and len(letters) <= 3:
            ms = [m for m in ms if m.kind == NAME_ABBR]  # "US", "UK": only as abbreviations
        ms = [m for m in ms if m.kind != NAME_ABBR or surface in (m.surface or "").split("|")]
        if not ms:
            return None
        key = fold(surface)
        if self.gaz.demonyms.get(key) is not None and not any(
            m.kind in (NAME_MAIN, NAME_ABBR) and m.entry.level <= 2 for m in ms
        ):
            return None
        ent = ents.get(i)
        label = ent[2] if ent is not None else ""
        whole = ent is not None and ent[0] <= i and ent[1] >= j
        exact = ent is not None and ent[0] == i and ent[1] == j
        exact_place = exact and label in PLACE_LABELS
        pi, ni = toks.prev[i], toks.next[j - 1]
        prev = toks.text[pi] if pi >= 0 else ""
        nxt = toks.text[ni] if ni >= 0 else ""
        locative = pi >= 0 and toks.lower[pi] in self.locative
        if prev and prev.rstrip(".") in self.titles and toks.cap[pi]:
            return None
        if nxt and nxt.rstrip(".") in self.after and toks.cap[ni]:
            return None
        # evidence beyond the gazetteer that this is a place: spaCy says so here or for the
        # same name elsewhere in the article, a locative word before it, a qualifier after
        # it ("Springfield, Ill."), or a dateline ("BEIRUT:")
        qualified = nxt == "," and ni >= 0 and toks.next[ni] >= 0 and toks.cap[toks.next[ni]]
        dateline = toks.sent_start[i] and surface.isupper() and nxt in (":", "-", "—", "–", "(", ",")
        before_place_word = ni >= 0 and toks.lower[ni] in self.place_after and not toks.cap[ni]
        division = (i, j) in self._named_divisions
        # a common word or a surname is a place when the words after it make a known
        # division's name of it ("Grant and Douglas counties")
        known_division = (i, j) in self._division_found
        evidence = (
            division
            or exact_place
            or key in place_keys
            or locative
            or qualified
            or dateline
            or listed
            or before_place_word
        )
        strong = any(
            m.kind in (NAME_MAIN, NAME_ABBR, NAME_PATCH)
            and (m.entry.level <= 2 or m.entry.population >= BIG_CITY)
            for m in ms
        )
        country = any(m.kind in (NAME_MAIN, NAME_ABBR) and m.entry.level == 1 for m in ms)
        # a common word here: every word of the name is one the article also writes in lower
        # case ("Attack" and "attack", "Old City" and "the old city", "the West" and "west of");
        # only a country by its own name, or a big place spaCy calls a place where no "the"
        # comes before it, is a place then
        words = [w for w in toks.lower[i:j] if w not in self.inner]
        if words and all(w in self._lower for w in words) and not known_division:
            if not (country or (exact_place and strong and toks.lower[pi] != "the")):
                return None
        if (
            label == "PERSON"
            and whole
            and not exact
            and not (key in place_keys and ent is not None and ent[0] == i)
        ):
            return None  # part of a person's name: "Paris Hilton", "George Washington"
        if label == "PERSON" and exact:
            first = toks.lower[i].strip("'’‘ʿ")
            if not (strong or first in PLACE_PREFIXES or evidence):
                self._weak = True
                return None
        if j - i == 1:
            word = toks.text[i]
            if label in ("DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"):
                return None
            if word.rstrip(".") in self.date_words and not known_division:
                return None  # "Mon Oct 31", "Jun 5": whatever spaCy calls it
            if (word in self.common or toks.is_stop[i]) and not (exact_place or known_division):
                return None
            if word.isupper() and len(word) <= 5 and not (dateline or exact_place):
                if not any(m.kind == NAME_ABBR for m in ms):
                    return None  # an acronym ("NICE", "SWAT")
            # a person of this article bears the name ("John Kerry" ... "Kerry said"; "Assads"
            # for "Assad's" with the apostrophe lost): a place only when spaCy calls this one a
            # place or it is a country by its own name
            surnames = self._surnames
            surname = key in surnames or (key.endswith("s") and key[:-1] in surnames)
            if surname and not (
                exact_place or known_division or country or (strong and (locative or label != "PERSON"))
            ):
                return None
            if key in other_keys and not (locative or known_division or (strong and label != "PERSON")):
                return None
            # "Assads regime" (Assad's, the apostrophe lost) where spaCy calls Assad a person
            if key.endswith("s") and key[:-1] in other_keys and not (exact_place or strong or known_division):
                return None
            # a lone word spaCy calls a person that only the skeleton of a longer name matches
            # ("loyal to Assad" -> 'Ein el Asad, the skeleton dropping "Ein"): a locative word
            # is not enough
            if (
                label == "PERSON"
                and all(m.kind == NAME_SKELETON and len(fold(m.entry.name).split()) > 1 for m in ms)
                and not (key in place_keys or listed or division)
            ):
                return None
            if not evidence:
                # a lone capitalised word with no sign of being a place: only a country or
                # first-order division by its own name, and only as a proper noun
                if not (strong and toks.pos[i]):
                    self._weak = toks.pos[i]
                    return None
                ms = [m for m in ms if m.kind != NAME_ALT] or ms
        embedded = label in ("ORG", "NORP", "WORK_OF_ART", "EVENT", "LAW", "PRODUCT") and whole and not exact
        m = Mention(
            s,
            e,
            surface,
            ms,
            label=label,
            embedded=embedded,
            locative=locative,
            key=key,
            division=division,
            strong=strong,
        )
        m.near = bool(NEAR_WORDS.search(text[max(0, s - 40) : s]))
        return m

    @staticmethod
    def _qualify(mentions: list[Mention], text: str) -> None:
        """ "Springfield, Illinois", "Paris, Texas", "Aleppo (Syria)": the second qualifies the
        first; but not in a list of peers ("Georgia, Oklahoma, Pennsylvania and Ohio"), where
        the first can be as large a place as the second."""

        def joined(x: Mention, y: Mention) -> bool:
            between = text[x.end : y.start].strip().lower()
            return between in LIST_WORDS or between in (", and", ", or")

        for k, (a, b) in enumerate(zip(mentions, mentions[1:], strict=False)):
            between = text[a.end : b.start]
            if between.strip() in (",", "(") and len(between) <= 3:
                levels = [m.entry.level for m in b.matches if m.entry.level <= 3]
                if not levels:
                    continue
                listed = (k + 2 < len(mentions) and joined(b, mentions[k + 2])) or (
                    k > 0 and joined(mentions[k - 1], a)
                )
                if listed and min(m.entry.level for m in a.matches) <= min(levels):
                    continue
                a.qualifier = b


# --- resolution ----------------------------------------------------------------------------
def _contains(big: Entry, small: Entry) -> bool:
    """Whether ``small`` lies in ``big`` (by country / admin1 codes)."""
    if big.id == small.id or big.level >= small.level:
        return False
    if big.level == 1:
        return big.country == small.country
    if big.level == 2:
        return big.country == small.country and big.admin1 == small.admin1 and small.admin1 is not None
    if big.level == 3:
        return (
            big.country == small.country
            and big.admin1 == small.admin1
            and big.admin2 == small.admin2
            and small.admin2 is not None
        )
    return False


FEATURES = (
    "bias",
    "kind_main",
    "kind_alt",
    "kind_abbr",
    "kind_patch",
    "kind_skeleton",
    "log_pop",
    "level_country",
    "level_admin1",
    "level_admin2",
    "level_region",
    "capital",
    "only",
    "rank_pop",
    "admin_same_name_city",
    "alt_shadowed",
    "admin_vs_big_city",
    "country_share",
    "admin1_share",
    "qualified",
    "contains_other",
    "near_other",
    "inside_mentioned",
    "holds_mentioned",
    "dateline_country",
    "dateline_admin1",
)
MAX_CANDIDATES = 40  # per name, the most populous; more only slow the ranking down
# The confidence model: how likely the chosen place is right, from the chosen candidate's
# features, how clearly it won, and what the words around the name say. A logistic model
# fitted (place_ranker) on the dev corpora's resolved toponyms; a place below
# ``min_confidence`` is left out of the record (more likely wrong than right).
# Of the chosen candidate's features it takes what says how big a place it is and how well
# it fits the article, not how its name matched: alternate names are often wrong in US local
# news and are the usual English forms of Arabic places ("Palmyra" is Tadmur's).
CHOSEN = (
    "bias",
    "log_pop",
    "level_country",
    "level_admin1",
    "level_admin2",
    "level_region",
    "country_share",
    "admin1_share",
    "qualified",
    "contains_other",
    "near_other",
    "inside_mentioned",
    "holds_mentioned",
)
LABELS = ("GPE", "LOC", "FAC", "ORG", "PERSON", "NORP", "")
CONFIDENCE = (
    *(f"chosen_{f}" for f in CHOSEN),
    "p_chosen",
    "margin",
    "log_candidates",
    *(f"label_{lab or 'none'}" for lab in LABELS),
    "embedded",
    "locative",
    "qualified",
    "division",
    "log_mentions",
    "upper",
    "qualifier_unmet",
)


@dataclass
class Name:
    """All mentions of one name in an article, resolved together (one sense per name)."""

    key: str
    mentions: list[Mention]
    cands: list[Match]
    prior: Any = None  # numpy array: the context-free part of each candidate's score
    feats: Any = None  # numpy matrix: candidates x FEATURES
    chosen: int = 0
    weight: float = 1.0
    entries: list[Entry] = field(default_factory=list)
    lat: Any = None
    lon: Any = None
    small: Any = None

    def __post_init__(self) -> None:
        self.entries = [m.entry for m in self.cands]


@dataclass
class Aggregate:
    """Sums over the places an article's names resolve to."""

    countries: defaultdict[str, float]
    admin1: defaultdict[str, float]
    level2_countries: Counter[str | None]  # countries of divisions and towns
    level3_admin1: Counter[str | None]  # first-order divisions of second-order divisions and towns
    level4_admin2: Counter[tuple[str | None, str | None]]  # second-order divisions of towns
    total: float
    pt_names: list[Name] = field(default_factory=list)
    pt_lat: Any = None
    pt_lon: Any = None

    def add(self, e: Entry, weight: float, sign: int) -> None:
        if e.country:
            self.countries[e.country] += sign * weight
        if e.admin1_key:
            self.admin1[e.admin1_key] += sign * weight * (1.0 if e.level >= 3 else 1.5)
        if e.level >= 2:
            self.level2_countries[e.country] += sign
        if e.level >= 3:
            self.level3_admin1[e.admin1_key] += sign
        if e.level >= 4 and e.admin2:
            self.level4_admin2[(e.admin1_key, e.admin2)] += sign
        self.total += sign * weight


class Resolver:
    def __init__(self, gazetteer: Gazetteer, weights: dict[str, float] | None = None) -> None:
        self.gaz = gazetteer
        data = _ranker()
        w = weights or data["weights"]
        self.w = np.array([w.get(f, 0.0) for f in FEATURES])
        v = data.get("confidence") or {}
        self.v = np.array([v.get(f, 0.0) for f in CONFIDENCE])  # zeros: every place at 0.5
        self.min_confidence = float(data.get("min_confidence", 0.0))
        self.col = {f: i for i, f in enumerate(FEATURES)}
        self.chosen_cols = np.array([self.col[f] for f in CHOSEN])
        self.trace: list[Name] | None = None  # set to a list to keep what was decided (training)

    @staticmethod
    def _candidates(mentions: list[Mention]) -> list[Match]:
        best: dict[int, Match] = {}
        for m in mentions:
            for match in m.matches:
                old = best.get(match.entry.id)
                if old is None or match.kind < old.kind:
                    best[match.entry.id] = match
        # an explicit qualifier decides: "Paris, Texas", "Aleppo (Syria)"
        quals = [
            x.entry
            for m in mentions
            if m.qualifier is not None
            for x in m.qualifier.matches
            if x.entry.level <= 3
        ]
        if quals:
            inside = {k: x for k, x in best.items() if any(_contains(q, x.entry) for q in quals)}
            if inside:
                best = inside
        # an alternate (often former) name of a town, when another town of the country bears
        # it as its own name and is not ten times smaller: "Paris" is Paris, Tennessee, not
        # Swainsboro, Georgia (once called Paris)
        own: dict[str | None, int] = {}
        for x in best.values():
            if x.kind not in (NAME_ALT, NAME_SKELETON):
                own[x.entry.country] = max(own.get(x.entry.country, 0), x.entry.population)
        best = {
            k: x
            for k, x in best.items()
            if x.kind != NAME_ALT
            or x.entry.country not in own
            or x.entry.population > 10 * max(own[x.entry.country], 1)
        } or best
        # a town and its division share a name ("Raqqa", "Idlib"; "Washington" the city and
        # the state): the town, unless the text says "province", "county", "state", ...
        division = any(m.division for m in mentions)
        if division and any(x.entry.level in (2, 3) for x in best.values()):
            # "Idlib province", "Douglas and Becker counties": the division, whatever else bears the name
            best = {k: x for k, x in best.items() if x.entry.level in (2, 3)}
        towns = {(x.entry.country, x.entry.admin1) for x in best.values() if x.entry.level == 4}
        big = {
            x.entry.country for x in best.values() if x.entry.level == 4 and x.entry.population >= BIG_CITY
        }
        divisions = {
            k
            for k, x in best.items()
            if x.entry.level in (2, 3)
            and ((x.entry.country, x.entry.admin1) in towns or x.entry.country in big)
        }
        if divisions:
            if division:
                keep = {k for k, x in best.items() if x.entry.level in (2, 3)}
            else:
                keep = set(best) - divisions
            best = {k: v for k, v in best.items() if k in keep} or best
        ranked = sorted(best.values(), key=lambda x: (x.kind == NAME_SKELETON, -x.entry.population))
        return ranked[:MAX_CANDIDATES]

    def _static(self, name: Name) -> None:
        """The features that do not depend on the rest of the article."""
        c = self.col
        cands = name.cands
        f = np.zeros((len(cands), len(FEATURES)))
        city_admin = {(m.entry.country, m.entry.admin1) for m in cands if m.entry.level == 4}
        main_countries = {m.entry.country for m in cands if m.kind in (NAME_MAIN, NAME_ABBR, NAME_PATCH)}
        big_city_countries = {
            m.entry.country for m in cands if m.entry.level == 4 and m.entry.population >= 100_000
        }
        for r, match in enumerate(cands):
            e = match.entry
            row = f[r]
            row[c["bias"]] = 1.0
            row[c["kind_main"] + min(match.kind, 4)] = 1.0
            row[c["log_pop"]] = math.log10(e.population + 1) / 7.0
            lvl = e.level
            if lvl == 1:
                row[c["level_country"]] = 1.0
            elif lvl == 2:
                row[c["level_admin1"]] = 1.0
            elif lvl == 3:
                row[c["level_admin2"]] = 1.0
            elif lvl == 0:
                row[c["level_region"]] = 1.0
            row[c["capital"]] = float(e.fcode == "PPLC")
            row[c["only"]] = float(len(cands) == 1)
            row[c["rank_pop"]] = 1.0 / (1 + r)
            row[c["admin_same_name_city"]] = float(lvl in (2, 3) and (e.country, e.admin1) in city_admin)
            # an alternate (often historical) name when a place of the country bears it as its own
            row[c["alt_shadowed"]] = float(match.kind == NAME_ALT and e.country in main_countries)
            # a division named like a big city of the same country ("Washington")
            row[c["admin_vs_big_city"]] = float(lvl in (2, 3) and e.country in big_city_countries)
        name.feats = f

    def _coherence(self, names: list[Name]) -> None:
        """Whether a candidate lies in a division another name of the article may be, or holds a
        town another name may be, weighted by how likely that other reading is (its share of
        the prior scores): "Paris and Henry County" are Paris and Henry County, Tennessee."""
        c = self.col
        if len(names) < 2:
            return
        # per name: (probability, entry) of its candidates under the prior scores
        probs = []
        for n in names:
            sc = n.feats @ self.w
            p = np.exp(sc - sc.max())
            probs.append(p / p.sum())
        div: dict[tuple[str | None, str | None], list[tuple[float, int]]] = defaultdict(list)
        held: dict[tuple[str | None, str | None], list[tuple[float, int]]] = defaultdict(list)
        for k, (n, p) in enumerate(zip(names, probs, strict=True)):
            for e, pe in zip(n.entries, p.tolist(), strict=True):
                if pe < 0.05:
                    continue
                if e.level == 2:
                    div[(e.admin1_key, None)].append((pe, k))
                elif e.level == 3:
                    div[(e.admin1_key, e.admin2)].append((pe, k))
                if e.level >= 4:
                    held[(e.admin1_key, None)].append((pe, k))
                    if e.admin2:
                        held[(e.admin1_key, e.admin2)].append((pe, k))

        def best(found: list[tuple[float, int]] | None, k: int) -> float:
            return max((pe for pe, kk in found or () if kk != k), default=0.0)

        for k, n in enumerate(names):
            if len(n.cands) < 2:
                continue
            inside = []
            holds = []
            for e in n.entries:
                if e.level >= 3:
                    v = best(div.get((e.admin1_key, None)), k)
                    if e.level >= 4 and e.admin2:
                        v = max(v, best(div.get((e.admin1_key, e.admin2)), k))
                    inside.append(v)
                else:
                    inside.append(0.0)
                if e.level == 2:
                    holds.append(best(held.get((e.admin1_key, None)), k))
                elif e.level == 3:
                    holds.append(best(held.get((e.admin1_key, e.admin2)), k))
                else:
                    holds.append(0.0)
            n.feats[:, c["inside_mentioned"]] = inside
            n.feats[:, c["holds_mentioned"]] = holds

    @staticmethod
    def _aggregate(names: list[Name], dateline: Entry | None, demonyms: dict[str, float]) -> Aggregate:
        """What the article's names resolve to, summed (each name then takes itself out)."""
        agg = Aggregate(
            defaultdict(float, demonyms),
            defaultdict(float),
            Counter(),
            Counter(),
            Counter(),
            sum(demonyms.values()),
        )
        pts = []
        for n in names:
            e = n.cands[n.chosen].entry
            agg.add(e, n.weight, 1)
            if e.level >= 3:
                pts.append((n, e))
        if dateline is not None:
            if dateline.country:
                agg.countries[dateline.country] += 1.0
            if dateline.admin1_key:
                agg.admin1[dateline.admin1_key] += 1.0
            agg.total += 1.0
        agg.pt_names = [n for n, _ in pts]
        agg.pt_lat = np.radians(np.array([e.lat for _, e in pts]))
        agg.pt_lon = np.radians(np.array([e.lon for _, e in pts]))
        return agg

    def _contextual(self, name: Name, agg: Aggregate, dateline: Entry | None) -> None:
        c = self.col
        f = name.feats
        cands = name.entries
        own = cands[name.chosen]
        agg.add(own, name.weight, -1)  # the rest of the article, without this name
        try:
            total = agg.total
            if total > 0:
                f[:, c["country_share"]] = [
                    agg.countries.get(e.country, 0.0) / total if e.country else 0.0 for e in cands
                ]
                f[:, c["admin1_share"]] = [
                    min(1.0, agg.admin1.get(e.admin1_key, 0.0) / total * 2)
                    if e.level >= 3 and e.admin1_key
                    else 0.0
                    for e in cands
                ]
            f[:, c["contains_other"]] = [
                float(
                    agg.level2_countries.get(e.country, 0) > 0
                    if e.level == 1
                    else agg.level3_admin1.get(e.admin1_key, 0) > 0
                    if e.level == 2
                    else agg.level4_admin2.get((e.admin1_key, e.admin2), 0) > 0
                    if e.level == 3
                    else False
                )
                for e in cands
            ]
        finally:
            agg.add(own, name.weight, 1)
        qual: list[Entry] = []
        for m in name.mentions:
            if m.qualifier is not None:
                qn = m.qualifier
                qual.extend(x.entry for x in qn.matches) if qn.chosen is None else qual.append(qn.chosen)
        if qual:
            f[:, c["qualified"]] = [float(any(_contains(q, e) for q in qual)) for e in cands]
        if dateline is not None:
            f[:, c["dateline_country"]] = [
                float(e.country is not None and dateline.country == e.country) for e in cands
            ]
            f[:, c["dateline_admin1"]] = [
                float(e.level >= 3 and e.admin1_key is not None and dateline.admin1_key == e.admin1_key)
                for e in cands
            ]
        # distance to the other towns the article names
        others = [k for k, n in enumerate(agg.pt_names) if n is not name]
        if others:
            lat = name.lat[:, None]
            lon = name.lon[:, None]
            plat = agg.pt_lat[others][None, :]
            plon = agg.pt_lon[others][None, :]
            h = np.sin((plat - lat) / 2) ** 2 + np.cos(lat) * np.cos(plat) * np.sin((plon - lon) / 2) ** 2
            d = 12742.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1))).min(axis=1)
            f[:, c["near_other"]] = np.where(name.small, np.clip(1.0 - d / 500.0, 0.0, 1.0), 0.0)
        else:
            f[:, c["near_other"]] = 0.0

    def _contextual_singles(self, names: list[Name], agg: Aggregate) -> None:
        """The context features the confidence model reads, for names with one candidate, all
        at once (``_contextual`` one by one costs more than their choice is worth)."""
        if not names:
            return
        c = self.col
        for name in names:
            f = name.feats[0]
            e = name.entries[0]
            agg.add(e, name.weight, -1)
            total = agg.total
            if total > 0:
                f[c["country_share"]] = agg.countries.get(e.country, 0.0) / total if e.country else 0.0
                f[c["admin1_share"]] = (
                    min(1.0, agg.admin1.get(e.admin1_key, 0.0) / total * 2)
                    if e.level >= 3 and e.admin1_key
                    else 0.0
                )
            f[c["contains_other"]] = float(
                agg.level2_countries.get(e.country, 0) > 0
                if e.level == 1
                else agg.level3_admin1.get(e.admin1_key, 0) > 0
                if e.level == 2
                else agg.level4_admin2.get((e.admin1_key, e.admin2), 0) > 0
                if e.level == 3
                else False
            )
            agg.add(e, name.weight, 1)
            qual = [
                x
                for m in name.mentions
                if m.qualifier is not None
                for x in (
                    [y.entry for y in m.qualifier.matches]
                    if m.qualifier.chosen is None
                    else [m.qualifier.chosen]
                )
            ]
            if qual:
                f[c["qualified"]] = float(any(_contains(q, e) for q in qual))
        if len(agg.pt_names) == 0:
            return
        lat = np.array([n.lat[0] for n in names])[:, None]
        lon = np.array([n.lon[0] for n in names])[:, None]
        plat, plon = agg.pt_lat[None, :], agg.pt_lon[None, :]
        h = np.sin((plat - lat) / 2) ** 2 + np.cos(lat) * np.cos(plat) * np.sin((plon - lon) / 2) ** 2
        d = 12742.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
        index = {id(n): k for k, n in enumerate(names)}
        for k, n in enumerate(agg.pt_names):  # a name is not its own neighbour
            row = index.get(id(n))
            if row is not None:
                d[row, k] = np.inf
        near = np.clip(1.0 - d.min(axis=1) / 500.0, 0.0, 1.0)
        col = c["near_other"]
        for n, v in zip(names, near.tolist(), strict=True):
            n.feats[0, col] = v if n.small[0] else 0.0

    def resolve(
        self,
        mentions: list[Mention],
        demonyms: Sequence[tuple[str | None, int | None]] = (),
        dateline: Entry | None = None,
    ) -> None:
        """Choose a place for every mention (in place: ``m.chosen``, ``m.score``)."""
        groups: dict[str, list[Mention]] = defaultdict(list)
        for m in mentions:
            groups[m.key].append(m)
        names = []
        for key, ms in groups.items():
            cands = self._candidates(ms)
            if not cands:
                continue
            n = Name(key, ms, cands, weight=sum(0.5 if m.embedded else 1.0 for m in ms))
            self._static(n)
            names.append(n)
        for n in names:
            n.chosen = int(np.argmax(n.feats @ self.w))
            for m in n.mentions:
                m.chosen = n.cands[n.chosen].entry
        dem: defaultdict[str, float] = defaultdict(float)
        for country, _ in demonyms:
            if country:
                dem[country] += 0.5
        ambiguous = [n for n in names if len(n.cands) > 1]
        self._coherence(names)
        for n in names:
            n.lat = np.radians(np.array([e.lat for e in n.entries]))
            n.lon = np.radians(np.array([e.lon for e in n.entries]))
            n.small = np.array([e.level >= 3 for e in n.entries])
        for last in (False, True):
            agg = self._aggregate(names, dateline, dem)
            # the last pass gives names with one candidate their context too: it does not
            # change their choice, but it tells the confidence model whether it fits
            for n in ambiguous:
                self._contextual(n, agg, dateline)
            if last:
                self._contextual_singles([n for n in names if len(n.cands) == 1], agg)
            for n in names:
                n.chosen = int(np.argmax(n.feats @ self.w))
                for m in n.mentions:
                    m.chosen = n.cands[n.chosen].entry
        for n in names:
            self._confidence(n)
        if self.trace is not None:
            self.trace.extend(names)

    def _confidence(self, name: Name) -> None:
        """``m.score`` for each mention: the confidence model's probability that the chosen
        place is right."""
        k = name.chosen
        chosen = name.entries[k]
        if len(name.cands) > 1:
            scores = name.feats @ self.w
            p = np.exp(scores - scores[k])  # the chosen scores highest: p[k] == 1 before norming
            total = float(p.sum())
            top = 1.0 / total
            second = float(np.partition(p, -2)[-2]) / total
        else:
            top, second = 1.0, 0.0
        head = name.feats[k, self.chosen_cols].tolist() + [top, top - second, math.log(len(name.cands))]
        log_mentions = math.log(len(name.mentions))
        # a small town that only a variant of its name (an alternate name, a transliteration
        # skeleton) points to, and for which the rest of the article holds no evidence (no
        # other name, demonym or dateline in its country, no neighbour, no division it lies
        # in, no qualifier): mostly a place the gazetteer lacks read as a namesake abroad
        # ("al-Zahraa", a quarter of Homs, as Ez Zahra in Tunisia)
        row, c = name.feats[k], self.col
        unsupported = (
            name.cands[k].kind in (NAME_ALT, NAME_SKELETON)
            and chosen.level >= 4
            and chosen.population < BIG_CITY
            and not (
                row[c["country_share"]] > 0
                or row[c["admin1_share"]] > 0
                or row[c["near_other"]] > 0
                or row[c["inside_mentioned"]] > 0
                or row[c["qualified"]] > 0
                or row[c["dateline_country"]] > 0
            )
        )
        for m in name.mentions:
            labels = [0.0] * len(LABELS)
            if m.label in LABELS:
                labels[LABELS.index(m.label)] = 1.0
            unmet = False
            if m.qualifier is not None:
                # "Stroud, Ontario" when no Stroud in Ontario is known: the place is another
                q = m.qualifier
                quals = [x.entry for x in q.matches] if q.chosen is None else [q.chosen]
                unmet = not any(_contains(x, chosen) for x in quals)
            z = np.array(
                head
                + labels
                + [
                    float(m.embedded),
                    float(m.locative),
                    float(m.qualifier is not None),
                    float(m.division),
                    log_mentions,
                    float(m.text.isupper()),
                    float(unmet),
                ]
            )
            m.conf = z
            m.score = _sigmoid(float(z @ self.v))
            if unsupported:
                m.score = min(m.score, UNSUPPORTED)


UNSUPPORTED = 0.25  # the most a place without support may score (below ``min_confidence``)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


# --- the stage and the API -----------------------------------------------------------------
def _precision(e: Entry, near: bool = False) -> int:
    if e.level >= 4:
        return 2 if near else 1
    if e.level == 3:
        return 2
    return 3


class Geoparser:
    """Recognition and resolution over one gazetteer (loaded once)."""

    def __init__(self, gazetteer: Gazetteer | str | None = None) -> None:
        self.gaz = gazetteer if isinstance(gazetteer, Gazetteer) else load(gazetteer)
        self.recognizer = Recognizer(self.gaz)
        self.resolver = Resolver(self.gaz)

    def demonyms(self, toks: Tokens) -> list[tuple[str | None, int | None]]:
        out = []
        dem = self.gaz.demonyms
        for word, cap in zip(toks.lower, toks.cap, strict=True):
            if cap:
                d = dem.get(word)
                if d is not None and d[0]:
                    out.append(d)
        return out

    def dateline_entry(self, mention: str) -> tuple[Entry | None, float]:
        """The place a dateline names ("RAQQA, SYRIA", "BEIRUT", "Springfield, Ill.")."""
        parts = [p.strip() for p in mention.split(",") if p.strip()]
        if not parts:
            return None, 0.0
        head = Mention(0, len(parts[0]), parts[0], self._lookup(parts[0]))
        if not head.matches:
            return None, 0.0
        mentions = [head]
        if len(parts) > 1:
            q = Mention(len(parts[0]) + 2, len(mention), parts[1], self._lookup(parts[1]))
            if q.matches:
                head.qualifier = q
                mentions.append(q)
        trace, self.resolver.trace = (
            self.resolver.trace,
            None,
        )  # offsets here are the dateline's, not the text's
        try:
            self.resolver.resolve(mentions)
        finally:
            self.resolver.trace = trace
        return head.chosen, head.score

    def _lookup(self, name: str) -> list[Match]:
        ms = self.gaz.lookup(name)
        if name.isupper() and len(name) > 3:
            return [m for m in ms if m.kind != NAME_ABBR] or ms
        return [m for m in ms if m.kind != NAME_ABBR or name in (m.surface or "").split("|")]

    def parse(self, text: str, doc: Any, dateline: str | None = None) -> tuple[list[Place], Place | None]:
        toks = Tokens(doc, text)
        mentions = self.recognizer.find(doc, text, toks)
        dl_entry, dl_score = self.dateline_entry(dateline) if dateline else (None, 0.0)
        self.resolver.resolve(mentions, self.demonyms(toks), dl_entry)
        floor = self.resolver.min_confidence
        places = [
            to_place(self.gaz, m.text, m.start, m.end, m.chosen, m.score, m.near)
            for m in mentions
            if m.chosen and m.score >= floor
        ]
        dl_place = None
        if dl_entry is not None and dateline:
            pos = text.find(dateline.split(",")[0].strip())
            head = dateline.split(",")[0].strip()
            dl_place = to_place(
                self.gaz,
                head,
                pos if pos >= 0 else None,
                pos + len(head) if pos >= 0 else None,
                dl_entry,
                dl_score,
            )
        return places, dl_place

    def resolve_spans(
        self, text: str, spans: Iterable[tuple[int, int]], *, context: Iterable[tuple[int, int]] = ()
    ) -> list[Place | None]:
        """Resolve toponym spans another recogniser found. ``context`` may give more spans
        whose places inform the choice but are not returned. One result per span (None when
        the gazetteer does not know the name)."""
        spans = list(spans)
        mentions: list[Mention | None] = []
        for s, e in spans:
            if not (0 <= s < e <= len(text)):
                mentions.append(None)
                continue
            ms = self._lookup(text[s:e])
            mentions.append(Mention(s, e, text[s:e], ms) if ms else None)
        extra = []
        for s, e in context:
            if 0 <= s < e <= len(text):
                ms = self._lookup(text[s:e])
                if ms:
                    extra.append(Mention(s, e, text[s:e], ms))
        live = [m for m in mentions if m is not None] + extra
        live.sort(key=lambda m: m.start)
        Recognizer._qualify(live, text)
        self.resolver.resolve(live)
        return [
            to_place(self.gaz, m.text, m.start, m.end, m.chosen, m.score)
            if m is not None and m.chosen
            else None
            for m in mentions
        ]


def to_place(
    gaz: Gazetteer,
    mention: str,
    start: int | None,
    end: int | None,
    e: Entry,
    score: float,
    near: bool = False,
) -> Place:
    return Place(
        mention=mention,
        start=start,
        end=end,
        geonameid=e.id if e.id > 0 else None,
        name=e.name,
        country=e.country,
        admin1=gaz.admin1_name(e),
        lat=e.lat,
        lon=e.lon,
        feature=e.feature,
        score=round(score, 3),
        feature_code=e.fcode,
        population=e.population or None,
        geo_precision=_precision(e, near),
    )


@functools.cache
def _default_parser(path: str | None = None) -> Geoparser:
    return Geoparser(path)


class PlacesStage:
    name = "places"
    needs = ("doc", "text")
    sets = ("places",)

    def __init__(self, gazetteer: str | None = None) -> None:
        self.parser = _default_parser(gazetteer)

    def __call__(self, article: Article) -> Article:
        doc = article._doc
        if doc is None:
            return article
        mention = (article.dateline or {}).get("mention")
        places, dl_place = self.parser.parse(article.text, doc, mention)
        article.places = places
        if article.dateline is not None and mention:
            article.dateline["place"] = dl_place.to_dict() if dl_place is not None else None
        return article


def resolve_spans(text: str, spans: Iterable[tuple[int, int]], **options: Any) -> list[Place | None]:
    """Resolve toponym spans found by your own recogniser (see ``Geoparser.resolve_spans``)."""
    return _default_parser(options.pop("gazetteer", None)).resolve_spans(text, spans, **options)


def locate(article: Article, start: int, end: int) -> Place | None:
    """The place an event in ``article.text[start:end]`` happened at: the most specific
    place named in that stretch (a town before its region, a region before its country),
    else the article's focus (its dateline's place, else its most named specific place) at a
    coarser precision. None when the article names no place at all. Buildings that stand
    for their occupants ("the Kremlin", "the White House") say who, not where: they are not
    taken as the place of an event."""
    inside = [
        p
        for p in article.places
        if p.start is not None
        and start <= p.start < end
        and p.lat is not None
        and p.feature_code not in METONYMS
    ]
    if inside:
        best = max(inside, key=lambda p: (_specificity(p), -(p.start or 0)))
        return Place.from_dict(best.to_dict())
    focus = article_focus(article)
    if focus is None:
        return None
    out = Place.from_dict(focus.to_dict())
    assert out is not None
    spec = _specificity(out)
    out.geo_precision = 2 if spec >= 3 else 3
    return out


METONYMS = frozenset(("BLDG",))


def _specificity(p: Place) -> int:
    code = p.feature_code or ""
    if code.startswith("PPL") or p.feature == "populated place":
        return 4
    if code == "ADM2":
        return 3
    if code == "ADM1":
        return 2
    if code.startswith("PCL"):
        return 1
    return 0


def article_focus(article: Article) -> Place | None:
    """Where the article is: its dateline's place, else its most often named town, else its
    most often named place."""
    dl = (article.dateline or {}).get("place")
    if dl:
        return Place.from_dict(dl)
    if not article.places:
        return None
    counts = Counter(p.geonameid or p.name for p in article.places)
    best = max(
        article.places, key=lambda p: (counts[p.geonameid or p.name], _specificity(p), -(p.start or 0))
    )
    return best

"""Actors: names in the text -> canonical actors with ACLED actor types.

The actor file (``data/actors.yaml``) lists organisations with their aliases; every
country of ``data/countries.csv`` is a state actor (its government and armed forces) with
its names and demonyms. The stage finds, in the spaCy Doc:

- aliases of known organisations ("Daesh", "so-called Islamic State", "SDF");
- states: a country's name used as an actor ("Russia denied", not "in Syria"), and a
  demonym or a state's name before a force noun ("Russian jets", "Syrian government
  warplanes", "Turkey's army");
- generic words resolved with a country ("regime barrel bombs", "government forces",
  "Syrian rebels", "civilians"): the country comes from a demonym in front of them or from
  the article's main country;
- other organisations (spaCy ORG entities nobody knows): kept under their own name,
  without id or type.

Foreign state forces are typed ``External/Other Forces`` (ACLED's rule) and the article's
own state ``State Forces``. ``lookup(name)`` maps a single name to an actor for other
stages (claims).
"""

from __future__ import annotations

import csv
import functools
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml

from .record import ACTOR_TYPES, Actor, ActorRef, Article, Mention

DATA = os.path.join(os.path.dirname(__file__), "data")
ACTORS_FILE = os.path.join(DATA, "actors.yaml")
COUNTRIES_FILE = os.path.join(DATA, "countries.csv")
KINDS = ("armed", "agency", "monitor", "media", "political", "state", "group")
GENERIC_GROUPS = ("state", "rebels", "unidentified", "civilians", "protesters", "rioters")

# Objects of these prepositions are places, not actors ("in Syria", "to Turkey").
LOCATIVE_PREPS = {
    "in", "into", "inside", "to", "toward", "towards", "from", "across", "throughout", "within", "near",
    "at", "through", "around", "outside", "on", "over", "via", "along", "beyond", "for",
}  # fmt: skip
# Nouns whose possessor is a place, not an actor ("Syria's north", "Syria's war").
GEO_NOUNS = {
    "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest", "border",
    "borders", "province", "city", "capital", "territory", "war", "conflict", "coast", "region", "crisis",
    "people", "population", "refugee", "economy", "history", "future", "countryside", "soil", "airspace",
    "part", "parts", "area", "areas", "town", "towns", "outskirts", "side", "heart", "rest", "map", "citizen",
    "citizens", "national", "nationals", "president", "governorate", "district", "village", "villages",
}  # fmt: skip
MODIFIER_SUFFIXES = {
    "backed", "led", "based", "allied", "supported", "sponsored", "trained", "funded", "aligned", "held",
    "controlled", "run", "dominated", "linked", "affiliated", "occupied", "besieged", "leaning",
}  # fmt: skip


@dataclass
class ActorEntry:
    """One canonical actor of the actor file (or a state of countries.csv)."""

    id: str
    name: str
    type: str | None
    kind: str
    aliases: list[str] = field(default_factory=list)
    country: str | None = None
    part_of: str | None = None


@dataclass
class GenericGroup:
    key: str
    type: str | None
    words: list[str]
    name: str | None = None
    id: str | None = None


@dataclass
class Country:
    iso2: str
    name: str
    aliases: list[str]
    demonyms: list[str]


@dataclass
class NotActors:
    """Names spaCy calls organisations that are no actor (all lowercase)."""

    words: set[str]  # a single generic word ("State", "Council", "Observatory" on its own)
    heads: set[str]  # the head of a facility or street ("al-Neel Street", "University Hospital")
    names: set[str]  # platforms and the like ("YouTube", "Telegram")
    first_words: set[str]  # page furniture that runs into a name ("Tags Syria Idlib")


@dataclass
class ActorFile:
    """The parsed actor file and country table."""

    entries: dict[str, ActorEntry]
    countries: dict[str, Country]
    generic: dict[str, GenericGroup]
    force_nouns: set[str]
    not_actors: NotActors = field(default_factory=lambda: NotActors(set(), set(), set(), set()))

    def state_id(self, iso2: str) -> str:
        return f"state-{iso2.lower()}"


class ActorFileError(ValueError):
    """The actor file or the country table is malformed."""


def _read_countries(path: str) -> dict[str, Country]:
    out: dict[str, Country] = {}
    with open(path, encoding="utf-8") as f:
        rows = [line for line in f if line.strip() and not line.startswith("#")]
    for i, row in enumerate(csv.DictReader(rows)):
        iso2 = (row.get("iso2") or "").strip()
        name = (row.get("name") or "").strip()
        if not re.fullmatch(r"[A-Z]{2}", iso2) or not name:
            raise ActorFileError(f"{path}: row {i + 2}: needs an ISO code and a name")
        split = lambda s: [x.strip() for x in (s or "").split("|") if x.strip()]  # noqa: E731
        out[iso2] = Country(iso2, name, split(row.get("aliases")), split(row.get("demonyms")))
    return out


def load_actor_file(path: str = ACTORS_FILE, countries_path: str = COUNTRIES_FILE) -> ActorFile:
    """Read and check the actor file; raises ActorFileError naming what is wrong."""
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    countries = _read_countries(countries_path)
    entries: dict[str, ActorEntry] = {}
    for iso2, c in countries.items():
        entries[f"state-{iso2.lower()}"] = ActorEntry(
            f"state-{iso2.lower()}", c.name, "State Forces", "state", [c.name, *c.aliases], iso2
        )
    for iso2, extra in (data.get("states") or {}).items():
        sid = f"state-{str(iso2).lower()}"
        if sid not in entries:
            raise ActorFileError(f"{path}: states: {iso2} is not in {os.path.basename(countries_path)}")
        if extra.get("name"):
            entries[sid].name = extra["name"]
        entries[sid].aliases.extend(extra.get("aliases") or [])
    for i, d in enumerate(data.get("actors") or []):
        where = f"{path}: actors[{i}]"
        if not isinstance(d, dict) or not d.get("id") or not d.get("name"):
            raise ActorFileError(f"{where}: needs id and name")
        if d["id"] in entries:
            raise ActorFileError(f"{where}: duplicate id {d['id']!r}")
        if d.get("type") is not None and d["type"] not in ACTOR_TYPES:
            raise ActorFileError(f"{where}: type {d['type']!r} is not an ACLED actor type")
        if d.get("kind", "armed") not in KINDS:
            raise ActorFileError(f"{where}: kind {d.get('kind')!r} (one of {', '.join(KINDS)})")
        aliases = [str(a) for a in d.get("aliases") or []]
        entries[d["id"]] = ActorEntry(
            d["id"],
            d["name"],
            d.get("type"),
            d.get("kind", "armed"),
            [d["name"], *aliases],
            d.get("country"),
            d.get("part_of"),
        )
    for e in entries.values():
        if e.part_of and e.part_of not in entries:
            raise ActorFileError(f"{path}: {e.id}: part_of {e.part_of!r} is not an actor id")
    generic: dict[str, GenericGroup] = {}
    for key, g in (data.get("generic") or {}).items():
        if key not in GENERIC_GROUPS:
            raise ActorFileError(
                f"{path}: generic: unknown group {key!r} (one of {', '.join(GENERIC_GROUPS)})"
            )
        generic[key] = GenericGroup(
            key, g.get("type"), [str(w) for w in g.get("words") or []], g.get("name"), g.get("id")
        )
    force = {str(w).lower() for w in data.get("force_nouns") or []}
    na = data.get("not_actors") or {}
    if not isinstance(na, dict) or set(na) - {"words", "heads", "names", "first_words"}:
        raise ActorFileError(f"{path}: not_actors: only words, heads, names and first_words")
    not_actors = NotActors(
        *({str(w).lower() for w in na.get(k) or []} for k in ("words", "heads", "names", "first_words"))
    )
    return ActorFile(entries, countries, generic, force, not_actors)


@functools.cache
def actor_file() -> ActorFile:
    """The bundled actor file, loaded once per process."""
    return load_actor_file()


def _case_ok(alias: str, text: str) -> bool:
    """Acronyms must match their case ("IS", "WHO"); capitalised words their capital
    ("Amnesty" the organisation, not "an amnesty")."""
    if " " not in alias and (sum(c.isupper() for c in alias) >= 2 or len(alias) <= 3):
        return alias == text or alias.replace("’", "'") == text.replace("’", "'")
    a_words, t_words = alias.split(), text.split()
    if len(a_words) != len(t_words):
        return True  # tokenisation differs (hyphens); accept
    return all(not (a[:1].isupper()) or t[:1].isupper() for a, t in zip(a_words, t_words, strict=True))


@dataclass
class Found:
    """One actor mention found in the Doc (token offsets)."""

    start: int  # token index
    end: int
    key: tuple[str, str]  # ("entry", id) | ("generic", group) | ("country", iso2) | ("org", name)
    country: str | None = None  # for generic words and demonyms
    priority: int = 0


class ActorIndex:
    """Matchers built once from the actor file over a spaCy vocabulary."""

    def __init__(self, nlp: Any, data: ActorFile | None = None) -> None:
        from spacy.matcher import PhraseMatcher

        self.data = data or actor_file()
        self.nlp = nlp
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.aliases: dict[
            str, list[tuple[str, tuple[str, str], int]]
        ] = {}  # lower alias -> [(alias, key, priority)]
        self.keys: dict[int, str] = {}  # match id -> lower alias
        for e in self.data.entries.values():
            for a in e.aliases:
                key = (
                    ("country", e.country)
                    if e.kind == "state" and e.country and a in self._country_names(e.country)
                    else ("entry", e.id)
                )
                self._add(a, key, 5 if key[0] == "entry" else 2)
        for g in self.data.generic.values():
            for w in g.words:
                self._add(w, ("generic", g.key), 1)
        self.demonyms: dict[str, str] = {}
        for c in self.data.countries.values():
            for d in c.demonyms:
                self.demonyms[d.lower()] = c.iso2
                self._add(d, ("demonym", c.iso2), 0)
        self.country_words: dict[str, str] = {}
        for c in self.data.countries.values():
            for n in [c.name, *c.aliases]:
                self.country_words[n.lower()] = c.iso2
        self.force_single = {w for w in self.data.force_nouns if " " not in w}
        self.force_multi = {tuple(w.split()) for w in self.data.force_nouns if " " in w}

    def _country_names(self, iso2: str | None) -> set[str]:
        c = self.data.countries.get(iso2 or "")
        return {c.name, *c.aliases} if c else set()

    def _add(self, alias: str, key: tuple[str, str], priority: int) -> None:
        low = alias.lower()
        if low not in self.aliases:
            self.matcher.add(low, [self.nlp.make_doc(alias)])
            self.keys[self.nlp.vocab.strings[low]] = low
            self.aliases[low] = []
        self.aliases[low].append((alias, key, priority))

    # -- finding --------------------------------------------------------------------------
    def find(self, doc: Any) -> tuple[list[Found], Counter[str], set[int], set[int]]:
        """Actor mentions in ``doc`` (longest match wins, then the more specific kind),
        how often each country is named (names and demonyms, actors or places), and the
        tokens of every known name and of every organisation's name, kept as an actor or
        not ("UN" in "UN-led" is no actor, nor an unknown organisation)."""
        found: list[Found] = []
        for match_id, s, e in self.matcher(doc):
            low = self.keys[match_id]
            text = doc[s:e].text
            for alias, key, prio in self.aliases.get(low, []):
                if _case_ok(alias, text):
                    found.append(Found(s, e, key, key[1] if key[0] in ("country", "demonym") else None, prio))
                    break
        votes: Counter[str] = Counter(f.key[1] for f in found if f.key[0] in ("country", "demonym"))
        known = {i for f in found for i in range(f.start, f.end)}
        organisations = {i for f in found if f.key[0] == "entry" for i in range(f.start, f.end)}
        found = self._forces(doc, found)
        found.sort(key=lambda f: (-(f.end - f.start), -f.priority, f.start))
        taken = [False] * len(doc)
        kept: list[Found] = []
        for f in found:
            if any(taken[f.start : f.end]):
                continue
            for i in range(f.start, f.end):
                taken[i] = True
            kept.append(f)
        kept = [f for f in kept if self._keep(doc, f)]
        kept.sort(key=lambda f: f.start)
        return kept, votes, known, organisations

    def resolve(self, name: str, country: str | None = None, *, whole: bool = False) -> ActorRef | None:
        """The canonical actor a name stands for: the longest known name in it (with
        ``whole``, a known name that is all of it, determiners aside)."""
        doc = self.nlp.make_doc(name.strip())
        words = [i for i, t in enumerate(doc) if t.lower_ not in ("the", "a", "an")]
        best = None
        for match_id, s, e in self.matcher(doc):
            if whole and not (words and s <= words[0] and e > words[-1]):
                continue
            low = self.keys[match_id]
            for alias, key, prio in self.aliases.get(low, []):
                if _case_ok(alias, doc[s:e].text) and (best is None or (e - s, prio) > best[0]):
                    best = ((e - s, prio), key)
        if best is None:
            return None
        kind, target = best[1]
        if kind == "entry":
            ent = self.data.entries[target]
            return ActorRef(ent.id, ent.name, ent.type)
        if kind in ("country", "demonym"):
            ent = self.data.entries[self.data.state_id(target)]
            return ActorRef(ent.id, ent.name, ent.type)
        return generic_actor(self.data, target, country, country)

    def country_stem(self, word: str) -> str | None:
        """The country of a possessive written without its apostrophe ("Syrias", "Iraqs")."""
        if len(word) > 3 and word.endswith("s") and word[:1].isupper():
            return self.country_words.get(word[:-1].lower())
        return None

    def _forces(self, doc: Any, found: list[Found]) -> list[Found]:
        """Demonyms / country names followed by a force noun become state mentions
        ("Russian jets", "Syrian government warplanes"); demonyms before generic words give
        those words their country ("Syrian rebels")."""
        starts = {f.start: f for f in found if f.key[0] in ("generic",)}
        out = list(found)
        for f in found:
            if f.key[0] not in ("demonym", "country"):
                continue
            iso2 = f.key[1]
            j = f.end
            if (
                j < len(doc)
                and doc[j].text in ("-", "–")
                and j + 1 < len(doc)
                and doc[j + 1].lower_ in MODIFIER_SUFFIXES
            ):
                continue
            if j < len(doc) and doc[j].text in ("'s", "’s") and f.key[0] == "country":
                j += 1
            if j in starts:  # "Syrian rebels", "Iraqi civilians", "Syrian government forces"
                g = starts[j]
                out.append(Found(f.start, g.end, g.key, iso2, 4))
                continue
            for k in range(j, min(j + 3, len(doc))):
                tok = doc[k]
                if tok.is_punct or tok.pos_ in ("VERB", "AUX", "ADP", "DET", "CCONJ", "PRON", "NUM"):
                    break
                if tok.pos_ == "PROPN" and tok.lower_ not in self.force_single:
                    break  # "Syrian Democratic Forces" is a name, not Syria's forces
                two = (tok.lower_, doc[k + 1].lower_) if k + 1 < len(doc) else None
                if two in self.force_multi:
                    out.append(Found(f.start, k + 2, ("country", iso2), iso2, 4))
                    break
                if tok.lower_ in self.force_single or tok.lemma_.lower() in self.force_single:
                    end = k + 1
                    # keep following nouns of the same phrase ("government warplanes")
                    while (
                        end < len(doc)
                        and end - f.start < 6
                        and (
                            doc[end].lower_ in self.force_single
                            or doc[end].lemma_.lower() in self.force_single
                        )
                    ):
                        end += 1
                    out.append(Found(f.start, end, ("country", iso2), iso2, 4))
                    break
        return out

    def _keep(self, doc: Any, f: Found) -> bool:
        """Drop mentions that are not actors: "anti-ISIS", demonyms on their own, a
        country's name used as a place ("in Syria"), all-capital headlines."""
        kind = f.key[0]
        if kind == "demonym":
            return False
        if (
            f.start >= 2
            and doc[f.start - 1].text in ("-", "–")
            and doc[f.start - 2].lower_ in ("anti", "pro", "non")
        ):
            return False
        end = f.end
        if end + 1 < len(doc) and doc[end].text in ("-", "–") and doc[end + 1].lower_ in MODIFIER_SUFFIXES:
            return False  # "US-backed units": the units are the actor
        span = doc[f.start : f.end]
        if kind == "country" and span.text.isupper() and len(span.text) > 3:
            near = [t for t in doc[max(0, f.start - 3) : f.start] if t.is_alpha]
            if near and near[-1].is_upper:
                return False  # a dateline ("RAQQA, SYRIA"), not an actor
        if len(span.text) <= 3 and span.text.isupper():
            sent = span.sent
            letters = [t for t in sent if t.is_alpha and len(t) > 1]
            if letters and sum(t.is_upper for t in letters) / len(letters) > 0.6:
                return False
        if kind == "country" and f.priority < 4:
            return self._country_as_actor(span)
        if kind == "generic" and f.priority < 4 and span_head(span).dep_ in ("amod", "compound", "nmod"):
            gov = span_head(span).head
            if gov.lower_ not in self.force_single and gov.lemma_.lower() not in EVENT_NOUNS:
                return False  # "military pressure", "police station", "civilian areas"
        return True

    def _country_as_actor(self, span: Any) -> bool:
        tok = span_head(span)
        while tok.dep_ == "conj" and tok.head is not tok:
            tok = tok.head
        dep, head = tok.dep_, tok.head
        if dep == "pobj":
            if head.lower_ == "of":  # "the support of Russia" vs "north of Syria"
                return head.head.lemma_.lower() not in GEO_NOUNS and head.head.pos_ != "PROPN"
            return head.lower_ not in LOCATIVE_PREPS
        if dep == "poss":
            return not (head.pos_ == "PROPN" or head.lemma_.lower() in GEO_NOUNS)
        if dep == "compound":
            return head.pos_ != "PROPN" and head.lemma_.lower() not in GEO_NOUNS
        if dep in ("nsubj", "nsubjpass", "dobj", "iobj", "dative", "appos", "agent", "attr", "ROOT"):
            return True
        return False


# Nouns whose modifier is the actor doing it ("regime air raids", "government attacks").
EVENT_NOUNS = {
    "attack", "strike", "airstrike", "raid", "bombing", "bombardment", "shelling", "offensive", "assault",
    "operation", "barrel", "bomb", "campaign", "fire", "advance", "crackdown", "siege", "warplane", "jet",
    "aircraft", "helicopter", "drone", "artillery", "rocket", "missile", "shell", "sniper", "incursion",
}  # fmt: skip


def span_head(span: Any) -> Any:
    """The syntactic head of a span, skipping determiners ("the Kremlin" -> Kremlin)."""
    heads = [
        t
        for t in span
        if (t.head.i < span.start or t.head.i >= span.end or t.head is t) and t.dep_ not in ("det", "punct")
    ]
    return heads[-1] if heads else span.root


def country_of_article(article: Article, named: Counter[str] | None = None) -> str | None:
    """The country the article is about: the countries of its places (the dateline counts
    double), else the countries its actors' names and demonyms point to."""
    votes: Counter[str] = Counter()
    for p in article.places:
        if p.country:
            votes[p.country] += 1
    dl = (article.dateline or {}).get("place") if isinstance(article.dateline, dict) else None
    if isinstance(dl, dict) and dl.get("country"):
        votes[dl["country"]] += 2
    if not votes and named:
        votes.update(named)
    return votes.most_common(1)[0][0] if votes else None


class ActorsStage:
    """Sets ``article.actors``: every actor mention with its span, merged by actor."""

    name = "actors"
    needs = ("doc", "places")
    sets = ("actors",)

    def __init__(self, data: ActorFile | None = None) -> None:
        from .language import load_nlp

        self.index = ActorIndex(load_nlp(), data)
        self._gazetteer: Any = None  # opened on first need; False when there is none

    def __call__(self, article: Article) -> Article:
        doc = article._doc
        if doc is None:
            return article
        article.actors = self.actors(article, doc)
        return article

    def actors(self, article: Article, doc: Any) -> list[Actor]:
        found, named, known, organisations = self.index.find(doc)
        data = self.index.data
        home = country_of_article(article, named)
        by_key: dict[str, Actor] = {}
        order: list[str] = []

        def add(aid: str | None, name: str, typ: str | None, start: int, end: int, **extra: Any) -> None:
            key = aid or "org:" + name.lower()
            if key not in by_key:
                by_key[key] = Actor(aid, name, typ, [], extra.get("country"), extra.get("part_of"))
                order.append(key)
            by_key[key].mentions.append(Mention(article.text[start:end], start, end))

        def add_entry(ent: ActorEntry, start: int, end: int) -> None:
            typ = ent.type
            if ent.kind == "state":  # the article's own state, or a foreign one (ACLED's rule)
                typ = "State Forces" if (home is None or ent.country == home) else "External/Other Forces"
            add(ent.id, ent.name, typ, start, end, country=ent.country, part_of=ent.part_of)

        covered = {i for f in found for i in range(f.start, f.end)}
        for f in found:
            span = doc[f.start : f.end]
            s, e = span.start_char, span.end_char
            kind, target = f.key
            if kind == "entry":
                add_entry(data.entries[target], s, e)
            elif kind == "country":
                add_entry(data.entries[data.state_id(target)], s, e)
            elif kind == "generic":
                iso2 = f.country or home
                ref = generic_actor(data, target, iso2, home)
                if ref is None:
                    continue
                add(ref.id, ref.name, ref.type, s, e, country=iso2)
        for ent in doc.ents:
            toks = range(ent.start, ent.end)
            if (
                ent.label_ != "ORG"
                or "\n" in ent.text
                or any(i in covered or i in organisations for i in toks)
                or all(i in known for i in toks)
            ):
                continue  # a known name, kept above or no actor where it stands ("UN-led", "in Syria")
            if any(p.start is not None and p.start <= ent.start_char < (p.end or 0) for p in article.places):
                continue  # a place spaCy took for an organisation
            if used_as_modifier(article.text, ent.start_char, ent.end_char):
                continue
            what = self._organisation(ent, home, by_key, order)
            if what is None:
                continue
            if what.id is not None and what.id in data.entries:
                add_entry(data.entries[what.id], ent.start_char, ent.end_char)
            else:  # an organisation of its own, or a generic group ("rebels-sy")
                add(what.id, what.name, what.type, ent.start_char, ent.end_char)
        return [by_key[k] for k in order]

    def _organisation(
        self, ent: Any, home: str | None, by_key: dict[str, Actor], order: list[str]
    ) -> ActorRef | None:
        """What an organisation spaCy found and the actor file does not name is: a known
        actor written with a possessive whose apostrophe was lost ("Al-Qaedas", "Russias
        Defense Ministry"), a short reference to an actor the article named in full ("the
        Observatory"), nothing (a place, a street, a single generic word, a platform, page
        furniture), or an actor of its own, kept under its name without id."""
        index, na = self.index, self.index.data.not_actors
        name = _clean_org(ent.text)
        if name is None:
            return None
        words = name.split()
        iso2 = index.country_stem(words[0])
        if iso2 is not None:  # "Syrias Muslim Brotherhood", "Russias Aerospace Forces", "Syrias"
            words = words[1:]
            if not words:
                return None
            if words[-1].lower() in index.force_single:
                ent_ = index.data.entries[index.data.state_id(iso2)]
                return ActorRef(ent_.id, ent_.name, ent_.type)
            name = " ".join(words)
        low = [w.lower() for w in words]
        if low[0] in na.first_words or name.lower() in na.names or any(w in na.names for w in low):
            return None
        if len(words) == 1 and low[0] in na.words:
            return None
        root = ent.root.lower_ if iso2 is None else low[-1]
        if root in na.heads or low[-1] in na.heads:
            return None
        bare = name[:-1] if words[-1].endswith("s") and len(words[-1]) > 3 else None  # "Observatorys"
        for form in (name, bare):
            if form is None:
                continue
            ref = index.resolve(form, home, whole=True)
            if ref is not None and ref.id is not None:
                return ref
            same = self._named_in_full(form, by_key, order)
            if same is not None:
                return same
        for form in (name, bare):
            if form and self._is_place(form, home):
                return None
        return ActorRef(None, name, None)

    def _named_in_full(self, name: str, by_key: dict[str, Actor], order: list[str]) -> ActorRef | None:
        """The one actor of the article whose full name holds every word of ``name``."""
        words = {w.lower() for w in name.split()}
        hits = []
        for key in order:
            a = by_key[key]
            if a.id is None:
                continue
            entry = self.index.data.entries.get(a.id)
            names = [a.name, *(entry.aliases if entry else [])]
            if any(
                words <= {w.lower() for w in n.replace("(", " ").replace(")", " ").split()} for n in names
            ):
                hits.append(ActorRef(a.id, a.name, a.type))
        return hits[0] if len(hits) == 1 else None

    def _is_place(self, name: str, home: str | None) -> bool:
        """A name the gazetteer knows as a place of the article's country ("Raqa", "Homs"),
        or as a large place anywhere."""
        if self._gazetteer is False:
            return False
        if self._gazetteer is None:
            try:
                from .gazetteer import load

                self._gazetteer = load(build_if_missing=False)
            except Exception:  # no gazetteer: organisations are kept as they are
                self._gazetteer = False
                return False
        exact = self._gazetteer.lookup(name, transliterate=False)
        if any(m.entry.population >= 100_000 or m.entry.country == home for m in exact):
            return True
        return any(m.entry.country == home for m in self._gazetteer.lookup(name)) if home else False


def generic_actor(data: ActorFile, group: str, iso2: str | None, home: str | None = None) -> ActorRef | None:
    """The actor a generic word names in a country ("rebels" in Syria -> Syrian rebels)."""
    g = data.generic.get(group)
    if g is None:
        return None
    if group == "state":
        if not iso2:
            return None
        ent = data.entries[data.state_id(iso2)]
        typ = "State Forces" if (home is None or iso2 == home) else "External/Other Forces"
        return ActorRef(ent.id, ent.name, typ)
    c = data.countries.get(iso2 or "")
    if c is None:
        name = (
            (g.name or group).replace("{demonym} ", "").replace(" ({country})", "").replace("{country}", "")
        )
        return ActorRef(None, name[:1].upper() + name[1:], g.type)
    demonym = c.demonyms[0] if c.demonyms else c.name
    name = (g.name or group).format(country=c.name, demonym=demonym, iso2=c.iso2.lower())
    aid = (g.id or group + "-{iso2}").format(iso2=c.iso2.lower())
    return ActorRef(aid, name, g.type)


_ORG_JUNK = re.compile(r"^(the\s+)", re.IGNORECASE)


def _clean_org(text: str) -> str | None:
    text = _ORG_JUNK.sub("", " ".join(text.split())).strip(" '\"“”’.,")
    if len(text) < 2 or not any(c.isalpha() for c in text) or len(text) > 80:
        return None
    return text


@functools.cache
def _lookup_index() -> ActorIndex:
    from .language import load_nlp

    return ActorIndex(load_nlp())


def lookup(name: str, country: str | None = None) -> ActorRef | None:
    """The canonical actor a name stands for ("Daesh" -> Islamic State), or None.
    Generic words need ``country`` ("rebels" in SY -> Syrian rebels)."""
    if not name or not name.strip():
        return None
    return _lookup_index().resolve(name, country)


# -- actors inside a stretch of text (used by the events and claims stages) ------------------

_QUALIFIER_PREFIX = re.compile(r"\b(?:anti|pro|non|ex)[-‐]$", re.IGNORECASE)
_QUALIFIER_SUFFIX = re.compile(
    r"[-‐](?:backed|led|held|controlled|allied|linked|affiliated|based|run|sponsored|aligned|supported"
    r"|trained|funded|armed|loyal)\b",
    re.IGNORECASE,
)


def used_as_modifier(text: str, start: int, end: int) -> bool:
    """A name used as a modifier: the "ISIS" of "anti-ISIS", the "US" of "US-backed"."""
    return bool(_QUALIFIER_PREFIX.search(text[max(0, start - 5) : start])) or bool(
        _QUALIFIER_SUFFIX.match(text[end : end + 16])
    )


def actor_in(article: Article, span: tuple[int, int], head: tuple[int, int] | None = None) -> Actor | None:
    """The actor whose mention lies in ``span``: the one at the head word first, then the
    last one (English noun phrases end with their head), never a mention used as a modifier
    ("anti-ISIS")."""
    found = [
        ((m.start, m.end), a)
        for a in article.actors
        for m in a.mentions
        if span[0] <= m.start and m.end <= span[1] and not used_as_modifier(article.text, m.start, m.end)
    ]
    if not found:
        return None
    if head is not None:
        at_head = [x for x in found if x[0][0] <= head[0] < x[0][1] or head[0] <= x[0][0] < head[1]]
        if at_head:
            return at_head[-1][1]
    return max(found, key=lambda x: x[0][1])[1]

"""The article record (schema ``sitrep.article/1``) and its parts.

Every stage of the pipeline reads and writes these classes; nothing else defines the
record's shape. ``Article.to_dict()`` gives the JSON record the scorers and the store read;
``Article.from_dict()`` reads it back. Field names follow ACLED where ACLED has one.

Offsets (``start``/``end``) are character offsets into ``Article.text``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "sitrep.article/1"
RECORD_HEAD = ("id", "url", "source", "title", "published", "author", "dateline", "language")

# ACLED's six event types and 25 sub-event types, plus "Other events" (see docs/taxonomy.md).
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": ("Sexual violence", "Attack", "Abduction/forced disappearance"),
    "Protests": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
    "Other events": (
        "Displacement",
        "Natural disaster",
        "Man-made disaster",
        "Organized crime",
        "Diplomatic event",
        "Attribution of responsibility",
    ),
}
SUB_EVENT_TYPES: dict[str, str] = {sub: typ for typ, subs in EVENT_TYPES.items() for sub in subs}
ACTOR_TYPES = (
    "State Forces",
    "Rebel Groups",
    "Political Militias",
    "Identity Militias",
    "Rioters",
    "Protesters",
    "Civilians",
    "External/Other Forces",
)
METHODS = (
    "air strike",
    "shelling",
    "explosive device",
    "suicide bombing",
    "chemical",
    "shooting",
    "execution",
    "other",
)
MODALITIES = ("asserted", "reported", "claimed", "denied", "planned", "hypothetical")
STANCES = ("supports", "refutes", "observing", "unrelated")
CLAIM_STATUSES = ("unverified", "supported", "disputed", "denied")


def content_hash(text: str) -> str:
    """The id of an article that came without one: a hash of its cleaned text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _plain(value: Any) -> Any:
    """Dataclasses to dicts, recursively, keeping None (the schema's nulls) and dropping
    private fields (names starting with '_')."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("_")
        }
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(slots=True)
class Span:
    """Evidence: a stretch of the article text."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Span:
        """The stretch ``text[start:end]`` without the whitespace around it (a sentence
        span of spaCy ends with the blank lines that follow it)."""
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return cls(text[start:end], start, end)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Span | None:
        return None if d is None else cls(d.get("text", ""), d.get("start", 0), d.get("end", 0))


@dataclass(slots=True)
class DateInterval:
    """A resolved date expression: inclusive ISO dates, a precision, and the words it came from."""

    start: str | None
    end: str | None
    precision: str  # day | week | weeks | month | months | year | years | range | unknown
    text: str = ""
    char_start: int | None = None
    char_end: int | None = None
    ongoing: bool = False  # the interval runs up to the publication date ("since November")

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> DateInterval | None:
        if d is None:
            return None
        return cls(
            d.get("start"),
            d.get("end"),
            d.get("precision") or "unknown",
            d.get("text") or "",
            d.get("char_start"),
            d.get("char_end"),
            bool(d.get("ongoing", False)),
        )


@dataclass(slots=True)
class Place:
    """A toponym resolved to a gazetteer entry (GeoNames ids and points)."""

    mention: str
    start: int | None
    end: int | None
    geonameid: int | None
    name: str
    country: str | None
    admin1: str | None
    lat: float | None
    lon: float | None
    feature: str = "populated place"  # populated place | country | first-order division | ...
    score: float = 0.0
    feature_code: str | None = None
    population: int | None = None
    geo_precision: int | None = None  # ACLED: 1 town, 2 near / part of region, 3 region

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Place | None:
        if d is None:
            return None
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass(slots=True)
class Mention:
    text: str
    start: int
    end: int


@dataclass(slots=True)
class Actor:
    """An actor of the article: canonical when the actor file knows it (``id`` set),
    otherwise the organisation's name as written (``id`` None)."""

    id: str | None
    name: str
    type: str | None  # one of ACTOR_TYPES, or None when unknown
    mentions: list[Mention] = field(default_factory=list)
    country: str | None = None
    part_of: str | None = None

    def ref(self) -> ActorRef:
        return ActorRef(self.id, self.name, self.type)

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Actor:
        return cls(
            d.get("id"),
            d.get("name", ""),
            d.get("type"),
            [Mention(**m) for m in d.get("mentions") or []],
            d.get("country"),
            d.get("part_of"),
        )


@dataclass(slots=True)
class ActorRef:
    """A reference to an actor from an event, figure or claim (``text`` as written there)."""

    id: str | None
    name: str
    type: str | None = None
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> ActorRef | None:
        return None if d is None else cls(d.get("id"), d.get("name", ""), d.get("type"), d.get("text"))


@dataclass(slots=True)
class Fatalities:
    total: int | None = None
    civilians: int | None = None
    children: int | None = None
    women: int | None = None
    combatants: int | None = None


@dataclass(slots=True)
class Figure:
    """A quantity the article states: "more than 40.000 children" -> 40000, "more than", "children"."""

    value: float | int
    qualifier: str | None  # exactly | more than | at least | less than | at most | about | up to | None
    unit: str | None
    what: str | None
    evidence: Span
    location: Place | None = None
    source: ActorRef | None = None
    text: str = ""  # the quantity as written ("more than 40.000")
    approximate: bool = False  # vague quantities ("dozens", "hundreds"): value is the lower bound
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Figure:
        return cls(
            d["value"],
            d.get("qualifier"),
            d.get("unit"),
            d.get("what"),
            Span.from_dict(d.get("evidence")) or Span("", 0, 0),
            Place.from_dict(d.get("location")),
            ActorRef.from_dict(d.get("source")),
            d.get("text", ""),
            bool(d.get("approximate", False)),
            d.get("start"),
            d.get("end"),
        )


@dataclass(slots=True)
class Event:
    id: str
    event_type: str
    sub_event_type: str
    evidence: Span
    headline: bool = False
    method: str | None = None
    date: DateInterval | None = None
    location: Place | None = None
    origin: Place | None = None
    actor1: ActorRef | None = None
    actor2: ActorRef | None = None
    fatalities: Fatalities = field(default_factory=Fatalities)
    injured: int | None = None
    displaced: int | None = None
    modality: str = "asserted"
    attributed_to: ActorRef | None = None
    claim: str | None = None  # id of the claim that tells this event ("c3"): its stances say who denies it
    confidence: float = 0.5
    mentions: list[Span] = field(default_factory=list)  # every sentence that reports this event
    background: bool = False  # an earlier event the article recalls ("in 2014")
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # differing figures by source

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        fat = d.get("fatalities") or {}
        return cls(
            id=d.get("id", ""),
            event_type=d.get("event_type", ""),
            sub_event_type=d.get("sub_event_type", ""),
            evidence=Span.from_dict(d.get("evidence")) or Span("", 0, 0),
            headline=bool(d.get("headline", False)),
            method=d.get("method"),
            date=DateInterval.from_dict(d.get("date")),
            location=Place.from_dict(d.get("location")),
            origin=Place.from_dict(d.get("origin")),
            actor1=ActorRef.from_dict(d.get("actor1")),
            actor2=ActorRef.from_dict(d.get("actor2")),
            fatalities=Fatalities(
                **{k: fat.get(k) for k in ("total", "civilians", "children", "women", "combatants")}
            ),
            injured=d.get("injured"),
            displaced=d.get("displaced"),
            modality=d.get("modality", "asserted"),
            attributed_to=ActorRef.from_dict(d.get("attributed_to")),
            claim=d.get("claim"),
            confidence=d.get("confidence", 0.5),
            mentions=[Span.from_dict(m) for m in d.get("mentions") or []],  # type: ignore[misc]
            background=bool(d.get("background", False)),
            conflicts=list(d.get("conflicts") or []),
        )


@dataclass(slots=True)
class Stance:
    by: ActorRef
    stance: str  # supports | refutes | observing
    evidence: Span

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(slots=True)
class Claim:
    """An attributed statement: who (claimant) said (cue) what (text), and who answers it."""

    id: str
    claimant: ActorRef | None
    cue: str | None
    text: str
    evidence: Span
    kind: str = "statement"  # statement | denial | prediction | assessment | hedge
    speech: str = "indirect"  # direct | indirect
    stances: list[Stance] = field(default_factory=list)
    status: str = "unverified"
    content: Span | None = None  # the claimed content within the evidence

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Claim:
        return cls(
            id=d.get("id", ""),
            claimant=ActorRef.from_dict(d.get("claimant")),
            cue=d.get("cue"),
            text=d.get("text", ""),
            evidence=Span.from_dict(d.get("evidence")) or Span("", 0, 0),
            kind=d.get("kind", "statement"),
            speech=d.get("speech", "indirect"),
            stances=[
                Stance(
                    ActorRef.from_dict(s.get("by")) or ActorRef(None, ""),
                    s.get("stance", "observing"),
                    Span.from_dict(s.get("evidence")) or Span("", 0, 0),
                )
                for s in d.get("stances") or []
            ],
            status=d.get("status", "unverified"),
            content=Span.from_dict(d.get("content")),
        )


@dataclass(slots=True)
class ArticleError:
    """What could not be done for an article, and why. ``stage`` names the step."""

    stage: str
    code: str  # empty | too-large | binary | encoding | not-english | no-article | invalid-json | unreadable | internal
    message: str

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(slots=True)
class Article:
    """One article moving through the pipeline; ``to_dict()`` is the record."""

    text: str
    id: str | None = None
    url: str | None = None
    source: str | None = None
    title: str | None = None
    published: str | None = None
    dateline: dict[str, Any] | None = None
    language: str | None = None
    author: str | None = None
    places: list[Place] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    credibility: dict[str, Any] | None = None
    errors: list[ArticleError] = field(default_factory=list)
    # Working state of the pipeline, never serialised: the spaCy Doc, resolved date
    # expressions, where the input came from, the raw page.
    _doc: Any = None
    _dates: list[DateInterval] = field(default_factory=list)
    _origin: str | None = None
    _html: str | None = None
    _meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_hash(self.text)

    @property
    def ok(self) -> bool:
        return not self.errors

    def fail(self, stage: str, code: str, message: str) -> Article:
        self.errors.append(ArticleError(stage, code, message))
        return self

    def to_dict(self) -> dict[str, Any]:
        d = _plain(self)
        # the schema's order: identity and metadata first, then the text, then what was found
        return {"schema": SCHEMA, **{k: d.pop(k) for k in RECORD_HEAD}, **d}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Article:
        a = cls(
            text=d.get("text") or "",
            id=d.get("id"),
            url=d.get("url"),
            source=d.get("source"),
            title=d.get("title"),
            published=d.get("published"),
            dateline=d.get("dateline"),
            language=d.get("language"),
            author=d.get("author"),
        )
        a.places = [p for p in (Place.from_dict(x) for x in d.get("places") or []) if p is not None]
        a.actors = [Actor.from_dict(x) for x in d.get("actors") or []]
        a.events = [Event.from_dict(x) for x in d.get("events") or []]
        a.figures = [Figure.from_dict(x) for x in d.get("figures") or []]
        a.claims = [Claim.from_dict(x) for x in d.get("claims") or []]
        a.credibility = d.get("credibility")
        a.errors = [
            ArticleError(e.get("stage", ""), e.get("code", ""), e.get("message", ""))
            for e in d.get("errors") or []
        ]
        return a

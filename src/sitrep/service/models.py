"""The shapes the REST API sends and receives, for validation and the OpenAPI document.

Rows are the store's rows (``sitrep.store``): the event, claim and article dicts of the
record schema ``sitrep.article/1`` plus the article each row comes from. The models name
the fields clients rely on and let the record's other fields through (``extra="allow"``),
so the API never hides what the record holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. not-found, validation, unauthorized.")
    message: str = Field(description="One line for a person.")


class ErrorBody(BaseModel):
    """The one error shape of the API, for every status (validation errors and 404s included)."""

    error: ErrorDetail


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Span(Open):
    text: str = ""
    start: int
    end: int


class DateInterval(Open):
    start: str | None = None
    end: str | None = None
    precision: str | None = None
    text: str | None = None


class Place(Open):
    mention: str | None = None
    name: str | None = None
    geonameid: int | None = None
    country: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None


class ActorRef(Open):
    id: str | None = None
    name: str
    type: str | None = None


class Fatalities(Open):
    total: int | None = None
    civilians: int | None = None
    children: int | None = None
    women: int | None = None
    combatants: int | None = None


class ArticleRef(BaseModel):
    """The article a row comes from."""

    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None


class EventItem(Open):
    """An event of the record with ``article_id`` and ``article``."""

    article_id: str
    id: str
    headline: bool = False
    event_type: str
    sub_event_type: str
    method: str | None = None
    date: DateInterval | None = None
    location: Place | None = None
    actor1: ActorRef | None = None
    actor2: ActorRef | None = None
    fatalities: Fatalities | None = None
    modality: str | None = None
    evidence: Span | None = None
    article: ArticleRef


class Stance(Open):
    by: ActorRef
    stance: str = Field(description="supports | refutes | observing")
    evidence: Span | None = None


class ClaimItem(Open):
    """A claim of the record with who supports and who refutes it, its ``article_id`` and ``article``."""

    article_id: str
    id: str
    claimant: ActorRef | None = None
    cue: str | None = None
    text: str
    kind: str | None = None
    status: str | None = None
    stances: list[Stance] = []
    evidence: Span | None = None
    article: ArticleRef


class ArticleSummary(Open):
    id: str
    url: str | None = None
    source: str | None = None
    title: str | None = None
    published: str | None = None
    language: str | None = None
    n_events: int = 0
    n_errors: int = 0
    ingested_at: str | None = None
    credibility: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = []


class ArticleRecord(Open):
    """The whole record (schema ``sitrep.article/1``): text, places, actors, events, figures, claims."""

    schema_: str = Field("sitrep.article/1", alias="schema")
    id: str
    text: str
    title: str | None = None
    published: str | None = None
    places: list[dict[str, Any]] = []
    actors: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    figures: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []


NEXT = Field(None, description="Path of the next page (same filters), or null on the last page.")
TOTAL = Field(description="How many rows match the filters, over all pages.")


class EventPage(BaseModel):
    items: list[EventItem]
    total: int = TOTAL
    next: str | None = NEXT


class ClaimPage(BaseModel):
    items: list[ClaimItem]
    total: int = TOTAL
    next: str | None = NEXT


class ClusterRecord(Open):
    """An event cluster (``sitrep.corroborate``): reports of one event across articles, the
    consensus, the range of the figures, which details agree and which conflict, and the
    reports side by side (docs/corroboration.md)."""

    id: str
    event_type: str | None = None
    sub_event_type: str | None = None
    date: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    n_reports: int = 0
    n_articles: int = 0
    n_sources: int = 0
    sources: list[str] = []
    first_report: str | None = None
    last_report: str | None = None
    fatalities: dict[str, Any] | None = None
    agree: list[str] = []
    conflict: list[str] = []
    details: dict[str, Any] = {}
    reports: list[dict[str, Any]] = []


class ClusterPage(BaseModel):
    items: list[ClusterRecord]
    total: int = TOTAL
    next: str | None = NEXT


class ArticlePage(BaseModel):
    items: list[ArticleSummary]
    total: int = TOTAL
    next: str | None = NEXT


class PointGeometry(BaseModel):
    type: Literal["Point"] = "Point"
    coordinates: tuple[float, float] = Field(description="[longitude, latitude]")


class Feature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str = Field(description="article_id:event_id")
    geometry: PointGeometry
    properties: dict[str, Any] = Field(
        description="The event under ACLED's column names (as the CSV export)."
    )


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature] = Field(description="The located events of this page.")
    total: int = Field(description="Events matching the filters (located or not), over all pages.")
    next: str | None = NEXT


class ArticleIn(BaseModel):
    """An article to analyse and store: its ``text`` (or a page's ``html``), or a ``url`` to fetch."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "example-1",
                    "title": "Shelling in Raqqa",
                    "published": "2017-06-15",
                    "text": "RAQQA, SYRIA (June 15, 2017) - Shelling killed 12 civilians in Raqqa on Tuesday.",
                },
                {"url": "https://example.org/news/article.html"},
            ]
        },
    )

    id: str | None = Field(None, description="Your id; default: a hash of the text.")
    text: str | None = Field(None, description="Plain text of the article.")
    html: str | None = Field(None, description="A page's HTML; its main text is extracted.")
    url: str | None = Field(
        None,
        description="Where the article is. Without text or html the page is fetched (http/https, "
        "public addresses only, size and time limits).",
    )
    title: str | None = None
    published: dt.date | None = Field(None, description="Publication date; default: read from the text.")
    source: str | None = Field(None, description="Outlet or domain.")


class ArticleStored(BaseModel):
    id: str
    outcome: Literal["new", "updated", "unchanged"] = Field(
        description="new; updated (same id, new text); unchanged (this text was already stored)."
    )
    href: str = Field(description="Path of the stored record.")
    events: int
    places: int
    claims: int
    errors: list[dict[str, Any]] = Field(description="What could not be done (e.g. not English).")


class Count(BaseModel):
    name: str
    count: int


class Country(Count):
    label: str | None = Field(None, description="Country name (GeoNames).")
    numeric: str | None = Field(None, description="ISO 3166 numeric code (the map's outline ids).")


class Facets(BaseModel):
    types: list[Count]
    sub_types: list[Count]
    actors: list[Count]
    countries: list[Country]


class Tiles(BaseModel):
    url: str = Field(description="URL template with {z}, {x}, {y}.")
    attribution: str


class Info(BaseModel):
    version: str
    articles: int
    events: int
    claims: int
    places: int
    writes: bool = Field(description="Whether POST /api/articles is enabled (SITREP_TOKEN set).")
    tiles: Tiles | None = Field(description="Online map tiles, used by the page only when reachable.")
    event_types: dict[str, list[str]] = Field(description="The event vocabulary: type -> sub-event types.")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    articles: int

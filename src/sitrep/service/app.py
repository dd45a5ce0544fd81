"""The web service: the store as a REST API (OpenAPI at /openapi.json, docs at /docs) and
the web page at / (map, timeline, filters, evidence, claims). Every script, style and file
the page uses is served from here: no CDN.

``create_app(db)`` builds the ASGI app; ``sitrep serve`` runs it with uvicorn. Errors of
every kind leave as ``{"error": {"code", "message"}}`` with the error's HTTP status.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..errors import SitrepError
from ..ingest import DEFAULT_MAX_BYTES
from ..pipeline import Pipeline, default_pipeline
from ..record import Article
from ..store import SQLStore, open_store
from . import DEFAULT_TILES, OSM_ATTRIBUTION
from .outlines import outlines_dir

log = logging.getLogger(__name__)

WEB = Path(__file__).resolve().parent.parent / "web"
_FROM_ENV: Any = object()


class Unauthorized(SitrepError):
    code = "unauthorized"
    status = 401


class WritesDisabled(SitrepError):
    code = "writes-disabled"
    status = 403


class TooLarge(SitrepError):
    code = "too-large"
    status = 413


class Invalid(SitrepError):
    """A request parameter that passed the type checks but means nothing (a bad bbox...)."""

    code = "validation"
    status = 422


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


@dataclass
class Settings:
    db: str
    token: str | None = None  # SITREP_TOKEN; None: writes are refused (403)
    tiles: str | None = DEFAULT_TILES  # online tiles the page uses when it can reach them
    tiles_attribution: str = OSM_ATTRIBUTION
    max_bytes: int = DEFAULT_MAX_BYTES  # request bodies and fetched pages
    allow_private_urls: bool = False  # tests only: POST {"url"} may fetch from this machine


class StorePool:
    """One store connection per worker thread: FastAPI runs handlers in a thread pool and a
    SQLite connection must not be used by two threads at once."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[SQLStore] = []

    def get(self) -> SQLStore:
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self.target)
            self._local.store = store
            with self._lock:
                self._open.append(store)
        return store

    def close(self) -> None:
        with self._lock:
            for store in self._open:
                store.close()
            self._open.clear()


class Analyser:
    """The pipeline, loaded on the first write (reads never wait for the models), run by one
    request at a time (the models are not shared between threads)."""

    def __init__(self, factory: Callable[[], Pipeline] | None = None) -> None:
        self._factory = factory or default_pipeline
        self._pipeline: Pipeline | None = None
        self._lock = threading.Lock()

    def load(self) -> Pipeline:
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._factory()
            return self._pipeline

    def __call__(self, article: Article) -> Article:
        pipeline = self.load()
        with self._lock:
            return pipeline(article)


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` (413) before they are read whole, whether
    they announce their length or not."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            status, body = (
                (413, error_body("too-large", f"request body over {self.max_bytes:,} bytes"))
                if length.isdigit()
                else (400, error_body("bad-request", "invalid Content-Length"))
            )
            await JSONResponse(body, status_code=status)(scope, receive, send)
            return
        # read the body here (the app would hold it whole anyway), counting as it comes
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                body = error_body("too-large", f"request body over {self.max_bytes:,} bytes")
                await JSONResponse(body, status_code=413)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class SecurityHeaders:
    """Headers every answer carries: the page's Content-Security-Policy (looser for the
    Swagger UI at /docs), no MIME sniffing, no referrer, no framing."""

    def __init__(self, app: ASGIApp, tiles: str | None) -> None:
        self.app = app
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]
        self.csp = content_security_policy(tiles).encode()
        self.csp_docs = content_security_policy(tiles, docs=True).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.csp_docs if scope["path"] == "/docs" else self.csp

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(b"content-security-policy", csp), *self.headers]
                message["headers"] = [
                    *message.get("headers", []),
                    *[(k, v) for k, v in extra if k not in present],
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


def content_security_policy(tiles: str | None, *, docs: bool = False) -> str:
    """Scripts, styles, fonts and data from this server only; images also from the tile
    server. Even text that escaped escaping could not run a script."""
    images = "'self' data:"
    if tiles:
        parts = urlsplit(tiles)
        images += f" {parts.scheme}://{parts.netloc}"
    styles = "'self' 'unsafe-inline'" if docs else "'self'"  # Swagger UI sets style attributes
    return (
        f"default-src 'self'; script-src 'self'; style-src {styles}; img-src {images}; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def create_app(
    db: str | Path,
    *,
    token: str | None = _FROM_ENV,
    tiles: str | None = DEFAULT_TILES,
    tiles_attribution: str = OSM_ATTRIBUTION,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_private_urls: bool = False,
    pipeline_factory: Callable[[], Pipeline] | None = None,
) -> FastAPI:
    """The app serving the store at ``db`` (a SQLite file, created on first use, or a
    postgresql:// URL). ``token`` defaults to ``$SITREP_TOKEN``; without one, writes are
    refused. ``tiles``: URL template of online tiles (None: bundled outlines only)."""
    if token is _FROM_ENV:
        token = os.environ.get("SITREP_TOKEN")
    settings = Settings(
        db=str(db),
        token=token or None,
        tiles=tiles or None,
        tiles_attribution=tiles_attribution,
        max_bytes=max_bytes,
        allow_private_urls=allow_private_urls,
    )
    open_store(settings.db).close()  # fail now, with a clear message, when the store cannot be opened

    from .api import router

    stores = StorePool(settings.db)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        stores.close()

    app = FastAPI(
        lifespan=lifespan,
        title="sitrep",
        version=__version__,
        description=(
            "Conflict news as a structured, geolocated, sourced record: events (ACLED vocabulary), "
            "places, actors, figures and claims, each with the sentence it comes from. "
            'Every error is `{"error": {"code", "message"}}` with the HTTP status. '
            "Writes need `Authorization: Bearer $SITREP_TOKEN`."
        ),
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.stores = stores
    app.state.analyse = Analyser(pipeline_factory)
    app.include_router(router)
    _add_error_handlers(app)
    _add_pages(app, settings)
    app.add_middleware(BodyLimit, max_bytes=settings.max_bytes)
    app.add_middleware(SecurityHeaders, tiles=settings.tiles)  # outermost: every answer gets them
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SitrepError)
    async def sitrep_error(request: Request, exc: SitrepError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            if e.get("type") == "json_invalid":
                problems.append(
                    f"body: invalid JSON ({(e.get('ctx') or {}).get('error', 'cannot be parsed')})"
                )
                continue
            where = [str(x) for x in e.get("loc", ()) if x not in ("query", "body", "path")]
            problems.append(f"{'.'.join(where) or 'body'}: {e.get('msg', 'invalid')}")
        return JSONResponse(error_body("validation", "; ".join(problems)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not-found", 405: "method-not-allowed"}
        code = codes.get(exc.status_code, "http")
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal", "internal error (see the server log)"), status_code=500)


def _add_pages(app: FastAPI, settings: Settings) -> None:
    try:  # before /static, which would otherwise take these paths
        import swagger_ui_bundle

        app.mount("/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")
    except ImportError:  # pragma: no cover - a core dependency
        log.warning("swagger_ui_bundle is missing: /docs will not work (/openapi.json does)")
    outlines = outlines_dir()
    if outlines.is_dir():  # fetched at install time (sitrep.service.outlines), not in git
        app.mount("/static/vendor/world-atlas", StaticFiles(directory=outlines), name="outlines")
    else:
        log.warning(
            "no map outlines in %s (make install fetches them with npm): the map shows a graticule only",
            outlines,
        )
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})

    @app.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(WEB / "docs.html", media_type="text/html")

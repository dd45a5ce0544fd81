"""A small HTTP server on 127.0.0.1 for the fetch, ingest and watch tests (no network).

``routes`` maps a path to a function ``(handler) -> None`` that writes the whole answer;
``page(...)`` builds the usual ones. Every request is logged in ``requests`` as
(path, headers)."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], None]


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?")[0]
        self.server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = self.server.routes.get(path)
        try:
            if route is None:
                send(self, 404, b"not found", "text/plain")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up (size cap, timeout): expected in these tests

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


def send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str | None = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    if content_type:
        h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def page(
    body: str | bytes,
    content_type: str | None = "text/html; charset=utf-8",
    status: int = 200,
    headers: dict[str, str] | None = None,
    gzipped: bool = False,
) -> Route:
    data = body.encode("utf-8") if isinstance(body, str) else body
    extra = dict(headers or {})
    if gzipped:
        data = gzip.compress(data)
        extra["Content-Encoding"] = "gzip"
    return lambda h: send(h, status, data, content_type, extra)


def redirect(location: str, status: int = 302) -> Route:
    return lambda h: send(h, status, b"", None, {"Location": location})


@contextmanager
def serve() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()

"""Guarded URL fetching: the one way sitrep reads the web (CLI URLs, ``sitrep watch``, the
API's URL ingestion).

A URL is fetched only when it is safe to fetch from a server:

- ``http`` and ``https`` only, no user name or password in the URL;
- the host name is resolved once and *every* address it resolves to must be public (no
  private, loopback, link-local, shared, reserved, multicast or unspecified address, also
  not hidden inside an IPv4-mapped / 6to4 / Teredo IPv6 address); the connection then goes
  to that vetted address (TLS still checks the certificate against the host name), so a
  DNS answer that changes between the check and the connection (DNS rebinding) cannot
  redirect the request;
- redirects are followed by hand, at most ``max_redirects``, each one checked the same way;
- a connect timeout (also the longest silence while reading) and a total deadline
  (resolution, connection, redirects and body);
- the body is streamed: a page larger than ``max_bytes`` (after decompression) is cut at
  the cap (``Page.truncated``), or refused with ``truncate=False``;
- only the accepted content types (HTML, XHTML and plain text by default; feeds for
  ``sitrep watch``); binary bodies are refused whatever their declared type.

``allow_private=True`` lifts the address check (one's own intranet); a list of networks
(``["10.1.0.0/16"]``) allows just those. Environment proxies are not used: the guard
needs to see the address it connects to.

Failures raise :class:`FetchError` (``code``: ``fetch-url``, ``fetch-refused``,
``fetch-dns``, ``fetch-connect``, ``fetch-timeout``, ``fetch-http``, ``fetch-redirect``,
``fetch-type``, ``fetch-too-large``, ``fetch-binary``) with a one-line message.
"""

from __future__ import annotations

import codecs
import email.utils
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from . import __version__
from .errors import FetchError

USER_AGENT = f"sitrep/{__version__} (+https://github.com/sitrep; news analysis)"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0  # seconds for the whole fetch, redirects included
DEFAULT_CONNECT_TIMEOUT = 10.0
MAX_REDIRECTS = 5
CHUNK = 64 * 1024

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/feed+json",
        "application/json",
    }
)
REDIRECTS = {301, 302, 303, 307, 308}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(slots=True)
class Page:
    """What a fetch returns. ``status`` 304 (not modified, for conditional requests) has an
    empty body; every other status is 2xx."""

    url: str  # the final URL, after redirects
    text: str
    content_type: str  # media type without parameters, lower case ("" when absent)
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    encoding: str = "utf-8"
    content: bytes = b""  # the raw (decompressed) body
    truncated: bool = False  # cut at max_bytes
    redirects: tuple[str, ...] = ()  # the URLs that redirected here, in order
    address: str = ""  # the IP address the final request went to


class HTTPStatusError(FetchError):
    """The server answered with an error status (4xx/5xx). ``retry_after`` is in seconds
    when the server said (429, 503)."""

    def __init__(self, message: str, *, status_code: int, retry_after: float | None = None) -> None:
        super().__init__(message, code="fetch-http")
        self.status_code = status_code
        self.retry_after = retry_after


# -- addresses -------------------------------------------------------------------------------

_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT


def _embedded(addr: Address) -> list[Address]:
    """The address and the IPv4 addresses carried inside an IPv6 one."""
    out: list[Address] = [addr]
    if isinstance(addr, ipaddress.IPv6Address):
        for inner in (addr.ipv4_mapped, addr.sixtofour, addr.teredo[1] if addr.teredo else None):
            if inner is not None:
                out.append(inner)
        if addr in ipaddress.ip_network("64:ff9b::/96"):  # NAT64
            out.append(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
    return out


def is_public(addr: Address) -> bool:
    """Whether an address is on the public internet (and so safe to fetch from a server)."""
    for a in _embedded(addr):
        if (
            a.is_private
            or a.is_loopback
            or a.is_link_local
            or a.is_reserved
            or a.is_multicast
            or a.is_unspecified
            or not a.is_global
            or (isinstance(a, ipaddress.IPv4Address) and a in _SHARED)
        ):
            return False
    return True


def _policy(allow_private: bool | Iterable[str | Network]) -> Callable[[Address], bool]:
    if allow_private is True:
        return lambda addr: True
    if allow_private is False or allow_private is None:
        return is_public
    try:
        nets = [ipaddress.ip_network(n, strict=False) for n in allow_private]  # type: ignore[union-attr]
    except (TypeError, ValueError) as exc:
        raise FetchError(f"allow_private: not a network list ({exc})", code="fetch-url") from None
    return lambda addr: is_public(addr) or any(addr in n for n in nets if n.version == addr.version)


def _resolve(host: str, port: int, timeout: float) -> list[str]:
    """The addresses of ``host`` (getaddrinfo in a thread, so a hung resolver is bounded)."""
    result: list[str] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            for info in infos:
                ip = str(info[4][0]).split("%")[0]
                if ip not in result:
                    result.append(ip)
        except (OSError, UnicodeError) as exc:
            error.append(exc)

    t = threading.Thread(target=run, name="sitrep-resolve", daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise FetchError(f"{host}: name resolution timed out", code="fetch-timeout")
    if error or not result:
        reason = error[0] if error else "no address"
        raise FetchError(f"{host}: cannot resolve the name ({reason})", code="fetch-dns")
    return result


def vet(host: str, port: int, allowed: Callable[[Address], bool], timeout: float) -> list[str]:
    """The addresses to connect to for ``host``; every one must be allowed."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    ips = [str(literal)] if literal is not None else _resolve(host, port, timeout)
    for ip in ips:
        addr = ipaddress.ip_address(ip)
        if not allowed(addr):
            what = host if literal is not None else f"{host} ({ip})"
            raise FetchError(
                f"refused: {what} is a private, loopback, link-local or reserved address "
                "(--allow-private to fetch from your own network)",
                code="fetch-refused",
            )
    return ips


# -- connections pinned to a vetted address --------------------------------------------------


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, ip: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._ip = ip
        self._ctx = context

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._ctx.wrap_socket(sock, server_hostname=self.host)


_SSL_CONTEXT: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        _SSL_CONTEXT = ssl.create_default_context()
    return _SSL_CONTEXT


# -- the fetch -------------------------------------------------------------------------------


def _check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, request target) of an acceptable URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"{url}: not a valid URL ({exc})", code="fetch-url") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https URLs can be fetched", code="fetch-url")
    if not parts.hostname:
        raise FetchError(f"{url}: no host name", code="fetch-url")
    if parts.username is not None or parts.password is not None:
        raise FetchError(f"{url}: URLs with a user name or password are not fetched", code="fetch-url")
    host = parts.hostname
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise FetchError(f"{url}: invalid host name", code="fetch-url") from None
    target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return scheme, host, port or (443 if scheme == "https" else 80), target


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.seconds = seconds

    def left(self, url: str) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchError(f"{url}: timed out after {self.seconds:g} s", code="fetch-timeout")
        return left


def _media_type(value: str) -> tuple[str, str | None]:
    """("text/html", "utf-8") from a Content-Type header."""
    if not value:
        return "", None
    kind, _, params = value.partition(";")
    charset = None
    m = re.search(r"charset\s*=\s*[\"']?([\w.:\-]+)", params, re.IGNORECASE)
    if m:
        charset = m.group(1)
    return kind.strip().lower(), charset


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:\-]+)""")


def _known(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name  # as browsers do


def decode_body(content: bytes, declared: str | None) -> tuple[str, str]:
    """(text, encoding): BOM, then the declared charset, then <meta charset> or the XML
    declaration, then UTF-8, then Windows-1252."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if content.startswith(bom):
            return content.decode(enc, errors="replace").lstrip("\ufeff"), enc
    head = content[:4096]
    sniffed = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    candidates = (_known(declared), _known(sniffed.group(1).decode("ascii")) if sniffed else None)
    for candidate in candidates:
        if candidate and not candidate.startswith("utf-16"):
            return content.decode(candidate, errors="replace"), candidate
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # a character cut at the size cap
            return content.decode("utf-8", errors="ignore"), "utf-8"
    return content.decode("cp1252", errors="replace"), "cp1252"


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.05


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _read_body(
    resp: http.client.HTTPResponse,
    sock: socket.socket | None,
    url: str,
    deadline: _Deadline,
    read_timeout: float,
    max_bytes: int,
    truncate: bool,
) -> tuple[bytes, bool]:
    """The body, decompressed, at most ``max_bytes`` of it; (body, truncated)."""
    coding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
    if coding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif coding == "deflate":
        inflater = zlib.decompressobj()
    elif coding in ("identity", ""):
        inflater = None
    else:
        raise FetchError(f"{url}: unsupported content encoding {coding!r}", code="fetch-type")
    out = bytearray()
    pending = b""  # compressed input the inflater has not consumed yet (output was capped)
    while True:
        if sock is not None:
            sock.settimeout(min(read_timeout, deadline.left(url)))
        if inflater is not None and pending:
            data, raw_eof = pending, False
        else:
            try:
                data = resp.read1(CHUNK) if hasattr(resp, "read1") else resp.read(CHUNK)
            except TimeoutError:
                raise FetchError(f"{url}: timed out reading the page", code="fetch-timeout") from None
            except (OSError, http.client.HTTPException) as exc:
                deadline.left(url)  # a read cut by the deadline watchdog is a timeout
                raise FetchError(
                    f"{url}: connection failed while reading ({exc})", code="fetch-connect"
                ) from None
            raw_eof = not data
        if raw_eof:
            deadline.left(url)  # an end cut by the deadline watchdog is a timeout
            if inflater is not None:
                out += inflater.flush()[: max_bytes + 1 - len(out)]
            break
        if inflater is not None:
            try:
                chunk = inflater.decompress(data, max_bytes + 1 - len(out))
            except zlib.error as exc:
                raise FetchError(f"{url}: corrupt compressed body ({exc})", code="fetch-type") from None
            pending = inflater.unconsumed_tail
        else:
            chunk = data
        out += chunk
        if len(out) > max_bytes:
            if not truncate:
                raise FetchError(
                    f"{url}: page is larger than the limit of {max_bytes:,} bytes", code="fetch-too-large"
                )
            return bytes(out[:max_bytes]), True
        if inflater is not None and inflater.eof:
            break
    return bytes(out), False


def fetch(
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    allow_private: bool | Iterable[str | Network] = False,
    user_agent: str = USER_AGENT,
    headers: dict[str, str] | None = None,
    accept: Iterable[str] = HTML_TYPES,
    max_redirects: int = MAX_REDIRECTS,
    truncate: bool = True,
) -> Page:
    """Fetch ``url`` under the guard described in the module documentation.

    ``headers`` are sent as given (``If-None-Match``, ``If-Modified-Since`` for
    conditional requests: a 304 answer returns a Page with status 304 and no body).
    ``accept`` lists the media types taken; pass ``HTML_TYPES | FEED_TYPES`` for feeds.
    """
    if max_bytes < 1:
        raise FetchError("max_bytes must be positive", code="fetch-url")
    allowed = _policy(allow_private)
    accepted = {a.lower() for a in accept}
    deadline = _Deadline(timeout)
    redirects: list[str] = []
    current = url.strip()
    while True:
        scheme, host, port, target = _check_url(current)
        ips = vet(host, port, allowed, deadline.left(current))
        resp, sock, ip, watchdog = _request(
            scheme, host, port, target, ips, current, deadline, connect_timeout, user_agent, headers
        )
        try:
            status = resp.status
            if status in REDIRECTS:
                location = resp.getheader("Location")
                if not location:
                    raise FetchError(
                        f"{current}: redirect ({status}) without a Location", code="fetch-redirect"
                    )
                if len(redirects) >= max_redirects:
                    raise FetchError(f"{url}: more than {max_redirects} redirects", code="fetch-redirect")
                redirects.append(current)
                current = urljoin(current, location.strip())
                continue
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            if status == 304:
                return Page(
                    url=current,
                    text="",
                    content_type="",
                    status=304,
                    headers=hdrs,
                    redirects=tuple(redirects),
                    address=ip,
                )
            if not 200 <= status < 300:
                reason = resp.reason or ""
                raise HTTPStatusError(
                    f"{current}: the server answered {status} {reason}".rstrip(),
                    status_code=status,
                    retry_after=_retry_after(resp.getheader("Retry-After")),
                )
            kind, charset = _media_type(resp.getheader("Content-Type") or "")
            xml_ok = kind.endswith("+xml") and not kind.startswith("image/") and "application/xml" in accepted
            if kind and kind not in accepted and not xml_ok:
                raise FetchError(
                    f"{current}: content type {kind} is not a web page ({', '.join(sorted(accepted))})",
                    code="fetch-type",
                )
            content, truncated = _read_body(
                resp, sock, current, deadline, connect_timeout, max_bytes, truncate
            )
            if _looks_binary(content):
                raise FetchError(f"{current}: the body is binary data, not text", code="fetch-binary")
            text, encoding = decode_body(content, charset)
            return Page(
                url=current,
                text=text,
                content_type=kind,
                status=status,
                headers=hdrs,
                encoding=encoding,
                content=content,
                truncated=truncated,
                redirects=tuple(redirects),
                address=ip,
            )
        finally:
            watchdog.cancel()
            resp.close()
            sock.close()


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _request(
    scheme: str,
    host: str,
    port: int,
    target: str,
    ips: list[str],
    url: str,
    deadline: _Deadline,
    connect_timeout: float,
    user_agent: str,
    extra: dict[str, str] | None,
) -> tuple[http.client.HTTPResponse, socket.socket, str, threading.Timer]:
    """Send the GET to the first vetted address that accepts a connection.

    The total deadline also holds against a server that trickles bytes: a watchdog shuts
    the socket down at the deadline, and the read in progress fails."""
    default_port = 443 if scheme == "https" else 80
    hdrs = {
        "Host": host if port == default_port else f"{host}:{port}",
        "User-Agent": user_agent,
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
        "Accept-Encoding": "gzip, deflate",
        "Accept-Language": "en;q=1.0, *;q=0.5",
        "Connection": "close",
    }
    hdrs.update(extra or {})
    last: Exception | None = None
    for ip in ips:
        wait = min(connect_timeout, deadline.left(url))
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = _PinnedHTTPS(host, port, ip, wait, _ssl_context())
        else:
            conn = _PinnedHTTP(host, port, ip, wait)
        watchdog: threading.Timer | None = None
        try:
            conn.connect()
            # kept here: http.client drops conn.sock once the response owns the connection
            sock = conn.sock
            assert sock is not None
            watchdog = threading.Timer(max(0.0, deadline.end - time.monotonic()), _shutdown, (sock,))
            watchdog.daemon = True
            watchdog.start()
            sock.settimeout(min(connect_timeout, deadline.left(url)))
            conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.endheaders()
            return conn.getresponse(), sock, ip, watchdog
        except FetchError:
            if watchdog is not None:
                watchdog.cancel()
            conn.close()
            raise
        except ssl.SSLError as exc:
            if watchdog is not None:
                watchdog.cancel()
            conn.close()
            if time.monotonic() >= deadline.end:
                raise FetchError(
                    f"{url}: timed out after {deadline.seconds:g} s", code="fetch-timeout"
                ) from None
            raise FetchError(f"{url}: TLS failed ({exc.reason or exc})", code="fetch-connect") from None
        except TimeoutError:
            if watchdog is not None:
                watchdog.cancel()
            conn.close()
            last = FetchError(f"{url}: timed out (connect or first response)", code="fetch-timeout")
        except (OSError, http.client.HTTPException) as exc:
            if watchdog is not None:
                watchdog.cancel()
            conn.close()
            if time.monotonic() >= deadline.end:
                raise FetchError(
                    f"{url}: timed out after {deadline.seconds:g} s", code="fetch-timeout"
                ) from None
            last = FetchError(f"{url}: cannot connect ({exc})", code="fetch-connect")
    assert last is not None
    raise last

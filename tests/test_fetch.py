"""sitrep.fetch against a loopback HTTP server (no network)."""

from __future__ import annotations

import ipaddress
import socket
import time
import zlib

import pytest
from loopback_server import page, redirect, send, serve

from sitrep import fetch as fetchmod
from sitrep.errors import FetchError
from sitrep.fetch import FEED_TYPES, HTML_TYPES, HTTPStatusError, decode_body, fetch, is_public

ARTICLE = (
    "<html><head><title>Shelling in Raqqa</title></head><body><p>Heavy shelling hit Raqqa.</p></body></html>"
)
LOOPBACK = ["127.0.0.0/8"]  # allow just the test server's network, as an intranet user would


@pytest.fixture()
def server():
    with serve() as s:
        yield s


def _code(exc_info: pytest.ExceptionInfo[FetchError]) -> str:
    return exc_info.value.code


# -- the address guard ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "127.8.9.10",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",  # documentation
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",  # 6to4 around 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
        "2001:db8::1",
    ],
)
def test_non_public_addresses(ip):
    assert not is_public(ipaddress.ip_address(ip))


@pytest.mark.parametrize("ip", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001::200e"])
def test_public_addresses(ip):
    assert is_public(ipaddress.ip_address(ip))


def test_loopback_refused_by_default(server):
    server.routes["/a"] = page(ARTICLE)
    with pytest.raises(FetchError) as e:
        fetch(server.url("/a"))
    assert _code(e) == "fetch-refused"
    assert "--allow-private" in e.value.message
    assert server.requests == []  # refused before connecting


def test_localhost_name_refused(server):
    with pytest.raises(FetchError) as e:
        fetch(f"http://localhost:{server.server_address[1]}/a")
    assert _code(e) == "fetch-refused"


@pytest.mark.parametrize(
    "url,code",
    [
        ("ftp://example.org/file", "fetch-url"),
        ("file:///etc/passwd", "fetch-url"),
        ("javascript:alert(1)", "fetch-url"),
        ("http://", "fetch-url"),
        ("http://user:secret@example.org/", "fetch-url"),
        ("http://example.org:99999/", "fetch-url"),
        ("not a url", "fetch-url"),
    ],
)
def test_bad_urls(url, code):
    with pytest.raises(FetchError) as e:
        fetch(url)
    assert _code(e) == code


def test_bad_allow_private():
    with pytest.raises(FetchError):
        fetch("http://127.0.0.1/", allow_private=["not-a-network"])


def test_name_with_any_private_address_refused(monkeypatch):
    """A name that resolves to a public and a private address is refused as a whole."""

    def fake(host, port, *a, **k):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(fetchmod.socket, "getaddrinfo", fake)
    with pytest.raises(FetchError) as e:
        fetch("http://mixed.example/")
    assert _code(e) == "fetch-refused"
    assert "10.1.2.3" in e.value.message


def test_unresolvable_name(monkeypatch):
    def fake(host, port, *a, **k):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(fetchmod.socket, "getaddrinfo", fake)
    with pytest.raises(FetchError) as e:
        fetch("http://nowhere.invalid/")
    assert _code(e) == "fetch-dns"


def test_connection_goes_to_the_vetted_address(server, monkeypatch):
    """The name is resolved once; the connection uses that address (DNS rebinding cannot
    swap it) and the Host header keeps the name."""
    calls = []

    def fake(host, port, *a, **k):
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(fetchmod.socket, "getaddrinfo", fake)
    server.routes["/a"] = page(ARTICLE)
    got = fetch(f"http://news.test:{server.server_address[1]}/a", allow_private=LOOPBACK)
    assert got.status == 200 and got.address == "127.0.0.1"
    assert calls.count("news.test") == 1  # resolved once; the connection is to the IP literal
    assert all(c == "news.test" or ipaddress.ip_address(c) for c in calls)
    assert server.requests[0][1]["host"] == f"news.test:{server.server_address[1]}"


# -- pages ------------------------------------------------------------------------------------


def test_page(server):
    server.routes["/a"] = page(ARTICLE)
    got = fetch(server.url("/a"), allow_private=True)
    assert got.status == 200
    assert got.url == server.url("/a")
    assert got.content_type == "text/html"
    assert "Heavy shelling hit Raqqa." in got.text
    assert not got.truncated and got.redirects == ()
    sent = server.requests[0][1]
    assert sent["user-agent"].startswith("sitrep/")


def test_custom_user_agent_and_networks_list(server):
    server.routes["/a"] = page(ARTICLE)
    fetch(server.url("/a"), allow_private=LOOPBACK, user_agent="tester/1")
    assert server.requests[0][1]["user-agent"] == "tester/1"


def test_gzip_page(server):
    server.routes["/a"] = page(ARTICLE, gzipped=True)
    got = fetch(server.url("/a"), allow_private=True)
    assert "Heavy shelling" in got.text


def test_charset_from_header_and_meta(server):
    body = "<html><body><p>Caf\u00e9 \u2013 \u201cquoted\u201d</p></body></html>"
    server.routes["/h"] = page(body.encode("cp1252"), "text/html; charset=windows-1252")
    server.routes["/m"] = page(
        b'<html><head><meta charset="windows-1252"></head>' + body.encode("cp1252"), "text/html"
    )
    for path in ("/h", "/m"):
        got = fetch(server.url(path), allow_private=True)
        assert "Caf\u00e9 \u2013 \u201cquoted\u201d" in got.text, path


def test_decode_body_fallbacks():
    assert decode_body("na\u00efve".encode(), None) == ("na\u00efve", "utf-8")
    assert decode_body("na\u00efve".encode("cp1252"), None) == ("na\u00efve", "cp1252")
    assert decode_body(b"\xef\xbb\xbfhi", "iso-8859-1")[0] == "hi"
    assert decode_body(b"abc", "no-such-charset")[0] == "abc"
    # a UTF-8 character cut in half at the size cap is dropped, not a reason to change encoding
    assert decode_body("abc \u00e9".encode()[:-1], None) == ("abc ", "utf-8")


def test_missing_content_type_is_sniffed(server):
    server.routes["/a"] = page(ARTICLE, content_type=None)
    assert "Heavy shelling" in fetch(server.url("/a"), allow_private=True).text


# -- redirects --------------------------------------------------------------------------------


def test_redirects_followed(server):
    server.routes["/old"] = redirect("/older", 301)
    server.routes["/older"] = redirect(server.url("/new"), 307)
    server.routes["/new"] = page(ARTICLE)
    got = fetch(server.url("/old"), allow_private=True)
    assert got.url == server.url("/new")
    assert got.redirects == (server.url("/old"), server.url("/older"))
    assert "Heavy shelling" in got.text


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://[::1]/",
        "http://[::ffff:192.168.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_redirect_to_private_address_refused(server, target):
    server.routes["/go"] = redirect(target)
    with pytest.raises(FetchError) as e:
        fetch(server.url("/go"), allow_private=["127.0.0.1/32"])
    assert _code(e) == "fetch-refused"


def test_redirect_to_other_scheme_refused(server):
    server.routes["/go"] = redirect("file:///etc/passwd")
    with pytest.raises(FetchError) as e:
        fetch(server.url("/go"), allow_private=True)
    assert _code(e) == "fetch-url"


def test_redirect_loop(server):
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a")
    with pytest.raises(FetchError) as e:
        fetch(server.url("/a"), allow_private=True, max_redirects=4)
    assert _code(e) == "fetch-redirect"


def test_redirect_without_location(server):
    server.routes["/a"] = lambda h: send(h, 302, b"", None)
    with pytest.raises(FetchError) as e:
        fetch(server.url("/a"), allow_private=True)
    assert _code(e) == "fetch-redirect"


# -- time limits ------------------------------------------------------------------------------


def test_slow_page_times_out(server):
    def slow(h):
        time.sleep(3)
        send(h, 200, ARTICLE.encode())

    server.routes["/slow"] = slow
    start = time.monotonic()
    with pytest.raises(FetchError) as e:
        fetch(server.url("/slow"), allow_private=True, timeout=5, connect_timeout=0.5)
    assert _code(e) == "fetch-timeout"
    assert time.monotonic() - start < 4  # 0.5 s asked; generous for loaded CI machines


def test_trickling_page_hits_the_total_deadline(server):
    """A server that sends one byte at a time, each within the read timeout, is still
    cut at the total deadline."""

    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        for _ in range(100):
            h.wfile.write(b"<")
            h.wfile.flush()
            time.sleep(0.1)

    server.routes["/trickle"] = trickle
    start = time.monotonic()
    with pytest.raises(FetchError) as e:
        fetch(server.url("/trickle"), allow_private=True, timeout=1.0, connect_timeout=5)
    assert _code(e) == "fetch-timeout"
    assert time.monotonic() - start < 5  # 1 s asked


# -- size cap ---------------------------------------------------------------------------------

HUNDRED_MB = 100 * 1024 * 1024


def _huge(h, chunked: bool = False):
    """100 MB of HTML, written block by block (the test never holds it whole)."""
    block = b"<p>" + b"words of a very long page " * 2500 + b"</p>\n"
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    if chunked:
        h.send_header("Transfer-Encoding", "chunked")
    else:
        h.send_header("Content-Length", str(HUNDRED_MB))
    h.end_headers()
    sent = 0
    while sent < HUNDRED_MB:
        part = block[: HUNDRED_MB - sent]
        h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
        sent += len(part)
    if chunked:
        h.wfile.write(b"0\r\n\r\n")


@pytest.mark.parametrize("chunked", [False, True])
def test_100_mb_page_cut_at_the_cap(server, chunked):
    server.routes["/huge"] = lambda h: _huge(h, chunked)
    start = time.monotonic()
    got = fetch(server.url("/huge"), allow_private=True, max_bytes=1_000_000)
    assert got.truncated
    assert len(got.content) == 1_000_000
    assert got.text.startswith("<p>words of a very long page")
    assert time.monotonic() - start < 15  # never reads the 100 MB


def test_100_mb_page_refused_without_truncation(server):
    server.routes["/huge"] = _huge
    with pytest.raises(FetchError) as e:
        fetch(server.url("/huge"), allow_private=True, max_bytes=1_000_000, truncate=False)
    assert _code(e) == "fetch-too-large"


def test_compression_bomb_cut_at_the_cap(server):
    """100 MB of spaces gzipped to ~100 KB: the cap applies to the decompressed size."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    mb = b" " * (1024 * 1024)
    body = b"".join(comp.compress(mb) for _ in range(100)) + comp.flush()
    assert len(body) < 1_000_000
    server.routes["/bomb"] = page(body, headers={"Content-Encoding": "gzip"})
    got = fetch(server.url("/bomb"), allow_private=True, max_bytes=2_000_000)
    assert got.truncated and len(got.content) == 2_000_000


# -- content types and statuses ---------------------------------------------------------------


@pytest.mark.parametrize(
    "ctype,body",
    [
        ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("application/pdf", b"%PDF-1.4\n"),
        ("application/octet-stream", b"\x00\x01\x02"),
        ("video/mp4", b"\x00\x00\x00\x18ftypmp42"),
    ],
)
def test_non_html_refused(server, ctype, body):
    server.routes["/x"] = page(body, ctype)
    with pytest.raises(FetchError) as e:
        fetch(server.url("/x"), allow_private=True)
    assert _code(e) == "fetch-type"
    assert ctype in e.value.message


def test_binary_body_with_html_type_refused(server):
    server.routes["/x"] = page(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "text/html")
    with pytest.raises(FetchError) as e:
        fetch(server.url("/x"), allow_private=True)
    assert _code(e) == "fetch-binary"


def test_feed_types_only_when_asked(server):
    server.routes["/rss"] = page("<rss><channel></channel></rss>", "application/rss+xml")
    with pytest.raises(FetchError):
        fetch(server.url("/rss"), allow_private=True)
    got = fetch(server.url("/rss"), allow_private=True, accept=HTML_TYPES | FEED_TYPES)
    assert got.content_type == "application/rss+xml"


def test_http_errors(server):
    server.routes["/busy"] = page("busy", "text/plain", status=503, headers={"Retry-After": "7"})
    with pytest.raises(HTTPStatusError) as e:
        fetch(server.url("/busy"), allow_private=True)
    assert e.value.status_code == 503 and e.value.retry_after == 7.0
    assert e.value.code == "fetch-http"
    with pytest.raises(HTTPStatusError) as e:
        fetch(server.url("/missing"), allow_private=True)
    assert e.value.status_code == 404 and "404" in e.value.message


def test_conditional_request_not_modified(server):
    def conditional(h):
        if h.headers.get("If-None-Match") == '"v1"':
            h.send_response(304)
            h.end_headers()
        else:
            send(h, 200, ARTICLE.encode(), headers={"ETag": '"v1"'})

    server.routes["/c"] = conditional
    first = fetch(server.url("/c"), allow_private=True)
    assert first.status == 200 and first.headers["etag"] == '"v1"'
    again = fetch(server.url("/c"), allow_private=True, headers={"If-None-Match": '"v1"'})
    assert again.status == 304 and again.text == ""


def test_connection_refused():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError) as e:
        fetch(f"http://127.0.0.1:{port}/", allow_private=True)
    assert _code(e) == "fetch-connect"


# -- URLs on the command line (the real entry point) ------------------------------------------

PAGE = (
    "<html><head><title>Shelling in Deir ez-Zor</title>"
    "<meta property='article:published_time' content='2017-06-15T09:00:00Z'></head><body>"
    "<article><h1>Shelling in Deir ez-Zor</h1>"
    "<p>Government forces shelled the eastern districts of Deir ez-Zor on Tuesday, killing at least "
    "twelve civilians, according to a monitoring group that tracks casualties in the province.</p>"
    "<p>The strikes hit a market and two residential buildings near the old bridge, residents said.</p>"
    "<h3>Leave A Reply</h3><p>Your email address will not be published.</p></article></body></html>"
)


def test_cli_analyze_url(server):
    import json

    from conftest import run_sitrep

    server.routes["/news"] = page(PAGE)
    refused = run_sitrep("analyze", server.url("/news"), "--format", "jsonl", "-j", "1", "-q")
    assert refused.returncode == 1
    assert b"refused" in refused.stderr and b"--allow-private" in refused.stderr
    assert refused.stdout == b""
    ok = run_sitrep("analyze", server.url("/news"), "--allow-private", "--format", "jsonl", "-j", "1", "-q")
    assert ok.returncode == 0, ok.stderr.decode()
    (record,) = [json.loads(line) for line in ok.stdout.decode().splitlines()]
    assert record["url"] == server.url("/news")
    assert record["title"] == "Shelling in Deir ez-Zor" and record["published"] == "2017-06-15"
    assert "twelve civilians" in record["text"] and "Leave A Reply" not in record["text"]


def test_cli_ingest_url_into_store(server, tmp_path):
    from conftest import run_sitrep

    server.routes["/news"] = page(PAGE)
    server.routes["/img"] = page(b"\x89PNG\r\n\x1a\n\x00\x00", "image/png")
    db = str(tmp_path / "s.db")
    proc = run_sitrep(
        "ingest", server.url("/news"), server.url("/img"), "--db", db, "--allow-private", "-j", "1"
    )
    assert proc.returncode == 1  # the image failed
    assert b"image/png" in proc.stderr
    from sitrep.store import open_store

    with open_store(db) as store:
        (row,) = list(store.articles())
    assert row["url"] == server.url("/news")

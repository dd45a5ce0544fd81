"""WARC archives: one article per HTML response (sitrep.warc through sitrep.ingest)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import run_sitrep
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from sitrep.ingest import read_inputs
from sitrep.warc import is_warc

PARAS = [
    "Government forces shelled the eastern districts of Deir ez-Zor on Tuesday, killing at least twelve "
    "civilians, according to a monitoring group that tracks casualties across the province.",
    "The strikes hit a market and two residential buildings near the old bridge, residents said, and "
    "rescue teams were still searching the rubble for survivors late into the evening.",
]


def html_page(title: str, paras: list[str], date: str = "2017-06-15") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f"<html><head><title>{title}</title><meta property='article:published_time' content='{date}T10:00:00'>"
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}"
        "<div class='comments'><h3>Leave A Reply</h3><p>Your email address will not be published.</p></div>"
        "</article></body></html>"
    ).encode()


def write_warc(path: Path, records: list[tuple[str, str, int, str, bytes]], gzip: bool = True) -> None:
    """records: (type, uri, status, content type, body)."""
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gzip)
        for rtype, uri, status, ctype, body in records:
            if rtype == "response":
                http = StatusAndHeaders(
                    f"{status} {'OK' if status == 200 else 'Moved'}",
                    [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                    protocol="HTTP/1.1",
                )
                rec = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http)
            elif rtype == "request":
                http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example")], is_http_request=True)
                rec = writer.create_warc_record(uri, "request", payload=io.BytesIO(b""), http_headers=http)
            else:
                rec = writer.create_warc_record(uri, rtype, payload=io.BytesIO(body), warc_content_type=ctype)
            writer.write_record(rec)


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "crawl.warc.gz"
    write_warc(
        path,
        [
            ("request", "https://news.example/a", 0, "", b""),
            (
                "response",
                "https://news.example/a",
                200,
                "text/html; charset=utf-8",
                html_page("Shelling in Deir ez-Zor", PARAS),
            ),
            ("response", "https://news.example/old", 301, "text/html", b"<html>moved</html>"),
            ("response", "https://news.example/logo.png", 200, "image/png", b"\x89PNG\r\n\x1a\n\x00\x00"),
            ("response", "https://news.example/app.js", 200, "application/javascript", b"var x = 1;"),
            (
                "response",
                "https://news.example/b",
                200,
                "text/html; charset=windows-1252",
                html_page("Caf\u00e9 attack", [p.replace("market", "caf\u00e9") for p in PARAS]).replace(
                    b"\xc3\xa9", b"\xe9"
                ),
            ),
            ("metadata", "https://news.example/a", 0, "application/warc-fields", b"via: test\r\n"),
            (
                "resource",
                "https://news.example/c.html",
                0,
                "text/html",
                html_page("Resource page", PARAS[::-1]),
            ),
        ],
    )
    return path


def test_is_warc():
    assert is_warc("x.warc") and is_warc("X.WARC.GZ") and is_warc("dir/cc.warc.gz")
    assert not is_warc("x.html") and not is_warc("warc.txt")


def test_one_article_per_html_response(archive: Path):
    articles = list(read_inputs([str(archive)]))
    assert [a.url for a in articles] == [
        "https://news.example/a",
        "https://news.example/b",
        "https://news.example/c.html",
    ]
    a, b, c = articles
    assert not a.errors and a.title == "Shelling in Deir ez-Zor" and a.published == "2017-06-15"
    assert PARAS[0] in a.text and PARAS[1] in a.text
    assert "Leave A Reply" not in a.text and "will not be published" not in a.text
    assert "Shelling in Deir ez-Zor" not in a.text  # the headline is the title, not the body
    assert "caf\u00e9" in b.text  # the declared windows-1252 decoded
    assert c.text.index(PARAS[1][:30]) < c.text.index(PARAS[0][:30])
    assert a._meta["crawled"]


def test_uncompressed_warc_and_directories(tmp_path: Path):
    (tmp_path / "d").mkdir()
    page = html_page("T", PARAS)
    write_warc(
        tmp_path / "d" / "x.warc", [("response", "https://n.example/x", 200, "text/html", page)], gzip=False
    )
    (a,) = list(read_inputs([str(tmp_path / "d")]))
    assert a.url == "https://n.example/x" and PARAS[0] in a.text


def test_oversized_and_empty_records_fail_alone(tmp_path: Path):
    path = tmp_path / "big.warc.gz"
    write_warc(
        path,
        [
            (
                "response",
                "https://n.example/big",
                200,
                "text/html",
                b"<html><body><p>" + b"word " * 40_000 + b"</p></body></html>",
            ),
            ("response", "https://n.example/empty", 200, "text/html", b"   "),
            ("response", "https://n.example/ok", 200, "text/html", html_page("T", PARAS)),
        ],
    )
    big, empty, ok = list(read_inputs([str(path)], max_bytes=100_000))
    assert [e.code for e in big.errors] == ["too-large"] and "n.example/big" in big.errors[0].message
    assert [e.code for e in empty.errors] == ["empty"]
    assert not ok.errors and PARAS[0] in ok.text


def test_not_a_warc(tmp_path: Path):
    bad = tmp_path / "bad.warc"
    bad.write_bytes(b"this is not an archive\n" * 10)
    (a,) = list(read_inputs([str(bad)]))
    assert [e.code for e in a.errors] == ["invalid-warc"] and "bad.warc" in a.errors[0].message


def test_truncated_archive(tmp_path: Path, archive: Path):
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(archive.read_bytes()[:-200])
    articles = list(read_inputs([str(cut)]))
    assert articles and articles[0].url == "https://news.example/a" and not articles[0].errors
    # the damaged tail is read as far as it goes or reported; never a traceback
    assert len(articles) <= 3
    assert all(not a.errors or a.errors[0].code == "invalid-warc" for a in articles)
    half = tmp_path / "half.warc.gz"
    half.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert len(list(read_inputs([str(half)]))) <= 3


def test_missing_archive(tmp_path: Path):
    (a,) = list(read_inputs([str(tmp_path / "nope.warc.gz")]))
    assert [e.code for e in a.errors] == ["unreadable"]


def test_cli_analyze_warc(archive: Path):
    proc = run_sitrep("analyze", str(archive), "--format", "jsonl", "-j", "1", "-q")
    assert proc.returncode == 0, proc.stderr.decode()
    records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["url"] for r in records] == [
        "https://news.example/a",
        "https://news.example/b",
        "https://news.example/c.html",
    ]
    assert all("Leave A Reply" not in r["text"] for r in records)

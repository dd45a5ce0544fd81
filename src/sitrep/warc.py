"""WARC files (the web-archive format of Common Crawl, wget --warc-file, Heritrix...):
one article per HTML response, read with ``warcio``.

The archive is streamed (``.warc`` or ``.warc.gz``, any size); each ``response`` (or
``resource``) record with status 200 and an HTML or XHTML body becomes an article through
the same extraction as any page, with the record's target URI as its ``url``. Other
records (requests, metadata, images, scripts, redirects) are skipped. A record over the
size limit, or one that cannot be decoded, becomes a failed article naming the record; an
archive that is not a WARC at all becomes one failed article.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .record import Article

log = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_warc(path: str | Path) -> bool:
    return str(path).lower().endswith(WARC_SUFFIXES)


def read_warc(path: str | Path, max_bytes: int, **options: Any) -> Iterator[Article]:
    """Every HTML response of the archive at ``path`` as an article, in archive order."""
    from .ingest import failed

    name = str(path)
    try:
        stream = open(path, "rb")  # noqa: SIM115 (closed below; the generator may be left early)
    except OSError as exc:
        yield failed(name, "unreadable", f"cannot read {name}: {exc.strerror or exc}")
        return
    try:
        if not _has_signature(stream.read(4096)):
            yield failed(name, "invalid-warc", f"{name}: not a WARC or ARC archive (no WARC/ARC header)")
            return
        stream.seek(0)
        yield from read_warc_stream(stream, name, max_bytes)
    finally:
        stream.close()


def _has_signature(head: bytes) -> bool:
    """Whether the first bytes (gzipped or not) start a WARC or ARC record."""
    import zlib

    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            return False
    head = head.lstrip(b"\r\n")
    return head.startswith((b"WARC/", b"filedesc://"))


def read_warc_stream(stream: IO[bytes], name: str, max_bytes: int) -> Iterator[Article]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    from .fetch import _looks_binary, _media_type, decode_body
    from .ingest import article_from_html, article_from_text, failed

    n_html = 0
    try:
        for record in ArchiveIterator(stream, arc2warc=True):
            if record.rec_type not in ("response", "resource"):
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            where = f"{name}#{uri or record.rec_headers.get_header('WARC-Record-ID')}"
            if record.http_headers is not None:
                status = record.http_headers.get_statuscode()
                if status and status != "200":
                    continue
                ctype = record.http_headers.get_header("Content-Type") or ""
            else:
                ctype = record.rec_headers.get_header("Content-Type") or ""
            kind, charset = _media_type(ctype)
            if kind not in HTML_TYPES and kind != "text/plain":
                continue
            n_html += 1
            body = record.content_stream().read(max_bytes + 1)
            if len(body) > max_bytes:
                yield failed(
                    where,
                    "too-large",
                    f"{uri or 'record'} is over the limit of {max_bytes:,} bytes (--max-bytes)",
                )
                continue
            if not body.strip():
                yield failed(where, "empty", f"{uri or 'record'} has an empty body")
                continue
            if _looks_binary(body):
                yield failed(where, "binary", f"{uri or 'record'} is binary data, not a page")
                continue
            text, encoding = decode_body(body, charset)
            if kind == "text/plain":
                article = article_from_text(text, url=uri or None, origin=where)
            else:
                article = article_from_html(text, url=uri or None, origin=where)
            article._meta["encoding"] = encoding
            crawled = record.rec_headers.get_header("WARC-Date")
            if crawled:
                article._meta["crawled"] = crawled
            yield article
    except ArchiveLoadFailed as exc:
        yield failed(name, "invalid-warc", f"{name}: not a readable WARC/ARC archive ({_first_line(exc)})")
        return
    except (OSError, EOFError, ValueError) as exc:  # truncated gzip member, bad chunking...
        yield failed(name, "invalid-warc", f"{name}: archive is damaged ({_first_line(exc)})")
        return
    if n_html == 0:
        log.info("%s: no HTML responses in the archive", name)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__

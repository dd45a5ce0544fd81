"""Ingest: bytes from files, directories, stdin or JSON Lines -> Articles.

Each input item becomes one ``Article``. What cannot be read (a missing or unreadable
file, a binary file, a file over the size limit, an invalid JSON line) becomes an Article
with no text and an ``errors`` entry saying why, so a batch reports every failure and
loses nothing silently.

For plain text the record's ``text`` is the input with boilerplate lines removed (comment
forms, share bars: ``data/boilerplate.yaml``); offsets refer to it. The title, the dateline
("RAQQA, SYRIA (June 15, 2017) –") and the publication date (metadata, dateline, or a first
line such as "Wed 05 Apr 2017") are read from the text when not given.
"""

from __future__ import annotations

import glob
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from .dateline import DATELINE
from .errors import SitrepError
from .extract import drop_boilerplate, extract_html
from .record import Article, content_hash
from .timex import parse_date
from .warc import is_warc, read_warc

DEFAULT_MAX_BYTES = int(os.environ.get("SITREP_MAX_BYTES", 10 * 1024 * 1024))
MIN_ARTICLE_WORDS = 12  # a page whose main text is shorter holds no article (menus, error pages)
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
JSON_SUFFIXES = {".json"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | JSON_SUFFIXES

FIRST_LINE_DATE = re.compile(
    r"^\s*(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?(?:\d{1,2}\s+[A-Za-z]{3,9}\.?,?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d\d-\d\d|\d{1,2}[./-]\d{1,2}[./-]\d{4})",
    re.IGNORECASE,
)


# Where a page's own date sits near the top of its text: after a publication cue
# ("Posted on", "Published", "Date of publication", "Last updated at"), after a weekday
# ("AFP Friday 15 Jul 2016", "Wed 05 Apr 2017"), or at the very start.
LEAD_CUE = re.compile(
    r"^\s*|\b(?:posted|published|updated|date of publication|dated|first published)\b(?:\s+(?:on|at))?\s*:?\s*"
    r"|\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+(?=\d)",
    re.IGNORECASE,
)
GLUED_YEAR = re.compile(r"^([A-Za-z]{3,9}\.?)\s+(\d{1,2})((?:19|20)\d\d)\b")  # "Apr 232017"
LEAD_CHARS = 400


# A full date that is not part of the story's own sentences: not after a preposition
# ("on March 3, 2011", "since ..."), within the first lines (scraped pages glue metadata there).
BARE_DATE = re.compile(
    r"(?<!\bon )(?<!\bin )(?<!\bsince )(?<!\bfrom )(?<!\buntil )(?<!\bby )(?<!\bof )(?<!\bbefore )(?<!\bafter )"
    r"\b(?:\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
BARE_CHARS = 200


def lead_date(text: str) -> str | None:
    """The publication date a text states near its top (see LEAD_CUE and BARE_DATE), else None."""
    head = text.lstrip()[:LEAD_CHARS]
    for m in LEAD_CUE.finditer(head):
        rest = GLUED_YEAR.sub(r"\1 \2 \3", head[m.end() : m.end() + 40])
        if FIRST_LINE_DATE.match(rest):
            found = parse_date(rest)
            if found:
                return found
    bare = BARE_DATE.search(head[:BARE_CHARS])
    return parse_date(bare.group(0)) if bare else None


def looks_binary(data: bytes) -> bool:
    """NUL bytes, or many control characters, in the first 8 KB."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and controls / len(head) > 0.05


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with: UTF-8 (with or without BOM), else
    Windows-1252 (the usual encoding of old Western news files), else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def failed(origin: str, code: str, message: str) -> Article:
    """An input that could not be read: no text, one error, an id naming the input."""
    article = Article(text="", id=origin)
    article._origin = origin
    return article.fail("ingest", code, message)


def _title_of(text: str) -> str | None:
    """A first line that reads like a headline: short, no final period, followed by a blank line."""
    m = re.match(r"\s*([^\n]{3,200})\n\s*\n", text)
    if not m:
        return None
    line = m.group(1).strip()
    if line.endswith((".", ":", ";", ",")) or DATELINE.match(line + " - ") and line.isupper():
        return None
    if FIRST_LINE_DATE.match(line) and len(line) < 40:
        return None
    return line


def _dateline(text: str) -> tuple[str | None, str | None]:
    """(place mention, ISO date) from a dateline at the start of the first body paragraph."""
    for para in re.split(r"\n\s*\n", text, maxsplit=3)[:3]:
        m = DATELINE.match(para)
        if not m:
            continue
        place = m.group("place").strip().rstrip(",")
        if len(place) < 3 or not any(c.isalpha() for c in place):
            continue
        date = parse_date(m.group(0))
        return place, date
    return None, None


def article_from_text(
    text: str,
    *,
    id: str | None = None,
    title: str | None = None,
    published: str | None = None,
    source: str | None = None,
    url: str | None = None,
    author: str | None = None,
    origin: str | None = None,
    clean: bool = True,
) -> Article:
    """An Article from plain text; title, dateline and date are read from the text when not given."""
    body = drop_boilerplate(text) if clean else text
    place, dateline_date = _dateline(body)
    if published:
        published = parse_date(str(published)) or (
            str(published)[:10] if re.match(r"\d{4}-\d\d-\d\d", str(published)) else None
        )
    if not published:
        published = dateline_date
    if not published:
        published = lead_date(body)
    article = Article(
        text=body,
        id=str(id) if id is not None and str(id) != "" else None,
        url=url,
        source=source or (urlparse(url).hostname if url else None),
        title=title.strip() if isinstance(title, str) and title.strip() else _title_of(body),
        published=published,
        dateline={"mention": place} if place else None,
        author=author,
    )
    article._origin = origin
    return article


def article_from_html(
    html: str, *, url: str | None = None, origin: str | None = None, **fields: Any
) -> Article:
    """An Article from a raw page: the extracted body is the record's text."""
    page = extract_html(html, url=url)
    words = len(page.text.split())
    if words < MIN_ARTICLE_WORDS:
        found = f"only {words} words of text" if words else "no text"
        article = failed(
            fields.get("id") or origin or url or "html", "no-article", f"no article in the page ({found})"
        )
        article.url = url
        return article
    article = article_from_text(
        page.text,
        id=fields.get("id"),
        title=fields.get("title") or page.title,
        published=fields.get("published") or page.published,
        source=fields.get("source") or page.site_name,
        url=url or page.url,
        author=page.author,
        origin=origin,
        clean=False,
    )
    if page.date_source and not fields.get("published"):
        article._meta["date_source"] = page.date_source
    if page.language:
        article._meta["declared_language"] = page.language
    return article


def article_from_object(obj: Any, origin: str = "<object>") -> Article:
    """An Article from a JSON object ``{"id","text"|"html","title","published","source","url"}``."""
    if not isinstance(obj, dict):
        return failed(origin, "invalid-json", f"expected a JSON object, got {type(obj).__name__}")
    fields: dict[str, Any] = {k: obj.get(k) for k in ("id", "title", "source", "url")}
    fields["published"] = obj.get("published") or obj.get("date")
    if fields["id"] is not None:
        fields["id"] = str(fields["id"])
    text, html = obj.get("text"), obj.get("html")
    if isinstance(text, str) and text.strip():
        return article_from_text(text, origin=origin, **fields)
    if isinstance(html, str) and html.strip():
        url = fields.pop("url")
        return article_from_html(html, url=url, origin=origin, **fields)
    return failed(fields["id"] or origin, "empty", 'object has no "text" or "html"')


def read_jsonl(stream: IO[str], name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article]:
    """One Article per line; a bad line becomes a failure naming its line number."""
    for lineno, line in enumerate(stream, 1):
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        if len(line) > max_bytes:
            yield failed(
                where, "too-large", f"line {lineno} has {len(line):,} characters (limit {max_bytes:,} bytes)"
            )
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield failed(
                where, "invalid-json", f"line {lineno}: invalid JSON ({exc.msg} at column {exc.colno})"
            )
            continue
        yield article_from_object(obj, where)


def read_json(text: str, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article]:
    """A .json file: one article object, or an array of them (JSON Lines also accepted)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several objects, one per line
            yield from read_jsonl(io.StringIO(text), name, max_bytes)
        else:
            yield failed(
                name, "invalid-json", f"invalid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            )
        return
    items = doc if isinstance(doc, list) else [doc]
    for i, obj in enumerate(items, 1):
        yield article_from_object(obj, f"{name}[{i}]" if isinstance(doc, list) else name)


def _kind(path: Path, head: str) -> str:
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in HTML_SUFFIXES:
        return "html"
    start = head.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html")) or "<body" in start:
        return "html"
    return "text"


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article]:
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield failed(name, "unreadable", f"cannot read {name}: {exc.strerror or exc}")
        return
    if is_warc(path):  # streamed: the limit applies to each record, not to the archive
        yield from read_warc(path, max_bytes=max_bytes)
        return
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                yield from read_jsonl(f, name, max_bytes)
        except OSError as exc:
            yield failed(name, "unreadable", f"cannot read {name}: {exc.strerror or exc}")
        return
    if size > max_bytes:
        yield failed(
            name,
            "too-large",
            f"{name} is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.1f} MB (--max-bytes)",
        )
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield failed(name, "unreadable", f"cannot read {name}: {exc.strerror or exc}")
        return
    yield from read_bytes(data, name, _kind(path, data[:512].decode("latin-1")), max_bytes)


def read_bytes(
    data: bytes, name: str, kind: str = "text", max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Article]:
    if not data.strip():
        yield failed(name, "empty", f"{name} is empty")
        return
    if len(data) > max_bytes:
        yield failed(
            name,
            "too-large",
            f"{name} is {len(data) / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.1f} MB",
        )
        return
    if looks_binary(data):
        yield failed(name, "binary", f"{name} is a binary file, not text or HTML")
        return
    text, encoding = decode(data)
    if kind == "jsonl":
        yield from read_jsonl(io.StringIO(text), name, max_bytes)
        return
    if kind == "json":
        yield from read_json(text, name, max_bytes)
        return
    if kind == "html":
        article = article_from_html(text, origin=name)
    else:
        article = article_from_text(text, origin=name)
    article._meta["encoding"] = encoding
    yield article


def read_stdin(stream: IO[bytes] | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Article]:
    """stdin: JSON Lines when it starts with '{', else one text (or HTML) article."""
    raw = stream if stream is not None else sys.stdin.buffer
    if not hasattr(raw, "peek"):
        raw = io.BufferedReader(raw)  # type: ignore[arg-type]
    head = raw.peek(1024)[:1024].lstrip()  # type: ignore[attr-defined]
    if head.startswith(b"{"):
        yield from read_jsonl(io.TextIOWrapper(raw, encoding="utf-8", errors="replace"), "<stdin>", max_bytes)
        return
    data = raw.read(max_bytes + 1)
    kind = "html" if head[:200].lower().startswith((b"<!doctype html", b"<html")) else "text"
    yield from read_bytes(data, "<stdin>", kind, max_bytes)


def _walk(folder: str) -> list[str]:
    """Files with known suffixes under ``folder``, sorted; folders that cannot be listed
    are returned too, so reading them reports the failure."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder, onerror=lambda err: found.append(err.filename)):
        dirs.sort()
        found.extend(
            os.path.join(root, f)
            for f in sorted(files)
            if (Path(f).suffix.lower() in KNOWN_SUFFIXES or is_warc(f)) and not f.startswith(".")
        )
    return found


def expand(inputs: Iterable[str]) -> Iterator[str]:
    """Paths, directories (recursively, known suffixes, sorted), globs, URLs and '-'."""
    for item in inputs:
        if item == "-" or item.startswith(("http://", "https://")):
            yield item
        elif os.path.isdir(item):
            yield from _walk(item)
        elif any(c in item for c in "*?[") and not os.path.exists(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                yield item  # reported as missing by read_file
            yield from matches
        else:
            yield item


def read_inputs(
    inputs: Iterable[str], max_bytes: int = DEFAULT_MAX_BYTES, **options: Any
) -> Iterator[Article]:
    """Every article of every input, in order, streaming (a large JSONL file is never
    held in memory whole)."""
    for item in expand(inputs):
        if item == "-":
            yield from read_stdin(max_bytes=max_bytes)
        elif item.startswith(("http://", "https://")):
            yield from read_url(item, max_bytes=max_bytes, **options)
        else:
            yield from read_file(Path(item), max_bytes)


def read_url(url: str, max_bytes: int = DEFAULT_MAX_BYTES, **options: Any) -> Iterator[Article]:
    """A web page, fetched with the guard of ``sitrep.fetch`` (no private addresses, size
    and time limits), as an article."""
    try:
        from .fetch import fetch
    except ImportError:
        yield failed(url, "unsupported", "fetching URLs is not available in this installation")
        return
    try:
        page = fetch(url, max_bytes=max_bytes, allow_private=options.get("allow_private", False))
    except SitrepError as exc:
        yield failed(url, exc.code, exc.message)
        return
    yield article_from_html(page.text, url=page.url, origin=url)


def stable_id(article: Article) -> str:
    """The id an article is stored under: its own, else the hash of its text."""
    return article.id or content_hash(article.text)

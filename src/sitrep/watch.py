"""Watching news feeds: poll RSS / Atom / JSON feeds, fetch the new items, analyse them and
store them (``sitrep watch FEED... --db FILE --every 10m``).

- Feeds are fetched with the guard of ``sitrep.fetch`` (same limits as any URL) and with
  conditional requests (ETag / Last-Modified): an unchanged feed costs a 304.
- Each item is known by its guid / Atom id (else its link); items already seen are never
  fetched again, also after a restart: the state lives in the store itself (tables
  ``watch_feeds`` and ``watch_items``, migration 3), beside the articles.
- A new item's page is fetched and extracted like any URL (the feed's own content is used
  when the item has no link, or when its page cannot be fetched); the article is analysed
  by the default pipeline and added to the store (idempotent).
- Errors back off: a feed that fails is polled again after ``every * 2**failures`` (at
  most ``MAX_BACKOFF``, or later when the server says Retry-After); an item whose page
  failed is retried on the next polls, ``MAX_ATTEMPTS`` times in all.
- One line per new article is logged; Ctrl-C (or SIGTERM) stops between two items, with
  everything done so far stored.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from .errors import FetchError, InputError, SitrepError, UsageError
from .fetch import FEED_TYPES, HTML_TYPES, HTTPStatusError, Page, fetch
from .record import Article

log = logging.getLogger(__name__)

DEFAULT_EVERY = 600.0  # seconds between polls of one feed
MAX_BACKOFF = 6 * 3600.0
MAX_ATTEMPTS = 3  # fetches of one item's page before it is given up
MAX_FEED_BYTES = 5 * 1024 * 1024


class FeedError(InputError):
    code = "feed"


# -- durations --------------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str | float) -> float:
    """Seconds from "90", "30s", "10m", "1h30m", "2h", "1d"."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            seconds = float(text)
        else:
            parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhd])", text)
            if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*([smhd])", "", text).strip():
                raise UsageError(f"{value!r} is not a duration (examples: 90s, 10m, 1h, 1d)")
            seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise UsageError(f"{value!r}: the interval must be positive")
    return seconds


# -- feeds ------------------------------------------------------------------------------------


@dataclass(slots=True)
class FeedItem:
    id: str
    url: str | None = None
    title: str | None = None
    published: str | None = None  # ISO date
    content: str | None = None  # the item's own HTML / text (description, content:encoded)


@dataclass(slots=True)
class Feed:
    title: str | None = None
    items: list[FeedItem] = field(default_factory=list)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child(el: Any, *names: str) -> Any:
    for c in el:
        if _local(c.tag) in names:
            return c
    return None


def _text(el: Any) -> str | None:
    if el is None:
        return None
    text = "".join(el.itertext()).strip()
    return text or None


def _date(value: str | None) -> str | None:
    """ISO date from RFC 822 (RSS) or ISO 8601 (Atom) dates."""
    if not value:
        return None
    value = value.strip()
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)", value)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            return None
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _item_id(guid: str | None, link: str | None, title: str | None, published: str | None) -> str:
    if guid:
        return guid.strip()
    if link:
        return link.strip()
    return "sha1:" + hashlib.sha1(f"{title}\n{published}".encode()).hexdigest()


def parse_feed(data: bytes | str, base_url: str | None = None) -> Feed:
    """The items of an RSS 2.0, RSS 1.0 (RDF), Atom or JSON Feed document."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    head = raw.lstrip()[:1]
    if head in (b"{", b"["):
        return _parse_json_feed(raw, base_url)
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(raw, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not an RSS or Atom feed ({exc})") from None
    if root is None:
        raise FeedError("not an RSS or Atom feed (empty document)")
    kind = _local(root.tag)
    feed = Feed()
    if kind == "feed":  # Atom
        feed.title = _text(_child(root, "title"))
        for entry in (e for e in root if _local(e.tag) == "entry"):
            link = None
            for ln in (c for c in entry if _local(c.tag) == "link"):
                if (ln.get("rel") or "alternate") == "alternate" and ln.get("href"):
                    link = urljoin(base_url or "", ln.get("href").strip())
                    break
            title = _text(_child(entry, "title"))
            published = _date(_text(_child(entry, "published")) or _text(_child(entry, "updated")))
            content = _child(entry, "content")
            content = content if content is not None else _child(entry, "summary")
            feed.items.append(
                FeedItem(
                    id=_item_id(_text(_child(entry, "id")), link, title, published),
                    url=link,
                    title=title,
                    published=published,
                    content=_text(content),
                )
            )
        return feed
    if kind in ("rss", "rdf"):
        channel = _child(root, "channel")
        feed.title = _text(_child(channel, "title")) if channel is not None else None
        containers = [root] + ([channel] if channel is not None else [])
        for container in containers:
            for item in (e for e in container if _local(e.tag) == "item"):
                link = _text(_child(item, "link"))
                link = urljoin(base_url or "", link) if link else None
                guid_el = _child(item, "guid")
                guid = _text(guid_el)
                if not link and guid and guid_el.get("isPermaLink", "true").lower() != "false":
                    if guid.startswith(("http://", "https://")):
                        link = guid
                title = _text(_child(item, "title"))
                published = _date(_text(_child(item, "pubdate")) or _text(_child(item, "date")))
                content = _child(item, "encoded")
                content = content if content is not None else _child(item, "description")
                feed.items.append(
                    FeedItem(
                        id=_item_id(
                            guid or item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"),
                            link,
                            title,
                            published,
                        ),
                        url=link,
                        title=title,
                        published=published,
                        content=_text(content),
                    )
                )
        return feed
    raise FeedError(f"not an RSS or Atom feed (root element <{kind}>)")


def _parse_json_feed(raw: bytes, base_url: str | None) -> Feed:
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise FeedError(f"not a JSON feed ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise FeedError('not a JSON feed (no "items" list)')
    feed = Feed(title=doc.get("title") if isinstance(doc.get("title"), str) else None)
    for item in doc["items"]:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        link = urljoin(base_url or "", link) if isinstance(link, str) else None
        title = item.get("title") if isinstance(item.get("title"), str) else None
        published = _date(item.get("date_published") if isinstance(item.get("date_published"), str) else None)
        content = item.get("content_html") or item.get("content_text") or item.get("summary")
        guid = str(item["id"]) if item.get("id") is not None else None
        feed.items.append(
            FeedItem(
                id=_item_id(guid, link, title, published),
                url=link,
                title=title,
                published=published,
                content=content if isinstance(content, str) else None,
            )
        )
    return feed


# -- state ------------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


class WatchState:
    """What the watcher remembers, in the store's ``watch_feeds`` / ``watch_items`` tables."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def feed(self, url: str) -> dict[str, Any]:
        rows = list(self.store.query("SELECT * FROM watch_feeds WHERE url = ?", (url,)))
        return rows[0] if rows else {"url": url, "failures": 0}

    def save_feed(self, url: str, **values: Any) -> None:
        cols = ["url", *values]
        assignments = ", ".join(f"{c} = excluded.{c}" for c in values)
        with self.store.transaction():
            self.store.execute(
                f"INSERT INTO watch_feeds ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) "
                f"ON CONFLICT (url) DO UPDATE SET {assignments}",
                (url, *values.values()),
            )

    def item(self, feed_url: str, item_id: str) -> dict[str, Any] | None:
        rows = list(
            self.store.query(
                "SELECT * FROM watch_items WHERE feed_url = ? AND item_id = ?", (feed_url, item_id)
            )
        )
        return rows[0] if rows else None

    def save_item(
        self, feed_url: str, item: FeedItem, *, attempts: int, outcome: str, article_id: str | None
    ) -> None:
        with self.store.transaction():
            self.store.execute(
                "INSERT INTO watch_items (feed_url, item_id, url, first_seen, attempts, outcome, article_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (feed_url, item_id) DO UPDATE SET "
                "attempts = excluded.attempts, outcome = excluded.outcome, article_id = excluded.article_id",
                (feed_url, item.id, item.url, _stamp(_now()), attempts, outcome, article_id),
            )


# -- the watcher ------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    """What one poll did with one feed."""

    feed: str
    status: str  # "ok", "not-modified", "error", "skipped" (not due yet)
    new: int = 0
    failed: int = 0
    message: str = ""


Fetcher = Callable[..., Page]


class Watcher:
    """Polls feeds into a store. ``poll()`` makes one pass over the feeds that are due;
    ``run()`` polls until ``stop()`` (or Ctrl-C)."""

    def __init__(
        self,
        feeds: Sequence[str],
        store: Any,
        *,
        every: float = DEFAULT_EVERY,
        allow_private: bool = False,
        max_bytes: int = 10 * 1024 * 1024,
        timeout: float = 30.0,
        analyse: Callable[[Article], Article] | None = None,
        fetcher: Fetcher = fetch,
        echo: Callable[[str], None] | None = None,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        if not feeds:
            raise UsageError("no feeds to watch")
        for url in feeds:
            if not url.startswith(("http://", "https://")):
                raise UsageError(f"{url}: a feed is an http:// or https:// URL")
        self.feeds = list(dict.fromkeys(feeds))
        self.store = store
        self.state = WatchState(store)
        self.every = every
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._analyse = analyse
        self.fetcher = fetcher
        self.echo = echo or (lambda line: log.info("%s", line))
        self.clock = clock
        self._stop = threading.Event()

    # -- control --
    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, max_polls: int | None = None) -> None:
        """Poll until stopped: each feed when it is due, sleeping in between."""
        polls = 0
        while not self.stopping:
            self.poll()
            polls += 1
            if max_polls is not None and polls >= max_polls:
                return
            self._stop.wait(self._sleep_time())

    def _sleep_time(self) -> float:
        now = self.clock()
        due = [self._next_poll(url) for url in self.feeds]
        waits = [(d - now).total_seconds() for d in due if d is not None]
        return max(1.0, min(waits)) if waits else 1.0

    def _next_poll(self, url: str) -> dt.datetime | None:
        value = self.state.feed(url).get("next_poll")
        return dt.datetime.fromisoformat(value) if value else None

    # -- one pass --
    def poll(self, force: bool = False) -> list[Outcome]:
        """Poll every feed that is due (all of them with ``force``)."""
        out = []
        for url in self.feeds:
            if self.stopping:
                break
            due = self._next_poll(url)
            if not force and due is not None and due > self.clock():
                out.append(Outcome(url, "skipped"))
                continue
            out.append(self.poll_feed(url))
        return out

    def poll_feed(self, url: str) -> Outcome:
        state = self.state.feed(url)
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        now = self.clock()
        try:
            page = self.fetcher(
                url,
                max_bytes=min(self.max_bytes, MAX_FEED_BYTES),
                timeout=self.timeout,
                allow_private=self.allow_private,
                headers=headers,
                accept=FEED_TYPES | HTML_TYPES,
                truncate=False,
            )
            feed = (
                parse_feed(page.content or page.text.encode("utf-8"), page.url)
                if page.status != 304
                else None
            )
        except SitrepError as exc:
            failures = int(state.get("failures") or 0) + 1
            wait = min(self.every * 2 ** (failures - 1), MAX_BACKOFF)
            retry_after = getattr(exc, "retry_after", None)
            if retry_after:
                wait = max(wait, min(float(retry_after), MAX_BACKOFF))
            self.state.save_feed(
                url,
                failures=failures,
                last_polled=_stamp(now),
                last_error=exc.message,
                next_poll=_stamp(now + dt.timedelta(seconds=wait)),
            )
            log.warning("feed %s failed (%s); next try in %s", url, exc.message, _human(wait))
            return Outcome(url, "error", message=exc.message)
        common = {
            "failures": 0,
            "last_polled": _stamp(now),
            "last_ok": _stamp(now),
            "last_error": None,
            "next_poll": _stamp(now + dt.timedelta(seconds=self.every)),
        }
        if feed is None:
            self.state.save_feed(url, **common)
            return Outcome(url, "not-modified")
        self.state.save_feed(
            url,
            title=feed.title,
            etag=page.headers.get("etag"),
            last_modified=page.headers.get("last-modified"),
            **common,
        )
        result = Outcome(url, "ok")
        # oldest first, so the log reads in publication order
        for item in reversed(feed.items):
            if self.stopping:
                break
            done = self._take(url, feed, item)
            if done is True:
                result.new += 1
            elif done is False:
                result.failed += 1
        return result

    def _take(self, feed_url: str, feed: Feed, item: FeedItem) -> bool | None:
        """Ingest one item unless already done; True when stored, False when it failed,
        None when there was nothing to do."""
        seen = self.state.item(feed_url, item.id)
        if seen is not None and seen["outcome"] != "failed":
            return None  # stored, or given up
        attempts = int(seen["attempts"]) + 1 if seen else 1
        article, error = self._article(item)
        if article is None:
            outcome = "failed" if attempts < MAX_ATTEMPTS else "given-up"
            self.state.save_item(feed_url, item, attempts=attempts, outcome=outcome, article_id=None)
            log.warning(
                "item %s failed (%s)%s",
                item.url or item.id,
                error,
                "; given up" if outcome == "given-up" else "",
            )
            return False
        article = self.analyse(article)
        if not article.text:
            outcome = "failed" if attempts < MAX_ATTEMPTS else "given-up"
            self.state.save_item(feed_url, item, attempts=attempts, outcome=outcome, article_id=None)
            return False
        stored = self.store.add(article)
        self.state.save_item(feed_url, item, attempts=attempts, outcome=stored.outcome, article_id=stored.id)
        if stored.outcome == "unchanged":
            return None
        self.echo(_line(feed, article, stored.id))
        return True

    def _article(self, item: FeedItem) -> tuple[Article | None, str]:
        from .extract import fragment_text
        from .ingest import MIN_ARTICLE_WORDS, article_from_html, article_from_text

        error = "no link and no content"
        if item.url:
            try:
                page = self.fetcher(
                    item.url, max_bytes=self.max_bytes, timeout=self.timeout, allow_private=self.allow_private
                )
                article = article_from_html(page.text, url=page.url, origin=item.url, id=None)
                if not article.errors:
                    return self._fill(article, item), ""
                error = "; ".join(e.message for e in article.errors)
            except FetchError as exc:
                error = exc.message
                if isinstance(exc, HTTPStatusError) and exc.status_code >= 500:
                    return None, error  # the site is down: retry the page later
        text = fragment_text(item.content) if item.content and "<" in item.content else (item.content or "")
        if len(text.split()) >= MIN_ARTICLE_WORDS:
            article = article_from_text(text, url=item.url, origin=item.url or item.id)
            return self._fill(article, item), ""
        return None, error

    @staticmethod
    def _fill(article: Article, item: FeedItem) -> Article:
        if item.url:
            article.url = item.url
        if not article.title and item.title:
            article.title = item.title
        if not article.published and item.published:
            article.published = item.published
        return article

    def analyse(self, article: Article) -> Article:
        if self._analyse is None:
            from .pipeline import default_pipeline

            self._analyse = default_pipeline()
        return self._analyse(article)


def _human(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _line(feed: Feed, article: Article, article_id: str) -> str:
    n_events = len(article.events)
    when = article.published or "????-??-??"
    title = (article.title or article.text[:80]).replace("\n", " ")
    source = feed.title or article.source or ""
    return f"new {when} [{source}] {title} ({n_events} event{'s' if n_events != 1 else ''}) {article.url or article_id}"


def watch(
    feeds: Iterable[str],
    db: str,
    *,
    every: float = DEFAULT_EVERY,
    once: bool = False,
    **options: Any,
) -> None:
    """Watch ``feeds`` into the store ``db`` until interrupted (or one pass with ``once``)."""
    from .store import open_store

    with open_store(db) as store:
        watcher = Watcher(list(feeds), store, every=every, **options)
        watcher.run(max_polls=1 if once else None)

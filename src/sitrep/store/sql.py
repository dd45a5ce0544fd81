"""What every SQL store shares: writing article records into the tables of ``schema.py``
and the query verbs (``articles``, ``events``, ``claims``, ``places``) with their filters.

Backends (SQLite, PostgreSQL) subclass ``SQLStore`` and say how to connect, which
placeholder they use, and how to upsert. Rows come back as plain dicts, streamed.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..record import Article, content_hash
from .schema import MIGRATIONS


@dataclass(slots=True)
class AddResult:
    """What ``add`` did with an article: ``new``, ``updated`` (same id, new text) or
    ``unchanged`` (same content already stored)."""

    id: str
    outcome: str


@dataclass(slots=True)
class Filters:
    """Filters shared by the query verbs; every one optional."""

    since: str | None = None
    until: str | None = None
    type: str | None = None
    actor: str | None = None
    country: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    q: str | None = None
    article: str | None = None
    source: str | None = None
    headline: bool | None = None
    claimant: str | None = None
    status: str | None = None
    kind: str | None = None  # claims: statement | denial | prediction | assessment | hedge
    limit: int | None = None
    offset: int = 0


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """ "min_lon,min_lat,max_lon,max_lat" -> tuple, with a clear error for anything else."""
    if not value:
        return None
    try:
        parts = tuple(float(x) for x in value.split(","))
    except ValueError:
        raise UsageError(f"bbox {value!r}: expected min_lon,min_lat,max_lon,max_lat (numbers)") from None
    if len(parts) != 4 or not (-180 <= parts[0] <= parts[2] <= 180 and -90 <= parts[1] <= parts[3] <= 90):
        raise UsageError(
            f"bbox {value!r}: expected min_lon,min_lat,max_lon,max_lat within -180..180, -90..90"
        )
    return parts  # type: ignore[return-value]


def parse_day(value: str | None, name: str) -> str | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise UsageError(f"--{name} {value!r}: expected a date such as 2017-06-01") from None


def _name(ref: dict[str, Any] | None) -> str | None:
    return (ref or {}).get("name") or None


class SQLStore:
    """Base of the SQL stores. Subclasses connect (``self.conn``, a DB-API connection in
    autocommit mode), provide ``transaction()``, and set ``placeholder`` and the column types
    that fill the migrations' ``{json}``, ``{real}`` and ``{autoinc}``. Hooks for what differs:
    ``_lock_schema`` (concurrent migrations), ``_retryable`` (deadlocks), ``_bbox`` (spatial
    filter), ``_page`` (LIMIT/OFFSET) and ``_ORDER`` (sort order)."""

    placeholder = "?"
    json_type = "TEXT"
    real_type = "REAL"
    autoinc_type = "INTEGER PRIMARY KEY AUTOINCREMENT"
    # link each stored article's events into event clusters and score its credibility
    # (sitrep.corroborate); bulk loads may switch it off and run `sitrep clusters --relink`
    corroborate = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None

    # -- plumbing -------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cur = self.conn.cursor()
        cur.execute(self._sql(sql), tuple(params))
        return cur

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.cursor().executemany(self._sql(sql), rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        cur = self.execute(sql, params)
        cols = [c[0] for c in cur.description]
        while True:
            rows = cur.fetchmany(500)
            if not rows:
                break
            for row in rows:
                yield dict(zip(cols, row, strict=True))

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return row[0] if row else None

    def migrate(self) -> list[int]:
        """Apply the migrations this store lacks; returns their numbers.

        Safe when several processes open a new store at once: each migration is applied in a
        transaction that holds the backend's schema lock and checks again that it is still
        missing."""
        done = self._applied()
        if done is not None and all(v in done for v, _, _ in MIGRATIONS):
            return []  # the common case: nothing to do, no write lock taken
        with self.transaction():
            self._lock_schema()
            self.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT, applied_at TEXT)"
            )
        applied = []
        for version, description, statements in MIGRATIONS:
            if done is not None and version in done:
                continue
            with self.transaction():
                self._lock_schema()
                if self.scalar("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)):
                    continue  # another process applied it meanwhile
                for stmt in statements:
                    self.execute(
                        stmt.format(json=self.json_type, real=self.real_type, autoinc=self.autoinc_type)
                    )
                self.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                    (version, description, _now()),
                )
            applied.append(version)
        self.conn.commit()
        return applied

    def _applied(self) -> set[int] | None:
        """The versions applied, or None when there is no ``schema_migrations`` table yet."""
        try:
            return {int(r["version"]) for r in self.query("SELECT version FROM schema_migrations")}
        except Exception:  # noqa: BLE001 - no such table (each backend raises its own error)
            return None

    def _lock_schema(self) -> None:
        """Inside a transaction: block other processes that migrate the same store."""

    def _retryable(self, exc: BaseException) -> bool:
        """Whether a failed write transaction may simply be run again (deadlock, serialisation)."""
        return False

    def transaction(self) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> SQLStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------
    def has(self, *, id: str | None = None, text: str | None = None) -> bool:
        """Whether an article with this id, or this exact text, is stored."""
        if text is not None and self.scalar(
            "SELECT 1 FROM articles WHERE content_hash = ?", (content_hash(text),)
        ):
            return True
        return bool(id is not None and self.scalar("SELECT 1 FROM articles WHERE id = ?", (id,)))

    def add(self, article: Article) -> AddResult:
        """Store one analysed article with its events, claims, places and figures;
        idempotent: the same content is stored once."""
        return self._write([article])[0]

    def add_many(self, articles: Iterable[Article], batch: int = 50) -> Iterator[AddResult]:
        """Store articles in transactions of ``batch``; yields one result per article."""
        chunk: list[Article] = []
        for a in articles:
            chunk.append(a)
            if len(chunk) >= batch:
                yield from self._write(chunk)
                chunk = []
        if chunk:
            yield from self._write(chunk)

    def _write(self, chunk: list[Article], attempts: int = 5) -> list[AddResult]:
        """One transaction for ``chunk``, run again when the backend says it may be
        (another writer deadlocked with this one)."""
        for attempt in range(attempts):
            try:
                with self.transaction():
                    return [self._add(x) for x in chunk]
            except Exception as exc:
                if attempt + 1 >= attempts or not self._retryable(exc):
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _add(self, article: Article) -> AddResult:
        record = article.to_dict()
        chash = content_hash(article.text)
        aid = str(record["id"])
        existing = self.scalar("SELECT id FROM articles WHERE content_hash = ?", (chash,))
        if existing is not None:
            return AddResult(str(existing), "unchanged")
        outcome = "new"
        if self.scalar("SELECT 1 FROM articles WHERE id = ?", (aid,)):
            self._delete(aid)
            outcome = "updated"
        if not self._insert_article(aid, chash, record):
            # another writer stored this id or this text between our check and our insert
            # (PostgreSQL, concurrent ingests): theirs stands, nothing is stored twice
            existing = self.scalar("SELECT id FROM articles WHERE content_hash = ?", (chash,))
            return AddResult(str(existing or aid), "unchanged")
        if self.corroborate:
            from ..corroborate import link_article

            link_article(self, aid, record)
        return AddResult(aid, outcome)

    def _delete(self, aid: str) -> None:
        from ..corroborate import unlink_article

        unlink_article(self, aid)  # its reports leave their clusters before its events go
        for table in ("events", "claims", "places", "figures", "articles"):
            self.execute(
                f"DELETE FROM {table} WHERE {'id' if table == 'articles' else 'article_id'} = ?", (aid,)
            )

    def _insert_article(self, aid: str, chash: str, record: dict[str, Any]) -> bool:
        """Insert the article and its rows; False (nothing written) when a row with this id or
        content hash exists already."""
        cur = self.execute(
            """INSERT INTO articles (id, content_hash, url, source, title, published, language, n_events, n_errors,
                                     ingested_at, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT DO NOTHING""",
            (
                aid,
                chash,
                record.get("url"),
                record.get("source"),
                record.get("title"),
                record.get("published"),
                record.get("language"),
                len(record.get("events") or []),
                len(record.get("errors") or []),
                _now(),
                json.dumps(record, ensure_ascii=False),
            ),
        )
        if not cur.rowcount:
            return False
        events, claims, places, figures = [], [], [], []
        for e in record.get("events") or []:
            loc, date, fat, ev = (
                e.get("location") or {},
                e.get("date") or {},
                e.get("fatalities") or {},
                e.get("evidence") or {},
            )
            a1, a2 = e.get("actor1") or {}, e.get("actor2") or {}
            events.append(
                (
                    aid,
                    e.get("id"),
                    int(bool(e.get("headline"))),
                    e.get("event_type"),
                    e.get("sub_event_type"),
                    e.get("method"),
                    date.get("start"),
                    date.get("end"),
                    date.get("precision"),
                    loc.get("name"),
                    loc.get("geonameid"),
                    loc.get("country"),
                    loc.get("admin1"),
                    loc.get("lat"),
                    loc.get("lon"),
                    loc.get("geo_precision"),
                    a1.get("name"),
                    a1.get("id"),
                    a1.get("type"),
                    a2.get("name"),
                    a2.get("id"),
                    a2.get("type"),
                    fat.get("total"),
                    fat.get("civilians"),
                    fat.get("children"),
                    fat.get("women"),
                    fat.get("combatants"),
                    e.get("injured"),
                    e.get("displaced"),
                    e.get("modality"),
                    _name(e.get("attributed_to")),
                    e.get("confidence"),
                    ev.get("text"),
                    ev.get("start"),
                    ev.get("end"),
                    json.dumps(e, ensure_ascii=False),
                )
            )
        for c in record.get("claims") or []:
            ev = c.get("evidence") or {}
            cl = c.get("claimant") or {}
            claims.append(
                (
                    aid,
                    c.get("id"),
                    cl.get("name"),
                    cl.get("id"),
                    c.get("cue"),
                    c.get("kind"),
                    c.get("status"),
                    c.get("text"),
                    ev.get("start"),
                    ev.get("end"),
                    json.dumps(c, ensure_ascii=False),
                )
            )
        for i, p in enumerate(record.get("places") or []):
            places.append(
                (
                    aid,
                    i,
                    p.get("mention"),
                    p.get("geonameid"),
                    p.get("name"),
                    p.get("country"),
                    p.get("admin1"),
                    p.get("lat"),
                    p.get("lon"),
                    p.get("feature"),
                    p.get("score"),
                    p.get("start"),
                    p.get("end"),
                )
            )
        for i, f in enumerate(record.get("figures") or []):
            ev = f.get("evidence") or {}
            figures.append(
                (
                    aid,
                    i,
                    f.get("value"),
                    f.get("qualifier"),
                    f.get("unit"),
                    f.get("what"),
                    _name(f.get("source")),
                    ev.get("text"),
                    ev.get("start"),
                    ev.get("end"),
                    json.dumps(f, ensure_ascii=False),
                )
            )
        for table, rows in (("events", events), ("claims", claims), ("places", places), ("figures", figures)):
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                self.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        return True

    # -- reading --------------------------------------------------------------------
    def article(self, aid: str) -> dict[str, Any] | None:
        """The full record of one article."""
        row = self.scalar("SELECT record FROM articles WHERE id = ?", (aid,))
        if row is None:
            return None
        record = _loads(row)
        cred = next(
            iter(self.query("SELECT score, reasons FROM credibility WHERE article_id = ?", (aid,))), None
        )
        if cred is not None:
            record["credibility"] = {"score": cred["score"], "reasons": _loads(cred["reasons"])}
        return record

    def _where(self, f: Filters, kind: str) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        date_lo, date_hi = (
            ("e.date_end", "e.date_start") if kind == "events" else ("a.published", "a.published")
        )
        since, until = parse_day(f.since, "since"), parse_day(f.until, "until")
        if since:
            clauses.append(f"{date_lo} >= ?")
            params.append(since)
        if until:
            clauses.append(f"{date_hi} <= ?")
            params.append(until)
        if f.article:
            clauses.append("a.id = ?")
            params.append(f.article)
        if f.source:
            clauses.append("LOWER(a.source) = LOWER(?)")
            params.append(f.source)
        if kind == "events":
            if f.type:
                clauses.append("(LOWER(e.event_type) = LOWER(?) OR LOWER(e.sub_event_type) = LOWER(?))")
                params += [f.type, f.type]
            if f.actor:
                like = f"%{f.actor.lower()}%"
                clauses.append(
                    "(LOWER(e.actor1) LIKE ? OR LOWER(e.actor2) LIKE ? OR e.actor1_id = ? OR e.actor2_id = ?)"
                )
                params += [like, like, f.actor, f.actor]
            if f.country:
                clauses.append("UPPER(e.country) = UPPER(?)")
                params.append(f.country)
            if f.bbox:
                clause, args = self._bbox("e", f.bbox)
                clauses.append(clause)
                params += args
            if f.headline is not None:
                clauses.append("e.headline = ?")
                params.append(int(f.headline))
            if f.q:
                clauses.append("(LOWER(e.evidence) LIKE ? OR LOWER(a.title) LIKE ?)")
                params += [f"%{f.q.lower()}%"] * 2
        elif kind == "claims":
            who = f.claimant or f.actor
            if who:
                clauses.append("(LOWER(c.claimant) LIKE ? OR c.claimant_id = ?)")
                params += [f"%{who.lower()}%", who]
            if f.status:
                clauses.append("c.status = ?")
                params.append(f.status)
            if f.kind:
                clauses.append("c.kind = ?")
                params.append(f.kind)
            if f.q:
                clauses.append("LOWER(c.text) LIKE ?")
                params.append(f"%{f.q.lower()}%")
        elif kind == "places":
            if f.country:
                clauses.append("UPPER(p.country) = UPPER(?)")
                params.append(f.country)
            if f.bbox:
                clause, args = self._bbox("p", f.bbox)
                clauses.append(clause)
                params += args
            if f.q:
                clauses.append("(LOWER(p.mention) LIKE ? OR LOWER(p.name) LIKE ?)")
                params += [f"%{f.q.lower()}%"] * 2
        elif kind == "articles" and f.q:
            clauses.append("(LOWER(a.title) LIKE ? OR LOWER(CAST(a.record AS TEXT)) LIKE ?)")
            params += [f"%{f.q.lower()}%"] * 2
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _bbox(self, alias: str, bbox: tuple[float, float, float, float]) -> tuple[str, list[Any]]:
        """The bounding-box filter on ``alias``'s lat/lon columns (edges included)."""
        return f"{alias}.lon >= ? AND {alias}.lat >= ? AND {alias}.lon <= ? AND {alias}.lat <= ?", list(bbox)

    def _page(self, f: Filters) -> str:
        out = ""
        if f.limit is not None:
            out += f" LIMIT {int(f.limit)}"
        if f.offset:
            out += f" OFFSET {int(f.offset)}" if f.limit is not None else f" LIMIT -1 OFFSET {int(f.offset)}"
        return out

    _FROM = {
        "articles": "FROM articles a",
        "events": "FROM events e JOIN articles a ON a.id = e.article_id",
        "claims": "FROM claims c JOIN articles a ON a.id = c.article_id",
        "places": "FROM places p JOIN articles a ON a.id = p.article_id",
    }
    _ORDER = {
        "articles": "a.published, a.id",
        "events": "e.date_start, e.article_id, e.event_id",
        "claims": "a.published, c.article_id, c.claim_id",
        "places": "p.article_id, p.seq",
    }

    def count(self, kind: str, filters: Filters | None = None) -> int:
        where, params = self._where(filters or Filters(), kind)
        return int(self.scalar(f"SELECT COUNT(*) {self._FROM[kind]}{where}", params) or 0)

    def articles(self, filters: Filters | None = None, *, full: bool = False) -> Iterator[dict[str, Any]]:
        """Articles: metadata, counts and (``full``) the whole record."""
        f = filters or Filters()
        where, params = self._where(f, "articles")
        sql = (
            f"SELECT a.id, a.url, a.source, a.title, a.published, a.language, a.n_events, a.n_errors, a.ingested_at, a.record, "
            f"k.score AS credibility_score, k.reasons AS credibility_reasons "
            f"{self._FROM['articles']} LEFT JOIN credibility k ON k.article_id = a.id{where} ORDER BY {self._ORDER['articles']}{self._page(f)}"
        )
        for row in self.query(sql, params):
            record = _loads(row.pop("record"))
            score, reasons = row.pop("credibility_score"), row.pop("credibility_reasons")
            if score is not None:  # corpus-level, kept beside the record by sitrep.corroborate
                record["credibility"] = {"score": score, "reasons": _loads(reasons)}
            if full:
                yield record
            else:
                row["credibility"] = record.get("credibility")
                row["errors"] = record.get("errors") or []
                yield row

    def events(self, filters: Filters | None = None) -> Iterator[dict[str, Any]]:
        """Events with the article they come from."""
        return self._with_article("events", filters or Filters())

    def claims(self, filters: Filters | None = None) -> Iterator[dict[str, Any]]:
        """Claims with the article they come from."""
        return self._with_article("claims", filters or Filters())

    def _with_article(self, kind: str, f: Filters) -> Iterator[dict[str, Any]]:
        """Event or claim rows: the stored JSON with the id and metadata of its article."""
        where, params = self._where(f, kind)
        alias = kind[0]
        sql = (
            f"SELECT {alias}.article_id, {alias}.data, a.title, a.source, a.url, a.published {self._FROM[kind]}{where} "
            f"ORDER BY {self._ORDER[kind]}{self._page(f)}"
        )
        for row in self.query(sql, params):
            yield {
                "article_id": row["article_id"],
                **_loads(row["data"]),
                "article": {k: row[k] for k in ("title", "source", "url", "published")},
            }

    def places(self, filters: Filters | None = None) -> Iterator[dict[str, Any]]:
        """Places as mentioned, one row per mention, with their article."""
        f = filters or Filters()
        where, params = self._where(f, "places")
        sql = (
            f"SELECT p.article_id, p.mention, p.geonameid, p.name, p.country, p.admin1, p.lat, p.lon, p.feature, p.score, "
            f"p.start_char AS start, p.end_char AS end, a.title, a.published {self._FROM['places']}{where} "
            f"ORDER BY {self._ORDER['places']}{self._page(f)}"
        )
        yield from self.query(sql, params)

    def stats(self) -> dict[str, int]:
        return {k: self.count(k) for k in ("articles", "events", "claims", "places")}


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

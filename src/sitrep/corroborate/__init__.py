"""Corroboration: reports of one event across articles linked into clusters, what they
agree and disagree on, and the credibility of each article.

Linking runs as articles are stored (``SQLStore.add`` calls ``link_article`` after the
article's rows are written), so the store's clusters are always current:

    >>> from sitrep.store import open_store
    >>> from sitrep import corroborate
    >>> with open_store("sitrep.db") as store:
    ...     for c in corroborate.clusters(store, min_sources=2):
    ...         print(c["sub_event_type"], c["location"], c["fatalities"], c["conflict"])

See docs/corroboration.md for how linking and credibility work and what they measure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import NotFound
from .config import LinkConfig, link_config
from .linker import Linker, LinkResult

if TYPE_CHECKING:
    from ..store.sql import SQLStore

__all__ = [
    "ClusterFilters",
    "LinkConfig",
    "LinkResult",
    "Linker",
    "cluster",
    "clusters",
    "count",
    "link_article",
    "link_config",
    "relink",
    "unlink_article",
]


def link_article(store: SQLStore, article_id: str, record: dict[str, Any]) -> LinkResult:
    """Link a stored article's events into the store's clusters and score its credibility
    (and that of the articles whose clusters it joins)."""
    return Linker(store).link(article_id, record)


def unlink_article(store: SQLStore, article_id: str) -> set[str]:
    """Remove an article's reports from their clusters (the article is being replaced or
    deleted); the clusters and their articles' credibility are refreshed."""
    return Linker(store).unlink(article_id)


def relink(store: SQLStore) -> int:
    """Rebuild all clusters and credibility, articles in order of publication."""
    with store.transaction():
        return Linker(store).relink()


@dataclass(slots=True)
class ClusterFilters:
    """Filters of ``clusters``; every one optional."""

    since: str | None = None
    until: str | None = None
    type: str | None = None
    country: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    article: str | None = None
    min_reports: int | None = None
    min_sources: int | None = None
    conflict: bool | None = None
    include_background: bool = True
    limit: int | None = None
    offset: int = 0


def _where(f: ClusterFilters) -> tuple[str, list[Any]]:
    from ..store.sql import parse_day

    clauses: list[str] = []
    params: list[Any] = []
    since, until = parse_day(f.since, "since"), parse_day(f.until, "until")
    if since:
        clauses.append("k.date_end >= ?")
        params.append(since)
    if until:
        clauses.append("k.date_start <= ?")
        params.append(until)
    if f.type:
        clauses.append("(LOWER(k.event_type) = LOWER(?) OR LOWER(k.sub_event_type) = LOWER(?))")
        params += [f.type, f.type]
    if f.country:
        clauses.append("UPPER(k.country) = UPPER(?)")
        params.append(f.country)
    if f.bbox:
        clauses.append("k.lon >= ? AND k.lat >= ? AND k.lon <= ? AND k.lat <= ?")
        params += list(f.bbox)
    if f.article:
        clauses.append("k.id IN (SELECT cluster_id FROM cluster_reports WHERE article_id = ?)")
        params.append(f.article)
    if f.min_reports:
        clauses.append("k.n_reports >= ?")
        params.append(int(f.min_reports))
    if f.min_sources:
        clauses.append("k.n_sources >= ?")
        params.append(int(f.min_sources))
    if f.conflict is not None:
        clauses.append("k.n_conflicts > 0" if f.conflict else "k.n_conflicts = 0")
    if not f.include_background:
        clauses.append("k.background = 0")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def count(store: SQLStore, filters: ClusterFilters | None = None, **kw: Any) -> int:
    """How many clusters ``clusters`` would list (paging aside)."""
    where, params = _where(filters or ClusterFilters(**kw))
    return int(store.scalar(f"SELECT COUNT(*) FROM clusters k{where}", params) or 0)


def clusters(store: SQLStore, filters: ClusterFilters | None = None, **kw: Any) -> Iterator[dict[str, Any]]:
    """Event clusters with their reports, figures, agreement and conflict, most reported first
    within each date. Filters as ``ClusterFilters`` fields (or keyword arguments)."""
    import json

    f = filters or ClusterFilters(**kw)
    where, params = _where(f)
    page = ""
    if f.limit is not None:
        page += f" LIMIT {int(f.limit)}"
    if f.offset:
        page += (
            f" OFFSET {int(f.offset)}" if f.limit is not None else f" LIMIT 1000000000 OFFSET {int(f.offset)}"
        )
    sql = f"SELECT k.data FROM clusters k{where} ORDER BY k.date_start, k.n_reports DESC, k.id{page}"
    for row in store.query(sql, params):
        data = row["data"]
        yield json.loads(data) if isinstance(data, str | bytes) else data


def cluster(store: SQLStore, cluster_id: str) -> dict[str, Any]:
    """One cluster, with its reports side by side."""
    import json

    data = store.scalar("SELECT data FROM clusters WHERE id = ?", (cluster_id,))
    if data is None:
        raise NotFound(f"no cluster {cluster_id!r}")
    return json.loads(data) if isinstance(data, str | bytes) else data  # type: ignore[no-any-return]

"""Linking in the store: each stored article's events join the clusters of reports of the
same events, found through an index of grid cells and date levels (``cluster_cells``), so
adding an article looks at a handful of nearby reports, never at the whole store.

Tables (migration 2 of ``store/schema.py``):
- ``clusters``: one row per real-world event (its consensus and a JSON summary);
- ``cluster_reports``: which cluster each event report belongs to;
- ``cluster_cells``: the index - each linkable report under every grid cell its place's
  disk touches, with its date level and day numbers;
- ``credibility``: each article's score, reasons and the features they came from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import credibility as cred
from .config import LinkConfig, link_config
from .matching import Match, match, restates, type_compatible
from .reports import Report, article_focus, haversine_km, linking_place, report_from_event
from .summary import summarize

if TYPE_CHECKING:
    from ..store.sql import SQLStore

log = logging.getLogger(__name__)

# Articles whose credibility is recomputed when a cluster they are in changes; beyond this
# many, the rest wait for `sitrep clusters --relink` (a report more barely moves a big cluster).
MAX_NEIGHBOURS = 200
# A vague report (region-level place or a broad date) links only when the best cluster is
# clearly better than the next.
AMBIGUITY_MARGIN = 0.05


@dataclass(slots=True)
class LinkResult:
    """What linking one article did: (event id, cluster id, score or None for a new cluster)."""

    article_id: str
    links: list[tuple[str, str, float | None]] = field(default_factory=list)
    credibility: dict[str, Any] | None = None

    @property
    def joined(self) -> int:
        return sum(1 for _, _, s in self.links if s is not None)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _in(n: int) -> str:
    return "(" + ", ".join("?" * n) + ")"


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


class Linker:
    def __init__(self, store: SQLStore, cfg: LinkConfig | None = None) -> None:
        self.store = store
        self.cfg = cfg or link_config()
        # reports read while linking one article (a report is read again for every
        # cluster summary and credibility it takes part in); cleared per article
        self._cache: dict[tuple[str, str], Report] = {}

    # -- reading ----------------------------------------------------------------------
    def _reports(self, where: str, params: Sequence[Any]) -> list[tuple[Report, str, float | None]]:
        rows = self.store.query(
            "SELECT r.article_id, r.event_id, r.cluster_id, r.source, r.published, r.score, r.location, e.data "
            "FROM cluster_reports r JOIN events e ON e.article_id = r.article_id AND e.event_id = r.event_id "
            f"WHERE {where} ORDER BY r.article_id, r.event_id",
            params,
        )
        out = []
        for row in rows:
            key = (row["article_id"], row["event_id"])
            rep = self._cache.get(key)
            if rep is None:
                rep = report_from_event(
                    _loads(row["data"]),
                    article_id=row["article_id"],
                    source=row["source"],
                    published=row["published"],
                    location=_loads(row["location"]) if row["location"] else None,
                )
                self._cache[key] = rep
            out.append((rep, row["cluster_id"], row["score"]))
        return out

    def members(self, cluster_ids: Iterable[str]) -> dict[str, list[tuple[Report, float | None]]]:
        ids = sorted(set(cluster_ids))
        out: dict[str, list[tuple[Report, float | None]]] = defaultdict(list)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for rep, cid, sc in self._reports(f"r.cluster_id IN {_in(len(chunk))}", chunk):
                out[cid].append((rep, sc))
        return out

    def candidates(self, r: Report) -> list[tuple[Report, str]]:
        """Indexed reports near ``r`` in space and time (every level, the cells of its disk)."""
        cfg = self.cfg
        assert r.day_start is not None and r.day_end is not None
        cells = r.cells(cfg)
        s2 = cfg.slack_days
        keys: set[tuple[str, str]] = set()
        assert r.lat is not None and r.lon is not None
        own_radius = r.radius(cfg)
        for level, span in enumerate(cfg.levels):
            rows = self.store.query(
                "SELECT article_id, event_id, lat, lon, radius_km, sub_event_type FROM cluster_cells "
                f"WHERE level = ? AND cell IN {_in(len(cells))} AND day_start >= ? AND day_start <= ? AND day_end >= ?",
                [level, *cells, r.day_start - s2 - span, r.day_end + s2, r.day_start - s2],
            )
            for row in rows:
                key = (row["article_id"], row["event_id"])
                if key in keys or not type_compatible(r.sub_event_type, row["sub_event_type"], cfg):
                    continue
                # the cells are a box around the disk: keep what is really within reach
                if haversine_km(r.lat, r.lon, row["lat"], row["lon"]) <= max(own_radius, row["radius_km"]):
                    keys.add(key)
        keys.discard((r.article_id, r.event_id))
        if not keys:
            return []
        found: list[tuple[Report, str]] = []
        ordered = sorted(keys)
        for i in range(0, len(ordered), 200):
            chunk = ordered[i : i + 200]
            cond = " OR ".join(["(r.article_id = ? AND r.event_id = ?)"] * len(chunk))
            params = [x for k in chunk for x in k]
            found.extend((rep, cid) for rep, cid, _ in self._reports(cond, params))
        return found

    # -- linking ----------------------------------------------------------------------
    def choose(self, r: Report, own: set[str]) -> tuple[str, Match, list[str]] | None:
        """The cluster ``r`` joins and the other clusters it bridges, or None. ``own``:
        clusters the same article is already in (an article does not corroborate itself).

        The article may report one event twice - a headline that says "chemical attack" and
        a body that says "air strikes", one sentence dated "on Wednesday" and one not - where
        the events stage keeps the two apart: a report that restates one of its article's
        own reports (``matching.restates``) may join that report's cluster (it repeats it,
        it does not corroborate it). Otherwise the two accounts would sit in two clusters
        that could never merge.

        A precise report that fits two clusters equally well is the missing link between two
        groups of reports of one event that arrived apart (one said "Tuesday", the other
        gave only "earlier this month"): they are merged, unless an article reports in both
        (it would then corroborate itself)."""
        cfg = self.cfg
        per_cluster: dict[str, list[tuple[Match, str]]] = defaultdict(list)
        repeated: set[str] = set()  # own clusters whose report ``r`` repeats
        for other, cid in self.candidates(r):
            if not other.linkable(cfg):
                continue
            m = match(r, other, cfg)
            if m is None:
                continue
            if other.article_id == r.article_id:
                if not restates(r, other, cfg):
                    continue
                repeated.add(cid)
            per_cluster[cid].append((m, other.article_id))
        for cid in own - repeated:
            per_cluster.pop(cid, None)
        if not per_cluster:
            return None
        # the share is of the cluster's articles: an article that tells the event twice
        # counts once
        sizes = {
            row["id"]: row["n_articles"]
            for row in self.store.query(
                f"SELECT id, n_articles FROM clusters WHERE id IN {_in(len(per_cluster))}", list(per_cluster)
            )
        }
        scored = []
        for cid, ms in per_cluster.items():
            best = max((m for m, _ in ms), key=lambda m: m.score)
            frac = min(1.0, len({a for _, a in ms}) / max(sizes.get(cid) or 1, 1))
            w = cfg.cluster_fraction_weight
            scored.append((best.score * (1 - w + w * frac), cid, best))
        # the article's own account of the event comes first: whichever cluster it is in,
        # that is the event this report restates (however vague the report is)
        scored.sort(key=lambda x: (x[1] not in repeated, -x[0], x[1]))
        top, cid, best = scored[0]
        vague = (r.precision or 3) >= 3 or r.span_days > cfg.broad_interval_days
        if cid not in repeated:
            if top < cfg.threshold:
                return None
            if (
                vague
                and len(scored) > 1
                and scored[1][0] >= cfg.threshold
                and top - scored[1][0] < AMBIGUITY_MARGIN
            ):
                return None
            if (
                r.span_days > cfg.broad_interval_days
                and sum(1 for s, _, _ in scored if s >= cfg.threshold) > 1
            ):
                return None
        bridged = [] if vague else [c for s, c, _ in scored[1:] if s >= cfg.threshold]
        if bridged:
            articles = self._articles_of([cid, *bridged])
            keep, seen = [], set(articles.get(cid, ()))
            for c in bridged:
                if not seen & articles.get(c, set()):
                    keep.append(c)
                    seen |= articles.get(c, set())
            bridged = keep
        return cid, best, bridged

    def _articles_of(self, cluster_ids: Sequence[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for row in self.store.query(
            f"SELECT cluster_id, article_id FROM cluster_reports WHERE cluster_id IN {_in(len(cluster_ids))}",
            list(cluster_ids),
        ):
            out[row["cluster_id"]].add(row["article_id"])
        return out

    def merge(self, into: str, others: Sequence[str]) -> None:
        """Move the reports of ``others`` into cluster ``into`` (the caller refreshes it;
        the emptied clusters go at the next refresh)."""
        for c in others:
            self.store.execute("UPDATE cluster_reports SET cluster_id = ? WHERE cluster_id = ?", (into, c))

    def _new_cluster_id(self, r: Report) -> str:
        base = "k" + hashlib.sha1(f"{r.article_id}\x00{r.event_id}".encode()).hexdigest()[:12]
        cid, n = base, 1
        while self.store.scalar("SELECT 1 FROM clusters WHERE id = ?", (cid,)):
            n += 1
            cid = f"{base}-{n}"
        return cid

    def _index(
        self, r: Report, cid: str, score: float | None, linkable: bool, location: dict[str, Any] | None = None
    ) -> None:
        self.store.execute(
            "INSERT INTO cluster_reports (article_id, event_id, cluster_id, source, published, background, "
            "day_start, day_end, score, location) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                r.article_id,
                r.event_id,
                cid,
                r.source,
                r.published,
                int(r.background),
                r.day_start,
                r.day_end,
                score,
                None if location is None else json.dumps(location, ensure_ascii=False),
            ),
        )
        if not linkable:
            return
        level = r.level(self.cfg)
        for cell in r.cells(self.cfg):
            self.store.execute(
                "INSERT INTO cluster_cells (level, cell, day_start, day_end, lat, lon, radius_km, sub_event_type, "
                "article_id, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    level,
                    cell,
                    r.day_start,
                    r.day_end,
                    r.lat,
                    r.lon,
                    r.radius(self.cfg),
                    r.sub_event_type,
                    r.article_id,
                    r.event_id,
                ),
            )

    def link(self, aid: str, record: dict[str, Any]) -> LinkResult:
        """Link the events of a stored article (its rows are written) to the clusters of
        the store, refresh those clusters, and score the credibility of the articles
        concerned."""
        self._cache.clear()
        touched = self.unlink(aid, refresh=False)
        result = LinkResult(aid)
        own: set[str] = set()
        focus = article_focus(record)
        places = {
            str(e.get("id")): linking_place(e, focus, record, self.cfg) for e in record.get("events") or []
        }
        reports = [
            report_from_event(
                e,
                article_id=aid,
                source=record.get("source"),
                published=record.get("published"),
                location=places[str(e.get("id"))],
            )
            for e in record.get("events") or []
            if e.get("id")
        ]
        for r in reports:
            if r.modality in self.cfg.unlinkable_modalities:
                continue  # planned or hypothetical: not a report of something that happened
            linkable = r.linkable(self.cfg)
            chosen = self.choose(r, own) if linkable else None
            if chosen is None:
                cid, sc = self._new_cluster_id(r), None
                self.store.execute(
                    "INSERT INTO clusters (id, n_reports, updated_at, data) VALUES (?, 1, ?, ?)",
                    (cid, _now(), "{}"),
                )
            else:
                cid, sc = chosen[0], chosen[1].score
                if chosen[2]:
                    self.merge(cid, chosen[2])
                    touched.update(chosen[2])
                    own.difference_update(chosen[2])
            self._index(r, cid, sc, linkable, places.get(r.event_id))
            own.add(cid)
            touched.add(cid)
            result.links.append((r.event_id, cid, sc))
        self.refresh(touched)
        self._text_features(aid, record)
        result.credibility = self.update_credibility([aid], touched)
        return result

    def unlink(self, aid: str, refresh: bool = True) -> set[str]:
        """Take an article's reports out of their clusters (before it is replaced or
        deleted); returns the clusters it was in."""
        clusters = {
            row["cluster_id"]
            for row in self.store.query("SELECT cluster_id FROM cluster_reports WHERE article_id = ?", (aid,))
        }
        if not clusters:
            return set()
        self.store.execute("DELETE FROM cluster_cells WHERE article_id = ?", (aid,))
        self.store.execute("DELETE FROM cluster_reports WHERE article_id = ?", (aid,))
        if refresh:
            self.refresh(clusters)
            self.update_credibility([], clusters)
        return clusters

    def refresh(self, cluster_ids: Iterable[str]) -> None:
        """Recompute the summaries of these clusters; drop the ones left empty."""
        ids = set(cluster_ids)
        members = self.members(ids)
        for cid in sorted(ids):
            reps = members.get(cid) or []
            if not reps:
                self.store.execute("DELETE FROM clusters WHERE id = ?", (cid,))
                continue
            s = summarize(
                cid, [r for r, _ in reps], {(r.article_id, r.event_id): sc for r, sc in reps}, self.cfg
            )
            loc, date, fat = s["location"] or {}, s["date"], s["fatalities"] or {}
            self.store.execute(
                "UPDATE clusters SET event_type = ?, sub_event_type = ?, date_start = ?, date_end = ?, place_name = ?, "
                "geonameid = ?, country = ?, admin1 = ?, lat = ?, lon = ?, geo_precision = ?, n_reports = ?, "
                "n_articles = ?, n_sources = ?, first_report = ?, last_report = ?, fatalities_min = ?, "
                "fatalities_max = ?, n_conflicts = ?, background = ?, updated_at = ?, data = ? WHERE id = ?",
                (
                    s["event_type"],
                    s["sub_event_type"],
                    date["start"],
                    date["end"],
                    loc.get("name"),
                    loc.get("geonameid"),
                    loc.get("country"),
                    loc.get("admin1"),
                    loc.get("lat"),
                    loc.get("lon"),
                    loc.get("geo_precision"),
                    s["n_reports"],
                    s["n_articles"],
                    s["n_sources"],
                    s["first_report"],
                    s["last_report"],
                    fat.get("min"),
                    fat.get("max"),
                    len(s["conflict"]),
                    int(s["background"]),
                    _now(),
                    json.dumps(s, ensure_ascii=False),
                    cid,
                ),
            )

    # -- credibility ------------------------------------------------------------------
    def _text_features(self, aid: str, record: dict[str, Any]) -> None:
        features = {"text": cred.text_features(record), "corroboration": {}}
        self.store.execute("DELETE FROM credibility WHERE article_id = ?", (aid,))
        self.store.execute(
            "INSERT INTO credibility (article_id, score, reasons, features, updated_at) VALUES (?, ?, ?, ?, ?)",
            (aid, 0.5, "[]", json.dumps(features, ensure_ascii=False), _now()),
        )

    def update_credibility(self, articles: Iterable[str], clusters: Iterable[str]) -> dict[str, Any] | None:
        """Rescore ``articles`` and the articles of ``clusters`` (up to MAX_NEIGHBOURS);
        returns the credibility of the first of ``articles``."""
        first = list(articles)
        aids = list(dict.fromkeys(first))
        cids = sorted(set(clusters))
        if cids:
            for i in range(0, len(cids), 500):
                chunk = cids[i : i + 500]
                for row in self.store.query(
                    f"SELECT DISTINCT article_id FROM cluster_reports WHERE cluster_id IN {_in(len(chunk))} "
                    "ORDER BY article_id",
                    chunk,
                ):
                    if row["article_id"] not in aids:
                        aids.append(row["article_id"])
                    if len(aids) >= len(first) + MAX_NEIGHBOURS:
                        break
        out = None
        for aid in aids:
            c = self.score_article(aid)
            if first and aid == first[0]:
                out = c
        return out

    def score_article(self, aid: str) -> dict[str, Any] | None:
        row = next(
            iter(self.store.query("SELECT features FROM credibility WHERE article_id = ?", (aid,))), None
        )
        if row is None:
            return None
        features = _loads(row["features"]) or {}
        own = self._reports("r.article_id = ?", (aid,))
        clusters = {(r.article_id, r.event_id): cid for r, cid, _ in own}
        members = {
            cid: [r for r, _ in reps] for cid, reps in self.members({cid for _, cid, _ in own}).items()
        }
        corr = cred.corroboration_features([r for r, _, _ in own], members, clusters, self.cfg)
        result = cred.score(features.get("text") or {}, corr)
        features["corroboration"] = {k: v for k, v in corr.items() if k != "reasons"}
        features["parts"] = result.pop("parts")
        self.store.execute(
            "UPDATE credibility SET score = ?, reasons = ?, features = ?, updated_at = ? WHERE article_id = ?",
            (
                result["score"],
                json.dumps(result["reasons"], ensure_ascii=False),
                json.dumps(features, ensure_ascii=False),
                _now(),
                aid,
            ),
        )
        return result

    def relink(self) -> int:
        """Rebuild every cluster from scratch, articles in order of publication (linking
        is incremental, so the order it ran in can leave a report in a worse cluster than
        a second pass finds). Returns the number of articles linked."""
        for table in ("cluster_cells", "cluster_reports", "clusters"):
            self.store.execute(f"DELETE FROM {table}")
        ids = [
            row["id"]
            for row in self.store.query(
                "SELECT id FROM articles ORDER BY CASE WHEN published IS NULL THEN 1 ELSE 0 END, published, id"
            )
        ]
        for aid in ids:
            record = self.store.scalar("SELECT record FROM articles WHERE id = ?", (aid,))
            self.link(aid, _loads(record))
        return len(ids)

"""What a cluster of reports says: the consensus event, the range of its figures, and per
detail (place, date, perpetrator, target, toll, type) whether the reports agree or conflict,
and which source said what."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from .config import LinkConfig
from .matching import tolls_agree
from .reports import FIGURE_KEYS, Report, day_iso, haversine_km

DETAILS = ("place", "date", "perpetrator", "target", "toll", "type")
ALL_FIGURES = (*FIGURE_KEYS, "injured", "displaced")


def _who(r: Report) -> dict[str, Any]:
    out: dict[str, Any] = {"article_id": r.article_id, "event_id": r.event_id, "source": r.source}
    if r.attributed_to:
        out["attributed_to"] = r.attributed_to
    return out


def _voice(r: Report) -> str:
    """Who speaks in a report: its outlet (or, without one, the article itself)."""
    return r.source or f"article:{r.article_id}"


def _grouped(pairs: Sequence[tuple[Any, Report]]) -> list[dict[str, Any]]:
    by: dict[Any, list[Report]] = defaultdict(list)
    for value, r in pairs:
        by[value].append(r)
    return [
        {"value": v, "reports": [_who(r) for r in rs], "sources": sorted({_voice(r) for r in rs})}
        for v, rs in sorted(by.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))
    ]


def _status(n_known: int, conflict: bool) -> str:
    if n_known == 0:
        return "unknown"
    if n_known == 1:
        return "single"
    return "conflict" if conflict else "agree"


def place_detail(reports: Sequence[Report], cfg: LinkConfig) -> dict[str, Any]:
    located = [r for r in reports if r.lat is not None and r.precision is not None]
    towns = [r for r in located if r.precision == 1]
    far = cfg.radius_km.get(1, 15.0) / 2
    conflict = any(
        haversine_km(a.lat, a.lon, b.lat, b.lon) > far  # type: ignore[arg-type]
        for i, a in enumerate(towns)
        for b in towns[i + 1 :]
        if a.geonameid is None or a.geonameid != b.geonameid
    )
    values = _grouped([(r.place_name or f"{r.lat:.3f},{r.lon:.3f}", r) for r in located])
    return {"status": _status(len(located), conflict), "values": values}


def date_detail(reports: Sequence[Report], cfg: LinkConfig) -> dict[str, Any]:
    days = [r for r in reports if r.day_precise]
    conflict = bool(days) and max(r.day_start for r in days) - min(r.day_start for r in days) > cfg.slack_days  # type: ignore[type-var,operator]
    values = _grouped([(day_iso(r.day_start), r) for r in days])
    return {"status": _status(len(days), conflict), "values": values}


def actor_detail(reports: Sequence[Report], which: str) -> dict[str, Any]:
    said = f"{which}_said"
    known = [(getattr(r, said), getattr(r, f"{which}_name"), r) for r in reports if getattr(r, said)]
    names: dict[str, str] = {}
    for key, name, _ in known:
        names.setdefault(key, name or key)
    values = _grouped([(names[key], r) for key, _, r in known])
    return {"status": _status(len(known), len({k for k, _, _ in known}) > 1), "values": values}


def toll_detail(reports: Sequence[Report], cfg: LinkConfig) -> dict[str, Any]:
    known = [(r.toll, r) for r in reports if r.toll is not None]
    tolls = [t for t, _ in known]
    conflict = bool(tolls) and not tolls_agree(min(tolls), max(tolls), cfg)  # type: ignore[type-var]
    out: dict[str, Any] = {"status": _status(len(known), conflict), "values": _grouped(known)}
    if conflict:
        # tolls usually rise as the dead are counted: say so when later reports carry more
        dated = sorted((r.published or "", t) for t, r in known if r.published)
        if len({p for p, _ in dated}) > 1 and all(
            a[1] <= b[1] for a, b in zip(dated, dated[1:], strict=False)
        ):
            out["trend"] = "rising"
    return out


def type_detail(reports: Sequence[Report]) -> dict[str, Any]:
    known = [(r.sub_event_type, r) for r in reports if r.sub_event_type]
    return {"status": _status(len(known), len({v for v, _ in known}) > 1), "values": _grouped(known)}


def figure_ranges(reports: Sequence[Report]) -> dict[str, dict[str, Any]]:
    """Per figure (total, civilians, ..., injured, displaced): min, max, median, spread
    ((max - min) / max) and each value with the report that gave it."""
    out: dict[str, dict[str, Any]] = {}
    for key in ALL_FIGURES:
        vals = [(r.figures.get(key), r) for r in reports if r.figures.get(key) is not None]
        if not vals:
            continue
        nums = [v for v, _ in vals]
        hi, lo = max(nums), min(nums)  # type: ignore[type-var]
        out[key] = {
            "min": lo,
            "max": hi,
            "median": statistics.median(nums),  # type: ignore[type-var]
            "spread": round((hi - lo) / hi, 3) if hi else 0.0,  # type: ignore[operator]
            "n": len(nums),
            "values": [{"value": v, **_who(r)} for v, r in vals],
        }
    return out


def consensus_place(reports: Sequence[Report]) -> Report | None:
    located = [r for r in reports if r.lat is not None and r.precision is not None]
    if not located:
        return None
    best = min(r.precision for r in located)  # type: ignore[type-var]
    precise = [r for r in located if r.precision == best]
    counts = Counter(r.geonameid or r.place_name for r in precise)
    top = counts.most_common(1)[0][0]
    return next(r for r in precise if (r.geonameid or r.place_name) == top)


def consensus_date(reports: Sequence[Report]) -> tuple[int | None, int | None, str]:
    days = [r.day_start for r in reports if r.day_precise and r.day_start is not None]
    if days:
        counts = Counter(days)
        top = max(counts.values())
        day = min(d for d, c in counts.items() if c == top)
        return day, day, "day"
    spans = [(r.day_start, r.day_end) for r in reports if r.day_start is not None and r.day_end is not None]
    if not spans:
        return None, None, "unknown"
    lo, hi = max(s for s, _ in spans), min(e for _, e in spans)  # type: ignore[type-var]
    if lo <= hi:
        return lo, hi, "range"
    return min(s for s, _ in spans), max(e for _, e in spans), "range"  # type: ignore[type-var]


def summarize(
    cluster_id: str, reports: Sequence[Report], scores: dict[tuple[str, str], float | None], cfg: LinkConfig
) -> dict[str, Any]:
    """The cluster record (stored in ``clusters.data`` and printed by ``sitrep clusters``)."""
    types = Counter(r.sub_event_type for r in reports if r.sub_event_type)
    sub = types.most_common(1)[0][0] if types else None
    etype = next((r.event_type for r in reports if r.sub_event_type == sub), None) if sub else None
    place = consensus_place(reports)
    d0, d1, dprec = consensus_date(reports)
    published = sorted(r.published for r in reports if r.published)
    details = {
        "place": place_detail(reports, cfg),
        "date": date_detail(reports, cfg),
        "perpetrator": actor_detail(reports, "actor1"),
        "target": actor_detail(reports, "actor2"),
        "toll": toll_detail(reports, cfg),
        "type": type_detail(reports),
    }
    denials = [r for r in reports if r.modality == "denied"]
    if denials:
        details["denial"] = {"status": "conflict", "values": _grouped([("denied", r) for r in denials])}
    figures = figure_ranges(reports)
    tot = figures.get("total") or figures.get("civilians")
    return {
        "id": cluster_id,
        "event_type": etype,
        "sub_event_type": sub,
        "date": {"start": day_iso(d0), "end": day_iso(d1), "precision": dprec},
        "location": None
        if place is None
        else {
            "name": place.place_name,
            "geonameid": place.geonameid,
            "admin1": place.admin1,
            "country": place.country,
            "lat": place.lat,
            "lon": place.lon,
            "geo_precision": place.precision,
        },
        "background": all(r.background for r in reports),
        "n_reports": len(reports),
        "n_articles": len({r.article_id for r in reports}),
        "n_sources": len({_voice(r) for r in reports}),
        "sources": sorted({_voice(r) for r in reports}),
        "first_report": published[0] if published else None,
        "last_report": published[-1] if published else None,
        "fatalities": None if tot is None else {k: tot[k] for k in ("min", "max", "median", "spread")},
        "figures": figures,
        "agree": [k for k in DETAILS if details[k]["status"] == "agree"],
        "conflict": [k for k, v in details.items() if v["status"] == "conflict"],
        "details": details,
        "reports": [
            {
                "article_id": r.article_id,
                "event_id": r.event_id,
                "source": r.source,
                "published": r.published,
                "headline": r.headline,
                "background": r.background,
                "modality": r.modality,
                "sub_event_type": r.sub_event_type,
                "place": r.place_name,
                "date": {"start": day_iso(r.day_start), "end": day_iso(r.day_end)},
                "actor1": r.actor1_name,
                "actor2": r.actor2_name,
                "figures": {k: v for k, v in r.figures.items() if v is not None},
                "attributed_to": r.attributed_to,
                "evidence": r.evidence,
                "link_score": scores.get((r.article_id, r.event_id)),
            }
            for r in sorted(reports, key=lambda r: (r.published or "", r.article_id, r.event_id))
        ],
    }

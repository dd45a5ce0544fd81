"""Credibility of an article: a score in [0, 1] with the reasons behind it.

Three things count, and nothing else (never the outlet's name, never a table of outlets):
- corroboration: how the article's events and figures agree with independent reports of
  the same events (other outlets, not copies of the same wire text) - the toll, the
  perpetrator, the date, the place;
- sourcing: whether it names its sources, cites only anonymous ones, or none;
- language: loaded or sectarian words, and hedges.

``text_features(record)`` reads the article once (when it is stored);
``corroboration_features(...)`` compares it with its clusters (whenever they change);
``score(...)`` weighs both with the weights of ``data/credibility.yaml``.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from .config import Lexicon, LinkConfig, lexicon
from .matching import tolls_agree
from .reports import Report, haversine_km

_WORD = re.compile(r"\w+")
ANONYMOUS_CLAIMANT = re.compile(
    r"^(?:an?|the)?\s*(?:\w+\s+){0,2}(?:source|sources|official|officials|activist|activists|witness|witnesses|resident|residents)$",
    re.IGNORECASE,
)


def text_features(record: dict[str, Any], lex: Lexicon | None = None) -> dict[str, Any]:
    """What the article's own text says about its sourcing and its language."""
    lex = lex or lexicon()
    text = str(record.get("text") or "")
    words = len(_WORD.findall(text))
    loaded = Counter(m.group(0).lower() for m in lex.loaded_re.finditer(text))
    sectarian = Counter(m.group(0).lower() for m in lex.sectarian_re.finditer(text))
    anonymous = [m.group(0) for m in lex.anonymous_re.finditer(text)]
    anon_spans = [m.span() for m in lex.anonymous_re.finditer(text)]
    named = [
        m.group(0)
        for m in lex.named_re.finditer(text)
        if not any(s < m.end() and m.start() < e for s, e in anon_spans)
    ]
    # the claims stage knows claimants better than patterns do: use it when it found any
    for claim in record.get("claims") or []:
        who = (claim.get("claimant") or {}).get("name") or ""
        if not who:
            continue
        if ANONYMOUS_CLAIMANT.match(who.strip()):
            anonymous.append(who)
        else:
            named.append(who)
    hedges = [m.group(0).lower() for m in lex.hedges_re.finditer(text)]
    return {
        "words": words,
        "loaded": dict(loaded.most_common()),
        "sectarian": dict(sectarian.most_common()),
        "named": len(named),
        "named_examples": _examples(named),
        "anonymous": len(anonymous),
        "anonymous_examples": _examples(anonymous),
        "hedges": len(hedges),
    }


def _examples(items: Sequence[str], n: int = 3) -> list[str]:
    seen: list[str] = []
    for x in items:
        x = " ".join(x.split())
        if x not in seen:
            seen.append(x)
        if len(seen) >= n:
            break
    return seen


def _tokens(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2 or w.isdigit()}


def near_copy(a: Report, b: Report) -> bool:
    """Two reports whose sentences are (nearly) the same words: one wire story republished,
    not two independent reports."""
    ta, tb = _tokens(a.evidence), _tokens(b.evidence)
    if len(ta) < 8 or len(tb) < 8:  # short sentences say the same thing in the same words
        return False
    return len(ta & tb) / len(ta | tb) >= 0.8


def independent(r: Report, others: Sequence[Report]) -> list[Report]:
    """The reports of other outlets (or, without outlets, other articles) that are not
    copies of ``r``."""
    return [
        o
        for o in others
        if o.article_id != r.article_id
        and (o.source is None or r.source is None or o.source != r.source)
        and not near_copy(r, o)
    ]


def _weight(r: Report) -> float:
    if r.background:
        return 0.25
    return 1.0 if r.headline else 0.5


def corroboration_features(
    reports: Sequence[Report],
    members: dict[str, list[Report]],
    clusters: dict[tuple[str, str], str],
    cfg: LinkConfig,
) -> dict[str, Any]:
    """How the article's reports agree with independent reports in their clusters.
    ``members``: cluster id -> its reports; ``clusters``: (article, event) -> cluster id."""
    agreements = conflicts = corroborated = total = 0.0
    headline_alone = False
    reasons: list[tuple[float, str]] = []
    details: list[dict[str, Any]] = []
    for r in reports:
        cid = clusters.get((r.article_id, r.event_id))
        if cid is None or not r.linkable(cfg):
            continue
        w = _weight(r)
        total += w
        others = independent(r, members.get(cid, []))
        if not others:
            if r.headline:
                headline_alone = True
            continue
        corroborated += w
        n_src = len({o.source or o.article_id for o in others})
        what = f"{r.sub_event_type.lower() or 'event'}" + (f" in {r.place_name}" if r.place_name else "")
        for name, verdict, note in _compare(r, others, cfg):
            details.append(
                {"event_id": r.event_id, "cluster_id": cid, "detail": name, "verdict": verdict, "note": note}
            )
            if verdict == "agree":
                agreements += w
                reasons.append((w, f"{what}: {note} agrees with {n_src} independent source(s)"))
            else:
                conflicts += w
                reasons.append((w * 1.5, f"{what}: {note} contradicted by independent source(s)"))
        if not any(d["event_id"] == r.event_id for d in details):
            reasons.append((w * 0.5, f"{what}: also reported by {n_src} independent source(s)"))
    return {
        "agreements": round(agreements, 3),
        "conflicts": round(conflicts, 3),
        "corroborated": round(corroborated / total, 3) if total else None,
        "headline_uncorroborated": headline_alone,
        "linkable_weight": round(total, 3),
        "details": details,
        "reasons": [t for _, t in sorted(reasons, key=lambda x: -x[0])[:6]],
    }


def _compare(r: Report, others: Sequence[Report], cfg: LinkConfig) -> list[tuple[str, str, str]]:
    """(detail, agree|conflict, what was compared) for each detail both sides know."""
    out: list[tuple[str, str, str]] = []
    tolls = [o.toll for o in others if o.toll is not None]
    if r.toll is not None and tolls:
        med = int(statistics.median(tolls))
        lo, hi = min(tolls), max(tolls)
        ok = tolls_agree(r.toll, med, cfg) or lo <= r.toll <= hi and len(tolls) > 1
        rng = f"{lo}" if lo == hi else f"{lo}-{hi}"
        out.append(("toll", "agree" if ok else "conflict", f"toll {r.toll} (others: {rng})"))
    actors = Counter(o.actor1_said for o in others if o.actor1_said)
    if r.actor1_said and actors:
        top = actors.most_common(1)[0][0]
        names = {o.actor1_said: o.actor1_name for o in others if o.actor1_said}
        ok = r.actor1_said in actors
        out.append(
            (
                "perpetrator",
                "agree" if ok else "conflict",
                f"perpetrator {r.actor1_name or r.actor1_said}"
                + ("" if ok else f" (others: {names.get(top) or top})"),
            )
        )
    days = [o.day_start for o in others if o.day_precise and o.day_start is not None]
    if r.day_precise and r.day_start is not None and days:
        med_day = int(statistics.median(days))
        ok = abs(r.day_start - med_day) <= cfg.slack_days
        out.append(("date", "agree" if ok else "conflict", "date"))
    towns = [o for o in others if o.precision == 1 and o.lat is not None]
    if r.precision == 1 and r.lat is not None and towns:
        near = [
            o
            for o in towns
            if (r.geonameid is not None and o.geonameid == r.geonameid)
            or haversine_km(r.lat, r.lon, o.lat, o.lon) <= cfg.radius_km.get(1, 15.0) / 2  # type: ignore[arg-type]
        ]
        out.append(("place", "agree" if near else "conflict", f"place {r.place_name or ''}".strip()))
    return out


def score(text: dict[str, Any], corr: dict[str, Any], lex: Lexicon | None = None) -> dict[str, Any]:
    """The credibility record: ``{"score", "reasons", "parts"}``."""
    w = (lex or lexicon()).weights
    parts: dict[str, float] = {}
    reasons: list[str] = list(corr.get("reasons") or [])
    agreements, conflicts = float(corr.get("agreements") or 0), float(corr.get("conflicts") or 0)
    parts["agreement"] = w["agreement"] * math.tanh(agreements / 2)
    parts["conflict"] = -w["conflict"] * math.tanh(conflicts / 2)
    share = corr.get("corroborated")
    parts["corroborated"] = w["corroborated"] * share if share is not None else 0.0
    parts["uncorroborated"] = w["uncorroborated"] if corr.get("headline_uncorroborated") else 0.0
    if share is None:
        reasons.append("no event precise enough to compare with other reports")
    elif corr.get("headline_uncorroborated"):
        reasons.append("main event reported by no other independent source (yet)")
    if text.get("named"):
        parts["sourcing"] = w["named_sources"]
        reasons.append("names its sources: " + "; ".join(f"'{x}'" for x in text.get("named_examples") or []))
    elif text.get("anonymous"):
        parts["sourcing"] = w["anonymous_only"]
        reasons.append(
            "cites only anonymous sources: "
            + "; ".join(f"'{x}'" for x in text.get("anonymous_examples") or [])
        )
    else:
        parts["sourcing"] = w["no_sources"]
        reasons.append("gives no source for what it reports")
    words = max(int(text.get("words") or 0), 1)
    loaded = text.get("loaded") or {}
    n_loaded = sum(loaded.values())
    parts["loaded"] = (
        max(w["loaded_cap"], w["loaded_per_100_words"] * 100 * n_loaded / words) if n_loaded else 0.0
    )
    if n_loaded:
        reasons.append("loaded words: " + ", ".join(f"{k} x{v}" for k, v in list(loaded.items())[:5]))
    sectarian = text.get("sectarian") or {}
    parts["sectarian"] = w["sectarian"] if sectarian else 0.0
    if sectarian:
        reasons.append("sectarian words: " + ", ".join(sectarian))
    hedges = int(text.get("hedges") or 0)
    parts["hedges"] = w["hedges"] * min(hedges, 3)
    value = min(0.98, max(0.02, 0.5 + sum(parts.values())))
    return {"score": round(value, 3), "reasons": reasons, "parts": {k: round(v, 4) for k, v in parts.items()}}

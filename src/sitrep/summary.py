"""A readable summary of an article record, for people at a terminal."""

from __future__ import annotations

import textwrap
from typing import Any


def _place(p: dict[str, Any] | None) -> str:
    if not p:
        return "?"
    where = p.get("name") or p.get("mention") or "?"
    if p.get("country"):
        where += f", {p['country']}"
    return where


def _actor(a: dict[str, Any] | None) -> str:
    return (a or {}).get("name") or "?"


def _date(d: dict[str, Any] | None) -> str:
    if not d or not d.get("start"):
        return "date ?"
    span = d["start"] if d["start"] == d.get("end") else f"{d['start']}..{d.get('end')}"
    return f"{span} ({d['text']})" if d.get("text") else span


def _quote(text: str, width: int = 96) -> str:
    text = " ".join(text.split())
    return textwrap.shorten(f"“{text}”", width=width, placeholder="…”")


def _modality(e: dict[str, Any], claims: dict[Any, dict[str, Any]]) -> str:
    """ "planned", "claimed by IS", "denied (reported by Russia; refuted by SDF, the article)":
    who says it is ``attributed_to``; who denies it, the stances of its claim."""
    modality = e.get("modality") or "asserted"
    who = _actor(e.get("attributed_to")) if e.get("attributed_to") else None
    claim = claims.get(e.get("claim")) or {}
    if modality == "denied" and claim.get("kind") != "denial":
        deniers = [_actor(s.get("by")) for s in claim.get("stances") or [] if s.get("stance") == "refutes"]
        said = f"reported by {who}" if who else "reported"
        return f"denied ({said}; refuted by {', '.join(deniers)})" if deniers else f"denied ({said})"
    if who is None:
        return modality
    if modality in ("planned", "hypothetical"):
        return f"{modality}, according to {who}"
    if modality == "asserted":
        return f"according to {who}"
    return f"{modality} by {who}"


def summarize(record: dict[str, Any]) -> str:
    lines = [record.get("title") or "(no title)"]
    meta = [f"published {record.get('published') or '?'}"]
    if record.get("source"):
        meta.append(f"source {record['source']}")
    if record.get("dateline"):
        dl = record["dateline"]
        meta.append(
            f"dateline {dl.get('mention')}" + (f" -> {_place(dl.get('place'))}" if dl.get("place") else "")
        )
    meta.append(f"id {record.get('id')}")
    lines.append("  " + " | ".join(meta))
    for err in record.get("errors") or []:
        lines.append(f"  ! {err.get('stage')}: {err.get('message')}")
    places = record.get("places") or []
    if places:
        seen: dict[str, tuple[dict[str, Any], int]] = {}
        for p in places:
            key = f"{p.get('mention')}"
            seen[key] = (seen.get(key, (p, 0))[0], seen.get(key, (p, 0))[1] + 1)
        items = []
        for mention, (p, n) in seen.items():
            coord = f" ({p['lat']:.2f}, {p['lon']:.2f})" if p.get("lat") is not None else ""
            items.append(f"{mention} -> {_place(p)}{coord}" + (f" x{n}" if n > 1 else ""))
        lines.append(f"Places ({len(seen)}): " + "; ".join(items))
    actors = record.get("actors") or []
    if actors:
        items = []
        for a in actors:
            names = sorted({m["text"] for m in a.get("mentions") or []} - {a.get("name")})
            kind = f" [{a['type']}]" if a.get("type") else ""
            items.append(a.get("name", "?") + kind + (f" ({', '.join(names)})" if names else ""))
        lines.append(f"Actors ({len(actors)}): " + "; ".join(items))
    events = record.get("events") or []
    claims_by_id = {c.get("id"): c for c in record.get("claims") or []}
    if events:
        lines.append(f"Events ({len(events)}):")
        for e in events:
            head = "*" if e.get("headline") else "-"
            who = _actor(e.get("actor1")) + (f" vs {_actor(e.get('actor2'))}" if e.get("actor2") else "")
            lines.append(
                f"  {head} {e.get('event_type')} / {e.get('sub_event_type')}: {who}, at {_place(e.get('location'))}, {_date(e.get('date'))}"
            )
            extra = []
            fat = {k: v for k, v in (e.get("fatalities") or {}).items() if v}
            if fat:
                extra.append("killed " + ", ".join(f"{k} {v}" for k, v in fat.items()))
            for k in ("injured", "displaced"):
                if e.get(k):
                    extra.append(f"{k} {e[k]}")
            if e.get("modality") and e["modality"] != "asserted" or e.get("attributed_to"):
                extra.append(_modality(e, claims_by_id))
            if extra:
                lines.append("      " + "; ".join(extra))
            lines.append("      " + _quote((e.get("evidence") or {}).get("text", "")))
    figures = record.get("figures") or []
    if figures:
        lines.append(f"Figures ({len(figures)}):")
        for f in figures:
            src = f" (source: {_actor(f.get('source'))})" if f.get("source") else ""
            amount = f"{f.get('qualifier') + ' ' if f.get('qualifier') else ''}{f.get('value')} {f.get('unit') or ''}"
            if f.get("approximate") and f.get("text"):
                amount = f"{' '.join(f['text'].split())} ({amount.strip()})"  # "hundreds (at least 200)"
            lines.append(f"  - {amount.strip()}{' ' + f['what'] if f.get('what') else ''}{src}")
    claims = record.get("claims") or []
    if claims:
        lines.append(f"Claims ({len(claims)}):")
        for c in claims:
            lines.append(
                f"  - {_actor(c.get('claimant'))} {c.get('cue') or 'says'}: {_quote(c.get('text', ''), 90)} [{c.get('status')}]"
            )
            for s in c.get("stances") or []:
                lines.append(
                    f"      {s.get('stance')} by {_actor(s.get('by'))}: {_quote((s.get('evidence') or {}).get('text', ''), 80)}"
                )
    return "\n".join(lines)

#!/usr/bin/env python3
"""Figures about claims in a set of analysed records (the output of `sitrep analyze --format
jsonl`): how many claims of each kind and status, how many articles carry conflicting tolls
(events with `conflicts`), and examples quoted from the records.

usage: .venv/bin/python scripts/claims_report.py records.jsonl [--examples 3]

The FA-KES table in docs/claims.md comes from:
    python3 -c 'import json,sys; [print(json.dumps({k: r.get(k) for k in ("id","title","text","source")}))
                for r in map(json.loads, open(sys.argv[1]))]' ../shared/data/fakes/dev.jsonl > fakes.in.jsonl
    .venv/bin/sitrep analyze fakes.in.jsonl --format jsonl -q > fakes.out.jsonl
    .venv/bin/python scripts/claims_report.py fakes.out.jsonl
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import textwrap
from typing import Any


def _name(ref: dict[str, Any] | None) -> str:
    return (ref or {}).get("name") or "the article"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("records")
    ap.add_argument("--examples", type=int, default=3)
    args = ap.parse_args()
    records = [json.loads(line) for line in open(args.records, encoding="utf-8") if line.strip()]
    n = len(records)
    kinds: collections.Counter[str] = collections.Counter()
    status: collections.Counter[str] = collections.Counter()
    speech: collections.Counter[str] = collections.Counter()
    stances: collections.Counter[str] = collections.Counter()
    canonical = attributed = 0
    with_claims = with_events = with_conflicts = events_conflicting = 0
    fields: collections.Counter[str] = collections.Counter()
    figures = sourced = 0
    modality: collections.Counter[str] = collections.Counter()
    examples = []
    for r in records:
        claims = r.get("claims") or []
        with_claims += bool(claims)
        for c in claims:
            kinds[c.get("kind")] += 1
            status[c.get("status")] += 1
            speech[c.get("speech")] += 1
            if c.get("claimant"):
                attributed += 1
                canonical += bool(c["claimant"].get("id"))
            for s in c.get("stances") or []:
                stances[s.get("stance")] += 1
        for f in r.get("figures") or []:
            figures += 1
            sourced += bool(f.get("source"))
        events = r.get("events") or []
        with_events += bool(events)
        conflicted = [e for e in events if e.get("conflicts")]
        with_conflicts += bool(conflicted)
        events_conflicting += len(conflicted)
        for e in events:
            modality[e.get("modality")] += 1
        for e in conflicted:
            fields.update({c["field"] for c in e["conflicts"]})
            examples.append((r, e))
    total = sum(kinds.values())
    print(f"articles: {n}; with claims: {with_claims}; claims: {total} ({total / max(n, 1):.1f} per article)")
    print(f"claims with a claimant: {attributed}; canonical (actor id): {canonical}")
    print("kinds:", dict(kinds.most_common()))
    print("speech:", dict(speech.most_common()))
    print("status:", dict(status.most_common()))
    print("stances:", dict(stances.most_common()))
    print(f"figures: {figures}; with a source: {sourced}")
    print("event modality:", dict(modality.most_common()))
    print(
        f"articles with events: {with_events}; articles with conflicting figures on an event: {with_conflicts} "
        f"({100 * with_conflicts / max(with_events, 1):.1f}% of those with events); events with conflicts: "
        f"{events_conflicting}; counts in conflict: {dict(fields.most_common())}"
    )
    for r, e in examples[: args.examples]:
        print()
        print(f"- article {r.get('id')} ({r.get('source')}): {r.get('title')}")
        print(f"  event {e.get('id')}: {e.get('event_type')} / {e.get('sub_event_type')}")
        for c in e["conflicts"]:
            q = f"{c['qualifier']} " if c.get("qualifier") else ""
            ev = " ".join((c.get("evidence") or {}).get("text", "").split())
            print(f"    {c['field']}: {q}{c['value']} according to {_name(c.get('source'))}")
            print(textwrap.indent(textwrap.fill(f"“{ev}”", 100), "      "))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The places of FA-KES records that are neither in Syria nor a country, with counts.

FA-KES articles are about the Syrian war: a place outside Syria that is not a country is
often a false place (a person's name, a common word, a month) that a namesake town bears.
This lists them so that a sample can be checked by hand.

usage:
  python scripts/fakes_foreign_places.py [RECORDS.jsonl]            # counts per mention and place
  python scripts/fakes_foreign_places.py RECORDS.jsonl --sample 50  # a random sample, in context

RECORDS.jsonl defaults to var/eval/fakes.out.jsonl (what `sitrep eval --only fakes` writes).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def foreign_places(records: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(record, place) for every place not in Syria and not a country (PCL*)."""
    for r in records:
        for p in r.get("places") or []:
            if p.get("country") == "SY" or (p.get("feature_code") or "").startswith("PCL"):
                continue
            yield r, p


def _label(p: dict[str, Any]) -> str:
    return f"{p.get('name')} ({p.get('country') or '-'}, {p.get('feature_code') or '-'})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("records", nargs="?", default="var/eval/fakes.out.jsonl")
    ap.add_argument("--sample", type=int, default=0, help="print N places at random, in context")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--top", type=int, default=60, help="how many mentions to list by count")
    args = ap.parse_args(argv)
    with open(Path(args.records), encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    found = list(foreign_places(records))
    n_places = sum(len(r.get("places") or []) for r in records)
    print(f"{len(records)} records, {n_places} places, {len(found)} neither in Syria nor a country")
    if args.sample:
        rng = random.Random(args.seed)
        for k, (r, p) in enumerate(rng.sample(found, min(args.sample, len(found))), 1):
            text = r.get("text") or ""
            s, e = p.get("start") or 0, p.get("end") or 0
            ctx = text[max(0, s - 70) : s] + "[[" + text[s:e] + "]]" + text[e : e + 50]
            ctx = " ".join(ctx.split())
            print(f"{k:3d}. {r.get('id')} {p.get('mention')!r} -> {_label(p)} score={p.get('score')}")
            print(f"     ...{ctx}...")
        return 0
    by_mention = Counter(p.get("mention") for _, p in found)
    by_place = Counter(_label(p) for _, p in found)
    print(f"\n{len(by_mention)} distinct mentions; the most frequent:")
    for mention, c in by_mention.most_common(args.top):
        print(f"{c:4d}  {mention}")
    print(f"\n{len(by_place)} distinct places; the most frequent:")
    for label, c in by_place.most_common(args.top):
        print(f"{c:4d}  {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Measuring corroboration on a store: linking against gold pairs of articles, and the AUC
of article credibility against labels.

    python -m sitrep.corroborate.measure --db fakes.db \\
        --pairs eval/gold/fakes_pairs.csv --labels ../shared/data/fakes/dev.jsonl

Two articles count as linked when some event of one and some event of the other are in
the same cluster (``any``), or - stricter - when their headline events are (``headline``).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, SitrepError
from ..store.sql import SQLStore


@dataclass(frozen=True, slots=True)
class GoldPair:
    a: str
    b: str
    same: bool
    relation: str
    note: str = ""


def load_pairs(path: str | Path) -> list[GoldPair]:
    """Gold pairs: CSV with article_a, article_b, same_event (1/0), relation, note."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise InputError(f"cannot read gold pairs {path}: {exc.strerror}") from None
    out = []
    for i, r in enumerate(rows, start=2):
        try:
            out.append(
                GoldPair(
                    r["article_a"].strip(),
                    r["article_b"].strip(),
                    r["same_event"].strip() == "1",
                    (r.get("relation") or "").strip(),
                    r.get("note") or "",
                )
            )
        except (KeyError, AttributeError):
            raise InputError(f"{path}:{i}: expected columns article_a, article_b, same_event") from None
    return out


def article_clusters(store: SQLStore, *, headline_only: bool = False) -> dict[str, set[str]]:
    """Article id -> the clusters its events are in."""
    sql = "SELECT r.article_id, r.cluster_id FROM cluster_reports r"
    if headline_only:
        sql += (
            " JOIN events e ON e.article_id = r.article_id AND e.event_id = r.event_id WHERE e.headline = 1"
        )
    out: dict[str, set[str]] = defaultdict(set)
    for row in store.query(sql):
        out[row["article_id"]].add(row["cluster_id"])
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | None]:
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = 2 * p * r / (p + r) if p and r else None
    return {"precision": p, "recall": r, "f1": f}


def linking_scores(
    store: SQLStore, pairs: Sequence[GoldPair], *, headline_only: bool = False
) -> dict[str, Any]:
    """Precision, recall and F1 of linking over gold pairs; recall by relation too."""
    clusters = article_clusters(store, headline_only=headline_only)
    tp = fp = fn = tn = 0
    by_relation: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors: list[dict[str, Any]] = []
    for p in pairs:
        linked = bool(clusters.get(p.a, set()) & clusters.get(p.b, set()))
        if p.same:
            by_relation[p.relation][1] += 1
            if linked:
                tp += 1
                by_relation[p.relation][0] += 1
            else:
                fn += 1
                errors.append({"type": "missed", "a": p.a, "b": p.b, "note": p.note})
        elif linked:
            fp += 1
            errors.append({"type": "wrongly linked", "a": p.a, "b": p.b, "note": p.note})
        else:
            tn += 1
    return {
        **_prf(tp, fp, fn),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "recall_by_relation": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_relation.items())},
        "errors": errors,
    }


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve (the Mann-Whitney statistic; ties count one half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    ranked = sorted((s, i) for i, s in enumerate(list(pos) + list(neg)))
    ranks = [0.0] * len(ranked)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[ranked[k][1]] = (i + j) / 2 + 1
        i = j + 1
    r_pos = sum(ranks[: len(pos)])
    return (r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def read_labels(path: str | Path, field: str = "credible") -> list[tuple[str, bool]]:
    """(id, label) from JSON Lines with ``{"id", "gold": {field: bool}}`` (FA-KES)."""
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    out.append((str(row["id"]), bool(row["gold"][field])))
                except (ValueError, KeyError, TypeError):
                    raise InputError(f"{path}:{n}: expected {{'id', 'gold': {{'{field}': ...}}}}") from None
    except OSError as exc:
        raise InputError(f"cannot read labels {path}: {exc.strerror}") from None
    return out


def credibility_scores(store: SQLStore) -> dict[str, float]:
    return {
        row["article_id"]: float(row["score"])
        for row in store.query("SELECT article_id, score FROM credibility")
    }


def credibility_auc(
    store: SQLStore, labels: Iterable[tuple[str, bool]], *, missing: float = 0.5
) -> dict[str, Any]:
    """AUC of the stored credibility against labels (an article not in the store scores
    ``missing``); also how many labelled articles were found."""
    scores = credibility_scores(store)
    ids_labels = list(labels)
    s = [scores.get(i, missing) for i, _ in ids_labels]
    y = [lab for _, lab in ids_labels]
    return {"auc": auc(s, y), "n": len(ids_labels), "found": sum(1 for i, _ in ids_labels if i in scores)}


def main(argv: list[str] | None = None) -> int:
    from ..store import open_store

    ap = argparse.ArgumentParser(
        prog="python -m sitrep.corroborate.measure", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--db", required=True)
    ap.add_argument("--pairs", help="gold pairs CSV (eval/gold/fakes_pairs.csv)")
    ap.add_argument("--labels", help="JSON Lines with gold.credible (../shared/data/fakes/dev.jsonl)")
    ap.add_argument("--errors", action="store_true", help="list the pairs linking gets wrong")
    args = ap.parse_args(argv)
    try:
        with open_store(args.db) as store:
            result: dict[str, Any] = {}
            if args.pairs:
                pairs = load_pairs(args.pairs)
                for mode, head in (("any", False), ("headline", True)):
                    r = linking_scores(store, pairs, headline_only=head)
                    if not args.errors:
                        r.pop("errors")
                    result[f"linking_{mode}"] = r
            if args.labels:
                result["credibility"] = credibility_auc(store, read_labels(args.labels))
            result["clusters"] = {
                "n": store.scalar("SELECT COUNT(*) FROM clusters"),
                "multi_source": store.scalar("SELECT COUNT(*) FROM clusters WHERE n_sources > 1"),
                "reports": store.scalar("SELECT COUNT(*) FROM cluster_reports"),
            }
    except SitrepError as exc:
        print(f"sitrep: error: {exc.message}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

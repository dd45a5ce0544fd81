#!/usr/bin/env python3
"""Train the stance model of `sitrep stance` and report honest figures.

usage: .venv/bin/python scripts/train_stance.py ../shared/data/stance/emergent.dev.jsonl [--write]

Prints grouped cross-validation (all pairs of one claim in the same fold, so every pair is
predicted by a model that never saw its claim) over several seeds, then, with --write, fits
the model on all pairs and writes src/sitrep/data/stance_model.json with the CV figures in
its "meta". The dev pairs are the only training data; the held-out half is never seen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
from pathlib import Path

from sitrep.stance import cross_validate, read_emergent, train

OUT = Path(__file__).resolve().parent.parent / "src" / "sitrep" / "data" / "stance_model.json"


def _readable(d: dict) -> str:
    """JSON with one feature per line: "feature": [w_supports, w_refutes, w_observing]."""
    import json

    head = {k: v for k, v in d.items() if k != "weights"}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f" {json.dumps(k)}: {json.dumps(v)},")
    lines.append(' "weights": {')
    items = list(d["weights"].items())
    for i, (k, v) in enumerate(items):
        lines.append(f"  {json.dumps(k)}: {json.dumps(v)}" + ("," if i < len(items) - 1 else ""))
    lines.append(" }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold", help="Emergent JSONL (claim, headline, stance, claim_id)")
    ap.add_argument("--folds", type=int, default=6)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--l2", type=float, default=10.0)
    ap.add_argument("--write", action="store_true", help=f"fit on all pairs and write {OUT.name}")
    args = ap.parse_args()
    pairs, groups = read_emergent(args.gold)
    runs = [cross_validate(pairs, groups, folds=args.folds, seed=s, l2=args.l2) for s in range(args.seeds)]
    for r in runs:
        per = " ".join(f"{k}={v:.3f}" for k, v in r["f1"].items())
        print(f"seed {r['seed']}: acc={r['accuracy']:.3f} macroF1={r['macro_f1']:.3f} ({per})")
    macro = [r["macro_f1"] for r in runs]
    acc = [r["accuracy"] for r in runs]
    print(
        f"grouped {args.folds}-fold CV over {len(set(groups))} claims, {len(pairs)} pairs, {args.seeds} seeds: "
        f"acc {statistics.mean(acc):.3f}, macro F1 {statistics.mean(macro):.3f} "
        f"(min {min(macro):.3f}, max {max(macro):.3f})"
    )
    if args.write:
        model = train(pairs, l2=args.l2)
        meta = {
            "trained_on": Path(args.gold).name,
            "pairs": len(pairs),
            "claims": len(set(groups)),
            "l2": args.l2,
            "date": dt.date.today().isoformat(),
            "cv": {
                "folds": args.folds,
                "seeds": args.seeds,
                "grouped_by": "claim_id",
                "accuracy": round(statistics.mean(acc), 3),
                "macro_f1": round(statistics.mean(macro), 3),
                "macro_f1_min": round(min(macro), 3),
            },
        }

        from sitrep.stance import StanceModel

        model = StanceModel(model.weights, model.bias, model.labels, meta)
        OUT.write_text(_readable(model.to_dict()), "utf-8")
        print(f"wrote {OUT} ({len(model.weights)} features)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Stance of a text towards a claim: supports, refutes, observing (reports it without taking
a side) or unrelated.

The text is a headline or a whole article. A headline is classified directly; an article is
split into sentences, the sentences that share content words with the claim are classified,
and the article takes the stance its most telling sentence shows (a clear refutation wins,
as a report that ends "the ministry denied it" refutes the claim whatever it repeated before).

The classifier is a small multinomial logistic regression over readable features: the
hedging, refuting and supporting word families of Ferreira & Vlachos (NAACL 2016, the
Emergent paper; in ``data/cues.yaml``), negation near the words the text shares with the
claim, question marks, attribution at the edges of a headline ("..., officials say"), and how
much of the claim the text covers. Its weights live in ``data/stance_model.json`` (written by
``scripts/train_stance.py``, which also reports grouped cross-validation). Inference is plain
Python: no numpy, no model download.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .cues import Cues, load_cues
from .errors import InputError, ModelError

LABELS = ("supports", "refutes", "observing")
# Emergent's words for the same three stances
GOLD_NAMES = {"for": "supports", "against": "refutes", "observing": "observing"}
MODEL_VERSION = 1

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*|[?:!]|n't", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])([\"”’')\]]*)\s+(?=[\"“‘(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[A-Z•\-*])")

_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Maj|Capt|Sgt|Gov|Sen|Rep|Prof|No|Jan|Feb|Mar|Apr"
    r"|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|vs|etc|approx|Inc|Ltd|Co)\.|\b[A-Z]\.)$"
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; "isn't" -> "is", "n't"; "?" and ":" kept."""
    text = text.replace("’", "'").replace("‘", "'")
    text = re.sub(r"(?i)\b(\w+)n't\b", r"\1 n't", text)
    return [t.lower() for t in _TOKEN.findall(text)]


def stem(word: str) -> str:
    """A light suffix stripper: enough to match "airstrikes"/"airstrike", "denied"/"denies",
    "captured"/"capturing"."""
    if len(word) <= 3:
        return word
    for suffix, repl in (
        ("ies", "y"),
        ("ied", "y"),
        ("ings", ""),
        ("ing", ""),
        ("es", ""),
        ("ed", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + repl
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def content_stems(tokens: Iterable[str], cues: Cues) -> set[str]:
    return {
        stem(t)
        for t in tokens
        if t not in cues.stopwords and t.isalnum() and not (t.isdigit() and len(t) == 1) and len(t) > 1
    }


def features(claim: str, text: str, cues: Cues | None = None) -> dict[str, float]:
    """The features of one (claim, text) pair; ``text`` is one headline or sentence."""
    cues = cues or load_cues()
    fam = cues.stance_families
    h = tokenize(text)
    c = tokenize(claim)
    f: dict[str, float] = {}
    for name in ("hedging", "refuting", "supporting"):
        words = fam[name]
        n = sum(1 for t in h if t in words)
        f[f"n_{name}"] = min(n, 3)
        for t in h:
            if t in words:
                f[f"w_{t}"] = 1.0
    neg = fam["negation"]
    claim_stems = content_stems(c, cues)
    text_stems = content_stems(h, cues)
    shared = claim_stems & text_stems
    f["cover_claim"] = len(shared) / max(1, len(claim_stems))
    f["cover_text"] = len(shared) / max(1, len(text_stems))
    f["question"] = float("?" in h)
    f["colon"] = float(":" in h)
    plain = [t for t in h if t not in ("?", ":", "!")]
    edge = plain[:2] + plain[-3:]
    f["hedge_at_edge"] = float(any(t in fam["hedging"] for t in edge))
    neg_text = any(t in neg for t in h)
    neg_claim = any(t in neg for t in c)
    f["neg_text_only"] = float(neg_text and not neg_claim)
    f["neg_claim_only"] = float(neg_claim and not neg_text)
    near = 0.0
    for i, t in enumerate(h):
        if t in neg and any(stem(x) in shared for x in h[i + 1 : i + 4]):
            near = 1.0
            break
    f["neg_near_shared"] = near
    f["length"] = min(len(plain), 40) / 20
    return f


@dataclass(frozen=True, slots=True)
class StanceModel:
    """Weights of the linear model: feature -> one weight per label, and a bias per label."""

    weights: dict[str, tuple[float, ...]]
    bias: tuple[float, ...]
    labels: tuple[str, ...] = LABELS
    meta: dict[str, Any] | None = None

    def scores(self, feats: dict[str, float]) -> dict[str, float]:
        """Probabilities of each label."""
        z = list(self.bias)
        for name, value in feats.items():
            w = self.weights.get(name)
            if w is not None and value:
                for k in range(len(z)):
                    z[k] += w[k] * value
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return {label: v / total for label, v in zip(self.labels, e, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": MODEL_VERSION,
            "labels": list(self.labels),
            "bias": [round(b, 6) for b in self.bias],
            "weights": {k: [round(x, 6) for x in v] for k, v in sorted(self.weights.items())},
            "meta": self.meta or {},
        }

    @classmethod
    def from_dict(cls, d: Any) -> StanceModel:
        try:
            labels = tuple(d["labels"])
            bias = tuple(float(b) for b in d["bias"])
            weights = {str(k): tuple(float(x) for x in v) for k, v in d["weights"].items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(f"stance model: malformed ({exc})") from None
        if set(labels) != set(LABELS) or len(bias) != len(labels):
            raise ModelError(f"stance model: labels must be {', '.join(LABELS)}")
        if any(len(w) != len(labels) for w in weights.values()):
            raise ModelError("stance model: every weight needs one value per label")
        return cls(weights, bias, labels, d.get("meta"))


def read_model(path: str | Path) -> StanceModel:
    try:
        return StanceModel.from_dict(json.loads(Path(path).read_text("utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"stance model {path}: {exc}") from None


@functools.cache
def load_model() -> StanceModel:
    """The packaged model (data/stance_model.json), read once per process."""
    text = resources.files("sitrep").joinpath("data/stance_model.json").read_text("utf-8")
    try:
        return StanceModel.from_dict(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ModelError(f"stance model data/stance_model.json: {exc}") from None


@dataclass(slots=True)
class StanceResult:
    stance: str  # supports | refutes | observing | unrelated
    score: float  # the probability of that stance (0 for unrelated)
    evidence: dict[str, Any] | None  # {"text", "start", "end"} within the text, or None

    def to_dict(self) -> dict[str, Any]:
        return {"stance": self.stance, "score": round(self.score, 3), "evidence": self.evidence}


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a plain text: ends of sentences and line breaks before a capital."""
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if _ABBREVIATION.search(text, max(0, m.start() - 12), m.start()):
            continue  # "U.S. air strikes", "Gen. Smith": not the end of a sentence
        spans.append((start, m.start() + len(m.group(1) or "")))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def classify(
    claim: str, text: str, model: StanceModel | None = None, cues: Cues | None = None
) -> StanceResult:
    """The stance of ``text`` (a headline or a whole article) towards ``claim``."""
    model = model or load_model()
    cues = cues or load_cues()
    sentences = split_sentences(text)
    if not sentences:
        return StanceResult("unrelated", 0.0, None)
    claim_stems = content_stems(tokenize(claim), cues)
    if len(sentences) == 1:
        s, e = sentences[0]
        probs = model.scores(features(claim, text[s:e], cues))
        label = max(probs, key=probs.__getitem__)
        return StanceResult(label, probs[label], {"text": text[s:e], "start": s, "end": e})
    # an article: the sentences about the claim, the first one (headline or lead) counted double
    scored = []
    for i, (s, e) in enumerate(sentences):
        shared = claim_stems & content_stems(tokenize(text[s:e]), cues)
        cover = len(shared) / max(1, len(claim_stems))
        if not shared or (cover < 0.25 and len(shared) < 2):
            continue
        weight = cover * (2.0 if i == 0 else 1.0)
        scored.append((weight, cover, model.scores(features(claim, text[s:e], cues)), s, e))
    if not scored:
        return StanceResult("unrelated", 0.0, None)
    strong = [x for x in scored if x[1] >= 0.3 and x[2]["refutes"] >= 0.6]
    if strong:
        best = max(strong, key=lambda x: x[2]["refutes"] * x[1])
        return StanceResult("refutes", best[2]["refutes"], _span(text, best[3], best[4]))
    total = sum(x[0] for x in scored)
    mean = {lab: sum(x[0] * x[2][lab] for x in scored) / total for lab in LABELS}
    label = max(mean, key=mean.__getitem__)
    best = max(scored, key=lambda x: x[2][label] * x[0])
    return StanceResult(label, mean[label], _span(text, best[3], best[4]))


def _span(text: str, s: int, e: int) -> dict[str, Any]:
    return {"text": text[s:e], "start": s, "end": e}


def stance(rows: Iterable[dict[str, Any]], model: StanceModel | None = None) -> Iterator[dict[str, Any]]:
    """``sitrep stance`` as a library function: ``{"id","claim","text"}`` rows in,
    ``{"id","stance","score","evidence"}`` out. A row without ``id`` takes its 0-based position
    (the Emergent scorer's convention); ``headline`` is read when ``text`` is absent. A row
    that cannot be read gives ``{"id", "error"}`` instead of stopping the batch."""
    model = model or load_model()
    cues = load_cues()
    for i, row in enumerate(rows):
        rid = row.get("id", i) if isinstance(row, dict) else i
        if not isinstance(row, dict):
            yield {"id": rid, "error": "expected a JSON object with claim and text"}
            continue
        if "_error" in row:
            yield {"id": rid, "error": row["_error"]}
            continue
        claim = row.get("claim")
        text = row.get("text", row.get("headline"))
        if not isinstance(claim, str) or not claim.strip():
            yield {"id": rid, "error": "missing or empty 'claim'"}
            continue
        if not isinstance(text, str) or not text.strip():
            yield {"id": rid, "error": "missing or empty 'text'"}
            continue
        yield {"id": rid, **classify(claim, text, model, cues).to_dict()}


def read_jsonl_rows(lines: Iterable[str], name: str = "input") -> Iterator[dict[str, Any]]:
    """JSON Lines rows; a bad line becomes ``{"id": n, "_error": ...}`` (n: its 0-based index)."""
    n = 0
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": n, "_error": f"{name} line {lineno}: invalid JSON ({exc.msg})"}
        else:
            if isinstance(obj, dict):
                obj.setdefault("id", n)
                yield obj
            else:
                yield {"id": n, "_error": f"{name} line {lineno}: expected a JSON object"}
        n += 1


# -- training (development only: needs numpy, which spaCy brings) ---------------------------


def _matrix(feats: Sequence[dict[str, float]], vocab: dict[str, int]) -> Any:
    import numpy as np

    m = np.zeros((len(feats), len(vocab)))
    for i, f in enumerate(feats):
        for k, v in f.items():
            j = vocab.get(k)
            if j is not None:
                m[i, j] = v
    return m


def train(
    pairs: Sequence[tuple[str, str, str]], l2: float = 10.0, iterations: int = 600, rate: float = 0.5
) -> StanceModel:
    """Fit the model on (claim, text, label) triples (labels: supports/refutes/observing),
    classes weighted to balance them; full-batch gradient descent on the L2-penalised loss."""
    import numpy as np

    cues = load_cues()
    feats = [features(c, t, cues) for c, t, _ in pairs]
    y = np.array([LABELS.index(lab) for _, _, lab in pairs])
    vocab: dict[str, int] = {}
    for f in feats:
        for k in f:
            vocab.setdefault(k, len(vocab))
    x = np.hstack([_matrix(feats, vocab), np.ones((len(feats), 1))])
    n, d = x.shape
    onehot = np.eye(len(LABELS))[y]
    counts = np.bincount(y, minlength=len(LABELS)).astype(float)
    sample_w = (n / (len(LABELS) * np.maximum(counts, 1)))[y]
    w = np.zeros((d, len(LABELS)))
    for _ in range(iterations):
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = x.T @ ((p - onehot) * sample_w[:, None]) / n
        grad[:-1] += l2 * w[:-1] / n
        w -= rate * grad
    weights = {k: tuple(float(v) for v in w[j]) for k, j in vocab.items()}
    return StanceModel(weights, tuple(float(v) for v in w[-1]), LABELS)


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, dict[str, float]]:
    per = {}
    for lab in LABELS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p != lab)
        prec, rec = tp / max(1, tp + fp), tp / max(1, tp + fn)
        per[lab] = 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)
    return sum(per.values()) / len(per), per


def cross_validate(
    pairs: Sequence[tuple[str, str, str]], groups: Sequence[str], folds: int = 6, seed: int = 0, **kw: Any
) -> dict[str, Any]:
    """Grouped k-fold cross-validation (every pair of one claim in the same fold, so the
    model is always tested on claims it never saw): accuracy and macro F1."""
    import random

    keys = sorted(set(groups))
    random.Random(seed).shuffle(keys)
    fold_of = {g: i % folds for i, g in enumerate(keys)}
    pred = [""] * len(pairs)
    for k in range(folds):
        train_idx = [i for i, g in enumerate(groups) if fold_of[g] != k]
        test_idx = [i for i, g in enumerate(groups) if fold_of[g] == k]
        if not test_idx:
            continue
        model = train([pairs[i] for i in train_idx], **kw)
        for i in test_idx:
            probs = model.scores(features(pairs[i][0], pairs[i][1]))
            pred[i] = max(probs, key=probs.__getitem__)
    gold = [p[2] for p in pairs]
    macro, per = macro_f1(gold, pred)
    acc = sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / max(1, len(gold))
    return {"folds": folds, "seed": seed, "n": len(gold), "accuracy": acc, "macro_f1": macro, "f1": per}


def read_emergent(path: str | Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Emergent pairs (claim, headline, label) and their claim ids from a JSONL file."""
    pairs, groups = [], []
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            pairs.append((r["claim"], r["headline"], GOLD_NAMES.get(r["stance"], r["stance"])))
            groups.append(str(r.get("claim_id", r["claim"])))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f"{path} line {lineno}: {exc}") from None
    return pairs, groups

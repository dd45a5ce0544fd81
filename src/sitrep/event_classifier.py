"""Event sub-type classification: which of ACLED's sub-event types a sentence reports.

Two kinds of features:
- trigger scores from the lexicon ``data/event_triggers.yaml`` (one score per sub-type,
  from the words and lemmas of the text), cheap and always available;
- the sentence's all-MiniLM-L6-v2 embedding (``sitrep.embeddings``), when the weights
  package is installed.
A multinomial logistic regression over them (weights in ``data/event_classifier.npz``)
gives a probability per sub-type. The weights are trained by
``python -m sitrep.event_classifier train`` (scikit-learn, a development dependency) on the
CASE 2021 dev snippets and on the codebook sentences of ``data/event_sentences.yaml``;
inference is numpy only. Without the embeddings a second model over the trigger scores
alone is used.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from .record import SUB_EVENT_TYPES

DATA = os.path.join(os.path.dirname(__file__), "data")
TRIGGERS_FILE = os.path.join(DATA, "event_triggers.yaml")
MODEL_FILE = os.path.join(DATA, "event_classifier.npz")
SENTENCES_FILE = os.path.join(DATA, "event_sentences.yaml")
LABELS: tuple[str, ...] = tuple(SUB_EVENT_TYPES)
NO_EVENT = "No event"  # the classifier's label for sentences that report no event


@dataclass
class SubType:
    name: str
    method: str | None
    patterns: list[tuple[tuple[str, ...], float]]


_TOKEN_SPLIT = re.compile(r"\s+|(?=[-–])|(?<=[-–])")


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    """A trigger phrase as spaCy tokenises it: words, with hyphens apart ("counter-attack")."""
    return tuple(t for t in _TOKEN_SPLIT.split(phrase.lower()) if t)


class Lexicon:
    """Trigger phrases per sub-type, matched on a text's tokens (words and lemmas)."""

    def __init__(self, path: str = TRIGGERS_FILE) -> None:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
        unknown = [k for k in data if k not in SUB_EVENT_TYPES]
        if unknown:
            raise ValueError(f"{path}: unknown sub-event types {unknown}")
        self.types: dict[str, SubType] = {}
        # first token -> [(pattern tokens, label index, weight, pattern id)]
        self.index: dict[str, list[tuple[tuple[str, ...], int, float, int]]] = {}
        pid = 0
        for k, name in enumerate(LABELS):
            entry = data.get(name) or {}
            pats = []
            for item in entry.get("triggers") or []:
                m = re.fullmatch(r"(.+?):([\d.]+)", str(item))
                phrase, weight = (m.group(1), float(m.group(2))) if m else (str(item), 1.0)
                toks = phrase_tokens(phrase)
                if not toks:
                    raise ValueError(f"{path}: {name}: empty trigger")
                pats.append((toks, weight))
                self.index.setdefault(toks[0], []).append((toks, k, weight, pid))
                pid += 1
            self.types[name] = SubType(name, entry.get("method"), pats)

    def method(self, sub_type: str) -> str | None:
        st = self.types.get(sub_type)
        return st.method if st else None

    def matches(self, words: Sequence[str], lemmas: Sequence[str] = ()) -> list[tuple[int, float, int, int]]:
        """(label index, weight, first token, end token) of every trigger found in the
        lowercase ``words`` or the ``lemmas`` of a text; a trigger counts once."""
        found: dict[int, tuple[int, float, int, int]] = {}
        for seq in (words, lemmas):
            n = len(seq)
            for i, w in enumerate(seq):
                for toks, k, weight, pid in self.index.get(w, ()):
                    if pid in found:
                        continue
                    size = len(toks)
                    if size == 1 or tuple(seq[i : i + size]) == toks:
                        if i + size <= n:
                            found[pid] = (k, weight, i, i + size)
        return list(found.values())

    def scores(self, words: Sequence[str], lemmas: Sequence[str] = ()) -> np.ndarray:
        """One score per label (LABELS order): the summed weights of the triggers found."""
        out = np.zeros(len(LABELS), dtype=np.float32)
        for k, weight, _, _ in self.matches(words, lemmas):
            out[k] += weight
        return out

    def hits(self, words: Sequence[str], lemmas: Sequence[str] = ()) -> list[tuple[str, str, float]]:
        """(sub-type, trigger, weight) for every trigger found: for explaining decisions."""
        return [(LABELS[k], " ".join(words[s:e]), w) for k, w, s, e in self.matches(words, lemmas)]


@functools.cache
def lexicon() -> Lexicon:
    return Lexicon()


def text_forms(doc_or_span: Any) -> tuple[list[str], list[str]]:
    """The lowercase words and the lemmas of a spaCy Doc or Span."""
    return [t.lower_ for t in doc_or_span], [t.lemma_.lower() for t in doc_or_span]


def lexical_features(scores: np.ndarray) -> np.ndarray:
    """Trigger scores squashed (log) plus which sub-type scores highest."""
    top = np.zeros_like(scores)
    if scores.max() > 0:
        top[int(scores.argmax())] = 1.0
    return np.concatenate([np.log1p(scores), top]).astype(np.float32)


@dataclass
class LinearModel:
    """Multinomial logistic regression: softmax(x @ W.T + b) over ``labels``."""

    labels: tuple[str, ...]
    W: np.ndarray
    b: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def proba(self, X: np.ndarray) -> np.ndarray:
        Z = ((X - self.mean) / self.scale) @ self.W.T + self.b
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        return P / P.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


class EventClassifier:
    """Sub-type probabilities for texts (sentences or short passages)."""

    def __init__(self, path: str = MODEL_FILE, use_embeddings: bool = True) -> None:
        self.lex = lexicon()
        self.models: dict[str, LinearModel] = {}
        if os.path.exists(path):
            with np.load(path, allow_pickle=False) as z:
                for kind in ("full", "lex"):
                    if f"{kind}_W" in z:
                        self.models[kind] = LinearModel(
                            tuple(str(x) for x in z[f"{kind}_labels"]),
                            z[f"{kind}_W"],
                            z[f"{kind}_b"],
                            z[f"{kind}_mean"],
                            z[f"{kind}_scale"],
                        )
        self.encoder = None
        if use_embeddings and "full" in self.models:
            from .embeddings import load_encoder

            self.encoder = load_encoder()

    @property
    def uses_embeddings(self) -> bool:
        return self.encoder is not None

    def predict_lex(self, forms: Sequence[tuple[list[str], list[str]]]) -> list[dict[str, float]]:
        """Probabilities from the trigger scores alone (cheap: no embedding)."""
        if not forms:
            return []
        if "lex" not in self.models:
            return self._scores_only(forms)
        X = np.stack([lexical_features(self.lex.scores(w, lm)) for w, lm in forms])
        model = self.models["lex"]
        return [dict(zip(model.labels, row.tolist(), strict=True)) for row in model.proba(X)]

    def _scores_only(self, forms: Sequence[tuple[list[str], list[str]]]) -> list[dict[str, float]]:
        out = []
        for w, lm in forms:
            s = self.lex.scores(w, lm)
            e = np.exp(s - s.max())
            out.append(dict(zip(LABELS, (e / e.sum()).tolist(), strict=True)))
        return out

    def predict(
        self, texts: Sequence[str], forms: Sequence[tuple[list[str], list[str]]]
    ) -> list[dict[str, float]]:
        """Probabilities per sub-type for each text; ``forms`` are its (words, lemmas)."""
        if not texts:
            return []
        lex = np.stack([lexical_features(self.lex.scores(w, lm)) for w, lm in forms])
        if self.encoder is not None:
            X = np.hstack([self.encoder.encode(list(texts)), lex])
            model = self.models["full"]
        elif "lex" in self.models:
            X, model = lex, self.models["lex"]
        else:  # no trained weights at all: the trigger scores decide
            return self._scores_only(forms)
        P = model.proba(X)
        return [dict(zip(model.labels, row.tolist(), strict=True)) for row in P]


@functools.cache
def load_classifier() -> EventClassifier:
    return EventClassifier()


# --- training (development: needs scikit-learn and ../shared/data) -------------------------

CASE_TO_ACLED = {
    "ABDUCT_DISSAP": "Abduction/forced disappearance", "AGREEMENT": "Agreement", "AIR_STRIKE": "Air/drone strike",
    "ARMED_CLASH": "Armed clash", "ARREST": "Arrests", "ART_MISS_ATTACK": "Shelling/artillery/missile attack",
    "ATTACK": "Attack", "CHANGE_TO_GROUP_ACT": "Change to group/activity", "CHEM_WEAP": "Chemical weapon",
    "DISR_WEAP": "Disrupted weapons use", "FORCE_AGAINST_PROTEST": "Excessive force against protesters",
    "GOV_REGAINS_TERIT": "Government regains territory", "GRENADE": "Grenade",
    "HQ_ESTABLISHED": "Headquarters or base established", "MOB_VIOL": "Mob violence",
    "NON_STATE_ACTOR_OVERTAKES_TER": "Non-state actor overtakes territory",
    "NON_VIOL_TERRIT_TRANSFER": "Non-violent transfer of territory", "OTHER": "Other",
    "PEACE_PROTEST": "Peaceful protest", "PROPERTY_DISTRUCT": "Looting/property destruction",
    "PROTEST_WITH_INTER": "Protest with intervention", "REM_EXPLOS": "Remote explosive/landmine/IED",
    "SEX_VIOL": "Sexual violence", "SUIC_BOMB": "Suicide bomb", "VIOL_DEMONSTR": "Violent demonstration",
    "MAN_MADE_DISASTER": "Man-made disaster", "NATURAL_DISASTER": "Natural disaster",
    "ORG_CRIME": "Organized crime", "ATTRIB": "Attribution of responsibility", "DIPLO": "Diplomatic event",
}  # fmt: skip


def load_sentences(path: str = SENTENCES_FILE) -> list[tuple[str, str]]:
    """(text, sub-type) pairs of the codebook sentences file."""
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    out: list[tuple[str, str]] = []
    for label, items in data.items():
        if label not in SUB_EVENT_TYPES and label != NO_EVENT:
            raise ValueError(f"{path}: unknown sub-event type {label!r}")
        out.extend((str(s), label) for s in items or [])
    return out


def load_case(path: str) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [(r["text"], CASE_TO_ACLED[r["gold"]["subtype"]]) for r in rows]


def featurize(texts: Sequence[str], with_embeddings: bool) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings or empty, lexical features) for training texts."""
    from .language import load_nlp

    nlp = load_nlp()
    lex = lexicon()
    docs = list(nlp.pipe(texts, disable=["ner"]))
    L = np.stack([lexical_features(lex.scores(*text_forms(d))) for d in docs])
    if with_embeddings:
        from .embeddings import Encoder

        E = Encoder().encode(list(texts))
    else:
        E = np.zeros((len(texts), 0), dtype=np.float32)
    return E, L


def fit(X: np.ndarray, y: Sequence[str], C: float, sample_weight: np.ndarray | None = None) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    mean = X.mean(axis=0)
    scale = X.std(axis=0) + 1e-6
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    clf.fit((X - mean) / scale, list(y), sample_weight=sample_weight)
    return LinearModel(
        tuple(str(c) for c in clf.classes_),
        clf.coef_.astype(np.float32),
        clf.intercept_.astype(np.float32),
        mean.astype(np.float32),
        scale.astype(np.float32),
    )


def weighted_f1(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, float, float]:
    """Accuracy, macro F1, weighted F1 over the gold labels (CASE 2021's measure)."""
    labels = sorted(set(gold))
    macro = weighted = 0.0
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p != lab)
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
        macro += f / len(labels)
        weighted += f * gold.count(lab) / len(gold)
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    return acc, macro, weighted


def cross_validate(
    case: list[tuple[str, str]], extra: list[tuple[str, str]], folds: int = 5, C: float = 0.5, seed: int = 13
) -> dict[str, tuple[float, float, float]]:
    """k-fold CV on the CASE snippets (the codebook sentences always train, never test)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(case))
    Ec, Lc = featurize([t for t, _ in case], True)
    Ex, Lx = (
        featurize([t for t, _ in extra], True)
        if extra
        else (np.zeros((0, Ec.shape[1])), np.zeros((0, Lc.shape[1])))
    )
    yc = [lab for _, lab in case]
    yx = [lab for _, lab in extra]
    preds: dict[str, list[str]] = {"full": [""] * len(case), "lex": [""] * len(case)}
    for k in range(folds):
        test = set(order[k::folds].tolist())
        tr = [i for i in range(len(case)) if i not in test]
        for kind in ("full", "lex"):
            Xc = np.hstack([Ec, Lc]) if kind == "full" else Lc
            Xx = np.hstack([Ex, Lx]) if kind == "full" else Lx
            X = np.vstack([Xc[tr], Xx])
            y = [yc[i] for i in tr] + yx
            model = fit(X, y, C)
            P = model.proba(Xc[sorted(test)])
            if NO_EVENT in model.labels:  # every snippet reports an event, as a headline with triggers does
                P[:, model.labels.index(NO_EVENT)] = -1.0
            for i, row in zip(sorted(test), P, strict=True):
                preds[kind][i] = model.labels[int(row.argmax())]
    return {kind: weighted_f1(yc, p) for kind, p in preds.items()}


def train(case_path: str, out: str = MODEL_FILE, C: float = 0.1) -> None:
    case = load_case(case_path)
    extra = load_sentences()
    texts = [t for t, _ in case + extra]
    y = [lab for _, lab in case + extra]
    E, L = featurize(texts, True)
    full = fit(np.hstack([E, L]), y, C)
    lex = fit(L, y, C)
    arrays: dict[str, Any] = {}
    for kind, m in (("full", full), ("lex", lex)):
        arrays[f"{kind}_labels"] = np.array(m.labels)
        arrays[f"{kind}_W"] = m.W
        arrays[f"{kind}_b"] = m.b
        arrays[f"{kind}_mean"] = m.mean
        arrays[f"{kind}_scale"] = m.scale
    np.savez_compressed(out, **arrays)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m sitrep.event_classifier")
    ap.add_argument("command", choices=["cv", "train"])
    ap.add_argument("--case", default=os.path.join("..", "shared", "data", "case2021", "dev.jsonl"))
    ap.add_argument("--C", type=float, default=0.1)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--no-sentences", action="store_true", help="CV without the codebook sentences")
    args = ap.parse_args(argv)
    case = load_case(args.case)
    if args.command == "cv":
        extra = [] if args.no_sentences else load_sentences()
        res = cross_validate(case, extra, folds=args.folds, C=args.C)
        for kind, (acc, macro, w) in res.items():
            print(
                f"{kind}: {args.folds}-fold CV on {len(case)} CASE snippets (+{len(extra)} sentences): "
                f"acc={acc:.3f} macroF1={macro:.3f} weightedF1={w:.3f}"
            )
        return 0
    train(args.case, C=args.C)
    print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

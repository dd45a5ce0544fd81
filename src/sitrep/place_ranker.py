"""Fit the weights of the place resolver (``data/gazetteer/ranker.json``) on dev corpora, and
estimate by cross-validation what they do on articles they were not fitted on.

    python -m sitrep.place_ranker train ../shared/data/geo/*.dev.xml > ranker.json
    python -m sitrep.place_ranker cv ../shared/data/geo/*.dev.xml          # 5-fold by article
    python -m sitrep.place_ranker cv --by-corpus ../shared/data/geo/*.dev.xml   # leave one corpus out
    python -m sitrep.place_ranker score ../shared/data/geo/*.dev.xml       # the shipped weights, in-sample

Reads geoparsing corpora in the layouts of ``shared/eval/geo.py`` (LGL, TR-News, GeoWebNews,
GeoVirus: toponym offsets with a point and, mostly, a GeoNames id). Articles are read as
``sitrep analyze`` reads JSON lines and go through the language stage, so what is scored
here is what the reference scorer sees. For every gold toponym that a recognised mention
overlaps, the mention's candidate places and their features are one example; a candidate
is right when it has the gold GeoNames id or lies within 161 km of the gold point. The
weights maximise the likelihood of the right candidates under a softmax over each mention's
candidates (a conditional logit) with an L2 penalty, and are refitted a few rounds from zero
because the context features depend on what the other mentions resolved to.

Cross-validation repeats that whole recipe on the training folds only and scores the
held-out fold with the reference scorer's rule (found, acc161, recall161, precision of
spans), so its figures are what the recipe does on unseen articles of the same corpora.
What it cannot measure: the hand-written guards and patch files were also written while
looking at these articles. Only development data may be used here: the held-out halves
measure what this learns.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .places import CONFIDENCE, FEATURES, Geoparser

GoldToponym = tuple[int, int, float, float, str | None]
Example = tuple[np.ndarray, np.ndarray]  # (candidates x FEATURES, which candidates are right)
L2 = 0.01
L2_CONFIDENCE = 0.001
MIN_CONFIDENCE = 0.5  # a place more likely wrong than right is left out
ROUNDS = 3
FOLDS = 5
SEED = 7


def read_corpus(path: str | Path) -> Iterator[tuple[str, str, list[GoldToponym]]]:
    """(id, text, gold toponyms) from a geoparsing corpus (the layouts geo.py reads)."""

    def num(x: str | None) -> float | None:
        try:
            return float(x) if x is not None else None
        except ValueError:
            return None

    root = ET.parse(path).getroot()
    for i, a in enumerate(root):
        aid = a.get("docid") or a.get("file") or str(i)
        text = a.findtext("text") or ""
        gold: list[GoldToponym] = []
        for t in list(a.find("toponyms") or []) + list(a.find("locations") or []):
            if (t.findtext("nonLocational") or "").strip().lower() == "yes":
                continue
            g = t.find("gaztag")
            lat = num(
                t.findtext("latitude") or t.findtext("lat") or (g.findtext("lat") if g is not None else None)
            )
            lon = num(
                t.findtext("longitude") or t.findtext("lon") or (g.findtext("lon") if g is not None else None)
            )
            s, e = num(t.findtext("start")), num(t.findtext("end"))
            gid = t.findtext("geonamesID") or (g.get("geonameid") if g is not None else None)
            if lat is not None and lon is not None and s is not None and e is not None:
                gold.append((int(s), int(e), lat, lon, str(gid) if gid else None))
        yield aid, text, gold


def corpus_name(path: str | Path) -> str:
    """ "lgl" for ``.../lgl.dev.xml``."""
    return Path(path).name.split(".", 1)[0]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def is_right(gold: GoldToponym, geonameid: int | None, lat: float, lon: float) -> bool:
    """The reference scorer's rule: the gold GeoNames id, or within 161 km of the gold point."""
    gid = gold[4]
    return (gid is not None and str(geonameid) == gid) or _km(gold[2], gold[3], lat, lon) <= 161


# --- the articles ------------------------------------------------------------------------------
@dataclass
class Item:
    """A dev article as the pipeline sees it, with its gold toponyms."""

    corpus: str
    id: str
    text: str  # the record's text (what offsets point into)
    gold: list[GoldToponym]
    dateline: str | None
    doc: Any = None  # the spaCy Doc (None: the language stage refused the article)


def load_items(corpora: Sequence[str | Path], cache: Path | None = None) -> list[Item]:
    """The corpora's articles read as ``sitrep analyze`` reads ``geo.py inputs`` and run
    through the language stage. ``cache``: a folder where the parsed Docs are kept between
    runs (keyed by the texts, the spaCy model and sitrep's language code)."""
    from .ingest import article_from_object
    from .language import LanguageStage

    items: list[Item] = []
    articles = []
    for corpus in corpora:
        name = corpus_name(corpus)
        for lineno, (aid, text, gold) in enumerate(read_corpus(corpus), 1):
            article = article_from_object({"id": aid, "text": text}, f"{name}:{lineno}")
            articles.append(article)
            items.append(Item(name, aid, article.text, gold, (article.dateline or {}).get("mention")))
    stage = LanguageStage()
    path: Path | None = None
    if cache is not None:
        from . import dateline, language

        key = hashlib.sha256()
        key.update(json.dumps([stage.nlp.meta.get("name"), stage.nlp.meta.get("version")]).encode())
        for module in (language, dateline):
            key.update(Path(module.__file__ or "").read_bytes())
        for it in items:
            key.update(it.text.encode("utf-8") + b"\0")
        path = Path(cache) / f"geo-docs-{key.hexdigest()[:16]}.spacy"
    if path is not None and path.exists():
        from spacy.tokens import DocBin

        docs = list(DocBin().from_disk(path).get_docs(stage.nlp.vocab))
        meta = json.loads(path.with_suffix(".json").read_text())
        it_docs = iter(docs)
        for it, ok in zip(items, meta, strict=True):
            it.doc = next(it_docs) if ok else None
        return items
    for it, article in zip(items, stage.pipe(articles), strict=True):
        it.doc = article._doc
    if path is not None:
        from spacy.tokens import DocBin

        path.parent.mkdir(parents=True, exist_ok=True)
        DocBin(docs=[it.doc for it in items if it.doc is not None]).to_disk(path)
        path.with_suffix(".json").write_text(json.dumps([it.doc is not None for it in items]))
    return items


def parse(parser: Geoparser, item: Item) -> list[Any]:
    """The places the stage gives the article (in record order)."""
    if item.doc is None:
        return []
    places, _ = parser.parse(item.text, item.doc, item.dateline)
    return places


# --- scoring by the reference scorer's rule ----------------------------------------------------
@dataclass
class Counts:
    articles: int = 0
    gold: int = 0
    found: int = 0
    right: int = 0
    spans: int = 0
    spans_hit: int = 0
    per_article: list[tuple[int, int, int]] = field(default_factory=list)  # (gold, found, right)

    def add(self, item: Item, places: list[Any]) -> None:
        places = [p for p in places if p.start is not None and p.lat is not None]
        gold = item.gold
        self.articles += 1
        self.spans += len(places)
        self.spans_hit += sum(1 for p in places if any(p.start < ge and gs < p.end for gs, ge, *_ in gold))
        f = r = 0
        for g in gold:
            over = [p for p in places if p.start < g[1] and g[0] < p.end]
            if over:
                f += 1
                p = over[0]
                r += is_right(g, p.geonameid, p.lat, p.lon)
        self.gold += len(gold)
        self.found += f
        self.right += r
        self.per_article.append((len(gold), f, r))

    def figures(self) -> dict[str, float]:
        return {
            "gold": self.gold,
            "found": self.found / max(self.gold, 1),
            "acc161": self.right / max(self.found, 1),
            "recall161": self.right / max(self.gold, 1),
            "precision_spans": self.spans_hit / max(self.spans, 1),
        }

    def interval(self, draws: int = 1000, seed: int = SEED) -> tuple[float, float]:
        """A 95% bootstrap interval (over articles) of acc161: how much the figure would move on
        another sample of articles like these, such as a held-out half."""
        a = np.array(self.per_article, dtype=float)
        if len(a) < 2:
            return (0.0, 1.0)
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, len(a), size=(draws, len(a)))
        found = a[idx, 1].sum(axis=1)
        right = a[idx, 2].sum(axis=1)
        acc = right / np.maximum(found, 1)
        lo, hi = np.percentile(acc, [2.5, 97.5])
        return float(lo), float(hi)


def line(label: str, counts: Counts, extra: str = "") -> str:
    f = counts.figures()
    lo, hi = counts.interval()
    return (
        f"{label}: articles={counts.articles} gold={counts.gold} found={f['found']:.3f} "
        f"acc161={f['acc161']:.3f} recall161={f['recall161']:.3f} "
        f"precision_spans={f['precision_spans']:.3f} acc161_lo={lo:.3f} acc161_hi={hi:.3f}{extra}"
    )


def score(parser: Geoparser, items: Sequence[Item]) -> dict[str, Counts]:
    out: dict[str, Counts] = {}
    for it in items:
        out.setdefault(it.corpus, Counts()).add(it, parse(parser, it))
    return out


# --- fitting -----------------------------------------------------------------------------------
def examples(parser: Geoparser, items: Sequence[Item]) -> list[Example]:
    """(features of each candidate, which candidates are right) per resolved gold toponym
    whose name has right and wrong candidates."""
    out = []
    for it in items:
        if it.doc is None:
            continue
        parser.resolver.trace = []
        try:
            parser.parse(it.text, it.doc, it.dateline)
            names = parser.resolver.trace
        finally:
            parser.resolver.trace = None
        for name in names:
            if len(name.cands) < 2:
                continue
            for m in name.mentions:
                g = next((g for g in it.gold if m.start < g[1] and g[0] < m.end), None)
                if g is None:
                    continue
                right = np.array(
                    [is_right(g, c.entry.id, c.entry.lat, c.entry.lon) for c in name.cands], dtype=float
                )
                if 0 < right.sum() < len(right):
                    out.append((name.feats.copy(), right))
    return out


def confidence_examples(parser: Geoparser, items: Sequence[Item]) -> tuple[np.ndarray, np.ndarray]:
    """(the confidence model's features, whether the chosen place is right) for every
    recognised mention that overlaps a gold toponym, whatever its number of candidates."""
    zs, ys = [], []
    for it in items:
        if it.doc is None:
            continue
        parser.resolver.trace = []
        try:
            parser.parse(it.text, it.doc, it.dateline)
            names = parser.resolver.trace
        finally:
            parser.resolver.trace = None
        for name in names:
            e = name.entries[name.chosen]
            for m in name.mentions:
                g = next((g for g in it.gold if m.start < g[1] and g[0] < m.end), None)
                if g is not None and m.conf is not None:
                    zs.append(m.conf)
                    ys.append(float(is_right(g, e.id, e.lat, e.lon)))
    if not zs:
        return np.zeros((0, len(CONFIDENCE))), np.zeros(0)
    return np.vstack(zs), np.array(ys)


def fit_confidence(z: np.ndarray, y: np.ndarray, l2: float = L2_CONFIDENCE, iters: int = 30) -> np.ndarray:
    """Logistic regression by Newton's method (``chosen_bias`` is the intercept), L2-penalised."""
    v = np.zeros(z.shape[1])
    if len(y) == 0:
        return v
    n = len(y)
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ v, -30, 30)))
        grad = z.T @ (y - p) / n - l2 * v
        hess = (z * (p * (1 - p))[:, None]).T @ z / n + l2 * np.eye(len(v))
        step = np.linalg.solve(hess, grad)
        v += step
        if float(np.abs(step).max()) < 1e-6:
            break
    return v


def fit(data: Sequence[Example], l2: float = L2, iters: int = 50) -> np.ndarray:
    """Conditional-logit weights by Newton's method (the penalised log-likelihood is concave,
    and with a few dozen features its Hessian is small): mean over examples of the
    log-probability of the right candidates, minus ``l2 / 2 * |w|^2``."""
    nf = len(FEATURES)
    if not data:
        return np.zeros(nf)
    x = np.vstack([xi for xi, _ in data])
    q = np.concatenate([yi / yi.sum() for _, yi in data])
    sizes = np.array([len(yi) for _, yi in data])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    seg = np.repeat(np.arange(len(data)), sizes)
    n = len(data)

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        smax = np.maximum.reduceat(s, starts)
        e = np.exp(s - smax[seg])
        z = np.add.reduceat(e, starts)
        logp = s - smax[seg] - np.log(z)[seg]
        return float(q @ logp) / n - l2 / 2 * float(w @ w), np.exp(logp)

    w = np.zeros(nf)
    ll, p = objective(w)
    for _ in range(iters):
        grad = x.T @ (q - p) / n - l2 * w
        mu = np.add.reduceat(p[:, None] * x, starts)
        hess = (x.T @ (p[:, None] * x) - mu.T @ mu) / n + l2 * np.eye(nf)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-4:
            new_ll, new_p = objective(w + t * step)
            if new_ll >= ll - 1e-12:
                break
            t /= 2
        w, ll, p = w + t * step, new_ll, new_p
        if float(np.abs(t * step).max()) < 1e-6:
            break
    return w


def accuracy(data: Sequence[Example], w: np.ndarray) -> float:
    return sum(float(y[int(np.argmax(x @ w))]) for x, y in data) / max(1, len(data))


def train(
    parser: Geoparser, items: Sequence[Item], l2: float = L2, rounds: int = ROUNDS, log: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """The weights the recipe fits on ``items`` (left in ``parser``): the resolver's from zero
    (the most populous candidate wins), ``rounds`` times: resolve with the current weights,
    take the examples, refit; then the confidence model's on the resolutions they make."""
    w = np.zeros(len(FEATURES))
    parser.resolver.min_confidence = MIN_CONFIDENCE
    for rnd in range(rounds):
        parser.resolver.w = w
        data = examples(parser, items)
        before = accuracy(data, w)
        w = fit(data, l2)
        if log is not None:
            log(
                f"round {rnd}: {len(data)} ambiguous toponyms, accuracy {before:.3f} -> {accuracy(data, w):.3f}"
            )
    parser.resolver.w = w
    z, y = confidence_examples(parser, items)
    v = fit_confidence(z, y)
    parser.resolver.v = v
    if log is not None:
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ v, -30, 30)))
        keep = p >= MIN_CONFIDENCE
        log(
            f"confidence: {len(y)} resolved toponyms, {y.mean():.3f} right; "
            f"{int((~keep).sum())} below {MIN_CONFIDENCE} ({y[~keep].mean() if (~keep).any() else 0:.3f} right)"
        )
    return w, v


def folds_of(
    items: Sequence[Item], folds: int = FOLDS, seed: int = SEED, by_corpus: bool = False
) -> list[int]:
    """The fold of each item: by article, stratified by corpus (each corpus spread evenly over
    the folds), or one fold per corpus."""
    if by_corpus:
        names = sorted({it.corpus for it in items})
        return [names.index(it.corpus) for it in items]
    rng = np.random.default_rng(seed)
    out = [0] * len(items)
    for corpus in sorted({it.corpus for it in items}):
        idx = [i for i, it in enumerate(items) if it.corpus == corpus]
        for rank, i in enumerate(rng.permutation(len(idx)).tolist()):
            out[idx[i]] = rank % folds
    return out


def cross_validate(
    items: Sequence[Item],
    folds: int = FOLDS,
    seed: int = SEED,
    by_corpus: bool = False,
    l2: float = L2,
    parser: Geoparser | None = None,
) -> dict[str, Counts]:
    """Each article scored by weights fitted (the whole recipe) without its fold."""
    parser = parser or Geoparser()
    fold = folds_of(items, folds, seed, by_corpus)
    out: dict[str, Counts] = {}
    r = parser.resolver
    saved = (r.w.copy(), r.v.copy(), r.min_confidence)
    try:
        for k in sorted(set(fold)):
            train(parser, [it for it, f in zip(items, fold, strict=True) if f != k], l2)
            for it, f in zip(items, fold, strict=True):
                if f == k:
                    out.setdefault(it.corpus, Counts()).add(it, parse(parser, it))
    finally:
        r.w, r.v, r.min_confidence = saved
    return out


def weights_json(w: np.ndarray, v: np.ndarray) -> str:
    return json.dumps(
        {
            "about": "Weights of the place resolver's linear model (sitrep.places.Resolver): each candidate "
            "place of a name scores sum(weight * feature); the highest wins. Then the confidence model "
            "(logistic; the features of sitrep.places.CONFIDENCE): the probability that the chosen place "
            "is right; a place below min_confidence is left out. Fitted by "
            "`python -m sitrep.place_ranker train` on the development halves of LGL, TR-News, GeoWebNews "
            "and GeoVirus.",
            "weights": {f: round(float(x), 3) for f, x in zip(FEATURES, w, strict=True)},
            "confidence": {f: round(float(x), 3) for f, x in zip(CONFIDENCE, v, strict=True)},
            "min_confidence": MIN_CONFIDENCE,
        },
        indent=2,
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in ("train", "cv", "score", "-h", "--help"):
        argv.insert(0, "train")  # the old form: python -m sitrep.place_ranker CORPUS.xml ...
    ap = argparse.ArgumentParser(prog="python -m sitrep.place_ranker")
    ap.add_argument("command", choices=["train", "cv", "score"])
    ap.add_argument("corpora", nargs="*", help="geo corpora (default ../shared/data/geo/*.dev.xml)")
    ap.add_argument("--folds", type=int, default=FOLDS)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--by-corpus", action="store_true", help="leave one corpus out instead of k folds")
    ap.add_argument("--l2", type=float, default=L2)
    ap.add_argument("--cache", type=Path, default=None, help="a folder to keep the parsed Docs in")
    args = ap.parse_intermixed_args(argv)  # options may come before or after the corpora
    corpora = args.corpora or sorted(str(p) for p in Path("../shared/data/geo").glob("*.dev.xml"))

    def log(s: str) -> None:
        print(s, file=sys.stderr)

    items = load_items(corpora, args.cache)
    parser = Geoparser()
    if args.command == "train":
        w, v = train(parser, items, args.l2, log=log)
        print(weights_json(w, v))
        return 0
    if args.command == "score":
        for corpus, counts in score(parser, items).items():
            print(line(f"in-sample {corpus}", counts))
        return 0
    res = cross_validate(items, args.folds, args.seed, args.by_corpus, args.l2, parser)
    how = "leave-one-corpus-out" if args.by_corpus else f"{args.folds}-fold by article"
    for corpus, counts in res.items():
        print(line(f"cv {corpus}", counts, f"  [{how}]"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

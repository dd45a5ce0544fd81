"""Train the weights of the place resolver (``data/gazetteer/ranker.json``) on dev corpora.

    python -m sitrep.place_ranker ../shared/data/geo/*.dev.xml

Reads geoparsing corpora in the layouts of ``shared/eval/geo.py`` (LGL, TR-News, GeoWebNews,
GeoVirus: toponym offsets with a point and, mostly, a GeoNames id), runs recognition and
resolution on each article, and for every gold toponym that a recognised mention overlaps
takes that mention's candidate places with their features; a candidate is right when it has
the gold GeoNames id or lies within 161 km of the gold point. The weights maximise the
likelihood of the right candidates under a softmax over each mention's candidates (a
conditional logit), with an L2 penalty, and are refitted a few times because the context
features depend on what the other mentions resolved to. Only development data may be used
here: the held-out halves measure what this learns.
"""

from __future__ import annotations

import json
import math
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .places import FEATURES, Geoparser

GoldToponym = tuple[int, int, float, float, str | None]


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


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def examples(parser: Geoparser, corpora: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(features of each candidate, which candidates are right) per resolved gold toponym."""
    from .ingest import article_from_text
    from .language import load_nlp

    nlp = load_nlp()
    out = []
    for path in corpora:
        items = list(read_corpus(path))
        for (_, text, gold), doc in zip(items, nlp.pipe(t for _, t, _ in items), strict=True):
            article = article_from_text(text, clean=False)
            parser.resolver.trace = []
            parser.parse(text, doc, (article.dateline or {}).get("mention"))
            names = parser.resolver.trace
            parser.resolver.trace = None
            for name in names:
                if len(name.cands) < 2:
                    continue
                for m in name.mentions:
                    g = next((g for g in gold if m.start < g[1] and g[0] < m.end), None)
                    if g is None:
                        continue
                    right = np.array(
                        [
                            (g[4] is not None and str(c.entry.id) == g[4])
                            or _km(g[2], g[3], c.entry.lat, c.entry.lon) <= 161
                            for c in name.cands
                        ],
                        dtype=float,
                    )
                    if 0 < right.sum() < len(right):
                        out.append((name.feats.copy(), right))
    return out


def _pack(data: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Examples as padded arrays: features (N, K, F), target shares (N, K), mask (N, K)."""
    k = max(len(y) for _, y in data)
    x = np.zeros((len(data), k, len(FEATURES)))
    q = np.zeros((len(data), k))
    mask = np.zeros((len(data), k), dtype=bool)
    for i, (xi, yi) in enumerate(data):
        x[i, : len(yi)] = xi
        q[i, : len(yi)] = yi / yi.sum()
        mask[i, : len(yi)] = True
    return x, q, mask


def fit(
    data: list[tuple[np.ndarray, np.ndarray]], l2: float = 0.01, steps: int = 2000, lr: float = 0.05
) -> np.ndarray:
    """Conditional-logit weights by gradient ascent (full batch, Adam)."""
    x, q, mask = _pack(data)
    w = np.zeros(len(FEATURES))
    m1, m2 = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        s = np.where(mask, x @ w, -np.inf)
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grad = np.einsum("nk,nkf->f", q - p, x) / len(data) - l2 * w
        m1 = 0.9 * m1 + 0.1 * grad
        m2 = 0.999 * m2 + 0.001 * grad**2
        w += lr * (m1 / (1 - 0.9**t)) / (np.sqrt(m2 / (1 - 0.999**t)) + 1e-8)
    return w


def accuracy(data: list[tuple[np.ndarray, np.ndarray]], w: np.ndarray) -> float:
    return sum(float(y[int(np.argmax(x @ w))]) for x, y in data) / max(1, len(data))


def main(argv: list[str]) -> None:
    corpora = argv or sorted(str(p) for p in Path("../shared/data/geo").glob("*.dev.xml"))
    parser = Geoparser()
    for rnd in range(3):
        data = examples(parser, corpora)
        before = accuracy(data, parser.resolver.w)
        w = fit(data)
        print(
            f"round {rnd}: {len(data)} ambiguous toponyms, accuracy {before:.3f} -> {accuracy(data, w):.3f}",
            file=sys.stderr,
        )
        parser.resolver.w = w
    weights = {f: round(float(v), 3) for f, v in zip(FEATURES, parser.resolver.w, strict=True)}
    print(
        json.dumps(
            {
                "about": "Weights of the place resolver's linear model (sitrep.places.Resolver): each candidate "
                "place of a name scores sum(weight * feature); the highest wins. Fitted by "
                "`python -m sitrep.place_ranker` on the development halves of LGL, TR-News, GeoWebNews and GeoVirus.",
                "weights": weights,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])

"""`sitrep eval` / `make eval`: the reference scorers of ``../shared/eval`` over every dev
set in ``../shared/data``, one table, and a quality gate against pinned floors.

Each benchmark prepares its inputs from the dev data, runs the real ``sitrep`` command on
them (so what is measured is what users run), and hands the records to the reference
scorer, whose one-line report is parsed into figures. Nothing from ``../shared`` is copied
into the project: inputs and outputs go to a scratch folder (``var/eval`` by default).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import UsageError

SITREP = str(Path(sys.executable).parent / "sitrep")
GEO_CORPORA = ("lgl", "trnews", "gwn", "geovirus")


@dataclass
class Result:
    benchmark: str
    figures: dict[str, float] = field(default_factory=dict)
    line: str = ""
    seconds: float = 0.0
    n: int = 0
    error: str | None = None


@dataclass
class Context:
    shared: Path
    out: Path
    workers: int
    log: Callable[[str], None]

    @property
    def data(self) -> Path:
        return self.shared / "data"

    @property
    def scorers(self) -> Path:
        return self.shared / "eval"


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def run_sitrep(ctx: Context, verb: str, inp: Path, out: Path, *extra: str) -> float:
    """Run `sitrep VERB INPUT` with records to ``out``; returns wall seconds. Failed
    articles (exit status 1) are part of what is measured, not an error of the harness."""
    started = time.perf_counter()
    with open(out, "wb") as f:
        proc = subprocess.run([SITREP, verb, str(inp), *extra], stdout=f, stderr=subprocess.PIPE)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"sitrep {verb} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return time.perf_counter() - started


def analyze(ctx: Context, inp: Path, out: Path) -> float:
    return run_sitrep(ctx, "analyze", inp, out, "--format", "jsonl", "-q", "-j", str(ctx.workers))


def score(ctx: Context, scorer: str, *args: str | Path | int) -> str:
    """Run a reference scorer; returns its report line (it exits 0/1 on its own floor,
    which the harness does not use: floors live in eval/floors.yaml)."""
    proc = subprocess.run(
        [sys.executable, str(ctx.scorers / scorer), *map(str, args)], capture_output=True, text=True
    )
    line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if not line:
        raise RuntimeError(f"{scorer} printed nothing: {proc.stderr[-500:]}")
    return line


def figures_of(line: str) -> dict[str, float]:
    """key=value pairs of a scorer's line as numbers; "seed checks 12/21" as checks."""
    out = {k: float(v) for k, v in re.findall(r"(\w[\w+\-]*)=(-?\d+(?:\.\d+)?)", line)}
    m = re.search(r"checks (\d+)/(\d+)", line)
    if m:
        out["checks"] = float(m.group(1))
        out["of"] = float(m.group(2))
    return out


# -- the benchmarks --------------------------------------------------------------------


def bench_seed(ctx: Context) -> list[Result]:
    src = ctx.data / "seed" / "raqqa-2017-06-15.txt"
    out = ctx.out / "seed.out.jsonl"
    secs = analyze(ctx, src, out)
    line = score(ctx, "seed.py", ctx.data / "seed" / "raqqa-2017-06-15.gold.json", out, 0)
    return [Result("seed", figures_of(line), line, secs, 1)]


def bench_fakes(ctx: Context) -> list[Result]:
    gold = ctx.data / "fakes" / "dev.jsonl"
    inp = ctx.out / "fakes.in.jsonl"
    n = _write_jsonl(
        inp, ({k: r.get(k) for k in ("id", "title", "text", "source")} for r in _read_jsonl(gold))
    )
    out = ctx.out / "fakes.out.jsonl"
    secs = analyze(ctx, inp, out)
    line = score(ctx, "fakes.py", gold, out, 0)
    return [Result("fakes", figures_of(line), line, secs, n)]


def bench_case(ctx: Context) -> list[Result]:
    gold = ctx.data / "case2021" / "dev.jsonl"
    inp = ctx.out / "case.in.jsonl"
    n = _write_jsonl(inp, ({"id": r["id"], "text": r["text"]} for r in _read_jsonl(gold)))
    out = ctx.out / "case.out.jsonl"
    secs = analyze(ctx, inp, out)
    line = score(ctx, "case.py", gold, out, 0)
    results = [
        Result(
            "case2021 in-sample", figures_of(line), line + "  [the classifier was trained on these]", secs, n
        )
    ]
    # the figure that says how it does on snippets it has not seen: 5-fold cross-validation
    results.append(
        _cross_validated(
            "case2021 cv",
            [sys.executable, "-m", "sitrep.event_classifier", "cv", "--case", str(gold)],
            "full:",
            n,
        )
    )
    return results


def _cross_validated(name: str, cmd: list[str], prefix: str, n: int) -> Result:
    """A training script's cross-validation report (needs scikit-learn: the `dev` extra)."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [x for x in proc.stdout.splitlines() if x.startswith(prefix)]
    if proc.returncode != 0 or not lines:
        return Result(name, error=f"cross-validation failed: {(proc.stderr or proc.stdout).strip()[-200:]}")
    line = lines[-1]
    figs = figures_of(line)
    for k, v in re.findall(r"(acc|macro F1|macroF1|weightedF1) (\d\.\d+)", line):
        figs[k.replace(" ", "")] = float(v)
    return Result(name, figs, line, time.perf_counter() - started, n)


def bench_geo(ctx: Context) -> list[Result]:
    results = []
    for corpus in GEO_CORPORA:
        xml = ctx.data / "geo" / f"{corpus}.dev.xml"
        if not xml.exists():
            continue
        inp, out = ctx.out / f"geo-{corpus}.in.jsonl", ctx.out / f"geo-{corpus}.out.jsonl"
        with open(inp, "w", encoding="utf-8") as f:
            subprocess.run(
                [sys.executable, str(ctx.scorers / "geo.py"), "inputs", str(xml)], stdout=f, check=True
            )
        n = sum(1 for _ in open(inp, encoding="utf-8"))
        secs = analyze(ctx, inp, out)
        line = score(ctx, "geo.py", "score", xml, out)
        figs = figures_of(line)
        figs["ms_per_article"] = 1000 * secs / max(n, 1)
        results.append(Result(f"geo {corpus}", figs, line, secs, n))
    xmls = [
        str(ctx.data / "geo" / f"{c}.dev.xml")
        for c in GEO_CORPORA
        if (ctx.data / "geo" / f"{c}.dev.xml").exists()
    ]
    if xmls:
        results.extend(_geo_cross_validated(xmls, {r.benchmark: r.n for r in results}))
    return results


def _geo_cross_validated(xmls: list[str], sizes: dict[str, int]) -> list[Result]:
    """The resolver's recipe refitted without each fold (5 folds by article) and scored on it
    by the reference scorer's rule (python -m sitrep.place_ranker cv): what the weights do on
    articles they were not fitted on."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sitrep.place_ranker", "cv", *xmls], capture_output=True, text=True
    )
    secs = time.perf_counter() - started
    lines = [x for x in proc.stdout.splitlines() if x.startswith("cv ")]
    if proc.returncode != 0 or not lines:
        return [
            Result("geo cv", error=f"cross-validation failed: {(proc.stderr or proc.stdout).strip()[-200:]}")
        ]
    out = []
    for line in lines:
        corpus = line[3:].split(":", 1)[0]
        name = f"geo {corpus} cv"
        out.append(Result(name, figures_of(line), line, secs / len(lines), sizes.get(f"geo {corpus}", 0)))
    return out


def bench_stance(ctx: Context) -> list[Result]:
    proc = subprocess.run([SITREP, "stance", "--help"], capture_output=True)
    if proc.returncode != 0:
        return [Result("stance emergent", error="`sitrep stance` is not available yet")]
    gold = ctx.data / "stance" / "emergent.dev.jsonl"
    inp = ctx.out / "stance.in.jsonl"
    n = _write_jsonl(
        inp, ({"id": i, "claim": r["claim"], "text": r["headline"]} for i, r in enumerate(_read_jsonl(gold)))
    )
    out = ctx.out / "stance.out.jsonl"
    secs = run_sitrep(ctx, "stance", inp, out)
    line = score(ctx, "stance.py", gold, out, 0)
    results = [
        Result(
            "stance emergent in-sample", figures_of(line), line + "  [the model was fitted on these]", secs, n
        )
    ]
    script = Path(__file__).resolve().parents[2] / "scripts" / "train_stance.py"
    if script.exists():  # a source checkout: the grouped cross-validation of the shipped model's recipe
        results.append(
            _cross_validated("stance emergent cv", [sys.executable, str(script), str(gold)], "grouped", n)
        )
    return results


def bench_extract(ctx: Context) -> list[Result]:
    gold = ctx.data / "html" / "dev.jsonl"
    inp = ctx.out / "extract.in.jsonl"
    n = _write_jsonl(
        inp, ({"id": r["id"], "html": r["html"], "url": r.get("url")} for r in _read_jsonl(gold))
    )
    out = ctx.out / "extract.out.jsonl"
    secs = run_sitrep(ctx, "analyze", inp, out, "--format", "jsonl", "-q", "-j", str(ctx.workers))
    line = score(ctx, "extract.py", gold, out)
    results = [Result("extract sitrep", figures_of(line), line, secs, n)]
    base = ctx.out / "extract.trafilatura.jsonl"
    started = time.perf_counter()
    with open(base, "w", encoding="utf-8") as f:
        proc = subprocess.run(
            [sys.executable, str(ctx.scorers / "trafilatura_baseline.py"), str(inp)],
            stdout=f,
            stderr=subprocess.PIPE,
        )
    if proc.returncode == 0:
        line = score(ctx, "extract.py", gold, base)
        results.append(
            Result("extract trafilatura", figures_of(line), line, time.perf_counter() - started, n)
        )
    return results


GOLD_PAIRS = Path("eval/gold/fakes_pairs.csv")  # the project's own annotation (docs/corroboration.md)


def bench_corroboration(ctx: Context) -> list[Result]:
    """FA-KES dev ingested as one corpus into a fresh store: event linking against the gold
    pairs, and the AUC of article credibility against the `credible` labels."""
    gold = ctx.data / "fakes" / "dev.jsonl"
    inp, db = ctx.out / "corroboration.in.jsonl", ctx.out / "corroboration.db"
    n = _write_jsonl(
        inp, ({k: r.get(k) for k in ("id", "title", "text", "source")} for r in _read_jsonl(gold))
    )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    secs = run_sitrep(
        ctx,
        "ingest",
        inp,
        ctx.out / "corroboration.ingest.log",
        "--db",
        str(db),
        "-q",
        "-j",
        str(ctx.workers),
    )
    args = ["--db", str(db), "--labels", str(gold)] + (
        ["--pairs", str(GOLD_PAIRS)] if GOLD_PAIRS.exists() else []
    )
    proc = subprocess.run(
        [sys.executable, "-m", "sitrep.corroborate.measure", *args], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"corroboration measure failed: {proc.stderr[-500:]}")
    m = json.loads(proc.stdout)
    figs = {"auc": m["credibility"]["auc"] or 0.5, "multi_source": float(m["clusters"]["multi_source"])}
    for mode in ("any", "headline"):
        link = m.get(f"linking_{mode}") or {}
        tag = "link" if mode == "any" else "head"
        for k in ("precision", "recall", "f1"):
            if link.get(k) is not None:
                figs[f"{tag}_{k}"] = link[k]
    line = "corroboration " + " ".join(
        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figs.items()
    )
    return [Result("corroboration", figs, line, secs, n)]


BENCHMARKS: dict[str, Callable[[Context], list[Result]]] = {
    "seed": bench_seed,
    "fakes": bench_fakes,
    "case": bench_case,
    "geo": bench_geo,
    "stance": bench_stance,
    "extract": bench_extract,
    "corroboration": bench_corroboration,
}

# The figures shown per benchmark, in order.
SHOWN = {
    "seed": ["checks"],
    "fakes": [
        "mean5",
        "location",
        "actor",
        "cause",
        "civilians",
        "children",
        "women",
        "combatants",
        "date",
        "date+-3d",
    ],
    "case2021": ["weightedF1", "macroF1", "acc"],
    "geo": ["recall161", "acc161", "found", "precision_spans", "ms_per_article"],
    "stance": ["macroF1", "acc"],
    "extract": ["F1", "precision", "recall"],
    "corroboration": [
        "auc",
        "link_precision",
        "link_recall",
        "head_precision",
        "head_recall",
        "multi_source",
    ],
}


def _shown(name: str) -> list[str]:
    return next((v for k, v in SHOWN.items() if name.startswith(k)), [])


def load_floors(path: Path) -> dict[str, dict[str, float]]:
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def gate(results: list[Result], floors: dict[str, dict[str, float]]) -> list[str]:
    """Figures below their pinned floor (and floors whose benchmark did not run)."""
    failures = []
    by_name = {r.benchmark: r for r in results}
    for name, figs in floors.items():
        r = by_name.get(name)
        if r is None:
            continue  # not selected in this run
        if r.error:
            failures.append(f"{name}: did not run ({r.error})")
            continue
        for key, floor in figs.items():
            value = r.figures.get(key)
            if value is None or value + 1e-9 < floor:
                failures.append(f"{name} {key} = {value} < floor {floor}")
    return failures


def table(results: list[Result], floors: dict[str, dict[str, float]]) -> str:
    lines = ["| benchmark | n | figures | floor | seconds |", "|---|---:|---|---|---:|"]
    for r in results:
        if r.error:
            lines.append(f"| {r.benchmark} | | {r.error} | | |")
            continue
        figs = ", ".join(
            f"{k} {r.figures[k]:.0f}/{r.figures.get('of', 0):.0f}"
            if k == "checks"
            else f"{k} {r.figures[k]:.1f}"
            if k == "ms_per_article"
            else f"{k} {r.figures[k]:.3f}"
            for k in _shown(r.benchmark)
            if k in r.figures
        )
        fl = ", ".join(f"{k} >= {v}" for k, v in floors.get(r.benchmark, {}).items())
        lines.append(f"| {r.benchmark} | {r.n} | {figs} | {fl} | {r.seconds:.1f} |")
    return "\n".join(lines)


def run(
    shared: Path,
    out: Path,
    only: list[str] | None,
    workers: int,
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
) -> list[Result]:
    if not (shared / "data").is_dir() or not (shared / "eval").is_dir():
        raise UsageError(f"{shared} has no data/ and eval/ folders (use --shared PATH)")
    unknown = [b for b in only or [] if b not in BENCHMARKS]
    if unknown:
        raise UsageError(f"unknown benchmark {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")
    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(shared.resolve(), out, workers, log)
    results: list[Result] = []
    for name, bench in BENCHMARKS.items():
        if only and name not in only:
            continue
        log(f"sitrep eval: {name} ...")
        try:
            got = bench(ctx)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
            got = [Result(name, error=f"failed: {exc}")]
        for r in got:
            log(f"sitrep eval:   {r.line or r.error}  ({r.seconds:.1f} s)")
        results.extend(got)
    (out / "results.json").write_text(json.dumps([r.__dict__ for r in results], indent=1), encoding="utf-8")
    return results

"""`sitrep bench` / `make bench`: throughput of `sitrep analyze` on the FA-KES dev
articles against a plain spaCy small pipeline on the same texts, in the same run.

Figures: articles/s and words/s of the real command (wall time, start-up included), the
spaCy baseline's seconds (``../shared/eval/spacy_baseline.py``: ``nlp.pipe`` only, model
load excluded), their ratio (the headline: goal <= 1.5), the largest resident memory of any
sitrep process, and the time each pipeline stage takes per article (in-process, one worker).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError

SITREP = str(Path(sys.executable).parent / "sitrep")


@dataclass
class BenchResult:
    articles: int
    words: int
    spacy_seconds: float
    runs: dict[int, dict[str, float]] = field(default_factory=dict)  # workers -> seconds, rss_mb
    stage_ms: dict[str, float] = field(default_factory=dict)

    def ratio(self, workers: int) -> float:
        return self.runs[workers]["seconds"] / self.spacy_seconds


def _timed(cmd: list[str], stdout: Any = subprocess.DEVNULL) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB of the process tree (largest single process), exit status."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    secs = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return secs, usage.ru_maxrss / 1024, proc.returncode


def prepare(shared: Path, out: Path, limit: int | None) -> tuple[Path, int, int]:
    src = shared / "data" / "fakes" / "dev.jsonl"
    if not src.exists():
        raise UsageError(f"{src} not found (use --shared PATH)")
    out.mkdir(parents=True, exist_ok=True)
    inp = out / "bench.in.jsonl"
    n = words = 0
    with open(src, encoding="utf-8") as f, open(inp, "w", encoding="utf-8") as g:
        for line in f:
            if limit is not None and n >= limit:
                break
            r = json.loads(line)
            g.write(
                json.dumps(
                    {"id": r["id"], "title": r.get("title"), "text": r["text"], "source": r.get("source")}
                )
                + "\n"
            )
            n += 1
            words += len(r["text"].split())
    return inp, n, words


def spacy_seconds(shared: Path, inp: Path) -> float:
    proc = subprocess.run(
        [sys.executable, str(shared / "eval" / "spacy_baseline.py"), str(inp)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise UsageError(f"spaCy baseline failed: {proc.stderr.strip()[-300:]}")
    return float(proc.stdout.split()[0])


def stage_costs(inp: Path, limit: int = 100) -> dict[str, float]:
    """Milliseconds per article for each stage, one process (model loading excluded)."""
    from .ingest import read_inputs
    from .pipeline import Pipeline

    pipe = Pipeline()
    articles = [a for a, _ in zip(read_inputs([str(inp)]), range(limit), strict=False)]
    for _ in pipe.map(articles[:4]):  # warm-up
        pass
    pipe.seconds.clear()
    for _ in pipe.map(articles):
        pass
    return {name: 1000 * secs / max(len(articles), 1) for name, secs in pipe.seconds.items()}


def run(shared: Path, out: Path, workers: list[int], limit: int | None = None) -> BenchResult:
    inp, n, words = prepare(shared.resolve(), out, limit)
    print(f"sitrep bench: {n} FA-KES dev articles, {words:,} words", file=sys.stderr)
    base = spacy_seconds(shared.resolve(), inp)
    print(f"sitrep bench: plain spaCy {base:.2f} s", file=sys.stderr)
    result = BenchResult(n, words, base)
    for w in workers:
        secs, rss, status = _timed([SITREP, "analyze", str(inp), "--format", "jsonl", "-q", "-j", str(w)])
        if status not in (0, 1):
            raise UsageError(f"sitrep analyze exited with {status}")
        result.runs[w] = {"seconds": secs, "rss_mb": rss}
        print(f"sitrep bench: sitrep analyze -j {w}: {secs:.2f} s, peak RSS {rss:.0f} MB", file=sys.stderr)
    result.stage_ms = stage_costs(inp)
    (out / "bench.json").write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
    return result


def table(r: BenchResult) -> str:
    lines = [
        f"FA-KES dev: {r.articles} articles, {r.words:,} words; plain spaCy en_core_web_sm (nlp.pipe): {r.spacy_seconds:.2f} s "
        f"({r.articles / r.spacy_seconds:.1f} articles/s)",
        "",
        "| run | seconds | articles/s | words/s | ratio to spaCy | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for w, run in sorted(r.runs.items()):
        s = run["seconds"]
        lines.append(
            f"| sitrep analyze -j {w} | {s:.2f} | {r.articles / s:.1f} | {r.words / s:,.0f} | "
            f"{r.ratio(w):.2f} | {run['rss_mb']:.0f} |"
        )
    if r.stage_ms:
        lines += ["", "| stage | ms/article (1 process) |", "|---|---:|"]
        lines += [f"| {k} | {v:.2f} |" for k, v in r.stage_ms.items()]
        lines.append(f"| total | {sum(r.stage_ms.values()):.2f} |")
    return "\n".join(lines)

"""Scaling benchmark: the figures behind docs/scaling.md.

    .venv/bin/python tools/scale_bench.py --shared ../shared [-n 200]

Measures, on FA-KES dev articles read from ../shared (never copied here):
  - articles/s with the in-process pipeline (1 worker), 2 local workers, and the Ray runner
    with 2 actors on a local Ray instance (start-up shown apart), and the peak RSS of each
    worker process;
  - per-article costs: analysis (1 worker), store insert into SQLite and into PostgreSQL
    (a throwaway server on a Unix socket), the bytes that travel to and from a worker;
  - PostgreSQL insert throughput with 1, 2 and 4 concurrent writer processes.
Prints a Markdown report on stdout.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import pickle
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

from sitrep.ingest import read_inputs  # noqa: E402
from sitrep.pipeline import Pipeline  # noqa: E402
from sitrep.record import Article  # noqa: E402
from sitrep.runner import run_local  # noqa: E402
from sitrep.store import open_store  # noqa: E402


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


TICK = os.sysconf("SC_CLK_TCK")
WARM = 24


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        for k in kids:
            out.append(int(k))
            todo.append(int(k))
    return out


class PeakRSS:
    """Peak RSS per process among the processes that ``match`` (sampled every 0.2 s)."""

    def __init__(self, match) -> None:  # type: ignore[no-untyped-def]
        self.match, self.peak, self.cpu, self.stop = match, {}, {}, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            for pid in self.match():
                self.peak[pid] = max(self.peak.get(pid, 0), rss_kb(pid))
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_s(pid))
            time.sleep(0.2)

    def __enter__(self) -> PeakRSS:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def cpu_total(self, since: dict[int, float] | None = None) -> float:
        since = since or {}
        return sum(v - since.get(pid, 0.0) for pid, v in self.cpu.items())

    def summary(self) -> str:
        vals = sorted(v for v in self.peak.values() if v > 50_000)  # model-holding processes
        return f"{max(vals) / 1024:.0f} MB (max of {len(vals)})" if vals else "n/a"


def ray_workers() -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if b"MapWorker" in (d / "cmdline").read_bytes():
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


def load(shared: Path, n: int) -> list[Article]:
    return list(read_inputs([str(shared / "data" / "fakes" / "dev.jsonl")]))[:n]


def timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


class Burn:
    """A control stage: 50 ms of pure CPU per article, nothing shared."""

    name, needs, sets = "burn", ("text",), ("burn",)

    def __call__(self, a: Article) -> Article:
        t = time.process_time()
        while time.process_time() - t < 0.05:
            pass
        return a


def burn_pipeline() -> Pipeline:
    return Pipeline([Burn()])


def control() -> str:
    """The runner with a stage that only burns CPU: what speed-up the machine gives now."""
    rates = {}
    for w in (1, 2):
        arts = [Article(text=f"x {i}") for i in range(80)]
        t = time.perf_counter()
        list(run_local(iter(arts), workers=w, pipeline_factory=burn_pipeline))
        rates[w] = 80 / (time.perf_counter() - t)
    return (
        f"Control (a stage that burns 50 ms of CPU per article; ideal 20/s per worker): "
        f"1 worker {rates[1]:.1f}/s, 2 workers {rates[2]:.1f}/s, speed-up {rates[2] / rates[1]:.2f}x."
    )


def _writer(url: str, blobs: list[bytes]) -> None:
    with open_store(url) as store:
        for _ in store.add_many((pickle.loads(b) for b in blobs), batch=50):
            pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    t_read, arts = timed(lambda: load(args.shared, args.n))
    n = len(arts)
    words = sum(len(a.text.split()) for a in arts)
    rows: list[tuple[str, ...]] = []
    me = os.getpid()

    # -- 1 worker, in process (models loaded first, timed apart)
    t_load, pipe = timed(Pipeline)
    inputs = load(args.shared, n)
    with PeakRSS(lambda: [me]) as peak:
        c0 = time.process_time()
        t1, analysed = timed(lambda: list(pipe.map(iter(inputs))))
        c1 = time.process_time() - c0
    rows.append(
        (
            "1 worker, in process (models loaded first)",
            f"{n / t1:.1f}",
            f"{n / t1:.1f}",
            f"{words / t1:.0f}",
            f"{1000 * c1 / n:.0f} ms",
            f"{c1 / t1:.2f}",
            peak.summary(),
        )
    )

    def case(label: str, run, match, cpu=None, steady_ok=True):  # type: ignore[no-untyped-def]
        """Total rate (start-up included) and steady rate (after the first WARM results)."""
        with PeakRSS(match) as peak:
            t0 = time.perf_counter()
            t_warm, k = None, 0
            for _ in run():
                k += 1
                if k == WARM:
                    t_warm = time.perf_counter()
            total = time.perf_counter() - t0
            steady = (k - WARM) / (time.perf_counter() - t_warm) if t_warm else float("nan")
        assert k == n, (label, k)
        used = peak.cpu_total() if cpu is None else cpu
        rows.append(
            (
                label,
                f"{n / total:.1f}",
                f"{steady:.1f}" if steady_ok else "-",
                f"{words / total:.0f}",
                f"{1000 * used / n:.0f} ms",
                f"{used / total:.2f}",
                peak.summary(),
            )
        )
        return steady

    # -- local worker processes (process start and model loads included in the total)
    s1 = case(
        "1 local worker process",
        lambda: run_local(iter(load(args.shared, n)), workers=1),
        lambda: descendants(me),
    )
    s2 = case(
        "2 local worker processes",
        lambda: run_local(iter(load(args.shared, n)), workers=2),
        lambda: descendants(me),
    )

    # -- Ray, 2 actors
    ray_line = None
    if not args.no_ray:
        from sitrep.ray_runner import analyze_ray, connect

        t_ray_init, _ = timed(lambda: connect(workers=2, object_store_mb=200))
        # results arrive a block at a time: no steady rate
        case(
            "Ray, 2 actors",
            lambda: analyze_ray(iter(load(args.shared, n)), workers=2),
            ray_workers,
            steady_ok=False,
        )
        ray_line = f"Ray start-up (ray.init of a local instance): {t_ray_init:.1f} s, not included above."

    control_line = control()

    # -- per-article costs
    payload_in = sum(len(pickle.dumps(a, protocol=5)) for a in load(args.shared, n)) / n
    payload_out = sum(len(pickle.dumps(a, protocol=5)) for a in analysed) / n
    record_json = sum(len(json.dumps(a.to_dict(), ensure_ascii=False)) for a in analysed) / n
    events = sum(len(a.events) for a in analysed)

    store_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        with open_store(Path(tmp) / "s.db") as lite:
            ts, _ = timed(lambda: list(lite.add_many(analysed)))
        store_rows.append(("SQLite (file, WAL), 1 writer", ts))
        pg_lines = []
        try:
            from sitrep.store.pgserver import TempPostgres

            with TempPostgres() as pg:
                with open_store(pg.url) as store:
                    tp, _ = timed(lambda: list(store.add_many(analysed)))
                store_rows.append(("PostgreSQL (Unix socket), 1 writer", tp))
                blobs = [pickle.dumps(a, protocol=5) for a in analysed]
                for writers in (1, 2, 4):
                    url = pg.create_database(f"w{writers}")
                    with open_store(url):
                        pass
                    # each writer stores its own copy of the articles (distinct texts)
                    shares = []
                    for w in range(writers):
                        share = []
                        for b in blobs:
                            a = pickle.loads(b)
                            a.text += f" [copy {w}]"
                            a.id = f"{a.id}-{w}"
                            share.append(pickle.dumps(a, protocol=5))
                        shares.append(share)
                    ctx = mp.get_context("spawn")
                    procs = [ctx.Process(target=_writer, args=(url, s)) for s in shares]
                    t = time.perf_counter()
                    for p in procs:
                        p.start()
                    for p in procs:
                        p.join()
                    tw = time.perf_counter() - t
                    total = n * writers
                    pg_lines.append(f"| {writers} | {total} | {total / tw:.0f} |")
        except Exception as exc:  # noqa: BLE001 - a report line, not a crash
            pg_lines.append(f"| PostgreSQL unavailable: {exc} | | |")

    print(
        f"## Scaling benchmark ({time.strftime('%Y-%m-%d')}, {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()})\n"
    )
    print(f"{n} FA-KES dev articles, {words} words, {events} events found.\n")
    print(f"Load average before: {load_before}; after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}.\n")
    print(
        "| runner | articles/s, total | articles/s, steady | words/s, total | CPU per article "
        "| cores obtained | peak RSS per worker |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(
        f"\nModel load (in process): {t_load:.1f} s. Speed-up 1 -> 2 local workers (steady): {s2 / s1:.2f}x."
    )
    print(f"Steady: after the first {WARM} results (start-up and model loads excluded).")
    if ray_line:
        print(ray_line)
    print(control_line)
    auto = Path("/proc/sys/kernel/sched_autogroup_enabled")
    if auto.exists() and auto.read_text().strip() == "1":
        print(
            "The kernel groups processes by session for CPU fairness (sched_autogroup): all of a run's workers share its session's share of the cores."
        )
    print("\n| per-article cost | value |")
    print("|---|---|")
    print(f"| reading the input (JSON Lines, in the driver) | {1000 * t_read / n:.2f} ms |")
    print(f"| analysis, 1 worker (wall) | {1000 * t1 / n:.1f} ms |")
    print(f"| analysis, 1 worker (CPU) | {1000 * c1 / n:.1f} ms |")
    blobs_in = [pickle.dumps(a, protocol=5) for a in analysed]
    tpk, _ = timed(lambda: [pickle.loads(b) for b in blobs_in])
    print(f"| unpickling an analysed article (the driver, per result) | {1000 * tpk / n:.3f} ms |")
    for name, t in store_rows:
        print(f"| store insert, {name} | {1000 * t / n:.2f} ms |")
    print(f"| payload to a worker (pickled input article) | {payload_in / 1024:.1f} KB |")
    print(f"| payload back (pickled analysed article) | {payload_out / 1024:.1f} KB |")
    print(f"| the JSON record | {record_json / 1024:.1f} KB |")
    print("\nPostgreSQL, concurrent writer processes (analysed records, batches of 50):\n")
    print("| writers | articles | articles/s |")
    print("|---|---|---|")
    print("\n".join(pg_lines))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Timing of incremental linking: a store filled with synthetic event reports, then the
cost of adding one more article (its rows, the index look-up, linking, cluster summaries
and credibility).

    python -m sitrep.corroborate.bench --events 100000 --db /tmp/bench.db

Synthetic events are spread over Syria-sized ground (32-37N, 35-42E) and seven years, with
a share of them re-reported by other outlets (so clusters form as they do in news).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Iterator

from ..record import SUB_EVENT_TYPES, ActorRef, Article, DateInterval, Event, Fatalities, Place, Span

SUB_TYPES = ["Air/drone strike", "Shelling/artillery/missile attack", "Armed clash", "Attack", "Suicide bomb"]
ACTORS = ["Syrian government", "Russia", "Islamic State", "Syrian Democratic Forces", "Opposition", None]
OUTLETS = [f"outlet{i}" for i in range(15)]


def synthetic_articles(
    n_events: int, *, seed: int = 1, per_article: int = 3, repeat: float = 0.3
) -> Iterator[Article]:
    """Articles with ``per_article`` events each; about ``repeat`` of the events are
    reports of an earlier synthetic event (same place, day, type; a toll near it)."""
    rng = random.Random(seed)
    start = dt.date(2011, 3, 1).toordinal()
    made: list[tuple[float, float, int, str, int]] = []
    i = 0
    while i < n_events:
        events = []
        day0 = start + rng.randrange(0, 7 * 365)
        for k in range(per_article):
            if made and rng.random() < repeat:
                lat, lon, day, sub, toll = rng.choice(made[-5000:])
                toll = max(0, toll + rng.randint(-2, 3))
            else:
                lat, lon = rng.uniform(32.3, 37.2), rng.uniform(35.7, 42.0)
                day, sub, toll = day0 - rng.randrange(0, 3), rng.choice(SUB_TYPES), rng.randrange(0, 60)
                made.append((lat, lon, day, sub, toll))
            iso = dt.date.fromordinal(day).isoformat()
            actor = rng.choice(ACTORS)
            events.append(
                Event(
                    id=f"e{k + 1}",
                    event_type=SUB_EVENT_TYPES[sub],
                    sub_event_type=sub,
                    evidence=Span(f"{sub} killed {toll}", 0, 10),
                    headline=k == 0,
                    date=DateInterval(iso, iso, "day", "on that day"),
                    location=Place(
                        f"p{lat:.2f},{lon:.2f}",
                        0,
                        1,
                        None,
                        f"place {lat:.2f} {lon:.2f}",
                        "SY",
                        None,
                        round(lat, 4),
                        round(lon, 4),
                        geo_precision=rng.choice((1, 1, 1, 2, 3)),
                    ),
                    actor1=ActorRef(None, actor) if actor else None,
                    fatalities=Fatalities(total=toll),
                )
            )
            i += 1
        pub = dt.date.fromordinal(day0).isoformat()
        a = Article(
            text=f"synthetic article {i} {rng.random()}",
            id=f"syn{i}",
            source=rng.choice(OUTLETS),
            published=pub,
        )
        a.events = events
        yield a


def main(argv: list[str] | None = None) -> int:
    from ..store import open_store

    ap = argparse.ArgumentParser(
        prog="python -m sitrep.corroborate.bench", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--db", default=":memory:")
    ap.add_argument("--probe", type=int, default=200, help="articles added one by one and timed")
    args = ap.parse_args(argv)
    with open_store(args.db) as store:
        t0 = time.perf_counter()
        n = 0
        for _ in store.add_many(synthetic_articles(args.events), batch=500):
            n += 1
        fill = time.perf_counter() - t0
        n_events = store.scalar("SELECT COUNT(*) FROM events")
        n_clusters = store.scalar("SELECT COUNT(*) FROM clusters")
        times, cpu = [], []
        for a in synthetic_articles(args.probe * 3, seed=2):
            a.id = f"probe-{a.id}"
            t, c = time.perf_counter(), time.process_time()
            store.add(a)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        times.sort()
        print(
            f"store: {n} articles, {n_events} events, {n_clusters} clusters; filled in {fill:.1f} s "
            f"({fill / max(n, 1) * 1000:.2f} ms per article with linking)\n"
            f"adding one article ({len(times)} probes, 3 events each): median {statistics.median(times):.2f} ms, "
            f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms; "
            f"CPU time median {statistics.median(cpu):.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

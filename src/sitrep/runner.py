"""Local worker processes: the same pipeline in N processes, results in input order.

Each worker loads the models once (``initializer``) with the thread pools of numeric
libraries pinned to one thread, so N workers use N cores and no more. At most
``window`` articles are in flight: a large crawl streams through with bounded memory
(back-pressure), never loaded whole.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .record import Article

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

_pipeline: Any = None


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _init(factory: Callable[[], Any] | None) -> None:
    global _pipeline
    for var in THREAD_VARS:
        os.environ[var] = "1"
    if factory is None:
        from .pipeline import Pipeline

        _pipeline = Pipeline()
    else:
        _pipeline = factory()


def _work(batch: list[Article]) -> list[Article]:
    return _pipeline.run_batch(batch)  # type: ignore[no-any-return]


def _batches(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for a in articles:
        batch.append(a)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_local(
    articles: Iterable[Article],
    *,
    workers: int,
    pipeline_factory: Callable[[], Any] | None = None,
    batch_size: int = 8,
    window: int | None = None,
) -> Iterator[Article]:
    """Analyse ``articles`` in ``workers`` processes; yield them in input order."""
    window = window or workers * 3
    # spawn, not fork: a forked copy of a parent holding threads (or loaded BLAS) can hang
    ctx = mp.get_context("spawn")
    saved = {v: os.environ.get(v) for v in THREAD_VARS}
    for var in THREAD_VARS:
        os.environ[var] = "1"  # inherited by the workers before numpy loads there
    try:
        with ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_init, initargs=(pipeline_factory,)
        ) as pool:
            pending: deque[Future[list[Article]]] = deque()
            for batch in _batches(articles, batch_size):
                pending.append(pool.submit(_work, batch))
                if len(pending) >= window:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value

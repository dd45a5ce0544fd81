"""Local worker processes: the same pipeline in N processes, results in input order.

Each worker loads the models once (``initializer``) with the thread pools of numeric
libraries pinned to one thread, so N workers use N cores and no more. At most
``window`` batches are in flight: a large crawl streams through with bounded memory
(back-pressure), never loaded whole.

A worker that dies (SIGKILL, the out-of-memory killer, a crash in native code) breaks the
process pool. The runner then starts a new pool and runs the batches that were in flight
again, one at a time, so that a second death points at its batch; that batch is split into
single articles, and an article that kills its worker ``max_retries`` times more is returned
with an ``internal`` error instead of stopping the run. Articles already returned are never
run again, so a consumer that stores what it is given stores each article once.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from .errors import SitrepError
from .record import Article

log = logging.getLogger(__name__)

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

_pipeline: Any = None


class WorkerError(SitrepError):
    """Worker processes die before they finish anything (the models cannot load, say)."""

    code = "workers"
    status = 500


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def pin_threads() -> None:
    """One thread per numeric library in this process (set before numpy/BLAS load)."""
    for var in THREAD_VARS:
        os.environ[var] = "1"


def _init(factory: Callable[[], Any] | None) -> None:
    global _pipeline
    pin_threads()
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


@dataclass
class _Job:
    batch: list[Article]
    future: Future[list[Article]] | None = None
    deaths: int = 0  # times a worker died while this job was the only one running


class _Pool:
    """A ProcessPoolExecutor that can be replaced when a worker dies."""

    def __init__(self, workers: int, factory: Callable[[], Any] | None, max_retries: int) -> None:
        self.workers, self.factory = workers, factory
        self.ctx = mp.get_context("spawn")  # not fork: a forked copy of a threaded parent can hang
        self.executor = self._new()
        self.restarts = 0
        self.in_a_row = 0  # restarts since a batch last came back
        # isolating one bad article costs at most max_retries + 2 restarts in a row
        self.limit = max_retries + 3

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers, mp_context=self.ctx, initializer=_init, initargs=(self.factory,)
        )

    def submit(self, job: _Job) -> _Job:
        try:
            job.future = self.executor.submit(_work, job.batch)
        except BrokenProcessPool as exc:
            # a worker died since the last result was collected: this job fails with the
            # ones in flight, and _collect restarts the pool and runs them all again
            failed: Future[list[Article]] = Future()
            failed.set_exception(exc)
            job.future = failed
        return job

    def restart(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.restarts += 1
        self.in_a_row += 1
        if self.in_a_row > self.limit:
            raise WorkerError(
                f"worker processes died {self.in_a_row} times in a row without finishing a batch "
                "(do the models load? see the worker's error above)"
            )
        self.executor = self._new()

    def succeeded(self) -> None:
        self.in_a_row = 0

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def run_local(
    articles: Iterable[Article],
    *,
    workers: int,
    pipeline_factory: Callable[[], Any] | None = None,
    batch_size: int = 8,
    window: int | None = None,
    max_retries: int = 2,
) -> Iterator[Article]:
    """Analyse ``articles`` in ``workers`` processes; yield them in input order.

    ``window`` batches at most are in flight (default ``3 * workers``); ``max_retries``:
    how many more times an article whose worker died is run before it is given up."""
    window = window or workers * 3
    saved = {v: os.environ.get(v) for v in THREAD_VARS}
    pin_threads()  # inherited by the workers before numpy loads there
    pool = _Pool(workers, pipeline_factory, max_retries)
    try:
        pending: deque[_Job] = deque()
        for batch in _batches(articles, batch_size):
            pending.append(pool.submit(_Job(batch)))
            while len(pending) >= window:
                yield from _collect(pending, pool, max_retries)
        while pending:
            yield from _collect(pending, pool, max_retries)
    finally:
        pool.close()
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _collect(pending: deque[_Job], pool: _Pool, max_retries: int) -> Iterator[Article]:
    """The results of the first pending job; after a worker died, every job that was in
    flight runs again, alone (see the module doc)."""
    job = pending[0]
    try:
        assert job.future is not None
        results = job.future.result()
    except BrokenProcessPool:
        log.warning("a worker process died; restarting the pool and running %d batches again", len(pending))
        pool.restart()
        suspects = list(pending)
        pending.clear()
        yield from _run_alone(suspects, pool, max_retries)
        return
    pending.popleft()
    pool.succeeded()
    yield from results


def _run_alone(jobs: list[_Job], pool: _Pool, max_retries: int) -> Iterator[Article]:
    queue = deque(jobs)
    while queue:
        job = queue.popleft()
        try:
            results = pool.submit(job).future.result()  # type: ignore[union-attr]
        except BrokenProcessPool:
            pool.restart()
            job.deaths += 1
            if len(job.batch) > 1:  # find the article at fault
                queue.extendleft(reversed([_Job([a], deaths=job.deaths) for a in job.batch]))
            elif job.deaths > max_retries:
                article = job.batch[0]
                log.error("giving up on %s: its worker process died %d times", article.id, job.deaths)
                yield article.fail(
                    "runner", "internal", "the worker process died while analysing this article"
                )
            else:
                queue.appendleft(job)
            continue
        pool.succeeded()
        yield from results

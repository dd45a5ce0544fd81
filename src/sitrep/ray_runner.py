"""The same pipeline on a Ray cluster, with Ray Data (``pip install 'sitrep[ray]'``).

    sitrep ingest ./crawl/ --db postgresql://db/sitrep --runner ray --address ray://head:10001

The driver (the ``sitrep`` process) reads the inputs as a stream and cuts it into chunks
(``chunk_size`` articles or ``chunk_bytes`` of pickled input, whichever comes first), so a crawl is
never held whole. Each chunk becomes a Ray Dataset of pickled articles; ``map_batches`` runs
it through a pool of actors (``_Analyser``), each of which loads the models once and
analyses ``batch_size`` articles per call with one thread per numeric library. Order is
kept (``preserve_order``), so results come back in input order, as from the local runner.

Writes: into a server store (``postgresql://``) the actors write their batch themselves, in
one transaction per batch, and send back only a light copy of each article (no events,
places, claims: the payload that would otherwise cross the network twice); into a SQLite
file the driver writes what comes back, in transactions of 50. Writes are idempotent (the
content hash is unique), so a batch that Ray runs again stores nothing twice.

Faults: an actor that dies (SIGKILL, out of memory, lost node) is restarted and its batch
run again, ``max_retries`` times (Ray's ``max_restarts`` / ``max_task_retries``); after
that the run stops with one error line (``--resume`` continues where it stopped).
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .errors import SitrepError, UsageError
from .record import Article
from .runner import THREAD_VARS, pin_threads

log = logging.getLogger(__name__)

# Ray binds a local instance to the machine's network address unless told it is a
# single-machine install (the setting it uses on macOS and Windows)
LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


class RayError(SitrepError):
    code = "ray"
    status = 500


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"--runner ray needs the 'ray' extra (pip install 'sitrep[ray]'): {exc}") from None
    return ray


def connect(
    address: str | None = None,
    *,
    workers: int | None = None,
    object_store_mb: int | None = None,
) -> Any:
    """Join the Ray cluster at ``address`` (``auto``, ``host:port``, ``ray://host:10001``),
    or start a local one with ``workers`` CPUs when there is none; returns the ``ray``
    module. A Ray already initialised in this process is used as it is.

    A local instance listens on the loopback address only (it serves this machine)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # Ray would report usage over the network
    if not address:
        os.environ.setdefault(LOOPBACK_ENV, "0")  # read when ray is imported
    else:
        _check_reachable(address)
    ray = _ray()
    if ray.is_initialized():
        return ray
    quiet = not log.isEnabledFor(logging.INFO)  # -v shows Ray's own warnings
    _quiet_ray(quiet)
    if quiet:
        # max_restarts / max_task_retries are still ray_remote_args in the Ray versions we
        # support; tiny inputs make Ray Data warn that actors idle
        warnings.filterwarnings("ignore", message=".*ray_remote_args.*")
        warnings.filterwarnings("ignore", category=UserWarning, module=r"ray\.data")
    env = {"env_vars": {v: "1" for v in THREAD_VARS}}
    try:
        if address:
            ray.init(address=address, runtime_env=env, log_to_driver=False, logging_level=logging.WARNING)
        else:
            ray.init(
                num_cpus=workers,
                object_store_memory=object_store_mb * 1024 * 1024 if object_store_mb else None,
                include_dashboard=False,
                runtime_env=env,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
    except Exception as exc:  # noqa: BLE001 - ConnectionError, RuntimeError, ValueError...
        where = f"at {address}" if address else "locally"
        raise RayError(f"cannot start or join a Ray cluster {where}: {exc}") from None
    _quiet_ray(quiet)  # ray.init configures its loggers again
    return ray


def _quiet_ray(quiet: bool) -> None:
    level = logging.ERROR if quiet else logging.INFO
    for name in list(logging.root.manager.loggerDict):
        if name == "ray" or name.startswith("ray."):
            logging.getLogger(name).setLevel(level)
    logging.getLogger("ray").setLevel(level)


def _check_reachable(address: str) -> None:
    """Fail in seconds, with one line, when nothing listens at ``host:port`` (Ray itself
    retries for minutes)."""
    if address == "auto":
        return
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit():
        raise UsageError(f"--address {address!r}: expected auto, host:port or ray://host:port")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as exc:
        raise RayError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}") from None


class _Analyser:
    """A Ray Data actor: the pipeline loaded once; a batch of pickled articles in, analysed
    articles out (or written to the store, and light copies out)."""

    def __init__(self, factory: Callable[[], Any] | None, store_url: str | None, link: bool = True) -> None:
        pin_threads()
        if factory is None:
            from .pipeline import Pipeline

            self.pipeline = Pipeline()
        else:
            self.pipeline = factory()
        self.store = None
        if store_url:
            from .store import open_store

            self.store = open_store(store_url)
            self.store.corroborate = link

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        articles = [pickle.loads(b) for b in batch["article"]]
        articles = self.pipeline.run_batch(articles)
        outcome = [""] * len(articles)
        if self.store is not None:
            stored = [i for i, a in enumerate(articles) if a.text]
            results = list(self.store.add_many([articles[i] for i in stored], batch=len(stored) or 1))
            for i, r in zip(stored, results, strict=True):
                outcome[i] = r.outcome
            articles = [_light(a) for a in articles]
        return {"article": [pickle.dumps(a, protocol=5) for a in articles], "outcome": outcome}


def _actor_class(factory: Callable[[], Any] | None, store_url: str | None, link: bool = True) -> type:
    """``_Analyser`` with its arguments bound in the class, which Ray keeps for restarts
    (constructor arguments live in the object store and may be gone when an actor restarts)."""

    class Analyser(_Analyser):
        def __init__(self) -> None:
            super().__init__(factory, store_url, link)

    return Analyser


def _light(a: Article) -> Article:
    """What the driver needs of an article already stored: identity, origin, errors."""
    out = Article(text=a.text, id=a.id, url=a.url, source=a.source, title=a.title, published=a.published)
    out.errors, out._origin, out._meta = a.errors, a._origin, {}
    return out


def _chunks(articles: Iterable[Article], size: int, max_bytes: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    total = 0
    for a in articles:
        blob = pickle.dumps(a, protocol=5)
        chunk.append(blob)
        total += len(blob)
        if len(chunk) >= size or total >= max_bytes:
            yield chunk
            chunk, total = [], 0
    if chunk:
        yield chunk


def run_ray(
    articles: Iterable[Article],
    *,
    address: str | None = None,
    workers: int | None = None,
    store: str | None = None,
    pipeline_factory: Callable[[], Any] | None = None,
    batch_size: int = 8,
    chunk_size: int | None = None,
    chunk_bytes: int = 256 * 1024 * 1024,
    max_retries: int = 3,
    object_store_mb: int | None = None,
    link: bool = True,
) -> Iterator[tuple[Article, str]]:
    """Analyse ``articles`` on Ray; yield ``(article, outcome)`` in input order.

    With ``store`` (a URL or path the actors can open: use it for server stores) the actors
    write each batch and ``outcome`` is ``new``, ``updated`` or ``unchanged`` (``""`` for an
    input with no text); the article is then a light copy without its findings. Without
    ``store`` the article is the full analysed record and ``outcome`` is ``""``.
    ``workers``: actors (default: the cluster's CPUs). ``chunk_size``: articles per Ray
    Dataset (default: 2,000 per actor)."""
    workers = workers or None  # 0 or None: the cluster's CPUs
    ray = connect(address, workers=workers, object_store_mb=object_store_mb)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    n_actors = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    # every chunk starts its actors again (model load): keep chunks long for each actor
    chunk_size = chunk_size or 2000 * n_actors
    for chunk in _chunks(articles, chunk_size, chunk_bytes):
        blocks = max(1, min(len(chunk) // batch_size, n_actors * 4))
        ds = ray.data.from_items([{"article": b} for b in chunk], override_num_blocks=blocks)
        del chunk
        out = ds.map_batches(
            _actor_class(pipeline_factory, store, link),
            batch_size=batch_size,
            compute=ray.data.ActorPoolStrategy(size=n_actors),
            num_cpus=1,
            max_restarts=max_retries,
            max_task_retries=max_retries,
        )
        try:
            for batch in out.iter_batches(batch_size=None, batch_format="numpy"):
                for blob, outcome in zip(batch["article"], batch["outcome"], strict=True):
                    yield pickle.loads(blob), str(outcome)
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except Exception as exc:  # noqa: BLE001 - Ray wraps worker failures in its own types
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RayError(
                f"the Ray run failed (a worker died more than {max_retries} times, or a batch raised): {first}"
            ) from None


def analyze_ray(articles: Iterable[Article], **options: Any) -> Iterator[Article]:
    """Like ``pipeline.analyze``: analysed articles in input order, on Ray."""
    for article, _ in run_ray(articles, **options):
        yield article

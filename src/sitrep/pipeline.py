"""The analysis pipeline: stages from Article to Article, checked for order once.

A stage is a callable object with ``name``, ``needs`` and ``sets`` (names of Article
fields or of working state such as ``doc`` and ``dates``); it loads what it needs once, in
its constructor, and changes the article it is given. A stage may also offer
``pipe(articles)`` to work on a batch at once (spaCy parses faster that way).
``Pipeline`` runs the stages in order; ``analyze`` runs it over many articles, in this
process or in worker processes (see ``sitrep.runner``).
"""

from __future__ import annotations

import importlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from .errors import UsageError
from .record import Article

log = logging.getLogger(__name__)

# What the ingest step provides before any stage runs.
PROVIDED = ("text", "title", "published", "source", "url", "dateline")


class Stage(Protocol):
    name: str
    needs: tuple[str, ...]
    sets: tuple[str, ...]

    def __call__(self, article: Article) -> Article: ...


# name -> "module:factory"; each factory takes keyword options and returns a Stage.
STAGES: dict[str, str] = {
    "language": "sitrep.language:LanguageStage",
    "time": "sitrep.timex:TimeStage",
    "places": "sitrep.places:PlacesStage",
    "actors": "sitrep.actors:ActorsStage",
    "figures": "sitrep.figures:FiguresStage",
    "events": "sitrep.events:EventsStage",
    "claims": "sitrep.claims:ClaimsStage",
}
DEFAULT_STAGES = tuple(STAGES)


def load_stage(name: str, **options: Any) -> Stage:
    try:
        target = STAGES[name]
    except KeyError:
        raise UsageError(f"unknown stage {name!r} (known: {', '.join(STAGES)})") from None
    module, factory = target.split(":")
    return getattr(importlib.import_module(module), factory)(**options)  # type: ignore[no-any-return]


def check_order(stages: Iterable[Stage]) -> None:
    """Every stage's needs must be provided by ingest or set by an earlier stage."""
    available = set(PROVIDED)
    for stage in stages:
        missing = [n for n in stage.needs if n not in available]
        if missing:
            raise UsageError(f"stage {stage.name!r} needs {', '.join(missing)}, which no earlier stage sets")
        available.update(stage.sets)


def _live(article: Article) -> bool:
    """Still to be analysed: something was read, and no stage said stop (empty, not English)."""
    return not article._meta.get("stop") and not (article.errors and not article.text)


def release_working_state(article: Article) -> None:
    """Drop what the stages kept for each other: the Doc, and the ``_meta`` entries named
    ``stage.key`` (statements that hold spans of the Doc, the claims stage's entity list).
    They do not leave the pipeline: a result sent back from a worker stays small."""
    article._doc = None
    for key in [k for k in article._meta if "." in k]:
        del article._meta[key]


class Pipeline:
    """The stages, loaded once; call it on an Article, or ``map`` it over many.

    A stage that raises does not lose the article: the error is recorded in
    ``article.errors`` (code ``internal``) and the remaining stages still run.
    An article that cannot be analysed at all skips the remaining stages: the stage that
    finds out records why and sets ``article._meta['stop']``.
    """

    def __init__(self, stages: Iterable[str | Stage] = DEFAULT_STAGES, **options: Any) -> None:
        self.stages: list[Stage] = [
            load_stage(s, **options.get(s, {})) if isinstance(s, str) else s for s in stages
        ]
        check_order(self.stages)
        self.seconds: defaultdict[str, float] = defaultdict(float)  # time per stage, for `sitrep bench`

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def __call__(self, article: Article) -> Article:
        return self.run_batch([article])[0]

    def run_batch(self, articles: list[Article]) -> list[Article]:
        for stage in self.stages:
            live = [a for a in articles if _live(a)]
            if not live:
                break
            started = time.perf_counter()
            self._run_stage(stage, live)
            self.seconds[stage.name] += time.perf_counter() - started
        for article in articles:
            release_working_state(article)
        return articles

    def _run_stage(self, stage: Stage, live: list[Article]) -> None:
        pipe = getattr(stage, "pipe", None)
        if pipe is not None:
            try:
                for _ in pipe(live):
                    pass
                return
            except Exception:  # noqa: BLE001 - retry one by one to find the article at fault
                log.warning("stage %s failed on a batch; retrying one article at a time", stage.name)
        for article in live:
            try:
                stage(article)
            except Exception as exc:  # noqa: BLE001 - a bug in one stage must not lose the article
                log.exception("stage %s failed on %s", stage.name, article.id)
                article.fail(stage.name, "internal", f"{type(exc).__name__}: {exc}")

    def map(self, articles: Iterable[Article], batch_size: int = 16) -> Iterator[Article]:
        batch: list[Article] = []
        for article in articles:
            batch.append(article)
            if len(batch) >= batch_size:
                yield from self.run_batch(batch)
                batch = []
        if batch:
            yield from self.run_batch(batch)


_default: Pipeline | None = None


def default_pipeline() -> Pipeline:
    """The process-wide default pipeline (models load on first use, once per process)."""
    global _default
    if _default is None:
        _default = Pipeline()
    return _default


def analyze(
    articles: Iterable[Article],
    *,
    workers: int = 1,
    pipeline_factory: Callable[[], Pipeline] | None = None,
    runner: str = "local",
    address: str | None = None,
) -> Iterator[Article]:
    """Analyse articles, yielding them in input order; ``workers > 1`` uses worker processes.

    ``runner="ray"`` runs the same pipeline on a Ray cluster (``address``, or a local one
    with ``workers`` CPUs; see ``sitrep.ray_runner``)."""
    if runner == "ray":
        from .ray_runner import analyze_ray

        yield from analyze_ray(articles, address=address, workers=workers, pipeline_factory=pipeline_factory)
        return
    if runner != "local":
        raise UsageError(f"unknown runner {runner!r} (local or ray)")
    if workers <= 1:
        pipe = pipeline_factory() if pipeline_factory else default_pipeline()
        yield from pipe.map(articles)
        return
    from .runner import run_local

    yield from run_local(articles, workers=workers, pipeline_factory=pipeline_factory)

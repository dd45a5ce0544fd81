"""`sitrep analyze` (records to stdout) and `sitrep ingest` (into a store)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator

import click

from ..errors import UsageError
from ..ingest import read_inputs
from ..pipeline import analyze as run_pipeline
from ..progress import Progress
from ..record import Article
from ..store import SQLStore, open_store
from ..summary import summarize
from .options import input_options, resolve_workers, runner_options, workers_option


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["summary", "json", "jsonl"]),
    default="summary",
    show_default=True,
    help="A readable summary, a JSON array, or one JSON record per line.",
)
@workers_option
@runner_options
@input_options
def analyze(
    inputs: tuple[str, ...],
    fmt: str,
    workers: int | None,
    runner: str,
    address: str | None,
    max_bytes: int,
    allow_private: bool,
    quiet: bool,
) -> int:
    """Analyse articles and print their records (no store).

    INPUTS are files (.txt, .html, .jsonl), directories, globs, URLs, or - for stdin
    (one text, or JSON Lines {"id","text",...} / {"id","html","url"}).
    Exit status 1 when any article failed; the failures are listed on stderr."""
    progress = Progress(quiet=quiet)
    articles = read_inputs(inputs, max_bytes=max_bytes, allow_private=allow_private)
    out = sys.stdout
    first = True
    if fmt == "json":
        out.write("[")
    for article in _run(articles, workers, runner, address):
        progress.update(article)
        if article.errors and not article.text:
            continue  # nothing was read: the failure is on stderr, there is no record
        record = article.to_dict()
        if fmt == "jsonl":
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif fmt == "json":
            out.write(("," if not first else "") + "\n" + json.dumps(record, ensure_ascii=False))
        else:
            out.write(("\n" if not first else "") + summarize(record) + "\n")
        first = False
        out.flush()
    if fmt == "json":
        out.write("\n]\n" if not first else "]\n")
    progress.finish()
    return progress.exit_code


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--db", required=True, help="Store: a SQLite file (created on first use) or a postgresql:// URL."
)
@workers_option
@runner_options
@input_options
@click.option(
    "--resume", is_flag=True, help="Skip inputs whose text is already stored (before analysing them)."
)
@click.option(
    "--no-link",
    is_flag=True,
    help="Store without linking events into clusters (bulk loads); run `sitrep clusters --relink` after.",
)
def ingest(
    inputs: tuple[str, ...],
    db: str,
    workers: int | None,
    runner: str,
    address: str | None,
    max_bytes: int,
    allow_private: bool,
    quiet: bool,
    resume: bool,
    no_link: bool,
) -> int:
    """Analyse articles and store their records (idempotent: the same text is stored once)."""
    progress = Progress(quiet=quiet)
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    with open_store(db) as store:
        store.corroborate = not no_link
        articles: Iterator[Article] = read_inputs(inputs, max_bytes=max_bytes, allow_private=allow_private)
        if resume:
            articles = _skip_stored(articles, store, counts)
        if runner == "ray" and db.startswith(("postgresql://", "postgres://")):
            # a server store: the Ray actors write their batches themselves
            from ..ray_runner import run_ray

            for article, outcome in run_ray(
                articles, address=address, workers=workers, store=db, link=not no_link
            ):
                progress.update(article)
                if outcome:
                    counts[outcome] += 1
        else:
            analysed = _watch(_run(articles, workers, runner, address), progress)
            for result in store.add_many(a for a in analysed if a.text):  # unreadable inputs have no record
                counts[result.outcome] += 1
    progress.finish(
        f"; stored {counts['new']} new, {counts['updated']} updated, {counts['unchanged']} already there"
    )
    return progress.exit_code


def _run(
    articles: Iterable[Article], workers: int | None, runner: str, address: str | None
) -> Iterator[Article]:
    if runner == "ray":  # default: the cluster's CPUs (a local Ray: this machine's cores)
        return run_pipeline(articles, workers=workers or 0, runner="ray", address=address)
    if address:
        raise UsageError("--address is for --runner ray")
    return run_pipeline(articles, workers=resolve_workers(workers))


def _skip_stored(articles: Iterable[Article], store: SQLStore, counts: dict[str, int]) -> Iterator[Article]:
    for a in articles:
        if a.text and store.has(text=a.text):
            counts["unchanged"] += 1
            continue
        yield a


def _watch(articles: Iterable[Article], progress: Progress) -> Iterator[Article]:
    for a in articles:
        progress.update(a)
        yield a


COMMANDS = [analyze, ingest]

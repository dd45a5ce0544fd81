"""`sitrep watch FEED... --db FILE [--every 10m]`: poll news feeds into a store."""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from ..ingest import DEFAULT_MAX_BYTES
from ..store import open_store
from ..watch import DEFAULT_EVERY, Watcher, parse_duration


@click.command()
@click.argument("feeds", nargs=-1, required=True)
@click.option(
    "--db", required=True, help="Store: a SQLite file (created on first use) or a postgresql:// URL."
)
@click.option(
    "--every",
    default=f"{int(DEFAULT_EVERY // 60)}m",
    show_default=True,
    help="Time between two polls of a feed (90s, 10m, 1h...).",
)
@click.option("--once", is_flag=True, help="Poll every feed once, ingest what is new, and exit.")
@click.option(
    "--max-bytes",
    type=click.IntRange(1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Cut pages larger than this.",
)
@click.option(
    "--timeout", type=click.FloatRange(1), default=30.0, show_default=True, help="Seconds per fetch."
)
@click.option(
    "--allow-private",
    is_flag=True,
    help="Allow feeds and pages on private, loopback or link-local addresses.",
)
def watch(
    feeds: tuple[str, ...],
    db: str,
    every: str,
    once: bool,
    max_bytes: int,
    timeout: float,
    allow_private: bool,
) -> int:
    """Poll RSS/Atom/JSON feeds, fetch new items, analyse and store them.

    What was seen is remembered in the store (ETag/Last-Modified, item ids), so a restart
    fetches only what is new. One line per new article on stdout; feed errors on stderr
    (the feed is retried later, backing off). Ctrl-C stops cleanly."""
    interval = parse_duration(every)

    def echo(line: str) -> None:
        click.echo(line)
        sys.stdout.flush()

    with open_store(db) as store:
        watcher = Watcher(
            list(feeds),
            store,
            every=interval,
            allow_private=allow_private,
            max_bytes=max_bytes,
            timeout=timeout,
            echo=echo,
        )
        previous = _on_signals(watcher)
        try:
            watcher.run(max_polls=1 if once else None)
        except KeyboardInterrupt:
            watcher.stop()
        finally:
            _restore(previous)
    if not once:
        click.echo("sitrep: watch stopped", err=True)
    return 0


def _on_signals(watcher: Watcher) -> dict[int, Any]:
    """Ctrl-C and SIGTERM stop the watcher between two items (nothing half-stored)."""
    previous: dict[int, Any] = {}

    def stop(signum: int, frame: Any) -> None:
        if watcher.stopping:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        click.echo("sitrep: stopping after the current item (Ctrl-C again to stop now)", err=True)
        watcher.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, stop)
        except ValueError:  # not the main thread
            pass
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


COMMANDS = [watch]

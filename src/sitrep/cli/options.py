"""Options shared by several verbs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..ingest import DEFAULT_MAX_BYTES
from ..runner import default_workers
from ..store.export import FORMATS


def workers_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-j",
        "--workers",
        type=click.IntRange(1, 512),
        default=None,
        help="Worker processes (default: all cores).",
    )(f)


def runner_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--runner local|ray and --address (the Ray cluster to join)."""
    f = click.option(
        "--address",
        default=None,
        metavar="ADDR",
        help="With --runner ray: the cluster to join (auto, host:6379, ray://host:10001); "
        "default: start a local Ray with --workers CPUs.",
    )(f)
    f = click.option(
        "--runner",
        type=click.Choice(["local", "ray"]),
        default="local",
        show_default=True,
        help="local: worker processes on this machine; ray: the same pipeline on Ray Data.",
    )(f)
    return f


def input_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--max-bytes",
        type=click.IntRange(1),
        default=DEFAULT_MAX_BYTES,
        show_default=True,
        help="Refuse inputs (files, JSON lines, pages) larger than this.",
    )(f)
    f = click.option(
        "--allow-private", is_flag=True, help="Allow URLs on private, loopback or link-local addresses."
    )(f)
    f = click.option(
        "-q", "--quiet", is_flag=True, help="No progress on stderr (failures and the summary still show)."
    )(f)
    return f


def format_option(default: str = "jsonl") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=default,
        show_default=True,
        help="Output format.",
    )


def resolve_workers(n: int | None) -> int:
    return n or default_workers()

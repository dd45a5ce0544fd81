"""`sitrep eval` (the dev benchmarks, one table, a quality gate) and `sitrep bench`."""

from __future__ import annotations

from pathlib import Path

import click

from .. import bench as benchmark
from .. import evaluation
from .options import resolve_workers, workers_option

FLOORS = Path("eval/floors.yaml")


@click.command(name="eval")
@click.option(
    "--shared",
    type=click.Path(path_type=Path),
    default=Path("../shared"),
    show_default=True,
    help="The shared folder with data/ and eval/.",
)
@click.option("--only", help=f"Comma-separated benchmarks ({', '.join(evaluation.BENCHMARKS)}); default all.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("var/eval"),
    show_default=True,
    help="Scratch folder for inputs, records and results.json.",
)
@click.option(
    "--floors",
    type=click.Path(path_type=Path),
    default=FLOORS,
    show_default=True,
    help="Pinned minimum figures; exit status 1 when one is not met.",
)
@workers_option
def eval_(shared: Path, only: str | None, out: Path, floors: Path, workers: int | None) -> int:
    """Run the reference scorers on every dev set and print one table."""
    selected = [s.strip() for s in only.split(",")] if only else None
    results = evaluation.run(shared, out, selected, resolve_workers(workers))
    pinned = evaluation.load_floors(floors)
    click.echo(evaluation.table(results, pinned))
    failures = evaluation.gate(results, pinned)
    for f in failures:
        click.echo(f"sitrep eval: below floor: {f}", err=True)
    return 1 if failures else 0


@click.command()
@click.option("--shared", type=click.Path(path_type=Path), default=Path("../shared"), show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=Path("var/bench"), show_default=True)
@click.option("--limit", type=click.IntRange(1), help="Only the first N articles.")
@click.option(
    "--runs", default=None, help="Worker counts to time, comma-separated (default: 1 and all cores)."
)
@workers_option
def bench(shared: Path, out: Path, limit: int | None, runs: str | None, workers: int | None) -> int:
    """Throughput of `sitrep analyze` against plain spaCy on the FA-KES dev articles."""
    top = resolve_workers(workers)
    counts = sorted({int(x) for x in runs.split(",")}) if runs else sorted({1, top})
    result = benchmark.run(shared, out, counts, limit)
    click.echo(benchmark.table(result))
    return 0


COMMANDS = [eval_, bench]

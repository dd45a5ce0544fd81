"""The query verbs: `sitrep articles|events|claims|places --db FILE`, with filters and
--format json|jsonl|csv|geojson|parquet. Each is `sitrep.store.<verb>(db, ...)` plus formatting."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..store import Filters, open_store, parse_bbox
from ..store.export import write

DB = click.option("--db", required=True, help="Store: a SQLite file or a postgresql:// URL.")


def _filters(kind: str) -> Any:
    def wrap(f: Any) -> Any:
        f = click.option("--since", help="From this date (ISO); events: intervals that end on or after it.")(
            f
        )
        f = click.option("--until", help="Up to this date (ISO).")(f)
        f = click.option("--article", help="Only this article id.")(f)
        f = click.option("--source", help="Only this source (outlet or domain).")(f)
        f = click.option("-q", "--q", "q", help="Text search (evidence, titles, claim text, place names).")(f)
        f = click.option("--limit", type=click.IntRange(0), help="At most this many rows.")(f)
        f = click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many rows.")(f)
        if kind in ("events", "places"):
            f = click.option("--country", help="ISO 3166 alpha-2 country code, e.g. SY.")(f)
            f = click.option("--bbox", help="min_lon,min_lat,max_lon,max_lat")(f)
        if kind == "events":
            f = click.option("--type", "type_", help="Event type or sub-event type (ACLED's names).")(f)
            f = click.option(
                "--headline", is_flag=True, default=None, help="Only each article's headline event."
            )(f)
        if kind in ("events", "claims"):
            f = click.option("--actor", help="Actor name (substring) or actor id.")(f)
        if kind == "claims":
            f = click.option(
                "--status", type=click.Choice(["unverified", "supported", "disputed", "denied"])
            )(f)
            f = click.option("--claimant", help="Claimant name (substring) or actor id.")(f)
            f = click.option(
                "--kind",
                type=click.Choice(["statement", "denial", "prediction", "assessment", "hedge"]),
                help="Only claims of this kind.",
            )(f)
        return f

    return wrap


def _run(kind: str, db: str, fmt: str, options: dict[str, Any], output: str | None = None) -> int:
    if "type_" in options:
        options["type"] = options.pop("type_")
    if "bbox" in options:
        options["bbox"] = parse_bbox(options["bbox"])
    filters = Filters(**{k: v for k, v in options.items() if v is not None})
    with open_store(db) as store:
        if output:
            with open(
                output, "wb" if fmt == "parquet" else "w", encoding=None if fmt == "parquet" else "utf-8"
            ) as out:
                write(getattr(store, kind)(filters), fmt, out, kind)  # type: ignore[arg-type]
        else:
            write(getattr(store, kind)(filters), fmt, sys.stdout, kind)
    return 0


def _verb(kind: str, doc: str, default_format: str = "jsonl") -> click.Command:
    @click.command(name=kind, help=doc)
    @DB
    @click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(["json", "jsonl", "csv", "geojson", "parquet"]),
        default=default_format,
        show_default=True,
        help="Output format (geojson: events and places; parquet: CSV's columns, typed, plus the row as JSON).",
    )
    @click.option(
        "-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: stdout)."
    )
    @_filters(kind)
    def command(db: str, fmt: str, output: str | None, **options: Any) -> int:
        return _run(kind, db, fmt, options, output)

    return command


COMMANDS = [
    _verb("articles", "List stored articles (metadata, counts, credibility)."),
    _verb("events", "Query and export events (CSV uses ACLED's column names)."),
    _verb("claims", "Query and export claims with who supports and who refutes them."),
    _verb("places", "Query and export place mentions."),
]

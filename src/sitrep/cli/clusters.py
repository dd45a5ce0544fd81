"""`sitrep clusters --db FILE`: event clusters (reports of one event across articles) with
their sources, figures, agreement and conflict; `--id` shows one cluster's reports side by
side; `--relink` rebuilds every cluster and article credibility first."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .. import corroborate
from ..store import open_store, parse_bbox
from ..store.export import FORMATS, write


@click.command(name="clusters")
@click.option("--db", required=True, help="Store: a SQLite file or a postgresql:// URL.")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="jsonl",
    show_default=True,
    help="Output format (csv: one flat row per cluster; geojson: its consensus point).",
)
@click.option("--id", "cluster_id", help="Only this cluster, whole (its reports side by side).")
@click.option("--since", help="Clusters whose date ends on or after this ISO date.")
@click.option("--until", help="Clusters whose date starts on or before this ISO date.")
@click.option("--type", "type_", help="Event type or sub-event type (ACLED's names).")
@click.option("--country", help="ISO 3166 alpha-2 country code, e.g. SY.")
@click.option("--bbox", help="min_lon,min_lat,max_lon,max_lat")
@click.option("--article", help="Only clusters this article reports in.")
@click.option("--min-reports", type=click.IntRange(1), help="At least this many reports.")
@click.option("--min-sources", type=click.IntRange(1), help="At least this many outlets.")
@click.option(
    "--conflict/--agreed",
    default=None,
    help="Only clusters whose reports conflict (or only those that agree).",
)
@click.option("--no-background", is_flag=True, help="Leave out clusters made only of recalled past events.")
@click.option("--limit", type=click.IntRange(0), help="At most this many clusters.")
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many clusters.")
@click.option(
    "--relink", is_flag=True, help="Rebuild all clusters and credibility first (order-independent)."
)
def clusters_command(
    db: str,
    fmt: str,
    cluster_id: str | None,
    relink: bool,
    type_: str | None,
    bbox: str | None,
    **options: Any,
) -> int:
    """List and export event clusters: reports of the same event across articles."""
    with open_store(db) as store:
        if relink:
            n = corroborate.relink(store)
            click.echo(f"sitrep: relinked {n} articles", err=True)
        if cluster_id:
            one = corroborate.cluster(store, cluster_id)
            if fmt == "json":
                sys.stdout.write(json.dumps(one, ensure_ascii=False, indent=2) + "\n")
            else:
                write([one], fmt, sys.stdout, "clusters")
            return 0
        filters = corroborate.ClusterFilters(
            type=type_,
            bbox=parse_bbox(bbox),
            include_background=not options.pop("no_background"),
            **{k: v for k, v in options.items() if v is not None},
        )
        n = write(corroborate.clusters(store, filters), fmt, sys.stdout, "clusters")
        if n == 0 and not store.scalar("SELECT 1 FROM clusters") and store.scalar("SELECT 1 FROM events"):
            # a store filled before corroboration existed (or with linking switched off)
            click.echo(
                "sitrep: no clusters yet: run `sitrep clusters --relink` to link the stored events", err=True
            )
    return 0


COMMANDS = [clusters_command]

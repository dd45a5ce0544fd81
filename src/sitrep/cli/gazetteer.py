"""`sitrep gazetteer build|import|download|info|lookup`: the place index (sitrep.gazetteer)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..gazetteer import Gazetteer, default_path

PATH = click.option(
    "--path",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The gazetteer file (default: $SITREP_GAZETTEER, else inside the environment).",
)


@click.group()
def gazetteer() -> None:
    """The place index: build it, import GeoNames dumps, see what is loaded."""


@gazetteer.command()
@PATH
@click.option(
    "--if-missing",
    is_flag=True,
    help="Do nothing when a usable gazetteer built from the same inputs exists (make install).",
)
@click.option("--force", is_flag=True, help="Rebuild even when it exists (drops imported dumps).")
def build(path: Path | None, if_missing: bool, force: bool) -> int:
    """Build the embedded gazetteer from the installed packages (about a minute)."""
    from ..gazetteer.build import build as run_build
    from ..gazetteer.build import rebuild_reason

    target = path or default_path()
    if target.is_file() and not force:
        if if_missing:
            reason = rebuild_reason(target)
            if reason is None:
                return 0
            if reason == "dumps":
                # imported GeoNames dumps are the user's data: never dropped unasked
                click.echo(
                    f"sitrep: {target} holds imported dumps and was not built by this version's "
                    "rules; `sitrep gazetteer build --force` rebuilds it (and drops the import)",
                    err=True,
                )
                return 0
            click.echo(f"sitrep: {target} {reason}; building it again", err=True)
        else:
            click.echo(f"sitrep: {target} exists (use --force to rebuild it)", err=True)
            return 0
    click.echo(f"building the gazetteer at {target} ...", err=True)
    out = run_build(target)
    info = Gazetteer(out).info()
    click.echo(
        f"gazetteer: {info['places']:,} places, {info['names']:,} names, {info['size_mb']} MB at {out}",
        err=True,
    )
    return 0


@gazetteer.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@PATH
@click.option(
    "--replace", is_flag=True, help="Start from an empty gazetteer instead of extending the current one."
)
@click.option("--classes", help="Keep only these GeoNames feature classes, e.g. PA (default: all).")
def import_(files: tuple[Path, ...], path: Path | None, replace: bool, classes: str | None) -> int:
    """Import GeoNames dump files: allCountries.zip, cities500.zip, a country file (SY.zip),
    admin1CodesASCII.txt, alternateNamesV2.zip."""
    from ..gazetteer.dumps import import_files

    counts = import_files(
        files,
        path,
        replace=replace,
        classes=set(classes.upper()) if classes else None,
        on_file=lambda name, n: click.echo(f"{name}: {n:,} rows", err=True),
    )
    target = path or default_path()
    info = Gazetteer(target).info()
    click.echo(
        f"gazetteer: {info['places']:,} places, {info['names']:,} names at {target} "
        f"({sum(counts.values()):,} rows imported)",
        err=True,
    )
    return 0


@gazetteer.command()
@click.argument("files", nargs=-1)
@PATH
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to keep the downloaded files (default: beside the gazetteer).",
)
@click.option("--base-url", default=None, help="Where the dumps are (default: GeoNames' export server).")
def download(files: tuple[str, ...], path: Path | None, directory: Path | None, base_url: str | None) -> int:
    """Download GeoNames dumps and import them (needs internet). FILES default to
    allCountries.zip (about 400 MB) and admin1CodesASCII.txt; give e.g. `cities500 SY` for less."""
    from ..gazetteer.dumps import BASE_URL, import_files
    from ..gazetteer.dumps import download as fetch

    names = list(files) or ["allCountries.zip", "admin1CodesASCII.txt"]
    target = path or default_path()
    where = directory or target.parent / "geonames"
    shown: dict[str, int] = {}

    def progress(name: str, size: int) -> None:
        if size - shown.get(name, 0) >= 20 << 20:
            shown[name] = size
            click.echo(f"{name}: {size / 1e6:.0f} MB", err=True)

    paths = fetch(names, where, base_url=base_url or BASE_URL, on_progress=progress)
    counts = import_files(paths, target, on_file=lambda name, n: click.echo(f"{name}: {n:,} rows", err=True))
    click.echo(f"imported {sum(counts.values()):,} rows into {target}", err=True)
    return 0


@gazetteer.command()
@PATH
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def info(path: Path | None, fmt: str) -> int:
    """What the gazetteer holds and where it came from."""
    g = Gazetteer(path or default_path())
    data = g.info()
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    click.echo(f"path        {data['path']} ({data['size_mb']} MB)")
    click.echo(f"places      {data['places']:,}")
    for fclass, n in sorted(data["by_class"].items(), key=lambda kv: -kv[1]):
        click.echo(f"  class {fclass}     {n:,}")
    click.echo(f"countries   {data['countries']:,}")
    click.echo(f"admin1      {data['first_order_divisions']:,}")
    click.echo(f"names       {data['names']:,}")
    click.echo(f"demonyms    {data['demonyms']:,}")
    for key in ("built", "imported", "origin"):
        if data.get(key):
            click.echo(f"{key:<12}{data[key]}")
    for source in filter(None, str(data.get("sources", "")).split(" | ")):
        click.echo(f"source      {source}")
    return 0


@gazetteer.command()
@click.argument("name")
@PATH
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True)
def lookup(name: str, path: Path | None, limit: int) -> int:
    """The places a name can refer to, most populous first (JSON lines)."""
    from ..gazetteer import load

    g = load(path)
    matches = sorted(g.lookup(name), key=lambda m: (m.kind, -m.entry.population))[:limit]
    for m in matches:
        e = m.entry
        sys.stdout.write(
            json.dumps(
                {
                    "geonameid": e.id if e.id > 0 else None,
                    "name": e.name,
                    "country": e.country,
                    "admin1": g.admin1_name(e),
                    "feature_code": e.fcode,
                    "population": e.population,
                    "lat": e.lat,
                    "lon": e.lon,
                    "match": ["name", "alternate", "abbreviation", "patch", "transliteration"][m.kind],
                },
                ensure_ascii=False,
            )
            + "\n"
        )
    return 0 if matches else 1


COMMANDS = [gazetteer]

"""`sitrep serve`: the REST API and the web page over a store (docs/api.md)."""

from __future__ import annotations

import ipaddress
import os
import threading

import click

from ..ingest import DEFAULT_MAX_BYTES
from ..service import DEFAULT_TILES


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option(
    "--db", required=True, help="Store: a SQLite file (created on first use) or a postgresql:// URL."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, type=click.IntRange(0, 65535), show_default=True, help="Port to listen on."
)
@click.option(
    "--tiles",
    default=DEFAULT_TILES,
    show_default=True,
    help="Online map tiles ({z}/{x}/{y} URL template) the page shows when it can reach them; "
    "'none': the bundled country outlines only.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Largest request body and fetched page.",
)
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request.")
def serve(db: str, host: str, port: int, tiles: str, max_bytes: int, access_log: bool) -> int:
    """Serve the store as a REST API and a web page (map, timeline, evidence, claims).

    The page is at /, the API under /api (OpenAPI at /openapi.json, docs at /docs; see
    docs/api.md).

    Writes (POST /api/articles) need the bearer token in $SITREP_TOKEN; without it they
    are refused."""
    import uvicorn

    from ..service import create_app

    token = os.environ.get("SITREP_TOKEN") or None
    app = create_app(
        db, token=token, tiles=None if tiles.lower() in ("", "none", "off") else tiles, max_bytes=max_bytes
    )
    if token:  # load the models now, in the background, so that the first write does not wait for them
        threading.Thread(target=app.state.analyse.load, name="load-models", daemon=True).start()
    writes = "enabled (bearer token from SITREP_TOKEN)" if token else "disabled (set SITREP_TOKEN to enable)"
    click.echo(f"sitrep: serving {db} on http://{host}:{port}/ ; writes {writes}", err=True)
    if not _loopback(host):
        click.echo(
            f"sitrep: warning: listening on {host}: anyone who can reach this machine can read the store",
            err=True,
        )
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log, server_header=False)
    return 0


COMMANDS = [serve]

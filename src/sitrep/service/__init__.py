"""sitrep's web service: the REST API and the web page (``sitrep serve``, docs/api.md).

``from sitrep.service import create_app`` builds the ASGI app; importing this package
alone stays light (the CLI reads the defaults below without loading FastAPI)."""

from __future__ import annotations

from typing import Any

DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

__all__ = ["DEFAULT_TILES", "OSM_ATTRIBUTION", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)

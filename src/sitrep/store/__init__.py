"""The store: article records with their events, claims, places and figures, queryable.

``open_store(target)`` opens (creating and migrating on first use) the store named by a
path (SQLite, the embedded default) or a ``postgresql://`` URL. The module functions
mirror the CLI verbs: ``sitrep events --db F`` is ``sitrep.store.events(F, ...)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .sql import AddResult, Filters, SQLStore, parse_bbox

__all__ = [
    "AddResult",
    "Filters",
    "SQLStore",
    "open_store",
    "articles",
    "events",
    "claims",
    "places",
    "parse_bbox",
]


def open_store(target: str | Path) -> SQLStore:
    """The store at ``target``: a file path (SQLite) or a postgresql:// URL."""
    t = str(target)
    if t.startswith(("postgresql://", "postgres://")):
        try:
            from .postgres import PostgresStore
        except ImportError as exc:
            raise StoreError(
                f"PostgreSQL support needs the 'postgres' extra (pip install 'sitrep[postgres]'): {exc}"
            ) from None
        return PostgresStore(t)
    from .sqlite import SQLiteStore

    return SQLiteStore(t)


def _rows(kind: str, db: str | Path, **filters: Any) -> Iterator[dict[str, Any]]:
    with open_store(db) as store:
        yield from getattr(store, kind)(Filters(**filters))


def articles(db: str | Path, **filters: Any) -> Iterator[dict[str, Any]]:
    return _rows("articles", db, **filters)


def events(db: str | Path, **filters: Any) -> Iterator[dict[str, Any]]:
    return _rows("events", db, **filters)


def claims(db: str | Path, **filters: Any) -> Iterator[dict[str, Any]]:
    return _rows("claims", db, **filters)


def places(db: str | Path, **filters: Any) -> Iterator[dict[str, Any]]:
    return _rows("places", db, **filters)

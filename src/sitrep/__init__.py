"""sitrep: conflict news to a structured, geolocated, sourced record.

    >>> import sitrep
    >>> record = sitrep.analyze_text("RAQQA, SYRIA (June 15, 2017) - ...")
    >>> [e["sub_event_type"] for e in record["events"]]

``analyze_text`` returns the JSON record (schema ``sitrep.article/1``); ``analyze`` takes
an iterable of ``Article`` objects (or dicts with ``text``) and yields analysed Articles.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .record import SCHEMA, Article

__version__ = "0.1.0"
__all__ = ["SCHEMA", "Article", "analyze", "analyze_text", "__version__"]


def _as_article(item: Article | dict[str, Any] | str) -> Article:
    if isinstance(item, Article):
        return item
    if isinstance(item, str):
        return Article(text=item)
    from .ingest import article_from_object

    return article_from_object(item)


def analyze(items: Iterable[Article | dict[str, Any] | str], *, workers: int = 1) -> Iterator[Article]:
    """Analyse articles (Article objects, ``{"id","text",...}`` dicts or plain strings), in order."""
    from .pipeline import analyze as run

    return run((_as_article(i) for i in items), workers=workers)


def analyze_text(text: str, **fields: Any) -> dict[str, Any]:
    """Analyse one text; ``fields`` may give ``id``, ``title``, ``published``, ``source``, ``url``.
    The publication date and title are read from the text when not given."""
    from .ingest import article_from_text

    article = article_from_text(text, **fields)
    return next(analyze([article])).to_dict()

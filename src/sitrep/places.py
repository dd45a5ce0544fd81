"""Stage `places` (first skeleton; the Places issue builds recognition and resolution).

Contract other stages rely on:
- ``PlacesStage`` sets ``article.places``: every toponym with its span and resolved point.
- ``locate(article, start, end)`` -> the most specific Place the text between ``start``
  and ``end`` (an event's sentence) supports, with ``geo_precision`` set, else None.
"""

from __future__ import annotations

from .record import Article, Place


class PlacesStage:
    name = "places"
    needs = ("doc", "text")
    sets = ("places",)

    def __call__(self, article: Article) -> Article:
        return article


def locate(article: Article, start: int, end: int) -> Place | None:
    """The place an event in ``article.text[start:end]`` happened at (skeleton: the first
    place mentioned inside the span)."""
    for p in article.places:
        if p.start is not None and start <= p.start < end and p.lat is not None:
            return p
    return None

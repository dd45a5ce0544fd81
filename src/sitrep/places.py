"""Stage `places` (first skeleton: sets nothing yet; see the issue that builds it)."""

from __future__ import annotations

from .record import Article


class PlacesStage:
    name = "places"
    needs = (
        "doc",
        "text",
    )
    sets = ("places",)

    def __call__(self, article: Article) -> Article:
        return article

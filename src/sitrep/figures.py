"""Stage `figures` (first skeleton: sets nothing yet; see the issue that builds it)."""

from __future__ import annotations

from .record import Article


class FiguresStage:
    name = "figures"
    needs = ("doc",)
    sets = ("figures",)

    def __call__(self, article: Article) -> Article:
        return article

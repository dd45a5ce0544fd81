"""Stage `actors` (first skeleton: sets nothing yet; see the issue that builds it)."""

from __future__ import annotations

from .record import Article


class ActorsStage:
    name = "actors"
    needs = ("doc",)
    sets = ("actors",)

    def __call__(self, article: Article) -> Article:
        return article

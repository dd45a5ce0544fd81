"""Stage `claims` (first skeleton: sets nothing yet; see the issue that builds it)."""

from __future__ import annotations

from .record import Article


class ClaimsStage:
    name = "claims"
    needs = (
        "doc",
        "actors",
        "events",
        "figures",
    )
    sets = ("claims",)

    def __call__(self, article: Article) -> Article:
        return article

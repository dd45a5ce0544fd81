"""Stage `events` (first skeleton: sets nothing yet; see the issue that builds it)."""

from __future__ import annotations

from .record import Article


class EventsStage:
    name = "events"
    needs = (
        "doc",
        "dates",
        "places",
        "actors",
        "figures",
    )
    sets = ("events",)

    def __call__(self, article: Article) -> Article:
        return article

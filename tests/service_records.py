"""Small, real article records for the service tests, built with ``sitrep.record`` (every
offset computed from the text), so the API and the page are tested on events, places and
claims whatever the analysis stages produce today."""

from __future__ import annotations

from pathlib import Path

from sitrep.record import (
    Actor,
    ActorRef,
    Article,
    Claim,
    DateInterval,
    Event,
    Fatalities,
    Figure,
    Mention,
    Place,
    Span,
    Stance,
)
from sitrep.store import open_store

RAQQA_TEXT = (
    "RAQQA, SYRIA (June 15, 2017) – Coalition air strikes killed 12 civilians in Raqqa on Tuesday, "
    "activists said.\n\n"
    "Syrian Democratic Forces fighters clashed with Islamic State militants near Ain Issa last week.\n\n"
    "The Russian defence ministry said US allies had made a deal with ISIS to let its fighters leave. "
    "The SDF denied the report."
)
MOSUL_TEXT = (
    "MOSUL, IRAQ (March 3, 2017) – Islamic State shelling killed 4 people in western Mosul on Thursday, "
    "a police officer said."
)
BEIRUT_TEXT = "BEIRUT (May 20, 2017) – Hundreds of people protested peacefully in Beirut on Saturday."


def span(text: str, needle: str, nth: int = 1) -> Span:
    start = -1
    for _ in range(nth):
        start = text.index(needle, start + 1)
    return Span(needle, start, start + len(needle))


def sentence(text: str, needle: str) -> Span:
    """The sentence (up to the next '. ' or paragraph) holding ``needle``."""
    at = text.index(needle)
    stop = text.rfind(". ", 0, at)
    start = max(stop + 2 if stop != -1 else 0, text.rfind("\n", 0, at) + 1)
    ends = [i for i in (text.find(". ", at), text.find("\n", at)) if i != -1]
    end = min(ends) + 1 if ends else len(text)
    if text[end - 1] != ".":
        end = min(ends)
    return Span(text[start:end], start, end)


def place(
    text: str, mention: str, name: str, country: str, admin1: str, lat: float, lon: float, gid: int
) -> Place:
    s = span(text, mention)
    return Place(mention, s.start, s.end, gid, name, country, admin1, lat, lon, score=0.9, geo_precision=1)


def raqqa() -> Article:
    t = RAQQA_TEXT
    raqqa_p = place(t, "Raqqa", "Ar Raqqah", "SY", "Ar Raqqah", 35.95283, 39.00788, 163915)
    ain_issa = place(t, "Ain Issa", "'Ayn 'Isa", "SY", "Ar Raqqah", 36.3855, 38.86228, 172134)
    sdf = ActorRef("sdf", "Syrian Democratic Forces", "Rebel Groups")
    isis = ActorRef("islamic-state", "Islamic State", "Rebel Groups")
    coalition = ActorRef("us-led-coalition", "US-led coalition", "External/Other Forces")
    tuesday = span(t, "on Tuesday")
    last_week = span(t, "last week")
    a = Article(text=t, id="raqqa-2017-06-15", title="Air strikes on Raqqa", published="2017-06-15")
    a.source = "example.org"
    a.url = "https://example.org/raqqa"
    a.credibility = {"score": 0.7, "reasons": ["two outlets report the air strike"]}
    a.places = [raqqa_p, ain_issa]
    a.actors = [
        Actor(
            "sdf",
            "Syrian Democratic Forces",
            "Rebel Groups",
            [Mention(**span(t, "Syrian Democratic Forces").to_dict()), Mention(**span(t, "SDF").to_dict())],
        ),
        Actor(
            "islamic-state",
            "Islamic State",
            "Rebel Groups",
            [Mention(**span(t, "Islamic State").to_dict()), Mention(**span(t, "ISIS").to_dict())],
        ),
    ]
    a.figures = [
        Figure(
            12,
            None,
            "civilians",
            "killed",
            sentence(t, "12 civilians"),
            text="12",
            start=span(t, "12").start,
            end=span(t, "12").end,
        )
    ]
    a.events = [
        Event(
            "e1",
            "Explosions/Remote violence",
            "Air/drone strike",
            sentence(t, "Coalition air strikes"),
            headline=True,
            method="air strike",
            date=DateInterval("2017-06-13", "2017-06-13", "day", tuesday.text, tuesday.start, tuesday.end),
            location=raqqa_p,
            actor1=coalition,
            actor2=ActorRef(None, "Civilians", "Civilians"),
            fatalities=Fatalities(total=12, civilians=12),
            modality="reported",
            confidence=0.8,
        ),
        Event(
            "e2",
            "Battles",
            "Armed clash",
            sentence(t, "clashed with"),
            date=DateInterval(
                "2017-06-05", "2017-06-11", "week", last_week.text, last_week.start, last_week.end
            ),
            location=ain_issa,
            actor1=sdf,
            actor2=isis,
            confidence=0.7,
        ),
        Event(
            "e3",
            "Strategic developments",
            "Agreement",
            sentence(t, "made a deal"),
            actor1=ActorRef(None, "US allies"),
            actor2=isis,
            modality="denied",
            confidence=0.4,
        ),
    ]
    a.claims = [
        Claim(
            "c1",
            ActorRef(
                "russia-military", "Military Forces of Russia", "State Forces", "The Russian defence ministry"
            ),
            "said",
            "US allies had made a deal with ISIS to let its fighters leave",
            sentence(t, "made a deal"),
            stances=[Stance(sdf, "refutes", sentence(t, "denied the report"))],
            status="denied",
        )
    ]
    return a


def mosul() -> Article:
    t = MOSUL_TEXT
    mosul_p = place(t, "Mosul", "Mosul", "IQ", "Nineveh", 36.335, 43.11889, 99072)
    a = Article(text=t, id="mosul-2017-03-03", title="Shelling in western Mosul", published="2017-03-03")
    a.source = "example.net"
    a.places = [mosul_p]
    a.events = [
        Event(
            "e1",
            "Explosions/Remote violence",
            "Shelling/artillery/missile attack",
            sentence(t, "shelling killed"),
            headline=True,
            method="shelling",
            date=DateInterval("2017-03-02", "2017-03-02", "day", "on Thursday"),
            location=mosul_p,
            actor1=ActorRef("islamic-state", "Islamic State", "Rebel Groups"),
            fatalities=Fatalities(total=4),
        )
    ]
    return a


def beirut() -> Article:
    t = BEIRUT_TEXT
    beirut_p = place(t, "Beirut", "Beirut", "LB", "Beyrouth", 33.88894, 35.49442, 276781)
    a = Article(text=t, id="beirut-2017-05-20", title="Protest in Beirut", published="2017-05-20")
    a.places = [beirut_p]
    a.events = [
        Event(
            "e1",
            "Protests",
            "Peaceful protest",
            sentence(t, "protested peacefully"),
            headline=True,
            date=DateInterval("2017-05-20", "2017-05-20", "day", "on Saturday"),
            location=beirut_p,
            actor1=ActorRef(None, "Protesters (Lebanon)", "Protesters"),
        )
    ]
    return a


def articles() -> list[Article]:
    return [raqqa(), mosul(), beirut()]


def build_store(path: Path) -> Path:
    """A SQLite store at ``path`` holding the three articles; returns the path."""
    with open_store(path) as store:
        for a in articles():
            store.add(a)
    return path

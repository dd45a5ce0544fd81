from __future__ import annotations

import json

from sitrep.record import (
    EVENT_TYPES,
    SCHEMA,
    SUB_EVENT_TYPES,
    Actor,
    ActorRef,
    Article,
    Claim,
    DateInterval,
    Event,
    Figure,
    Mention,
    Place,
    Span,
    Stance,
    content_hash,
)


def full_article() -> Article:
    a = Article(text="ISIS fighters shot at families in Raqqa.", title="T", published="2017-06-15")
    raqqa = Place("Raqqa", 34, 39, 172955, "Ar Raqqah", "SY", "Ar Raqqah", 35.95, 39.01, score=0.9)
    a.places = [raqqa]
    a.actors = [Actor("islamic-state", "Islamic State", "Rebel Groups", [Mention("ISIS", 0, 4)])]
    a.events = [
        Event(
            "e1",
            "Violence against civilians",
            "Attack",
            Span(a.text, 0, len(a.text)),
            headline=True,
            date=DateInterval("2017-06-15", "2017-06-15", "day"),
            location=raqqa,
            actor1=ActorRef("islamic-state", "Islamic State", "Rebel Groups"),
        )
    ]
    a.figures = [
        Figure(40000, "more than", "children", "at risk", Span("x", 0, 1), source=ActorRef(None, "UN"))
    ]
    a.claims = [
        Claim(
            "c1",
            ActorRef(None, "Russia"),
            "reports",
            "a deal",
            Span("y", 0, 1),
            stances=[Stance(ActorRef(None, "SDF"), "refutes", Span("z", 0, 1))],
            status="denied",
        )
    ]
    return a


def test_record_has_schema_fields_in_order():
    d = full_article().to_dict()
    assert list(d)[:2] == ["schema", "id"]
    assert d["schema"] == SCHEMA
    for key in (
        "url",
        "source",
        "title",
        "published",
        "dateline",
        "language",
        "text",
        "places",
        "actors",
        "events",
        "figures",
        "claims",
        "credibility",
        "errors",
    ):
        assert key in d
    assert not any(k.startswith("_") for k in d)
    json.dumps(d)  # serialisable


def test_round_trip_is_lossless():
    d = full_article().to_dict()
    again = Article.from_dict(json.loads(json.dumps(d))).to_dict()
    assert again == d


def test_id_defaults_to_content_hash():
    a = Article(text="same text")
    assert a.id == content_hash("same text") == Article(text="same text").id
    assert Article(text="same text", id="given").id == "given"


def test_vocabulary_is_acleds():
    assert len(EVENT_TYPES) == 7
    assert sum(len(v) for k, v in EVENT_TYPES.items() if k != "Other events") == 25
    assert SUB_EVENT_TYPES["Air/drone strike"] == "Explosions/Remote violence"
    assert SUB_EVENT_TYPES["Displacement"] == "Other events"


def test_fail_records_error():
    a = Article(text="x").fail("ingest", "empty", "nothing")
    assert not a.ok and a.to_dict()["errors"] == [{"stage": "ingest", "code": "empty", "message": "nothing"}]

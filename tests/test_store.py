from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_record import full_article

from sitrep.errors import StoreError, UsageError
from sitrep.record import ActorRef, Article, DateInterval, Event, Fatalities, Place, Span
from sitrep.store import Filters, open_store, parse_bbox
from sitrep.store.export import EVENT_COLUMNS, write


def located(
    text: str,
    place: Place,
    day: str,
    sub: str = "Air/drone strike",
    typ: str = "Explosions/Remote violence",
    **kw,
) -> Article:
    a = Article(text=text, published=day, source="example.org")
    a.places = [place]
    a.events = [
        Event(
            "e1",
            typ,
            sub,
            Span(text, 0, len(text)),
            headline=True,
            date=DateInterval(day, day, "day"),
            location=place,
            actor1=ActorRef("sy-gov", "Military Forces of Syria", "State Forces"),
            fatalities=Fatalities(total=kw.get("dead"), civilians=kw.get("dead")),
        )
    ]
    return a


IDLIB = Place("Idlib", 0, 5, 169389, "Idlib", "SY", "Idlib", 35.93, 36.63, score=0.9)
MOSUL = Place("Mosul", 0, 5, 99072, "Mosul", "IQ", "Nineveh", 36.34, 43.13, score=0.9)


@pytest.fixture
def store(tmp_path: Path):
    with open_store(tmp_path / "t.db") as s:
        yield s


def test_round_trip(store):
    a = full_article()
    assert store.add(a).outcome == "new"
    stored = store.article(a.id)
    # credibility is corpus-level: sitrep.corroborate fills it when the article is stored
    assert 0 <= stored.pop("credibility")["score"] <= 1
    assert stored == {k: v for k, v in a.to_dict().items() if k != "credibility"}
    (e,) = store.events()
    assert e["article_id"] == a.id and e["sub_event_type"] == "Attack" and e["article"]["title"] == "T"
    (c,) = store.claims()
    assert c["status"] == "denied" and c["stances"][0]["stance"] == "refutes"
    (p,) = store.places()
    assert p["geonameid"] == 172955 and p["start"] == 34
    assert store.stats() == {"articles": 1, "events": 1, "claims": 1, "places": 1}


def test_idempotent_by_content(store):
    a = full_article()
    assert store.add(a).outcome == "new"
    assert store.add(full_article()).outcome == "unchanged"
    b = Article.from_dict(a.to_dict())
    b.id = "other-id"  # same text under another id: still the same article
    assert store.add(b).outcome == "unchanged"
    changed = Article.from_dict(a.to_dict())
    changed.text += " Updated."
    assert store.add(changed).outcome == "updated"
    assert store.count("articles") == 1 and store.count("events") == 1


def test_reopen_keeps_data_and_schema(tmp_path: Path):
    path = tmp_path / "t.db"
    with open_store(path) as s:
        s.add(full_article())
    with open_store(path) as s:
        assert s.count("articles") == 1
        assert s.migrate() == []
        assert s.scalar("PRAGMA journal_mode") == "wal"


def test_filters(store):
    store.add(located("Strike on Idlib.", IDLIB, "2017-06-10", dead=5))
    store.add(located("Strike on Mosul.", MOSUL, "2016-10-01", dead=15))
    store.add(located("Clash in Idlib.", IDLIB, "2017-07-01", sub="Armed clash", typ="Battles"))
    assert store.count("events", Filters(since="2017-01-01")) == 2
    assert store.count("events", Filters(until="2016-12-31")) == 1
    assert store.count("events", Filters(country="sy")) == 2
    assert store.count("events", Filters(type="battles")) == 1
    assert store.count("events", Filters(type="Air/drone strike")) == 2
    assert store.count("events", Filters(actor="military forces")) == 3
    assert store.count("events", Filters(bbox=parse_bbox("40,30,50,40"))) == 1
    assert store.count("events", Filters(q="mosul")) == 1
    assert [e["location"]["name"] for e in store.events(Filters(limit=1, offset=1))] == ["Idlib"]
    assert store.count("places", Filters(country="IQ")) == 1


def test_bad_filters():
    with pytest.raises(UsageError):
        parse_bbox("1,2,3")
    with pytest.raises(UsageError):
        parse_bbox("10,50,0,40")


def test_exports(store):
    store.add(located("Strike on Idlib.", IDLIB, "2017-06-10", dead=5))
    store.add(located("Strike somewhere.", Place("?", 0, 1, None, "?", None, None, None, None), "2017-06-11"))
    out = io.StringIO()
    assert write(store.events(), "csv", out, "events") == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == EVENT_COLUMNS
    assert (
        rows[0]["event_date"] == "2017-06-10"
        and rows[0]["latitude"] == "35.93"
        and rows[0]["fatalities"] == "5"
    )
    assert rows[0]["inter1"] == "State Forces" and rows[0]["time_precision"] == "1"
    out = io.StringIO()
    assert write(store.events(), "geojson", out, "events") == 1  # the unlocated event is not a feature
    fc = json.loads(out.getvalue())
    assert fc["features"][0]["geometry"]["coordinates"] == [36.63, 35.93]
    for fmt in ("json", "jsonl"):
        out = io.StringIO()
        write(store.events(), fmt, out, "events")
        rows = (
            json.loads(out.getvalue())
            if fmt == "json"
            else [json.loads(x) for x in out.getvalue().splitlines()]
        )
        assert len(rows) == 2
    with pytest.raises(UsageError):
        write(store.claims(), "geojson", io.StringIO(), "claims")


def test_store_in_missing_folder(tmp_path: Path):
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "no" / "such" / "t.db")


def test_not_a_database(tmp_path: Path):
    bad = tmp_path / "bad.db"
    bad.write_text("this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        open_store(bad)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(min_size=1, max_size=200),
    title=st.one_of(st.none(), st.text(max_size=50)),
    dead=st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_any_record_round_trips(tmp_path_factory, text, title, dead):
    a = located(text, IDLIB, "2017-06-10", dead=dead)
    a.title = title
    with open_store(tmp_path_factory.mktemp("h") / "t.db") as s:
        s.add(a)
        stored = s.article(a.id)
        assert 0 <= stored.pop("credibility")["score"] <= 1  # filled by sitrep.corroborate
        assert stored == {k: v for k, v in a.to_dict().items() if k != "credibility"}
        (e,) = s.events()
        assert e["fatalities"]["total"] == dead

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitrep.timex import find_dates, parse_date

PUB = "2017-06-15"  # a Thursday


def one(text: str, published: str = PUB):
    found = find_dates(text, published)
    assert len(found) == 1, found
    d = found[0]
    return d.start, d.end, d.precision


@pytest.mark.parametrize(
    "text, start, end, precision",
    [
        ("The offensive had begun last week.", "2017-06-05", "2017-06-11", "week"),
        ("Since November, units have tried to encircle the city.", "2016-11-01", "2017-06-15", "month"),
        ("ISIS had expelled the rebels in 2014.", "2014-01-01", "2014-12-31", "year"),
        ("The strike happened on Tuesday.", "2017-06-13", "2017-06-13", "day"),
        ("It was agreed earlier this month.", "2017-06-01", "2017-06-14", "month"),
        ("Talks collapsed yesterday.", "2017-06-14", "2017-06-14", "day"),
        ("Two days ago a car bomb exploded.", "2017-06-13", "2017-06-13", "day"),
        ("Fighting flared last month.", "2017-05-01", "2017-05-31", "month"),
        ("They met on June 3.", "2017-06-03", "2017-06-03", "day"),
        ("They met on 3 June 2016.", "2016-06-03", "2016-06-03", "day"),
        ("The siege began in March 2013.", "2013-03-01", "2013-03-31", "month"),
        ("The war began in March 2011 and continues.", "2011-03-01", "2011-03-31", "month"),
        ("Clashes erupted last year.", "2016-01-01", "2016-12-31", "year"),
        ("Clashes erupted this week.", "2017-06-12", "2017-06-15", "week"),
        ("An attack on December 28 killed five.", "2016-12-28", "2016-12-28", "day"),
        ("Troops arrived in late May.", "2017-05-21", "2017-05-31", "range"),
    ],
)
def test_expressions(text, start, end, precision):
    assert one(text) == (start, end, precision)


def test_offsets_and_words():
    text = "Raqqa offensive began last week, officials said."
    (d,) = find_dates(text, PUB)
    assert text[d.char_start : d.char_end] == d.text == "last week"


def test_since_is_ongoing():
    (d,) = find_dates("Since November, the SDF advanced.", PUB)
    assert d.ongoing and d.end == PUB


def test_relative_needs_a_reference_date():
    assert find_dates("The offensive had begun last week.", None) == []
    # absolute dates resolve without one
    assert [d.start for d in find_dates("On June 15, 2017 they left.", None)] == ["2017-06-15"]


@pytest.mark.parametrize(
    "s, iso",
    [
        ("Wed 05 Apr 2017 Syria attack symptoms", "2017-04-05"),
        ("RAQQA, SYRIA (June 15, 2017) –", "2017-06-15"),
        ("2017-06-15T10:00:00Z", "2017-06-15"),
        ("Published: 15 June 2017", "2017-06-15"),
        ("nothing here", None),
        ("February 30, 2017", None),
    ],
)
def test_parse_date(s, iso):
    assert parse_date(s) == iso


@settings(max_examples=300, deadline=None)
@given(
    published=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)),
    phrase=st.sampled_from(
        [
            "last week",
            "this week",
            "earlier this week",
            "last month",
            "earlier this month",
            "this month",
            "last year",
            "this year",
            "yesterday",
            "today",
            "on Monday",
            "last Sunday",
            "next Friday",
            "since January",
            "since December",
            "in recent weeks",
            "in the past three days",
            "two weeks ago",
            "three months ago",
            "a year ago",
            "in early March",
            "on February 29",
            "on 31 April",
            "in 2014",
            "since 2011",
            "last weekend",
            "the past week",
            "in mid-2015",
            "on December 31",
        ]
    ),
)
def test_every_resolution_is_a_valid_interval(published, phrase):
    for d in find_dates(f"Fighting was reported {phrase} near the town.", published.isoformat()):
        start, end = dt.date.fromisoformat(d.start), dt.date.fromisoformat(d.end)
        assert start <= end
        assert d.precision
        if d.ongoing:
            assert end == published


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_arbitrary_text_never_raises(text):
    for d in find_dates(text, "2017-06-15"):
        assert d.start <= d.end

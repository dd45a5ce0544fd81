"""Figures: values, qualifiers, units, what they count; numbers that are not quantities."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitrep.figures import FiguresStage, load_numbers, parse_digits, parse_number_tokens
from sitrep.language import LanguageStage
from sitrep.record import Article
from sitrep.timex import TimeStage


@pytest.fixture(scope="module")
def stages():
    return LanguageStage(), TimeStage(), FiguresStage()


def figures(stages, text: str):
    a = Article(text, published="2017-06-15")
    for s in stages:
        a = s(a)
    return a.figures


def one(stages, text: str):
    found = figures(stages, text)
    assert len(found) == 1, [(f.value, f.text) for f in found]
    return found[0]


def test_european_thousands_separator(stages) -> None:
    f = one(stages, "According to UN, more than 40.000 children are at risk of death in Raqqa.")
    assert (f.value, f.qualifier, f.unit) == (40000, "more than", "children")
    assert f.what.startswith("at risk of death")
    assert f.text == "more than 40.000 children"
    assert not f.approximate


def test_vague_quantities_are_lower_bounds(stages) -> None:
    """ "hundreds" is at least 200: the value is the documented lower bound, the qualifier
    says so, and the words stay as written."""
    f = one(stages, "In recent weeks, the SDF has conquered hundreds of square kilometers around Raqqa.")
    assert (f.value, f.qualifier, f.unit, f.approximate) == (200, "at least", "km2", True)
    assert f.text == "hundreds of square kilometers"
    assert f.what == "conquered"
    f = one(stages, "Dozens of civilians fled the town.")
    assert (f.value, f.qualifier, f.unit, f.approximate) == (24, "at least", "civilians", True)
    f = one(stages, "More than a dozen soldiers were wounded near Hama.")
    assert (f.value, f.qualifier, f.approximate) == (12, "more than", True)  # the article's own qualifier


def test_areas_are_in_km2(stages) -> None:
    assert one(stages, "The army retook 120 square kilometres of farmland.").unit == "km2"
    assert one(stages, "Rebels hold about 40 square km east of the city.").unit == "km2"
    assert one(stages, "The fire burned 300 square miles of forest.").unit == "square miles"


def test_counts_of_reasons_are_no_figures(stages) -> None:
    assert figures(stages, "Experts claim that there are two reasons for this act of Russia.") == []
    assert figures(stages, "The envoy proposed three options and four steps to end the siege.") == []
    assert [f.value for f in figures(stages, "Two soldiers and three reasons were cited.")] == [2]


@pytest.mark.parametrize(
    "text, value, qualifier, unit",
    [
        ("At least 31 people were killed.", 31, "at least", "people"),
        ("Twenty-one soldiers died.", 21, None, "soldiers"),
        ("Some 1,200 families were displaced.", 1200, "about", "families"),
        ("About 2.5 million people need aid.", 2500000, "about", "people"),
        ("Fighting killed two hundred and fifty people.", 250, None, "people"),
        ("It cost $5 million.", 5000000, None, "USD"),
        ("Nearly 30 percent of homes were destroyed.", 30, "about", "percent"),
    ],
)
def test_values(stages, text: str, value: float, qualifier: str | None, unit: str | None) -> None:
    f = one(stages, text)
    assert (f.value, f.qualifier, f.unit) == (value, qualifier, unit)


def test_subsets_and_tolls(stages) -> None:
    found = figures(
        stages,
        "At least 31 people were killed, including five children and two women. The death toll rose to 70.",
    )
    assert [(f.value, f.unit) for f in found] == [(31, "people"), (5, "children"), (2, "women"), (70, None)]
    assert found[0].what == "killed"
    assert "toll" in found[3].what


@pytest.mark.parametrize(
    "text",
    [
        "The resolution was adopted in 2014.",
        "Under Resolution 2254 talks resumed.",
        "Su-24 jets took off at 10:30.",
        "One of them was the 3rd victim.",
        "The war began on March 15, 2011.",
    ],
)
def test_not_quantities(stages, text: str) -> None:
    assert figures(stages, text) == []


def test_evidence_and_offsets(stages) -> None:
    text = "Intro sentence. Air strikes killed 12 civilians on Tuesday."
    f = one(stages, text)
    assert text[f.start : f.end] == f.text == "12 civilians"
    assert f.evidence.text == "Air strikes killed 12 civilians on Tuesday."
    assert text[f.evidence.start : f.evidence.end] == f.evidence.text


def test_parse_digits() -> None:
    assert parse_digits("40.000") == 40000
    assert parse_digits("1.234.567") == 1234567
    assert parse_digits("1,200") == 1200
    assert parse_digits("2.5") == 2.5
    assert parse_digits("12k") == 12000
    assert parse_digits("abc") is None


def test_parse_number_words() -> None:
    assert parse_number_tokens(["twenty", "-", "one"]) == 21
    assert parse_number_tokens(["three", "thousand", "five", "hundred"]) == 3500
    assert parse_number_tokens(["a", "dozen"]) == 12
    assert parse_number_tokens(["bananas"]) is None


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=999_999))
def test_grouped_digits_round_trip(n: int) -> None:
    assert parse_digits(f"{n:,}") == n
    assert parse_digits(f"{n:,}".replace(",", ".")) == n or n < 1000


def test_numbers_file_is_checked(tmp_path) -> None:
    bad = tmp_path / "numbers.yaml"
    bad.write_text("words: []\n")
    with pytest.raises(ValueError, match="words"):
        load_numbers(str(bad))


def test_stage_without_doc() -> None:
    assert FiguresStage()(Article("12 people")).figures == []


def test_summary_shows_a_vague_quantity_as_written(stages) -> None:
    from sitrep.summary import summarize

    a = Article("In recent weeks, the SDF has conquered hundreds of square kilometers around Raqqa.")
    for s in stages:
        a = s(a)
    assert "hundreds of square kilometers (at least 200 km2) conquered" in summarize(a.to_dict())

from __future__ import annotations

import pytest

from sitrep.errors import UsageError
from sitrep.pipeline import Pipeline, analyze, check_order
from sitrep.record import Article


class Boom:
    name = "boom"
    needs = ("text",)
    sets = ("nothing",)

    def __call__(self, article: Article) -> Article:
        if "boom" in article.text:
            raise RuntimeError("exploded")
        article._meta["seen"] = True
        return article


class NeedsDoc:
    name = "needs-doc"
    needs = ("doc",)
    sets = ()

    def __call__(self, article: Article) -> Article:
        return article


def test_order_is_checked():
    with pytest.raises(UsageError, match="needs doc"):
        check_order([NeedsDoc()])
    check_order([Pipeline(["language"]).stages[0], NeedsDoc()])


def test_failing_stage_loses_nothing():
    pipe = Pipeline([Boom(), "time"])
    out = list(
        pipe.map(
            [
                Article(text="boom goes the dynamite", published="2017-06-15"),
                Article(text="quiet day last week", published="2017-06-15"),
            ]
        )
    )
    assert [e.code for e in out[0].errors] == ["internal"] and "exploded" in out[0].errors[0].message
    assert not out[1].errors and out[1]._meta["seen"]
    assert [d.text for d in out[1]._dates] == ["last week"]


def test_unreadable_inputs_pass_through():
    a = Article(text="", id="broken").fail("ingest", "binary", "binary file")
    (out,) = list(Pipeline([Boom()]).map([a]))
    assert out is a and "seen" not in out._meta


def make_pipeline() -> Pipeline:
    return Pipeline(["language", "time"])


def test_workers_keep_input_order():
    texts = [f"Report {i}: shelling hit the town on Monday, residents said." for i in range(20)]
    one = [a.id for a in analyze((Article(text=t) for t in texts), workers=1, pipeline_factory=make_pipeline)]
    two = list(analyze((Article(text=t) for t in texts), workers=2, pipeline_factory=make_pipeline))
    assert [a.id for a in two] == one
    assert all(a.language == "en" and a._doc is None for a in two)


def test_analysed_article_carries_no_working_state():
    """Results travel back from workers pickled: no spaCy object may ride along (a Doc kept in
    a stage's cache made each result 2 MB instead of ~20 KB)."""
    import pickle

    text = (
        "The Syrian Observatory for Human Rights said government air strikes killed 12 civilians "
        "in Idlib on Sunday. The army denied it had targeted residential areas."
    )
    a = Pipeline()(Article(text, published="2019-03-10"))
    assert a.events and a.claims
    assert a._doc is None and not [k for k in a._meta if "." in k]
    blob = pickle.dumps(a, protocol=5)
    assert b"spacy" not in blob
    assert len(blob) < 100_000

from __future__ import annotations

import io

from test_record import full_article

from sitrep.progress import Progress
from sitrep.record import Article
from sitrep.summary import summarize


def test_summary_shows_every_part():
    text = summarize(full_article().to_dict())
    lines = text.splitlines()
    assert lines[0] == "T"
    assert "published 2017-06-15" in lines[1]
    assert "Raqqa -> Ar Raqqah, SY (35.95, 39.01)" in text
    assert "Islamic State [Rebel Groups] (ISIS)" in text
    assert "* Violence against civilians / Attack: Islamic State, at Ar Raqqah, SY, 2017-06-15" in text
    assert "more than 40000 children at risk (source: UN)" in text
    assert "Russia reports:" in text and "[denied]" in text and "refutes by SDF" in text


def test_summary_of_failed_record():
    a = Article(text="x").fail("language", "not-english", "text is in German (de, p=0.99), not English")
    assert "! language: text is in German" in summarize(a.to_dict())


def test_progress_counts_and_reports_failures():
    err = io.StringIO()
    p = Progress(stream=err, quiet=True)
    p.update(Article(text="fine"))
    bad = Article(text="", id="in.jsonl:3").fail("ingest", "invalid-json", "line 3: invalid JSON")
    bad._origin = "in.jsonl:3"
    p.update(bad)
    p.finish()
    out = err.getvalue()
    assert "sitrep: failed: in.jsonl:3: line 3: invalid JSON" in out
    assert "2 articles: 1 ok, 1 failed" in out
    assert p.exit_code == 1

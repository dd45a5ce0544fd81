from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from sitrep.ingest import article_from_object, article_from_text, lead_date, read_inputs, read_stdin

SEED_LIKE = (
    "Mass escape due to battle for Raqqa\n\n"
    "RAQQA, SYRIA (June 15, 2017) – Families are trying to escape to Ain Issa.\n\n"
    "Syrian Civil War\n\nLeave A Reply\n\nYour email address will not be published."
)


def test_title_dateline_date_and_boilerplate():
    a = article_from_text(SEED_LIKE)
    assert a.title == "Mass escape due to battle for Raqqa"
    assert a.published == "2017-06-15"
    assert a.dateline == {"mention": "RAQQA, SYRIA"}
    assert "Leave A Reply" not in a.text and "will not be published" not in a.text
    assert a.text.endswith("Syrian Civil War")
    # offsets before the removed lines are unchanged
    assert a.text[: SEED_LIKE.index("Syrian Civil War")] == SEED_LIKE[: SEED_LIKE.index("Syrian Civil War")]


def test_first_line_date_fakes_style():
    a = article_from_text(
        "Wed 05 Apr 2017 Syria attack symptoms consistent with nerve agent use WHO. Victims..."
    )
    assert a.published == "2017-04-05"


def test_reuters_dateline_without_date():
    a = article_from_text("BEIRUT (Reuters) - Air strikes hit eastern Ghouta on Monday, a monitor said.")
    assert a.dateline == {"mention": "BEIRUT"}
    assert a.published is None


def test_given_fields_win():
    a = article_from_object(
        {"id": 7, "text": SEED_LIKE, "title": "Given", "published": "2017-06-16", "url": "https://ex.org/a"}
    )
    assert (a.id, a.title, a.published, a.source) == ("7", "Given", "2017-06-16", "ex.org")


def test_empty_object_and_non_object():
    assert article_from_object({"id": "x"}).errors[0].code == "empty"
    assert article_from_object([1, 2]).errors[0].code == "invalid-json"


def codes(articles):
    return [(a.id, [e.code for e in a.errors]) for a in articles]


def test_empty_file(tmp_path: Path):
    (tmp_path / "empty.txt").write_text("")
    ((_, errs),) = codes(read_inputs([str(tmp_path / "empty.txt")]))
    assert errs == ["empty"]


def test_binary_file(tmp_path: Path):
    (tmp_path / "x.txt").write_bytes(bytes(range(256)) * 10)
    ((_, errs),) = codes(read_inputs([str(tmp_path / "x.txt")]))
    assert errs == ["binary"]


def test_fifty_megabyte_file_refused_with_size(tmp_path: Path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: the size check must not read it
    (a,) = list(read_inputs([str(big)]))
    assert a.errors[0].code == "too-large" and "52.4 MB" in a.errors[0].message
    (a,) = list(read_inputs([str(big)], max_bytes=60 * 1024 * 1024))
    assert a.errors[0].code in ("empty", "binary")  # now read: all NUL bytes


def test_html_without_article(tmp_path: Path):
    (tmp_path / "p.html").write_text("<html><head><title>x</title></head><body><nav>Home</nav></body></html>")
    ((_, errs),) = codes(read_inputs([str(tmp_path / "p.html")]))
    assert errs == ["no-article"]


def test_html_article(tmp_path: Path):
    body = "".join(
        f"<p>Paragraph {i} says that shelling hit the town of Douma again on Monday morning.</p>"
        for i in range(8)
    )
    (tmp_path / "p.html").write_text(
        f"<html><head><title>Shelling in Douma</title></head><body><article>{body}"
        "<p>Leave a Reply</p></article></body></html>"
    )
    (a,) = list(read_inputs([str(tmp_path / "p.html")]))
    assert not a.errors and "Paragraph 7" in a.text and "Leave a Reply" not in a.text
    assert a.title == "Shelling in Douma"


def test_invalid_json_line_reported_with_line_number(tmp_path: Path):
    lines = [
        json.dumps({"id": "a", "text": "One article about Aleppo."}),
        "{not json",
        "",
        json.dumps({"id": "b", "text": "Another about Homs."}),
    ]
    (tmp_path / "batch.jsonl").write_text("\n".join(lines) + "\n")
    got = codes(read_inputs([str(tmp_path / "batch.jsonl")]))
    assert got[0] == ("a", []) and got[2] == ("b", [])
    assert got[1][1] == ["invalid-json"] and got[1][0].endswith("batch.jsonl:2")


def test_cp1252_text(tmp_path: Path):
    text = "Caf\u00e9 owners in Homs said the \u201cceasefire\u201d held \u2013 for now. Prices rose 5\u20ac."
    (tmp_path / "old.txt").write_bytes(text.encode("cp1252"))
    (a,) = list(read_inputs([str(tmp_path / "old.txt")]))
    assert a.text == text and a._meta["encoding"] == "cp1252"


def test_directory_with_unreadable_entries(tmp_path: Path):
    (tmp_path / "ok.txt").write_text("Fighting in Idlib continued on Monday, residents said.")
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01")  # unknown suffix: not an input
    os.symlink(tmp_path / "missing.txt", tmp_path / "dangling.txt")
    os.mkdir(tmp_path / "sub")
    (tmp_path / "sub" / "b.txt").write_text("Clashes near Deir ez-Zor were reported.")
    got = codes(read_inputs([str(tmp_path)]))
    assert len(got) == 3
    assert sum(1 for _, errs in got if errs == ["unreadable"]) == 1
    assert sum(1 for _, errs in got if not errs) == 2


def test_stdin_jsonl_and_text():
    raw = io.BufferedReader(
        io.BytesIO(b'{"id": "1", "text": "Airstrikes hit Idlib."}\n{"id": "2", "text": "Homs."}\n')
    )
    assert [a.id for a in read_stdin(raw)] == ["1", "2"]
    raw = io.BufferedReader(io.BytesIO(b"Plain article about Raqqa.\n"))
    (a,) = list(read_stdin(raw))
    assert a.text == "Plain article about Raqqa." and not a.errors


def test_missing_file_and_glob(tmp_path: Path):
    got = codes(read_inputs([str(tmp_path / "nope.txt"), str(tmp_path / "*.zzz")]))
    assert [e for _, e in got] == [["unreadable"], ["unreadable"]]


@pytest.mark.parametrize(
    "text, iso",
    [
        ("Posted on April 4 2017 by Asharq Al-Awsat English 58 Killed in Suspected Gas Attack", "2017-04-04"),
        ("Published February 18 2015 The Syrian army backed by allied militia has captured", "2015-02-18"),
        ("Date of publication 5 July 2016 The bomber was on a motorcycle", "2016-07-05"),
        ("Last updated at Apr 232017 An Israeli attack on a Syrian training camp", "2017-04-23"),
        (
            "Air raids kill 11 civilians in east Syria Monitor AFP Friday 15 Jul 2016 At least 11",
            "2016-07-15",
        ),
        ("24.08.2013 Syrian state media accused rebels of using chemical arms", "2013-08-24"),
        ("18.10.2014Get short URL 0 13 The US-led coalitions airstrikes killed", "2014-10-18"),
        ("On March 3, 2011 protests began in Deraa and spread.", None),  # a date in the story, not of it
        ("Protests began in Deraa in March 2011.", None),
    ],
)
def test_lead_date(text, iso):
    assert lead_date(text) == iso


@pytest.mark.parametrize(
    "text, iso",
    [
        ("15-09-2013 Militants Attack Syrias Idlib Kill 3 Including Journalist. A bomb attack", "2013-09-15"),
        (
            "8 persons killed 58 others injured in terrorist rocket attacks on Aleppo city 6 October 2016 Aleppo SANA",
            "2016-10-06",
        ),
        ("Fighting resumed. Officials said on 6 October 2016 that talks had failed.", None),
    ],
)
def test_lead_date_day_first_and_bare(text, iso):
    assert lead_date(text) == iso

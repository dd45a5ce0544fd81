"""The `sitrep` command through its real entry point (the installed console script)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conftest import SAMPLES, run_sitrep


def test_analyze_summary_of_sample():
    r = run_sitrep("analyze", str(SAMPLES / "idlib-shelling.txt"), "-j", "1")
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode()
    assert out.startswith("Shelling kills 12 in Idlib countryside, monitor says")
    assert "published 2019-03-09" in out
    assert "1 ok, 0 failed" in r.stderr.decode()


def test_analyze_jsonl_records(tmp_path: Path):
    r = run_sitrep("analyze", str(SAMPLES), "--format", "jsonl", "-j", "1", "-q")
    assert r.returncode == 0, r.stderr.decode()
    records = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert len(records) == 2
    assert all(rec["schema"] == "sitrep.article/1" and rec["language"] == "en" for rec in records)
    assert all(
        "Leave a Reply" not in rec["text"] and "Share this article" not in rec["text"] for rec in records
    )


def test_batch_with_broken_lines_reports_and_continues():
    lines = [
        json.dumps({"id": f"a{i}", "text": f"Report {i}: clashes near Aleppo on Monday."}) for i in range(5)
    ]
    lines.insert(2, "{broken")
    lines.insert(4, json.dumps({"id": "no-text"}))
    r = run_sitrep("analyze", "-", "--format", "jsonl", "-j", "1", input="\n".join(lines) + "\n")
    assert r.returncode == 1
    ids = [json.loads(x)["id"] for x in r.stdout.decode().splitlines()]
    assert ids == ["a0", "a1", "a2", "a3", "a4"]
    err = r.stderr.decode()
    assert "<stdin>:3: line 3: invalid JSON" in err
    assert "5 ok, 2 failed" in err
    assert "Traceback" not in err


def test_non_english_is_a_record_with_errors(tmp_path: Path):
    p = tmp_path / "de.txt"
    p.write_text(
        "Die syrische Armee hat am Samstag die Stadt beschossen. Mindestens zwölf Zivilisten wurden getötet."
    )
    r = run_sitrep("analyze", str(p), "--format", "jsonl", "-j", "1")
    assert r.returncode == 1
    (rec,) = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert rec["errors"][0]["code"] == "not-english" and rec["events"] == []


def test_usage_and_missing_input_errors(tmp_path: Path):
    r = run_sitrep("analyze")
    assert r.returncode == 2 and "Missing argument" in r.stderr.decode()
    r = run_sitrep("analyze", str(tmp_path / "nope.txt"), "-j", "1")
    assert r.returncode == 1 and "nope.txt" in r.stderr.decode() and "Traceback" not in r.stderr.decode()
    r = run_sitrep("events", "--db", str(tmp_path / "x.db"), "--bbox", "1,2")
    assert r.returncode == 2 and r.stderr.decode().startswith("sitrep: error: bbox")
    r = run_sitrep("events", "--db", str(tmp_path / "missing" / "x.db"))
    assert r.returncode == 1 and "does not exist" in r.stderr.decode()


def test_ingest_is_idempotent_and_queryable(tmp_path: Path):
    db = str(tmp_path / "conflict.db")
    r = run_sitrep("ingest", str(SAMPLES), "--db", db, "-j", "2")
    assert r.returncode == 0, r.stderr.decode()
    assert "stored 2 new" in r.stderr.decode()
    r = run_sitrep("ingest", str(SAMPLES), "--db", db, "-j", "1")
    assert "stored 0 new, 0 updated, 2 already there" in r.stderr.decode()
    r = run_sitrep("ingest", str(SAMPLES), "--db", db, "--resume", "-j", "1")
    assert r.returncode == 0 and "2 already there" in r.stderr.decode()
    r = run_sitrep("articles", "--db", db, "--format", "csv", "--since", "2017-01-01")
    rows = list(csv.DictReader(io.StringIO(r.stdout.decode())))
    assert [row["published"] for row in rows] == ["2019-03-09"]
    for verb in ("events", "claims", "places"):
        r = run_sitrep(verb, "--db", db, "--format", "json")
        assert r.returncode == 0 and isinstance(json.loads(r.stdout), list)
    r = run_sitrep("events", "--db", db, "--format", "geojson")
    assert json.loads(r.stdout)["type"] == "FeatureCollection"


def test_ingest_without_linking_then_relink(tmp_path: Path):
    """A bulk load may skip linking at insert; `clusters --relink` builds the clusters after."""
    db = str(tmp_path / "bulk.db")
    r = run_sitrep("ingest", str(SAMPLES), "--db", db, "-j", "1", "--no-link")
    assert r.returncode == 0 and "stored 2 new" in r.stderr.decode(), r.stderr.decode()
    r = run_sitrep("clusters", "--db", db, "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout) == [] and "--relink" in r.stderr.decode()
    r = run_sitrep("clusters", "--db", db, "--relink", "--format", "json")
    assert r.returncode == 0 and "relinked 2 articles" in r.stderr.decode()
    assert json.loads(r.stdout)

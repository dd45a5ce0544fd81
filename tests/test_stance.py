"""`sitrep stance`: features, the packaged model, articles, the CLI, training, and the
Emergent evaluation (grouped cross-validation on the dev pairs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitrep.errors import InputError, ModelError
from sitrep.stance import (
    LABELS,
    StanceModel,
    classify,
    cross_validate,
    features,
    load_model,
    read_emergent,
    read_model,
    split_sentences,
    stance,
    stem,
    tokenize,
    train,
)

CLAIM = "Rebels shot down a government helicopter near Hama"


def test_tokens_stems_and_sentences():
    assert tokenize("Army isn't there: really?") == ["army", "is", "n't", "there", ":", "really", "?"]
    assert stem("airstrikes") == stem("airstrike") == "airstrik"
    assert stem("captured") == stem("capturing") == stem("capture")
    assert stem("denied") == stem("denies") == "deny"
    text = 'U.S. strikes hit Raqqa. Gen. Smith said so. "It is over." Next line\n\nNew paragraph'
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "U.S. strikes hit Raqqa.",
        "Gen. Smith said so.",
        '"It is over."',
        "Next line",
        "New paragraph",
    ]
    assert split_sentences("   ") == []


def test_features_see_hedges_refutations_and_negation_near_shared_words():
    f = features(CLAIM, "Army denies rebels shot down helicopter, calls report fake")
    assert f["n_refuting"] >= 2 and f["w_denies"] == 1 and f["cover_claim"] > 0.5
    g = features(CLAIM, "No helicopter was shot down near Hama")
    assert g["neg_near_shared"] == 1 and g["neg_text_only"] == 1
    h = features(CLAIM, "Helicopter shot down near Hama, activists say")
    assert h["hedge_at_edge"] == 1 and h["n_refuting"] == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Army denies rebels shot down helicopter near Hama, calls claim a hoax", "refutes"),
        ("Helicopter reportedly shot down near Hama, activists claim", "observing"),
        ("Rebels shoot down government helicopter near Hama", "supports"),
    ],
)
def test_headlines(text, expected):
    result = classify(CLAIM, text)
    assert result.stance == expected
    assert result.evidence == {"text": text, "start": 0, "end": len(text)}
    assert 0.34 < result.score <= 1


def test_article_denial_wins_and_unrelated_text():
    article = (
        "Clashes in Hama province. Rebels said on Sunday that they had shot down a government "
        "helicopter near Hama. The army denied that any helicopter was shot down near Hama and called "
        "the rebel claim fake. Fighting continued in the north."
    )
    r = classify(CLAIM, article)
    assert r.stance == "refutes"
    assert r.evidence is not None and "denied" in r.evidence["text"]
    assert article[r.evidence["start"] : r.evidence["end"]] == r.evidence["text"]
    other = "The football season starts in August. Tickets are on sale."
    assert classify(CLAIM, other).stance == "unrelated"
    assert classify(CLAIM, other).evidence is None


def test_library_rows_bad_input_and_default_ids():
    rows = [
        {"claim": CLAIM, "headline": "Rebels shoot down helicopter near Hama"},
        {"id": "x", "claim": "", "text": "t"},
        {"id": "y", "claim": CLAIM},
        "not an object",
        {"id": "z", "_error": "line 5: invalid JSON"},
    ]
    out = list(stance(rows))
    assert out[0]["id"] == 0 and out[0]["stance"] in LABELS
    errors = [o.get("error", "") for o in out[1:]]
    assert errors[0].startswith("missing or empty 'claim'") and errors[1].startswith(
        "missing or empty 'text'"
    )
    assert errors[2].startswith("expected a JSON object") and errors[3] == "line 5: invalid JSON"
    assert [o["id"] for o in out] == [0, "x", "y", 3, "z"]


def test_model_file_checks(tmp_path: Path):
    good = load_model().to_dict()
    assert StanceModel.from_dict(good).bias == load_model().bias
    with pytest.raises(ModelError, match="labels"):
        StanceModel.from_dict(dict(good, labels=["a", "b", "c"]))
    with pytest.raises(ModelError, match="one value per label"):
        StanceModel.from_dict(dict(good, weights={"x": [1.0]}))
    with pytest.raises(ModelError, match="malformed"):
        StanceModel.from_dict({"labels": list(LABELS)})
    bad = tmp_path / "m.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError):
        read_model(bad)
    with pytest.raises(ModelError):
        read_model(tmp_path / "missing.json")


def test_training_learns_from_a_small_set():
    pairs = []
    for i in range(12):
        c = f"Town {i} was captured by the army"
        pairs += [
            (c, f"Army captures town {i}", "supports"),
            (c, f"Army denies capturing town {i}, report is fake", "refutes"),
            (c, f"Town {i} reportedly captured, sources say", "observing"),
        ]
    model = train(pairs, l2=1.0, iterations=300)
    probs = model.scores(
        features("Town 99 was captured by the army", "Army denies capturing town 99, calls it fake")
    )
    assert max(probs, key=probs.__getitem__) == "refutes"
    groups = [p[0] for p in pairs]
    cv = cross_validate(pairs, groups, folds=3, l2=1.0, iterations=300)
    assert cv["n"] == 36 and cv["macro_f1"] > 0.8


def test_read_emergent_errors(tmp_path: Path):
    f = tmp_path / "e.jsonl"
    f.write_text('{"claim": "a", "headline": "b", "stance": "for", "claim_id": "1"}\n{"claim": "a"}\n')
    with pytest.raises(InputError, match="line 2"):
        read_emergent(f)
    with pytest.raises(InputError):
        read_emergent(tmp_path / "none.jsonl")


# -- the CLI, through the real entry point ------------------------------------------------


def test_cli_stdin_files_claim_option_and_bad_lines(sitrep_cli, tmp_path: Path):
    lines = [
        json.dumps({"id": "a", "claim": CLAIM, "text": "Army denies helicopter was shot down near Hama"}),
        "{broken",
        json.dumps({"text": "Rebels shoot down helicopter near Hama"}),
    ]
    proc = sitrep_cli("stance", "-", "--claim", CLAIM, input="\n".join(lines) + "\n")
    assert proc.returncode == 1
    out = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == ["a", 1, 2]
    assert out[0]["stance"] == "refutes" and "error" in out[1] and out[2]["stance"] == "supports"
    assert b"invalid JSON" in proc.stderr and b"Traceback" not in proc.stderr
    f = tmp_path / "in.jsonl"
    f.write_text(lines[0] + "\n", encoding="utf-8")
    proc = sitrep_cli("stance", str(f))
    assert proc.returncode == 0 and json.loads(proc.stdout)["stance"] == "refutes"
    proc = sitrep_cli("stance", str(tmp_path / "missing.jsonl"))
    assert proc.returncode == 1 and proc.stderr.decode().count("\n") == 1
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    proc = sitrep_cli("stance", str(binary))
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr


# -- evaluation on Emergent (reads ../shared) -----------------------------------------------


def test_emergent_grouped_cross_validation(shared):
    """Every pair predicted by a model that never saw its claim: the honest figure for data
    the project does not see (target macro F1 0.60)."""
    pairs, groups = read_emergent(shared / "data" / "stance" / "emergent.dev.jsonl")
    cv = cross_validate(pairs, groups, folds=6, seed=0)
    assert cv["macro_f1"] >= 0.65, cv


def test_packaged_model_through_the_reference_scorer(shared, sitrep_cli, tmp_path: Path):
    import subprocess
    import sys

    gold = shared / "data" / "stance" / "emergent.dev.jsonl"
    proc = sitrep_cli("stance", str(gold))
    assert proc.returncode == 0
    out = tmp_path / "out.jsonl"
    out.write_bytes(proc.stdout)
    score = subprocess.run(
        [sys.executable, str(shared / "eval" / "stance.py"), str(gold), str(out), "0.6"],
        capture_output=True,
        text=True,
    )
    assert score.returncode == 0, score.stdout + score.stderr

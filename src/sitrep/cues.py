"""The cue lexicon (``data/cues.yaml``): the words that mark who says what.

``load_cues()`` reads the file once per process and checks its shape, so a broken edit
fails loudly at start-up rather than silently finding nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ModelError

VERB_CLASSES = ("statement", "claim", "support", "denial", "prediction", "assessment")


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: caches key on it
class Cues:
    verb_class: dict[str, str]  # lemma -> one of VERB_CLASSES
    clause_only: frozenset[str]
    prepositional: tuple[tuple[str, ...], ...]  # token sequences, longest first
    claim_nouns: frozenset[str]
    speaker_roles: frozenset[str]
    speaker_bodies: frozenset[str]
    assessor_roles: frozenset[str]
    pronouns: frozenset[str]
    hedge_adverbs: frozenset[str]
    hedge_passive_verbs: frozenset[str]
    verdict_refutes: frozenset[str]
    verdict_supports: frozenset[str]
    negations: frozenset[str]
    stopwords: frozenset[str]
    stance_families: dict[str, frozenset[str]]  # hedging | refuting | supporting | negation


def _words(spec: dict[str, Any], key: str) -> frozenset[str]:
    value = spec.get(key)
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise ModelError(f"cue lexicon: {key!r} must be a list of words")
    return frozenset(w.lower() for w in value)


def parse_cues(spec: Any) -> Cues:
    """Check and index a cue lexicon read from YAML."""
    if not isinstance(spec, dict):
        raise ModelError("cue lexicon: expected a mapping at the top level")
    verbs = spec.get("speech_verbs")
    if not isinstance(verbs, dict) or set(verbs) - set(VERB_CLASSES):
        raise ModelError(f"cue lexicon: speech_verbs must map {', '.join(VERB_CLASSES)} to word lists")
    verb_class: dict[str, str] = {}
    for cls in VERB_CLASSES:
        for lemma in _words(verbs, cls):
            if lemma in verb_class and verb_class[lemma] != cls:
                raise ModelError(f"cue lexicon: {lemma!r} is both {verb_class[lemma]} and {cls}")
            verb_class[lemma] = cls
    hedges = spec.get("hedges") or {}
    verdicts = spec.get("verdicts") or {}
    stance = spec.get("stance") or {}
    if not isinstance(hedges, dict) or not isinstance(verdicts, dict) or not isinstance(stance, dict):
        raise ModelError("cue lexicon: hedges, verdicts and stance must be mappings")
    prep = spec.get("prepositional")
    if not isinstance(prep, list) or not all(isinstance(p, str) and p.strip() for p in prep):
        raise ModelError("cue lexicon: 'prepositional' must be a list of phrases")
    return Cues(
        verb_class=verb_class,
        clause_only=_words(spec, "clause_only"),
        prepositional=tuple(sorted((tuple(p.lower().split()) for p in prep), key=len, reverse=True)),
        claim_nouns=_words(spec, "claim_nouns"),
        speaker_roles=_words(spec, "speaker_roles"),
        speaker_bodies=_words(spec, "speaker_bodies"),
        assessor_roles=_words(spec, "assessor_roles"),
        pronouns=_words(spec, "pronouns"),
        hedge_adverbs=_words(hedges, "adverbs"),
        hedge_passive_verbs=_words(hedges, "passive_verbs"),
        verdict_refutes=_words(verdicts, "refutes"),
        verdict_supports=_words(verdicts, "supports"),
        negations=_words(spec, "negations"),
        stopwords=_words(spec, "stopwords"),
        stance_families={k: _words(stance, k) for k in ("hedging", "refuting", "supporting", "negation")},
    )


def read_cues(path: str | Path) -> Cues:
    try:
        text = Path(path).read_text("utf-8")
        return parse_cues(yaml.safe_load(text))
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(f"cue lexicon {path}: {exc}") from None


@functools.cache
def load_cues() -> Cues:
    """The packaged cue lexicon (read once per process)."""
    text = resources.files("sitrep").joinpath("data/cues.yaml").read_text("utf-8")
    try:
        return parse_cues(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise ModelError(f"cue lexicon data/cues.yaml: {exc}") from None

"""Name keys: how a place name in the gazetteer and a span of text are made to meet.

``fold`` gives the exact key (lower case, accents and apostrophes removed, hyphens and runs
of spaces as one space): "Deir ez-Zor" -> "deir ez zor", "'Ayn 'Isa" -> "ayn isa".
``skeleton`` applies the transliteration rules of ``data/gazetteer/transliteration.yaml``
on top, so spellings of one Arabic, Kurdish or Turkish name meet: Raqqa, Raqqah, Rakka and
Ar-Raqqah all give "raka".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources
from typing import Any

import yaml

# Letters that Unicode does not decompose into a base letter and an accent.
_SPECIAL = str.maketrans(
    {
        "ı": "i",
        "İ": "I",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "ð": "d",
        "ħ": "h",
        "Ħ": "H",
        "ŀ": "l",
    }
)
# Apostrophes and the signs for ayn and hamza vanish: 'Ayn 'Isa -> Ayn Isa, Ma'arrat -> Maarrat.
_VANISH = re.compile(r"[\u0027\u2018\u2019\u02bb\u02bc\u02be\u02bf\u02c8\u0060\u00b4\u2032]")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_/]+")
_DROP = re.compile(r"[^\w ]+")


@functools.lru_cache(maxsize=200_000)
def fold(name: str) -> str:
    """The exact key of a name: lower case, no accents, no apostrophes, single spaces."""
    if name.isascii():
        s = _SEPARATORS.sub(" ", name.replace("'", "").replace("`", ""))
        return " ".join(_DROP.sub("", s.replace(".", "")).lower().split())
    s = unicodedata.normalize("NFKD", name.translate(_SPECIAL))
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = _VANISH.sub("", s)
    s = _SEPARATORS.sub(" ", s)
    s = _DROP.sub("", s.replace(".", ""))
    return " ".join(s.lower().split())


def _data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        resources.files("sitrep.data").joinpath("gazetteer/transliteration.yaml").read_text("utf-8")
    )
    return data


@functools.cache
def transliterated_countries() -> frozenset[str]:
    """Countries whose place names get a transliteration key (see transliteration.yaml)."""
    return frozenset(str(c) for c in _data().get("countries") or [])


@functools.cache
def _rules() -> tuple[frozenset[str], tuple[tuple[re.Pattern[str], str], ...]]:
    data = _data()
    articles = frozenset(str(a) for a in data.get("articles") or [])
    reps = tuple((re.compile(str(p)), str(r)) for p, r in data.get("replacements") or [])
    return articles, reps


@functools.lru_cache(maxsize=200_000)
def skeleton(name: str, folded: bool = False) -> str:
    """The transliteration key of a name (see the module doc); '' when nothing is left."""
    key = name if folded else fold(name)
    articles, reps = _rules()
    words = key.split()
    if len(words) > 1:
        words = [w for w in words if w not in articles] or words
    key = " ".join(words)
    for pattern, repl in reps:
        key = pattern.sub(repl, key)
    return key


def is_latin(name: str) -> bool:
    """Whether a name is written in Latin letters (after folding), as English text writes names."""
    f = fold(name)
    return bool(f) and all(c.isascii() for c in f) and any(c.isalpha() for c in f)

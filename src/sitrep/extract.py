"""Main text and metadata from a raw web page.

trafilatura finds the article body; a line filter (``data/boilerplate.yaml``) then drops
the page furniture it keeps (comment forms, share bars, newsletter prompts), and the same
filter serves plain-text input.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

import yaml


@dataclass(slots=True)
class Extracted:
    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date
    url: str | None = None  # canonical URL when the page gives one
    site_name: str | None = None


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


def extract_html(html: str, url: str | None = None) -> Extracted:
    """The article in a page: body text (paragraph breaks kept), title, author, date."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True, favor_precision=False
    )
    if doc is None:
        return Extracted(text="")
    get = doc.get if isinstance(doc, dict) else lambda k: getattr(doc, k, None)
    text = drop_boilerplate(get("text") or "")
    return Extracted(
        text=text,
        title=get("title"),
        author=get("author"),
        published=(get("date") or None),
        url=get("url") or url,
        site_name=get("sitename"),
    )

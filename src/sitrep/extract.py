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
import logging
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
    description: str | None = None
    language: str | None = None  # the page's declared language (<html lang>, og:locale)
    date_source: str | None = None  # where ``published`` came from: json-ld, meta, time, url, text


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


def fragment_text(html: str) -> str:
    """The text of an HTML fragment that is already the article (a feed item's content),
    one paragraph per line, without boilerplate lines."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ParserError, ValueError):
        return ""
    for bad in root.xpath(".//script|.//style|.//noscript|.//iframe|.//form"):
        bad.drop_tree()
    parts = _block_texts(root) or [re.sub(r"\s+", " ", root.text_content()).strip()]
    return drop_boilerplate("\n".join(p for p in parts if p))


# -- metadata ----------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"((?:19|20)\d\d)-(\d\d)-(\d\d)")
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/_-](0?[1-9]|1[0-2])[/_-](0?[1-9]|[12]\d|3[01])(?:/|[_-]|$)")
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "published-date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "date",
    "article.published",
    "publication_date",
)


def _iso(value: Any) -> str | None:
    """An ISO date (YYYY-MM-DD) from a machine-readable date, checked for validity."""
    import datetime as dt

    if not isinstance(value, str):
        return None
    m = _ISO_DATE.search(value)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _url_date(url: str | None) -> str | None:
    m = _URL_DATE.search(url or "")
    return _iso(f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}") if m else None


def _days_apart(a: str, b: str) -> int:
    import datetime as dt

    return abs((dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days)


def _json_ld(tree: Any) -> list[dict[str, Any]]:
    """The JSON-LD objects of a page, flattened (``@graph`` and lists unpacked)."""
    import json

    out: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"))
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                out.append(item)
                if "@graph" in item:
                    stack.append(item["@graph"])
    return out


_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "blogposting",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "liveblogposting",
    "webpage",
    "report",
}


def _ld_type(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    types = t if isinstance(t, list) else [t]
    return {str(x).lower() for x in types if x}


def _name(value: Any) -> str | None:
    """A name from a JSON-LD value: a string, {"name": ...}, or a list of them."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _name(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return "; ".join(dict.fromkeys(names)) or None
    return None


def page_metadata(tree: Any, url: str | None = None) -> dict[str, str | None]:
    """Title, author, publication date (with its source), canonical URL, site name,
    description and language from the page's markup: JSON-LD first, then OpenGraph and
    other ``<meta>`` tags, ``<time>`` elements, and a date in the URL."""
    meta: dict[str, str | None] = {}
    if tree is None:
        return meta
    metas: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = (el.get("content") or "").strip()
        if key and content and key not in metas:
            metas[key] = content
    articles = [o for o in _json_ld(tree) if _ld_type(o) & _ARTICLE_TYPES]
    articles.sort(key=lambda o: "webpage" in _ld_type(o))  # an Article before a WebPage
    for obj in articles:
        meta.setdefault("title", _name(obj.get("headline")))
        meta.setdefault("author", _name(obj.get("author")))
        meta.setdefault("site_name", _name(obj.get("publisher")))
        date = _iso(obj.get("datePublished")) or _iso(obj.get("dateCreated"))
        if date and not meta.get("published"):
            meta["published"], meta["date_source"] = date, "json-ld"
    meta = {k: v for k, v in meta.items() if v}
    if not meta.get("published"):
        for key in _PUBLISHED_META:
            date = _iso(metas.get(key))
            if date:
                meta["published"], meta["date_source"] = date, "meta"
                break
    if not meta.get("published"):
        for el in tree.iter("time"):
            cls = " ".join(
                filter(
                    None,
                    [
                        el.get("class"),
                        el.get("itemprop"),
                        el.getparent().get("class") if el.getparent() is not None else None,
                    ],
                )
            ).lower()
            if "modif" in cls or "updat" in cls:
                continue
            date = _iso(el.get("datetime") or "")
            if date:
                meta["published"], meta["date_source"] = date, "time"
                break
    url_date = _url_date(url)
    if not meta.get("published") and url_date:
        meta["published"], meta["date_source"] = url_date, "url"
    elif (published := meta.get("published")) and url_date and _days_apart(published, url_date) == 1:
        # a UTC timestamp past midnight: the URL has the publisher's own (local) date
        meta["published"] = url_date
    meta.setdefault("title", metas.get("og:title") or metas.get("twitter:title"))
    meta.setdefault(
        "author", metas.get("author") or metas.get("article:author") or metas.get("parsely-author")
    )
    meta.setdefault("site_name", metas.get("og:site_name") or metas.get("application-name"))
    meta.setdefault("description", metas.get("og:description") or metas.get("description"))
    canonical = next(
        (
            el.get("href")
            for el in tree.iter("link")
            if (el.get("rel") or "").lower() == "canonical" and el.get("href")
        ),
        None,
    )
    canonical = canonical or metas.get("og:url")
    if canonical:
        from urllib.parse import urljoin

        canonical = urljoin(url or "", canonical.strip())
        if canonical.startswith(("http://", "https://")):
            meta["url"] = canonical
    lang = tree.get("lang") or tree.get("xml:lang") or metas.get("og:locale") or metas.get("content-language")
    if lang:
        meta["language"] = lang.strip().replace("_", "-").split("-")[0].lower() or None
    if (meta.get("author") or "").startswith(("http://", "https://")):
        meta["author"] = None  # a profile URL, not a name
    return {k: v for k, v in meta.items() if v}


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

    # trafilatura logs unparsable pages as errors; sitrep reports them on the record instead
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=False,  # sitrep reads the metadata itself (page_metadata): faster
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
    if prose_ratio(text) == 0.0 and len(_WORD.findall(text)) < 30:
        text = ""  # not one sentence: a page without an article (a menu, a login form)
    tree = _parse(html)
    meta = page_metadata(tree, url)
    if tree is not None and not (meta.get("title") and meta.get("published") and meta.get("author")):
        _trafilatura_metadata(tree, url, meta)
    before, after = split_body_parts(tree, text)
    if before or after:
        text = "\n".join([*before, text, *after])
    titles = [t for t in dict.fromkeys([meta.get("title"), *_page_titles(tree)]) if t]
    text = clean_body(text, titles, meta.get("site_name"), header_lines(tree))
    return Extracted(
        text=text,
        title=meta.get("title"),
        author=meta.get("author"),
        published=meta.get("published"),
        url=meta.get("url") or url,
        site_name=meta.get("site_name"),
        description=meta.get("description"),
        language=meta.get("language"),
        date_source=meta.get("date_source"),
    )


def _page_titles(tree: Any) -> list[str]:
    """The <title> and the <h1> headings: what a headline line in the body may repeat."""
    if tree is None:
        return []
    out = [el.text_content().strip() for el in tree.iter("title", "h1")]
    return [t for t in out if t][:6]


def _trafilatura_metadata(tree: Any, url: str | None, meta: dict[str, Any]) -> None:
    """Fill what the markup did not give from trafilatura's metadata heuristics (title
    from <title>/<h1>, author from bylines, date guessed by htmldate from the page)."""
    from copy import deepcopy

    from trafilatura.metadata import extract_metadata

    try:
        found = extract_metadata(deepcopy(tree), default_url=url)
    except Exception:  # noqa: BLE001 - a heuristic failing must not lose the article
        return
    for key, attr in (("title", "title"), ("author", "author"), ("site_name", "sitename")):
        if not meta.get(key) and getattr(found, attr, None):
            meta[key] = getattr(found, attr)
    guessed = _iso(getattr(found, "date", None))
    # a bare 1 January is a year read from a copyright line, not a publication date
    if not meta.get("published") and guessed and not guessed.endswith("-01-01"):
        meta["published"], meta["date_source"] = guessed, "text"
    if not meta.get("description") and getattr(found, "description", None):
        meta["description"] = found.description

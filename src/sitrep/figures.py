"""Figures: the quantities an article states, with qualifier, unit and what they count.

"more than 40.000 children are at risk of death" -> value 40000 (a dot before three digits
is a thousands separator, as written in much of Europe), qualifier "more than", unit
"children", what "at risk of death". Number words ("twenty-one", "two hundred"), scales
("2.5 million") and vague quantities ("dozens", "hundreds of square kilometers": the
lower bound, marked approximate, qualifier "at least") are read from ``data/numbers.yaml``;
areas are in km2 however written. Counts of reasons, ways or options are no figures. Numbers that are
part of a date expression, years, times, ordinals and identifiers ("Resolution 2254")
are not figures.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Any

import yaml

from .record import Article, DateInterval, Figure, Span

NUMBERS_FILE = os.path.join(os.path.dirname(__file__), "data", "numbers.yaml")

# Nouns that name a measure: their "square"/"cubic" belongs to the unit.
MEASURES = {
    "kilometer", "kilometre", "km", "mile", "meter", "metre", "hectare", "acre", "foot", "feet",
    "kilometers", "kilometres", "miles", "meters", "metres", "hectares", "acres", "kms", "km2",
}  # fmt: skip
SQUARE_KM = {"kilometer", "kilometre", "kilometers", "kilometres", "km", "kms"}
CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "us$": "USD"}
CURRENCY_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
}
# Words before a number that make it an identifier, not a quantity.
ID_WORDS = {
    "resolution", "no", "no.", "number", "article", "route", "highway", "flight", "room", "page", "chapter",
    "paragraph", "section", "unit", "brigade", "division", "battalion", "regiment", "corps", "su", "mig",
    "tu", "f", "a", "b", "c", "s", "t", "cnn", "channel", "version", "phase", "level", "stage", "grade",
    "ak", "m", "t-", "p", "code", "file", "case", "box", "lane", "street", "apartment", "block",
}  # fmt: skip


@dataclass(frozen=True)
class NumberLexicon:
    words: dict[str, int]
    scales: dict[str, int]
    vague: dict[tuple[str, ...], int]
    qualifiers: dict[tuple[str, ...], str]
    not_counted: frozenset[str] = frozenset()


def load_numbers(path: str = NUMBERS_FILE) -> NumberLexicon:
    with open(path, encoding="utf-8") as f:
        d = yaml.safe_load(f) or {}
    for key in ("words", "scales", "vague", "qualifiers"):
        if not isinstance(d.get(key), dict):
            raise ValueError(f"{path}: '{key}' must be a mapping")
    not_counted = d.get("not_counted") or []
    if not isinstance(not_counted, list) or not all(isinstance(w, str) for w in not_counted):
        raise ValueError(f"{path}: 'not_counted' must be a list of words")
    return NumberLexicon(
        {str(k).lower(): int(v) for k, v in d["words"].items()},
        {str(k).lower(): int(v) for k, v in d["scales"].items()},
        {tuple(str(k).lower().split()): int(v) for k, v in d["vague"].items()},
        {tuple(str(k).lower().split()): str(v) for k, v in d["qualifiers"].items()},
        frozenset(w.lower() for w in not_counted),
    )


@functools.cache
def numbers() -> NumberLexicon:
    return load_numbers()


_EURO_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_COMMA_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_DECIMAL = re.compile(r"^\d+(?:\.\d+)?$")
_SUFFIXED = re.compile(r"^(\d+(?:\.\d+)?)(k|m|mln|bn)$", re.IGNORECASE)


def parse_digits(s: str) -> float | None:
    """A number written in digits: "40.000" (thousands), "1,200", "2.5", "12"."""
    s = s.strip().replace("\u00a0", "").replace("\u202f", "")
    if _EURO_THOUSANDS.match(s) and not re.match(r"^\d\.\d{3}$", s + "x"):
        return float(s.replace(".", ""))
    if _COMMA_THOUSANDS.match(s):
        return float(s.replace(",", ""))
    if _DECIMAL.match(s):
        return float(s)
    m = _SUFFIXED.match(s)
    if m:
        mult = {"k": 1e3, "m": 1e6, "mln": 1e6, "bn": 1e9}[m.group(2).lower()]
        return float(m.group(1)) * mult
    return None


def _num_token(tok: Any, lex: NumberLexicon) -> bool:
    low = tok.lower_
    if low in lex.words or low in lex.scales:
        return low not in ("m",) or tok.i > 0 and parse_digits(tok.nbor(-1).text) is not None
    return parse_digits(tok.text) is not None


def parse_number_tokens(words: list[str], lex: NumberLexicon | None = None) -> float | None:
    """The value of a run of number words and digits: ["two", "hundred", "and", "fifty"],
    ["2.5", "million"], ["twenty", "-", "one"], ["40.000"]."""
    lex = lex or numbers()
    total, current, seen = 0.0, 0.0, False
    for w in words:
        low = w.lower()
        if low in ("-", "and", "a", "an"):
            continue  # "a hundred": a scale with nothing before it counts once
        if low in lex.scales:
            scale = lex.scales[low]
            current = (current or 1.0) * scale
            if scale >= 1000:
                total += current
                current = 0.0
            seen = True
            continue
        if low in lex.words:
            current += lex.words[low]
            seen = True
            continue
        v = parse_digits(w)
        if v is None:
            return None
        current += v
        seen = True
    return total + current if seen else None


class FigureFinder:
    """Finds figures in a spaCy Doc."""

    def __init__(self, lex: NumberLexicon | None = None) -> None:
        self.lex = lex or numbers()
        self.max_vague = max(len(k) for k in self.lex.vague)
        self.max_qual = max(len(k) for k in self.lex.qualifiers)
        self.vague_first = {k[0] for k in self.lex.vague}
        self.number_words = set(self.lex.words) | set(self.lex.scales)

    def find(self, doc: Any, text: str, dates: list[DateInterval] | None = None) -> list[Figure]:
        in_date = bytearray(len(text) + 1)
        for d in dates or []:
            if d.char_start is not None and d.char_end is not None:
                in_date[d.char_start : d.char_end] = b"\x01" * (d.char_end - d.char_start)
        out: list[Figure] = []
        i, n = 0, len(doc)
        while i < n:
            tok = doc[i]
            low = tok.lower_
            if not (tok.like_num or low in self.number_words or low in self.vague_first) or in_date[tok.idx]:
                i += 1
                continue
            vague = self._vague_at(doc, i) if low in self.vague_first else None
            if vague:
                end, value = vague
                fig = self._figure(doc, text, i, end, float(value), approximate=True)
                if fig:
                    out.append(fig)
                i = end
                continue
            if not _num_token(tok, self.lex) or tok.lower_ in self.lex.scales:
                i += 1
                continue
            j = i + 1
            while j < n and (
                _num_token(doc[j], self.lex)
                or (
                    doc[j].text in ("-", "and")
                    and j + 1 < n
                    and doc[j + 1].lower_ in self.lex.words
                    and doc[j - 1].lower_ in self.lex.words | self.lex.scales.keys()
                )
            ):
                if in_date[doc[j].idx]:
                    break
                j += 1
            words = [t.text for t in doc[i:j]]
            number = parse_number_tokens(words, self.lex)
            if number is not None and self._is_quantity(doc, i, j, number):
                fig = self._figure(doc, text, i, j, number, approximate=False)
                if fig:
                    out.append(fig)
            i = j
        return out

    def _vague_at(self, doc: Any, i: int) -> tuple[int, int] | None:
        for size in range(self.max_vague, 0, -1):
            if i + size > len(doc):
                continue
            key = tuple(t.lower_ for t in doc[i : i + size])
            if key in self.lex.vague:
                nxt = doc[i + size] if i + size < len(doc) else None
                if nxt is None:
                    return None
                # a quantity of something: "dozens of people", "several civilians"
                if nxt.lower_ == "of" or nxt.pos_ in ("NOUN", "ADJ", "PROPN"):
                    if key in (("a", "number"), ("a", "couple"), ("a", "handful")) and nxt.lower_ != "of":
                        return None
                    return i + size, self.lex.vague[key]
                return None
        return None

    def _is_quantity(self, doc: Any, i: int, j: int, value: float) -> bool:
        first, last = doc[i], doc[j - 1]
        if ":" in first.text or re.search(r"\d(st|nd|rd|th)$", first.lower_):
            return False
        if i > 0:
            prev = doc[i - 1]
            if prev.lower_ in ID_WORDS or prev.lower_.rstrip(".") in ID_WORDS:
                return False
            if prev.text in ("-", "/") and i > 1 and doc[i - 2].is_alpha and doc[i - 2].is_upper:
                return False  # "Su-24", "F-16"
        if j < len(doc) and doc[j].text in ("-", "/") and j + 1 < len(doc) and doc[j + 1].like_num:
            pass  # a range "10-15": keep the first number
        is_year = first.text.isdigit() and len(first.text) == 4 and 1900 <= value <= 2100
        if is_year and not (j < len(doc) and doc[j].pos_ == "NOUN" and doc[j].tag_ == "NNS"):
            return False
        if first.lower_ == "one" and j == i + 1:
            nxt = doc[j] if j < len(doc) else None
            if nxt is None or nxt.pos_ not in ("NOUN",) or nxt.lower_ in ("another", "of"):
                return False  # "one of them", "no one", "the one"
        if last.like_num and j < len(doc) and doc[j].lower_ in ("%", "percent", "per"):
            return True
        return True

    def _figure(self, doc: Any, text: str, i: int, j: int, value: float, approximate: bool) -> Figure | None:
        lex = self.lex
        # qualifier: up to three words before
        qualifier = None
        q_start = i
        for size in range(min(self.max_qual, i), 0, -1):
            key = tuple(t.lower_ for t in doc[i - size : i])
            if key in lex.qualifiers:
                qualifier, q_start = lex.qualifiers[key], i - size
                break
        unit, unit_tok = self._unit(doc, i, j)
        if (
            unit_tok is not None
            and unit_tok.lemma_.lower() in lex.not_counted
            and not any(c.dep_ == "compound" for c in unit_tok.children)  # "two transit points" count places
        ):
            return None  # "two reasons", "three options": not a quantity of the conflict
        if approximate and qualifier is None:
            qualifier = "at least"  # the value of "hundreds" is the least it can mean
        if unit is None and i > 0 and doc[i - 1].text.lower() in CURRENCY_SIGNS:
            unit, q_start = CURRENCY_SIGNS[doc[i - 1].text.lower()], min(q_start, i - 1)
        sent = doc[i].sent
        what = self._what(doc, unit_tok if unit_tok is not None else doc[j - 1], sent)
        start = doc[q_start].idx
        end_tok = unit_tok if unit_tok is not None and unit_tok.i >= j else doc[j - 1]
        end = end_tok.idx + len(end_tok.text)
        v: float | int = int(value) if float(value).is_integer() else round(value, 4)
        return Figure(
            value=v,
            qualifier=qualifier,
            unit=unit,
            what=what,
            evidence=Span.of(sent.doc.text, sent.start_char, sent.end_char),
            text=text[start:end],
            approximate=approximate,
            start=start,
            end=end,
        )

    def _unit(self, doc: Any, i: int, j: int) -> tuple[str | None, Any]:
        k = j
        n = len(doc)
        if k < n and doc[k].lower_ in ("%", "percent", "per"):
            return "percent", doc[k]
        if k < n and doc[k].lower_ == "of":  # "hundreds of square kilometers", "thousands of people"
            k += 1
            while k < n and doc[k].pos_ == "DET":
                k += 1
        head = None
        m = k
        while m < n and m - k < 5:
            t = doc[m]
            if (
                t.pos_ in ("NOUN", "PROPN")
                or (t.pos_ == "ADJ" and t.lower_ not in ("more", "less"))
                or t.text == "-"
            ):
                if t.pos_ == "NOUN" or (t.pos_ == "PROPN" and t.lower_ in CURRENCY_WORDS):
                    head = t
                    # a noun followed by another noun of the same phrase: keep going
                    if (
                        m + 1 < n
                        and doc[m + 1].pos_ == "NOUN"
                        and doc[m + 1].dep_ != "nsubj"
                        and t.dep_ == "compound"
                    ):
                        m += 1
                        continue
                    break
                m += 1
                continue
            break
        if head is None:
            return None, None
        low = head.lower_
        if low in CURRENCY_WORDS:
            return CURRENCY_WORDS[low], head
        if low in MEASURES:
            prev = doc[head.i - 1]
            if prev.lower_ in ("square", "sq") and low in SQUARE_KM:
                return "km2", head  # one unit for areas however written
            if prev.lower_ in ("square", "cubic", "sq"):
                return f"{prev.text} {head.text}", head
            if low == "km2":
                return "km2", head
        return head.text, head

    def _what(self, doc: Any, tok: Any, sent: Any) -> str | None:
        """What the figure counts: the predicate it takes part in, in a few words."""
        t = tok
        while t.dep_ in ("compound", "amod", "nummod", "quantmod", "conj", "appos") and t.head is not t:
            t = t.head
        if t.dep_ == "pobj" and t.head.lower_ == "of" and t.head.head.pos_ in ("NOUN", "NUM", "ADJ", "PRON"):
            t = t.head.head  # "hundreds of kilometers" -> the head's role
        dep, head = t.dep_, t.head
        if dep in ("nsubj", "nsubjpass"):
            verb = head
            parts = []
            for c in verb.children:
                if c.i > verb.i and c.dep_ in (
                    "acomp",
                    "prep",
                    "dobj",
                    "attr",
                    "xcomp",
                    "agent",
                    "prt",
                    "oprd",
                ):
                    parts.append(c)
            if verb.lemma_ == "be" and parts:
                span = doc[parts[0].left_edge.i : parts[0].right_edge.i + 1]
            else:
                right = parts[0].right_edge.i if parts else verb.i
                span = doc[verb.i : right + 1]
            return _trim(span.text)
        if dep in ("dobj", "attr", "oprd"):
            return _trim(head.text)
        if dep == "pobj":
            prep = head
            gov = prep.head
            if gov.pos_ in ("VERB", "AUX"):
                subj = [c for c in gov.children if c.dep_ in ("nsubj", "nsubjpass")]
                if subj and subj[0].pos_ == "NOUN":
                    sub = doc[subj[0].left_edge.i : subj[0].i + 1]
                    return _trim(f"{sub.text} {gov.text} {prep.text}".replace("The ", "").replace("the ", ""))
                return _trim(f"{gov.text} {prep.text}")
            return _trim(f"{gov.text} {prep.text}")
        return None


def _trim(s: str, words: int = 8) -> str:
    w = " ".join(s.split()).strip(" ,.;:")
    w = re.split(r"\s*[,;:(]\s*", w)[0] or w
    parts = w.split()
    return " ".join(parts[:words])


class FiguresStage:
    """Sets ``article.figures``: every quantity with its qualifier, unit and evidence."""

    name = "figures"
    needs = ("doc", "dates")
    sets = ("figures",)

    def __init__(self) -> None:
        self.finder = FigureFinder()

    def __call__(self, article: Article) -> Article:
        if article._doc is not None:
            article.figures = self.finder.find(article._doc, article.text, article._dates)
        return article

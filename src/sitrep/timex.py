"""Time: every date expression of an article, resolved against its publication date.

``find_dates(text, published)`` returns ``DateInterval``s (inclusive ISO dates, a
precision, the words and their offsets). News reports the past: a bare weekday or a month
without a year is the latest one on or before the publication date; "last week" is the
previous Monday-Sunday; "since November" runs from the first of the latest November
before publication up to publication (``ongoing``).

``parse_date(s)`` reads one absolute date ("June 15, 2017", "Wed 05 Apr 2017",
"2017-06-15") for ingest's metadata, datelines and first lines.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator

from .record import Article, DateInterval

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            (),
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
WEEKDAYS = {
    d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
WEEKDAY_ABBR = {
    "mon": 0,
    "tue": 1,
    "tues": 1,
    "wed": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "several": 3,
    "a few": 3,
    "few": 3,
    "couple of": 2,
    "a couple of": 2,
}

_MONTH = r"(?P<{n}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WEEKDAY = r"(?P<{n}>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WEEKDAY_ANY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\.?,?"
_DAYNUM = r"(?P<{n}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<{n}>(?:19|20)\d\d)"
_NUM = r"(?P<num>\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|several|(?:a )?few|(?:a )?couple of)"


def _m(n: str) -> str:
    return _MONTH.format(n=n)


# Ordered: earlier patterns win over later ones at the same start; longer wins overall.
PATTERNS: list[tuple[str, str]] = [
    ("iso", r"\b(?P<y>(?:19|20)\d\d)-(?P<mo>[01]\d)-(?P<d>[0-3]\d)(?!\d)"),
    ("numeric", r"\b(?P<a>[0-3]?\d)(?P<sep>[/.-])(?P<b>[01]?\d)(?P=sep)(?P<y>(?:19|20)\d\d)(?!\d)"),
    ("mdy", rf"\b(?:{_WEEKDAY_ANY}\s+)?{_m('mo')}\s+{_DAYNUM.format(n='d')},?\s+{_YEAR.format(n='y')}\b"),
    (
        "dmy",
        rf"\b(?:{_WEEKDAY_ANY}\s+)?{_DAYNUM.format(n='d')}(?:\s+of)?\s+{_m('mo')},?\s+{_YEAR.format(n='y')}\b",
    ),
    (
        "since_part",
        rf"\b(?P<since>since|from|until|till|by)\s+(?P<part>early|mid|late|the (?:start|beginning|end) of)[- ]{_m('mo')}(?:,?\s+{_YEAR.format(n='y')})?\b",
    ),
    (
        "part_month",
        rf"\b(?:in\s+)?(?P<part>early|mid|late|the (?:start|beginning|end) of)[- ]{_m('mo')}(?:,?\s+{_YEAR.format(n='y')})?\b",
    ),
    (
        "md",
        rf"\b(?:(?:on|since|from|until|by)\s+)?(?:{_WEEKDAY_ANY}\s+)?{_m('mo')}\s+{_DAYNUM.format(n='d')}\b(?!\s*(?:,\s*)?(?:19|20)\d\d)(?!\d)",
    ),
    (
        "dm",
        rf"\b(?:(?:on|since|from|until|by)\s+)?(?:{_WEEKDAY_ANY}\s+)?{_DAYNUM.format(n='d')}(?:\s+of)?\s+{_m('mo')}\b(?!\s*(?:,\s*)?(?:19|20)\d\d)",
    ),
    (
        "month_year",
        rf"\b(?:(?P<since>since|from|until|by|in|during)\s+)?{_m('mo')},?\s+{_YEAR.format(n='y')}\b",
    ),
    ("since_month", rf"\b(?P<since>since|from)\s+(?:last\s+)?{_m('mo')}\b"),
    ("rel_month", rf"\b(?P<rel>last|this|next|in|during|early|earlier in|late|later in)\s+{_m('mo')}\b"),
    ("since_year", r"\b(?P<since>since|from)\s+(?P<y>(?:19|20)\d\d)\b"),
    (
        "year",
        r"\b(?P<prep>in|during|of|by|until|throughout|early|late|mid-|since the start of|in early|in late|in mid-)\s*(?P<y>(?:19|20)\d\d)\b(?![-/]\d)",
    ),
    (
        "weekday",
        rf"\b(?:(?P<rel>last|this|next|on|since|early|late)\s+)?{_WEEKDAY.format(n='wd')}(?:\s+(?:morning|afternoon|evening|night))?\b",
    ),
    ("today", r"\b(?:today|tonight|this (?:morning|afternoon|evening)|earlier today|on the same day)\b"),
    (
        "yesterday",
        r"\b(?:the day before yesterday|yesterday(?: (?:morning|afternoon|evening))?|last night|overnight)\b",
    ),
    ("tomorrow", r"\btomorrow\b"),
    ("ago", rf"\b{_NUM}\s+(?P<unit>day|week|month|year)s?\s+ago\b"),
    (
        "past_n",
        rf"\b(?P<prep>in|over|during|for|within)\s+the\s+(?:past|last|previous)\s+{_NUM}\s+(?P<unit>day|week|month|year)s?\b",
    ),
    (
        "recent",
        r"\b(?:in|over|during)\s+(?:the\s+)?(?:recent|past|last|previous|past few|last few|coming)\s+(?P<unit>day|week|month|year)s\b",
    ),
    (
        "past_unit",
        r"\b(?P<prep>in|over|during|within)\s+the\s+(?:past|last)\s+(?P<unit>day|week|month|year)\b",
    ),
    (
        "rel_unit",
        r"\b(?P<rel>last|this|next|earlier this|later this|early this|late last|earlier last|the previous|the following|the past)\s+(?P<unit>week|month|year|weekend)\b",
    ),
]
_COMPILED = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in PATTERNS]
_PRIORITY = {kind: i for i, (kind, _) in enumerate(PATTERNS)}


def _num(s: str | None) -> int:
    if s is None:
        return 1
    s = s.lower()
    return int(s) if s.isdigit() else NUMBER_WORDS.get(s, 1)


def _month(s: str) -> int:
    key = s.lower().rstrip(".")
    return MONTHS.get(key) or MONTHS[key[:3]]


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def _latest_month(m: int, ref: dt.date) -> int:
    """The year of the latest month ``m`` on or before ``ref``."""
    return ref.year if m <= ref.month else ref.year - 1


def _shift_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _interval(start: dt.date | None, end: dt.date | None, precision: str, ongoing: bool = False) -> tuple:
    return start, end, precision, ongoing


def _resolve(kind: str, g: dict[str, str | None], ref: dt.date | None) -> tuple | None:
    """(start, end, precision, ongoing) for one match; None when it cannot be resolved."""
    if kind == "iso":
        d = _date(int(g["y"]), int(g["mo"]), int(g["d"]))  # type: ignore[arg-type]
        return _interval(d, d, "day") if d else None
    if kind == "numeric":
        a, b, y = int(g["a"]), int(g["b"]), int(g["y"])  # type: ignore[arg-type]
        # day/month/year is the common order outside the US; month/day when the first can't be a month day order
        d = _date(y, b, a) if b <= 12 else _date(y, a, b)
        return _interval(d, d, "day") if d else None
    if kind in ("mdy", "dmy"):
        d = _date(int(g["y"]), _month(g["mo"]), int(g["d"]))  # type: ignore[arg-type]
        return _interval(d, d, "day") if d else None
    if kind == "month_year":
        y, m = int(g["y"]), _month(g["mo"])  # type: ignore[arg-type]
        start, end = dt.date(y, m, 1), _month_end(y, m)
        if (g.get("since") or "").lower() in ("since", "from") and ref and start <= ref:
            return _interval(start, ref, "month", True)
        return _interval(start, end, "month")
    if kind in ("part_month", "since_part"):
        m = _month(g["mo"])  # type: ignore[arg-type]
        if g.get("y"):
            y = int(g["y"])  # type: ignore[arg-type]
        elif ref:
            y = _latest_month(m, ref)
        else:
            return None
        part = (g["part"] or "").lower()
        last = calendar.monthrange(y, m)[1]
        lo, hi = {"early": (1, 10), "mid": (11, 20), "late": (21, last)}.get(
            part, (1, 10) if "start" in part or "beginning" in part else (21, last)
        )
        start, end = dt.date(y, m, lo), dt.date(y, m, hi)
        if (
            kind == "since_part"
            and (g.get("since") or "").lower() in ("since", "from")
            and ref
            and start <= ref
        ):
            return _interval(start, ref, "range", True)
        return _interval(start, end, "range")
    if kind in ("md", "dm"):
        if ref is None:
            return None
        m, dnum = _month(g["mo"]), int(g["d"])  # type: ignore[arg-type]
        day = _date(ref.year, m, dnum)
        if day is None:
            return None
        if day > ref + dt.timedelta(days=31):  # news looks back: "December 28" in a January paper
            day = _date(ref.year - 1, m, dnum)
        return _interval(day, day, "day") if day else None
    if ref is None:
        return None
    if kind == "since_month":
        m = _month(g["mo"])  # type: ignore[arg-type]
        y = _latest_month(m, ref)
        if y == ref.year and m == ref.month:
            y -= 1 if "last" in (g.get("since") or "").lower() else 0
        return _interval(dt.date(y, m, 1), ref, "month", True)
    if kind == "rel_month":
        m = _month(g["mo"])  # type: ignore[arg-type]
        rel = (g.get("rel") or "").lower()
        if rel == "next":
            y = ref.year if m > ref.month else ref.year + 1
        elif rel == "last":
            y = ref.year if m < ref.month else ref.year - 1
        elif rel == "this":
            y = ref.year
        else:
            y = _latest_month(m, ref)
        start, end = dt.date(y, m, 1), _month_end(y, m)
        if rel.startswith("early"):
            end = dt.date(y, m, 10)
        elif rel.startswith("late"):
            start = dt.date(y, m, 21)
        return _interval(start, min(end, ref) if start <= ref <= end else end, "month")
    if kind == "since_year":
        y = int(g["y"])  # type: ignore[arg-type]
        return _interval(dt.date(y, 1, 1), ref, "year", True) if y <= ref.year else None
    if kind == "year":
        y = int(g["y"])  # type: ignore[arg-type]
        if y > ref.year + 10:
            return None
        prep = (g.get("prep") or "").lower()
        start, end = dt.date(y, 1, 1), dt.date(y, 12, 31)
        if "early" in prep:
            end = dt.date(y, 4, 30)
        elif "late" in prep:
            start = dt.date(y, 9, 1)
        elif "mid" in prep:
            start, end = dt.date(y, 5, 1), dt.date(y, 8, 31)
        if start <= ref <= end:
            end = ref
        return _interval(start, end, "year")
    if kind == "weekday":
        wd = WEEKDAYS[g["wd"].lower()]  # type: ignore[union-attr]
        rel = (g.get("rel") or "").lower()
        back = (ref.weekday() - wd) % 7
        if rel == "next":
            day = ref + dt.timedelta(days=(wd - ref.weekday()) % 7 or 7)
        elif rel == "last" and back == 0:
            day = ref - dt.timedelta(days=7)
        else:
            day = ref - dt.timedelta(days=back)
        if rel == "since":
            return _interval(day, ref, "day", True)
        return _interval(day, day, "day")
    if kind == "today":
        return _interval(ref, ref, "day")
    if kind == "yesterday":
        text = (g.get("_text") or "").lower()
        n = 2 if "before" in text else 1
        if "overnight" in text:
            return _interval(ref - dt.timedelta(days=1), ref, "day")
        day = ref - dt.timedelta(days=n)
        return _interval(day, day, "day")
    if kind == "tomorrow":
        day = ref + dt.timedelta(days=1)
        return _interval(day, day, "day")
    unit = (g.get("unit") or "").lower()
    if kind == "ago":
        n = _num(g.get("num"))
        if unit == "day":
            day = ref - dt.timedelta(days=n)
            return _interval(day, day, "day")
        if unit == "week":
            day = ref - dt.timedelta(weeks=n)
            monday = day - dt.timedelta(days=day.weekday())
            return _interval(monday, monday + dt.timedelta(days=6), "week")
        if unit == "month":
            day = _shift_months(ref, -n)
            return _interval(dt.date(day.year, day.month, 1), _month_end(day.year, day.month), "month")
        y = ref.year - n
        return _interval(dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
    if kind in ("past_n", "past_unit", "recent"):
        n = _num(g.get("num")) if kind == "past_n" else (1 if kind == "past_unit" else 3)
        days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit] * n
        plural = kind == "recent" or n > 1
        return _interval(ref - dt.timedelta(days=days), ref, unit + ("s" if plural else ""), True)
    if kind == "rel_unit":
        rel = (g.get("rel") or "").lower()
        monday = ref - dt.timedelta(days=ref.weekday())
        if unit in ("week", "weekend"):
            if rel in ("last", "the previous", "earlier last", "late last", "the past"):
                start = monday - dt.timedelta(days=7)
            elif rel in ("next", "the following"):
                start = monday + dt.timedelta(days=7)
            else:
                start = monday
            end = start + dt.timedelta(days=6)
            if unit == "weekend":
                start = start + dt.timedelta(days=5)
            if rel == "the past":
                return _interval(ref - dt.timedelta(days=7), ref, "week", True)
            if rel.startswith("earlier this") and start <= ref:
                end = max(start, ref - dt.timedelta(days=1))
            elif start <= ref <= end and rel in ("this", "early this", "later this"):
                end = ref if rel != "later this" else end
            return _interval(start, end, "week")
        if unit == "month":
            first = dt.date(ref.year, ref.month, 1)
            if rel in ("last", "the previous", "earlier last", "late last", "the past"):
                first = _shift_months(first, -1)
            elif rel in ("next", "the following"):
                first = _shift_months(first, 1)
            end = _month_end(first.year, first.month)
            if rel == "the past":
                return _interval(ref - dt.timedelta(days=30), ref, "month", True)
            if rel.startswith("earlier this"):
                end = max(first, ref - dt.timedelta(days=1))
            elif rel in ("this", "early this"):
                end = min(end, ref)
            return _interval(first, end, "month")
        y = ref.year
        if rel in ("last", "the previous", "earlier last", "late last"):
            y -= 1
        elif rel in ("next", "the following"):
            y += 1
        if rel == "the past":
            return _interval(ref - dt.timedelta(days=365), ref, "year", True)
        start, end = dt.date(y, 1, 1), dt.date(y, 12, 31)
        if rel.startswith("earlier this"):
            end = max(start, ref - dt.timedelta(days=1))
        elif y == ref.year and rel in ("this", "early this"):
            end = ref
        return _interval(start, end, "year")
    return None


def _since(kind: str, text: str, start: int) -> bool:
    """A day-precision date opened by "since": the interval runs up to publication."""
    if kind not in ("md", "dm", "mdy", "dmy", "iso", "numeric"):
        return False
    words = text[max(0, start - 6) : start + 6].lower()
    return "since " in words


def _matches(text: str) -> Iterator[tuple[int, int, str, dict[str, str | None]]]:
    found = []
    for kind, rx in _COMPILED:
        for m in rx.finditer(text):
            found.append((m.start(), m.end(), kind, m.groupdict()))
    # longest first, then pattern priority; keep non-overlapping
    found.sort(key=lambda f: (-(f[1] - f[0]), _PRIORITY[f[2]], f[0]))
    taken: list[tuple[int, int]] = []
    kept = []
    for f in found:
        if any(f[0] < e and s < f[1] for s, e in taken):
            continue
        taken.append((f[0], f[1]))
        kept.append(f)
    kept.sort()
    yield from kept


def find_dates(text: str, published: str | dt.date | None) -> list[DateInterval]:
    """Every date expression in ``text``, resolved against ``published`` (ISO date or
    date). Expressions that need a reference date are skipped when there is none."""
    ref = dt.date.fromisoformat(published[:10]) if isinstance(published, str) and published else published
    ref = ref if isinstance(ref, dt.date) else None
    out = []
    for start, end, kind, g in _matches(text):
        words = text[start:end]
        g = dict(g, _text=words)
        try:
            resolved = _resolve(kind, g, ref)
        except (ValueError, KeyError, OverflowError):
            resolved = None
        if resolved is None:
            continue
        s, e, precision, ongoing = resolved
        if _since(kind, text, start) and ref and s and s <= ref:
            e, ongoing = ref, True
        if s and e and e < s:
            s, e = e, s
        out.append(DateInterval(_iso(s), _iso(e), precision, words, start, end, ongoing))
    return out


_ABSOLUTE = [(k, rx) for k, rx in _COMPILED if k in ("iso", "numeric", "mdy", "dmy")]


def parse_date(s: str) -> str | None:
    """The first absolute calendar date in ``s`` as an ISO string, else None."""
    best = None
    for kind, rx in _ABSOLUTE:
        m = rx.search(s)
        if m and (best is None or m.start() < best[0]):
            r = _resolve(kind, m.groupdict(), None)
            if r and r[0]:
                best = (m.start(), r[0])
    return best[1].isoformat() if best else None


class TimeStage:
    """Sets the article's working ``dates``: every date expression, resolved."""

    name = "time"
    needs = ("text", "published")
    sets = ("dates",)

    def __call__(self, article: Article) -> Article:
        article._dates = find_dates(article.text, article.published)
        return article

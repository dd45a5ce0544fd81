"""Event reports: one event of one article, reduced to what linking compares.

A ``Report`` holds the event's type, its date as day numbers, its point and how far from it
the event may be (by the place's precision), its actors and figures, and the article it
comes from (id, outlet, publication date). ``cells`` says under which grid cells and date
level the report is indexed (see ``index.py``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .config import LinkConfig, link_config

EARTH_KM = 6371.0088
FIGURE_KEYS = ("total", "civilians", "children", "women", "combatants")
# features of places that are too vague to link on, whatever geo_precision says
COUNTRY_FEATURES = {"country", "political entity", "continent", "region"}
# buildings that stand for who is in them ("the White House said"): never where an article is
METONYMS = {"BLDG"}


def day_number(iso: str | None) -> int | None:
    """ISO date (or datetime) -> proleptic ordinal day, None when unreadable."""
    if not iso:
        return None
    try:
        return dt.date.fromisoformat(str(iso)[:10]).toordinal()
    except ValueError:
        return None


def day_iso(n: int | None) -> str | None:
    return None if n is None else dt.date.fromordinal(n).isoformat()


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


_NON_WORD = re.compile(r"[^a-z0-9]+")


def actor_key(ref: dict[str, Any] | None, *, keep_generic: bool = False) -> str | None:
    """The canonical id of an event's actor, else its name normalised; None when absent or
    generic ("unidentified armed group", "civilians", "terrorists": they name no one in
    particular, so two reports sharing one say nothing about being one event)."""
    if not ref:
        return None
    cfg = link_config()
    if ref.get("id"):
        key = str(ref["id"])
        return None if key.startswith(cfg.generic_actor_prefixes) and not keep_generic else key
    name = _NON_WORD.sub(" ", str(ref.get("name") or "").lower()).strip()
    if name.startswith("the "):
        name = name[4:]
    return None if not name or (name in cfg.generic_actor_names and not keep_generic) else name


def precision_of(loc: dict[str, Any]) -> int | None:
    """ACLED geo_precision of a place (1 town, 2 near/part of region, 3 region), or None
    when the place is too vague to link on (a country) or has no point."""
    if loc.get("lat") is None or loc.get("lon") is None:
        return None
    feature = str(loc.get("feature") or "").lower()
    if feature in COUNTRY_FEATURES or (loc.get("feature_code") or "").upper().startswith("PCL"):
        return None
    gp = loc.get("geo_precision")
    if isinstance(gp, int) and gp in (1, 2, 3):
        return gp
    if "first-order" in feature or (loc.get("feature_code") or "").upper() == "ADM1":
        return 3
    if "division" in feature or "region" in feature or "area" in feature:
        return 2
    return 1


@dataclass(slots=True)
class Report:
    """One event of one article, as linking sees it."""

    article_id: str
    event_id: str
    event_type: str
    sub_event_type: str
    modality: str
    background: bool
    headline: bool
    day_start: int | None
    day_end: int | None
    day_precise: bool  # the interval is one resolved day
    lat: float | None
    lon: float | None
    precision: int | None
    geonameid: int | None
    place_name: str | None
    admin1: str | None
    country: str | None
    actor1: str | None
    actor2: str | None
    actor1_name: str | None
    actor2_name: str | None
    # who each side is as the report words it, generic or not ("terrorists" against "the
    # government" is a conflict worth showing, though it is no evidence for a link)
    actor1_said: str | None = None
    actor2_said: str | None = None
    population: int | None = None
    figures: dict[str, int | None] = field(default_factory=dict)
    source: str | None = None
    published: str | None = None
    attributed_to: str | None = None
    evidence: str = ""

    @property
    def toll(self) -> int | None:
        """The headline figure of the report: total dead, else civilians dead."""
        for k in ("total", "civilians"):
            v = self.figures.get(k)
            if v is not None:
                return v
        return None

    @property
    def span_days(self) -> int:
        if self.day_start is None or self.day_end is None:
            return 0
        return self.day_end - self.day_start + 1

    def radius(self, cfg: LinkConfig) -> float:
        return cfg.radius_km.get(self.precision or 0, 0.0)

    def linkable(self, cfg: LinkConfig) -> bool:
        """Whether the report is precise enough, real enough and says enough to be linked
        to others: it has a place and a date, and it is the article's main event, or gives
        a figure, or names a town and a day (in its own words, not the publication date).
        A passing "fighting continued around Aleppo"
        could be any of a hundred events."""
        return (
            self.day_start is not None
            and self.day_end is not None
            and self.span_days <= cfg.max_interval_days
            and self.precision is not None
            and self.precision <= cfg.max_linkable_precision
            and self.sub_event_type not in cfg.unlinkable_sub_types
            and self.modality not in cfg.unlinkable_modalities
            and (
                self.headline
                or any(v is not None for v in self.figures.values())
                or (self.precision == 1 and self.day_precise)
            )
        )

    def level(self, cfg: LinkConfig) -> int:
        """The date level the report is indexed under: the first whose span covers it."""
        for i, span in enumerate(cfg.levels):
            if self.span_days <= span:
                return i
        return len(cfg.levels) - 1

    def cells(self, cfg: LinkConfig) -> list[int]:
        """Grid cells the report's disk (point and radius) touches; the report is indexed
        under each, so two reports within the larger of their radii always meet."""
        assert self.lat is not None and self.lon is not None
        return cells_around(self.lat, self.lon, self.radius(cfg), cfg.cell_degrees)


def cell_id(row: int, col: int) -> int:
    return row * 10_000 + col


def cells_around(lat: float, lon: float, radius_km: float, size: float) -> list[int]:
    """Every grid cell that a disk of ``radius_km`` around (lat, lon) touches (its bounding
    box, which covers the disk)."""
    dlat = radius_km / 111.2
    coslat = max(math.cos(math.radians(min(89.0, abs(lat)))), 0.01)
    dlon = min(radius_km / (111.2 * coslat), 180.0)
    r0, r1 = math.floor((lat - dlat + 90) / size), math.floor((min(lat + dlat, 89.999) + 90) / size)
    c0, c1 = math.floor((lon - dlon + 180) / size), math.floor((lon + dlon + 180) / size)
    ncols = round(360 / size)
    cells = set()
    for r in range(max(r0, 0), r1 + 1):
        for c in range(c0, c1 + 1):
            cells.add(cell_id(r, c % ncols))
    return sorted(cells)


def article_focus(record: dict[str, Any]) -> dict[str, Any] | None:
    """Where an article is, when it is anywhere more precise than a country: its dateline's
    place, else the place it names most often (ties: the more precise, then the first),
    leaving out places the article gives no context for (``out_of_context``) and those only
    named in what it recalls of the past (its background events)."""
    dateline = (record.get("dateline") or {}).get("place")
    if isinstance(dateline, dict) and precision_of(dateline) is not None:
        return dateline
    places = [
        p
        for p in record.get("places") or []
        if isinstance(p, dict) and precision_of(p) is not None and p.get("feature_code") not in METONYMS
    ]
    countries = _countries(record)
    places = [p for p in places if _in_context(p, countries)] or places
    # the places of what the article recalls ("in Aleppo last year") are not where it is
    past = [
        (sp.get("start") or 0, sp.get("end") or 0)
        for e in record.get("events") or []
        if isinstance(e, dict) and e.get("background")
        for sp in [e.get("evidence") or {}, *(e.get("mentions") or [])]
        if isinstance(sp, dict)
    ]
    places = [p for p in places if not any(a <= (p.get("start") or -1) < b for a, b in past)] or places
    if not places:
        return None
    key = lambda p: p.get("geonameid") or p.get("name")  # noqa: E731
    counts = Counter(key(p) for p in places)
    return max(places, key=lambda p: (counts[key(p)], -(precision_of(p) or 3), -(p.get("start") or 0)))


def _countries(record: dict[str, Any]) -> tuple[set[str], str | None]:
    """The countries an article names as countries, and its home country (the one its
    places are in most often)."""
    named: set[str] = set()
    votes: Counter[str] = Counter()
    for p in record.get("places") or []:
        if not isinstance(p, dict) or not p.get("country"):
            continue
        votes[p["country"]] += 1
        if _is_country(p):
            named.add(p["country"])
    return named, (votes.most_common(1)[0][0] if votes else None)


def _is_country(p: dict[str, Any]) -> bool:
    return str(p.get("feature") or "").lower() == "country" or str(p.get("feature_code") or "").startswith(
        "PCL"
    )


def _in_context(p: dict[str, Any], countries: tuple[set[str], str | None]) -> bool:
    named, home = countries
    return not p.get("country") or p["country"] in named or p["country"] == home


def out_of_context(
    loc: dict[str, Any], record: dict[str, Any], focus: dict[str, Any] | None, cfg: LinkConfig
) -> bool:
    """Whether a place is one the article gives no context for: a town in a country the
    article never names and that is not its home country, farther from the article's focus
    than a governorate reaches. In a report from Syria, "Wadi" resolved to a town in India,
    "Assad" to a village in Israel or "Urum" to one in Armenia are misread names, not where
    anything happened; a Turkish border town 40 km from the article's Syrian town is kept."""
    if not loc.get("country") or _in_context(loc, _countries(record)) or focus is None:
        return False
    lat, lon, flat, flon = (
        _float(x) for x in (loc.get("lat"), loc.get("lon"), focus.get("lat"), focus.get("lon"))
    )
    if lat is None or lon is None or flat is None or flon is None:
        return False
    return haversine_km(lat, lon, flat, flon) > cfg.radius_km.get(3, 0.0)


def linking_place(
    event: dict[str, Any],
    focus: dict[str, Any] | None,
    record: dict[str, Any] | None = None,
    cfg: LinkConfig | None = None,
) -> dict[str, Any] | None:
    """The place linking uses for an event: its own, or - when the article gives it only a
    country or none, or a place it gives no context for (``out_of_context``) - the article's
    focus, as a region-level place (so it links only where nothing else fits as well). None
    when the event's own place is used."""
    loc = event.get("location") or {}
    if focus is None:
        return None
    if precision_of(loc) is not None:
        if record is None or not out_of_context(loc, record, focus, cfg or link_config()):
            return None
        return {**focus, "geo_precision": 3, "feature": "focus of the article"}
    if (
        loc.get("country")
        and focus.get("country")
        and loc["country"] != focus["country"]
        and _named_by_event(loc, event)
    ):
        return None  # "in Russia" does not move to the article's Syrian town
    return {**focus, "geo_precision": 3, "feature": "focus of the article"}


def _named_by_event(loc: dict[str, Any], event: dict[str, Any]) -> bool:
    """Whether the event's own sentences name its place (else the events stage took it from
    the rest of the article - its most named country, which in a report of world reactions
    is the one whose officials speak most, not where the event happened)."""
    start = loc.get("start")
    if not isinstance(start, int):
        return True
    spans = [event.get("evidence") or {}, *(event.get("mentions") or [])]
    return any(
        isinstance(sp, dict) and (sp.get("start") or 0) <= start < (sp.get("end") or 0) for sp in spans
    )


def report_from_event(
    event: dict[str, Any],
    *,
    article_id: str,
    source: str | None,
    published: str | None,
    location: dict[str, Any] | None = None,
) -> Report:
    """A Report from an event of the record (schema sitrep.article/1) and its article's
    metadata. An event without its own date that is not background is dated by the
    article: it happened on the publication day or the day before. ``location``, when
    given, replaces the event's own (see ``linking_place``)."""
    loc = location or event.get("location") or {}
    date = event.get("date") or {}
    background = bool(event.get("background"))
    start, end = day_number(date.get("start")), day_number(date.get("end") or date.get("start"))
    if start is not None and end is not None and end < start:
        start, end = end, start
    precise = start is not None and start == end
    if date and not str(date.get("text") or "").strip() and not background:
        # a date no words of the article gave (the events stage falls back on the
        # publication day): the event happened that day or the day before
        precise = False
        if start is not None and start == end:
            start = end - 1  # type: ignore[operator]
    if start is None and not background:
        pub = day_number(published)
        if pub is not None:
            start, end, precise = pub - 1, pub, False
    fat = event.get("fatalities") or {}
    figures: dict[str, int | None] = {k: _count(fat.get(k)) for k in FIGURE_KEYS}
    figures["injured"] = _count(event.get("injured"))
    figures["displaced"] = _count(event.get("displaced"))
    attributed = event.get("attributed_to")
    return Report(
        article_id=article_id,
        event_id=str(event.get("id") or ""),
        event_type=str(event.get("event_type") or ""),
        sub_event_type=str(event.get("sub_event_type") or ""),
        modality=str(event.get("modality") or "asserted"),
        background=background,
        headline=bool(event.get("headline")),
        day_start=start,
        day_end=end,
        day_precise=precise,
        lat=_float(loc.get("lat")),
        lon=_float(loc.get("lon")),
        precision=precision_of(loc),
        geonameid=loc.get("geonameid"),
        place_name=loc.get("name") or loc.get("mention"),
        admin1=loc.get("admin1"),
        country=loc.get("country"),
        actor1=actor_key(event.get("actor1")),
        actor2=actor_key(event.get("actor2")),
        actor1_name=(event.get("actor1") or {}).get("name"),
        actor2_name=(event.get("actor2") or {}).get("name"),
        actor1_said=actor_key(event.get("actor1"), keep_generic=True),
        actor2_said=actor_key(event.get("actor2"), keep_generic=True),
        population=_count(loc.get("population")),
        figures=figures,
        source=_source_key(source),
        published=published,
        attributed_to=(attributed or {}).get("name") if isinstance(attributed, dict) else attributed,
        evidence=str((event.get("evidence") or {}).get("text") or ""),
    )


def _source_key(source: str | None) -> str | None:
    s = (source or "").strip().lower()
    if s.startswith("www."):
        s = s[4:]
    return s or None


def _count(v: Any) -> int | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        n = int(v)
    except (TypeError, ValueError):
        return None
    return n if n >= 0 else None


def _float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None

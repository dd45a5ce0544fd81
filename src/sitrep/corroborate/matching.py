"""Whether two event reports describe one real-world event, and how well they match.

``match(a, b, cfg)`` returns ``None`` when the reports cannot be of one event (types that
do not go together, places farther apart than their precision allows, dates that do not
overlap) and otherwise a ``Match`` with a score in [0, 1] and its parts. Actors and tolls
never forbid a link on their own: outlets disagree on exactly these (who fired, how many
died), and that disagreement is what corroboration must show, not hide.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..record import SUB_EVENT_TYPES
from .config import LinkConfig
from .reports import Report, haversine_km

# Battles have no attacker and target: the two sides may be named in either order.
SYMMETRIC_TYPES = {"Battles", "Riots"}


@dataclass(slots=True)
class Match:
    score: float
    type: float
    place: float
    date: float
    actors: float
    toll: float
    distance_km: float


def sub_type_score(sub_a: str | None, sub_b: str | None, cfg: LinkConfig) -> float:
    """How well two sub-event types go together: the same, one group of what outlets call
    one event, the same event type, or not at all (0)."""
    if not sub_a or not sub_b:
        return 0.0
    if sub_a == sub_b:
        return cfg.type_score["same_sub_type"]
    if any(sub_a in g and sub_b in g for g in cfg.groups):
        return cfg.type_score["same_group"]
    type_a, type_b = SUB_EVENT_TYPES.get(sub_a), SUB_EVENT_TYPES.get(sub_b)
    if type_a and type_a == type_b:
        return cfg.type_score["same_type"]
    return 0.0


def type_compatible(sub_a: str | None, sub_b: str | None, cfg: LinkConfig) -> bool:
    return sub_type_score(sub_a, sub_b, cfg) > 0


def type_score(a: Report, b: Report, cfg: LinkConfig) -> float:
    return sub_type_score(a.sub_event_type, b.sub_event_type, cfg)


def place_score(a: Report, b: Report, cfg: LinkConfig) -> tuple[float, float] | None:
    """(score, distance) or None when too far apart for the places' precision. A place
    that many events share on one day - a governorate, a big city - says less about which
    event it is than a village does, even when both reports name the same one."""
    assert a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None
    d = haversine_km(a.lat, a.lon, b.lat, b.lon)
    vague = max(a.precision or 1, b.precision or 1)
    big = any((r.population or 0) >= cfg.big_city_population for r in (a, b))
    if a.geonameid is not None and a.geonameid == b.geonameid:
        return (cfg.region_place_score if vague >= 3 else cfg.big_city_place_score if big else 1.0, d)
    radius = max(a.radius(cfg), b.radius(cfg))
    if radius <= 0 or d > radius:
        return None
    # two different towns are two places, unless one is a city the other lies in (a
    # neighbourhood of Aleppo) or they are one town under two entries a stone's throw apart
    if vague == 1 and not big and d > cfg.same_town_km:
        return None
    # a town against its region is a weaker match than two towns a few km apart
    score = 1.0 - 0.5 * d / radius - 0.15 * (vague - 1)
    return (max(0.0, min(score, cfg.big_city_place_score) if big else score), d)


def date_score(a: Report, b: Report, cfg: LinkConfig, tolls_agree_: bool | None = None) -> float | None:
    """None when the intervals are more than ``slack_days`` apart. Two resolved days a day
    apart are one event reported from two time zones or a day late only when the rest
    agrees; a different toll a day later is more often the next day's shelling."""
    assert a.day_start is not None and a.day_end is not None
    assert b.day_start is not None and b.day_end is not None
    s = cfg.slack_days
    lo, hi = max(a.day_start, b.day_start), min(a.day_end, b.day_end)
    if lo > hi + s:
        return None
    big = any((r.population or 0) >= cfg.big_city_population for r in (a, b))
    if lo > hi and big:
        # something happens in a big city every day: reports of days that do not overlap
        # (a resolved day against the day before another's publication) are two days' events
        return None
    if a.day_precise and b.day_precise:
        if lo <= hi:
            return 1.0
        towns = (a.precision or 3) == 1 and (b.precision or 3) == 1 and not big
        return cfg.near_day_score["agree"] if tolls_agree_ and towns else cfg.near_day_score["other"]
    if lo > hi:
        return 0.3  # intervals that only touch within the slack
    overlap = hi - lo + 1
    return 0.3 + 0.6 * overlap / max(a.span_days, b.span_days)


def _actor_pair(x: str | None, y: str | None) -> float:
    if x is None or y is None:
        return 0.6
    return 1.0 if x == y else 0.15


def actor_score(a: Report, b: Report) -> float:
    straight = (_actor_pair(a.actor1, b.actor1) + _actor_pair(a.actor2, b.actor2)) / 2
    if a.event_type in SYMMETRIC_TYPES and b.event_type in SYMMETRIC_TYPES:
        crossed = (_actor_pair(a.actor1, b.actor2) + _actor_pair(a.actor2, b.actor1)) / 2
        return max(straight, crossed)
    return straight


def tolls_agree(x: int, y: int, cfg: LinkConfig) -> bool:
    return abs(x - y) <= max(cfg.toll_abs, cfg.toll_rel * max(x, y))


def toll_score(a: Report, b: Report, cfg: LinkConfig) -> float:
    x, y = a.toll, b.toll
    if x is None or y is None:
        return 0.6
    if tolls_agree(x, y, cfg):
        return 1.0
    lo, hi = sorted((x, y))
    return 0.0 if hi > cfg.toll_far * max(lo, 1) and hi - lo > cfg.toll_abs * 3 else 0.5


def _same_big_toll(a: Report, b: Report, cfg: LinkConfig) -> bool:
    """Both reports are of a day or two (not "in March 2011" or "in recent weeks"), their
    days overlap, and they give tolls of at least ``specific_toll`` dead that agree: few
    events in one governorate on one day kill the same dozens."""
    x, y = a.toll, b.toll
    return (
        a.span_days <= cfg.levels[0]
        and b.span_days <= cfg.levels[0]
        and x is not None
        and y is not None
        and min(x, y) >= cfg.specific_toll
        and tolls_agree(x, y, cfg)
        and max(a.day_start or 0, b.day_start or 0) <= min(a.day_end or 0, b.day_end or 0)
    )


def match(a: Report, b: Report, cfg: LinkConfig) -> Match | None:
    """How well two linkable reports match, or None when they cannot be one event."""
    t = type_score(a, b, cfg)
    if t <= 0:
        return None
    p = place_score(a, b, cfg)
    if p is None:
        return None
    tl = toll_score(a, b, cfg)
    d = date_score(a, b, cfg, tl == 1.0)
    if d is None:
        return None
    # a governorate says little about which event it is, and so does a span of days: one
    # of the two must be specific - a town (or "near" it) on both sides, or one resolved day
    # - or, when the days overlap, the same specific toll (58 and 58 dead in Idlib province,
    # one report saying "Tuesday", the other only published the next day)
    regional = max(a.precision or 3, b.precision or 3) >= 3
    if regional and not (a.day_precise and b.day_precise and d == 1.0) and not _same_big_toll(a, b, cfg):
        return None
    # two reports over several days ("since Saturday", "since April", "in 2014") are one only
    # when they cover about the same period: "132 killed since February" is not "300 killed
    # since April", nor "57 in recent days" in a province "68 since Saturday" in one town
    if a.span_days > cfg.levels[0] and b.span_days > cfg.levels[0]:
        lo, hi = max(a.day_start, b.day_start), min(a.day_end, b.day_end)  # type: ignore[type-var]
        same_period = (hi - lo + 1) / max(a.span_days, b.span_days) >= 0.8  # type: ignore[operator]
        if not same_period or (a.toll is not None and b.toll is not None and tl < 1.0):
            return None
    # tolls five times apart are one event only in two reports of the same day (an early
    # "at least 4" and the final 43); otherwise a week's toll is not one day's strike
    if tl == 0.0 and not (d == 1.0 and a.day_precise and b.day_precise):
        return None
    # a recalled past event and a fresh report of today's events are not matched on a
    # vague date alone: the recalled one needs its own precise date
    if a.background != b.background and not (a.day_precise and b.day_precise):
        d *= 0.7
    ac = actor_score(a, b)
    w = cfg.weights
    score = w["type"] * t + w["place"] * p[0] + w["date"] * d + w["actors"] * ac + w["toll"] * tl
    return Match(round(score, 4), t, p[0], d, ac, tl, round(p[1], 2))


def restates(a: Report, b: Report, cfg: LinkConfig) -> bool:
    """Whether two reports of one article are one event told twice (a headline's "chemical
    attack" and the body's "air strikes"; a sentence dated "on Wednesday" and one not): they
    match, each is of a day or two and their days overlap, and they contradict each other on
    nothing - not the perpetrator, not the toll. An article that tells of strikes "since
    Tuesday", of Tuesday's and of Saturday's tells of several events."""
    if a.span_days > cfg.levels[0] or b.span_days > cfg.levels[0]:
        return False
    if max(a.day_start or 0, b.day_start or 0) > min(a.day_end or 0, b.day_end or 0):
        return False
    m = match(a, b, cfg)
    return m is not None and m.score >= cfg.threshold and m.actors >= 0.6 and m.toll >= 0.6

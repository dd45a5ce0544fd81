"""The parameters of linking and credibility, read from ``data/corroboration.yaml`` and
``data/credibility.yaml`` (readable data files, not literals in code)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from ..errors import ModelError


def _load(name: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(resources.files("sitrep").joinpath(f"data/{name}").read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(f"cannot read data/{name}: {exc}") from None
    if not isinstance(data, dict):
        raise ModelError(f"data/{name}: expected a mapping at the top")
    return data


@dataclass(frozen=True)
class LinkConfig:
    """How event reports are matched (see data/corroboration.yaml for the meaning)."""

    radius_km: dict[int, float]
    max_linkable_precision: int
    slack_days: int
    broad_interval_days: int
    max_interval_days: int
    cell_degrees: float
    levels: tuple[int, ...]
    type_score: dict[str, float]
    groups: tuple[frozenset[str], ...]
    unlinkable_sub_types: frozenset[str]
    unlinkable_modalities: frozenset[str]
    weights: dict[str, float]
    threshold: float
    cluster_fraction_weight: float
    toll_rel: float
    toll_abs: int
    toll_far: float
    specific_toll: int
    big_city_population: int
    same_town_km: float
    big_city_place_score: float
    region_place_score: float
    near_day_score: dict[str, float]
    generic_actor_prefixes: tuple[str, ...]
    generic_actor_names: frozenset[str]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LinkConfig:
        try:
            cfg = cls(
                radius_km={int(k): float(v) for k, v in d["radius_km"].items()},
                max_linkable_precision=int(d["max_linkable_precision"]),
                slack_days=int(d["slack_days"]),
                broad_interval_days=int(d["broad_interval_days"]),
                max_interval_days=int(d["max_interval_days"]),
                cell_degrees=float(d["cell_degrees"]),
                levels=tuple(int(x) for x in d["levels"]),
                type_score={k: float(v) for k, v in d["type_score"].items()},
                groups=tuple(frozenset(g) for g in d["compatible_groups"])
                + tuple(frozenset(("Attribution of responsibility", x)) for x in d.get("claimable") or ()),
                unlinkable_sub_types=frozenset(d.get("unlinkable_sub_types") or ()),
                unlinkable_modalities=frozenset(d.get("unlinkable_modalities") or ()),
                weights={k: float(v) for k, v in d["weights"].items()},
                threshold=float(d["threshold"]),
                cluster_fraction_weight=float(d.get("cluster_fraction_weight", 0.5)),
                toll_rel=float(d["toll_rel"]),
                toll_abs=int(d["toll_abs"]),
                toll_far=float(d["toll_far"]),
                specific_toll=int(d["specific_toll"]),
                big_city_population=int(d["big_city_population"]),
                same_town_km=float(d["same_town_km"]),
                big_city_place_score=float(d["big_city_place_score"]),
                region_place_score=float(d["region_place_score"]),
                near_day_score={k: float(v) for k, v in d["near_day_score"].items()},
                generic_actor_prefixes=tuple(str(x) for x in d.get("generic_actor_prefixes") or ()),
                generic_actor_names=frozenset(str(x).lower() for x in d.get("generic_actor_names") or ()),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(f"data/corroboration.yaml: missing or bad entry ({exc!r})") from None
        if list(cfg.levels) != sorted(cfg.levels) or cfg.levels[-1] < cfg.max_interval_days:
            raise ModelError("data/corroboration.yaml: levels must be increasing and cover max_interval_days")
        if abs(sum(cfg.weights.values()) - 1.0) > 1e-6:
            raise ModelError("data/corroboration.yaml: weights must add up to 1")
        return cfg


@dataclass(frozen=True)
class Lexicon:
    """Words and patterns credibility reads in the text (data/credibility.yaml)."""

    loaded: tuple[str, ...]
    sectarian: tuple[str, ...]
    anonymous: tuple[str, ...]
    named_cues: tuple[str, ...]
    hedges: tuple[str, ...]
    weights: dict[str, float]
    loaded_re: re.Pattern[str] = field(repr=False, compare=False, default=re.compile("(?!)"))
    sectarian_re: re.Pattern[str] = field(repr=False, compare=False, default=re.compile("(?!)"))
    anonymous_re: re.Pattern[str] = field(repr=False, compare=False, default=re.compile("(?!)"))
    named_re: re.Pattern[str] = field(repr=False, compare=False, default=re.compile("(?!)"))
    hedges_re: re.Pattern[str] = field(repr=False, compare=False, default=re.compile("(?!)"))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Lexicon:
        try:
            lists = {
                k: tuple(str(x) for x in d[k])
                for k in ("loaded", "sectarian", "anonymous", "named_cues", "hedges")
            }
            weights = {k: float(v) for k, v in d["weights"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"data/credibility.yaml: missing or bad entry ({exc!r})") from None

        def words(items: tuple[str, ...]) -> re.Pattern[str]:
            # entries are words or phrases; a trailing * allows any ending ("terrorist*")
            alts = sorted(
                (re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in items),
                key=len,
                reverse=True,
            )
            return (
                re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE) if alts else re.compile("(?!)")
            )

        def patterns(items: tuple[str, ...]) -> re.Pattern[str]:
            try:
                return re.compile("|".join(f"(?:{p})" for p in items)) if items else re.compile("(?!)")
            except re.error as exc:
                raise ModelError(f"data/credibility.yaml: bad pattern ({exc})") from None

        return cls(
            **lists,
            weights=weights,
            loaded_re=words(lists["loaded"]),
            sectarian_re=words(lists["sectarian"]),
            anonymous_re=patterns(lists["anonymous"]),
            named_re=patterns(lists["named_cues"]),
            hedges_re=words(lists["hedges"]),
        )


@functools.cache
def link_config() -> LinkConfig:
    return LinkConfig.from_dict(_load("corroboration.yaml"))


@functools.cache
def lexicon() -> Lexicon:
    return Lexicon.from_dict(_load("credibility.yaml"))

"""Corroboration: event linking across articles, cluster summaries, credibility, the
clusters CLI, and the measures (linking against gold pairs, AUC)."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitrep.corroborate import ClusterFilters, cluster, clusters, relink
from sitrep.corroborate.bench import synthetic_articles
from sitrep.corroborate.config import Lexicon, LinkConfig, _load, lexicon, link_config
from sitrep.corroborate.credibility import score, text_features
from sitrep.corroborate.matching import match, restates
from sitrep.corroborate.measure import auc, linking_scores, load_pairs, read_labels
from sitrep.corroborate.reports import (
    article_focus,
    cells_around,
    haversine_km,
    linking_place,
    out_of_context,
    report_from_event,
)
from sitrep.errors import InputError, ModelError, NotFound
from sitrep.record import SUB_EVENT_TYPES, ActorRef, Article, DateInterval, Event, Fatalities, Place, Span
from sitrep.store import open_store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CFG = link_config()

KHAN = (35.4406, 36.6503)  # Khan Shaykhun
KHAN_NEAR = (35.4450, 36.6600)  # ~1 km away
IDLIB = (35.9306, 36.6339)  # Idlib city, ~55 km north
ALEPPO = (36.2021, 37.1343)


def ev(
    eid: str = "e1",
    sub: str = "Air/drone strike",
    day: str | None = "2017-04-04",
    where: tuple[float, float] | None = KHAN,
    name: str = "Khan Shaykhun",
    precision: int = 1,
    total: int | None = None,
    actor1: str | None = None,
    actor2: str | None = None,
    headline: bool = True,
    background: bool = False,
    modality: str = "asserted",
    gid: int | None = None,
    end: str | None = None,
    evidence: str | None = None,
    date_text: str = "on Tuesday",
) -> Event:
    return Event(
        id=eid,
        event_type=SUB_EVENT_TYPES[sub],
        sub_event_type=sub,
        evidence=Span(evidence or f"{sub} in {name} killed {total}", 0, 10),
        headline=headline,
        date=None if day is None else DateInterval(day, end or day, "day" if not end else "range", date_text),
        location=None
        if where is None
        else Place(name, 0, 5, gid, name, "SY", None, where[0], where[1], geo_precision=precision),
        actor1=ActorRef(None, actor1) if actor1 else None,
        actor2=ActorRef(None, actor2) if actor2 else None,
        fatalities=Fatalities(total=total),
        background=background,
        modality=modality,
    )


def art(
    aid: str, source: str | None, events: list[Event], published: str = "2017-04-04", text: str = ""
) -> Article:
    a = Article(text=text or f"Article {aid}: a report.", id=aid, source=source, published=published)
    a.events = events
    return a


def rep(e: Event, aid: str = "a", source: str = "s", published: str = "2017-04-04"):
    return report_from_event(e.to_dict(), article_id=aid, source=source, published=published)


@pytest.fixture()
def store(tmp_path: Path):
    s = open_store(tmp_path / "c.db")
    yield s
    s.close()


def clusters_of(store, aid: str) -> set[str]:
    return {
        r["cluster_id"]
        for r in store.query("SELECT cluster_id FROM cluster_reports WHERE article_id = ?", (aid,))
    }


# -- configuration and data files -------------------------------------------------------


def test_data_files_load():
    cfg = link_config()
    assert cfg.radius_km[1] < cfg.radius_km[2] < cfg.radius_km[3]
    assert abs(sum(cfg.weights.values()) - 1) < 1e-9
    lex = lexicon()
    assert lex.loaded_re.search("Terrorists shelled the town")
    assert lex.sectarian_re.search("the Takfiri gangs")
    assert not lex.loaded_re.search("the army shelled the town")
    assert lex.anonymous_re.search("a military source said the strike")
    assert lex.named_re.search("the Syrian Observatory for Human Rights said")


def test_bad_config_is_a_model_error():
    d = _load("corroboration.yaml")
    with pytest.raises(ModelError):
        LinkConfig.from_dict({k: v for k, v in d.items() if k != "weights"})
    with pytest.raises(ModelError):
        LinkConfig.from_dict({**d, "weights": {"type": 0.9, "place": 0.9, "date": 0, "actors": 0, "toll": 0}})
    lx = _load("credibility.yaml")
    with pytest.raises(ModelError):
        Lexicon.from_dict({**lx, "anonymous": ["(unclosed"]})


# -- matching two reports --------------------------------------------------------------------


def test_same_event_two_spellings_and_types_match():
    a = rep(ev(sub="Chemical weapon", total=58, actor1="Syrian government"), "a1", "reuters")
    b = rep(ev(where=KHAN_NEAR, name="Khan Sheikhun", total=72, actor1="Syrian government"), "a2", "afp")
    m = match(a, b, CFG)
    assert m is not None and m.score >= CFG.threshold
    assert m.distance_km < 2


def test_far_apart_places_do_not_match():
    assert match(rep(ev()), rep(ev(where=ALEPPO, name="Aleppo")), CFG) is None


def test_region_level_report_reaches_town_in_it():
    town = rep(ev())
    region = rep(ev(where=IDLIB, name="Idlib Governorate", precision=3))
    m = match(town, region, CFG)
    assert m is not None and m.place < 1.0
    # but a town-level report 55 km away is another town
    assert match(town, rep(ev(where=IDLIB, name="Idlib", precision=1)), CFG) is None


def test_dates_must_overlap_within_slack():
    a = rep(ev(day="2017-04-04"))
    assert match(a, rep(ev(day="2017-04-05")), CFG) is not None  # a day apart: next-day report
    assert match(a, rep(ev(day="2017-04-09")), CFG) is None
    assert match(a, rep(ev(day="2017-04-01", end="2017-04-30")), CFG) is not None


def test_incompatible_types_do_not_match():
    assert match(rep(ev(sub="Air/drone strike")), rep(ev(sub="Peaceful protest")), CFG) is None


def test_conflicting_perpetrators_still_match_but_score_lower():
    a = rep(ev(actor1="Syrian government", total=20))
    same = match(a, rep(ev(actor1="Syrian government", total=20)), CFG)
    other = match(a, rep(ev(actor1="Islamic State", total=20)), CFG)
    assert same is not None and other is not None
    assert other.score < same.score and other.actors < same.actors


def test_battle_sides_in_either_order():
    a = rep(ev(sub="Armed clash", actor1="SDF", actor2="Islamic State"))
    b = rep(ev(sub="Armed clash", actor1="Islamic State", actor2="SDF"))
    m = match(a, b, CFG)
    assert m is not None and m.actors == 1.0


def test_reports_without_place_or_date_or_of_plans_are_not_linkable():
    assert not rep(ev(where=None)).linkable(CFG)
    assert not rep(ev(day=None), published="").linkable(CFG)
    assert not rep(ev(modality="planned")).linkable(CFG)
    assert not rep(ev(sub="Diplomatic event")).linkable(CFG)
    # an undated current report is dated by its article (the day of publication or before)
    r = rep(ev(day=None), published="2017-04-05")
    assert r.linkable(CFG) and r.day_end == r.day_start + 1
    # an undated background report is not
    assert not rep(ev(day=None, background=True), published="2017-04-05").linkable(CFG)
    # a date no words gave (the publication day as a fallback) is not a resolved day
    r = rep(ev(day="2017-04-05", date_text=""), published="2017-04-05")
    assert not r.day_precise and r.day_end - r.day_start == 1


def test_bad_values_in_records_do_not_break_reports():
    d = ev().to_dict()
    d["location"]["lat"] = "north"
    d["date"] = {"start": "not a date", "end": None, "precision": "day"}
    d["fatalities"] = {"total": "many", "civilians": -3}
    r = report_from_event(d, article_id="x", source=None, published=None)
    assert r.lat is None and r.day_start is None and r.toll is None and not r.linkable(CFG)


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-60, 60),
    lon=st.floats(-179, 179),
    bearing=st.floats(0, 2 * math.pi),
    frac=st.floats(0, 0.99),
    p1=st.sampled_from([1, 2, 3]),
    p2=st.sampled_from([1, 2, 3]),
)
def test_index_cells_meet_for_every_pair_in_reach(lat, lon, bearing, frac, p1, p2):
    """Two points within the larger radius always share an index cell (one's disk cells
    contain the other's point) - so the index never hides a linkable candidate."""
    r1, r2 = CFG.radius_km[p1], CFG.radius_km[p2]
    d = frac * max(r1, r2)
    lat2 = lat + d / 111.2 * math.cos(bearing)
    lon2 = lon + d / (111.2 * math.cos(math.radians(lat))) * math.sin(bearing)
    lon2 = (lon2 + 180) % 360 - 180
    if haversine_km(lat, lon, lat2, lon2) > max(r1, r2):
        return
    own1 = cells_around(lat, lon, 0, CFG.cell_degrees)
    own2 = cells_around(lat2, lon2, 0, CFG.cell_degrees)
    disk1 = cells_around(lat, lon, r1, CFG.cell_degrees)
    disk2 = cells_around(lat2, lon2, r2, CFG.cell_degrees)
    assert set(own2) & set(disk1) or set(own1) & set(disk2)


# -- linking in the store ------------------------------------------------------------------


def test_reports_of_one_event_join_one_cluster(store):
    store.add(art("a1", "reuters", [ev(sub="Chemical weapon", total=58, actor1="Syrian government", gid=1)]))
    store.add(
        art("a2", "afp", [ev(where=KHAN_NEAR, name="Khan Sheikhun", total=72, actor1="Syrian government")])
    )
    store.add(
        art("a3", "sana", [ev(where=IDLIB, name="Idlib", precision=3, actor1="terrorists")], "2017-04-05")
    )
    store.add(art("a4", "x", [ev(sub="Armed clash", where=ALEPPO, name="Aleppo", total=3)], "2017-04-05"))
    assert clusters_of(store, "a1") == clusters_of(store, "a2") == clusters_of(store, "a3")
    assert not clusters_of(store, "a4") & clusters_of(store, "a1")
    (big,) = list(clusters(store, min_sources=2))
    assert big["n_reports"] == 3 and big["sources"] == ["afp", "reuters", "sana"]
    assert big["location"]["name"] in ("Khan Shaykhun", "Khan Sheikhun")  # the most precise place
    assert big["fatalities"] == {"min": 58, "max": 72, "median": 65.0, "spread": 0.194}
    assert "perpetrator" in big["conflict"] and "toll" in big["agree"]
    perp = {v["value"]: v["sources"] for v in big["details"]["perpetrator"]["values"]}
    assert perp == {"Syrian government": ["afp", "reuters"], "terrorists": ["sana"]}
    assert big["first_report"] == "2017-04-04" and big["last_report"] == "2017-04-05"


def test_events_of_one_article_do_not_corroborate_each_other(store):
    # two accounts of one event in one article share its cluster, as one article
    store.add(art("a1", "x", [ev("e1", total=5), ev("e2", total=5, headline=False)]))
    rows = list(store.query("SELECT event_id, cluster_id FROM cluster_reports WHERE article_id = 'a1'"))
    assert len({r["cluster_id"] for r in rows}) == 1
    (c,) = list(clusters(store))
    assert c["n_reports"] == 2 and c["n_articles"] == 1 and c["n_sources"] == 1
    cred = {a["id"]: a["credibility"] for a in store.articles()}
    assert not any("independent source(s)" in r and "agrees" in r for r in cred["a1"]["reasons"])
    # two events the article tells apart (two days) stay two
    store.add(art("a2", "x", [ev("e1", total=5), ev("e2", day="2017-04-06", total=5, headline=False)]))
    rows = list(store.query("SELECT event_id, cluster_id FROM cluster_reports WHERE article_id = 'a2'"))
    assert len({r["cluster_id"] for r in rows}) == 2


def test_background_event_links_to_the_past_not_today(store):
    store.add(
        art(
            "old",
            "reuters",
            [ev(sub="Chemical weapon", day="2013-08-21", where=(33.52, 36.35), name="Ghouta", total=1400)],
            "2013-08-21",
        )
    )
    store.add(
        art(
            "today",
            "afp",
            [ev(sub="Chemical weapon", day="2017-04-04", where=(33.52, 36.35), name="Ghouta", total=10)],
            "2017-04-04",
        )
    )
    recall = art(
        "recall",
        "ahram",
        [
            ev("e1", sub="Chemical weapon", day="2017-04-04", where=(33.52, 36.35), name="Ghouta", total=9),
            ev(
                "e2",
                sub="Chemical weapon",
                day="2013-08-21",
                where=(33.52, 36.35),
                name="Ghouta",
                total=1400,
                background=True,
                headline=False,
            ),
        ],
        "2017-04-05",
    )
    store.add(recall)
    c_old, c_today = clusters_of(store, "old"), clusters_of(store, "today")
    by_event = {
        r["event_id"]: r["cluster_id"]
        for r in store.query("SELECT * FROM cluster_reports WHERE article_id='recall'")
    }
    assert {by_event["e2"]} == c_old and {by_event["e1"]} == c_today
    past = cluster(store, next(iter(c_old)))
    assert past["n_reports"] == 2 and not past["background"]  # one fresh report, one recalled


def test_broad_background_date_links_only_when_unambiguous(store):
    for i, day in enumerate(("2014-03-02", "2014-09-20")):
        store.add(art(f"s{i}", f"o{i}", [ev(day=day, total=10 + i)], day))
    store.add(art("r", "z", [ev(day="2014-01-01", end="2014-12-31", background=True)], "2017-01-01"))
    assert len(clusters_of(store, "r") & (clusters_of(store, "s0") | clusters_of(store, "s1"))) == 0


def test_updating_an_article_relinks_and_cleans_up(store):
    store.add(art("a1", "reuters", [ev(total=58)]))
    store.add(art("a2", "afp", [ev(total=60)]))
    (c,) = clusters_of(store, "a1")
    assert cluster(store, c)["n_reports"] == 2
    # a2 comes again with new text: now it reports a clash in Aleppo
    store.add(art("a2", "afp", [ev(sub="Armed clash", where=ALEPPO, name="Aleppo")], text="A new version."))
    assert cluster(store, c)["n_reports"] == 1
    assert clusters_of(store, "a2") and not clusters_of(store, "a2") & {c}
    orphans = store.scalar(
        "SELECT COUNT(*) FROM clusters k WHERE NOT EXISTS (SELECT 1 FROM cluster_reports r WHERE r.cluster_id = k.id)"
    )
    assert orphans == 0


def test_same_content_twice_is_linked_once(store):
    a = art("a1", "x", [ev(total=3)])
    store.add(a)
    assert store.add(art("a1", "x", [ev(total=3)])).outcome == "unchanged"
    assert store.scalar("SELECT COUNT(*) FROM cluster_reports") == 1


def test_relink_rebuilds_the_same_clusters(store):
    for a in synthetic_articles(150, seed=5):
        store.add(a)
    before = {
        (r["article_id"], r["event_id"]): r["cluster_id"]
        for r in store.query("SELECT * FROM cluster_reports")
    }
    groups_before = _partition(before)
    assert relink(store) == store.scalar("SELECT COUNT(*) FROM articles")
    after = {
        (r["article_id"], r["event_id"]): r["cluster_id"]
        for r in store.query("SELECT * FROM cluster_reports")
    }
    assert set(after) == set(before)
    # incremental linking runs in arrival order, relink in publication order: nearly the same partition
    same = len(groups_before & _partition(after)) / len(groups_before)
    assert same > 0.9
    assert store.scalar("SELECT COUNT(*) FROM clusters") == len(set(after.values()))


def _partition(assign: dict) -> set[frozenset]:
    groups: dict[str, set] = {}
    for k, c in assign.items():
        groups.setdefault(c, set()).add(k)
    return {frozenset(g) for g in groups.values()}


def test_cluster_filters(store):
    store.add(art("a1", "reuters", [ev(total=58)]))
    store.add(art("a2", "afp", [ev(total=60)]))
    store.add(
        art("a3", "afp", [ev(sub="Armed clash", where=ALEPPO, name="Aleppo", day="2016-01-01")], "2016-01-02")
    )
    assert len(list(clusters(store))) == 2
    assert len(list(clusters(store, min_sources=2))) == 1
    assert len(list(clusters(store, type="Battles"))) == 1
    assert len(list(clusters(store, since="2017-01-01"))) == 1
    assert len(list(clusters(store, bbox=(37.0, 36.0, 37.3, 36.3)))) == 1
    assert len(list(clusters(store, article="a3"))) == 1
    assert len(list(clusters(store, ClusterFilters(limit=1, offset=1)))) == 1
    assert len(list(clusters(store, conflict=True))) == 0
    with pytest.raises(NotFound):
        cluster(store, "nope")


def test_index_lookup_uses_the_index(store):
    plan = " ".join(
        str(r)
        for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT article_id, event_id FROM cluster_cells WHERE level = ? AND cell IN (?, ?) "
            "AND day_start >= ? AND day_start <= ? AND day_end >= ?",
            (0, 1, 2, 3, 4, 5),
        )
    )
    assert "cluster_cells_lookup" in plan


def test_adding_an_article_to_a_big_store_costs_milliseconds(tmp_path):
    """Linking cost must not grow with the store: the per-article time on a store 10x
    larger stays within a small factor (the absolute figure for 100,000 events is in
    docs/corroboration.md, from `python -m sitrep.corroborate.bench`)."""

    def per_article(n_events: int) -> float:
        with open_store(tmp_path / f"b{n_events}.db") as s:
            for _ in s.add_many(synthetic_articles(n_events, seed=3), batch=500):
                pass
            probes = list(synthetic_articles(90, seed=4))
            for a in probes:
                a.id = f"probe-{a.id}"
            t = time.perf_counter()
            for a in probes:
                s.add(a)
            return (time.perf_counter() - t) / len(probes)

    small, big = per_article(600), per_article(6000)
    assert big < 0.25  # seconds: a generous bound for loaded CI machines
    assert big < 4 * small + 0.01


# -- credibility ------------------------------------------------------------------------


def test_credibility_reflects_agreement_and_conflict(store):
    text = "The Syrian Observatory for Human Rights said the strike killed 58."
    store.add(art("a1", "reuters", [ev(total=58, actor1="Syrian government")], text=text + " a1"))
    store.add(art("a2", "afp", [ev(total=60, actor1="Syrian government")], text=text + " a2"))
    store.add(art("a3", "bbc", [ev(total=57, actor1="Syrian government")], text=text + " a3"))
    store.add(art("liar", "zzz", [ev(total=400, actor1="Islamic State")], text=text + " liar"))
    cred = {a["id"]: a["credibility"] for a in store.articles()}
    assert all(0 <= c["score"] <= 1 and c["reasons"] for c in cred.values())
    assert cred["liar"]["score"] < min(cred[x]["score"] for x in ("a1", "a2", "a3"))
    assert any("contradicted" in r for r in cred["liar"]["reasons"])
    assert any("agrees" in r for r in cred["a1"]["reasons"])
    # the full record carries it too
    assert store.article("liar")["credibility"]["score"] == cred["liar"]["score"]
    assert next(store.articles(full=True))["credibility"]["score"] is not None


def test_credibility_never_reads_the_outlet_name(store):
    store.add(art("a1", "Reuters", [ev(total=10)], text="Activists said rockets hit."))
    store.add(
        art(
            "b1",
            "Totally Unknown Blog",
            [ev(where=ALEPPO, name="Aleppo", total=10)],
            text="Activists said rockets hit!",
        )
    )
    scores = {a["id"]: a["credibility"]["score"] for a in store.articles()}
    assert scores["a1"] == scores["b1"]


def test_copies_of_one_wire_story_are_not_independent(store):
    sentence = "A suspected gas attack believed to be by Syrian government jets killed at least 58 people including 11 children in Idlib"
    store.add(art("w1", "ahram", [ev(total=58, evidence=sentence)]))
    store.add(art("w2", "jordantimes", [ev(total=58, evidence=sentence)]))
    cred = {a["id"]: a["credibility"] for a in store.articles()}
    assert any("no other independent source" in r for r in cred["w1"]["reasons"])


def test_text_features_sourcing_and_language():
    named = text_features(
        {"text": "The Syrian Observatory for Human Rights said 12 died. According to the UN, aid stopped."}
    )
    anon = text_features(
        {"text": "A military source said 12 terrorists were killed, a source who declined to be named added."}
    )
    none = text_features(
        {"text": "Twelve died in the massacre by the criminal regime and its Takfiri mercenaries."}
    )
    assert named["named"] >= 2 and named["anonymous"] == 0
    assert anon["anonymous"] >= 2 and anon["named"] == 0 and anon["loaded"] == {"terrorists": 1}
    assert none["named"] == none["anonymous"] == 0
    assert set(none["loaded"]) >= {"massacre", "criminal regime", "mercenaries"} and none["sectarian"] == {
        "takfiri": 1
    }
    s_named, s_anon, s_none = (score(f, {}) for f in (named, anon, none))
    assert s_named["score"] > s_anon["score"] > s_none["score"]
    assert any("sectarian" in r for r in s_none["reasons"])
    # claims from the claims stage count as sources
    with_claims = text_features(
        {
            "text": "It happened.",
            "claims": [{"claimant": {"name": "SOHR"}}, {"claimant": {"name": "a source"}}],
        }
    )
    assert with_claims["named"] == 1 and with_claims["anonymous"] == 1


def test_credibility_of_empty_or_odd_records():
    f = text_features({"text": ""})
    s = score(f, {})
    assert 0 <= s["score"] <= 1
    f = text_features({})
    assert f["words"] == 0


# -- measures --------------------------------------------------------------------------------


def test_auc():
    assert auc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 1.0
    assert auc([0.1, 0.2, 0.8, 0.9], [True, True, False, False]) == 0.0
    assert auc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5
    assert auc([0.5, 0.7], [True, True]) is None


def test_linking_scores_on_pairs(store, tmp_path):
    store.add(art("a1", "reuters", [ev(total=58)]))
    store.add(art("a2", "afp", [ev(total=60)]))
    store.add(art("a3", "x", [ev(where=ALEPPO, name="Aleppo")]))
    p = tmp_path / "pairs.csv"
    with open(p, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["article_a", "article_b", "same_event", "relation", "note"])
        w.writerows(
            [
                ["a1", "a2", 1, "report", ""],
                ["a1", "a3", 0, "different", ""],
                ["a2", "a3", 1, "report", "missed"],
            ]
        )
    r = linking_scores(store, load_pairs(p))
    assert (r["tp"], r["fp"], r["fn"], r["tn"]) == (1, 0, 1, 1)
    assert r["precision"] == 1.0 and r["recall"] == 0.5


def test_measure_inputs_fail_cleanly(tmp_path):
    with pytest.raises(InputError):
        load_pairs(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n")
    with pytest.raises(InputError):
        load_pairs(bad)
    lab = tmp_path / "l.jsonl"
    lab.write_text('{"id": "1"}\n')
    with pytest.raises(InputError):
        read_labels(lab)


# -- the CLI -----------------------------------------------------------------------------------


def sitrep(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from sitrep.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ},
    )


@pytest.fixture()
def db(tmp_path: Path) -> str:
    path = tmp_path / "cli.db"
    with open_store(path) as s:
        s.add(art("a1", "reuters", [ev(total=58, actor1="Syrian government")]))
        s.add(art("a2", "afp", [ev(total=72, actor1="Syrian government")]))
        s.add(art("a3", "x", [ev(where=None)]))
    return str(path)


def test_cli_clusters_formats(db):
    r = sitrep("clusters", "--db", db, "--min-sources", "2")
    assert r.returncode == 0, r.stderr
    (c,) = [json.loads(line) for line in r.stdout.splitlines()]
    assert c["n_sources"] == 2
    r = sitrep("clusters", "--db", db, "-f", "csv")
    rows = list(csv.DictReader(r.stdout.splitlines()))
    assert len(rows) == 2 and {"cluster_id", "fatalities_min", "conflict", "sources"} <= set(rows[0])
    r = sitrep("clusters", "--db", db, "-f", "geojson")
    fc = json.loads(r.stdout)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 1  # the place-less one has no point
    r = sitrep("clusters", "--db", db, "-f", "json", "--id", c["id"])
    assert json.loads(r.stdout)["id"] == c["id"]
    r = sitrep("clusters", "--db", db, "--relink", "-f", "json")
    assert r.returncode == 0 and "relinked 3 articles" in r.stderr and len(json.loads(r.stdout)) == 2
    r = sitrep("articles", "--db", db)
    assert all(json.loads(line)["credibility"]["score"] is not None for line in r.stdout.splitlines())


def test_cli_clusters_errors(db, tmp_path):
    r = sitrep("clusters", "--db", db, "--id", "nope")
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and "no cluster" in r.stderr
    r = sitrep("clusters", "--db", db, "--bbox", "1,2,3")
    assert r.returncode == 2 and "bbox" in r.stderr
    r = sitrep("clusters", "--db", str(tmp_path / "no" / "such.db"))
    assert r.returncode == 1 and "Traceback" not in r.stderr


# -- the gold pairs (the project's own annotation) -----------------------------------------


def test_gold_pairs_are_well_formed():
    pairs = load_pairs(ROOT / "eval" / "gold" / "fakes_pairs.csv")
    assert sum(p.same for p in pairs) >= 60 and sum(not p.same for p in pairs) >= 30
    assert len({(p.a, p.b) for p in pairs}) == len(pairs)
    assert all(p.a < p.b for p in pairs)
    assert {p.relation for p in pairs} <= {"report", "copy", "background", "different"}
    assert all((p.relation == "different") == (not p.same) for p in pairs)


@pytest.mark.skipif(not (SHARED / "data" / "fakes" / "dev.jsonl").exists(), reason="../shared/data is absent")
def test_gold_pairs_name_fakes_dev_articles():
    ids = {row[0] for row in read_labels(SHARED / "data" / "fakes" / "dev.jsonl")}
    pairs = load_pairs(ROOT / "eval" / "gold" / "fakes_pairs.csv")
    assert all(p.a in ids and p.b in ids for p in pairs)


def test_rising_toll_and_denial_in_cluster_details(store):
    store.add(art("a1", "o1", [ev(total=20)], "2017-04-04"))
    store.add(art("a2", "o2", [ev(total=58)], "2017-04-05"))
    store.add(art("a3", "o3", [ev(total=86)], "2017-04-06"))
    store.add(art("a4", "o4", [ev(modality="denied", actor1="Syrian government")], "2017-04-05"))
    (c,) = [c for c in clusters(store) if c["n_reports"] > 1]
    assert c["n_reports"] == 4
    assert c["details"]["toll"]["status"] == "conflict" and c["details"]["toll"]["trend"] == "rising"
    assert c["details"]["denial"]["values"][0]["sources"] == ["o4"]
    assert "denial" in c["conflict"]
    assert [r["article_id"] for r in c["reports"]] == ["a1", "a2", "a4", "a3"]  # in order of publication


def _city(e: Event, population: int) -> Event:
    assert e.location is not None
    e.location.population = population
    return e


def test_next_day_shelling_of_a_big_city_is_another_event(store):
    aleppo = dict(sub="Shelling/artillery/missile attack", where=ALEPPO, name="Aleppo", gid=170063)
    store.add(art("d1", "sana", [_city(ev(day="2016-11-27", total=1, **aleppo), 1_800_000)], "2016-11-27"))
    store.add(art("d2", "manar", [_city(ev(day="2016-11-28", total=7, **aleppo), 1_800_000)], "2016-11-28"))
    assert not clusters_of(store, "d1") & clusters_of(store, "d2")
    # the same toll from a small town a day apart (time zones, a late report) is one event
    qardaha = dict(sub="Suicide bomb", where=(35.4468, 36.0585), name="Qardaha", gid=170000)
    store.add(art("q1", "sputnik", [_city(ev(day="2015-02-21", total=4, **qardaha), 9000)], "2015-02-21"))
    store.add(art("q2", "nna", [_city(ev(day="2015-02-22", total=4, **qardaha), 9000)], "2015-02-22"))
    assert clusters_of(store, "q1") == clusters_of(store, "q2")


def test_reports_of_days_that_do_not_overlap_in_a_big_city_do_not_match():
    aleppo = dict(sub="Shelling/artillery/missile attack", where=ALEPPO, name="Aleppo", gid=170063)
    # a resolved Friday against an article of Sunday whose words give no day (Saturday or Sunday)
    friday = rep(_city(ev(day="2016-08-12", total=2, **aleppo), 1_800_000), published="2016-08-12")
    sunday = rep(
        _city(ev(day="2016-08-14", date_text="", total=1, **aleppo), 1_800_000), published="2016-08-14"
    )
    assert not sunday.day_precise and match(friday, sunday, CFG) is None
    # in a town the two may still be one event reported late
    town = dict(sub="Suicide bomb", where=(35.4468, 36.0585), name="Qardaha", gid=170000)
    a = rep(_city(ev(day="2015-02-20", total=4, **town), 9000), published="2015-02-20")
    b = rep(_city(ev(day="2015-02-22", date_text="", total=4, **town), 9000), published="2015-02-22")
    assert match(a, b, CFG) is not None


def test_cli_hints_relink_on_a_store_filled_without_linking(tmp_path):
    path = tmp_path / "old.db"
    with open_store(path) as s:
        s.corroborate = False  # as a store filled before corroboration existed
        s.add(art("a1", "reuters", [ev(total=5)]))
    r = sitrep("clusters", "--db", str(path))
    assert r.returncode == 0 and r.stdout == "" and "--relink" in r.stderr
    r = sitrep("clusters", "--db", str(path), "--relink")
    assert len(r.stdout.splitlines()) == 1


def _place(
    name: str, where: tuple[float, float], start: int, country: str = "SY", feature: str = "populated place"
) -> Place:
    return Place(
        name, start, start + len(name), None, name, country, None, where[0], where[1], feature=feature
    )


def test_event_placed_only_in_a_country_links_through_the_article_focus(store):
    store.add(art("town", "reuters", [ev(sub="Chemical weapon", total=58)]))
    vague = art("vague", "arabiya", [ev(sub="Chemical weapon", where=(35.0, 38.0), name="Syria", total=58)])
    vague.events[0].location.feature = "country"  # type: ignore[union-attr]
    vague.places = [
        _place("Khan Shaykhun", KHAN, 10),
        _place("Khan Shaykhun", KHAN, 90),
        _place("Syria", (35.0, 38.0), 40, feature="country"),
    ]
    store.add(vague)
    assert clusters_of(store, "town") == clusters_of(store, "vague")
    (c,) = clusters_of(store, "vague")
    # the cluster keeps the precise place; the vague report counts as region-level
    assert cluster(store, c)["location"]["geo_precision"] == 1
    # an event in another country is not moved to the article's Syrian town
    abroad = art("abroad", "x", [ev(sub="Chemical weapon", where=(55.75, 37.62), name="Russia", total=58)])
    abroad.events[0].location.country = "RU"  # type: ignore[union-attr]
    abroad.events[0].location.feature = "country"  # type: ignore[union-attr]
    abroad.places = [_place("Khan Shaykhun", KHAN, 10)]
    store.add(abroad)
    assert not clusters_of(store, "abroad") & clusters_of(store, "town")


def test_a_country_the_event_does_not_name_does_not_keep_it_from_the_focus():
    focus = {"name": "Damascus", "country": "SY", "lat": 33.51, "lon": 36.29, "geo_precision": 1}
    event = {
        "evidence": {
            "text": "The Council is seeking clarity on reports that 1300 people were killed.",
            "start": 100,
            "end": 170,
        },
        "mentions": [{"start": 100, "end": 170}],
        "location": {
            "name": "United States",
            "country": "US",
            "feature": "country",
            "start": 20,
            "lat": 39.8,
            "lon": -98.5,
        },
    }
    # the events stage took the article's most named country: the report goes to the focus
    assert linking_place(event, focus)["name"] == "Damascus"
    # a country the event's own sentence names is where the event was
    named = {**event, "location": {**event["location"], "start": 120}}
    assert linking_place(named, focus) is None


def test_article_focus_is_never_a_building():
    house = {
        "name": "White House",
        "country": "US",
        "feature_code": "BLDG",
        "lat": 38.9,
        "lon": -77.0,
        "geo_precision": 1,
    }
    damascus = {
        "name": "Damascus",
        "country": "SY",
        "feature_code": "PPLC",
        "lat": 33.5,
        "lon": 36.3,
        "geo_precision": 1,
    }
    record = {"places": [{**house, "start": 10}, {**house, "start": 50}, {**damascus, "start": 90}]}
    assert article_focus(record)["name"] == "Damascus"


def test_a_place_the_article_gives_no_context_for_is_not_where_the_event_was():
    homs = {
        "name": "Homs",
        "country": "SY",
        "feature_code": "PPL",
        "lat": 34.73,
        "lon": 36.71,
        "geo_precision": 1,
    }
    wadi = {
        "name": "Wadi",
        "country": "IN",
        "feature_code": "PPL",
        "lat": 20.0,
        "lon": 78.0,
        "geo_precision": 1,
    }
    syria = {
        "name": "Syria",
        "country": "SY",
        "feature_code": "PCLI",
        "lat": 35.0,
        "lon": 38.0,
        "feature": "country",
    }
    record = {
        "places": [
            {**homs, "start": 10},
            {**wadi, "start": 50},
            {**syria, "start": 90},
            {**homs, "start": 120},
        ]
    }
    focus = article_focus(record)
    assert focus["name"] == "Homs"
    # "Wadi al-Zahab district" read as a town in India, a country the article never names
    assert out_of_context(wadi, record, focus, CFG)
    moved = linking_place({"location": {**wadi, "start": 50}}, focus, record)
    assert moved["name"] == "Homs" and moved["geo_precision"] == 3
    # a town of a neighbouring country near the article's place is kept ...
    kilis = {
        "name": "Kilis",
        "country": "TR",
        "feature_code": "PPL",
        "lat": 34.9,
        "lon": 36.9,
        "geo_precision": 1,
    }
    assert not out_of_context(kilis, record, focus, CFG)
    assert linking_place({"location": {**kilis, "start": 60}}, focus, record) is None
    # ... and so is a far town of a country the article names
    named = {
        "places": [
            *record["places"],
            {"name": "India", "country": "IN", "feature_code": "PCLI", "start": 200},
        ]
    }
    assert not out_of_context(wadi, named, focus, CFG)
    # a misread place is never the article's focus, however often it is named
    damascus = {**homs, "name": "Damascus", "lat": 33.5, "lon": 36.3}
    twice = [{**wadi, "start": 1}, {**wadi, "start": 5}, {**homs, "start": 9}, {**syria, "start": 20}]
    assert article_focus({"places": [*twice, {**damascus, "start": 30}]})["name"] == "Homs"


def test_the_article_focus_is_not_a_place_it_only_recalls():
    aleppo = {
        "name": "Aleppo",
        "country": "SY",
        "feature_code": "PPL",
        "lat": 36.2,
        "lon": 37.1,
        "geo_precision": 1,
    }
    idlib = {
        "name": "Idlib",
        "country": "SY",
        "feature_code": "PPL",
        "lat": 35.9,
        "lon": 36.6,
        "geo_precision": 1,
    }
    record = {
        "places": [{**aleppo, "start": 50}, {**idlib, "start": 120}],
        # "the rebels had used the same chemical weapons in Aleppo last year"
        "events": [{"background": True, "evidence": {"start": 30, "end": 100}, "mentions": []}],
    }
    assert article_focus(record)["name"] == "Idlib"
    record["events"][0]["background"] = False
    assert article_focus(record)["name"] == "Aleppo"


def test_a_governorate_and_an_undated_day_link_on_the_same_big_toll():
    idlib = dict(where=IDLIB, name="Idlib Governorate", precision=3)
    dated = rep(ev(sub="Chemical weapon", total=58, **idlib), published="2017-04-04")  # "on Tuesday"
    undated = rep(
        ev(sub="Air/drone strike", day="2017-04-05", date_text="", total=58, **idlib), published="2017-04-05"
    )
    assert not undated.day_precise and match(dated, undated, CFG) is not None
    # a toll of a few says less: many strikes in a governorate kill three or four a day
    few = rep(ev(sub="Chemical weapon", total=4, **idlib), published="2017-04-04")
    few_undated = rep(ev(day="2017-04-05", date_text="", total=4, **idlib), published="2017-04-05")
    assert match(few, few_undated, CFG) is None
    # nor does a month: "more than 320000 killed since the conflict began in March 2011"
    month = dict(day="2011-03-01", end="2011-03-31", date_text="in March 2011", background=True)
    war = rep(
        ev(sub="Excessive force against protesters", total=320_000, **month, **idlib), published="2017-04-08"
    )
    war2 = rep(
        ev(sub="Excessive force against protesters", total=330_000, **month, **idlib), published="2017-11-02"
    )
    assert match(war, war2, CFG) is None


def test_an_article_that_tells_one_event_twice_keeps_both_accounts_in_one_cluster(store):
    gov = "Syrian government"
    headline = ev("e1", sub="Chemical weapon", total=58, actor1=gov)  # Khan Shaykhun, "on Tuesday"
    body = ev(
        "e2",
        sub="Chemical weapon",
        where=IDLIB,
        name="Idlib Governorate",
        precision=3,
        day="2017-04-05",
        date_text="",
        total=58,
        actor1=gov,
        headline=False,
    )  # "the gas attack on Idlib province", no date
    assert restates(rep(headline, published="2017-04-05"), rep(body, published="2017-04-05"), CFG)
    store.add(art("x", "asharq", [headline, body], "2017-04-05"))
    assert len(clusters_of(store, "x")) == 1
    # another outlet's report that matches only the town-level account joins at its full
    # score: the cluster's share counts articles, and "x" told the event twice
    other = rep(ev(where=KHAN_NEAR, total=20, actor1=gov), aid="y", published="2017-04-04")
    full = match(other, rep(headline, aid="x", published="2017-04-05"), CFG)
    assert match(other, rep(body, aid="x", published="2017-04-05"), CFG) is None
    store.add(art("y", "afp", [ev(where=KHAN_NEAR, total=20, actor1=gov)]))
    assert clusters_of(store, "y") == clusters_of(store, "x")
    (score,) = [r["score"] for r in store.query("SELECT score FROM cluster_reports WHERE article_id = 'y'")]
    assert score == full.score
    # an article telling of strikes "since Tuesday" and of Saturday's tells of two events
    week = ev(
        "e1",
        day="2016-11-15",
        end="2016-11-21",
        date_text="since Tuesday",
        where=ALEPPO,
        name="Aleppo",
        total=300,
    )
    saturday = ev(
        "e2", day="2016-11-19", date_text="on Saturday", where=ALEPPO, name="Aleppo", total=30, headline=False
    )
    assert not restates(rep(week, published="2016-11-21"), rep(saturday, published="2016-11-21"), CFG)
    # and one whose two reports blame different sides tells of two
    a = ev("e1", total=5, actor1="Syrian government")
    b = ev("e2", total=5, actor1="Islamic State", headline=False)
    assert not restates(rep(a), rep(b), CFG)


def test_a_vague_report_goes_with_the_account_it_restates(store):
    idlib = dict(where=IDLIB, name="Idlib Governorate", precision=3, total=58)
    store.add(art("y", "sana", [ev(sub="Shelling/artillery/missile attack", **idlib)]))
    store.add(art("z", "afp", [ev(sub="Chemical weapon", where=KHAN_NEAR, name="Khan Sheikhun", total=58)]))
    assert not clusters_of(store, "y") & clusters_of(store, "z")
    # the article's governorate-level "air strikes" restate its own Khan Shaykhun attack: they
    # go to that cluster, though the shelling of the governorate scores a little higher
    x = art("x", "reuters", [ev("e1", sub="Chemical weapon", total=58), ev("e2", headline=False, **idlib)])
    x_reports = [rep(e, aid="x") for e in x.events]
    assert restates(x_reports[0], x_reports[1], CFG)
    y_report = rep(ev(sub="Shelling/artillery/missile attack", **idlib), aid="y")
    assert match(x_reports[1], y_report, CFG).score > match(x_reports[1], x_reports[0], CFG).score
    store.add(x)
    assert clusters_of(store, "x") == clusters_of(store, "z")


def test_a_precise_report_bridges_two_groups_of_one_event(store):
    hasakeh = dict(sub="Suicide bomb", where=(36.5024, 40.7477), name="Al Hasakah", gid=173895)
    store.add(art("a", "alaraby", [ev(day="2016-07-05", actor1="SDF", **hasakeh)], "2016-07-05"))
    store.add(
        art(
            "b",
            "trt",
            [ev(day="2016-07-01", end="2016-07-27", total=16, actor1="Asayish", **hasakeh)],
            "2016-07-27",
        )
    )
    assert not clusters_of(store, "a") & clusters_of(store, "b")  # too little in common
    store.add(art("c", "ahram", [ev(day="2016-07-05", total=16, actor1="Asayish", **hasakeh)], "2016-07-05"))
    assert clusters_of(store, "a") == clusters_of(store, "b") == clusters_of(store, "c")
    assert store.scalar("SELECT COUNT(*) FROM clusters") == 1


# -- the REST API ---------------------------------------------------------------------------


def test_api_lists_and_shows_clusters(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from jsonschema import Draft202012Validator

    from sitrep.service import create_app

    path = tmp_path / "api.db"
    with open_store(path) as s:
        s.add(art("a1", "reuters", [ev(total=58, actor1="Syrian government")]))
        s.add(art("a2", "afp", [ev(total=72, actor1="Islamic State")]))
        s.add(art("a3", "x", [ev(sub="Armed clash", where=ALEPPO, name="Aleppo", total=2)]))
    with TestClient(create_app(path, token=None, tiles=None)) as client:
        spec = client.get("/openapi.json").json()
        r = client.get("/api/clusters", params={"min_sources": 2})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == 1 and body["next"] is None
        (c,) = body["items"]
        assert c["n_sources"] == 2 and "perpetrator" in c["conflict"] and len(c["reports"]) == 2
        schema = spec["paths"]["/api/clusters"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        Draft202012Validator({**schema, "components": spec["components"]}).validate(body)
        r = client.get("/api/clusters", params={"limit": 1})
        assert r.json()["total"] == 2 and r.json()["next"] and len(r.json()["items"]) == 1
        assert client.get("/api/clusters", params={"article": "a3"}).json()["total"] == 1
        one = client.get(f"/api/clusters/{c['id']}")
        assert one.status_code == 200 and one.json()["id"] == c["id"]
        missing = client.get("/api/clusters/nope")
        assert missing.status_code == 404 and set(missing.json()) == {"error"}
        assert client.get("/api/clusters", params={"bbox": "1,2"}).status_code == 422
        assert client.get("/api/clusters", params={"type": "Nonsense"}).status_code == 422
        assert client.get("/api/clusters", params={"whatever": 1}).status_code == 422


# -- the web page -------------------------------------------------------------------------


def test_browser_article_view_shows_the_other_reports_side_by_side(tmp_path, monkeypatch):
    import test_web
    from selenium.webdriver.common.by import By

    def two_reports(path: Path) -> Path:
        with open_store(path) as s:
            s.add(
                art(
                    "w1",
                    "reuters",
                    [ev(total=58, actor1="Syrian government")],
                    text="Air strike on Khan Shaykhun killed 58.",
                )
            )
            s.add(
                art(
                    "w2",
                    "sana",
                    [ev(total=3, actor1="terrorists")],
                    text="Terrorists staged an attack, 3 died.",
                )
            )
        return path

    test_web._need_browser()
    monkeypatch.setattr(test_web, "build_store", two_reports)
    with test_web.serving(tmp_path) as base:
        browser_ctx = (
            test_web.browser.__wrapped__()
        )  # the fixture's generator, outside pytest's fixture machinery
        driver = next(browser_ctx)
        try:
            driver.get(f"{base}/#view=article&id=w1")
            tables = test_web._wait(
                driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".clusters .cluster table")
            )
            text = tables[0].text
            assert (
                "this article" in text
                and "sana" in text
                and "terrorists" in text
                and "Syrian government" in text
            )
            verdict = driver.find_element(By.CSS_SELECTOR, ".clusters .cluster .conflict").text
            assert "perpetrator" in verdict and "toll" in verdict
        finally:
            next(browser_ctx, None)


def test_two_different_towns_are_two_places(store):
    douma, harasta = (33.5711, 36.4056), (33.5587, 36.3652)  # ~4 km apart, two towns
    store.add(
        art(
            "d",
            "afp",
            [ev(sub="Shelling/artillery/missile attack", where=douma, name="Douma", gid=170592, total=11)],
        )
    )
    store.add(
        art(
            "h",
            "ap",
            [
                ev(
                    sub="Shelling/artillery/missile attack",
                    where=harasta,
                    name="Harasta",
                    gid=169897,
                    total=11,
                )
            ],
        )
    )
    assert not clusters_of(store, "d") & clusters_of(store, "h")
    # a neighbourhood inside a big city is the city's event
    aleppo = _city(ev(sub="Air/drone strike", where=ALEPPO, name="Aleppo", gid=170063, total=12), 1_800_000)
    sakhour = ev(sub="Air/drone strike", where=(36.2126, 37.1730), name="al-Sakhour", gid=9999, total=12)
    store.add(art("city", "reuters", [aleppo]))
    store.add(art("hood", "sana", [sakhour]))
    assert clusters_of(store, "city") == clusters_of(store, "hood")


# -- both backends -------------------------------------------------------------------------


def test_same_clusters_and_credibility_on_both_backends(store_target):
    """Linking, summaries, credibility, relinking and unlinking on SQLite and PostgreSQL
    (the same migration, the same queries): compared with an in-memory SQLite reference."""

    def state(s):
        groups: dict[str, set] = {}
        for r in s.query("SELECT article_id, event_id, cluster_id FROM cluster_reports"):
            groups.setdefault(r["cluster_id"], set()).add((r["article_id"], r["event_id"]))
        cred = {
            r["article_id"]: round(r["score"], 6)
            for r in s.query("SELECT article_id, score FROM credibility")
        }
        summaries = sorted(
            (
                c["n_reports"],
                c["n_sources"],
                tuple(c["conflict"]),
                c["fatalities"]["max"] if c["fatalities"] else None,
            )
            for c in clusters(s)
        )
        return {frozenset(g) for g in groups.values()}, cred, summaries

    articles = list(synthetic_articles(240, seed=9))
    with open_store(store_target) as s, open_store(":memory:") as ref:
        for a in articles:
            s.add(a)
            ref.add(a)
        assert state(s) == state(ref)
        changed = articles[3]
        changed.text += " updated"
        changed.events = changed.events[:1]
        for x in (s, ref):
            assert x.add(changed).outcome == "updated"
        assert state(s) == state(ref)
        assert relink(s) == relink(ref) == len(articles)
        assert state(s) == state(ref)
        assert next(s.articles())["credibility"]["score"] == next(ref.articles())["credibility"]["score"]


def test_cli_clusters_parquet(db, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="the parquet extra (pyarrow) is not installed")
    out = tmp_path / "c.parquet"
    with open(out, "wb") as f:
        r = subprocess.run(
            [
                sys.executable,
                "-c",
                "from sitrep.cli import main; main()",
                "clusters",
                "--db",
                db,
                "-f",
                "parquet",
            ],
            stdout=f,
            stderr=subprocess.PIPE,
            text=False,
        )
    assert r.returncode == 0, r.stderr
    table = pq.read_table(out)
    assert table.num_rows == 2 and str(table.schema.field("n_sources").type) == "int64"
    assert sorted(table.column("n_sources").to_pylist()) == [1, 2]

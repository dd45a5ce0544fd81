"""The places stage: recognition, guards, resolution in context, datelines, locate(), the
span API; the seed article; and (as an evaluation) the geoparsing dev corpora."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from sitrep.gazetteer import Gazetteer
from sitrep.gazetteer.dumps import import_files
from sitrep.ingest import article_from_text
from sitrep.language import LanguageStage, load_nlp
from sitrep.places import Geoparser, PlacesStage, article_focus, locate, resolve_spans
from sitrep.record import Article, Place


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.fixture(scope="module")
def stage() -> PlacesStage:
    return PlacesStage()


@pytest.fixture(scope="module")
def language() -> LanguageStage:
    return LanguageStage()


def analyse(text: str, language: LanguageStage, stage: PlacesStage, **fields) -> Article:
    article = article_from_text(text, **fields)
    return stage(language(article))


def by_mention(article: Article) -> dict[str, Place]:
    return {p.mention: p for p in article.places}


# --- the seed article ----------------------------------------------------------------------
def test_seed_places_resolve_to_the_towns_of_the_gold(seed_text, language, stage):
    a = analyse(seed_text, language, stage)
    places = by_mention(a)
    assert places["Raqqa"].geonameid == 172955
    assert places["Ain Issa"].geonameid == 172134
    assert places["Palmyra"].geonameid == 163808
    assert places["Raqqa"].admin1 == "Ar Raqqah" and places["Raqqa"].country == "SY"
    mentions = {p.mention for p in a.places}
    assert not mentions & {"Syrian", "Kurdish", "Russian", "Islamic State", "US"} - {"US"}
    for p in a.places:
        assert a.text[p.start : p.end] == p.mention
        assert 0.0 <= p.score <= 1.0 and p.geo_precision in (1, 2, 3)
    assert a.dateline and a.dateline["place"]["geonameid"] == 172955


# --- recognition and its guards -------------------------------------------------------------
def test_spacy_persons_that_are_places(language, stage):
    a = analyse("Thousands fled to Ain Issa. Fighters withdrew to Palmyra and al-Bab.", language, stage)
    assert {"Ain Issa", "Palmyra", "al-Bab"} <= set(by_mention(a))


def test_people_named_like_places_are_not_places(language, stage):
    a = analyse(
        "Reporters met President Lincoln. George Washington spoke. Mr. Jordan left. "
        "She lives on Memphis Street in Dallas.",
        language,
        stage,
    )
    mentions = set(by_mention(a))
    assert not mentions & {"Lincoln", "Washington", "Jordan", "Memphis"}
    assert "Dallas" in mentions


def test_demonyms_and_common_words_are_not_places(language, stage):
    a = analyse(
        "Syrian and Kurdish forces, backed by Russian jets, attacked. Even so, Mobile phones worked. "
        "The Turkish army entered Syria.",
        language,
        stage,
    )
    mentions = set(by_mention(a))
    assert not mentions & {"Syrian", "Kurdish", "Russian", "Turkish", "Even", "Mobile"}
    assert "Syria" in mentions


def test_abbreviations_match_only_as_written(language, stage):
    a = analyse(
        "The US and the UK said it would help us. Officials in Lexington, Ky. agreed.", language, stage
    )
    p = by_mention(a)
    assert p["US"].geonameid == 6252001 and p["UK"].country == "GB"
    assert "us" not in p
    assert p["Lexington"].admin1 == "Kentucky"


def test_transliterated_spellings_meet(language, stage):
    for spelling in ("Deir ez-Zor", "Dayr az Zawr", "Deir Ezzor", "Deir el-Zour"):
        a = analyse(f"Clashes broke out in {spelling} on Monday.", language, stage)
        (p,) = [x for x in a.places if x.mention == spelling]
        assert p.country == "SY" and abs(p.lat - 35.33) < 0.3, spelling


def test_offsets_are_exact_on_messy_text(language, stage):
    text = "BEIRUT: Shelling hit  Aleppo\u2019s east.\n\nIn Homs, (Syria) calm returned."
    a = analyse(text, language, stage)
    for p in a.places:
        assert a.text[p.start : p.end] == p.mention
    assert {"BEIRUT", "Aleppo", "Homs"} <= set(by_mention(a))


# --- resolution in context ------------------------------------------------------------------
def test_qualifier_picks_the_place_it_names(language, stage):
    a = analyse("He was born in Paris, Texas, and grew up in Springfield, Illinois.", language, stage)
    p = by_mention(a)
    assert p["Paris"].country == "US" and p["Paris"].admin1 == "Texas"
    assert p["Springfield"].admin1 == "Illinois"


def test_a_list_of_peers_is_not_a_qualified_name(language, stage):
    """ "Oklahoma, Pennsylvania" inside a list of states is two states, not the town of
    Oklahoma in Pennsylvania; "Paris, Texas" alone is still Paris in Texas."""
    a = by_mention(
        analyse(
            "Bee losses were reported in Georgia, Oklahoma, Pennsylvania, Wisconsin and California.",
            language,
            stage,
        )
    )
    for name in ("Oklahoma", "Pennsylvania", "Wisconsin", "California"):
        assert a[name].feature_code == "ADM1" and a[name].name == name, name
    b = by_mention(analyse("Officials in Paris, Texas, and in Athens said so.", language, stage))
    assert b["Paris"].admin1 == "Texas"


def test_a_qualifier_that_holds_no_candidate_leaves_the_place_out(language, stage):
    """ "Stroud, Ontario": no Stroud in Ontario is known, so the English town is surely not it."""
    a = by_mention(analyse("He was stopped on Highway 11 in Stroud, Ontario, Canada.", language, stage))
    assert "Stroud" not in a and a["Ontario"].feature_code == "ADM1"


def test_possessive_names_are_found_whole(language, stage):
    a = by_mention(
        analyse(
            "The Ministry of Health of the People's Republic of China reported cases near Rome's airport.",
            language,
            stage,
        )
    )
    assert a["People's Republic of China"].country == "CN" and "Republic of China" not in a
    assert a["Rome"].country == "IT"


def test_article_context_picks_the_local_place(language, stage):
    a = analyse(
        "Police in Alexandria arrested two men on Sunday. The Rapides Parish sheriff said "
        "Alexandria and Pineville officers worked together. Louisiana State Police helped.",
        language,
        stage,
    )
    p = by_mention(a)
    assert p["Alexandria"].country == "US" and p["Alexandria"].admin1 == "Louisiana"


def test_without_context_the_prominent_place_wins(language, stage):
    resolver = stage.parser.resolver
    floor, resolver.min_confidence = resolver.min_confidence, 0.0
    try:
        a = analyse("Talks were held in Paris and Alexandria.", language, stage)
    finally:
        resolver.min_confidence = floor
    p = by_mention(a)
    assert p["Paris"].country == "FR"
    assert p["Alexandria"].country == "EG"
    # twenty towns bear the name: without context the choice is less sure than Paris
    assert p["Alexandria"].score < p["Paris"].score


def test_one_sense_per_name(language, stage):
    a = analyse(
        "Springfield, Illinois, held a vote. Later Springfield officials counted the ballots.",
        language,
        stage,
    )
    ids = {p.geonameid for p in a.places if p.mention == "Springfield"}
    assert len(ids) == 1


def test_dateline_is_resolved_with_its_country(language, stage):
    a = analyse("TRIPOLI, Lebanon (Reuters) - Gunmen clashed in the city on Monday.", language, stage)
    assert a.dateline["mention"].startswith("TRIPOLI")
    assert a.dateline["place"]["country"] == "LB"
    b = analyse("TRIPOLI (Reuters) - Fighting in Libya's capital went on.", language, stage)
    assert b.dateline["place"]["country"] == "LY"


def test_a_list_closed_by_a_division_word_names_divisions(language, stage):
    """ "Becker, Clay and Douglas counties": each name is its county (found under the county's
    own name, even when spaCy calls it a person or it is a common word); a singular word names
    the one division; without such a word the town stays a town."""
    a = analyse(
        "Flooding closed roads in Becker, Clay, Douglas, Grant and Otter Tail counties in Minnesota.",
        language,
        stage,
    )
    p = by_mention(a)
    for name in ("Becker", "Clay", "Douglas", "Grant", "Otter Tail"):
        assert p[name].feature_code == "ADM2" and p[name].admin1 == "Minnesota", name
        assert p[name].name == f"{name} County"
    b = by_mention(
        analyse("Roofs collapsed in Harvey, Harper or Kingman counties, officials said.", language, stage)
    )
    assert {b[n].name for n in ("Harvey", "Harper", "Kingman")} == {
        "Harvey County",
        "Harper County",
        "Kingman County",
    }
    c = by_mention(
        analyse("Shelling hit Idlib province and Saraqib. Let me state it plainly.", language, stage)
    )
    assert c["Idlib"].feature_code == "ADM1" and "Me" not in c
    d = by_mention(analyse("A Douglas, Arizona man was hurt near Grant Park.", language, stage))
    assert d["Douglas"].feature_code == "PPL"


def test_doubtful_places_are_left_out(language, stage):
    """The confidence model: a name whose chosen place is more likely wrong than right (a
    common word or an organisation's name that only a far-off small town bears; the town of
    Atlantic, Iowa for the ocean) is left out; the score of a kept place is its probability."""
    resolver = stage.parser.resolver
    floor = resolver.min_confidence
    assert floor == 0.5
    texts = [
        "Members of the Bar met at the Reservoir Club in Dallas, Texas, on Monday.",
        "The Ridgeway Fire Department and Bunker Hill volunteers worked at the Gateway Mall in Dallas, Texas.",
        "Helicopters searched the North Atlantic. Crews joined the search in the Atlantic.",
    ]
    try:
        resolver.min_confidence = 0.0
        every = [by_mention(analyse(t, language, stage)) for t in texts]
    finally:
        resolver.min_confidence = floor
    kept = [by_mention(analyse(t, language, stage)) for t in texts]
    assert every[0]["Bar"].country == "ME" and every[0]["Bar"].score < floor
    assert every[1]["Bunker Hill"].admin1 == "Illinois" and every[1]["Bunker Hill"].score < floor
    assert every[2]["Atlantic"].admin1 == "Iowa" and every[2]["Atlantic"].score < floor
    assert "Bar" not in kept[0] and "Bunker Hill" not in kept[1] and "Atlantic" not in kept[2]
    for k in (0, 1):
        assert kept[k]["Dallas"].admin1 == "Texas" and kept[k]["Dallas"].score > 0.9
    assert {p.score for p in kept[0].values()} == {p.score for p in every[0].values() if p.score >= floor}


# --- locate ------------------------------------------------------------------------------------
def test_locate_picks_the_most_specific_place_of_the_sentence(seed_text, language, stage):
    a = analyse(seed_text, language, stage)
    s = a.text.index("more and more families are trying to escape to Ain Issa")
    place = locate(a, s, s + 60)
    assert place.geonameid == 172134 and place.geo_precision == 1
    text = "Fighting in Syria spread to Idlib province and to the town of Saraqib."
    b = analyse(text, language, stage)
    assert locate(b, 0, len(text)).name == "Saraqib"


def test_locate_near_a_town_and_fallback_to_the_focus(language, stage):
    text = "RAQQA, Syria - Clashes erupted near Tabqa on Monday. Many people died."
    a = analyse(text, language, stage)
    s = text.index("Clashes")
    near = locate(a, s, text.index("Many"))
    assert near.name.endswith("Thawrah") or "Tabqa" in near.mention
    assert near.geo_precision == 2
    later = locate(a, text.index("Many"), len(text))
    assert later.geonameid == 172955 and later.geo_precision in (2, 3)
    assert article_focus(a).geonameid == 172955
    text2 = "DAMASCUS, Syria - The Kremlin denied the reports."
    c = analyse(text2, language, stage)
    assert "Kremlin" in by_mention(c)
    assert locate(c, text2.index("The"), len(text2)).name == "Damascus"
    empty = Article(text="Nothing happened anywhere.")
    assert locate(empty, 0, 10) is None


# --- the API for users with their own recogniser ------------------------------------------
def test_resolve_spans():
    text = "Shelling hit Aleppo and Idlib; later Springfield, Illinois reported calm."
    spans = [
        (text.index("Aleppo"), text.index("Aleppo") + 6),
        (text.index("Springfield"), text.index("Springfield") + 11),
    ]
    ctx = [(text.index("Illinois"), text.index("Illinois") + 8)]
    aleppo, springfield = resolve_spans(text, spans, context=ctx)
    assert aleppo.country == "SY" and aleppo.mention == "Aleppo"
    assert springfield.admin1 == "Illinois"
    assert resolve_spans(text, [(5, 2), (0, 999), (0, 8)]) == [None, None, None]


# --- bad input ----------------------------------------------------------------------------------
def test_stage_without_a_doc_or_text_does_nothing(stage):
    a = Article(text="")
    assert stage(a).places == []
    b = Article(text="In Aleppo.")
    b._doc = None
    assert stage(b).places == []


def test_odd_text_does_not_break_recognition(nlp):
    gp = Geoparser()
    for text in [
        "",
        "-",
        "AL-",
        "al-",
        "'",
        "...",
        "A" * 5000,
        "Al - - Raqqa",
        "\u200b\u200bAleppo",
        "🇸🇾 Syria",
    ]:
        places, _ = gp.parse(text, nlp(text), None)
        for p in places:
            assert text[p.start : p.end] == p.mention
    places, dl = gp.parse("x", nlp("x"), "   ")
    assert dl is None


# --- a small gazetteer swapped in --------------------------------------------------------------
def test_a_small_gazetteer_can_be_swapped_in(tmp_path: Path, nlp):
    rows = [
        (1, "Springfield", "Springfield", "", 39.8, -89.64, "P", "PPLA", "US", "", "IL", "", "", "", 116000),
        (2, "Springfield", "Springfield", "", 37.2, -93.29, "P", "PPL", "US", "", "MO", "", "", "", 167000),
        (3, "Illinois", "Illinois", "Ill.", 40.0, -89.25, "A", "ADM1", "US", "", "IL", "", "", "", 12800000),
    ]
    lines = "".join("\t".join(map(str, r)) + "\t\t\tAmerica/Chicago\t2020-01-01\n" for r in rows)
    z = tmp_path / "US.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("US.txt", lines)
    path = tmp_path / "small.sqlite"
    import_files([z], path, replace=True)
    gp = Geoparser(Gazetteer(path))
    text = "Springfield, Illinois voted."
    places, _ = gp.parse(text, nlp(text), None)
    assert [p.geonameid for p in places] == [1, 3]
    text = "Springfield voted."
    places, _ = gp.parse(text, nlp(text), None)
    assert places[0].geonameid == 2  # the more populous without context


# --- speed ----------------------------------------------------------------------------------------
def test_places_stage_is_fast(seed_text, language, stage):
    article = language(article_from_text(seed_text))
    stage(article)  # warm the caches
    t = time.perf_counter()
    for _ in range(20):
        stage(article)
    per = (time.perf_counter() - t) / 20
    assert per < 0.05  # generous for shared CI machines; docs/places.md has the measured figure


# --- evaluation on the geoparsing dev corpora (../shared) ----------------------------------------
FLOORS = {"lgl": 0.69, "trnews": 0.77, "gwn": 0.66, "geovirus": 0.77}
ACC_FLOORS = {"lgl": 0.87, "trnews": 0.93, "gwn": 0.92, "geovirus": 0.85}


@pytest.fixture(scope="module")
def places_pipeline():
    from sitrep.pipeline import Pipeline

    return Pipeline(["language", "places"])


@pytest.mark.slow
@pytest.mark.parametrize("corpus", sorted(FLOORS))
def test_geo_dev_corpus_end_to_end(corpus: str, shared: Path, tmp_path: Path, places_pipeline):
    """Evaluation: the reference scorer on a dev corpus, the articles read as `sitrep analyze`
    reads JSON lines, through the language and places stages (floors pinned a little under
    the figures of docs/places.md)."""
    from sitrep.ingest import read_jsonl

    xml = shared / "data" / "geo" / f"{corpus}.dev.xml"
    scorer = shared / "eval" / "geo.py"
    inputs = subprocess.run(
        [sys.executable, str(scorer), "inputs", str(xml)], capture_output=True, check=True, text=True
    )
    import io

    articles = list(read_jsonl(io.StringIO(inputs.stdout), "in.jsonl"))
    out = tmp_path / "out.jsonl"
    with open(out, "w", encoding="utf-8") as f:
        for a in places_pipeline.map(articles):
            for p in a.places:
                assert a.text[p.start : p.end] == p.mention
            f.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")
    score = subprocess.run(
        [sys.executable, str(scorer), "score", str(xml), str(out)], capture_output=True, text=True
    )
    figures = dict(kv.split("=") for kv in score.stdout.split() if "=" in kv)
    assert float(figures["recall161"]) >= FLOORS[corpus], score.stdout
    assert float(figures["acc161"]) >= ACC_FLOORS[corpus], score.stdout


# --- the ranker's training and cross-validation (sitrep.place_ranker) ---------------------------
def _corpus(tmp_path: Path, articles: list[tuple[str, list[tuple[str, float, float, int | None]]]]) -> Path:
    """A geo corpus in LGL's layout: (text, [(toponym, lat, lon, geonameid)]) per article."""
    from xml.sax.saxutils import escape

    parts = ["<?xml version='1.0' encoding='utf-8'?>\n<articles>"]
    for k, (text, tops) in enumerate(articles):
        parts.append(f'<article docid="a{k}"><text>{escape(text)}</text><toponyms>')
        for word, lat, lon, gid in tops:
            s = text.index(word)
            tag = f' geonameid="{gid}"' if gid else ""
            parts.append(
                f"<toponym><start>{s}</start><end>{s + len(word)}</end><phrase>{escape(word)}</phrase>"
                f"<gaztag{tag}><lat>{lat}</lat><lon>{lon}</lon></gaztag></toponym>"
            )
        parts.append("</toponyms></article>")
    parts.append("</articles>")
    path = tmp_path / "tiny.dev.xml"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def test_ranker_fit_finds_the_feature_that_separates():
    import numpy as np

    from sitrep import place_ranker as pr
    from sitrep.places import FEATURES

    rng = np.random.default_rng(0)
    col = FEATURES.index("near_other")
    data = []
    for _ in range(200):
        x = rng.random((4, len(FEATURES)))
        y = np.zeros(4)
        y[int(np.argmax(x[:, col]))] = 1.0  # the nearest candidate is always the right one
        data.append((x, y))
    w = pr.fit(data, l2=0.001)
    assert int(np.argmax(np.abs(w))) == col and w[col] > 0
    assert pr.accuracy(data, w) > 0.95
    assert pr.accuracy(data, np.zeros(len(FEATURES))) < 0.5


def test_ranker_folds_spread_every_corpus():
    from sitrep import place_ranker as pr

    items = [pr.Item(c, f"{c}{i}", "", [], None) for c in ("lgl", "gwn") for i in range(10)]
    folds = pr.folds_of(items, folds=5)
    for c in ("lgl", "gwn"):
        assert sorted(f for it, f in zip(items, folds, strict=True) if it.corpus == c) == [
            0,
            0,
            1,
            1,
            2,
            2,
            3,
            3,
            4,
            4,
        ]
    assert set(pr.folds_of(items, by_corpus=True)) == {0, 1}


def test_ranker_scores_by_the_reference_rule(tmp_path: Path, shared: Path):
    """The in-process figures are the reference scorer's on the same records."""
    from sitrep import place_ranker as pr

    xml = _corpus(
        tmp_path,
        [
            ("Talks were held in Paris on Monday.", [("Paris", 48.85, 2.35, 2988507)]),
            ("Police in Alexandria, Louisiana, arrested a man.", [("Alexandria", 31.31, -92.45, 4314550)]),
            ("Floods hit Springfield, Illinois, and Texas.", [("Springfield", 10.0, 10.0, None)]),
        ],
    )
    items = pr.load_items([xml])
    parser = Geoparser()
    counts = pr.score(parser, items)["tiny"]
    out = tmp_path / "out.jsonl"
    with open(out, "w", encoding="utf-8") as f:
        for it in items:
            places = [p.to_dict() for p in pr.parse(parser, it)]
            f.write(json.dumps({"id": it.id, "places": places}) + "\n")
    ref = subprocess.run(
        [sys.executable, str(shared / "eval" / "geo.py"), "score", str(xml), str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    mine = pr.line("x", counts)
    for key in ("found", "acc161", "recall161", "precision_spans"):
        assert f"{key}={counts.figures()[key]:.3f}" in ref, (key, ref, mine)
    assert counts.found == 3 and counts.right == 2  # the Springfield of the gold is nowhere near Illinois


def test_ranker_cross_validation_scores_every_article_once(tmp_path: Path):
    from sitrep import place_ranker as pr

    arts = [
        (
            f"Police in Alexandria, Louisiana, and Pineville met on day {k}.",
            [("Alexandria", 31.31, -92.45, 4314550)],
        )
        for k in range(4)
    ] + [
        (f"Talks in Paris and Lyon, France went on for {k} days.", [("Paris", 48.85, 2.35, 2988507)])
        for k in range(4)
    ]
    items = pr.load_items([_corpus(tmp_path, arts)])
    parser = Geoparser()
    before = parser.resolver.w.copy()
    res = pr.cross_validate(items, folds=2, parser=parser)
    assert res["tiny"].articles == 8 and res["tiny"].gold == 8
    assert (parser.resolver.w == before).all()  # the shipped weights are put back
    assert "acc161=" in pr.line("cv tiny", res["tiny"])


def test_ranker_cv_command_feeds_the_eval_rows(tmp_path: Path):
    """`python -m sitrep.place_ranker cv` prints one line per corpus that `sitrep eval` reads
    into the `geo <corpus> cv` rows (and the old call form still trains)."""
    from sitrep.evaluation import figures_of

    arts = [
        (f"Talks in Paris and Lyon, France went on for {k} days.", [("Paris", 48.85, 2.35, 2988507)])
        for k in range(4)
    ]
    xml = _corpus(tmp_path, arts)
    out = subprocess.run(
        [sys.executable, "-m", "sitrep.place_ranker", "cv", "--folds", "2", str(xml)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (line,) = [x for x in out.splitlines() if x.startswith("cv ")]
    figs = figures_of(line)
    assert (
        line.startswith("cv tiny:")
        and figs["gold"] == 4
        and figs["acc161"] == 1.0
        and figs["recall161"] == 1.0
    )
    trained = subprocess.run(
        [sys.executable, "-m", "sitrep.place_ranker", str(xml)], capture_output=True, text=True, check=True
    ).stdout
    from sitrep.places import CONFIDENCE, FEATURES

    data = json.loads(trained)
    assert set(data["weights"]) == set(FEATURES) and set(data["confidence"]) == set(CONFIDENCE)
    assert data["min_confidence"] == 0.5


# --- guards against false places in conflict news (FA-KES) ----------------------------------
def test_day_and_month_names_are_never_places(language, stage):
    # Mon is a state of Myanmar, Jun a town of Spain
    a = analyse("Mon Oct 31 2016 Shelling hit Aleppo. Last updated at Jun 13 2016.", language, stage)
    mentions = set(by_mention(a))
    assert not mentions & {"Mon", "Oct", "Jun"}
    assert "Aleppo" in mentions


def test_the_head_word_of_a_longer_name_is_not_a_place(language, stage):
    a = analyse(
        "Another man died in Sheikh Mustafa. The bomb struck Al-Diyabiyah near Damascus. "
        "Jets hit the village of Deir Sharqi and the Wadi Dahab district.",
        language,
        stage,
    )
    mentions = set(by_mention(a))
    assert not mentions & {"Sheikh", "Al", "Deir", "Wadi"}
    # a head word before an Arabic article, or before a word that is a place of its own
    b = analyse(
        "Mortar shells hit houses in Ain al-Dananeer village. Fighters were ambushed near "
        "Wadi al-Ezeib. Air strikes hit the Ain Tarma area outside Damascus.",
        language,
        stage,
    )
    assert not set(by_mention(b)) & {"Ain", "Wadi"}
    assert "Damascus" in mentions


def test_a_name_carried_on_by_an_arabic_article_is_not_its_first_word(language, stage):
    # "Urum al-Kubra" is not in the gazetteer; Urum alone would be a town of Armenia
    a = analyse("The aid convoy was hit in Urum al-Kubra west of Aleppo.", language, stage)
    mentions = set(by_mention(a))
    assert "Urum" not in mentions and "Aleppo" in mentions


def test_words_of_an_armed_groups_name_are_not_places(language, stage):
    a = analyse(
        "Fighters of al-Qaeda and of the Free Syrian Army attacked Idlib. The Britain-based "
        "Syrian Observatory said Ahrar al-Sham lost men.",
        language,
        stage,
    )
    mentions = set(by_mention(a))
    assert not mentions & {"al-Qaeda", "Free", "al-Sham"}
    assert {"Idlib", "Britain"} <= mentions


def test_the_surname_of_a_person_named_in_full_is_not_a_place(language, stage):
    a = analyse(
        "President Bashar al-Assad spoke in Damascus. Troops loyal to Assad advanced. "
        "The revolt against Assads rule went on. John Kerry met Lavrov; Kerry said talks would go on.",
        language,
        stage,
    )
    mentions = set(by_mention(a))
    assert not mentions & {"Assad", "Assads", "Kerry"}
    assert "Damascus" in mentions


def test_places_spacy_calls_persons_after_a_place_are_still_places(language, stage):
    # "Syrias Aleppo" (Syria's, the apostrophe lost) is a person for spaCy: Aleppo stays a place
    a = analyse(
        "Government forces advanced in Syrias Aleppo. Fighting in east Aleppo went on.", language, stage
    )
    assert "Aleppo" in by_mention(a)


def test_a_word_the_article_also_writes_in_lower_case_is_a_common_word(language, stage):
    # Attack is Ataq in Yemen by its skeleton, Car a town of China
    a = analyse(
        "Five Civilians Killed in Car Bomb Attack in Qamishli City. The car bomb attack killed "
        "five people in Qamishli, Syria.",
        language,
        stage,
    )
    mentions = set(by_mention(a))
    assert not mentions & {"Car", "Attack", "Car Bomb Attack"}
    assert "Qamishli" in mentions


def test_a_small_namesake_abroad_without_support_is_left_out():
    # al-Zahraa, a quarter of Homs the gazetteer lacks, is Ez Zahra in Tunisia only by the
    # skeleton of its name; nothing else in the first article is in Tunisia
    text = "Terrorist groups fired rocket shells on al-Zahraa neighborhood in Homs city, killing two."
    s, h = text.index("al-Zahraa"), text.index("Homs")
    zahraa, homs = resolve_spans(text, [(s, s + 9), (h, h + 4)])
    assert zahraa is not None and zahraa.country == "TN" and zahraa.score < 0.3
    assert homs is not None and homs.country == "SY" and homs.score >= 0.5
    # with support (another name in the same country) it stays
    text = "Shells hit al-Zahraa near Tunis on Monday."
    s, t = text.index("al-Zahraa"), text.index("Tunis")
    zahraa, _ = resolve_spans(text, [(s, s + 9), (t, t + 5)])
    assert zahraa is not None and zahraa.country == "TN" and zahraa.score >= 0.5


def test_a_person_only_a_longer_names_skeleton_matches_is_not_a_place(language, stage):
    # "Assad" reaches 'Ein el Asad (Israel) only by the skeleton; "Assads" (Assad's) is a
    # hamlet of Morocco by its own name; "Northeastern" is a direction, not Oman's province
    a = analyse(
        "The region was swept with the direct support of Assad and his Iranian allies. "
        "The world chose to remain silent over one of Assads most horrible massacres. "
        "SDF fighters advanced in Northeastern Aleppo.",
        language,
        stage,
    )
    mentions = set(by_mention(a))
    assert not mentions & {"Assad", "Assads", "Northeastern"}
    assert "Aleppo" in mentions

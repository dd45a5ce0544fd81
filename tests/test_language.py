from __future__ import annotations

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

"""The gazetteer: name keys, patch files, GeoNames dump import, the CLI, the built default."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import run_sitrep

from sitrep.errors import GazetteerError, InputError
from sitrep.gazetteer import (
    NAME_ABBR,
    NAME_ALT,
    NAME_MAIN,
    NAME_SKELETON,
    Gazetteer,
    default_path,
    load,
)
from sitrep.gazetteer.build import _extent_middle, division_short_names, load_patch, useful_alternate
from sitrep.gazetteer.dumps import download, import_files, kind_of
from sitrep.gazetteer.names import fold, is_latin, skeleton

# A tiny GeoNames world: the geoname table's 19 columns.
GEONAMES = [
    # id, name, ascii, alternates, lat, lon, class, code, cc, cc2, a1, a2, a3, a4, pop, elev, dem, tz, date
    (
        163843,
        "Syria",
        "Syria",
        "Syrie,Syrien,Sham",
        35.0,
        38.0,
        "A",
        "PCLI",
        "SY",
        "",
        "00",
        "",
        "",
        "",
        17000000,
    ),
    (
        172957,
        "Ar Raqqah",
        "Ar Raqqah",
        "Raqqa Governorate",
        35.83,
        38.83,
        "A",
        "ADM1",
        "SY",
        "",
        "04",
        "",
        "",
        "",
        900000,
    ),
    (
        172955,
        "Ar Raqqah",
        "Ar Raqqah",
        "Raqqa,Rakka,Raqqah,الرقة,rqh",
        35.95283,
        39.00788,
        "P",
        "PPLA",
        "SY",
        "",
        "04",
        "",
        "",
        "",
        531952,
    ),
    (
        172134,
        "‘Ayn ‘Īsá",
        "'Ayn 'Isa",
        "Ain Issa,Ayn Isa",
        36.3855,
        38.86228,
        "P",
        "PPL",
        "SY",
        "",
        "04",
        "",
        "",
        "",
        0,
    ),
    (
        163808,
        "Tadmur",
        "Tadmur",
        "Palmyra,Tadmor,PMS",
        34.5624,
        38.28402,
        "P",
        "PPL",
        "SY",
        "",
        "11",
        "",
        "",
        "",
        51015,
    ),
    (
        5368361,
        "Los Angeles",
        "Los Angeles",
        "LA",
        34.05223,
        -118.24368,
        "P",
        "PPL",
        "US",
        "",
        "CA",
        "037",
        "",
        "",
        3971883,
    ),
    (4719457, "Plano", "Plano", "", 33.01984, -96.69889, "P", "PPL", "US", "", "TX", "085", "", "", 269776),
    (
        4736286,
        "Texas",
        "Texas",
        "Tex.",
        31.25044,
        -99.25061,
        "A",
        "ADM1",
        "US",
        "",
        "TX",
        "",
        "",
        "",
        22875689,
    ),
    (
        6252001,
        "United States",
        "United States",
        "USA,America",
        39.76,
        -98.5,
        "A",
        "PCLI",
        "US",
        "",
        "00",
        "",
        "",
        "",
        310232863,
    ),
    (2621000, "Bad Row", "Bad Row", "", "not-a-number", 0, "P", "PPL", "DK", "", "", "", "", "", 0),
]


def _geoname_lines(rows: list[tuple]) -> str:
    out = []
    for r in rows:
        cols = [str(x) for x in r] + ["", "", "Asia/Damascus", "2020-01-01"]
        out.append("\t".join(cols))
    return "\n".join(out) + "\n"


@pytest.fixture
def dumps(tmp_path: Path) -> dict[str, Path]:
    """Small GeoNames dump files, in the published layouts."""
    sy = tmp_path / "SY.zip"
    with zipfile.ZipFile(sy, "w") as z:
        z.writestr("readme.txt", "GeoNames country file\n")
        z.writestr("SY.txt", _geoname_lines([r for r in GEONAMES if r[8] in ("SY", "DK")]))
    cities = tmp_path / "cities500.txt"
    cities.write_text(_geoname_lines([r for r in GEONAMES if r[8] == "US"]), encoding="utf-8")
    admin1 = tmp_path / "admin1CodesASCII.txt"
    admin1.write_text(
        "SY.04\tAr Raqqah\tAr Raqqah\t172957\nUS.TX\tTexas\tTexas\t4736286\nbroken line\n", encoding="utf-8"
    )
    alt = tmp_path / "alternateNamesV2.zip"
    rows = [
        (1, 163808, "en", "Palmyra"),
        (2, 163808, "ar", "تدمر"),
        (3, 172955, "en", "Rakka City"),
        (4, 172955, "link", "https://en.wikipedia.org/wiki/Raqqa"),
        (5, 6252001, "abbr", "U.S."),
        (6, 999999, "en", "Nowhere Known"),
    ]
    with zipfile.ZipFile(alt, "w") as z:
        z.writestr("alternateNamesV2.txt", "".join("\t".join(map(str, r)) + "\t\t\t\t\t\t\n" for r in rows))
    return {"country": sy, "cities": cities, "admin1": admin1, "alternate": alt}


@pytest.fixture
def tiny(tmp_path: Path, dumps: dict[str, Path]) -> Gazetteer:
    path = tmp_path / "tiny.sqlite"
    import_files(dumps.values(), path, replace=True)
    return Gazetteer(path)


# --- names -------------------------------------------------------------------------------
def test_fold_removes_case_accents_apostrophes_and_hyphens():
    assert fold("‘Ayn ‘Īsá") == "ayn isa"
    assert fold("Deir ez-Zor") == "deir ez zor"
    assert fold("  St. Louis ") == "st louis"
    assert fold("İstanbul") == "istanbul"
    assert fold("") == ""


@pytest.mark.parametrize(
    "spellings",
    [
        ["Raqqa", "Raqqah", "Rakka", "Ar-Raqqah", "Ar Raqqah", "al-Raqqa"],
        ["Ain Issa", "'Ayn 'Isa", "‘Ayn ‘Īsá", "Ayn Issa"],
        ["Deir ez-Zor", "Dayr az Zawr", "Deir el-Zor"],
        ["Kobani", "Kobanî", "Kubani"],
        ["Tell Abyad", "Tall Abyad", "Tal Abyad"],
        ["Hasakah", "Hasakeh", "Al-Hasakah"],
    ],
)
def test_transliteration_variants_share_a_skeleton(spellings):
    assert len({skeleton(s) for s in spellings}) == 1, {s: skeleton(s) for s in spellings}


def test_skeleton_keeps_distinct_names_apart():
    assert skeleton("Homs") != skeleton("Hama")
    assert skeleton("Idlib") != skeleton("Afrin")
    assert skeleton("al") == "al"  # a lone article is not dropped


def test_latin_and_useful_alternates():
    assert is_latin("Ar Raqqah") and not is_latin("الرقة") and not is_latin("123")
    assert useful_alternate("Palmyra")
    assert not useful_alternate("tdmr")  # machine transliteration, all lower case
    assert not useful_alternate("PMS")  # a code
    assert not useful_alternate("Палмира")
    assert not useful_alternate("Route 66")


def test_division_short_names():
    assert division_short_names(["Dagestan, Respublika", "Dagestan Republic"]) == {"Dagestan"}
    assert division_short_names(["Yaroslavl Oblast", "State of Texas"]) == {"Yaroslavl", "Texas"}
    assert division_short_names(["Idlib", "Дагестан", ""]) == set()


def test_extent_middle_ignores_far_outliers():
    pts = [(35.0 + i * 0.01, 38.0 + i * 0.01) for i in range(40)] + [(-50.0, 170.0)]
    lat, lon = _extent_middle(pts)
    assert 34.5 < lat < 36 and 37.5 < lon < 39


# --- data files ---------------------------------------------------------------------------
def test_patch_files_load_and_have_the_documented_shape():
    places = load_patch("places.yaml")
    assert all({"name", "lat", "lon"} <= set(p) for p in places["places"])
    assert all(-90 <= p["lat"] <= 90 and -180 <= p["lon"] <= 180 for p in places["places"])
    assert all("place" in a and a["names"] for a in places["aliases"])
    abbr = load_patch("abbreviations.yaml")
    assert all(a["forms"] and "place" in a for a in abbr["abbreviations"])
    dem = load_patch("demonyms.yaml")
    assert "Kurdish" in dem["not_places"]
    assert all(d["words"] for d in dem["demonyms"])
    guards = load_patch("guards.yaml")
    assert {"connectors", "person_titles", "not_place_after", "locative", "common_words"} <= set(guards)
    translit = load_patch("transliteration.yaml")
    assert translit["articles"] and translit["replacements"]


def test_ranker_weights_cover_the_features():
    from importlib import resources

    from sitrep.places import CONFIDENCE, FEATURES

    data = json.loads(resources.files("sitrep.data").joinpath("gazetteer/ranker.json").read_text())
    assert set(data["weights"]) == set(FEATURES)
    assert all(isinstance(v, float | int) for v in data["weights"].values())
    assert set(data["confidence"]) == set(CONFIDENCE)
    assert all(isinstance(v, float | int) for v in data["confidence"].values())
    assert 0.0 < data["min_confidence"] < 1.0


# --- dumps ----------------------------------------------------------------------------------
def test_import_dumps_into_a_new_gazetteer(tiny: Gazetteer):
    info = tiny.info()
    assert info["places"] == 9  # the row with a bad latitude is skipped
    assert info["first_order_divisions"] == 2
    assert "SY.zip (5)" in info["sources"] and "cities500.txt (4)" in info["sources"]
    raqqa = {m.entry.id: m for m in tiny.lookup("Raqqa")}
    assert set(raqqa) == {172955}
    assert raqqa[172955].kind == NAME_ALT
    assert {m.entry.id for m in tiny.lookup("Ar Raqqah")} == {172955, 172957}
    assert tiny.get(172955).admin1_key == "SY.04"
    assert tiny.admin1_name(tiny.get(172955)) == "Ar Raqqah"
    assert [m.entry.id for m in tiny.lookup("Rakka City")] == [172955]  # from alternateNamesV2
    assert tiny.lookup("Nowhere Known") == []  # alternate name of a place not imported
    assert tiny.lookup("https://en.wikipedia.org/wiki/Raqqa") == []
    assert all(m.entry.id != 163808 for m in tiny.lookup("PMS"))  # codes are not names
    us = [m for m in tiny.lookup("U.S.") if m.kind == NAME_ABBR]
    assert us and us[0].surface == "U.S."
    assert "US" in tiny.countries and tiny.countries["SY"].id == 163843


def test_transliterated_lookup(tiny: Gazetteer):
    assert [m.entry.id for m in tiny.lookup("Ar-Raqqa", transliterate=False)] == []
    found = tiny.lookup("Rakkah")
    assert {m.entry.id for m in found} >= {172955}
    assert all(m.kind == NAME_SKELETON for m in found)
    assert [m.kind for m in tiny.lookup("Palmyra")] == [NAME_ALT]
    assert tiny.lookup("Tadmur")[0].kind == NAME_MAIN


def test_import_extends_the_current_gazetteer(tmp_path: Path, dumps: dict[str, Path]):
    path = tmp_path / "g.sqlite"
    import_files([dumps["country"]], path, replace=True)
    assert Gazetteer(path).lookup("Plano") == []
    import_files([dumps["cities"]], path)
    g = Gazetteer(path)
    assert g.lookup("Plano")[0].entry.country == "US"
    assert g.lookup("Palmyra")  # kept from the first import
    import_files([dumps["country"]], path)  # importing twice changes nothing
    assert Gazetteer(path).info()["places"] == g.info()["places"]


def test_import_keeps_only_the_asked_feature_classes(tmp_path: Path, dumps: dict[str, Path]):
    path = tmp_path / "a.sqlite"
    import_files([dumps["country"]], path, replace=True, classes={"A"})
    g = Gazetteer(path)
    assert {e.fclass for e in g.entries()} == {"A"}


def test_bad_dump_files_are_refused_with_a_message(tmp_path: Path):
    junk = tmp_path / "XX.zip"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(InputError, match="not a zip"):
        import_files([junk], tmp_path / "g.sqlite", replace=True)
    text = tmp_path / "notes.txt"
    text.write_text("hello\nworld\n")
    with pytest.raises(InputError, match="no GeoNames place rows"):
        import_files([text], tmp_path / "g.sqlite", replace=True)
    with pytest.raises(InputError, match="no such file"):
        import_files([tmp_path / "missing.zip"], tmp_path / "g.sqlite")
    with pytest.raises(InputError, match="not needed"):
        kind_of(Path("countryInfo.txt"))
    assert not (tmp_path / "g.sqlite").exists()  # nothing half-written is left


def test_opening_a_missing_or_foreign_file_is_a_gazetteer_error(tmp_path: Path):
    with pytest.raises(GazetteerError, match="no gazetteer"):
        Gazetteer(tmp_path / "none.sqlite")
    other = tmp_path / "other.sqlite"
    other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(GazetteerError):
        Gazetteer(other)
    with pytest.raises(GazetteerError):
        load(tmp_path / "none.sqlite")


def test_download_fetches_from_a_base_url_then_imports(tmp_path: Path, dumps: dict[str, Path]):
    seen: list[str] = []
    got = download(
        ["SY", "admin1CodesASCII.txt"],
        tmp_path / "dl",
        base_url=dumps["country"].parent.as_uri(),
        on_progress=lambda name, size: seen.append(name),
    )
    assert [p.name for p in got] == ["SY.zip", "admin1CodesASCII.txt"]
    assert set(seen) == {"SY.zip", "admin1CodesASCII.txt"}
    counts = import_files(got, tmp_path / "g.sqlite", replace=True)
    assert counts["SY.zip"] == 5
    with pytest.raises(GazetteerError, match="could not download"):
        download(["ZZ.zip"], tmp_path / "dl", base_url=(tmp_path / "nowhere").as_uri())
    with pytest.raises(InputError):
        download(["../etc/passwd"], tmp_path / "dl")


# --- the CLI ---------------------------------------------------------------------------------
def test_cli_import_info_and_lookup(tmp_path: Path, dumps: dict[str, Path]):
    path = tmp_path / "cli.sqlite"
    r = run_sitrep("gazetteer", "import", *map(str, dumps.values()), "--path", str(path), "--replace")
    assert r.returncode == 0, r.stderr.decode()
    assert b"SY.zip: 5 rows" in r.stderr
    r = run_sitrep("gazetteer", "info", "--path", str(path), "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["places"] == 9
    r = run_sitrep("gazetteer", "info", "--path", str(path))
    assert b"places      9" in r.stdout
    r = run_sitrep("gazetteer", "lookup", "Raqqa", "--path", str(path))
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert r.returncode == 0 and [x["geonameid"] for x in rows] == [172955]
    r = run_sitrep("gazetteer", "lookup", "Atlantis", "--path", str(path))
    assert r.returncode == 1 and r.stdout == b""


def test_cli_errors_are_one_line(tmp_path: Path):
    r = run_sitrep("gazetteer", "info", "--path", str(tmp_path / "none.sqlite"))
    assert r.returncode == 1
    assert r.stderr.decode().count("\n") == 1 and "no gazetteer" in r.stderr.decode()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"junk")
    r = run_sitrep("gazetteer", "import", str(bad), "--path", str(tmp_path / "g.sqlite"))
    assert r.returncode == 1 and b"Traceback" not in r.stderr and b"not a zip" in r.stderr


def test_cli_build_if_missing_keeps_an_existing_gazetteer(tmp_path: Path, dumps: dict[str, Path]):
    path = tmp_path / "g.sqlite"
    import_files([dumps["country"]], path, replace=True)
    before = path.stat().st_mtime_ns
    r = run_sitrep("gazetteer", "build", "--if-missing", "--path", str(path))
    assert r.returncode == 0 and path.stat().st_mtime_ns == before
    assert b"holds imported dumps" in r.stderr  # kept, but the user is told it is not current


def test_rebuild_reason_follows_the_build_inputs(tmp_path: Path, dumps: dict[str, Path]):
    from sitrep.gazetteer.build import GazetteerData, inputs_fingerprint, rebuild_reason, write

    current = write(
        GazetteerData(), tmp_path / "current.sqlite", {"origin": "packages", "inputs": inputs_fingerprint()}
    )
    assert rebuild_reason(current) is None
    old = write(
        GazetteerData(), tmp_path / "old.sqlite", {"origin": "packages", "inputs": "0123456789abcdef"}
    )
    assert "other inputs" in (rebuild_reason(old) or "")
    unstamped = write(GazetteerData(), tmp_path / "unstamped.sqlite", {"origin": "packages"})
    assert "other inputs" in (rebuild_reason(unstamped) or "")
    imported = tmp_path / "imported.sqlite"
    import_files([dumps["country"]], imported, replace=True)
    assert rebuild_reason(imported) == "dumps"
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"not a database")
    assert rebuild_reason(broken) == "is unusable"


def test_fingerprint_changes_with_a_patch_file(monkeypatch: pytest.MonkeyPatch):
    from importlib import resources

    from sitrep.gazetteer import build as gb

    before = gb.inputs_fingerprint()
    real = resources.files

    class Edited:
        def __init__(self, base: object) -> None:
            self.base = base

        def joinpath(self, name: str) -> object:
            target = self.base.joinpath(name)  # type: ignore[attr-defined]
            if name.endswith("places.yaml"):
                return type("F", (), {"read_bytes": lambda _self: target.read_bytes() + b"\n# edited\n"})()
            return target

    monkeypatch.setattr(gb.resources, "files", lambda pkg: Edited(real(pkg)))
    assert gb.inputs_fingerprint() != before


def test_cli_build_if_missing_keeps_a_current_gazetteer(tmp_path: Path):
    from sitrep.gazetteer.build import GazetteerData, inputs_fingerprint, write

    path = write(
        GazetteerData(), tmp_path / "g.sqlite", {"origin": "packages", "inputs": inputs_fingerprint()}
    )
    before = path.stat().st_mtime_ns
    r = run_sitrep("gazetteer", "build", "--if-missing", "--path", str(path))
    assert r.returncode == 0 and path.stat().st_mtime_ns == before and r.stderr == b""


# --- the default gazetteer, built at install time -----------------------------------------
@pytest.fixture(scope="module")
def default() -> Gazetteer:
    return load()


def test_default_gazetteer_lives_outside_git():
    path = default_path()
    assert ".venv" in str(path) or "SITREP_GAZETTEER" in str(path) or "share" in str(path)
    assert "src/sitrep" not in str(path)


def test_default_gazetteer_loads_fast_and_knows_the_world(default: Gazetteer):
    t = time.perf_counter()
    g = Gazetteer(default.path)
    assert time.perf_counter() - t < 1.0
    info = g.info()
    assert info["places"] > 250_000 and info["countries"] > 240 and info["first_order_divisions"] > 3000
    assert info["origin"] == "packages" or "import" in info["sources"]
    # countries, first-order divisions and continents have points
    assert g.countries["SY"].id == 163843 and abs(g.countries["SY"].lat - 35) < 3
    assert g.get(4736286).fcode == "ADM1" and 28 < g.get(4736286).lat < 34  # Texas
    assert g.get(6255146).fcode == "CONT"  # Africa


@pytest.mark.parametrize(
    ("name", "geonameid"),
    [
        ("Raqqa", 172955),
        ("Ain Issa", 172134),
        ("Palmyra", 163808),
        ("Kobani", 172256),
        ("Deir ez-Zor", 170794),
        ("Dayr az Zawr", 170794),
        ("Deir Ezzor", 170794),
        ("U.S.", 6252001),
        ("Dagestan", 567293),
    ],
)
def test_default_gazetteer_knows_names_of_the_syrian_war(default: Gazetteer, name: str, geonameid: int):
    assert geonameid in {m.entry.id for m in default.lookup(name)}


def test_demonyms_point_to_countries_but_are_not_names(default: Gazetteer):
    assert default.demonym("Syrian") == ("SY", 163843)
    assert default.demonym("Kurdish") == (None, None)
    assert default.demonym("Raqqa") is None


def test_yaml_files_are_plain_data():
    from importlib import resources

    for name in ("places.yaml", "abbreviations.yaml", "demonyms.yaml", "guards.yaml", "transliteration.yaml"):
        text = resources.files("sitrep.data").joinpath(f"gazetteer/{name}").read_text("utf-8")
        assert isinstance(yaml.safe_load(io.StringIO(text)), dict)

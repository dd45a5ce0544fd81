"""GeoNames dump files into the gazetteer: ``sitrep gazetteer import`` and ``download``.

Understood files (as published at https://download.geonames.org/export/dump/, zipped or not):
- the ``geoname`` table: ``allCountries.zip``, ``cities500.zip`` (and cities1000/5000/15000),
  a country file such as ``SY.zip``: one place per line, 19 tab-separated columns;
- ``admin1CodesASCII.txt``: names and ids of first-order divisions ("SY.04", "Ar Raqqah", ...);
- ``alternateNamesV2.zip`` / ``alternateNames.zip``: more names; English, unlabelled and
  abbreviation names in Latin script are kept for places the gazetteer has.

Imports stream row by row into a copy of the gazetteer (a full allCountries.zip never sits in
memory) that replaces the old file when done, so readers never see half an import. A place
that is already there (same GeoNames id) takes the dump's fields and point and keeps its
other names.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import sqlite3
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import GazetteerError, InputError
from . import NAME_ABBR, NAME_ALT, NAME_MAIN, NAME_SKELETON, SCHEMA_VERSION, default_path
from .build import DDL, useful_alternate
from .names import fold, skeleton, transliterated_countries

log = logging.getLogger(__name__)

BASE_URL = "https://download.geonames.org/export/dump/"
BATCH = 20_000
# alternate-name "languages" that are codes or links, not names
SKIP_LANGS = {"link", "wkdt", "post", "iata", "icao", "faac", "fr_1793", "unlc", "tcid", "phon", "piny"}
KEEP_LANGS = {"", "en", "abbr"}


@contextmanager
def _open_member(path: Path) -> Iterator[IO[str]]:
    """The text inside ``path``: a plain file, or the main .txt member of a zip archive."""
    if path.suffix.lower() == ".zip":
        try:
            zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise InputError(f"{path} is not a zip archive") from None
        with zf:
            members = [n for n in zf.namelist() if n.endswith(".txt") and not n.lower().startswith("readme")]
            if not members:
                raise InputError(f"{path} holds no .txt file")
            wanted = path.stem + ".txt"
            name = wanted if wanted in members else max(members, key=lambda n: zf.getinfo(n).file_size)
            with zf.open(name) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="\n")
    else:
        with open(path, encoding="utf-8", errors="replace", newline="\n") as f:
            yield f


def kind_of(path: Path) -> str:
    """Which GeoNames table a file holds, by its name: geoname | admin1 | alternate."""
    stem = path.name.lower()
    if stem.startswith("admin1codes"):
        return "admin1"
    if stem.startswith("alternatenames"):
        return "alternate"
    if stem.startswith(
        ("admin2codes", "countryinfo", "featurecodes", "timezones", "hierarchy", "iso-languagecodes")
    ):
        raise InputError(
            f"{path.name}: this GeoNames file is not needed (import places, admin1 codes or alternate names)"
        )
    return "geoname"


class Importer:
    """Writes dump rows into an open gazetteer connection."""

    def __init__(self, conn: sqlite3.Connection, classes: set[str] | None = None) -> None:
        self.conn = conn
        self.classes = classes
        self.counts: dict[str, int] = {}
        self.country_of: dict[int, str | None] = {}

    def _names(
        self, rows: list[tuple[str, int, int, str | None]], countries: dict[int, str | None] | None = None
    ) -> None:
        out: list[tuple[str, int, int, str | None]] = []
        translit = transliterated_countries()
        for key, pid, kind, surface in rows:
            out.append((key, pid, kind, surface))
            if kind != NAME_ABBR and (countries or {}).get(pid) in translit:
                sk = skeleton(key, folded=True)
                if sk and sk != key and len(sk) >= 3:
                    out.append(("~" + sk, pid, NAME_SKELETON, None))
        self.conn.executemany(
            "INSERT INTO name VALUES (?,?,?,?) ON CONFLICT(key, id) DO UPDATE SET kind = min(kind, excluded.kind)",
            out,
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO first_word VALUES (?)", {(k.split(" ", 1)[0],) for k, *_ in out}
        )

    def geonames(self, lines: Iterable[str], source: str) -> int:
        places: list[tuple[object, ...]] = []
        names: list[tuple[str, int, int, str | None]] = []
        admin1: list[tuple[str, str, str, int]] = []
        n = bad = 0
        for line in lines:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 15:
                bad += 1
                continue
            try:
                gid = int(cols[0])
                lat, lon = float(cols[4]), float(cols[5])
                pop = int(cols[14] or 0)
            except ValueError:
                bad += 1
                continue
            fclass, fcode = cols[6] or "P", cols[7] or "PPL"
            if self.classes and fclass not in self.classes:
                continue
            country = cols[8] or None
            a1 = cols[10] or None
            a2 = cols[11] or None
            places.append((gid, cols[1], country, a1, a2, fclass, fcode, pop, round(lat, 5), round(lon, 5)))
            self.country_of[gid] = country
            for nm in {cols[1], cols[2]}:
                key = fold(nm)
                if len(key) >= 2:
                    names.append((key, gid, NAME_MAIN, None))
            for alt in cols[3].split(",") if cols[3] else ():
                if alt not in (cols[1], cols[2]) and useful_alternate(alt):
                    names.append((fold(alt), gid, NAME_ALT, None))
            if fcode == "ADM1" and country and a1:
                admin1.append((country, a1, cols[1], gid))
            n += 1
            if len(places) >= BATCH:
                self._flush(places, names, admin1)
        self._flush(places, names, admin1)
        if n == 0 and bad:
            raise InputError(f"{source}: no GeoNames place rows (is it a geoname table?)")
        self.counts[source] = n
        return n

    def _flush(
        self,
        places: list[tuple[object, ...]],
        names: list[tuple[str, int, int, str | None]],
        admin1: list[tuple[str, str, str, int]],
    ) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO place VALUES (?,?,?,?,?,?,?,?,?,?)", places)
        self._names(names, self.country_of)
        self.country_of.clear()
        self.conn.executemany(
            "INSERT INTO admin1 VALUES (?,?,?,?) ON CONFLICT(country, admin1) DO UPDATE SET name = excluded.name, id = excluded.id",
            admin1,
        )
        places.clear()
        names.clear()
        admin1.clear()

    def admin1_codes(self, lines: Iterable[str], source: str) -> int:
        rows = []
        for line in lines:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4 or "." not in cols[0]:
                continue
            country, a1 = cols[0].split(".", 1)
            try:
                gid = int(cols[3])
            except ValueError:
                continue
            rows.append((country, a1, cols[1], gid))
        if not rows:
            raise InputError(f"{source}: no admin1 code rows (expected 'CC.CODE<TAB>name<TAB>ascii<TAB>id')")
        self.conn.executemany(
            "INSERT INTO admin1 VALUES (?,?,?,?) ON CONFLICT(country, admin1) DO UPDATE SET name = excluded.name, id = excluded.id",
            rows,
        )
        self.counts[source] = len(rows)
        return len(rows)

    def alternate_names(self, lines: Iterable[str], source: str) -> int:
        batch: list[tuple[str, int, int, str | None]] = []
        n = 0
        for line in lines:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4:
                continue
            lang = cols[2]
            if lang in SKIP_LANGS or lang not in KEEP_LANGS:
                continue
            name = cols[3]
            try:
                gid = int(cols[1])
            except ValueError:
                continue
            if lang == "abbr":
                if 2 <= len(name) <= 12 and any(c.isupper() for c in name):
                    batch.append((fold(name), gid, NAME_ABBR, name))
            elif useful_alternate(name):
                batch.append((fold(name), gid, NAME_ALT, None))
            if len(batch) >= BATCH:
                n += self._alt_flush(batch)
        n += self._alt_flush(batch)
        self.counts[source] = n
        return n

    def _alt_flush(self, batch: list[tuple[str, int, int, str | None]]) -> int:
        ids = {b[1] for b in batch}
        have: dict[int, str | None] = {}
        id_list = list(ids)
        for i in range(0, len(id_list), 900):
            chunk = id_list[i : i + 900]
            q = f"SELECT id, country FROM place WHERE id IN ({','.join('?' * len(chunk))})"
            have.update((r[0], r[1]) for r in self.conn.execute(q, chunk))
        rows = [b for b in batch if b[1] in have]
        abbr = [b for b in rows if b[2] == NAME_ABBR]
        self._names([b for b in rows if b[2] != NAME_ABBR], have)
        self.conn.executemany(
            "INSERT INTO name VALUES (?,?,?,?) ON CONFLICT(key, id) DO UPDATE SET "
            "surface = CASE WHEN name.kind = 2 THEN coalesce(name.surface || '|', '') || excluded.surface ELSE name.surface END",
            abbr,
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO first_word VALUES (?)", {(b[0].split(" ", 1)[0],) for b in abbr}
        )
        batch.clear()
        return len(rows)


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    return conn


def import_files(
    files: Iterable[str | os.PathLike[str]],
    target: str | os.PathLike[str] | None = None,
    *,
    replace: bool = False,
    classes: Iterable[str] | None = None,
    on_file: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Import GeoNames dump files into the gazetteer at ``target`` (default: the default
    gazetteer). With ``replace`` the result holds only what the files give (plus the
    project's patch files are not added); otherwise the files extend the current gazetteer.
    ``classes`` keeps only places of those GeoNames feature classes (e.g. "PA")."""
    paths = [Path(f) for f in files]
    for p in paths:
        if not p.is_file():
            raise InputError(f"{p}: no such file")
    kinds = {p: kind_of(p) for p in paths}
    dest = Path(target) if target is not None else default_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".gazetteer-import-", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    try:
        if not replace and dest.is_file():
            shutil.copyfile(dest, tmp)
            conn = _connect(tmp)
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if not version or int(version[0]) != SCHEMA_VERSION:
                raise GazetteerError(
                    f"{dest} has an old gazetteer schema: run `sitrep gazetteer build --force` first"
                )
        else:
            os.unlink(tmp)
            conn = _connect(tmp)
            conn.executescript(DDL)
            conn.executemany(
                "INSERT INTO meta VALUES (?,?)",
                [("schema", str(SCHEMA_VERSION)), ("sources", ""), ("origin", "dumps")],
            )
        imp = Importer(conn, set(classes) if classes else None)
        # places before alternate names (which attach to known places), admin1 codes last
        order = sorted(paths, key=lambda p: {"geoname": 0, "alternate": 1, "admin1": 2}[kinds[p]])
        for p in order:
            t0 = time.perf_counter()
            with _open_member(p) as lines:
                k = kinds[p]
                n = (
                    imp.geonames(lines, p.name)
                    if k == "geoname"
                    else imp.alternate_names(lines, p.name)
                    if k == "alternate"
                    else imp.admin1_codes(lines, p.name)
                )
            log.info("%s: %d rows in %.1f s", p.name, n, time.perf_counter() - t0)
            if on_file:
                on_file(p.name, n)
        old = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        added = ", ".join(f"{name} ({n:,})" for name, n in imp.counts.items())
        sources = " | ".join(filter(None, [old.get("sources", ""), f"import: {added}"]))
        conn.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?,?)",
            [("sources", sources), ("imported", time.strftime("%Y-%m-%dT%H:%M:%S%z"))],
        )
        conn.commit()
        conn.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    from . import _open

    _open.cache_clear()
    return imp.counts


def download(
    names: Iterable[str],
    directory: str | os.PathLike[str],
    *,
    base_url: str = BASE_URL,
    on_progress: Callable[[str, int], None] | None = None,
) -> list[Path]:
    """Fetch GeoNames dump files (e.g. "allCountries.zip", "cities500.zip", "SY.zip",
    "admin1CodesASCII.txt") into ``directory``; a file already there is not fetched again."""
    out = []
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    for name in names:
        if "/" in name or name.startswith("."):
            raise InputError(f"{name!r} is not a GeoNames dump file name")
        if not name.endswith((".zip", ".txt")):
            name += ".zip"
        path = d / name
        if path.is_file() and path.stat().st_size > 0:
            out.append(path)
            continue
        url = base_url.rstrip("/") + "/" + name
        part = path.with_suffix(path.suffix + ".part")
        try:
            with urllib.request.urlopen(url, timeout=60) as resp, open(part, "wb") as f:  # noqa: S310 - user-chosen base URL
                size = 0
                while chunk := resp.read(1 << 20):
                    f.write(chunk)
                    size += len(chunk)
                    if on_progress:
                        on_progress(name, size)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise GazetteerError(f"could not download {url}: {exc}") from None
        part.replace(path)
        out.append(path)
    return out

"""Writing query results: JSON, JSON Lines, CSV (ACLED's column names for events where
ACLED has one), GeoJSON and Parquet (CSV's columns, typed, for DuckDB, Spark and pandas).
Rows stream; nothing is held whole except by JSON's array brackets, which are written
around the stream."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from ..errors import UsageError

FORMATS = ("json", "jsonl", "csv", "geojson", "parquet")
GEO_KINDS = ("events", "places", "clusters")

# ACLED's export columns first (same names), then sitrep's own.
EVENT_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "inter1",
    "actor2",
    "inter2",
    "civilian_targeting",
    "country",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
    # sitrep
    "date_end",
    "date_text",
    "geonameid",
    "method",
    "civilians",
    "children",
    "women",
    "combatants",
    "injured",
    "displaced",
    "origin",
    "modality",
    "attributed_to",
    "background",
    "mentions",
    "headline",
    "confidence",
    "article_id",
    "event_id",
    "title",
    "url",
    "published",
    "evidence_start",
    "evidence_end",
]
TIME_PRECISION = {"day": 1, "week": 2, "weeks": 2, "month": 3, "months": 3, "year": 3, "years": 3, "range": 2}
ARTICLE_COLUMNS = [
    "id",
    "published",
    "source",
    "title",
    "url",
    "language",
    "n_events",
    "n_errors",
    "credibility",
    "ingested_at",
]
CLAIM_COLUMNS = [
    "article_id",
    "id",
    "claimant",
    "claimant_id",
    "cue",
    "kind",
    "speech",
    "status",
    "text",
    "refuted_by",
    "supported_by",
    "evidence",
    "evidence_start",
    "evidence_end",
    "title",
    "published",
    "source",
]
PLACE_COLUMNS = [
    "article_id",
    "mention",
    "geonameid",
    "name",
    "country",
    "admin1",
    "lat",
    "lon",
    "feature",
    "score",
    "start",
    "end",
    "title",
    "published",
]

# Event clusters (sitrep.corroborate): one row per real-world event, its reports pooled.
CLUSTER_COLUMNS = [
    "cluster_id",
    "event_type",
    "sub_event_type",
    "date_start",
    "date_end",
    "date_precision",
    "location",
    "geonameid",
    "admin1",
    "country",
    "latitude",
    "longitude",
    "geo_precision",
    "n_reports",
    "n_articles",
    "n_sources",
    "sources",
    "first_report",
    "last_report",
    "fatalities_min",
    "fatalities_max",
    "fatalities_median",
    "fatalities_spread",
    "perpetrators",
    "agree",
    "conflict",
    "background",
    "articles",
]


def _name(ref: Any) -> Any:
    return ref.get("name") if isinstance(ref, dict) else ref


def event_row(e: dict[str, Any]) -> dict[str, Any]:
    """One event as a flat row under ACLED's column names."""
    loc, date, fat = e.get("location") or {}, e.get("date") or {}, e.get("fatalities") or {}
    a1, a2, art = e.get("actor1") or {}, e.get("actor2") or {}, e.get("article") or {}
    ev = e.get("evidence") or {}
    return {
        "event_id_cnty": f"{e.get('article_id')}:{e.get('id')}",
        "event_date": date.get("start"),
        "time_precision": TIME_PRECISION.get(date.get("precision") or "", None),
        "event_type": e.get("event_type"),
        "sub_event_type": e.get("sub_event_type"),
        "actor1": a1.get("name"),
        "inter1": a1.get("type"),
        "actor2": a2.get("name"),
        "inter2": a2.get("type"),
        "civilian_targeting": "Civilian targeting" if a2.get("type") == "Civilians" else "",
        "country": loc.get("country"),
        "admin1": loc.get("admin1"),
        "location": loc.get("name"),
        "latitude": loc.get("lat"),
        "longitude": loc.get("lon"),
        "geo_precision": loc.get("geo_precision"),
        "source": art.get("source"),
        "notes": ev.get("text"),
        "fatalities": fat.get("total"),
        "date_end": date.get("end"),
        "date_text": date.get("text"),
        "geonameid": loc.get("geonameid"),
        "method": e.get("method"),
        "civilians": fat.get("civilians"),
        "children": fat.get("children"),
        "women": fat.get("women"),
        "combatants": fat.get("combatants"),
        "injured": e.get("injured"),
        "displaced": e.get("displaced"),
        "origin": (e.get("origin") or {}).get("name"),
        "modality": e.get("modality"),
        "attributed_to": _name(e.get("attributed_to")),
        "background": int(bool(e.get("background"))),
        "mentions": len(e.get("mentions") or []) or None,
        "headline": int(bool(e.get("headline"))),
        "confidence": e.get("confidence"),
        "article_id": e.get("article_id"),
        "event_id": e.get("id"),
        "title": art.get("title"),
        "url": art.get("url"),
        "published": art.get("published"),
        "evidence_start": ev.get("start"),
        "evidence_end": ev.get("end"),
    }


def claim_row(c: dict[str, Any]) -> dict[str, Any]:
    art, ev = c.get("article") or {}, c.get("evidence") or {}
    by = {"refutes": [], "supports": []}  # type: dict[str, list[str]]
    for s in c.get("stances") or []:
        if s.get("stance") in by:
            by[s["stance"]].append(_name(s.get("by")) or "?")
    return {
        "article_id": c.get("article_id"),
        "id": c.get("id"),
        "claimant": _name(c.get("claimant")),
        "claimant_id": (c.get("claimant") or {}).get("id"),
        "cue": c.get("cue"),
        "kind": c.get("kind"),
        "speech": c.get("speech"),
        "status": c.get("status"),
        "text": c.get("text"),
        "refuted_by": "; ".join(by["refutes"]),
        "supported_by": "; ".join(by["supports"]),
        "evidence": ev.get("text"),
        "evidence_start": ev.get("start"),
        "evidence_end": ev.get("end"),
        "title": art.get("title"),
        "published": art.get("published"),
        "source": art.get("source"),
    }


def article_row(a: dict[str, Any]) -> dict[str, Any]:
    row = {k: a.get(k) for k in ARTICLE_COLUMNS}
    cred = a.get("credibility")
    row["credibility"] = cred.get("score") if isinstance(cred, dict) else cred
    return row


def cluster_row(c: dict[str, Any]) -> dict[str, Any]:
    """One event cluster as a flat row: consensus, counts, the toll's range, which details
    agree and which conflict."""
    loc, date, fat = c.get("location") or {}, c.get("date") or {}, c.get("fatalities") or {}
    perp = ((c.get("details") or {}).get("perpetrator") or {}).get("values") or []
    return {
        "cluster_id": c.get("id"),
        "event_type": c.get("event_type"),
        "sub_event_type": c.get("sub_event_type"),
        "date_start": date.get("start"),
        "date_end": date.get("end"),
        "date_precision": date.get("precision"),
        "location": loc.get("name"),
        "geonameid": loc.get("geonameid"),
        "admin1": loc.get("admin1"),
        "country": loc.get("country"),
        "latitude": loc.get("lat"),
        "longitude": loc.get("lon"),
        "geo_precision": loc.get("geo_precision"),
        "n_reports": c.get("n_reports"),
        "n_articles": c.get("n_articles"),
        "n_sources": c.get("n_sources"),
        "sources": "; ".join(c.get("sources") or []),
        "first_report": c.get("first_report"),
        "last_report": c.get("last_report"),
        "fatalities_min": fat.get("min"),
        "fatalities_max": fat.get("max"),
        "fatalities_median": fat.get("median"),
        "fatalities_spread": fat.get("spread"),
        "perpetrators": "; ".join(f"{v['value']} ({', '.join(v['sources'])})" for v in perp),
        "agree": "; ".join(c.get("agree") or []),
        "conflict": "; ".join(c.get("conflict") or []),
        "background": int(bool(c.get("background"))),
        "articles": "; ".join(sorted({r["article_id"] for r in c.get("reports") or []})),
    }


FLATTEN = {
    "events": (EVENT_COLUMNS, event_row),
    "claims": (CLAIM_COLUMNS, claim_row),
    "articles": (ARTICLE_COLUMNS, article_row),
    "places": (PLACE_COLUMNS, lambda p: p),
    "clusters": (CLUSTER_COLUMNS, cluster_row),
}


def _feature(kind: str, row: dict[str, Any]) -> dict[str, Any] | None:
    if kind == "events":
        loc = row.get("location") or {}
        lat, lon = loc.get("lat"), loc.get("lon")
        props = event_row(row)
    elif kind == "places":
        lat, lon = row.get("lat"), row.get("lon")
        props = dict(row)
    elif kind == "clusters":
        loc = row.get("location") or {}
        lat, lon = loc.get("lat"), loc.get("lon")
        props = cluster_row(row)
    else:
        raise UsageError(f"geojson is for located rows ({', '.join(GEO_KINDS)}), not {kind}")
    if lat is None or lon is None:
        return None
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def write(rows: Iterable[dict[str, Any]], fmt: str, out: TextIO, kind: str) -> int:
    """Write ``rows`` of ``kind`` (articles, events, claims, places, clusters) as ``fmt``; returns
    the number written (for GeoJSON: located features)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if fmt == "geojson" and kind not in GEO_KINDS:
        raise UsageError(f"geojson is for located rows ({', '.join(GEO_KINDS)}), not {kind}")
    n = 0
    if fmt == "parquet":
        if getattr(out, "isatty", lambda: False)():
            raise UsageError("parquet is binary: write it to a file (--output FILE or > FILE)")
        out.flush()
        return write_parquet(rows, getattr(out, "buffer", out), kind)
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    elif fmt == "json":
        out.write("[")
        for row in rows:
            out.write(("," if n else "") + "\n" + json.dumps(row, ensure_ascii=False))
            n += 1
        out.write("\n]\n" if n else "]\n")
    elif fmt == "csv":
        columns, flatten = FLATTEN[kind]
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(flatten(row))
            n += 1
    else:
        out.write('{"type": "FeatureCollection", "features": [')
        for row in rows:
            feature = _feature(kind, row)
            if feature is None:
                continue
            out.write(("," if n else "") + "\n" + json.dumps(feature, ensure_ascii=False))
            n += 1
        out.write("\n]}\n")
    return n


# --- Parquet ------------------------------------------------------------------------------
# The same flat columns as CSV (ACLED's names for events), typed, plus ``data``: the whole
# row as JSON, so nothing is lost. Written in row groups as the rows stream (bounded memory).
PARQUET_ROWS = 5000
_INT = {
    "time_precision",
    "geo_precision",
    "fatalities",
    "civilians",
    "children",
    "women",
    "combatants",
    "injured",
    "displaced",
    "headline",
    "geonameid",
    "evidence_start",
    "evidence_end",
    "n_events",
    "n_errors",
    "start",
    "end",
}
_FLOAT = {"latitude", "longitude", "confidence", "credibility", "lat", "lon", "score"}
# event clusters (sitrep.corroborate)
_INT |= {"n_reports", "n_articles", "n_sources", "fatalities_min", "fatalities_max", "background"}
_FLOAT |= {"fatalities_median", "fatalities_spread"}


def _typed(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return None
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def write_parquet(rows: Iterable[dict[str, Any]], out: Any, kind: str, row_group: int = PARQUET_ROWS) -> int:
    """Write ``rows`` of ``kind`` as Parquet to ``out`` (a path or a binary file object);
    returns the number of rows. Needs pyarrow (``pip install 'sitrep[parquet]'``)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("--format parquet needs pyarrow (pip install 'sitrep[parquet]')") from None
    columns, flatten = FLATTEN[kind]
    kinds = {c: "int" if c in _INT else "float" if c in _FLOAT else "str" for c in columns}
    types = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}
    schema = pa.schema([(c, types[kinds[c]]) for c in columns] + [("data", pa.string())])
    n = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        buf: dict[str, list[Any]] = {name: [] for name in schema.names}

        def flush() -> None:
            if buf["data"]:
                writer.write_table(pa.table(buf, schema=schema))
                for v in buf.values():
                    v.clear()

        for row in rows:
            flat = flatten(row)
            for c in columns:
                buf[c].append(_typed(flat.get(c), kinds[c]))
            buf["data"].append(json.dumps(row, ensure_ascii=False))
            n += 1
            if len(buf["data"]) >= row_group:
                flush()
        flush()
    return n

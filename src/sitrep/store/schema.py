"""The store's schema, as numbered migrations shared by every backend.

Each migration is a list of statements in the common subset of SQLite and PostgreSQL
(``{json}``, ``{real}``, ``{autoinc}`` are filled per backend). A store records the
migrations it has applied in ``schema_migrations`` and applies the missing ones, in order,
when it is opened. Add a migration; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "articles, events, claims, places, figures, with their evidence",
        [
            """CREATE TABLE articles (
                id TEXT PRIMARY KEY,
                content_hash TEXT NOT NULL UNIQUE,
                url TEXT, source TEXT, title TEXT, published TEXT, language TEXT,
                n_events INTEGER NOT NULL DEFAULT 0,
                n_errors INTEGER NOT NULL DEFAULT 0,
                ingested_at TEXT NOT NULL,
                record {json} NOT NULL
            )""",
            "CREATE INDEX articles_published ON articles (published)",
            "CREATE INDEX articles_source ON articles (source)",
            """CREATE TABLE events (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                event_id TEXT NOT NULL,
                headline INTEGER NOT NULL DEFAULT 0,
                event_type TEXT, sub_event_type TEXT, method TEXT,
                date_start TEXT, date_end TEXT, date_precision TEXT,
                place_name TEXT, geonameid INTEGER, country TEXT, admin1 TEXT,
                lat {real}, lon {real}, geo_precision INTEGER,
                actor1 TEXT, actor1_id TEXT, actor1_type TEXT,
                actor2 TEXT, actor2_id TEXT, actor2_type TEXT,
                fatalities INTEGER, civilians INTEGER, children INTEGER, women INTEGER, combatants INTEGER,
                injured INTEGER, displaced INTEGER,
                modality TEXT, attributed_to TEXT, confidence {real},
                evidence TEXT, evidence_start INTEGER, evidence_end INTEGER,
                data {json} NOT NULL,
                PRIMARY KEY (article_id, event_id)
            )""",
            "CREATE INDEX events_date ON events (date_start, date_end)",
            "CREATE INDEX events_type ON events (event_type, sub_event_type)",
            "CREATE INDEX events_country ON events (country)",
            "CREATE INDEX events_latlon ON events (lat, lon)",
            "CREATE INDEX events_actor1 ON events (actor1)",
            "CREATE INDEX events_actor2 ON events (actor2)",
            """CREATE TABLE claims (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                claim_id TEXT NOT NULL,
                claimant TEXT, claimant_id TEXT, cue TEXT, kind TEXT, status TEXT,
                text TEXT, evidence_start INTEGER, evidence_end INTEGER,
                data {json} NOT NULL,
                PRIMARY KEY (article_id, claim_id)
            )""",
            "CREATE INDEX claims_claimant ON claims (claimant)",
            """CREATE TABLE places (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                mention TEXT, geonameid INTEGER, name TEXT, country TEXT, admin1 TEXT,
                lat {real}, lon {real}, feature TEXT, score {real},
                start_char INTEGER, end_char INTEGER,
                PRIMARY KEY (article_id, seq)
            )""",
            "CREATE INDEX places_geonameid ON places (geonameid)",
            "CREATE INDEX places_country ON places (country)",
            """CREATE TABLE figures (
                article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                value {real}, qualifier TEXT, unit TEXT, what TEXT, source TEXT,
                evidence TEXT, evidence_start INTEGER, evidence_end INTEGER,
                data {json} NOT NULL,
                PRIMARY KEY (article_id, seq)
            )""",
        ],
    ),
    (
        2,
        "event clusters: reports of one event across articles, their index, article credibility",
        [
            """CREATE TABLE clusters (
                id TEXT PRIMARY KEY,
                event_type TEXT, sub_event_type TEXT,
                date_start TEXT, date_end TEXT,
                place_name TEXT, geonameid INTEGER, country TEXT, admin1 TEXT,
                lat {real}, lon {real}, geo_precision INTEGER,
                n_reports INTEGER NOT NULL DEFAULT 0,
                n_articles INTEGER NOT NULL DEFAULT 0,
                n_sources INTEGER NOT NULL DEFAULT 0,
                first_report TEXT, last_report TEXT,
                fatalities_min INTEGER, fatalities_max INTEGER,
                n_conflicts INTEGER NOT NULL DEFAULT 0,
                background INTEGER NOT NULL DEFAULT 0,
                updated_at TEXT NOT NULL,
                data {json} NOT NULL
            )""",
            "CREATE INDEX clusters_date ON clusters (date_start, date_end)",
            "CREATE INDEX clusters_latlon ON clusters (lat, lon)",
            "CREATE INDEX clusters_country ON clusters (country)",
            "CREATE INDEX clusters_sources ON clusters (n_sources)",
            """CREATE TABLE cluster_reports (
                article_id TEXT NOT NULL,
                event_id TEXT NOT NULL,
                cluster_id TEXT NOT NULL,
                source TEXT, published TEXT,
                background INTEGER NOT NULL DEFAULT 0,
                day_start INTEGER, day_end INTEGER,
                score {real},
                location {json},
                PRIMARY KEY (article_id, event_id)
            )""",
            "CREATE INDEX cluster_reports_cluster ON cluster_reports (cluster_id)",
            """CREATE TABLE cluster_cells (
                level INTEGER NOT NULL,
                cell INTEGER NOT NULL,
                day_start INTEGER NOT NULL,
                day_end INTEGER NOT NULL,
                lat {real} NOT NULL, lon {real} NOT NULL, radius_km {real} NOT NULL,
                sub_event_type TEXT,
                article_id TEXT NOT NULL,
                event_id TEXT NOT NULL
            )""",
            "CREATE INDEX cluster_cells_lookup ON cluster_cells (level, cell, day_start)",
            "CREATE INDEX cluster_cells_report ON cluster_cells (article_id, event_id)",
            """CREATE TABLE credibility (
                article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
                score {real} NOT NULL,
                reasons {json} NOT NULL,
                features {json} NOT NULL,
                updated_at TEXT NOT NULL
            )""",
        ],
    ),
    (
        3,
        "sitrep watch: feeds polled and items seen (conditional-request validators, back-off)",
        [
            """CREATE TABLE watch_feeds (
                url TEXT PRIMARY KEY,
                title TEXT, etag TEXT, last_modified TEXT,
                last_polled TEXT, last_ok TEXT, next_poll TEXT,
                failures INTEGER NOT NULL DEFAULT 0,
                last_error TEXT
            )""",
            """CREATE TABLE watch_items (
                feed_url TEXT NOT NULL,
                item_id TEXT NOT NULL,
                url TEXT,
                first_seen TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                outcome TEXT,
                article_id TEXT,
                PRIMARY KEY (feed_url, item_id)
            )""",
        ],
    ),
]


def latest() -> int:
    return MIGRATIONS[-1][0]

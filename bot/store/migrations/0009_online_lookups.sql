-- Why: on-demand MusicBrainz and Wikidata lookups remember each question's outcome (a title not found is not searched again for a day), when each imported entity was last fetched, Wikidata's importance signal, what a database says where it disagrees with the curated catalog, and let references read from a database carry the status 'database'.

-- One row per question asked of a service: `norm` is the normalised query, `kinds` the entity
-- kinds the command wanted ('release,song,video'). `outcome` 'found' points at the entity the
-- answer was stored as; 'ambiguous' keeps the candidates (JSON) for the picker.
CREATE TABLE online_queries (
    service    TEXT NOT NULL CHECK (service IN ('musicbrainz', 'wikidata')),
    kinds      TEXT NOT NULL,
    norm       TEXT NOT NULL CHECK (norm <> ''),
    outcome    TEXT NOT NULL CHECK (outcome IN ('found', 'not found', 'ambiguous')),
    entity_id  INTEGER REFERENCES entities (id) ON DELETE SET NULL,
    candidates TEXT,
    asked_at   TEXT NOT NULL,
    PRIMARY KEY (service, kinds, norm)
) STRICT;

-- What was fetched from a service, as what entity, and when (UTC): stale rows are refreshed
-- in the background. `kind` is the service's type ('recording', 'release-group', 'artist',
-- 'item').
CREATE TABLE online_entities (
    service     TEXT NOT NULL CHECK (service IN ('musicbrainz', 'wikidata')),
    external_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    entity_id   INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    fetched_at  TEXT NOT NULL,
    PRIMARY KEY (service, external_id)
) STRICT;
CREATE INDEX online_entities_entity ON online_entities (entity_id);
CREATE INDEX online_entities_fetched ON online_entities (fetched_at);

-- Importance signals read from the data (Wikidata sitelink counts), one per entity and signal.
CREATE TABLE importance_signals (
    entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    signal    TEXT NOT NULL CHECK (signal IN ('wikidata sitelinks', 'musicbrainz releases')),
    value     INTEGER NOT NULL CHECK (value >= 0),
    PRIMARY KEY (entity_id, signal)
) STRICT, WITHOUT ROWID;

-- A value a database gives for a curated entity that differs from the curated one: the curated
-- value stays in its table and is shown first; this one is noted beside it, with its source.
CREATE TABLE disputed_values (
    entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    field     TEXT NOT NULL CHECK (field IN ('date', 'label', 'premiere')),
    value     TEXT NOT NULL CHECK (value <> ''),
    source_id INTEGER NOT NULL REFERENCES sources (id),
    origin    TEXT NOT NULL,
    PRIMARY KEY (entity_id, field, origin)
) STRICT, WITHOUT ROWID;

-- References gain the status 'database' (read from Wikidata's "based on" / "inspired by").
-- SQLite cannot change a CHECK in place: rebuild the table with the same rows and indexes.
CREATE TABLE entity_references_new (
    id          INTEGER PRIMARY KEY,
    from_id     INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    to_id       INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    relation    TEXT NOT NULL CHECK (relation <> ''),
    status      TEXT NOT NULL CHECK (status IN ('confirmed', 'critic', 'fan', 'database')),
    timestamp_s INTEGER,
    note        TEXT,
    review_id   INTEGER REFERENCES reviews (id) ON DELETE SET NULL,
    source_id   INTEGER NOT NULL REFERENCES sources (id),
    origin      TEXT NOT NULL,
    approved_by INTEGER
) STRICT;
INSERT INTO entity_references_new
    SELECT id, from_id, to_id, relation, status, timestamp_s, note, review_id, source_id, origin,
           approved_by
    FROM entity_references;
DROP TABLE entity_references;
ALTER TABLE entity_references_new RENAME TO entity_references;
CREATE INDEX entity_references_from ON entity_references (from_id);
CREATE INDEX entity_references_to ON entity_references (to_id);
CREATE INDEX entity_references_origin ON entity_references (origin);

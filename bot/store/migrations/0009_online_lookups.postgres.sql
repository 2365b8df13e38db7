-- Why: (PostgreSQL) on-demand MusicBrainz and Wikidata lookups remember each question's outcome (a title not found is not searched again for a day), when each imported entity was last fetched, Wikidata's importance signal, what a database says where it disagrees with the curated catalog, and let references read from a database carry the status 'database'.

-- One row per question asked of a service: `norm` is the normalised query, `kinds` the entity
-- kinds the command wanted ('release,song,video'). `outcome` 'found' points at the entity the
-- answer was stored as; 'ambiguous' keeps the candidates (JSON) for the picker.
CREATE TABLE online_queries (
    service    TEXT COLLATE "C" NOT NULL CHECK (service IN ('musicbrainz', 'wikidata')),
    kinds      TEXT COLLATE "C" NOT NULL,
    norm       TEXT COLLATE "C" NOT NULL CHECK (norm <> ''),
    outcome    TEXT COLLATE "C" NOT NULL CHECK (outcome IN ('found', 'not found', 'ambiguous')),
    entity_id  BIGINT REFERENCES entities (id) ON DELETE SET NULL,
    candidates TEXT COLLATE "C",
    asked_at   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (service, kinds, norm)
);

-- What was fetched from a service, as what entity, and when (UTC): stale rows are refreshed
-- in the background. `kind` is the service's type ('recording', 'release-group', 'artist',
-- 'item').
CREATE TABLE online_entities (
    service     TEXT COLLATE "C" NOT NULL CHECK (service IN ('musicbrainz', 'wikidata')),
    external_id TEXT COLLATE "C" NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,
    entity_id   BIGINT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    fetched_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (service, external_id)
);
CREATE INDEX online_entities_entity ON online_entities (entity_id);
CREATE INDEX online_entities_fetched ON online_entities (fetched_at);

-- Importance signals read from the data (Wikidata sitelink counts), one per entity and signal.
CREATE TABLE importance_signals (
    entity_id BIGINT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    signal    TEXT COLLATE "C" NOT NULL CHECK (signal IN ('wikidata sitelinks', 'musicbrainz releases')),
    value     BIGINT NOT NULL CHECK (value >= 0),
    PRIMARY KEY (entity_id, signal)
);

-- A value a database gives for a curated entity that differs from the curated one: the curated
-- value stays in its table and is shown first; this one is noted beside it, with its source.
CREATE TABLE disputed_values (
    entity_id BIGINT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    field     TEXT COLLATE "C" NOT NULL CHECK (field IN ('date', 'label', 'premiere')),
    value     TEXT COLLATE "C" NOT NULL CHECK (value <> ''),
    source_id BIGINT NOT NULL REFERENCES sources (id),
    origin    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (entity_id, field, origin)
);

-- References gain the status 'database' (read from Wikidata's "based on" / "inspired by").
ALTER TABLE entity_references DROP CONSTRAINT entity_references_status_check;
ALTER TABLE entity_references ADD CONSTRAINT entity_references_status_check
    CHECK (status IN ('confirmed', 'critic', 'fan', 'database'));

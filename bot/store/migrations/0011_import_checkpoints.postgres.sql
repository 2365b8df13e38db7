-- Why: (PostgreSQL) bulk imports of MusicBrainz and Wikidata dumps run for hours; a checkpoint per file lets a killed import resume where it stopped, and the artists a scope selected are remembered so the recording and release dumps imported later follow the same scope.

-- Where an import of one dump file stopped: the member of the tarball (or '' for a plain
-- file) and how many of its lines (or SPARQL bindings) are done, with the byte offset after them.
CREATE TABLE import_checkpoints (
    source     TEXT COLLATE "C" NOT NULL,
    path       TEXT COLLATE "C" NOT NULL,
    member     TEXT COLLATE "C" NOT NULL,
    line       BIGINT NOT NULL CHECK (line >= 0),
    "offset"   BIGINT NOT NULL CHECK ("offset" >= 0),
    scope      TEXT COLLATE "C" NOT NULL,
    finished   BIGINT NOT NULL DEFAULT 0 CHECK (finished IN (0, 1)),
    updated_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (source, path, member)
);

-- MusicBrainz artists a scope ("area=KR", "tag=k-pop") selected from an artist dump.
CREATE TABLE import_scope_artists (
    scope TEXT COLLATE "C" NOT NULL,
    mbid  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (scope, mbid)
);

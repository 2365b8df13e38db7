-- Why: bulk imports of MusicBrainz and Wikidata dumps run for hours; a checkpoint per file lets a killed import resume where it stopped, and the artists a scope selected are remembered so the recording and release dumps imported later follow the same scope.

-- Where an import of one dump file stopped: the member of the tarball (or '' for a plain
-- file) and how many of its lines (or SPARQL bindings) are done, with the byte offset after them.
CREATE TABLE import_checkpoints (
    source     TEXT NOT NULL,
    path       TEXT NOT NULL,
    member     TEXT NOT NULL,
    line       INTEGER NOT NULL CHECK (line >= 0),
    offset     INTEGER NOT NULL CHECK (offset >= 0),
    scope      TEXT NOT NULL,
    finished   INTEGER NOT NULL DEFAULT 0 CHECK (finished IN (0, 1)),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, path, member)
) STRICT;

-- MusicBrainz artists a scope ("area=KR", "tag=k-pop") selected from an artist dump.
CREATE TABLE import_scope_artists (
    scope TEXT NOT NULL,
    mbid  TEXT NOT NULL,
    PRIMARY KEY (scope, mbid)
) STRICT, WITHOUT ROWID;

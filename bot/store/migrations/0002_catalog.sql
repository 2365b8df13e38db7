-- Why: the knowledge catalog (artists, releases, songs, videos, works, credits, references, reviews), where every fact row names its source, plus a name index for search.

-- Where a fact comes from. `key` is the catalog slug, or a generated key for imported
-- data ('kpopnet', 'mb:recording:<mbid>', 'url:<url>').
CREATE TABLE sources (
    id        INTEGER PRIMARY KEY,
    key       TEXT NOT NULL UNIQUE,
    origin    TEXT NOT NULL,
    url       TEXT NOT NULL CHECK (url <> ''),
    outlet    TEXT NOT NULL CHECK (outlet <> ''),
    title     TEXT,
    author    TEXT,
    published TEXT
) STRICT;
CREATE INDEX sources_origin ON sources (origin);

-- One row per catalog thing with a name: the shared identity that aliases, sources, credits,
-- references and review subjects point at. Autocomplete values are "<kind>:<id>".
-- `origin` is the catalog file name ('iu.toml'), 'kpopnet', 'musicbrainz' or 'suggestion';
-- `key` is the catalog slug (or 'kpopnet:<id>', 'mb:<mbid>'), unique per kind, so a
-- re-import updates rows in place. `label` is the display label (at most 100 characters),
-- recomputed after every import so lookups never have to build it.
CREATE TABLE entities (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('artist', 'release', 'song', 'video', 'work')),
    key        TEXT NOT NULL,
    origin     TEXT NOT NULL,
    name       TEXT NOT NULL CHECK (name <> ''),
    hangul     TEXT,
    importance INTEGER NOT NULL DEFAULT 0,
    label      TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, key)
) STRICT;
CREATE INDEX entities_origin ON entities (origin);

-- Entity-level sources (every entity has at least one; the importers enforce it).
CREATE TABLE entity_sources (
    entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    source_id INTEGER NOT NULL REFERENCES sources (id),
    origin    TEXT NOT NULL,
    PRIMARY KEY (entity_id, source_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX entity_sources_source ON entity_sources (source_id);

-- Identifiers in other databases; lets kpopnet and MusicBrainz imports merge into catalog rows.
CREATE TABLE external_ids (
    namespace TEXT NOT NULL CHECK (namespace IN ('kpopnet', 'musicbrainz')),
    value     TEXT NOT NULL,
    entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    origin    TEXT NOT NULL,
    PRIMARY KEY (namespace, value)
) STRICT;
CREATE INDEX external_ids_entity ON external_ids (entity_id);

CREATE TABLE artists (
    entity_id         INTEGER PRIMARY KEY REFERENCES entities (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('person', 'group', 'other')),
    legal_name        TEXT,
    legal_name_hangul TEXT,
    disambiguation    TEXT,
    birth_date        TEXT,
    debut_date        TEXT,
    end_date          TEXT,
    agency            TEXT,
    parent_group_id   INTEGER REFERENCES entities (id) ON DELETE SET NULL
) STRICT;
-- "On this day": month-day lookups use these expression indexes.
CREATE INDEX artists_birth_md ON artists (substr(birth_date, 6, 5));
CREATE INDEX artists_debut_md ON artists (substr(debut_date, 6, 5));

CREATE TABLE releases (
    entity_id INTEGER PRIMARY KEY REFERENCES entities (id) ON DELETE CASCADE,
    type      TEXT NOT NULL CHECK (type IN ('single', 'ep', 'album', 'repackage', 'other')),
    date      TEXT,
    label     TEXT,
    parent_id INTEGER REFERENCES entities (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX releases_md ON releases (substr(date, 6, 5));
CREATE INDEX releases_parent ON releases (parent_id);

CREATE TABLE songs (
    entity_id INTEGER PRIMARY KEY REFERENCES entities (id) ON DELETE CASCADE,
    length_s  INTEGER
) STRICT;

CREATE TABLE videos (
    entity_id INTEGER PRIMARY KEY REFERENCES entities (id) ON DELETE CASCADE,
    song_id   INTEGER REFERENCES entities (id) ON DELETE SET NULL,
    kind      TEXT NOT NULL DEFAULT 'music video'
              CHECK (kind IN ('music video', 'art film', 'trailer', 'short film')),
    youtube   TEXT,
    premiere  TEXT,
    length_s  INTEGER
) STRICT;
CREATE INDEX videos_song ON videos (song_id);
CREATE INDEX videos_md ON videos (substr(premiere, 6, 5));

-- External works that songs and videos reference (films, books, artworks, …).
CREATE TABLE works (
    entity_id INTEGER PRIMARY KEY REFERENCES entities (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    creator   TEXT,
    year      INTEGER,
    note      TEXT
) STRICT;

-- Performing artists of a song or release, in credit order.
CREATE TABLE performers (
    subject_id  INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    artist_id   INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    credited_as TEXT,
    source_id   INTEGER NOT NULL REFERENCES sources (id),
    origin      TEXT NOT NULL,
    PRIMARY KEY (subject_id, position)
) STRICT;
CREATE INDEX performers_artist ON performers (artist_id);

CREATE TABLE release_tracks (
    release_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    song_id    INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    source_id  INTEGER NOT NULL REFERENCES sources (id),
    origin     TEXT NOT NULL,
    PRIMARY KEY (release_id, position)
) STRICT;
CREATE INDEX release_tracks_song ON release_tracks (song_id);

CREATE TABLE memberships (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    group_id   INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    stage_name TEXT,
    since      TEXT,
    until      TEXT,
    current    INTEGER CHECK (current IN (0, 1)),
    roles      TEXT,
    source_id  INTEGER NOT NULL REFERENCES sources (id),
    origin     TEXT NOT NULL,
    UNIQUE (person_id, group_id, origin)
) STRICT;
CREATE INDEX memberships_group ON memberships (group_id);

-- Who did what on a song, release or video. `approved_by` is the Discord user id of the
-- moderator who approved a user suggestion (origin 'suggestion').
CREATE TABLE credits (
    id           INTEGER PRIMARY KEY,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('song', 'release', 'video')),
    subject_id   INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    artist_id    INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role <> ''),
    credited_as  TEXT,
    detail       TEXT,
    confidence   TEXT NOT NULL DEFAULT 'A' CHECK (confidence IN ('A', 'B', 'C')),
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    origin       TEXT NOT NULL,
    approved_by  INTEGER,
    UNIQUE (subject_id, artist_id, role, source_id)
) STRICT;
CREATE INDEX credits_subject ON credits (subject_id, role);
CREATE INDEX credits_artist ON credits (artist_id, role);
CREATE INDEX credits_origin ON credits (origin);

CREATE TRIGGER credits_subject_kind BEFORE INSERT ON credits
WHEN (SELECT kind FROM entities WHERE id = NEW.subject_id) IS NOT NEW.subject_kind
BEGIN
    SELECT RAISE(ABORT, 'credits.subject_kind does not match the subject entity');
END;

CREATE TABLE reviews (
    id        INTEGER PRIMARY KEY,
    key       TEXT NOT NULL UNIQUE,
    origin    TEXT NOT NULL,
    title     TEXT NOT NULL,
    url       TEXT NOT NULL UNIQUE,
    outlet    TEXT NOT NULL,
    author    TEXT,
    published TEXT,
    summary   TEXT,
    source_id INTEGER NOT NULL REFERENCES sources (id)
) STRICT;
CREATE INDEX reviews_origin ON reviews (origin);

CREATE TABLE review_subjects (
    review_id INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    entity_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    origin    TEXT NOT NULL,
    PRIMARY KEY (review_id, entity_id)
) STRICT;
CREATE INDEX review_subjects_entity ON review_subjects (entity_id);

-- A song or video referencing a work, song, video or release; `status` says who claims it.
CREATE TABLE entity_references (
    id          INTEGER PRIMARY KEY,
    from_id     INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    to_id       INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    relation    TEXT NOT NULL CHECK (relation <> ''),
    status      TEXT NOT NULL CHECK (status IN ('confirmed', 'critic', 'fan')),
    timestamp_s INTEGER,
    note        TEXT,
    review_id   INTEGER REFERENCES reviews (id) ON DELETE SET NULL,
    source_id   INTEGER NOT NULL REFERENCES sources (id),
    origin      TEXT NOT NULL,
    approved_by INTEGER
) STRICT;
CREATE INDEX entity_references_from ON entity_references (from_id);
CREATE INDEX entity_references_to ON entity_references (to_id);
CREATE INDEX entity_references_origin ON entity_references (origin);

-- A documented tie between an artist and an external work that is not a credit.
CREATE TABLE artist_works (
    id        INTEGER PRIMARY KEY,
    artist_id INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    work_id   INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('actor', 'director', 'author', 'soundtrack')),
    source_id INTEGER NOT NULL REFERENCES sources (id),
    origin    TEXT NOT NULL,
    UNIQUE (artist_id, work_id, role, source_id)
) STRICT;
CREATE INDEX artist_works_work ON artist_works (work_id);

-- Every name of every entity, in any script. `norm` is the search form: NFKC, case-folded,
-- accents, punctuation and spaces removed ("Love wins all" -> "lovewinsall").
CREATE TABLE names (
    id         INTEGER PRIMARY KEY,
    entity_id  INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    norm       TEXT NOT NULL CHECK (norm <> ''),
    type       TEXT NOT NULL
               CHECK (type IN ('stage', 'hangul', 'legal', 'romanization', 'hint', 'title')),
    locale     TEXT CHECK (locale IN ('en', 'ko')),
    is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    origin     TEXT NOT NULL,
    UNIQUE (entity_id, norm)
) STRICT;
CREATE UNIQUE INDEX names_primary ON names (entity_id, locale) WHERE is_primary = 1;
-- Exact and prefix lookups (covers 1-2 character queries that trigrams cannot).
CREATE INDEX names_norm ON names (norm, kind);
CREATE INDEX names_origin ON names (origin);

-- Substring and fuzzy lookups for queries of three characters or more.
CREATE VIRTUAL TABLE names_fts USING fts5 (
    norm, content = 'names', content_rowid = 'id', tokenize = 'trigram'
);

CREATE TRIGGER names_fts_insert AFTER INSERT ON names BEGIN
    INSERT INTO names_fts (rowid, norm) VALUES (NEW.id, NEW.norm);
END;

CREATE TRIGGER names_fts_delete AFTER DELETE ON names BEGIN
    INSERT INTO names_fts (names_fts, rowid, norm) VALUES ('delete', OLD.id, OLD.norm);
END;

CREATE TRIGGER names_fts_update AFTER UPDATE OF norm ON names BEGIN
    INSERT INTO names_fts (names_fts, rowid, norm) VALUES ('delete', OLD.id, OLD.norm);
    INSERT INTO names_fts (rowid, norm) VALUES (NEW.id, NEW.norm);
END;

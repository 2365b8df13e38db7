-- Why: at 1.47M names, a substring or typo search among some kinds (an autocomplete of "lem" among artists) looked up each FTS5 match's row, by the (id, kind) index of migration 0022, only to read its kind: up to 2,000 B-tree seeks a query, most of the search's tail. The trigram index now keys each name by its id and its kind, so a match's kind is read from its rowid.

-- The index becomes contentless (content = ''): a name's rowid in it is its id times 8 plus
-- its kind's code, the kind's place in ENTITY_KINDS (bot/store/catalog/rows.py, kind_code_sql
-- spells this CASE), so rowids keep the ids' order and ``rowid >> 3`` is the name's id. Only
-- rowids are read from it; the triggers (with migration 0021's deferral) and a batch's
-- deferred indexing (bot/store/catalog/writes.py) write those keys.
DROP TRIGGER names_fts_insert;
DROP TRIGGER names_fts_delete;
DROP TRIGGER names_fts_update;
DROP TABLE names_fts;

CREATE VIRTUAL TABLE names_fts USING fts5 (norm, content = '', tokenize = 'trigram');

INSERT INTO names_fts (rowid, norm)
SELECT id * 8 + (CASE kind WHEN 'artist' THEN 0 WHEN 'release' THEN 1 WHEN 'song' THEN 2
    WHEN 'video' THEN 3 WHEN 'work' THEN 4 END), norm
FROM names ORDER BY id;
INSERT INTO names_fts (names_fts) VALUES ('optimize');

CREATE TRIGGER names_fts_insert AFTER INSERT ON names
WHEN NEW.id <= coalesce(
    (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'names_fts_deferred_after'), NEW.id)
BEGIN
    INSERT INTO names_fts (rowid, norm)
    VALUES (NEW.id * 8 + (CASE NEW.kind WHEN 'artist' THEN 0 WHEN 'release' THEN 1
        WHEN 'song' THEN 2 WHEN 'video' THEN 3 WHEN 'work' THEN 4 END), NEW.norm);
END;

CREATE TRIGGER names_fts_delete AFTER DELETE ON names
WHEN OLD.id <= coalesce(
    (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'names_fts_deferred_after'), OLD.id)
BEGIN
    INSERT INTO names_fts (names_fts, rowid, norm)
    VALUES ('delete', OLD.id * 8 + (CASE OLD.kind WHEN 'artist' THEN 0 WHEN 'release' THEN 1
        WHEN 'song' THEN 2 WHEN 'video' THEN 3 WHEN 'work' THEN 4 END), OLD.norm);
END;

CREATE TRIGGER names_fts_update AFTER UPDATE OF norm, kind ON names
WHEN OLD.id <= coalesce(
    (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'names_fts_deferred_after'), OLD.id)
BEGIN
    INSERT INTO names_fts (names_fts, rowid, norm)
    VALUES ('delete', OLD.id * 8 + (CASE OLD.kind WHEN 'artist' THEN 0 WHEN 'release' THEN 1
        WHEN 'song' THEN 2 WHEN 'video' THEN 3 WHEN 'work' THEN 4 END), OLD.norm);
    INSERT INTO names_fts (rowid, norm)
    VALUES (NEW.id * 8 + (CASE NEW.kind WHEN 'artist' THEN 0 WHEN 'release' THEN 1
        WHEN 'song' THEN 2 WHEN 'video' THEN 3 WHEN 'work' THEN 4 END), NEW.norm);
END;

-- Its kinds now come from the rowids: the (id, kind) index of migration 0022 has no reader.
DROP INDEX names_id_kind;

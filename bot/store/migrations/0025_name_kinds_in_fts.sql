-- Why: at 1.47M names, a substring of a few letters searched among some kinds (an autocomplete of "lem" among artists) looked up each FTS5 match's row to read its kind, up to 1,500 B-tree seeks a query; the trigram index now holds each name's kind as a token of its own, so the kind filter is a merge of doclists inside FTS5 (bot/store/catalog/names.py, _names_fts).

-- The index becomes contentless (content = ''): its second column holds the kind's token
-- (bot/store/catalog/rows.py, KIND_TOKEN_SQL: U+0001 and the kind's first two letters, a
-- trigram no search form holds), which is not a column of names. Only rowids are read from
-- it; the triggers and the deferred indexing of a batch (migration 0021) write both columns.
DROP TRIGGER names_fts_insert;
DROP TRIGGER names_fts_delete;
DROP TRIGGER names_fts_update;
DROP TABLE names_fts;

CREATE VIRTUAL TABLE names_fts USING fts5 (norm, kind, content = '', tokenize = 'trigram');

INSERT INTO names_fts (rowid, norm, kind)
SELECT id, norm, char(1) || substr(kind, 1, 2) FROM names ORDER BY id;
INSERT INTO names_fts (names_fts) VALUES ('optimize');

CREATE TRIGGER names_fts_insert AFTER INSERT ON names
WHEN NEW.id <= coalesce(
    (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'names_fts_deferred_after'), NEW.id)
BEGIN
    INSERT INTO names_fts (rowid, norm, kind)
    VALUES (NEW.id, NEW.norm, char(1) || substr(NEW.kind, 1, 2));
END;

CREATE TRIGGER names_fts_delete AFTER DELETE ON names
WHEN OLD.id <= coalesce(
    (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'names_fts_deferred_after'), OLD.id)
BEGIN
    INSERT INTO names_fts (names_fts, rowid, norm, kind)
    VALUES ('delete', OLD.id, OLD.norm, char(1) || substr(OLD.kind, 1, 2));
END;

CREATE TRIGGER names_fts_update AFTER UPDATE OF norm, kind ON names
WHEN OLD.id <= coalesce(
    (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'names_fts_deferred_after'), OLD.id)
BEGIN
    INSERT INTO names_fts (names_fts, rowid, norm, kind)
    VALUES ('delete', OLD.id, OLD.norm, char(1) || substr(OLD.kind, 1, 2));
    INSERT INTO names_fts (rowid, norm, kind)
    VALUES (NEW.id, NEW.norm, char(1) || substr(NEW.kind, 1, 2));
END;

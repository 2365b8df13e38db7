-- Why: an import asks, for each alias, whether it is another entity's primary name, and by the (norm, kind) index that read every name of that spelling (hundreds for a common title): primary names get their own small index by norm. And every name inserted one statement at a time made FTS5 write its trigram index to disk once per statement (about four fifths of a dump import's name writes); an import now marks a batch's new names as deferred and indexes them in one statement at the end of the batch (bot/store/catalog/writes.py, deferred_name_index).

-- While a transaction holds the meta row 'names_fts_deferred_after' (never committed: the
-- batch that sets it indexes its names and deletes it before it commits), names with a
-- greater id are neither indexed when inserted nor unindexed when deleted; every other name
-- is kept in step as before.
DROP TRIGGER names_fts_insert;
DROP TRIGGER names_fts_delete;
DROP TRIGGER names_fts_update;

CREATE TRIGGER names_fts_insert AFTER INSERT ON names
WHEN NEW.id <= coalesce(
    (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'names_fts_deferred_after'), NEW.id)
BEGIN
    INSERT INTO names_fts (rowid, norm) VALUES (NEW.id, NEW.norm);
END;

CREATE TRIGGER names_fts_delete AFTER DELETE ON names
WHEN OLD.id <= coalesce(
    (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'names_fts_deferred_after'), OLD.id)
BEGIN
    INSERT INTO names_fts (names_fts, rowid, norm) VALUES ('delete', OLD.id, OLD.norm);
END;

CREATE TRIGGER names_fts_update AFTER UPDATE OF norm ON names
WHEN OLD.id <= coalesce(
    (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'names_fts_deferred_after'), OLD.id)
BEGIN
    INSERT INTO names_fts (names_fts, rowid, norm) VALUES ('delete', OLD.id, OLD.norm);
    INSERT INTO names_fts (rowid, norm) VALUES (NEW.id, NEW.norm);
END;

-- Which of some spellings are another entity's primary name (bot/store/catalog/reconcile.py).
-- is_primary is in the key too: without statistics SQLite then prefers this index, which holds
-- the whole answer, to (norm, kind).
CREATE INDEX names_primary_norm ON names (norm, is_primary, entity_id) WHERE is_primary = 1;

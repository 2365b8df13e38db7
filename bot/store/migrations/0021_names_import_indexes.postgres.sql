-- Why: an import asks, for each alias, whether it is another entity's primary name (it must not be); by the (norm, kind) index that read every name of that spelling (hundreds for a common title), so primary names get their own small index by norm. SQLite's FTS5 name index is now also filled once per import batch (0021_names_import_indexes.sql); PostgreSQL's trigram index (pg_trgm, migration 0002) has no triggers to change.

-- Which of some spellings are another entity's primary name (bot/store/catalog/reconcile.py).
-- is_primary is in the key too: without statistics SQLite then prefers this index, which holds
-- the whole answer, to (norm, kind).
CREATE INDEX names_primary_norm ON names (norm, is_primary, entity_id) WHERE is_primary = 1;

-- Why: SQLite's FTS5 name index is now filled once per import batch (0019_names_fts_deferred.sql); PostgreSQL's trigram index (pg_trgm, migration 0002) has no triggers to change, so nothing happens here but the version number.

SELECT 1;

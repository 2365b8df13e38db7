-- Why: (PostgreSQL only; nothing changes on SQLite) the typo step of a name search reads names that share two of a query's trigrams, in id order, and stops at a window; pg_trgm's index could only find every such name and check each row's text before sorting them (13,000 rows for a common word), so PostgreSQL gets a (trigram, name id) table read as ordered merges, as FTS5 reads its doclists.

-- SQLite's FTS5 trigram table already is that index: nothing to do here
-- (0024_name_trigrams.postgres.sql).

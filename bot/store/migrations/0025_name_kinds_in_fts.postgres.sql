-- Why: (PostgreSQL only; nothing changes here) SQLite's FTS5 trigram index keys each name by its id and kind so a substring or typo search among some kinds reads no row for the kind (0025_name_kinds_in_fts.sql); PostgreSQL reads names by pg_trgm and name_grams, and its kind filter is unchanged.

-- Nothing to do on PostgreSQL.

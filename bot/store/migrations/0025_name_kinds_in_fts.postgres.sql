-- Why: (PostgreSQL only; nothing changes here) SQLite's FTS5 trigram index holds each name's kind as a token so a substring search among some kinds filters inside FTS5 (0025_name_kinds_in_fts.sql); PostgreSQL reads names by pg_trgm and name_grams, and its kind filter is unchanged.

-- Nothing to do on PostgreSQL.

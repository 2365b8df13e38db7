-- Why: (SQLite only; nothing changes on PostgreSQL) at 1.47M names, the trigram step of autocomplete read each match's whole table row only to check its kind; SQLite now has an index of each name's kind by id.

-- PostgreSQL finds trigram matches through pg_trgm (_names_matching_postgres), which reads the
-- kind with the row it has already fetched: nothing to do here (0022_names_kind_by_id.sql).

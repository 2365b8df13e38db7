-- Why: (PostgreSQL only; nothing changes on SQLite) a name search reads a range of one importance band in the index's order and stops after enough names; SQLite's (band, norm) index already orders equal names by rowid, PostgreSQL's needs the id as a key column, or every range is sorted in full before the LIMIT.

-- SQLite's indexes end with the rowid: nothing to do here (0019_name_index_order.postgres.sql).

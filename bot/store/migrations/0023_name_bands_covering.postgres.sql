-- Why: (PostgreSQL only; nothing changes here) SQLite's band indexes move onto the band's expression so a name search reads them alone (0023_name_bands_covering.sql); PostgreSQL stores names.band as a column, and its (band, form, id) indexes (migration 0019) are read as they are.

-- Nothing to do on PostgreSQL.

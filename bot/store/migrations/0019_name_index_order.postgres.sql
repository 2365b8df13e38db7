-- Why: (PostgreSQL) a name search reads a range of one importance band in the index's order and stops after enough names (migration 0010); the indexes ended with the name form, so equal forms came in no set order and PostgreSQL sorted the whole range (every name starting with "lo") before the LIMIT. With the id as the last key the range is read in (form, id) order, as SQLite reads it (its indexes end with the rowid), and the read stops at the LIMIT.

DROP INDEX names_band_norm;
CREATE INDEX names_band_norm ON names (band, norm, id);
DROP INDEX names_kind_band_norm;
CREATE INDEX names_kind_band_norm ON names (kind, band, norm, id);
DROP INDEX names_band_jamo;
CREATE INDEX names_band_jamo ON names (band, jamo, id) WHERE jamo IS NOT NULL;
DROP INDEX names_kind_band_jamo;
CREATE INDEX names_kind_band_jamo ON names (kind, band, jamo, id) WHERE jamo IS NOT NULL;
DROP INDEX names_band_choseong;
CREATE INDEX names_band_choseong ON names (band, choseong, id) WHERE choseong IS NOT NULL;
DROP INDEX names_kind_band_choseong;
CREATE INDEX names_kind_band_choseong ON names (kind, band, choseong, id) WHERE choseong IS NOT NULL;

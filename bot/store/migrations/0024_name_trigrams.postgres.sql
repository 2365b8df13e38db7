-- Why: (PostgreSQL) the typo step of a name search reads names that share two of a query's trigrams, in id order, and stops at a window; pg_trgm's index could only find every such name and check each row's text before sorting them (13,000 rows for a common word), so PostgreSQL gets a (trigram, name id) table read as ordered merges, as FTS5 reads its doclists.

-- One row per distinct trigram of each name's search form. The key's order is the read's
-- order: a trigram's names by id, so several trigrams' lists merge in id order (index-only)
-- and the read stops at the window (bot/store/catalog/names.py, _names_sharing_postgres).
CREATE TABLE name_grams (
    gram TEXT COLLATE "C" NOT NULL,
    id   BIGINT NOT NULL,
    PRIMARY KEY (gram, id)
);

CREATE FUNCTION name_grams_of(norm TEXT) RETURNS SETOF TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT substr(norm, i, 3) FROM generate_series(1, length(norm) - 2) AS i
$$;

CREATE FUNCTION names_to_grams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM name_grams
        WHERE gram IN (SELECT name_grams_of(OLD.norm)) AND id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO name_grams (gram, id) SELECT name_grams_of(NEW.norm), NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER names_to_grams AFTER INSERT OR DELETE OR UPDATE OF norm, id ON names
FOR EACH ROW EXECUTE FUNCTION names_to_grams();

INSERT INTO name_grams (gram, id) SELECT name_grams_of(norm), id FROM names;

-- The band indexes (migration 0019) also hold each name's importance and entity: a prefix
-- read sorts its names by importance, and keeps only as many entities as the search still
-- needs, from the index alone (no table row read per name).
DROP INDEX names_band_norm;
CREATE INDEX names_band_norm ON names (band, norm, id) INCLUDE (importance, entity_id);
DROP INDEX names_kind_band_norm;
CREATE INDEX names_kind_band_norm ON names (kind, band, norm, id) INCLUDE (importance, entity_id);
DROP INDEX names_band_jamo;
CREATE INDEX names_band_jamo ON names (band, jamo, id) INCLUDE (importance, entity_id)
WHERE jamo IS NOT NULL;
DROP INDEX names_kind_band_jamo;
CREATE INDEX names_kind_band_jamo ON names (kind, band, jamo, id) INCLUDE (importance, entity_id)
WHERE jamo IS NOT NULL;
DROP INDEX names_band_choseong;
CREATE INDEX names_band_choseong ON names (band, choseong, id) INCLUDE (importance, entity_id)
WHERE choseong IS NOT NULL;
DROP INDEX names_kind_band_choseong;
CREATE INDEX names_kind_band_choseong ON names (kind, band, choseong, id)
INCLUDE (importance, entity_id) WHERE choseong IS NOT NULL;

-- An exact name of given kinds is read one range per kind, its names already in the bands'
-- order (band, then id), instead of one range per kind and band; the same index serves the
-- (norm, kind) lookups the one it replaces served.
DROP INDEX names_norm;
CREATE INDEX names_norm ON names (norm, kind, band, id) INCLUDE (importance, entity_id);

-- Why: (PostgreSQL) with hundreds of thousands of imported names, search must rank by importance (curated > Wikidata sitelinks > MusicBrainz release count) inside the index instead of taking the first names alphabetically, and find Hangul as it is typed ("봄ㄴ", "봄나", "ㅂㄴ" -> 봄날).

-- Importance signals from the open databases (NULL: not known).
ALTER TABLE entities ADD COLUMN sitelinks BIGINT;
ALTER TABLE entities ADD COLUMN release_count BIGINT;

-- One number that orders every entity (the same expression as SQLite's; PostgreSQL stores it).
ALTER TABLE entities ADD COLUMN rank BIGINT GENERATED ALWAYS AS (
    CASE
        WHEN origin NOT IN ('kpopnet', 'musicbrainz', 'wikidata') THEN 3000000 + LEAST(importance, 999999)
        WHEN sitelinks > 0 THEN 2000000 + LEAST(sitelinks, 999999)
        WHEN release_count > 0 THEN 1000000 + LEAST(release_count, 999999)
        ELSE LEAST(importance, 999999)
    END
) STORED;

-- The entity's rank copied onto each of its names, so one index orders a name range by it.
ALTER TABLE names ADD COLUMN importance BIGINT NOT NULL DEFAULT 0;
ALTER TABLE names ADD COLUMN band BIGINT GENERATED ALWAYS AS (
    CASE
        WHEN importance >= 3000000 THEN 7
        WHEN importance >= 2000050 THEN 6
        WHEN importance >= 2000010 THEN 5
        WHEN importance >= 2000000 THEN 4
        WHEN importance >= 1000010 THEN 3
        WHEN importance >= 1000003 THEN 2
        WHEN importance >= 1000000 THEN 1
        ELSE 0
    END
) STORED;
ALTER TABLE names ADD COLUMN jamo TEXT COLLATE "C";
ALTER TABLE names ADD COLUMN choseong TEXT COLLATE "C";

UPDATE names SET importance = (SELECT rank FROM entities WHERE entities.id = names.entity_id);

DROP INDEX names_kind_norm;
CREATE INDEX names_band_norm ON names (band, norm);
CREATE INDEX names_kind_band_norm ON names (kind, band, norm);
CREATE INDEX names_band_jamo ON names (band, jamo) WHERE jamo IS NOT NULL;
CREATE INDEX names_band_choseong ON names (band, choseong) WHERE choseong IS NOT NULL;
CREATE INDEX names_kind_band_jamo ON names (kind, band, jamo) WHERE jamo IS NOT NULL;
CREATE INDEX names_kind_band_choseong ON names (kind, band, choseong) WHERE choseong IS NOT NULL;

CREATE FUNCTION entities_rank_to_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE names SET importance = NEW.rank WHERE entity_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER entities_rank_to_names AFTER UPDATE OF origin, importance, sitelinks, release_count
ON entities FOR EACH ROW WHEN (OLD.rank IS DISTINCT FROM NEW.rank)
EXECUTE FUNCTION entities_rank_to_names();

INSERT INTO meta (key, value) SELECT 'hangul_forms_pending', '1' WHERE EXISTS (SELECT 1 FROM names)
ON CONFLICT (key) DO UPDATE SET value = '1';

UPDATE entities SET sitelinks = (SELECT value FROM importance_signals s
    WHERE s.entity_id = entities.id AND s.signal = 'wikidata sitelinks')
WHERE id IN (SELECT entity_id FROM importance_signals WHERE signal = 'wikidata sitelinks');
UPDATE entities SET release_count = (SELECT value FROM importance_signals s
    WHERE s.entity_id = entities.id AND s.signal = 'musicbrainz releases')
WHERE id IN (SELECT entity_id FROM importance_signals WHERE signal = 'musicbrainz releases');

CREATE FUNCTION importance_signals_rank() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE entities SET
        sitelinks = CASE WHEN NEW.signal = 'wikidata sitelinks' THEN NEW.value ELSE sitelinks END,
        release_count = CASE WHEN NEW.signal = 'musicbrainz releases' THEN NEW.value
                        ELSE release_count END
    WHERE id = NEW.entity_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER importance_signals_insert_rank AFTER INSERT ON importance_signals
FOR EACH ROW EXECUTE FUNCTION importance_signals_rank();
CREATE TRIGGER importance_signals_update_rank AFTER UPDATE OF value ON importance_signals
FOR EACH ROW EXECUTE FUNCTION importance_signals_rank();

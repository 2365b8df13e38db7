-- Why: with hundreds of thousands of imported names, search must rank by importance (curated > Wikidata sitelinks > MusicBrainz release count) inside the index instead of taking the first names alphabetically, and find Hangul as it is typed ("봄ㄴ", "봄나", "ㅂㄴ" -> 봄날).

-- Importance signals from the open databases (NULL: not known).
ALTER TABLE entities ADD COLUMN sitelinks INTEGER;
ALTER TABLE entities ADD COLUMN release_count INTEGER;

-- One number that orders every entity: curated entries (any origin but the importers') first,
-- by their own importance; then Wikidata sitelinks; then MusicBrainz release count.
ALTER TABLE entities ADD COLUMN rank INTEGER GENERATED ALWAYS AS (
    CASE
        WHEN origin NOT IN ('kpopnet', 'musicbrainz', 'wikidata') THEN 3000000 + min(importance, 999999)
        WHEN sitelinks > 0 THEN 2000000 + min(sitelinks, 999999)
        WHEN release_count > 0 THEN 1000000 + min(release_count, 999999)
        ELSE min(importance, 999999)
    END
) VIRTUAL;

-- The entity's rank copied onto each of its names, so one index orders a name range by it.
ALTER TABLE names ADD COLUMN importance INTEGER NOT NULL DEFAULT 0;
-- Coarse bands of that rank: searches read a name range band by band, best band first, and
-- stop after enough names; within a band the search orders the few it read by importance.
ALTER TABLE names ADD COLUMN band INTEGER GENERATED ALWAYS AS (
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
) VIRTUAL;
-- Hangul names spelled key by key ("ㅂㅗㅁㄴㅏㄹ") and by initial consonants ("ㅂㄴ"); NULL
-- for names without Hangul. Written by the store from `norm` (bot/hangul.py).
ALTER TABLE names ADD COLUMN jamo TEXT;
ALTER TABLE names ADD COLUMN choseong TEXT;

UPDATE names SET importance = (SELECT rank FROM entities WHERE entities.id = names.entity_id);

-- (kind, norm) is replaced by (kind, band, norm), which serves the same lookups.
DROP INDEX names_kind_norm;
CREATE INDEX names_band_norm ON names (band, norm);
CREATE INDEX names_kind_band_norm ON names (kind, band, norm);
CREATE INDEX names_band_jamo ON names (band, jamo) WHERE jamo IS NOT NULL;
CREATE INDEX names_band_choseong ON names (band, choseong) WHERE choseong IS NOT NULL;
CREATE INDEX names_kind_band_jamo ON names (kind, band, jamo) WHERE jamo IS NOT NULL;
CREATE INDEX names_kind_band_choseong ON names (kind, band, choseong) WHERE choseong IS NOT NULL;

CREATE TRIGGER entities_rank_to_names AFTER UPDATE OF origin, importance, sitelinks, release_count
ON entities WHEN OLD.rank IS NOT NEW.rank
BEGIN
    UPDATE names SET importance = NEW.rank WHERE entity_id = NEW.id;
END;

-- Names stored before this migration get their Hangul forms from the code on next start.
INSERT INTO meta (key, value) SELECT 'hangul_forms_pending', '1' WHERE EXISTS (SELECT 1 FROM names)
ON CONFLICT (key) DO UPDATE SET value = '1';

-- The on-demand lookups record signals in importance_signals (migration 0009); they reach the
-- rank through these columns, so both paths rank the same way.
UPDATE entities SET sitelinks = (SELECT value FROM importance_signals s
    WHERE s.entity_id = entities.id AND s.signal = 'wikidata sitelinks')
WHERE id IN (SELECT entity_id FROM importance_signals WHERE signal = 'wikidata sitelinks');
UPDATE entities SET release_count = (SELECT value FROM importance_signals s
    WHERE s.entity_id = entities.id AND s.signal = 'musicbrainz releases')
WHERE id IN (SELECT entity_id FROM importance_signals WHERE signal = 'musicbrainz releases');

CREATE TRIGGER importance_signals_insert_rank AFTER INSERT ON importance_signals
BEGIN
    UPDATE entities SET
        sitelinks = CASE WHEN NEW.signal = 'wikidata sitelinks' THEN NEW.value ELSE sitelinks END,
        release_count = CASE WHEN NEW.signal = 'musicbrainz releases' THEN NEW.value
                        ELSE release_count END
    WHERE id = NEW.entity_id;
END;

CREATE TRIGGER importance_signals_update_rank AFTER UPDATE OF value ON importance_signals
BEGIN
    UPDATE entities SET
        sitelinks = CASE WHEN NEW.signal = 'wikidata sitelinks' THEN NEW.value ELSE sitelinks END,
        release_count = CASE WHEN NEW.signal = 'musicbrainz releases' THEN NEW.value
                        ELSE release_count END
    WHERE id = NEW.entity_id;
END;

-- Why: importance signals have one home, the entities columns (sitelinks, release_count) that rank names; the importance_signals table the on-demand lookups wrote, and the triggers that copied it into those columns, go (every lookup wrote each signal twice).

-- The triggers kept the columns in step; copy once more so nothing depends on them having run.
UPDATE entities SET sitelinks = (SELECT value FROM importance_signals s
    WHERE s.entity_id = entities.id AND s.signal = 'wikidata sitelinks')
WHERE id IN (SELECT entity_id FROM importance_signals WHERE signal = 'wikidata sitelinks');
UPDATE entities SET release_count = (SELECT value FROM importance_signals s
    WHERE s.entity_id = entities.id AND s.signal = 'musicbrainz releases')
WHERE id IN (SELECT entity_id FROM importance_signals WHERE signal = 'musicbrainz releases');

DROP TRIGGER importance_signals_insert_rank;
DROP TRIGGER importance_signals_update_rank;
DROP TABLE importance_signals;

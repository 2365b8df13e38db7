-- Why: (PostgreSQL) every process sharing the database keeps the catalog version in memory and hears of each change through LISTEN/NOTIFY (bot/store/version_watch.py), so a kept read (autocomplete, a lookup, a card) costs no statement; the version's row notifies every listener when a change to it commits.

-- NOTIFY is transactional: a listener hears of the change only when the writing transaction
-- commits (never of one rolled back), and several changes in one transaction are heard once.
-- The payload is empty: a listener reads the version again, whatever wrote it (the store's
-- bump_catalog_version, a copy, a hand-made UPDATE), so the order notifications arrive in
-- does not matter.
CREATE FUNCTION catalog_version_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('linernotes_catalog_version', '');
    RETURN NULL;
END
$$;

-- Only the version's row: other meta rows (stamps, pending work) notify nobody.
CREATE TRIGGER meta_catalog_version_inserted AFTER INSERT ON meta
FOR EACH ROW WHEN (NEW.key = 'catalog_version') EXECUTE FUNCTION catalog_version_notify();

CREATE TRIGGER meta_catalog_version_updated AFTER UPDATE ON meta
FOR EACH ROW WHEN (NEW.key = 'catalog_version' OR OLD.key = 'catalog_version')
EXECUTE FUNCTION catalog_version_notify();

CREATE TRIGGER meta_catalog_version_deleted AFTER DELETE ON meta
FOR EACH ROW WHEN (OLD.key = 'catalog_version') EXECUTE FUNCTION catalog_version_notify();

CREATE TRIGGER meta_catalog_version_truncated AFTER TRUNCATE ON meta
FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_notify();

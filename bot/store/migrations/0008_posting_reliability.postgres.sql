-- Why: (PostgreSQL) nothing lost, nothing stuck: a post a moderator deleted is recorded as deleted (never re-sent), a feed without validators skips unchanged bodies by hash and backs off, and scheduled posts record their attempts like the outbox.

-- PostgreSQL widens a CHECK in place (SQLite rebuilds the table).
ALTER TABLE feed_outbox DROP CONSTRAINT feed_outbox_state_check;
ALTER TABLE feed_outbox ADD CONSTRAINT feed_outbox_state_check
    CHECK (state IN ('pending', 'sent', 'failed', 'deleted'));
DROP INDEX feed_outbox_pending;
CREATE INDEX feed_outbox_pending ON feed_outbox (subscription_id, id) WHERE state = 'pending';

-- The SHA-256 of the last parsed body, and how many polls in a row it was unchanged.
ALTER TABLE feeds ADD COLUMN body_hash TEXT COLLATE "C";
ALTER TABLE feeds ADD COLUMN unchanged_streak BIGINT NOT NULL DEFAULT 0;

ALTER TABLE scheduled_posts ADD COLUMN last_attempt_at TEXT COLLATE "C";

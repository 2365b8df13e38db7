-- Why: nothing lost, nothing stuck: a post a moderator deleted is recorded as deleted (never re-sent), a feed without validators skips unchanged bodies by hash and backs off, and scheduled posts record their attempts like the outbox.

-- SQLite cannot widen a CHECK in place: rebuild feed_outbox with the 'deleted' state.
CREATE TABLE feed_outbox_new (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES feed_subscriptions (id) ON DELETE CASCADE,
    entry_key       TEXT NOT NULL,
    nonce           TEXT NOT NULL UNIQUE CHECK (length(nonce) <= 25),
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'failed', 'deleted')),
    message_id      INTEGER,
    thread_id       INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_attempt_at TEXT,
    next_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (subscription_id, entry_key)
) STRICT;
INSERT INTO feed_outbox_new SELECT * FROM feed_outbox;
DROP TABLE feed_outbox;
ALTER TABLE feed_outbox_new RENAME TO feed_outbox;
CREATE INDEX feed_outbox_pending ON feed_outbox (subscription_id, id) WHERE state = 'pending';
CREATE INDEX feed_outbox_sent ON feed_outbox (subscription_id, sent_at) WHERE state = 'sent';

-- The SHA-256 of the last parsed body, and how many polls in a row it was unchanged.
ALTER TABLE feeds ADD COLUMN body_hash TEXT;
ALTER TABLE feeds ADD COLUMN unchanged_streak INTEGER NOT NULL DEFAULT 0;

ALTER TABLE scheduled_posts ADD COLUMN last_attempt_at TEXT;

-- Why: the reviews pipeline: feeds (one row per URL), who follows them where, what each feed has shown, and a durable outbox so each review is posted exactly once.

-- One row per canonical URL, however many channels follow it: one fetch serves them all.
CREATE TABLE feeds (
    id               INTEGER PRIMARY KEY,
    url              TEXT NOT NULL UNIQUE,
    title            TEXT,
    etag             TEXT,
    last_modified    TEXT,
    last_fetch_at    TEXT,
    last_success_at  TEXT,
    last_status      INTEGER,
    last_cache_hit   INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    failure_streak   INTEGER NOT NULL DEFAULT 0,
    first_failure_at TEXT,
    next_poll_at     TEXT NOT NULL,
    retry_after      TEXT,
    baselined        INTEGER NOT NULL DEFAULT 0,
    disabled_at      TEXT,
    disabled_reason  TEXT,
    created_at       TEXT NOT NULL
) STRICT;
CREATE INDEX feeds_due ON feeds (next_poll_at) WHERE disabled_reason IS NULL;

CREATE TABLE feed_subscriptions (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,
    feed_id          INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    -- A catalog artist id (slug); no foreign key so feeds do not depend on the catalog schema.
    artist_id        TEXT,
    mention_role_id  INTEGER,
    interval_seconds INTEGER CHECK (interval_seconds IS NULL OR interval_seconds > 0),
    created_at       TEXT NOT NULL,
    created_by       INTEGER,
    UNIQUE (guild_id, channel_id, feed_id)
) STRICT;
CREATE INDEX feed_subscriptions_feed ON feed_subscriptions (feed_id);

-- Every entry key a feed has shown, so an entry is new exactly once.
CREATE TABLE feed_entries_seen (
    feed_id       INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    entry_key     TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    published_at  TEXT,
    PRIMARY KEY (feed_id, entry_key)
) STRICT, WITHOUT ROWID;

-- The intent to post, written before the post is sent; the nonce makes a re-send harmless.
CREATE TABLE feed_outbox (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES feed_subscriptions (id) ON DELETE CASCADE,
    entry_key       TEXT NOT NULL,
    nonce           TEXT NOT NULL UNIQUE CHECK (length(nonce) <= 25),
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
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
CREATE INDEX feed_outbox_pending ON feed_outbox (id) WHERE state = 'pending';
CREATE INDEX feed_outbox_sent ON feed_outbox (subscription_id, sent_at) WHERE state = 'sent';

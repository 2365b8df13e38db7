-- Why: per-server configuration beyond key/values: followed artists, discussion threads, digests, suggestions, departures.

-- Artists a server follows. artist_key is the catalog's stable value ("artist:12") so it survives re-imports.
CREATE TABLE guild_follows (
    guild_id   INTEGER NOT NULL,
    artist_key TEXT NOT NULL,
    label      TEXT NOT NULL,
    added_by   INTEGER,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, artist_key)
) STRICT;

-- One discussion thread per subject (a release, or a review in per-review mode) per server.
CREATE TABLE discussion_threads (
    guild_id    INTEGER NOT NULL,
    subject_key TEXT NOT NULL,
    channel_id  INTEGER NOT NULL,
    thread_id   INTEGER NOT NULL,
    title       TEXT NOT NULL,
    origin      TEXT NOT NULL CHECK (origin IN ('discuss', 'release day', 'review')),
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, subject_key)
) STRICT;
CREATE INDEX discussion_threads_thread ON discussion_threads (thread_id);

-- Scheduled posts that must happen once: a day's digest, a release-day thread.
-- The row is written (with its nonce) before the message is sent; sent_at records the outcome.
CREATE TABLE scheduled_posts (
    guild_id   INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('digest', 'release day')),
    run_key    TEXT NOT NULL,
    nonce      TEXT NOT NULL UNIQUE,
    channel_id INTEGER,
    message_id INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at    TEXT,
    PRIMARY KEY (guild_id, kind, run_key)
) STRICT;

CREATE TABLE suggestions (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    user_id           INTEGER NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('credit', 'reference', 'correction')),
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    evidence_url      TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'approved', 'rejected')),
    modlog_channel_id INTEGER,
    modlog_message_id INTEGER,
    decided_by        INTEGER,
    decided_at        TEXT,
    decision_note     TEXT,
    created_at        TEXT NOT NULL
) STRICT;
CREATE INDEX suggestions_guild ON suggestions (guild_id, status);

-- Servers the bot left; their records are purged after a grace period unless it comes back.
CREATE TABLE guild_departures (
    guild_id INTEGER PRIMARY KEY,
    left_at  TEXT NOT NULL
) STRICT;

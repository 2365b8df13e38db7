-- Why: the release radar: a release may carry a time beside its date (with its own source); members choose artist alerts, each delivered once through the posting protocol; closed DMs are recorded once; each server's calendar is one message edited in place; followed artists' future MusicBrainz releases are refreshed once a day each.

-- The release's local time with its UTC offset ("18:00+09:00"), stated by time_source_id.
ALTER TABLE releases ADD COLUMN time TEXT;
ALTER TABLE releases ADD COLUMN time_source_id INTEGER REFERENCES sources (id);
-- "From now on, soonest first" reads releases by date.
CREATE INDEX releases_date ON releases (date);

-- A member's own alerts: the artists whose releases they want to be told about by DM.
CREATE TABLE member_alerts (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    artist_key TEXT NOT NULL,
    label      TEXT NOT NULL,
    lang       TEXT NOT NULL DEFAULT 'en',  -- the member's language when they added it (DMs)
    added_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id, artist_key)
) STRICT;
CREATE INDEX member_alerts_artist ON member_alerts (artist_key);

-- One alert that must go out once: to a member (kind 'day before' / 'at release', channel_id
-- is the DM channel once opened) or to a server's alerts channel (kind 'channel', user_id 0).
-- claim (row with its nonce) -> attempt (last_attempt_at) -> sent / failed / skipped.
CREATE TABLE alert_deliveries (
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    release_key     TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('day before', 'at release', 'channel')),
    nonce           TEXT NOT NULL UNIQUE CHECK (length(nonce) <= 25),
    due_at          TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    channel_id      INTEGER,
    message_id      INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_attempt_at TEXT,
    next_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    PRIMARY KEY (user_id, release_key, kind, guild_id)
) STRICT;
CREATE INDEX alert_deliveries_pending ON alert_deliveries (due_at) WHERE state = 'pending';
CREATE INDEX alert_deliveries_guild ON alert_deliveries (guild_id);

-- Members whose DMs are closed to the bot (Discord error 50007): recorded once, not retried;
-- told_at is when the member was told (once, on their next /notify).
CREATE TABLE closed_dms (
    user_id     INTEGER PRIMARY KEY,
    recorded_at TEXT NOT NULL,
    told_at     TEXT
) STRICT;

-- One calendar message per server, edited in place. generation moves on (with a new nonce)
-- only when a moderator deleted the message, so a restart edits the same one.
CREATE TABLE calendars (
    guild_id        INTEGER PRIMARY KEY,
    channel_id      INTEGER NOT NULL,
    generation      INTEGER NOT NULL DEFAULT 0,
    nonce           TEXT NOT NULL CHECK (length(nonce) <= 25),
    message_id      INTEGER,
    thread_id       INTEGER,
    content_hash    TEXT,
    last_attempt_at TEXT,
    edited_at       TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL
) STRICT;

-- Which artists had their future MusicBrainz releases looked up, and when (once a day each).
CREATE TABLE radar_refreshes (
    artist_key   TEXT PRIMARY KEY,
    refreshed_at TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('found', 'nothing', 'no id', 'failed')),
    found        INTEGER NOT NULL DEFAULT 0
) STRICT;

-- A server's artist roles for the alerts channel and the self-assign role menu.
CREATE TABLE artist_roles (
    guild_id   INTEGER NOT NULL,
    artist_key TEXT NOT NULL,
    label      TEXT NOT NULL,
    role_id    INTEGER NOT NULL,
    PRIMARY KEY (guild_id, artist_key)
) STRICT;

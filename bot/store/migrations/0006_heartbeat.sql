-- Why: `linernotes status` and the container HEALTHCHECK tell whether the bot is alive and connected from the database alone, so the running bot writes one heartbeat row every half minute.

CREATE TABLE heartbeat (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    written_at       TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    pid              INTEGER NOT NULL,
    version          TEXT NOT NULL,
    shard_count      INTEGER NOT NULL,
    shards_connected INTEGER NOT NULL,
    guild_count      INTEGER NOT NULL,
    latency_ms       INTEGER,
    last_event       TEXT,
    last_event_at    TEXT,
    stopped_at       TEXT
) STRICT;

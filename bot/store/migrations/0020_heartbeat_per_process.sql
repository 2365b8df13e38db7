-- Why: several processes can share one PostgreSQL database (issue 20), and with one heartbeat row `linernotes status` showed whichever process wrote last; each process now keeps its own row, keyed by the shards it runs ('all', or e.g. '0,1/4'), so a restart replaces its own row.

CREATE TABLE heartbeat_by_process (
    process          TEXT PRIMARY KEY,
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
    stopped_at       TEXT,
    phase            TEXT NOT NULL DEFAULT 'running',
    phase_note       TEXT
) STRICT;

-- The one row so far was written by whatever ran; a one-process bot (the common case) runs
-- every shard, so its next beat replaces it.
INSERT INTO heartbeat_by_process (process, written_at, started_at, pid, version, shard_count,
    shards_connected, guild_count, latency_ms, last_event, last_event_at, stopped_at, phase,
    phase_note)
SELECT 'all', written_at, started_at, pid, version, shard_count, shards_connected, guild_count,
    latency_ms, last_event, last_event_at, stopped_at, phase, phase_note
FROM heartbeat;

DROP TABLE heartbeat;

ALTER TABLE heartbeat_by_process RENAME TO heartbeat;

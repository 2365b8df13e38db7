-- Why: the first schema: a record of bundled data loads and per-server settings with their audit.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per guild setting; values are JSON text so settings can be added without migrations.
CREATE TABLE guild_settings (
    guild_id   INTEGER NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    changed_by INTEGER,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, key)
) STRICT;

CREATE TABLE guild_audit (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    key        TEXT NOT NULL,
    old_value  TEXT,
    new_value  TEXT,
    changed_by INTEGER,
    changed_at TEXT NOT NULL
) STRICT;
CREATE INDEX guild_audit_guild ON guild_audit (guild_id, id);

-- Why: members may suggest a release date (and time) with evidence, approved by moderators like other suggestions, so approved dates reach /upcoming, the calendar and alerts.

-- SQLite cannot widen a CHECK in place: rebuild suggestions with the 'release date' kind.
CREATE TABLE suggestions_new (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    user_id           INTEGER NOT NULL,
    kind              TEXT NOT NULL
                      CHECK (kind IN ('credit', 'reference', 'correction', 'release date')),
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
INSERT INTO suggestions_new SELECT * FROM suggestions;
DROP TABLE suggestions;
ALTER TABLE suggestions_new RENAME TO suggestions;
CREATE INDEX suggestions_guild ON suggestions (guild_id, status);

-- Why: `linernotes status` must tell a bot that is starting or retrying Discord apart from one that never ran or stopped, so the heartbeat row says which phase the process is in and, while retrying, why.

ALTER TABLE heartbeat ADD COLUMN phase TEXT NOT NULL DEFAULT 'running';
ALTER TABLE heartbeat ADD COLUMN phase_note TEXT;

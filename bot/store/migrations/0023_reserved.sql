-- Why: (nothing changes) a placeholder for migration 0023, which another branch of this round may use for SQLite name-search indexes; migrations refuse gaps, and this branch's is 0024.

-- Nothing to do on either database.

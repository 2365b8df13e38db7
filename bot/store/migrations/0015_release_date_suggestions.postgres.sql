-- Why: (PostgreSQL) members may suggest a release date (and time) with evidence, approved by moderators like other suggestions, so approved dates reach /upcoming, the calendar and alerts.

-- PostgreSQL widens a CHECK in place (SQLite rebuilds the table); the column's check constraint
-- has PostgreSQL's default name, table_column_check.
ALTER TABLE suggestions DROP CONSTRAINT suggestions_kind_check;
ALTER TABLE suggestions ADD CONSTRAINT suggestions_kind_check
    CHECK (kind IN ('credit', 'reference', 'correction', 'release date'));

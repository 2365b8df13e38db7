-- Why: (PostgreSQL only; nothing changes on SQLite) every process sharing a PostgreSQL database keeps the catalog version in memory and hears of each change through LISTEN/NOTIFY, so a kept read costs no statement; a trigger on the version's row sends the notification, delivered only when the change commits.

-- SQLite: each process has its own file, and the version is read on the event loop's thread
-- without a statement of aiosqlite's (bot/store/core.py, Store.catalog_version): nothing to do
-- here (0026_catalog_version_notify.postgres.sql).

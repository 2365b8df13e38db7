"""Copy the bundled data's rows from a prebuilt SQLite snapshot into an empty catalog.

The snapshot is a database the importers loaded at build time (``bot/knowledge/importers/
snapshot.py`` makes and checks it). Loading it is one ``INSERT … SELECT`` per table, all in C,
in one transaction: a kill leaves none of it. The triggers on ``names`` fill the full-text
index as the rows go in, as they do for the importers.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.errors import StoreError
from bot.store.core import Store

# The snapshot's own stamps in its meta table (what it was built from): never copied.
STAMP_KEYS = ("snapshot_fingerprint", "snapshot_reports")


def snapshot_stamp(path: Path) -> tuple[int, dict[str, str]] | None:
    """Return a snapshot's (schema version, its stamps), or None if it is no usable database."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        marks = ", ".join("?" for _ in STAMP_KEYS)
        rows = conn.execute(f"SELECT key, value FROM meta WHERE key IN ({marks})", STAMP_KEYS)
        return version, {str(k): str(v) for k, v in rows}
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def write_stamps(path: Path, stamps: dict[str, str]) -> None:
    """Record a freshly built snapshot's stamps, then compact it (a closed file, no WAL)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            sorted(stamps.items()),
        )
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("VACUUM")
    finally:
        conn.close()


def _copied_tables(conn: sqlite3.Connection) -> list[str]:
    """Return the snapshot's tables that hold rows, in creation order.

    Left out: meta (merged by key), SQLite's own tables, and virtual tables with their shadow
    tables (the full-text index is filled by the triggers on ``names``).
    """
    rows = conn.execute(
        "SELECT name, sql FROM snap.sqlite_master WHERE type = 'table' ORDER BY rowid"
    ).fetchall()
    virtual = [name for name, sql in rows if str(sql).upper().startswith("CREATE VIRTUAL")]
    tables = []
    for name, _sql in rows:
        if name == "meta" or name.startswith("sqlite_") or name in virtual:
            continue
        if any(name.startswith(f"{v}_") for v in virtual):
            continue
        if conn.execute(f'SELECT 1 FROM snap."{name}" LIMIT 1').fetchone() is not None:
            tables.append(name)
    return tables


def _copy(raw: sqlite3.Connection, path: Path) -> int:
    """Copy the snapshot at ``path`` into the connection's empty catalog; return the rows."""
    # A plain path: URI names work in ATTACH only where SQLite was built to allow them. SQLite
    # opens a file it may not write (an installed package's) for reading.
    raw.execute("ATTACH DATABASE ? AS snap", (str(path.resolve()),))
    try:
        raw.execute("BEGIN IMMEDIATE")
        try:
            # Rows go in table by table; the references between them are checked at COMMIT.
            raw.execute("PRAGMA defer_foreign_keys = ON")
            copied = 0
            for table in _copied_tables(raw):
                columns = ", ".join(
                    f'"{c[1]}"' for c in raw.execute(f'PRAGMA snap.table_info("{table}")')
                )
                cursor = raw.execute(
                    f'INSERT INTO main."{table}" ({columns}) SELECT {columns} FROM snap."{table}"'
                )
                copied += cursor.rowcount
            marks = ", ".join("?" for _ in STAMP_KEYS)
            raw.execute(
                "INSERT INTO main.meta (key, value) SELECT key, value FROM snap.meta "
                f"WHERE key NOT IN ({marks}) ORDER BY key "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                STAMP_KEYS,
            )
            raw.execute("COMMIT")
        except BaseException:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise
    finally:
        raw.execute("DETACH DATABASE snap")
    return copied


async def copy_snapshot(store: Store, path: Path) -> int:
    """Copy a snapshot's rows into the store's (empty) catalog in one transaction.

    SQLite only: the snapshot is a SQLite file attached to the store's connection.
    """
    if store.is_postgres:
        raise StoreError("a bundled snapshot loads into SQLite only")
    return await store.on_thread(lambda raw: _copy(raw, path))

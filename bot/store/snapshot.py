"""Copy the bundled data's rows from a prebuilt SQLite snapshot into an empty catalog.

The snapshot is a database the importers loaded at build time (``bot/knowledge/importers/
snapshot.py`` makes and checks it). Into SQLite, loading it is one ``INSERT … SELECT`` per
table, all in C, in one transaction: a kill leaves none of it. The triggers on ``names`` fill
the full-text index as the rows go in, as they do for the importers. Into PostgreSQL, the
snapshot's rows are read from the file and sent by COPY, table by table in one transaction,
as ``linernotes db copy`` sends a database (``bot/store/copy.py``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from bot.store import copy as copying
from bot.store.core import Store

# The snapshot's own stamps in its meta table (what it was built from): never copied.
STAMP_KEYS = ("snapshot_fingerprint", "snapshot_reports")
# Nor, into PostgreSQL, its catalog version: the target's own is bumped instead.
_NOT_COPIED_KEYS = (*STAMP_KEYS, "catalog_version")


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


def _copied_tables(conn: sqlite3.Connection, schema: str = "snap") -> list[str]:
    """Return the snapshot's tables that hold rows, in creation order.

    Left out: meta (merged by key), SQLite's own tables, and virtual tables with their shadow
    tables (the full-text index is filled by the triggers on ``names``).
    """
    rows = conn.execute(
        f"SELECT name, sql FROM {schema}.sqlite_master WHERE type = 'table' ORDER BY rowid"
    ).fetchall()
    virtual = [name for name, sql in rows if str(sql).upper().startswith("CREATE VIRTUAL")]
    tables = []
    for name, _sql in rows:
        if name == "meta" or name.startswith("sqlite_") or name in virtual:
            continue
        if any(name.startswith(f"{v}_") for v in virtual):
            continue
        if conn.execute(f'SELECT 1 FROM {schema}."{name}" LIMIT 1').fetchone() is not None:
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


# Tables: (name, columns, rows); meta: (key, value) without the stamps.
_Read = tuple[list[tuple[str, list[str], list[tuple[Any, ...]]]], list[tuple[str, str]]]


def _read(path: Path) -> _Read:
    """Read a snapshot's rows (its copied tables, and its meta without the stamps)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = []
        for table in _copied_tables(conn, "main"):
            # hidden: 0 a column, 1 hidden, 2 and 3 generated (computed again by the target)
            columns = [
                str(c[1]) for c in conn.execute(f'PRAGMA table_xinfo("{table}")') if int(c[6]) == 0
            ]
            quoted = ", ".join(f'"{c}"' for c in columns)
            tables.append(
                (table, columns, conn.execute(f'SELECT {quoted} FROM "{table}"').fetchall())
            )
        marks = ", ".join("?" for _ in _NOT_COPIED_KEYS)
        meta = conn.execute(
            f"SELECT key, value FROM meta WHERE key NOT IN ({marks}) ORDER BY key", _NOT_COPIED_KEYS
        ).fetchall()
        return tables, [(str(k), str(v)) for k, v in meta]
    finally:
        conn.close()


async def _copy_into_postgres(store: Store, path: Path) -> int:
    from bot.store.catalog.writes import bump_catalog_version

    tables, meta = await asyncio.to_thread(_read, path)
    by_name = {table: (columns, rows) for table, columns, rows in tables}
    ordered = await copying.tables_in_dependency_order(store, list(by_name))
    async with store.transaction() as conn:
        for table in ordered:
            columns, rows = by_name[table]
            await copying.write_table(conn, store, table, columns, rows)
        await copying.advance_identities(conn, ordered)
        await conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            meta,
        )
        # Not the snapshot's own count: a process that kept reads of the empty catalog under
        # this database's version must see it change.
        await bump_catalog_version(conn)
    # Statistics for the new rows now, not at autovacuum's next round: until then every search
    # would be planned blind (as after `linernotes db copy`).
    await store.execute(f"ANALYZE {', '.join([*ordered, 'name_grams'])}")
    return sum(len(rows) for _, _, rows in tables)


async def copy_snapshot(store: Store, path: Path) -> int:
    """Copy a snapshot's rows into the store's (empty) catalog in one transaction."""
    if store.is_postgres:
        return await _copy_into_postgres(store, path)
    return await store.on_thread(lambda raw: _copy(raw, path))

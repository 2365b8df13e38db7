"""Every row of the catalog, to prove that a failed or killed import changed nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.store import Store

TABLES = (
    "entities",
    "names",
    "sources",
    "credits",
    "entity_references",
    "reviews",
    "memberships",
    "performers",
    "release_tracks",
    "entity_sources",
    "review_subjects",
    "artist_works",
)


async def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Return every row of the catalog tables, to prove a failed import changed nothing."""
    out = {}
    for table in TABLES:
        rows = await store.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")
        out[table] = [tuple(r) for r in rows]
    return out


def database_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Return every row of every table of a SQLite file, sorted, and its full-text index.

    The index is read term by term (fts5vocab ``instance``: term, name row, column, offset),
    so two databases compare equal only if their indexes hold the same entries.
    """
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        out: dict[str, list[tuple[Any, ...]]] = {
            "PRAGMA user_version": [tuple(conn.execute("PRAGMA user_version").fetchone())]
        }
        tables = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'names_fts%' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        for (table,) in tables:
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
            out[table] = sorted(rows, key=repr)
        conn.execute(
            "CREATE VIRTUAL TABLE temp.fts_terms USING fts5vocab(main, names_fts, instance)"
        )
        out["names_fts"] = sorted(conn.execute("SELECT * FROM temp.fts_terms"), key=repr)
        return out
    finally:
        conn.close()

"""Every row of the catalog, to prove that a failed or killed import changed nothing."""

from __future__ import annotations

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

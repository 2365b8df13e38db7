"""Dates and labels a database states: filled where the catalog has none, noted where it differs.

The curated value stays in its table and is shown first; a differing date, label or premiere
from an import or an online lookup is kept beside it (``disputed_values``) with its source.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.catalog.rows import Conn
from bot.store.core import Store


@dataclass(frozen=True, slots=True)
class DisputedRow:
    """A database's value that differs from the curated one, and where it comes from."""

    field: str
    value: str
    origin: str
    url: str
    outlet: str


async def fill_date(conn: Conn, entity_id: int, kind: str, date: str) -> None:
    """Set a release's date or a video's premiere only where none is known yet."""
    if kind == "release":
        await conn.execute(
            "UPDATE releases SET date = ? WHERE entity_id = ? AND date IS NULL", (date, entity_id)
        )
    elif kind == "video":
        await conn.execute(
            "UPDATE videos SET premiere = ? WHERE entity_id = ? AND premiere IS NULL",
            (date, entity_id),
        )


async def _current_values(conn: Conn, entity_id: int, kind: str) -> dict[str, str | None]:
    """Return the stored date and label of a release, or premiere of a video (in a transaction)."""
    if kind == "release":
        cursor = await conn.execute(
            "SELECT date, label FROM releases WHERE entity_id = ?", (entity_id,)
        )
        row = await cursor.fetchone()
        return {} if row is None else {"date": row[0], "label": row[1]}
    if kind == "video":
        cursor = await conn.execute("SELECT premiere FROM videos WHERE entity_id = ?", (entity_id,))
        row = await cursor.fetchone()
        return {} if row is None else {"premiere": row[0]}
    return {}


async def note_disputes(
    conn: Conn,
    entity_id: int,
    kind: str,
    claimed: dict[str, str | None],
    source_id: int,
    origin: str,
) -> None:
    """Replace ``origin``'s disputed values of an entity: each claimed value that differs from
    the stored (curated) one is kept beside it."""
    await conn.execute(
        "DELETE FROM disputed_values WHERE entity_id = ? AND origin = ?", (entity_id, origin)
    )
    stored = await _current_values(conn, entity_id, kind)
    for field, value in sorted(claimed.items()):
        current = stored.get(field)
        if value and current and not (current.startswith(value) or value.startswith(current)):
            await conn.execute(
                "INSERT INTO disputed_values (entity_id, field, value, source_id, origin) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (entity_id, field, value, source_id, origin),
            )


async def disputed(store: Store, entity_id: int) -> list[DisputedRow]:
    """Return what databases say differently about an entity, in a stable order."""
    rows = await store.fetchall(
        "SELECT d.field, d.value, d.origin, s.url, s.outlet FROM disputed_values d "
        "JOIN sources s ON s.id = d.source_id WHERE d.entity_id = ? "
        "ORDER BY d.field, d.origin, d.value",
        (entity_id,),
    )
    return [DisputedRow(*r) for r in rows]

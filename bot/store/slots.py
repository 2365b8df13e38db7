"""Request slots of web services, shared by every process on the database.

One row per service holds the earliest time the next request may leave. Taking a slot moves
it on by the service's interval in the same statement, so two processes (on PostgreSQL, the
row lock orders them) never get the same slot. Times are milliseconds since 1970, UTC, read
from each process's clock (processes sharing a database keep their clocks in sync).
"""

from __future__ import annotations

from bot.store.core import Store


async def take_slot(store: Store, service: str, *, now_ms: int, interval_ms: int) -> int:
    """Reserve the service's next request slot; return when it is (ms since 1970)."""
    later = store.dialect.greatest("next_at_ms", "?")
    async with store.transaction() as conn:
        await conn.execute(
            "INSERT INTO service_slots (service, next_at_ms) VALUES (?, 0) "
            "ON CONFLICT (service) DO NOTHING",
            (service,),
        )
        cursor = await conn.execute(
            f"UPDATE service_slots SET next_at_ms = {later} + ? WHERE service = ? "
            "RETURNING next_at_ms",
            (now_ms, interval_ms, service),
        )
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0]) - interval_ms


async def hold_slots(store: Store, service: str, *, until_ms: int) -> None:
    """Let no process make a request to the service before ``until_ms``."""
    later = store.dialect.greatest("next_at_ms", "?")
    await store.execute(
        f"UPDATE service_slots SET next_at_ms = {later} WHERE service = ?", (until_ms, service)
    )

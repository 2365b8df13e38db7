"""Online lookups: each question's outcome and the fetch times of imported entities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.core import Store

OUTCOMES = ("found", "not found", "ambiguous")


@dataclass(frozen=True, slots=True)
class QueryRow:
    """What a service answered to one question, and when (UTC ISO 8601)."""

    service: str
    kinds: str
    norm: str
    outcome: str
    entity_id: int | None
    candidates: str | None
    asked_at: str


@dataclass(frozen=True, slots=True)
class FetchedRow:
    """An entity fetched from a service, and when."""

    service: str
    external_id: str
    kind: str
    entity_id: int
    fetched_at: str


async def query(store: Store, service: str, kinds: str, norm: str) -> QueryRow | None:
    """Return the remembered outcome of a question, if any."""
    row = await store.fetchone(
        "SELECT service, kinds, norm, outcome, entity_id, candidates, asked_at "
        "FROM online_queries WHERE service = ? AND kinds = ? AND norm = ?",
        (service, kinds, norm),
    )
    return None if row is None else QueryRow(*row)


async def record_query(
    store: Store,
    service: str,
    kinds: str,
    norm: str,
    outcome: str,
    asked_at: str,
    *,
    entity_id: int | None = None,
    candidates: str | None = None,
) -> None:
    """Remember a question's outcome (replacing an older one)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
    await store.execute(
        "INSERT INTO online_queries "
        "(service, kinds, norm, outcome, entity_id, candidates, asked_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (service, kinds, norm) DO UPDATE SET "
        "outcome = excluded.outcome, entity_id = excluded.entity_id, "
        "candidates = excluded.candidates, asked_at = excluded.asked_at",
        (service, kinds, norm, outcome, entity_id, candidates, asked_at),
    )


async def record_fetched(
    store: Store, rows: Sequence[tuple[str, str, str, int]], fetched_at: str
) -> None:
    """Record (service, external id, kind, entity id) as fetched at ``fetched_at``."""
    await store.executemany(
        "INSERT INTO online_entities (service, external_id, kind, entity_id, fetched_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (service, external_id) DO UPDATE SET "
        "kind = excluded.kind, entity_id = excluded.entity_id, fetched_at = excluded.fetched_at",
        [(*row, fetched_at) for row in rows],
    )


async def fetched(store: Store, service: str, external_id: str) -> FetchedRow | None:
    """Return when an external entity was last fetched, if ever."""
    row = await store.fetchone(
        "SELECT service, external_id, kind, entity_id, fetched_at FROM online_entities "
        "WHERE service = ? AND external_id = ?",
        (service, external_id),
    )
    return None if row is None else FetchedRow(*row)


async def fetched_for(store: Store, entity_id: int) -> list[FetchedRow]:
    """Return every fetch record of a local entity, oldest first."""
    rows = await store.fetchall(
        "SELECT service, external_id, kind, entity_id, fetched_at FROM online_entities "
        "WHERE entity_id = ? ORDER BY fetched_at, service, external_id",
        (entity_id,),
    )
    return [FetchedRow(*r) for r in rows]


async def stale(store: Store, service: str, before: str, limit: int) -> list[FetchedRow]:
    """Return entities of a service fetched before ``before``, oldest first."""
    rows = await store.fetchall(
        "SELECT service, external_id, kind, entity_id, fetched_at FROM online_entities "
        "WHERE service = ? AND fetched_at < ? ORDER BY fetched_at, external_id LIMIT ?",
        (service, before, limit),
    )
    return [FetchedRow(*r) for r in rows]

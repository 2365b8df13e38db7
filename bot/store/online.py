"""Online lookups: each question's outcome, fetch times of imported entities, importance signals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.catalog import Conn
from bot.store.catalog.rows import qmarks
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
class DisputedRow:
    """A database's value that differs from the curated one, and where it comes from."""

    field: str
    value: str
    origin: str
    url: str
    outlet: str


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


async def musicbrainz_ids(store: Store, entity_id: int) -> list[str]:
    """Return the MusicBrainz ids that point at an entity, in a stable order."""
    rows = await store.fetchall(
        "SELECT value FROM external_ids WHERE namespace = 'musicbrainz' AND entity_id = ? "
        "ORDER BY value",
        (entity_id,),
    )
    return [str(r[0]) for r in rows]


async def set_signal(store: Store, entity_id: int, signal: str, value: int) -> None:
    """Set an importance signal of an entity."""
    await store.execute(
        "INSERT INTO importance_signals (entity_id, signal, value) VALUES (?, ?, ?) "
        "ON CONFLICT (entity_id, signal) DO UPDATE SET value = excluded.value",
        (entity_id, signal, value),
    )


async def signals(store: Store, entity_id: int) -> dict[str, int]:
    """Return an entity's importance signals by name."""
    rows = await store.fetchall(
        "SELECT signal, value FROM importance_signals WHERE entity_id = ? ORDER BY signal",
        (entity_id,),
    )
    return {str(r[0]): int(r[1]) for r in rows}


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


async def delete_references_from(conn: Conn, origin: str, entity_id: int) -> None:
    """Delete the references ``origin`` stated from an entity (before stating them again)."""
    await conn.execute(
        "DELETE FROM entity_references WHERE origin = ? AND from_id = ?", (origin, entity_id)
    )


async def entity_by_external(conn: Conn, namespace: str, value: str) -> int | None:
    """Return the entity an external id points at, if any."""
    cursor = await conn.execute(
        "SELECT entity_id FROM external_ids WHERE namespace = ? AND value = ?", (namespace, value)
    )
    row = await cursor.fetchone()
    return None if row is None else int(row[0])


async def entity_kind(conn: Conn, entity_id: int) -> str | None:
    """Return an entity's kind (inside a transaction)."""
    cursor = await conn.execute("SELECT kind FROM entities WHERE id = ?", (entity_id,))
    row = await cursor.fetchone()
    return None if row is None else str(row[0])


async def first_video_of(conn: Conn, song_id: int) -> int | None:
    """Return a song's first video (inside a transaction), if any."""
    cursor = await conn.execute(
        "SELECT entity_id FROM videos WHERE song_id = ? ORDER BY entity_id LIMIT 1", (song_id,)
    )
    row = await cursor.fetchone()
    return None if row is None else int(row[0])


async def entity_for_musicbrainz(store: Store, mbid: str) -> int | None:
    """Return the entity a MusicBrainz id points at, if any."""
    row = await store.fetchone(
        "SELECT entity_id FROM external_ids WHERE namespace = 'musicbrainz' AND value = ?", (mbid,)
    )
    return None if row is None else int(row[0])


async def current_values(conn: Conn, entity_id: int, kind: str) -> dict[str, str | None]:
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
    stored = await current_values(conn, entity_id, kind)
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


# Curated entries: any origin but the importers' (the search ranks them in band 7; migration 0010).
_CURATED_BAND = 7
_IMPORTED = "('kpopnet', 'musicbrainz', 'wikidata')"


async def curated_match(conn: Conn, kind: str, norm: str, related: Sequence[str]) -> int | None:
    """Return the one curated entity an imported one is, by name plus a shared release or credit.

    An artist named ``norm`` who performs or is credited on a curated release or song named
    one of ``related``; a release, song or video named ``norm`` performed by an artist named one
    of ``related``. None when there is no such entity, or more than one (never a guess).
    """
    wanted = sorted(set(related))[:50]
    if not norm or not wanted:
        return None
    marks = qmarks(wanted)
    if kind == "artist":
        shared = (
            "SELECT 1 FROM performers p JOIN names w ON w.entity_id = p.subject_id "
            f"WHERE p.artist_id = e.id AND w.norm IN ({marks}) "
            "UNION ALL SELECT 1 FROM credits c JOIN names w ON w.entity_id = c.subject_id "
            f"WHERE c.artist_id = e.id AND w.norm IN ({marks})"
        )
        args: list[object] = [*wanted, *wanted]
    else:
        shared = (
            "SELECT 1 FROM performers p JOIN names w ON w.entity_id = p.artist_id "
            f"WHERE p.subject_id = e.id AND w.norm IN ({marks})"
        )
        args = list(wanted)
    cursor = await conn.execute(
        "SELECT DISTINCT e.id FROM names n JOIN entities e ON e.id = n.entity_id "
        f"WHERE n.band = ? AND n.norm = ? AND e.kind = ? AND e.origin NOT IN {_IMPORTED} "
        f"AND EXISTS ({shared}) ORDER BY e.id LIMIT 2",
        (_CURATED_BAND, norm, kind, *args),
    )
    rows = list(await cursor.fetchall())
    return int(rows[0][0]) if len(rows) == 1 else None


async def primary_elsewhere(conn: Conn, norms: Sequence[str], entity_id: int) -> set[str]:
    """Return which of ``norms`` are another entity's primary name (aliases must not be)."""
    wanted = sorted(set(norms))
    found: set[str] = set()
    for start in range(0, len(wanted), 200):
        chunk = wanted[start : start + 200]
        cursor = await conn.execute(
            "SELECT DISTINCT norm FROM names WHERE band IN (0, 1, 2, 3, 4, 5, 6, 7) "
            f"AND norm IN ({qmarks(chunk)}) AND is_primary = 1 AND entity_id <> ?",
            (*chunk, entity_id),
        )
        found.update(str(r[0]) for r in await cursor.fetchall())
    return found

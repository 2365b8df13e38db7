"""Reconciling what an import brings with the curated catalog: the one curated entity an imported
one is (by name plus a shared release or credit), and which names are another entity's primary
name (an alias must never be)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.store.catalog.rows import Conn, band_of, qmarks
from bot.store.dialect import dialect_of

# Curated entries: any origin but the importers' (the search ranks them in band 7; migration 0010).
_CURATED_BAND = 7
_IMPORTED = "('kpopnet', 'musicbrainz', 'wikidata')"


async def curated_match(conn: Conn, kind: str, norm: str, related: Iterable[str]) -> int | None:
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
    band = band_of(dialect_of(conn))
    cursor = await conn.execute(
        "SELECT DISTINCT e.id FROM names n JOIN entities e ON e.id = n.entity_id "
        f"WHERE {band} = ? AND n.norm = ? AND e.kind = ? AND e.origin NOT IN {_IMPORTED} "
        f"AND EXISTS ({shared}) ORDER BY e.id LIMIT 2",
        (_CURATED_BAND, norm, kind, *args),
    )
    rows = list(await cursor.fetchall())
    return int(rows[0][0]) if len(rows) == 1 else None


async def curated_norms(conn: Conn) -> set[str]:
    """Return the search forms of the curated entities' names: the only ones ``curated_match``
    can find (the curated catalog is written by hand, a few thousand names)."""
    cursor = await conn.execute(
        "SELECT DISTINCT n.norm FROM names n JOIN entities e ON e.id = n.entity_id "
        f"WHERE {band_of(dialect_of(conn))} = ? AND e.origin NOT IN {_IMPORTED}",
        (_CURATED_BAND,),
    )
    return {str(r[0]) for r in await cursor.fetchall()}


async def primary_elsewhere(conn: Conn, norms: Sequence[str], entity_id: int) -> set[str]:
    """Return which of ``norms`` are another entity's primary name (aliases must not be)."""
    wanted = sorted(set(norms))
    found: set[str] = set()
    for start in range(0, len(wanted), 200):
        chunk = wanted[start : start + 200]
        cursor = await conn.execute(
            "SELECT DISTINCT norm FROM names WHERE "
            f"norm IN ({qmarks(chunk)}) AND is_primary = 1 AND entity_id <> ?",
            (*chunk, entity_id),
        )
        found.update(str(r[0]) for r in await cursor.fetchall())
    return found

"""All SQL of bulk-import bookkeeping: per-file checkpoints and the artists a scope selected."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.clock import now_stamp
from bot.store.core import Conn, Store


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """How far the import of one file (and tarball member) got."""

    source: str
    path: str
    member: str
    line: int
    offset: int
    scope: str
    finished: bool


async def checkpoints(store: Store, source: str, path: str) -> dict[str, Checkpoint]:
    """Return the checkpoints of one file, by tarball member ('' for a plain file)."""
    rows = await store.fetchall(
        # "offset" is quoted: a reserved word in PostgreSQL (migration 0011's variant).
        'SELECT source, path, member, line, "offset", scope, finished FROM import_checkpoints '
        "WHERE source = ? AND path = ? ORDER BY member",
        (source, path),
    )
    return {
        str(r[2]): Checkpoint(r[0], r[1], r[2], int(r[3]), int(r[4]), r[5], bool(r[6]))
        for r in rows
    }


async def save_checkpoint(
    conn: Conn,
    source: str,
    path: str,
    member: str,
    line: int,
    offset: int,
    scope: str,
    *,
    finished: bool = False,
) -> None:
    """Record progress inside the transaction that wrote the lines it counts."""
    await conn.execute(
        'INSERT INTO import_checkpoints (source, path, member, line, "offset", scope, finished, '
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, path, member) DO UPDATE "
        'SET line = excluded.line, "offset" = excluded."offset", scope = excluded.scope, '
        "finished = excluded.finished, updated_at = excluded.updated_at",
        (
            source,
            path,
            member,
            line,
            offset,
            scope,
            int(finished),
            now_stamp(),
        ),
    )


async def clear_checkpoints(store: Store, source: str, path: str) -> None:
    """Forget the progress of one file (the next import starts from the top)."""
    await store.execute(
        "DELETE FROM import_checkpoints WHERE source = ? AND path = ?", (source, path)
    )


async def add_scope_artists(conn: Conn, scope: str, mbids: Iterable[str]) -> None:
    """Remember artists a scope selected."""
    await conn.executemany(
        "INSERT INTO import_scope_artists (scope, mbid) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(scope, m) for m in mbids],
    )


async def scope_artists(store: Store, scope: str) -> set[str]:
    """Return the MusicBrainz ids of the artists a scope selected (as many as the scope has)."""
    rows = await store.fetchall(
        "SELECT mbid FROM import_scope_artists WHERE scope = ? ORDER BY mbid", (scope,)
    )
    return {str(r[0]) for r in rows}

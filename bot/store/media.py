"""Pictures and "Listen" links of catalog entities, each with its source and fetched date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.catalog import Conn
from bot.store.catalog.rows import Row, SourceRow
from bot.store.core import Store

ROLES = ("cover", "portrait")
# Origins that fetch pictures; any other origin is a curated catalog file, which they never
# overwrite.
FETCHED_ORIGINS = ("coverartarchive", "wikidata", "commons")
STATUSES = ("found", "none", "pending")


@dataclass(frozen=True, slots=True)
class ImageRow:
    """One picture of an entity (or the memory that there is none), and where it is from."""

    entity_id: int
    role: str
    status: str
    asked: str | None
    url: str | None
    page_url: str | None
    licence: str | None
    author: str | None
    origin: str
    fetched_at: str
    source: SourceRow | None


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A page where an entity can be played, and the source that gives it."""

    entity_id: int
    url: str
    origin: str
    fetched_at: str
    source: SourceRow


_IMAGE_COLS = (
    "i.entity_id, i.role, i.status, i.asked, i.url, i.page_url, i.licence, i.author, i.origin, "
    "i.fetched_at, s.id AS s_id, s.key AS s_key, s.url AS s_url, s.outlet AS s_outlet, "
    "s.title AS s_title, s.origin AS s_origin"
)


def _source(row: Row) -> SourceRow | None:
    if row["s_id"] is None:
        return None
    return SourceRow(
        int(row["s_id"]),
        str(row["s_key"]),
        str(row["s_url"]),
        str(row["s_outlet"]),
        row["s_title"],
        origin=str(row["s_origin"]),
    )


def _image(row: Row) -> ImageRow:
    return ImageRow(
        row["entity_id"],
        row["role"],
        row["status"],
        row["asked"],
        row["url"],
        row["page_url"],
        row["licence"],
        row["author"],
        row["origin"],
        row["fetched_at"],
        _source(row),
    )


async def image(store: Store, entity_id: int, role: str) -> ImageRow | None:
    """Return an entity's picture in a role (found, none or pending), if ever recorded."""
    row = await store.fetchone(
        f"SELECT {_IMAGE_COLS} FROM entity_images i LEFT JOIN sources s ON s.id = i.source_id "
        "WHERE i.entity_id = ? AND i.role = ?",
        (entity_id, role),
    )
    return None if row is None else _image(row)


async def set_image(
    conn: Conn,
    entity_id: int,
    role: str,
    status: str,
    *,
    origin: str,
    fetched_at: str,
    asked: str | None = None,
    url: str | None = None,
    page_url: str | None = None,
    licence: str | None = None,
    author: str | None = None,
    source_id: int | None = None,
    keep_curated: bool = True,
) -> None:
    """Record an entity's picture (or that there is none); a curated one is kept unless told."""
    if role not in ROLES or status not in STATUSES:
        raise ValueError(f"bad image role/status {role!r}/{status!r}")
    marks = ", ".join(f"'{o}'" for o in FETCHED_ORIGINS)
    guard = f" WHERE entity_images.origin IN ({marks})" if keep_curated else ""
    await conn.execute(
        "INSERT INTO entity_images (entity_id, role, status, asked, url, page_url, licence, "
        "author, source_id, origin, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (entity_id, role) DO UPDATE SET status = excluded.status, "
        "asked = excluded.asked, url = excluded.url, page_url = excluded.page_url, "
        "licence = excluded.licence, author = excluded.author, source_id = excluded.source_id, "
        "origin = excluded.origin, fetched_at = excluded.fetched_at" + guard,
        (
            entity_id,
            role,
            status,
            asked,
            url,
            page_url,
            licence,
            author,
            source_id,
            origin,
            fetched_at,
        ),
    )


async def image_asked(conn: Conn, entity_id: int, role: str) -> tuple[str, str, str | None] | None:
    """Return (origin, status, asked) of an entity's picture, read inside a transaction."""
    cursor = await conn.execute(
        "SELECT origin, status, asked FROM entity_images WHERE entity_id = ? AND role = ?",
        (entity_id, role),
    )
    row = await cursor.fetchone()
    return None if row is None else (row["origin"], row["status"], row["asked"])


async def delete_images(conn: Conn, origin: str, entity_ids: Sequence[int]) -> None:
    """Forget the pictures one origin gave these entities (before it says them again)."""
    await conn.executemany(
        "DELETE FROM entity_images WHERE origin = ? AND entity_id = ?",
        [(origin, e) for e in entity_ids],
    )


async def links(store: Store, entity_ids: Sequence[int]) -> list[LinkRow]:
    """Return the "Listen" links of these entities, in a stable order (entity order kept)."""
    if not entity_ids:
        return []
    marks = ", ".join("?" for _ in entity_ids)
    rows = await store.fetchall(
        "SELECT l.entity_id, l.url, l.origin, l.fetched_at, s.id AS s_id, s.key AS s_key, "
        "s.url AS s_url, s.outlet AS s_outlet, s.title AS s_title, s.origin AS s_origin "
        f"FROM listen_links l JOIN sources s ON s.id = l.source_id WHERE l.entity_id IN ({marks}) "
        "ORDER BY l.url, l.origin, l.entity_id",
        list(entity_ids),
    )
    order = {e: i for i, e in enumerate(entity_ids)}
    found = [
        LinkRow(r["entity_id"], r["url"], r["origin"], r["fetched_at"], source)
        for r in rows
        if (source := _source(r)) is not None
    ]
    found.sort(key=lambda ln: (order[ln.entity_id], ln.url, ln.origin))
    return found


async def replace_links(
    conn: Conn,
    entity_id: int,
    origin: str,
    rows: Sequence[tuple[str, int]],
    fetched_at: str,
) -> None:
    """Replace what one origin says about an entity's links with (url, source id) rows."""
    await conn.execute(
        "DELETE FROM listen_links WHERE entity_id = ? AND origin = ?", (entity_id, origin)
    )
    await conn.executemany(
        "INSERT INTO listen_links (entity_id, url, source_id, origin, fetched_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (entity_id, url) DO NOTHING",
        [(entity_id, url, source_id, origin, fetched_at) for url, source_id in rows],
    )


async def counts(store: Store) -> dict[str, int]:
    """Count pictures by role and status and links, for ``linernotes db audit``."""
    out: dict[str, int] = {}
    for role, status, n in await store.fetchall(
        "SELECT role, status, COUNT(*) FROM entity_images GROUP BY role, status "
        "ORDER BY role, status"
    ):
        out[f"{role} {status}"] = int(n)
    row = await store.fetchone("SELECT COUNT(*), COUNT(DISTINCT entity_id) FROM listen_links")
    out["links"] = int(row[0]) if row else 0
    out["entities with links"] = int(row[1]) if row else 0
    return out


async def youtube_ids(store: Store) -> int:
    """Count videos with a YouTube id (each has a thumbnail)."""
    row = await store.fetchone("SELECT COUNT(*) FROM videos WHERE youtube IS NOT NULL")
    return int(row[0]) if row else 0


async def fill_youtube(conn: Conn, video_id: int, youtube: str) -> None:
    """Give a video its YouTube id when it has none (a database never replaces the catalog's)."""
    await conn.execute(
        "UPDATE videos SET youtube = ? WHERE entity_id = ? AND youtube IS NULL",
        (youtube, video_id),
    )

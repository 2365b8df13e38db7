"""New music videos from YouTube feeds: which song a video is of, and recording it there.

A video posted from a feed whose title names a catalog song (the entity linker found it)
becomes a video of that song, sourced to the video's own page, so ``/release`` and the
cards show it. A video the catalog already has (by its YouTube id) is left as it is.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.knowledge.entities import EntityKey
from bot.knowledge.release_time import KST
from bot.store import catalog as db
from bot.store.catalog import provenance
from bot.store.core import Store
from bot.store.posts import ReviewPost
from bot.store.radar import RadarStore

ORIGIN = "youtube"


def song_of_followed(post: ReviewPost, followed: Collection[str]) -> EntityKey | None:
    """Return the first song the post names that a followed artist performs (None: none)."""
    for linked in post.entities:
        key = EntityKey.parse(linked.id)
        if key is None or key.kind != "song":
            continue
        if not followed or any(a in followed for a in linked.artist_ids):
            return key
    return None


async def record_music_video(
    store: Store, song: EntityKey, youtube_id: str, post: ReviewPost
) -> int | None:
    """Record a video of ``song`` from its feed entry; return its id (None: already known)."""
    if await RadarStore(store).video_with_youtube_id(youtube_id) is not None:
        return None
    premiere = None
    if post.published:
        premiere = datetime.fromisoformat(post.published).astimezone(KST).date().isoformat()
    async with store.transaction() as conn:
        source_id = await db.ensure_source(
            conn,
            f"youtube:{youtube_id}",
            ORIGIN,
            post.link or f"https://www.youtube.com/watch?v={youtube_id}",
            post.outlet or "YouTube",
            post.title or None,
        )
        entity_id, _ = await db.ensure_entity(
            conn, "video", f"yt:{youtube_id}", ORIGIN, post.title or youtube_id
        )
        await db.upsert_video(
            conn, entity_id, song.id, "music video", youtube_id, premiere, None, fill_only=True
        )
        await db.add_entity_sources(conn, [db.EntitySourceInsert(entity_id, source_id, ORIGIN)])
        if premiere is not None:
            await provenance.set_attribute_sources(
                conn, "video", entity_id, {"premiere": source_id}, fill_only=True
            )
        await db.refresh_labels(conn, [entity_id])
        await db.bump_catalog_version(conn)
    return entity_id

"""Reviews from feeds: which catalog entries an entry discusses, and storing it as a review."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.knowledge.entities import EntityKey
from bot.knowledge.linking import AliasIndex
from bot.store import catalog as db
from bot.store.core import Store
from bot.store.posts import ReviewPost

ReviewLinker = Callable[[str], list[dict[str, Any]]]


def review_linker(index: AliasIndex) -> ReviewLinker:
    """Return a linker for the feed poller: JSON-ready dicts with "kind:id" values.

    ``artist_ids`` lets an artist filter catch a review that names only a song or album
    (or a member of the group being followed).
    """

    def link(text: str) -> list[dict[str, Any]]:
        out = []
        for entity in index.link(text):
            if entity.ambiguous:
                continue  # never attach a review to a guess
            out.append(
                {
                    "id": entity.value,
                    "kind": entity.kind,
                    "name": entity.name,
                    "label": entity.label,
                    "text": entity.text,
                    "artist_ids": [
                        str(EntityKey("artist", a)) for a in index.artists_of(entity.id)
                    ],
                }
            )
        return out

    return link


def linked_keys(post: ReviewPost) -> list[EntityKey]:
    """Return the keys of the entities a review was linked to, in link order."""
    return [key for value in post.entity_values() if (key := EntityKey.parse(value))]


def first_of(post: ReviewPost, kinds: Sequence[str]) -> EntityKey | None:
    """Return the first linked entity of these kinds."""
    return next((key for key in linked_keys(post) if key.kind in kinds), None)


async def store_review(store: Store, post: ReviewPost) -> int | None:
    """Record a posted entry in the catalog as a review (idempotent by URL)."""
    if not post.link:
        return None
    subject_ids = [key.id for key in linked_keys(post)]
    return await db.record_review(
        store,
        url=post.link,
        title=post.title or post.link,
        outlet=post.outlet or "feed",
        subject_ids=subject_ids,
        author=post.author,
        published=post.published,
        summary=post.summary_text or None,
    )

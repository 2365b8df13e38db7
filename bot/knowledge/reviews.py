"""Reviews from feeds: which catalog entries an entry discusses, and storing it as a review."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from linernotes.bot.knowledge.entities import EntityKey
from linernotes.bot.knowledge.linking import AliasIndex
from linernotes.bot.store import catalog as db
from linernotes.bot.store.core import Store

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


def linked_values(payload: Mapping[str, Any]) -> list[str]:
    """Return the "kind:id" values an outbox payload's entry was linked to."""
    return [
        str(item["id"])
        for item in payload.get("entities") or []
        if isinstance(item, Mapping) and isinstance(item.get("id"), str)
    ]


def linked_keys(payload: Mapping[str, Any]) -> list[EntityKey]:
    """Return the keys of the entities an outbox payload's entry was linked to."""
    return [key for value in linked_values(payload) if (key := EntityKey.parse(value))]


def first_of(payload: Mapping[str, Any], kinds: Sequence[str]) -> EntityKey | None:
    """Return the first linked entity of these kinds."""
    return next((key for key in linked_keys(payload) if key.kind in kinds), None)


async def store_review(store: Store, payload: Mapping[str, Any]) -> int | None:
    """Record a posted entry in the catalog as a review (idempotent by URL)."""
    link = payload.get("link")
    if not link:
        return None
    subject_ids = [key.id for key in linked_keys(payload)]
    return await db.record_review(
        store,
        url=str(link),
        title=str(payload.get("title") or link),
        outlet=str(payload.get("outlet") or "feed"),
        subject_ids=subject_ids,
        author=payload.get("author"),
        published=payload.get("published"),
        summary=payload.get("summary_text") or None,
    )

"""What the bot posts once: a review (``ReviewPost``), the nonce, and the posting protocol.

Every post that must appear exactly once (a feed's review, a day's digest, a release-day
thread) follows one protocol, whatever table records it:

1. **claim**: the intent to post is written, with a deterministic ``make_nonce``, before
   anything is sent. A kill after this loses nothing; a restart finds the claim pending.
2. **attempt**: the time of the send is recorded just before it starts, so a later run
   knows whether Discord may already hold the post.
3. **sent** (with the message id) or **failed** (stays pending with a retry time, or
   gives up for good). A pending claim is sent again with the same nonce and
   ``enforce_nonce``; Discord drops the copy if the first send reached it within its nonce
   window. Past that window, the sender first looks in the channel for the post it may
   have made (``bot/discord_io/posting.py``). A post a moderator deleted stays deleted
   (**deleted**).

The feed outbox (``FeedStore.mark_attempt/mark_sent/mark_failed/mark_deleted``) and
scheduled posts (``GuildStore.claim_post/mark_post_attempt/mark_post_sent/
mark_post_failed``) implement the steps over their own rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

NONCE_LENGTH = 25  # Discord refuses a longer nonce


def make_nonce(*parts: object) -> str:
    """Return the nonce of one post: deterministic from ``parts``, 25 characters."""
    digest = hashlib.sha256("\x00".join(map(str, parts)).encode()).hexdigest()
    return "ln" + digest[: NONCE_LENGTH - 2]


def review_nonce(channel_id: int, feed_url: str, entry_key: str) -> str:
    """Return the nonce of a review posted in a channel.

    Discord de-duplicates nonces per author (the bot), across every channel and server, so a
    nonce is built only from what is the same everywhere: the channel's Discord id and the
    entry (its feed's URL and key), never from a database's own row numbers, which two
    databases (or a copied one) number alike.
    """
    return make_nonce("review", channel_id, feed_url, entry_key)


@dataclass(frozen=True, slots=True)
class LinkedEntity:
    """A catalog entry a review names: ``id`` is its "kind:id" value."""

    id: str
    kind: str
    name: str = ""
    label: str = ""
    artist_ids: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """Return the label people read (the name when there is no label)."""
        return self.label or self.name or self.id

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinkedEntity:
        """Build from a linker result or a stored entity (missing fields are empty)."""
        return cls(
            id=str(data.get("id") or ""),
            kind=str(data.get("kind") or ""),
            name=str(data.get("name") or ""),
            label=str(data.get("label") or ""),
            artist_ids=tuple(str(a) for a in data.get("artist_ids") or ()),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the stored form."""
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "label": self.label,
            "artist_ids": list(self.artist_ids),
        }


@dataclass(frozen=True, slots=True)
class ReviewPost:
    """One review as the bot posts it: the poller makes it, delivery, preview and the review
    store read it, and the outbox stores it as JSON."""

    key: str
    title: str
    link: str | None
    outlet: str
    feed_url: str = ""
    author: str | None = None
    published: str | None = None  # ISO 8601, UTC
    summary: str = ""  # Markdown, for the embed
    summary_text: str = ""  # plain text, for the review store
    image_url: str | None = None
    is_preview: bool = False
    entities: tuple[LinkedEntity, ...] = field(default_factory=tuple)

    def entity_values(self) -> list[str]:
        """Return the "kind:id" values the review was linked to, in link order."""
        return [e.id for e in self.entities if e.id]

    def names_of(self, kinds: Sequence[str]) -> list[str]:
        """Return the display titles of the linked entities of these kinds, once each."""
        return list(dict.fromkeys(e.title for e in self.entities if e.kind in kinds))

    def to_json(self) -> dict[str, Any]:
        """Return the JSON-ready form (stored in the outbox, printed by ``feed preview``)."""
        return {
            "key": self.key,
            "title": self.title,
            "link": self.link,
            "author": self.author,
            "outlet": self.outlet,
            "feed_url": self.feed_url,
            "published": self.published,
            "summary": self.summary,
            "summary_text": self.summary_text,
            "image_url": self.image_url,
            "is_preview": self.is_preview,
            "entities": [e.to_json() for e in self.entities],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReviewPost:
        """Build from the stored form (rows written by older versions included)."""
        return cls(
            key=str(data.get("key") or data.get("entry_key") or ""),
            title=str(data.get("title") or ""),
            link=data.get("link") or None,
            outlet=str(data.get("outlet") or ""),
            feed_url=str(data.get("feed_url") or ""),
            author=data.get("author") or None,
            published=data.get("published") or None,
            summary=str(data.get("summary") or ""),
            summary_text=str(data.get("summary_text") or ""),
            image_url=data.get("image_url") or None,
            is_preview=bool(data.get("is_preview")),
            entities=tuple(
                LinkedEntity.from_json(e)
                for e in data.get("entities") or ()
                if isinstance(e, Mapping)
            ),
        )

"""The feed tables' rows: frozen dataclasses built from SQLite rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.clock import parse_stamp, utc_now
from bot.store.posts import ReviewPost


# -- rows ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FeedRow:
    """One followed feed URL and its fetch state."""

    id: int
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_status: int | None
    last_cache_hit: bool
    last_error: str | None
    failure_streak: int
    first_failure_at: datetime | None
    next_poll_at: datetime
    retry_after: datetime | None
    baselined: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime
    body_hash: str | None = None
    unchanged_streak: int = 0

    @property
    def disabled(self) -> bool:
        """Whether polling stopped after repeated failures."""
        return self.disabled_reason is not None

    @classmethod
    def from_row(cls, row: sqlite3.Row | Mapping[str, Any]) -> FeedRow:
        """Build from a ``feeds`` row."""
        return cls(
            id=row["id"],
            url=row["url"],
            title=row["title"],
            etag=row["etag"],
            last_modified=row["last_modified"],
            last_fetch_at=parse_stamp(row["last_fetch_at"]),
            last_success_at=parse_stamp(row["last_success_at"]),
            last_status=row["last_status"],
            last_cache_hit=bool(row["last_cache_hit"]),
            last_error=row["last_error"],
            failure_streak=row["failure_streak"],
            first_failure_at=parse_stamp(row["first_failure_at"]),
            next_poll_at=parse_stamp(row["next_poll_at"]) or utc_now(),
            retry_after=parse_stamp(row["retry_after"]),
            baselined=bool(row["baselined"]),
            disabled_at=parse_stamp(row["disabled_at"]),
            disabled_reason=row["disabled_reason"],
            created_at=parse_stamp(row["created_at"]) or utc_now(),
            body_hash=row["body_hash"],
            unchanged_streak=row["unchanged_streak"],
        )


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel following a feed, with its optional artist filter and role to mention."""

    id: int
    guild_id: int
    channel_id: int
    feed_id: int
    artist_id: str | None
    mention_role_id: int | None
    interval_seconds: int | None
    created_at: datetime
    created_by: int | None

    @classmethod
    def from_row(cls, row: sqlite3.Row | Mapping[str, Any]) -> Subscription:
        """Build from a ``feed_subscriptions`` row."""
        return cls(
            id=row["id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            feed_id=row["feed_id"],
            artist_id=row["artist_id"],
            mention_role_id=row["mention_role_id"],
            interval_seconds=row["interval_seconds"],
            created_at=parse_stamp(row["created_at"]) or utc_now(),
            created_by=row["created_by"],
        )


@dataclass(frozen=True, slots=True)
class SubscriptionStatus:
    """A subscription with its feed's state and its delivery summary, for ``/feed status``."""

    subscription: Subscription
    feed: FeedRow
    pending: int
    last_sent_at: datetime | None
    last_sent_title: str | None


@dataclass(frozen=True, slots=True)
class DueFeed:
    """A feed to poll now and the interval its subscriptions ask for (the shortest)."""

    feed: FeedRow
    interval_seconds: int


@dataclass(frozen=True, slots=True)
class EntryCandidate:
    """A parsed entry offered to the store: key, date, what to post, and catalog ids it names.

    ``post`` is None for an entry already seen (only its key and place in the feed matter).
    """

    key: str
    published_at: datetime | None
    post: ReviewPost | None = None
    entity_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """An entry present when a feed is first followed: recorded, never posted."""

    key: str
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class FetchState:
    """What a successful fetch learned about the feed itself."""

    status: int
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class RecordResult:
    """What recording one successful poll did; ``flooded`` when the flood guard held it back."""

    new_entries: int
    enqueued: int
    skipped_by_flood_guard: int
    baseline: bool
    flooded: bool = False


@dataclass(frozen=True, slots=True)
class FailureOutcome:
    """The feed after a failed fetch; ``disabled_now`` is true the one time it gets disabled."""

    feed: FeedRow
    disabled_now: bool


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One post to make (or made): where, what, and how it went."""

    id: int
    subscription_id: int
    feed_id: int
    guild_id: int
    channel_id: int
    mention_role_id: int | None
    entry_key: str
    nonce: str
    post: ReviewPost
    state: str
    message_id: int | None
    thread_id: int | None
    attempts: int
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_row(cls, row: sqlite3.Row | Mapping[str, Any]) -> OutboxRow:
        """Build from a ``feed_outbox`` row joined with its subscription."""
        return cls(
            id=row["id"],
            subscription_id=row["subscription_id"],
            feed_id=row["feed_id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            mention_role_id=row["mention_role_id"],
            entry_key=row["entry_key"],
            nonce=row["nonce"],
            post=ReviewPost.from_json(json.loads(row["payload"])),
            state=row["state"],
            message_id=row["message_id"],
            thread_id=row["thread_id"],
            attempts=row["attempts"],
            last_error=row["last_error"],
            last_attempt_at=parse_stamp(row["last_attempt_at"]),
            next_attempt_at=parse_stamp(row["next_attempt_at"]),
            created_at=parse_stamp(row["created_at"]) or utc_now(),
            sent_at=parse_stamp(row["sent_at"]),
        )

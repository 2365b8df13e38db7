"""Feeds, subscriptions, seen entries and the post outbox: all the reviews pipeline's SQL.

Exactly-once delivery rests on two rules kept here:

* an entry becomes an outbox row in the same transaction that records it as seen, so the
  intent to post is durable before anything is sent, and a restart never re-enqueues it;
* an outbox row has a deterministic nonce, so re-sending a row whose send was interrupted
  lets Discord (``enforce_nonce``) drop the duplicate.

The posting protocol (claim, attempt, sent/failed/deleted) is described in ``posts.py``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import parse_stamp as _dt
from bot.core.clock import stamp as _ts
from bot.core.clock import utc_now as _now
from bot.core.errors import UserError
from bot.core.shards import ShardScope
from bot.store.core import Conn, Row, Store, chunks
from bot.store.feed_rows import (
    BaselineEntry,
    DueFeed,
    EntryCandidate,
    FailureOutcome,
    FeedRow,
    FetchState,
    OutboxRow,
    RecordResult,
    Subscription,
    SubscriptionStatus,
)
from bot.store.posts import review_nonce

log = logging.getLogger(__name__)

MAX_FAILURES = 8
MAX_FAILURE_SPAN = timedelta(days=1)
MAX_BACKOFF = timedelta(hours=6)
DEFAULT_CAP_PER_CHANNEL = 5  # posts per channel per cycle; the rest wait for the next cycles
IDLE_DOUBLINGS = 3  # an unchanged feed is polled at most 2**3 = 8x less often than asked
IDLE_INTERVAL_MAX = timedelta(hours=1)  # … and never less often than hourly for that reason
_IN_CHUNK = 400


class SubscriptionExists(UserError):
    """The channel already follows that feed."""


def idle_interval(interval_seconds: int, unchanged_streak: int) -> int:
    """Return the poll interval of a feed unchanged for ``unchanged_streak`` polls in a row.

    It doubles with each unchanged poll, up to ``2**IDLE_DOUBLINGS`` times the interval and
    at most an hour (unless the interval itself is longer); one change resets it.
    """
    factor = 2 ** min(max(unchanged_streak, 0), IDLE_DOUBLINGS)
    cap = max(interval_seconds, int(IDLE_INTERVAL_MAX.total_seconds()))
    return min(interval_seconds * factor, cap)


def failure_delay(streak: int, interval_seconds: int, cap: timedelta = MAX_BACKOFF) -> timedelta:
    """Return how long to wait after the ``streak``-th failure in a row: doubling, capped."""
    seconds = interval_seconds * (2 ** min(max(streak, 1), 20))
    return min(timedelta(seconds=seconds), cap)


# No scope: every server in this database.
_EVERY_SHARD = ShardScope.of(1)

_OUTBOX_SELECT = (
    "SELECT o.*, s.feed_id, s.guild_id, s.channel_id, s.mention_role_id FROM feed_outbox o "
    "JOIN feed_subscriptions s ON s.id = o.subscription_id "
)


class FeedStore:
    """The feed tables over one ``Store``; every multi-statement write is one transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- feeds -----------------------------------------------------------------------
    async def get_feed(self, feed_id: int) -> FeedRow | None:
        """Return the feed with ``feed_id``."""
        row = await self.store.fetchone("SELECT * FROM feeds WHERE id = ?", (feed_id,))
        return None if row is None else FeedRow.from_row(row)

    async def get_feed_by_url(self, url: str) -> FeedRow | None:
        """Return the feed with this canonical URL."""
        row = await self.store.fetchone("SELECT * FROM feeds WHERE url = ?", (url,))
        return None if row is None else FeedRow.from_row(row)

    async def due_feeds(
        self,
        *,
        now: datetime | None = None,
        default_interval: int,
        limit: int | None = None,
        scope: ShardScope | None = None,
    ) -> list[DueFeed]:
        """Return enabled, followed feeds whose next poll time has come, most overdue first.

        A subscription may ask for a longer interval than the default, never a shorter one;
        the feed is polled as often as its most eager subscription wants. With ``scope``,
        only feeds followed by servers on those shards count.
        """
        now = now or _now()
        owned, owned_params = (scope or _EVERY_SHARD).sql("s.guild_id")
        sql = (
            "SELECT f.*, MIN("
            + self.store.dialect.greatest("COALESCE(s.interval_seconds, ?)", "?")
            + ") AS wanted_interval "
            "FROM feeds f JOIN feed_subscriptions s ON s.feed_id = f.id "
            f"WHERE f.disabled_reason IS NULL AND f.next_poll_at <= ? AND {owned} "
            "GROUP BY f.id ORDER BY f.next_poll_at, f.id"
        )
        params: list[Any] = [default_interval, default_interval, _ts(now), *owned_params]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = await self.store.fetchall(sql, params)
        return [DueFeed(FeedRow.from_row(r), int(r["wanted_interval"])) for r in rows]

    async def claim_poll(self, feed: FeedRow, *, lease_until: datetime) -> bool:
        """Claim a due feed for this process's poll; False if another process claimed it.

        Processes sharing one database (PostgreSQL) all see the same due feeds: the claim
        moves the feed's next poll time to ``lease_until`` only if it is still the one read,
        so exactly one process fetches it this interval. The poll's outcome then sets the
        real next time; a process killed mid-fetch leaves the lease to run out, and another
        process polls the feed then.
        """
        claimed = await self.store.execute(
            "UPDATE feeds SET next_poll_at = ? WHERE id = ? AND next_poll_at = ? "
            "AND disabled_reason IS NULL",
            (_ts(lease_until), feed.id, _ts(feed.next_poll_at)),
        )
        return claimed == 1

    async def unseen_keys(self, feed_id: int, keys: Sequence[str]) -> set[str]:
        """Return the keys among ``keys`` that the feed has not shown before."""
        seen: set[str] = set()
        for chunk in chunks(list(dict.fromkeys(keys)), _IN_CHUNK):
            rows = await self.store.fetchall(
                "SELECT entry_key FROM feed_entries_seen WHERE feed_id = ? AND entry_key IN "
                f"({','.join('?' * len(chunk))})",
                (feed_id, *chunk),
            )
            seen.update(r[0] for r in rows)
        return {k for k in keys if k not in seen}

    async def record_success(
        self,
        feed_id: int,
        *,
        fetched: FetchState,
        candidates: Sequence[EntryCandidate],
        next_poll_at: datetime,
        now: datetime | None = None,
        flood_threshold: int = DEFAULT_CAP_PER_CHANNEL,
        body_hash: str | None = None,
    ) -> RecordResult:
        """Record a fetched feed: mark new entries seen and enqueue their posts, atomically.

        The first successful poll of a feed is its baseline: everything is recorded and
        nothing is posted. After that, every new entry is enqueued for each subscription it
        passes (not published before the subscription was made, matching its artist filter),
        oldest first; delivery posts them at a steady rate (``pending_outbox``).

        The flood guard: when none of the entries seen before is still in the feed, more
        than ``flood_threshold`` entries are new, and most of them are dated no later than
        the newest entry seen before (or undated), the feed re-keyed old entries (it moved,
        or changed its ids): they are recorded as seen and nothing is enqueued.
        """
        now = now or _now()
        async with self.store.transaction() as conn:
            feed_row = await _one(conn, "SELECT baselined FROM feeds WHERE id = ?", (feed_id,))
            if feed_row is None:
                return RecordResult(0, 0, 0, False)
            newest_seen = await _newest_seen(conn, feed_id)
            new = await _insert_unseen(conn, feed_id, candidates, now)
            baseline = not feed_row["baselined"]
            enqueued = skipped = 0
            flooded = False
            if not baseline and new:
                flooded = _looks_rekeyed(candidates, new, newest_seen, flood_threshold)
                if flooded:
                    skipped = len(new)
                    log.warning(
                        "feed %s: all %d entries are new and old-dated; recorded, not posted",
                        feed_id,
                        len(new),
                    )
                else:
                    enqueued = await _enqueue_for_subscriptions(conn, feed_id, new, now)
            await conn.execute(
                "UPDATE feeds SET last_fetch_at = ?, last_success_at = ?, last_status = ?, "
                "last_cache_hit = 0, last_error = NULL, failure_streak = 0, "
                "first_failure_at = NULL, retry_after = NULL, baselined = 1, "
                "etag = ?, last_modified = ?, title = COALESCE(?, title), next_poll_at = ?, "
                "body_hash = ?, unchanged_streak = 0 WHERE id = ?",
                (
                    _ts(now),
                    _ts(now),
                    fetched.status,
                    fetched.etag,
                    fetched.last_modified,
                    fetched.title or None,
                    _ts(next_poll_at),
                    body_hash,
                    feed_id,
                ),
            )
        return RecordResult(len(new), enqueued, skipped, baseline, flooded)

    async def record_unchanged(
        self,
        feed_id: int,
        *,
        next_poll_at: datetime,
        status: int,
        now: datetime | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Record a fetch whose body hashes as the last one: healthy, not parsed, backing off."""
        now = now or _now()
        await self.store.execute(
            "UPDATE feeds SET last_fetch_at = ?, last_success_at = ?, last_status = ?, "
            "last_cache_hit = 1, last_error = NULL, failure_streak = 0, first_failure_at = NULL, "
            "retry_after = NULL, etag = COALESCE(?, etag), "
            "last_modified = COALESCE(?, last_modified), next_poll_at = ?, "
            "unchanged_streak = unchanged_streak + 1 WHERE id = ?",
            (_ts(now), _ts(now), status, etag, last_modified, _ts(next_poll_at), feed_id),
        )

    async def record_not_modified(
        self,
        feed_id: int,
        *,
        next_poll_at: datetime,
        now: datetime | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Record a 304: the feed is healthy and unchanged; no backoff."""
        now = now or _now()
        await self.store.execute(
            "UPDATE feeds SET last_fetch_at = ?, last_success_at = ?, last_status = 304, "
            "last_cache_hit = 1, last_error = NULL, failure_streak = 0, first_failure_at = NULL, "
            "retry_after = NULL, etag = COALESCE(?, etag), "
            "last_modified = COALESCE(?, last_modified), next_poll_at = ? WHERE id = ?",
            (_ts(now), _ts(now), etag, last_modified, _ts(next_poll_at), feed_id),
        )

    async def record_failure(
        self,
        feed_id: int,
        *,
        error: str,
        interval_seconds: int,
        status: int | None = None,
        retry_after: datetime | None = None,
        now: datetime | None = None,
        jitter: float = 1.0,
        max_failures: int = MAX_FAILURES,
        max_span: timedelta = MAX_FAILURE_SPAN,
    ) -> FailureOutcome:
        """Record a failed fetch: back off, and disable after ``max_failures`` in a row or a day.

        ``jitter`` multiplies the backoff delay (the poller passes 0.9 to 1.1);
        ``retry_after`` (from a 429 or 503) is honoured when it is later than the backoff.
        """
        now = now or _now()
        async with self.store.transaction() as conn:
            row = await _one(conn, "SELECT * FROM feeds WHERE id = ?", (feed_id,))
            if row is None:
                raise LookupError(f"no feed {feed_id}")
            feed = FeedRow.from_row(row)
            streak = feed.failure_streak + 1
            first = feed.first_failure_at or now
            next_poll = now + failure_delay(streak, interval_seconds) * jitter
            if retry_after is not None and retry_after > next_poll:
                next_poll = retry_after
            reason: str | None = None
            if not feed.disabled and (streak >= max_failures or now - first >= max_span):
                reason = (
                    f"{streak} failed fetches in a row since {first:%Y-%m-%d %H:%M} UTC; "
                    f"last error: {error}"
                )
            await conn.execute(
                "UPDATE feeds SET last_fetch_at = ?, last_status = ?, last_cache_hit = 0, "
                "last_error = ?, failure_streak = ?, first_failure_at = ?, next_poll_at = ?, "
                "retry_after = ?, disabled_at = COALESCE(?, disabled_at), "
                "disabled_reason = COALESCE(?, disabled_reason) WHERE id = ?",
                (
                    _ts(now),
                    status,
                    error,
                    streak,
                    _ts(first),
                    _ts(next_poll),
                    _ts(retry_after),
                    _ts(now) if reason else None,
                    reason,
                    feed_id,
                ),
            )
            updated = await _one(conn, "SELECT * FROM feeds WHERE id = ?", (feed_id,))
        assert updated is not None
        if reason:
            log.warning("disabled feed %s: %s", feed.url, reason)
        return FailureOutcome(FeedRow.from_row(updated), reason is not None)

    async def enable_feed(self, feed_id: int, *, now: datetime | None = None) -> None:
        """Clear a disabled feed's failures and poll it at once."""
        now = now or _now()
        await self.store.execute(
            "UPDATE feeds SET disabled_at = NULL, disabled_reason = NULL, failure_streak = 0, "
            "first_failure_at = NULL, retry_after = NULL, next_poll_at = ? WHERE id = ?",
            (_ts(now), feed_id),
        )

    # -- subscriptions ---------------------------------------------------------------
    async def add_subscription(
        self,
        *,
        guild_id: int,
        channel_id: int,
        url: str,
        created_by: int | None = None,
        artist_id: str | None = None,
        mention_role_id: int | None = None,
        interval_seconds: int | None = None,
        now: datetime | None = None,
        fetched: FetchState | None = None,
        baseline: Sequence[BaselineEntry] | None = None,
        next_poll_at: datetime | None = None,
    ) -> Subscription:
        """Follow the feed at ``url`` (canonical form) in a channel.

        A feed seen for the first time is created; when ``baseline`` is given (the entries of
        the fetch that validated the URL) they are recorded as seen so nothing already there
        is posted, and the next poll is at ``next_poll_at``. A feed that other channels
        already follow keeps its state (a disabled one is re-enabled). Raises
        ``SubscriptionExists`` if this channel already follows it.
        """
        now = now or _now()
        async with self.store.transaction() as conn:
            existing = await _one(conn, "SELECT * FROM feeds WHERE url = ?", (url,))
            if existing is None:
                cursor = await conn.execute(
                    "INSERT INTO feeds (url, title, etag, last_modified, last_status, "
                    "last_fetch_at, last_success_at, next_poll_at, baselined, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        url,
                        fetched.title if fetched else None,
                        fetched.etag if fetched else None,
                        fetched.last_modified if fetched else None,
                        fetched.status if fetched else None,
                        _ts(now) if fetched else None,
                        _ts(now) if fetched else None,
                        _ts(next_poll_at if baseline is not None and next_poll_at else now),
                        1 if baseline is not None else 0,
                        _ts(now),
                    ),
                )
                inserted = await cursor.fetchone()
                assert inserted is not None
                feed_id = int(inserted[0])
                if baseline:
                    await conn.executemany(
                        "INSERT INTO feed_entries_seen "
                        "(feed_id, entry_key, first_seen_at, published_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT DO NOTHING",
                        [(feed_id, e.key, _ts(now), _ts(e.published_at)) for e in baseline],
                    )
            else:
                feed_id = existing["id"]
                if existing["disabled_reason"] is not None:
                    await conn.execute(
                        "UPDATE feeds SET disabled_at = NULL, disabled_reason = NULL, "
                        "failure_streak = 0, first_failure_at = NULL, retry_after = NULL, "
                        "next_poll_at = ? WHERE id = ?",
                        (_ts(now), feed_id),
                    )
            duplicate = await _one(
                conn,
                "SELECT id FROM feed_subscriptions WHERE guild_id = ? AND channel_id = ? "
                "AND feed_id = ?",
                (guild_id, channel_id, feed_id),
            )
            if duplicate is not None:
                raise SubscriptionExists("this channel already follows that feed")
            cursor = await conn.execute(
                "INSERT INTO feed_subscriptions (guild_id, channel_id, feed_id, artist_id, "
                "mention_role_id, interval_seconds, created_at, created_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (
                    guild_id,
                    channel_id,
                    feed_id,
                    artist_id,
                    mention_role_id,
                    interval_seconds,
                    _ts(now),
                    created_by,
                ),
            )
            row = await cursor.fetchone()
        assert row is not None
        return Subscription.from_row(row)

    async def remove_subscription(
        self, *, guild_id: int, url: str, channel_id: int | None = None
    ) -> int:
        """Stop following ``url`` in a guild (one channel, or all); return how many stopped.

        A feed nobody follows any more is deleted with its history; its pending posts go too.
        """
        async with self.store.transaction() as conn:
            params: list[Any] = [guild_id, url]
            sql = (
                "DELETE FROM feed_subscriptions WHERE guild_id = ? AND feed_id = "
                "(SELECT id FROM feeds WHERE url = ?)"
            )
            if channel_id is not None:
                sql += " AND channel_id = ?"
                params.append(channel_id)
            cursor = await conn.execute(sql, params)
            removed = cursor.rowcount
            await conn.execute(
                "DELETE FROM feeds WHERE url = ? AND NOT EXISTS "
                "(SELECT 1 FROM feed_subscriptions s WHERE s.feed_id = feeds.id)",
                (url,),
            )
        return removed

    async def get_subscription(self, subscription_id: int) -> Subscription | None:
        """Return one subscription."""
        row = await self.store.fetchone(
            "SELECT * FROM feed_subscriptions WHERE id = ?", (subscription_id,)
        )
        return None if row is None else Subscription.from_row(row)

    async def subscriptions_for_feed(self, feed_id: int) -> list[Subscription]:
        """Return every subscription to a feed (for telling moderators it was disabled)."""
        rows = await self.store.fetchall(
            "SELECT * FROM feed_subscriptions WHERE feed_id = ? ORDER BY id", (feed_id,)
        )
        return [Subscription.from_row(r) for r in rows]

    async def list_subscriptions(self, guild_id: int | None = None) -> list[SubscriptionStatus]:
        """Return a guild's subscriptions (or all) with feed state and delivery summary."""
        sql = (
            "SELECT s.id AS s_id, s.guild_id, s.channel_id, s.feed_id, s.artist_id, "
            "s.mention_role_id, s.interval_seconds, s.created_at AS s_created_at, s.created_by, "
            "f.*, "
            "(SELECT COUNT(*) FROM feed_outbox o WHERE o.subscription_id = s.id "
            " AND o.state = 'pending') AS pending, "
            "(SELECT MAX(o.sent_at) FROM feed_outbox o WHERE o.subscription_id = s.id "
            " AND o.state = 'sent') AS last_sent_at, "
            f"(SELECT {self.store.dialect.json_text('o.payload', 'title')} FROM feed_outbox o "
            " WHERE o.subscription_id = s.id AND o.state = 'sent' "
            " ORDER BY o.sent_at DESC, o.id DESC LIMIT 1) AS last_sent_title "
            "FROM feed_subscriptions s JOIN feeds f ON f.id = s.feed_id"
        )
        params: tuple[Any, ...] = ()
        if guild_id is not None:
            sql += " WHERE s.guild_id = ?"
            params = (guild_id,)
        sql += " ORDER BY s.guild_id, s.channel_id, f.url"
        out: list[SubscriptionStatus] = []
        for row in await self.store.fetchall(sql, params):
            # The join's feed columns share names with the subscription's (id, created_at):
            # the subscription's are selected under aliases and put back for its one decoder.
            sub = Subscription.from_row(
                {**dict(row), "id": row["s_id"], "created_at": row["s_created_at"]}
            )
            out.append(
                SubscriptionStatus(
                    sub,
                    FeedRow.from_row(row),
                    row["pending"],
                    _dt(row["last_sent_at"]),
                    row["last_sent_title"],
                )
            )
        return out

    # -- outbox ----------------------------------------------------------------------
    async def enqueue_backfill(
        self,
        subscription_id: int,
        candidates: Sequence[EntryCandidate],
        *,
        now: datetime | None = None,
    ) -> int:
        """Enqueue posts for ``candidates`` in one channel now, bypassing the new-entry rules.

        For ``/feed backfill``; entries already enqueued for the subscription are not doubled.
        Returns how many rows were added.
        """
        now = now or _now()
        async with self.store.transaction() as conn:
            sub = await _one(
                conn, "SELECT * FROM feed_subscriptions WHERE id = ?", (subscription_id,)
            )
            if sub is None:
                raise LookupError(f"no subscription {subscription_id}")
            await _insert_unseen(conn, sub["feed_id"], candidates, now)
            feed = await _one(conn, "SELECT url FROM feeds WHERE id = ?", (sub["feed_id"],))
            ordered = sorted(enumerate(candidates), key=lambda p: _age_key(p, now))
            return await _insert_outbox(
                conn,
                Subscription.from_row(sub),
                str(feed["url"]) if feed is not None else "",
                [c for _, c in ordered],
                now,
            )

    async def pending_outbox(
        self,
        *,
        now: datetime | None = None,
        limit: int = 50,
        per_subscription: int | None = None,
        feed_id: int | None = None,
        scope: ShardScope | None = None,
    ) -> list[OutboxRow]:
        """Return posts waiting to be sent whose retry time has come, oldest first.

        ``per_subscription`` takes at most that many of each channel's oldest waiting posts
        (the steady rate: a burst goes out over the next cycles, in order); ``feed_id`` only
        that feed's posts. After a crash this includes rows whose send may already have
        reached Discord; send them with the row's ``nonce`` and ``enforce_nonce``. With
        ``scope``, only posts for servers on those shards.
        """
        now = now or _now()
        owned, owned_params = (scope or _EVERY_SHARD).sql("s.guild_id")
        where = f"o.state = 'pending' AND {owned}"
        params: list[Any] = [*owned_params]
        if feed_id is not None:
            where += " AND s.feed_id = ?"
            params.append(feed_id)
        ranked = (
            "SELECT o.id, ROW_NUMBER() OVER (PARTITION BY o.subscription_id ORDER BY o.id) "
            f"AS place FROM feed_outbox o JOIN feed_subscriptions s ON s.id = o.subscription_id "
            f"WHERE {where}"
        )
        sql = (
            _OUTBOX_SELECT + f"JOIN ({ranked}) r ON r.id = o.id WHERE (o.next_attempt_at IS NULL "
            "OR o.next_attempt_at <= ?) AND r.place <= ? ORDER BY o.id LIMIT ?"
        )
        params += [_ts(now), per_subscription or limit, limit]
        rows = await self.store.fetchall(sql, params)
        return [OutboxRow.from_row(r) for r in rows]

    async def get_outbox(self, outbox_id: int) -> OutboxRow | None:
        """Return one outbox row."""
        row = await self.store.fetchone(_OUTBOX_SELECT + "WHERE o.id = ?", (outbox_id,))
        return None if row is None else OutboxRow.from_row(row)

    async def outbox_for_subscription(self, subscription_id: int) -> list[OutboxRow]:
        """Return a subscription's outbox rows, oldest first."""
        rows = await self.store.fetchall(
            _OUTBOX_SELECT + "WHERE o.subscription_id = ? ORDER BY o.id", (subscription_id,)
        )
        return [OutboxRow.from_row(r) for r in rows]

    async def sent_without_thread(
        self, *, limit: int = 50, scope: ShardScope | None = None
    ) -> list[OutboxRow]:
        """Return sent posts whose discussion thread was never recorded (a crash in between)."""
        owned, owned_params = (scope or _EVERY_SHARD).sql("s.guild_id")
        rows = await self.store.fetchall(
            _OUTBOX_SELECT + "WHERE o.state = 'sent' AND o.thread_id IS NULL "
            f"AND o.message_id IS NOT NULL AND {owned} ORDER BY o.id LIMIT ?",
            (*owned_params, limit),
        )
        return [OutboxRow.from_row(r) for r in rows]

    async def mark_attempt(self, outbox_id: int, *, now: datetime | None = None) -> None:
        """Record that a send is about to start, so a crash after it is recognisable later."""
        await self.store.execute(
            "UPDATE feed_outbox SET last_attempt_at = ? WHERE id = ? AND state = 'pending'",
            (_ts(now or _now()), outbox_id),
        )

    async def mark_sent(
        self,
        outbox_id: int,
        *,
        message_id: int,
        thread_id: int | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Record that the post was made; return False if it was already recorded."""
        now = now or _now()
        changed = await self.store.execute(
            "UPDATE feed_outbox SET state = 'sent', message_id = ?, "
            "thread_id = COALESCE(?, thread_id), sent_at = ?, attempts = attempts + 1, "
            "last_attempt_at = ?, last_error = NULL, next_attempt_at = NULL "
            "WHERE id = ? AND state != 'sent'",
            (message_id, thread_id, _ts(now), _ts(now), outbox_id),
        )
        return changed > 0

    async def mark_deleted(
        self, outbox_id: int, *, message_id: int | None = None, now: datetime | None = None
    ) -> None:
        """Record that the post was made and then deleted on Discord: it is never sent again."""
        now = now or _now()
        await self.store.execute(
            "UPDATE feed_outbox SET state = 'deleted', message_id = COALESCE(?, message_id), "
            "attempts = attempts + 1, last_attempt_at = ?, next_attempt_at = NULL, "
            "last_error = 'deleted on Discord' WHERE id = ? AND state = 'pending'",
            (message_id, _ts(now), outbox_id),
        )

    async def set_thread(self, outbox_id: int, thread_id: int) -> None:
        """Record the discussion thread opened under a sent post."""
        await self.store.execute(
            "UPDATE feed_outbox SET thread_id = ? WHERE id = ?", (thread_id, outbox_id)
        )

    async def mark_failed(
        self,
        outbox_id: int,
        error: str,
        *,
        retry_at: datetime | None = None,
        give_up: bool = False,
        now: datetime | None = None,
    ) -> None:
        """Record a failed send: stay pending until ``retry_at``, or stop with ``give_up``."""
        now = now or _now()
        await self.store.execute(
            "UPDATE feed_outbox SET attempts = attempts + 1, last_error = ?, "
            "last_attempt_at = ?, next_attempt_at = ?, "
            "state = CASE WHEN ? = 1 THEN 'failed' ELSE state END "
            "WHERE id = ? AND state = 'pending'",
            (error[:1000], _ts(now), _ts(retry_at), 1 if give_up else 0, outbox_id),
        )


# -- transaction helpers ---------------------------------------------------------------
async def _one(conn: Conn, sql: str, params: Sequence[Any]) -> Row | None:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def _insert_unseen(
    conn: Conn, feed_id: int, candidates: Sequence[EntryCandidate], now: datetime
) -> list[tuple[int, EntryCandidate]]:
    """Record unseen candidates as seen; return them with their position in the feed."""
    first: dict[str, tuple[int, EntryCandidate]] = {}
    for index, cand in enumerate(candidates):
        first.setdefault(cand.key, (index, cand))
    keys = list(first)
    seen: set[str] = set()
    for chunk in chunks(keys, _IN_CHUNK):
        async with conn.execute(
            "SELECT entry_key FROM feed_entries_seen WHERE feed_id = ? AND entry_key IN "
            f"({','.join('?' * len(chunk))})",
            (feed_id, *chunk),
        ) as cursor:
            seen.update(r[0] for r in await cursor.fetchall())
    new = [first[k] for k in keys if k not in seen]
    if new:
        await conn.executemany(
            "INSERT INTO feed_entries_seen (feed_id, entry_key, first_seen_at, published_at) "
            "VALUES (?, ?, ?, ?)",
            [(feed_id, c.key, _ts(now), _ts(c.published_at)) for _, c in new],
        )
    return new


def _age_key(pair: tuple[int, EntryCandidate], now: datetime) -> tuple[datetime, int]:
    # Oldest first; undated entries count as new, and feeds list newest first, so a
    # later position in the document means older.
    index, cand = pair
    return (cand.published_at or now, -index)


async def _newest_seen(conn: Conn, feed_id: int) -> datetime | None:
    row = await _one(
        conn, "SELECT MAX(published_at) FROM feed_entries_seen WHERE feed_id = ?", (feed_id,)
    )
    return _dt(row[0]) if row is not None else None


def _looks_rekeyed(
    candidates: Sequence[EntryCandidate],
    new: list[tuple[int, EntryCandidate]],
    newest_seen: datetime | None,
    threshold: int,
) -> bool:
    """Whether a poll's new entries look like old ones under new keys (see ``record_success``)."""
    if len(new) <= threshold or len(new) < len({c.key for c in candidates}):
        return False  # a seen entry is still there: the feed kept its keys
    stale = [
        c
        for _, c in new
        if c.published_at is None or (newest_seen is not None and c.published_at <= newest_seen)
    ]
    return len(stale) * 2 > len(new)


async def _enqueue_for_subscriptions(
    conn: Conn,
    feed_id: int,
    new: list[tuple[int, EntryCandidate]],
    now: datetime,
) -> int:
    async with conn.execute(
        "SELECT * FROM feed_subscriptions WHERE feed_id = ? ORDER BY id", (feed_id,)
    ) as cursor:
        subs = [Subscription.from_row(r) for r in await cursor.fetchall()]
    feed = await _one(conn, "SELECT url FROM feeds WHERE id = ?", (feed_id,))
    feed_url = str(feed["url"]) if feed is not None else ""
    ordered = sorted(new, key=lambda p: _age_key(p, now))
    enqueued = 0
    for sub in subs:
        eligible = [
            cand
            for _, cand in ordered
            if cand.post is not None
            and (cand.published_at or now) >= sub.created_at
            and (sub.artist_id is None or sub.artist_id in cand.entity_ids)
        ]
        enqueued += await _insert_outbox(conn, sub, feed_url, eligible, now)
    return enqueued


async def _insert_outbox(
    conn: Conn,
    sub: Subscription,
    feed_url: str,
    candidates: Sequence[EntryCandidate],
    now: datetime,
) -> int:
    added = 0
    for cand in candidates:
        if cand.post is None:
            continue
        cursor = await conn.execute(
            "INSERT INTO feed_outbox (subscription_id, entry_key, nonce, payload, "
            "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                sub.id,
                cand.key,
                review_nonce(sub.channel_id, feed_url, cand.key),
                json.dumps(cand.post.to_json(), ensure_ascii=False, sort_keys=True),
                _ts(now),
            ),
        )
        added += cursor.rowcount
    return added

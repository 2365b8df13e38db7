"""Feed store on a real SQLite file: subscriptions, baseline, exactly-once outbox, backoff."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.feeds import (
    BaselineEntry,
    EntryCandidate,
    FeedStore,
    FetchState,
    RecordResult,
    SubscriptionExists,
    failure_delay,
)
from bot.store.posts import ReviewPost, make_nonce, review_nonce

T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
URL = "https://critic.example/feed"
OK = FetchState(200, '"e1"', "Sun, 10 Mar 2024 12:00:00 GMT", "Critic")


def cand(
    key: str, published: datetime | None, *, ids: frozenset[str] = frozenset()
) -> EntryCandidate:
    post = ReviewPost(key=key, title=f"Title {key}", link=None, outlet="Critic")
    return EntryCandidate(key, published, post, ids)


@pytest.fixture
async def feeds(database: Path | str) -> AsyncIterator[FeedStore]:
    store = await Store.open(database)
    try:
        yield FeedStore(store)
    finally:
        await store.close()


async def _subscribe(feeds: FeedStore, channel: int = 10, **kw: object) -> int:
    sub = await feeds.add_subscription(
        guild_id=kw.pop("guild_id", 1),  # type: ignore[arg-type]
        channel_id=channel,
        url=URL,
        created_by=99,
        now=kw.pop("now", T0),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    return sub.id


async def _poll(
    feeds: FeedStore, entries: list[EntryCandidate], now: datetime, flood: int = 5
) -> RecordResult:
    feed = await feeds.get_feed_by_url(URL)
    assert feed is not None
    return await feeds.record_success(
        feed.id,
        fetched=OK,
        candidates=entries,
        next_poll_at=now + timedelta(minutes=15),
        now=now,
        flood_threshold=flood,
    )


async def test_subscriptions_share_one_feed_row(feeds: FeedStore) -> None:
    await _subscribe(feeds, 10)
    await _subscribe(feeds, 11)
    await _subscribe(feeds, 10, guild_id=2)
    with pytest.raises(SubscriptionExists):
        await _subscribe(feeds, 10)
    rows = await feeds.store.fetchall("SELECT COUNT(*) FROM feeds")
    assert rows[0][0] == 1
    assert len(await feeds.list_subscriptions(1)) == 2
    assert len(await feeds.list_subscriptions()) == 3


async def test_first_poll_is_a_silent_baseline(feeds: FeedStore) -> None:
    await _subscribe(feeds)
    result = await _poll(feeds, [cand("a", T0 + timedelta(minutes=1))], T0 + timedelta(minutes=2))
    assert result.baseline
    assert result.new_entries == 1
    assert result.enqueued == 0
    assert await feeds.pending_outbox(now=T0 + timedelta(hours=1)) == []


async def test_baseline_given_at_subscribe_time(feeds: FeedStore) -> None:
    await _subscribe(feeds, baseline=[BaselineEntry("a", T0)], fetched=OK)
    feed = await feeds.get_feed_by_url(URL)
    assert feed is not None and feed.baselined and feed.etag == '"e1"'
    later = T0 + timedelta(hours=1)
    result = await _poll(feeds, [cand("b", later), cand("a", T0)], later)
    assert (result.new_entries, result.enqueued) == (1, 1)


async def test_new_entry_is_enqueued_once_per_subscription(feeds: FeedStore) -> None:
    s1 = await _subscribe(feeds, 10)
    s2 = await _subscribe(feeds, 11, mention_role_id=555)
    await _poll(feeds, [cand("a", T0)], T0)
    t1 = T0 + timedelta(hours=1)
    result = await _poll(feeds, [cand("b", t1), cand("a", T0)], t1)
    assert result.enqueued == 2
    again = await _poll(feeds, [cand("b", t1), cand("a", T0)], t1 + timedelta(hours=1))
    assert again.enqueued == 0 and again.new_entries == 0
    pending = await feeds.pending_outbox(now=t1)
    assert [(p.subscription_id, p.entry_key) for p in pending] == [(s1, "b"), (s2, "b")]
    assert pending[1].mention_role_id == 555
    assert pending[1].post.title == "Title b"
    assert pending[1].channel_id == 11


async def test_restart_does_not_re_enqueue(database: Path | str) -> None:
    path = database
    store = await Store.open(path)
    feeds = FeedStore(store)
    await _subscribe(feeds)
    await _poll(feeds, [cand("a", T0)], T0)
    t1 = T0 + timedelta(hours=1)
    await _poll(feeds, [cand("b", t1), cand("a", T0)], t1)
    (before,) = await feeds.pending_outbox(now=t1)
    await store.close()

    store = await Store.open(path)
    feeds = FeedStore(store)
    try:
        result = await _poll(feeds, [cand("b", t1), cand("a", T0)], t1 + timedelta(hours=1))
        assert result.enqueued == 0
        (after,) = await feeds.pending_outbox(now=t1)
        # Killed between send and mark_sent: the row is still pending with the same nonce.
        assert after.id == before.id and after.nonce == before.nonce
    finally:
        await store.close()


async def test_entries_published_before_the_subscription_are_never_posted(
    feeds: FeedStore,
) -> None:
    await _subscribe(feeds, 10, now=T0)
    await _poll(feeds, [cand("a", T0)], T0)
    late_sub = await _subscribe(feeds, 11, now=T0 + timedelta(hours=2))
    t3 = T0 + timedelta(hours=3)
    # "old" appears only now but was published before channel 11 followed the feed.
    result = await _poll(
        feeds, [cand("new", t3), cand("old", T0 + timedelta(hours=1)), cand("a", T0)], t3
    )
    pending = await feeds.pending_outbox(now=t3)
    assert {(p.channel_id, p.entry_key) for p in pending} == {(10, "old"), (10, "new"), (11, "new")}
    assert result.enqueued == 3
    assert late_sub


async def test_undated_entries_count_from_when_they_were_seen(feeds: FeedStore) -> None:
    await _subscribe(feeds)
    await _poll(feeds, [cand("a", None)], T0)
    t1 = T0 + timedelta(hours=1)
    result = await _poll(feeds, [cand("b", None), cand("a", None)], t1)
    assert result.enqueued == 1


async def test_a_burst_is_all_queued_and_paced_oldest_first(feeds: FeedStore) -> None:
    """Issue 13.2: nothing beyond 5 a poll is dropped; delivery takes 5 per channel a cycle."""
    await _subscribe(feeds, 10)
    await _subscribe(feeds, 11)
    await _poll(feeds, [cand("seen", T0)], T0)
    t1 = T0 + timedelta(hours=1)
    entries = [cand(f"e{i:02}", T0 + timedelta(minutes=i)) for i in range(12, 0, -1)]
    result = await _poll(feeds, [*entries, cand("seen", T0)], t1)
    assert (result.new_entries, result.enqueued, result.flooded) == (12, 24, False)
    pending = await feeds.pending_outbox(now=t1, per_subscription=5)
    assert [(p.channel_id, p.entry_key) for p in pending] == [
        (10, "e01"), (10, "e02"), (10, "e03"), (10, "e04"), (10, "e05"),
        (11, "e01"), (11, "e02"), (11, "e03"), (11, "e04"), (11, "e05"),
    ]  # fmt: skip
    everything = await feeds.pending_outbox(now=t1, limit=100)
    assert len(everything) == 24


async def test_flood_guard_holds_back_a_rekeyed_feed(feeds: FeedStore) -> None:
    """Every key new, none of the old ones left, and dated like what was seen: a moved feed."""
    await _subscribe(feeds, 10, now=T0 - timedelta(days=30))
    old = [cand(f"old{i}", T0 - timedelta(days=i)) for i in range(8)]
    await _poll(feeds, old, T0)
    t1 = T0 + timedelta(hours=1)
    rekeyed = [cand(f"new-id-{i}", T0 - timedelta(days=i)) for i in range(8)]
    result = await _poll(feeds, rekeyed, t1)
    assert (result.new_entries, result.enqueued, result.flooded) == (8, 0, True)
    assert result.skipped_by_flood_guard == 8
    assert await feeds.pending_outbox(now=t1) == []
    # Twelve really new entries (dated after everything seen) are not a flood.
    t2 = t1 + timedelta(hours=1)
    fresh = [cand(f"fresh{i}", t1 + timedelta(minutes=i)) for i in range(12)]
    result = await _poll(feeds, fresh, t2)
    assert (result.enqueued, result.flooded) == (12, False)


async def test_artist_filter(feeds: FeedStore) -> None:
    await _subscribe(feeds, 10, artist_id="iu")
    await _subscribe(feeds, 11)
    await _poll(feeds, [], T0)
    t1 = T0 + timedelta(hours=1)
    await _poll(feeds, [cand("iu-review", t1, ids=frozenset({"iu"})), cand("other", t1)], t1)
    pending = await feeds.pending_outbox(now=t1)
    assert sorted((p.channel_id, p.entry_key) for p in pending) == [
        (10, "iu-review"),
        (11, "iu-review"),
        (11, "other"),
    ]


async def test_outbox_send_cycle(feeds: FeedStore) -> None:
    await _subscribe(feeds)
    await _poll(feeds, [], T0)
    t1 = T0 + timedelta(hours=1)
    await _poll(feeds, [cand("a", t1), cand("b", t1 + timedelta(seconds=1))], t1)
    first, second = await feeds.pending_outbox(now=t1)
    assert first.nonce == review_nonce(10, URL, "a")
    assert len(first.nonce) <= 25 and first.nonce != second.nonce
    assert await feeds.mark_sent(first.id, message_id=1001, now=t1)
    assert not await feeds.mark_sent(first.id, message_id=1001, now=t1)
    assert (await feeds.sent_without_thread())[0].id == first.id
    await feeds.set_thread(first.id, 2002)
    assert await feeds.sent_without_thread() == []

    await feeds.mark_failed(second.id, "Missing Permissions", retry_at=t1 + timedelta(minutes=5))
    assert await feeds.pending_outbox(now=t1) == []
    (retry,) = await feeds.pending_outbox(now=t1 + timedelta(minutes=5))
    assert retry.attempts == 1 and retry.last_error == "Missing Permissions"
    await feeds.mark_failed(second.id, "Unknown Channel", give_up=True)
    assert await feeds.pending_outbox(now=t1 + timedelta(days=1)) == []
    (status,) = await feeds.list_subscriptions(1)
    assert status.last_sent_title == "Title a"
    assert status.pending == 0


def test_nonce_is_deterministic_and_short() -> None:
    assert make_nonce(1, "id:x") == make_nonce(1, "id:x")
    assert make_nonce(1, "id:x") != make_nonce(2, "id:x")
    assert len(make_nonce(123456789, "k" * 1000)) == 25


def test_review_nonce_names_the_channel_and_the_entry_not_row_ids() -> None:
    # Discord de-duplicates nonces per bot, not per channel: the same entry in two channels
    # (whatever row ids two databases gave their subscriptions) needs two nonces.
    assert review_nonce(10, URL, "a") != review_nonce(11, URL, "a")
    assert review_nonce(10, URL, "a") != review_nonce(10, URL + "2", "a")
    assert review_nonce(10, URL, "a") == review_nonce(10, URL, "a")


async def test_backfill_bypasses_the_new_entry_rules_once(feeds: FeedStore) -> None:
    sub = await _subscribe(feeds, baseline=[BaselineEntry("a", T0)], fetched=OK)
    assert await feeds.enqueue_backfill(sub, [cand("a", T0 - timedelta(days=3))], now=T0) == 1
    assert await feeds.enqueue_backfill(sub, [cand("a", T0 - timedelta(days=3))], now=T0) == 0


async def test_failures_back_off_and_304_does_not(feeds: FeedStore) -> None:
    await _subscribe(feeds)
    feed = await feeds.get_feed_by_url(URL)
    assert feed is not None
    now = T0
    delays = []
    for _ in range(3):
        out = await feeds.record_failure(feed.id, error="HTTP 500", interval_seconds=900, now=now)
        delays.append(out.feed.next_poll_at - now)
        now = out.feed.next_poll_at
    assert delays == [timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2)]
    assert failure_delay(12, 900) == timedelta(hours=6)
    await feeds.record_not_modified(feed.id, now=now, next_poll_at=now + timedelta(minutes=15))
    healed = await feeds.get_feed(feed.id)
    assert healed is not None
    assert healed.failure_streak == 0 and healed.last_cache_hit and healed.last_status == 304
    assert healed.next_poll_at == now + timedelta(minutes=15)


async def test_retry_after_wins_over_a_shorter_backoff(feeds: FeedStore) -> None:
    await _subscribe(feeds)
    feed = await feeds.get_feed_by_url(URL)
    assert feed is not None
    later = T0 + timedelta(hours=5)
    out = await feeds.record_failure(
        feed.id, error="HTTP 429", interval_seconds=900, status=429, retry_after=later, now=T0
    )
    assert out.feed.next_poll_at == later
    assert out.feed.last_status == 429


async def test_eight_failures_disable_the_feed_with_a_reason(feeds: FeedStore) -> None:
    await _subscribe(feeds)
    feed = await feeds.get_feed_by_url(URL)
    assert feed is not None
    now = T0
    outcomes = []
    for _ in range(8):
        out = await feeds.record_failure(
            feed.id, error="could not connect to critic.example", interval_seconds=60, now=now
        )
        outcomes.append(out.disabled_now)
        now += timedelta(minutes=1)
    assert outcomes == [False] * 7 + [True]
    disabled = await feeds.get_feed(feed.id)
    assert disabled is not None and disabled.disabled
    assert "8 failed fetches" in (disabled.disabled_reason or "")
    assert "could not connect" in (disabled.disabled_reason or "")
    assert await feeds.due_feeds(now=now + timedelta(days=2), default_interval=60) == []
    # Following it again re-enables it.
    await _subscribe(feeds, 12, now=now)
    assert len(await feeds.due_feeds(now=now, default_interval=60)) == 1


async def test_failures_spanning_a_day_disable_the_feed(feeds: FeedStore) -> None:
    await _subscribe(feeds)
    feed = await feeds.get_feed_by_url(URL)
    assert feed is not None
    await feeds.record_failure(feed.id, error="HTTP 503", interval_seconds=900, now=T0)
    out = await feeds.record_failure(
        feed.id, error="HTTP 503", interval_seconds=900, now=T0 + timedelta(days=1)
    )
    assert out.disabled_now and out.feed.failure_streak == 2


async def test_due_feeds_uses_the_shortest_wanted_interval(feeds: FeedStore) -> None:
    await _subscribe(feeds, 10, interval_seconds=7200)
    (due,) = await feeds.due_feeds(now=T0, default_interval=900)
    assert due.interval_seconds == 7200
    await _subscribe(feeds, 11, interval_seconds=60)  # shorter than the default: not allowed
    (due,) = await feeds.due_feeds(now=T0, default_interval=900)
    assert due.interval_seconds == 900
    assert await feeds.due_feeds(now=T0 - timedelta(seconds=1), default_interval=900) == []


async def test_removing_the_last_subscription_deletes_the_feed(feeds: FeedStore) -> None:
    await _subscribe(feeds, 10)
    await _subscribe(feeds, 11)
    await _poll(feeds, [], T0)
    await _poll(feeds, [cand("a", T0 + timedelta(hours=1))], T0 + timedelta(hours=1))
    assert await feeds.remove_subscription(guild_id=1, url=URL, channel_id=10) == 1
    assert await feeds.get_feed_by_url(URL) is not None
    assert len(await feeds.pending_outbox(now=T0 + timedelta(days=1))) == 1
    assert await feeds.remove_subscription(guild_id=1, url=URL) == 1
    assert await feeds.get_feed_by_url(URL) is None
    assert await feeds.pending_outbox(now=T0 + timedelta(days=1)) == []
    assert await feeds.remove_subscription(guild_id=1, url=URL) == 0

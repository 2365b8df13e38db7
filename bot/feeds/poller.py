"""One poll cycle over the due feeds, and following a feed; no Discord here.

The cog's loop calls ``poll_once``, which hands each feed to ``on_polled`` as soon as that
feed is recorded, so the cog sends its new ``FeedStore.pending_outbox(feed_id=...)`` rows
without waiting for slower feeds. Posts follow the protocol in ``bot/store/posts.py``:
the rows are written before anything is sent, so a kill at any point loses nothing, and a
re-send after a crash carries the same nonce.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.core.clock import utc_now
from bot.core.i18n import N_
from bot.core.shards import ShardScope
from bot.feeds.errors import FeedError, FeedHTTPError
from bot.feeds.fetch import FetchResult
from bot.feeds.parse import FeedEntry, ParsedFeed, parse_feed
from bot.feeds.urls import canonical_url, validate_url
from bot.store.feeds import (
    DEFAULT_CAP_PER_CHANNEL,
    BaselineEntry,
    DueFeed,
    EntryCandidate,
    FeedRow,
    FeedStore,
    FetchState,
    Subscription,
    idle_interval,
)
from bot.store.posts import LinkedEntity, ReviewPost

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 16
JITTER = 0.10
# How long a claimed feed stays with the process polling it (a killed process's feed is
# polled by another after this).
POLL_LEASE = timedelta(minutes=5)


class FetchFn(Protocol):
    """What the poller needs from a fetcher (``Fetcher.fetch`` fits)."""

    def __call__(
        self, url: str, *, etag: str | None = ..., last_modified: str | None = ...
    ) -> Awaitable[FetchResult]: ...


Linker = Callable[[str], Sequence[Any]]
# Builds the linker when an entry first needs it: a cycle with nothing new never loads the
# catalog's name index (the feed cog's index is megabytes, kept once built).
MakeLinker = Callable[[], Awaitable[Linker]]
ParseFn = Callable[..., Awaitable[ParsedFeed]]
OnPolled = Callable[[FeedRow], Awaitable[None]]


@dataclass(slots=True)
class PollReport:
    """What one cycle did; ``disabled`` and ``flooded`` list feeds to tell moderators about."""

    polled: int = 0
    fetched: int = 0
    not_modified: int = 0
    unchanged: int = 0  # fetched, but the body hashed as last time: not parsed
    failed: int = 0
    new_entries: int = 0
    enqueued: int = 0
    skipped_by_flood_guard: int = 0
    claimed_elsewhere: int = 0  # due, but another process sharing the database polls it
    errors: dict[str, str] = field(default_factory=dict)
    disabled: list[FeedRow] = field(default_factory=list)
    flooded: list[FeedRow] = field(default_factory=list)


def jittered(interval_seconds: int, rng: random.Random) -> timedelta:
    """Return ``interval_seconds`` moved by at most ±10 %, so feeds do not poll in lockstep."""
    return timedelta(seconds=interval_seconds * (1 + rng.uniform(-JITTER, JITTER)))


def entity_ids(linked: Sequence[Any]) -> frozenset[str]:
    """Collect catalog ids from linker results (objects or dicts with ``id``/``artist_id``).

    A release linked in a review counts for its artists too when the result says so
    (``artist_ids``), so an artist filter catches reviews that only name the album.
    """
    ids: set[str] = set()
    for item in linked:
        for name in ("id", "artist_id", "entity_id"):
            value = item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)
            if value:
                ids.add(str(value))
        many = (
            item.get("artist_ids")
            if isinstance(item, Mapping)
            else getattr(item, "artist_ids", None)
        )
        if many:
            ids.update(str(v) for v in many)
    return frozenset(ids)


def link_text(entry: FeedEntry) -> str:
    """Return the text the linker reads: title, then summary."""
    return f"{entry.title}\n{entry.summary_text}"


def review_post(
    entry: FeedEntry, *, outlet: str, feed_url: str, linked: Sequence[Any] = ()
) -> ReviewPost:
    """Return what the bot posts for one entry (stored in the outbox)."""
    return ReviewPost(
        key=entry.key,
        title=entry.title,
        link=entry.link,
        author=entry.author,
        outlet=outlet,
        feed_url=feed_url,
        published=entry.published.isoformat() if entry.published else None,
        summary=entry.summary_markdown,
        summary_text=entry.summary_text,
        image_url=entry.image_url,
        is_preview=entry.is_preview,
        entities=tuple(LinkedEntity.from_json(i) for i in linked if isinstance(i, Mapping)),
    )


def link_entry(linker: Linker | None, entry: FeedEntry) -> Sequence[Any]:
    """Run the linker on one entry; a linker error is logged and yields no links."""
    if linker is None:
        return ()
    try:
        return list(linker(link_text(entry)))
    except Exception:  # A linker bug must not stop the feed; the post goes out unlinked.
        log.warning("entity linking failed for %s", entry.key, exc_info=True)
        return ()


def candidates(
    parsed: ParsedFeed,
    *,
    feed_url: str,
    linker: Linker | None = None,
    only: set[str] | None = None,
) -> list[EntryCandidate]:
    """Turn parsed entries (those in ``only``, if given) into store candidates, linked."""
    out: list[EntryCandidate] = []
    outlet = parsed.title or feed_url
    for entry in parsed.entries:
        if only is not None and entry.key not in only:
            continue
        linked = link_entry(linker, entry)
        out.append(
            EntryCandidate(
                key=entry.key,
                published_at=entry.published,
                post=review_post(entry, outlet=outlet, feed_url=feed_url, linked=linked),
                entity_ids=entity_ids(linked),
            )
        )
    return out


def body_hash(body: bytes) -> str:
    """Return the hash that tells an unchanged body from a changed one."""
    return hashlib.sha256(body).hexdigest()


async def poll_feed(
    feeds: FeedStore,
    due: DueFeed,
    fetch: FetchFn,
    *,
    now: datetime,
    rng: random.Random,
    flood_threshold: int = DEFAULT_CAP_PER_CHANNEL,
    linker: Linker | None = None,
    make_linker: MakeLinker | None = None,
    parse: ParseFn = parse_feed,
    report: PollReport | None = None,
) -> None:
    """Fetch, parse and record one feed; every expected failure is recorded, never raised.

    A body that hashes as the last one is not parsed, and the feed's interval grows while
    it stays unchanged (``idle_interval``): a feed without validators costs one fetch.
    """
    report = report if report is not None else PollReport()
    feed = due.feed
    interval = due.interval_seconds
    report.polled += 1
    try:
        result = await fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if result.not_modified:
            report.not_modified += 1
            await feeds.record_not_modified(
                feed.id,
                now=now,
                next_poll_at=now + jittered(interval, rng),
                etag=result.etag,
                last_modified=result.last_modified,
            )
            return
        digest = body_hash(result.body or b"")
        if feed.baselined and digest == feed.body_hash:
            report.unchanged += 1
            slower = idle_interval(interval, feed.unchanged_streak + 1)
            await feeds.record_unchanged(
                feed.id,
                now=now,
                next_poll_at=now + jittered(slower, rng),
                status=result.status,
                etag=result.etag,
                last_modified=result.last_modified,
            )
            return
        parsed = await parse(result.body or b"", base_url=result.final_url)
        keys = [e.key for e in parsed.entries]
        # Link only what may be new: linking every entry on every poll is wasted work.
        unseen = await feeds.unseen_keys(feed.id, keys) if feed.baselined else set()
        if unseen and linker is None and make_linker is not None:
            linker = await make_linker()
        linked = {
            c.key: c for c in candidates(parsed, feed_url=feed.url, linker=linker, only=unseen)
        }
        # Entries already seen go in bare (the store skips them); document order is kept
        # because it dates undated entries.
        cands = [linked.get(e.key) or EntryCandidate(e.key, e.published) for e in parsed.entries]
        outcome = await feeds.record_success(
            feed.id,
            fetched=FetchState(result.status, result.etag, result.last_modified, parsed.title),
            candidates=cands,
            next_poll_at=now + jittered(interval, rng),
            now=now,
            flood_threshold=flood_threshold,
            body_hash=digest,
        )
        report.fetched += 1
        report.new_entries += outcome.new_entries
        report.enqueued += outcome.enqueued
        report.skipped_by_flood_guard += outcome.skipped_by_flood_guard
        if outcome.flooded:
            report.flooded.append(feed)
    except Exception as exc:
        if isinstance(exc, FeedError):
            message = str(exc)
            log.warning("feed %s failed: %s", feed.url, message)
        else:  # A bug, not the feed's fault; still counted so one feed cannot wedge the loop.
            message = "internal error while reading the feed"
            log.warning("feed %s failed unexpectedly", feed.url, exc_info=True)
        report.failed += 1
        report.errors[feed.url] = message
        failure = await feeds.record_failure(
            feed.id,
            error=message,
            interval_seconds=interval,
            status=exc.status if isinstance(exc, FeedHTTPError) else None,
            retry_after=exc.retry_after if isinstance(exc, FeedHTTPError) else None,
            now=now,
            jitter=1 + rng.uniform(-JITTER, JITTER),
        )
        if failure.disabled_now:
            report.disabled.append(failure.feed)


async def poll_once(
    feeds: FeedStore,
    fetch: FetchFn,
    *,
    default_interval: int,
    now: datetime | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    flood_threshold: int = DEFAULT_CAP_PER_CHANNEL,
    linker: Linker | None = None,
    make_linker: MakeLinker | None = None,
    rng: random.Random | None = None,
    parse: ParseFn = parse_feed,
    limit: int | None = None,
    on_polled: OnPolled | None = None,
    scope: ShardScope | None = None,
) -> PollReport:
    """Poll every due feed once (one fetch per URL), at most ``concurrency`` at a time.

    With ``scope``, only feeds followed by servers on those shards (docs/scaling.md).
    ``make_linker`` (instead of ``linker``) builds the linker once, when a feed first has new
    entries to link.

    Returns what happened; new posts are in the outbox (``FeedStore.pending_outbox``).
    ``on_polled`` runs for each feed as soon as it is recorded (the cog delivers its posts
    there), so a slow or failing feed delays only itself.
    """
    now = now or utc_now()
    rng = rng or random.Random()
    report = PollReport()
    due = await feeds.due_feeds(
        now=now, default_interval=default_interval, limit=limit, scope=scope
    )
    semaphore = asyncio.Semaphore(max(1, concurrency))
    built: list[Linker] = []
    building = asyncio.Lock()

    async def shared_linker() -> Linker:
        # Feeds poll concurrently: the first one with new entries builds, the others wait.
        async with building:
            if not built:
                assert make_linker is not None
                built.append(await make_linker())
        return built[0]

    async def one(item: DueFeed) -> None:
        async with semaphore:
            try:
                if not await feeds.claim_poll(item.feed, lease_until=now + POLL_LEASE):
                    report.claimed_elsewhere += 1
                    return
                await poll_feed(
                    feeds,
                    item,
                    fetch,
                    now=now,
                    rng=rng,
                    flood_threshold=flood_threshold,
                    linker=linker,
                    make_linker=shared_linker if make_linker is not None else None,
                    parse=parse,
                    report=report,
                )
            except Exception:  # Recording itself failed (database trouble): skip this feed.
                log.warning("could not record the poll of %s", item.feed.url, exc_info=True)
                return
        if on_polled is not None:
            try:
                await on_polled(item.feed)
            except Exception:  # Delivery has its own per-post handling; this is a backstop.
                log.warning("handling the poll of %s failed", item.feed.url, exc_info=True)

    await asyncio.gather(*(one(item) for item in due))
    return report


async def follow(
    feeds: FeedStore,
    fetch: FetchFn,
    *,
    url: str,
    guild_id: int,
    channel_id: int,
    default_interval: int,
    created_by: int | None = None,
    artist_id: str | None = None,
    mention_role_id: int | None = None,
    interval_seconds: int | None = None,
    now: datetime | None = None,
    rng: random.Random | None = None,
    parse: ParseFn = parse_feed,
) -> tuple[Subscription, ParsedFeed]:
    """Validate ``url`` by fetching and parsing it now, then follow it in a channel.

    Raises ``FeedError`` (bad URL, private address, unreachable, not a feed, …) and saves
    nothing, or ``SubscriptionExists``. What the feed holds now becomes its baseline: it is
    recorded and never posted (``/feed backfill`` exists for that).
    """
    now = now or utc_now()
    rng = rng or random.Random()
    key = canonical_url(validate_url(url))
    result = await fetch(key)
    if result.not_modified:  # No validators were sent, so a 304 is the server's mistake.
        raise FeedError(N_("the server answered 304 Not Modified to a plain request"))
    parsed = await parse(result.body or b"", base_url=result.final_url)
    existing = await feeds.get_feed_by_url(key)
    baseline = None
    if existing is None:
        baseline = [BaselineEntry(e.key, e.published) for e in parsed.entries]
    interval = max(interval_seconds or default_interval, default_interval)
    sub = await feeds.add_subscription(
        guild_id=guild_id,
        channel_id=channel_id,
        url=key,
        created_by=created_by,
        artist_id=artist_id,
        mention_role_id=mention_role_id,
        interval_seconds=interval_seconds,
        now=now,
        fetched=FetchState(result.status, result.etag, result.last_modified, parsed.title),
        baseline=baseline,
        next_poll_at=now + jittered(interval, rng),
    )
    return sub, parsed


async def backfill(
    feeds: FeedStore,
    fetch: FetchFn,
    subscription: Subscription,
    *,
    count: int,
    linker: Linker | None = None,
    now: datetime | None = None,
    parse: ParseFn = parse_feed,
    max_count: int = 10,
) -> int:
    """Enqueue the newest ``count`` entries (at most ``max_count``) for one subscription now."""
    feed = await feeds.get_feed(subscription.feed_id)
    if feed is None:
        raise FeedError(N_("that feed is no longer followed"))
    result = await fetch(feed.url)
    parsed = await parse(result.body or b"", base_url=result.final_url)
    count = max(0, min(count, max_count))
    newest = sorted(
        enumerate(parsed.entries),
        key=lambda p: (p[1].published or datetime.max.replace(tzinfo=UTC), -p[0]),
        reverse=True,
    )[:count]
    chosen = ParsedFeed(parsed.title, parsed.link, parsed.version, tuple(e for _, e in newest))
    cands = candidates(chosen, feed_url=feed.url, linker=linker)
    if subscription.artist_id is not None:
        cands = [c for c in cands if subscription.artist_id in c.entity_ids]
    return await feeds.enqueue_backfill(subscription.id, cands, now=now)

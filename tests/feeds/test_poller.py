"""Poll cycles against a real local server and a real database: exactly once, isolated failures."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.feeds import Fetcher, backfill, follow, poll_once
from bot.feeds.errors import FeedError, HostileFeed, NotAFeed, PrivateAddressError
from bot.feeds.fetch import FetchResult
from bot.feeds.parse import ParsedFeed, parse_feed
from bot.feeds.poller import PollReport, jittered
from bot.feeds.preview import preview
from bot.store.feeds import FeedStore, SubscriptionExists
from tests.feeds.support import T0, FeedServer, fixture_bytes, open_store

INTERVAL = 900


def rss(*items: tuple[str, str], title: str = "Critic") -> bytes:
    """Build an RSS feed from (guid, pubDate) pairs, newest first."""
    body = "".join(
        f"<item><title>Review {guid}</title><link>https://critic.example/{guid}</link>"
        f"<guid>{guid}</guid><pubDate>{date}</pubDate><description>About {guid}</description>"
        "</item>"
        for guid, date in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://critic.example/</link>{body}</channel></rss>"
    ).encode()


OLD = ("old", "Sun, 10 Mar 2024 10:00:00 GMT")
NEW = ("new", "Sun, 10 Mar 2024 12:30:00 GMT")


class Mutable:
    """A route whose body a test swaps, with an ETag per version."""

    def __init__(self, server: FeedServer, path: str, body: bytes) -> None:
        self.body = body
        self.version = 1
        self.status = 200
        self.headers: dict[str, str] = {}
        self.url = server.route(path, self.handle)

    def set(self, body: bytes) -> None:
        self.body = body
        self.version += 1

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.status != 200:
            return web.Response(status=self.status, headers=self.headers)
        etag = f'"v{self.version}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=self.body, headers={"ETag": etag}, content_type="text/xml")


async def _follow(feeds: FeedStore, fetcher: Fetcher, url: str, channel: int = 10, **kw):  # type: ignore[no-untyped-def]
    sub, _ = await follow(
        feeds,
        fetcher.fetch,
        url=url,
        guild_id=kw.pop("guild_id", 1),
        channel_id=channel,
        default_interval=INTERVAL,
        now=kw.pop("now", T0),
        rng=random.Random(1),
        **kw,
    )
    return sub


async def _cycle(feeds: FeedStore, fetcher: Fetcher, now, **kw):  # type: ignore[no-untyped-def]
    return await poll_once(
        feeds, fetcher.fetch, default_interval=INTERVAL, now=now, rng=random.Random(2), **kw
    )


LATER = T0 + timedelta(hours=1)


async def test_follow_is_silent_then_a_new_entry_is_enqueued_once(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    route = Mutable(feed_server, "/feed", rss(OLD))
    sub = await _follow(feed_store, fetcher, route.url)
    assert await feed_store.pending_outbox(now=LATER) == []

    # Nothing new: the server answers 304 to our ETag and nothing is enqueued.
    report = await _cycle(feed_store, fetcher, LATER)
    assert (report.polled, report.not_modified, report.enqueued) == (1, 1, 0)
    feed = await feed_store.get_feed(sub.feed_id)
    assert feed is not None and feed.last_cache_hit and feed.etag == '"v1"'

    route.set(rss(NEW, OLD))
    report = await _cycle(feed_store, fetcher, LATER + timedelta(hours=1))
    assert (report.fetched, report.new_entries, report.enqueued) == (1, 1, 1)
    (row,) = await feed_store.pending_outbox(now=LATER + timedelta(hours=1))
    assert row.entry_key == "id:new"
    assert row.post.title == "Review new"
    assert row.post.outlet == "Critic"
    assert row.post.link == "https://critic.example/new"
    assert row.post.published == "2024-03-10T12:30:00+00:00"

    route.set(rss(NEW, OLD))  # same body, new ETag: fetched, its hash matches, not parsed
    report = await _cycle(feed_store, fetcher, LATER + timedelta(hours=2))
    assert (report.unchanged, report.fetched, report.enqueued) == (1, 0, 0)
    assert len(await feed_store.pending_outbox(now=LATER + timedelta(hours=3))) == 1


async def test_a_feed_added_without_baseline_is_silent_on_its_first_poll(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    url = feed_server.serve("/feed", rss(NEW, OLD))
    await feed_store.add_subscription(guild_id=1, channel_id=10, url=url, now=T0)
    report = await _cycle(feed_store, fetcher, T0)
    assert (report.fetched, report.new_entries, report.enqueued) == (1, 2, 0)
    assert await feed_store.pending_outbox(now=LATER) == []


async def test_restart_after_a_kill_is_silent_and_keeps_the_nonce(
    feed_server: FeedServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    route = Mutable(feed_server, "/feed", rss(OLD))
    store = await open_store(path)
    feeds = FeedStore(store)
    await _follow(feeds, fetcher, route.url)
    route.set(rss(NEW, OLD))
    await _cycle(feeds, fetcher, LATER)
    (before,) = await feeds.pending_outbox(now=LATER)
    await store.close()  # the process dies after enqueueing (or after sending, before mark_sent)

    store = await open_store(path)
    feeds = FeedStore(store)
    try:
        route.set(rss(NEW, OLD, ("older", "Sat, 09 Mar 2024 10:00:00 GMT")))
        report = await _cycle(feeds, fetcher, LATER + timedelta(hours=1))
        assert report.fetched == 1 and report.enqueued == 0
        (after,) = await feeds.pending_outbox(now=LATER + timedelta(hours=1))
        assert (after.id, after.nonce) == (before.id, before.nonce)
        await feeds.mark_sent(after.id, message_id=77)
        assert await feeds.pending_outbox(now=LATER + timedelta(hours=1)) == []
    finally:
        await store.close()


async def test_one_fetch_per_url_for_many_subscriptions(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    route = Mutable(feed_server, "/feed", rss(OLD))
    for guild in range(1, 11):
        await _follow(feed_store, fetcher, route.url, guild_id=guild, channel=100 + guild)
    feed_server.hits.clear()
    route.set(rss(NEW, OLD))
    report = await _cycle(feed_store, fetcher, LATER)
    assert feed_server.hits["/feed"] == 1
    assert report.polled == 1 and report.enqueued == 10
    pending = await feed_store.pending_outbox(now=LATER)
    assert len({p.nonce for p in pending}) == 10


async def test_one_bad_feed_does_not_stop_the_others(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    good = Mutable(feed_server, "/good", rss(OLD))
    bad = Mutable(feed_server, "/bad", rss(OLD))
    html = Mutable(feed_server, "/html", rss(OLD))
    for route in (good, bad, html):
        await _follow(feed_store, fetcher, route.url)
    good.set(rss(NEW, OLD))
    bad.status = 500
    html.set(b"<html><body>moved</body></html>")
    report = await _cycle(feed_store, fetcher, LATER)
    assert (report.polled, report.fetched, report.failed, report.enqueued) == (3, 1, 2, 1)
    assert "HTTP 500" in report.errors[bad.url]
    assert report.errors[html.url] == "not an RSS or Atom feed"
    failed = await feed_store.get_feed_by_url(bad.url)
    assert failed is not None and failed.failure_streak == 1 and failed.last_status == 500


async def test_an_unexpected_error_is_counted_not_raised(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    good = Mutable(feed_server, "/good", rss(OLD))
    await _follow(feed_store, fetcher, good.url)

    async def broken_parse(data: bytes, *, base_url: str | None = None) -> object:
        raise RuntimeError("bug")

    good.set(rss(NEW, OLD))
    report = await _cycle(feed_store, fetcher, LATER, parse=broken_parse)
    assert report.failed == 1
    assert report.errors[good.url] == "internal error while reading the feed"


async def test_failure_streak_disables_after_eight_with_a_reason(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    route = Mutable(feed_server, "/feed", rss(OLD))
    await _follow(feed_store, fetcher, route.url)
    route.status = 502
    now = LATER
    disabled = []
    for _ in range(8):
        report = await _cycle(feed_store, fetcher, now)
        assert report.polled == 1
        disabled.extend(report.disabled)
        feed = await feed_store.get_feed_by_url(route.url)
        assert feed is not None
        now = feed.next_poll_at  # an injected clock: jump to when it is due again
    (off,) = disabled
    assert off.disabled
    assert "8 failed fetches in a row" in (off.disabled_reason or "")
    assert "HTTP 502" in (off.disabled_reason or "")
    report = await _cycle(feed_store, fetcher, now + timedelta(days=7))
    assert report.polled == 0
    assert feed_server.hits["/feed"] == 1 + 8


async def test_429_retry_after_sets_the_next_poll(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    route = Mutable(feed_server, "/feed", rss(OLD))
    await _follow(feed_store, fetcher, route.url)
    route.status = 429
    route.headers = {"Retry-After": "36000"}
    await _cycle(feed_store, fetcher, LATER)
    feed = await feed_store.get_feed_by_url(route.url)
    assert feed is not None
    assert feed.last_status == 429
    # The fetcher's clock is T0, so the server asked for T0 + 10 h; backoff alone is ~30 min.
    assert feed.next_poll_at == T0 + timedelta(hours=10)
    assert (await _cycle(feed_store, fetcher, T0 + timedelta(hours=9))).polled == 0


async def test_5xx_backs_off_and_recovery_resets(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    route = Mutable(feed_server, "/feed", rss(OLD))
    await _follow(feed_store, fetcher, route.url)
    route.status = 503
    await _cycle(feed_store, fetcher, LATER)
    feed = await feed_store.get_feed_by_url(route.url)
    assert feed is not None
    wait = feed.next_poll_at - LATER
    assert timedelta(minutes=27) <= wait <= timedelta(minutes=33)
    assert (await _cycle(feed_store, fetcher, LATER + timedelta(minutes=10))).polled == 0
    route.status = 200
    await _cycle(feed_store, fetcher, feed.next_poll_at)
    healed = await feed_store.get_feed_by_url(route.url)
    assert healed is not None and healed.failure_streak == 0


async def test_concurrency_is_bounded(feed_store: FeedStore) -> None:
    for i in range(12):
        await feed_store.add_subscription(
            guild_id=1, channel_id=10, url=f"https://f{i}.example/feed", now=T0
        )
    active = peak = 0
    release = asyncio.Event()
    started = asyncio.Event()

    async def fake_fetch(url: str, **_: object) -> FetchResult:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        if active == 3:
            started.set()
        await release.wait()
        active -= 1
        return FetchResult(url, url, 200, rss(OLD), None, None)

    task = asyncio.create_task(
        poll_once(feed_store, fake_fetch, default_interval=INTERVAL, now=T0, concurrency=3)
    )
    await started.wait()
    release.set()
    report = await task
    assert peak == 3
    assert report.fetched == 12


def test_jitter_stays_within_ten_percent() -> None:
    rng = random.Random(0)
    values = [jittered(1000, rng).total_seconds() for _ in range(1000)]
    assert min(values) >= 900 and max(values) <= 1100
    assert max(values) - min(values) > 100  # it does spread


async def test_linker_and_artist_filter(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    route = Mutable(feed_server, "/feed", rss(OLD))
    await _follow(feed_store, fetcher, route.url, channel=10, artist_id="iu")
    await _follow(feed_store, fetcher, route.url, channel=11)
    calls: list[str] = []

    def linker(text: str) -> list[dict[str, object]]:
        calls.append(text)
        return [{"kind": "artist", "id": "iu", "name": "IU"}] if "iu-" in text else []

    route.set(rss(("iu-review", "Sun, 10 Mar 2024 12:40:00 GMT"), NEW, OLD))
    await _cycle(feed_store, fetcher, LATER, linker=linker)
    assert len(calls) == 2  # only the two new entries are linked
    pending = await feed_store.pending_outbox(now=LATER)
    assert sorted((p.channel_id, p.entry_key) for p in pending) == [
        (10, "id:iu-review"),
        (11, "id:iu-review"),
        (11, "id:new"),
    ]
    iu = next(p for p in pending if p.channel_id == 10)
    assert [(e.kind, e.id, e.name) for e in iu.post.entities] == [("artist", "iu", "IU")]


async def test_follow_refuses_bad_input_and_saves_nothing(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    page = feed_server.serve("/page", b"<html><body>hi</body></html>", content_type="text/html")
    with pytest.raises(NotAFeed):
        await _follow(feed_store, fetcher, page)
    async with Fetcher() as default:
        with pytest.raises(PrivateAddressError):
            await _follow(feed_store, default, feed_server.serve("/feed", rss(OLD)))
    with pytest.raises(FeedError):
        await _follow(feed_store, fetcher, "ftp://critic.example/feed")
    assert await feed_store.list_subscriptions() == []
    url = feed_server.serve("/ok", rss(OLD))
    await _follow(feed_store, fetcher, url)
    with pytest.raises(SubscriptionExists):
        await _follow(feed_store, fetcher, url + "#again")


async def test_backfill_enqueues_the_newest(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    url = feed_server.serve("/feed", rss(NEW, OLD, ("older", "Sat, 09 Mar 2024 10:00:00 GMT")))
    sub = await _follow(feed_store, fetcher, url)
    assert await backfill(feed_store, fetcher.fetch, sub, count=2, now=T0) == 2
    pending = await feed_store.pending_outbox(now=T0)
    assert [p.entry_key for p in pending] == ["id:old", "id:new"]


async def test_preview_of_a_file_and_a_url(
    feed_server: FeedServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    entries = await preview(
        str(Path(__file__).parent / "fixtures" / "substack.xml"), allow_private=False
    )
    assert [e["is_preview"] for e in entries] == [False, True, True]
    assert entries[0]["author"] == "Ana Kwon"
    assert entries[0]["published"] == "2024-03-09T11:00:00+00:00"
    json.dumps(entries)
    url = feed_server.serve("/feed", fixture_bytes("atom.xml"))
    found = {"id": "artist:1", "kind": "artist", "name": "IU"}
    linked = await preview(
        url, allow_private=True, linker=lambda text: [found] if "B-sides" in text else []
    )
    assert linked[0]["title"] == "Five B-sides worth your time"
    assert [e["id"] for e in linked[0]["entities"]] == ["artist:1"]
    with pytest.raises(PrivateAddressError):
        await preview(url, allow_private=False)
    with pytest.raises(FeedError, match="no such file"):
        await preview(str(tmp_path / "missing.xml"), allow_private=False)
    hostile = tmp_path / "lol.xml"
    hostile.write_bytes(b'<!DOCTYPE r [<!ENTITY a "b">]><rss version="2.0"></rss>')
    with pytest.raises(HostileFeed):
        await preview(str(hostile), allow_private=False)
    with pytest.raises(FeedError, match="only http"):
        await preview("gopher://x.example/feed", allow_private=False)


async def test_an_unchanged_feed_without_validators_is_not_parsed_again(
    feed_server: FeedServer, fetcher: Fetcher, feed_store: FeedStore
) -> None:
    """Issue 13.8: no ETag/Last-Modified, same body: one fetch, no parse, a growing interval."""
    body = rss(OLD)
    route = feed_server.route("/plain", lambda request: _plain(body))
    sub = await _follow(feed_store, fetcher, route)
    parsed: list[bytes] = []

    async def counting_parse(data: bytes, **kw: object) -> ParsedFeed:
        parsed.append(data)
        return await parse_feed(data, **kw)  # type: ignore[arg-type]

    async def poll_when_due() -> tuple[PollReport, float]:
        feed = await feed_store.get_feed(sub.feed_id)
        assert feed is not None
        report = await _cycle(feed_store, fetcher, feed.next_poll_at, parse=counting_parse)
        after = await feed_store.get_feed(sub.feed_id)
        assert after is not None
        return report, (after.next_poll_at - feed.next_poll_at).total_seconds() / INTERVAL

    report, _ = await poll_when_due()  # the first poll after following parses and hashes
    assert (report.fetched, len(parsed)) == (1, 1)
    factors = []
    for _ in range(5):
        report, factor = await poll_when_due()
        assert (report.unchanged, report.fetched) == (1, 0)
        factors.append(round(factor))
    assert len(parsed) == 1  # fetched five more times, never parsed again
    assert factors == [2, 4, 4, 4, 4]  # doubling, capped at an hour (4 x 900 s)
    body = rss(NEW, OLD)
    report, factor = await poll_when_due()
    assert (report.fetched, report.enqueued, len(parsed), round(factor)) == (1, 1, 2, 1)


async def _plain(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/rss+xml")

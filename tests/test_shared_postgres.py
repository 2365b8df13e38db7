"""Several processes on one PostgreSQL database: what they share, and what each does once.

The processes here are real ``linernotes`` processes where the command line shows the
behaviour (the catalog loaded once), and otherwise two stores with their own connection
pools, which is what the database sees of two processes.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.shards import ShardScope
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import follow, poll_once
from bot.store import Store
from bot.store.feeds import FeedStore
from bot.store.guilds import GuildStore
from tests.cogs.rss_server import Item, RssServer
from tests.support.data import ROOT
from tests.support.postgres import drop_database, empty_database, fresh_database

pytestmark = pytest.mark.postgres


async def _cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=240)
    return process.returncode or 0, out.decode(), err.decode()


async def test_two_processes_started_together_load_the_catalog_once() -> None:
    url = await empty_database()
    try:
        env = {"DATABASE_URL": url, "LOG_LEVEL": "INFO"}
        question = "who directed the Love wins all music video?"
        results = await asyncio.gather(
            _cli("ask", question, env=env), _cli("ask", question, env=env)
        )
        for code, out, err in results:
            assert code == 0, err
            assert "Um Tae-hwa" in out and "source: " in out
        logs = "".join(err for _, _, err in results)
        # One process migrated and loaded; the other waited for it and found it all there.
        assert logs.count("bundled data loaded: catalog") == 1, logs
        assert logs.count("applied migration 0001_initial.sql") == 1
    finally:
        await drop_database(url)


@pytest.fixture
async def two_processes() -> AsyncIterator[tuple[Store, Store]]:
    url = await fresh_database()
    first = await Store.open(url, pool_size=4)
    second = await Store.open(url, pool_size=4)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()
        await drop_database(url)


async def test_each_due_feed_is_fetched_by_one_process(
    two_processes: tuple[Store, Store],
) -> None:
    first, second = two_processes
    servers = [RssServer(items=[Item("old", "Old", datetime(2024, 1, 1, tzinfo=UTC))])]
    servers += [
        RssServer(items=[Item(f"old{n}", "Old", datetime(2024, 1, 1, tzinfo=UTC))])
        for n in range(7)
    ]
    fetcher = Fetcher(allow_private=True)
    try:
        for n, feed in enumerate(servers):
            await feed.start()
            await follow(
                FeedStore(first),
                fetcher.fetch,
                url=feed.url(),
                guild_id=1000 + n,
                channel_id=2000 + n,
                default_interval=60,
            )
        before = [feed.hits for feed in servers]
        later = datetime.now(UTC) + timedelta(hours=1)
        reports = await asyncio.gather(
            *(
                poll_once(FeedStore(store), fetcher.fetch, default_interval=60, now=later)
                for store in (first, second)
            )
        )
        fetched = [feed.hits - was for feed, was in zip(servers, before, strict=True)]
        assert fetched == [1] * len(servers)  # every feed once, by one process or the other
        assert sum(r.polled for r in reports) == len(servers)
        # Within the interval nobody fetches again.
        again = await poll_once(FeedStore(second), fetcher.fetch, default_interval=60, now=later)
        assert again.polled == 0
    finally:
        await fetcher.close()
        for feed in servers:
            await feed.stop()


async def test_what_one_process_records_the_other_sees(two_processes: tuple[Store, Store]) -> None:
    first, second = two_processes
    await GuildStore(first).set(77, "timezone", "Europe/Paris", actor=7)
    assert (await GuildStore(second).config(77))["timezone"] == "Europe/Paris"
    suggestion = await GuildStore(first).add_suggestion(
        77, 5, "credit", "song:1", "composer: X", "https://e.x/1"
    )
    assert (await GuildStore(second).suggestion(suggestion.id)) is not None


async def test_posts_of_a_server_are_delivered_by_its_shard_owner(
    two_processes: tuple[Store, Store],
) -> None:
    first, second = two_processes
    feed = RssServer(items=[Item("old", "Old", datetime(2024, 1, 1, tzinfo=UTC))])
    await feed.start()
    fetcher = Fetcher(allow_private=True)
    on_zero, on_one = (1 << 22) * 2, (1 << 22) * 3  # shards 0 and 1 of 2
    try:
        for guild in (on_zero, on_one):
            await follow(
                FeedStore(first),
                fetcher.fetch,
                url=feed.url(),
                guild_id=guild,
                channel_id=guild + 1,
                default_interval=60,
            )
        feed.items.append(Item("new", "New", datetime.now(UTC) + timedelta(minutes=1)))
        later = datetime.now(UTC) + timedelta(hours=1)
        # Process 0 polls the feed for both servers...
        await poll_once(FeedStore(first), fetcher.fetch, default_interval=60, now=later)
        # ...and each process sees only its own server's post to deliver.
        zero = await FeedStore(first).pending_outbox(now=later, scope=ShardScope.of(2, [0]))
        one = await FeedStore(second).pending_outbox(now=later, scope=ShardScope.of(2, [1]))
        assert [r.guild_id for r in zero] == [on_zero]
        assert [r.guild_id for r in one] == [on_one]
        assert zero[0].nonce != one[0].nonce
    finally:
        await fetcher.close()
        await feed.stop()


async def test_musicbrainz_one_request_a_second_across_processes(
    two_processes: tuple[Store, Store],
) -> None:
    from bot.knowledge.online.limiter import DatabaseRateLimiter

    # A clock each "process" reads, moved by the sleeps it asks for: no real waiting.
    class Clock:
        def __init__(self) -> None:
            self.now = 1_800_000_000.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()

    async def sleep(seconds: float) -> None:
        clock.now += seconds

    limiters = [
        DatabaseRateLimiter(store, "musicbrainz", interval=1.0, clock=clock, sleep=sleep)
        for store in two_processes
    ]
    sent: list[float] = []
    for _ in range(3):
        for limiter in limiters:  # the two processes take turns asking
            await limiter.wait()
            sent.append(clock.now)
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(sent)]
    # Six requests from two processes, at least a second apart between them all.
    assert all(gap >= 1.0 for gap in gaps), gaps

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
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.shards import ShardScope
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import follow, poll_once
from bot.store import Store
from bot.store.feeds import FeedStore
from bot.store.guilds import GuildStore
from tests.cogs.rss_server import Item, RssServer
from tests.fakediscord import Channel, FakeDiscord, RecordedRequest
from tests.support.cli import run_cli_in_process
from tests.support.data import ROOT
from tests.support.postgres import database_like, drop_database, empty_database, fresh_database
from tests.support.process import BotProcess, followed_in, until

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


@pytest.fixture
async def review_feed() -> AsyncIterator[RssServer]:
    server = RssServer(items=[Item("old", "An old review", datetime(2024, 1, 1, tzinfo=UTC))])
    await server.start()
    yield server
    await server.stop()


async def test_kill_9_between_send_and_record_on_a_shared_database_posts_each_review_once(
    fake_discord: FakeDiscord, template_db: Path, tmp_path: Path, review_feed: RssServer
) -> None:
    fd = fake_discord
    channels = [
        fd.add_guild(f"Shard {shard} Club", shard=(shard, 2)).add_text_channel("reviews")
        for shard in (0, 1)
    ]
    guilds = [channel.guild.id for channel in channels if channel.guild is not None]
    url = await database_like(template_db)  # the bundled catalog, on PostgreSQL
    reader = await Store.open(url, pool_size=2)
    processes: list[BotProcess] = []

    def process(shard: int) -> BotProcess:
        folder = tmp_path / f"shard{shard}"
        folder.mkdir(exist_ok=True)
        made = BotProcess(fd, url, guilds[shard], folder=folder)
        made.env |= {"SHARD_COUNT": "2", "SHARD_IDS": str(shard)}
        processes.append(made)
        return made

    async def running() -> list[tuple[str, int]]:
        rows = await reader.fetchall(
            "SELECT process, pid FROM heartbeat WHERE phase = 'running' AND stopped_at IS NULL "
            "ORDER BY process"
        )
        return [(str(r[0]), int(r[1])) for r in rows]

    async def outbox() -> list[str]:
        """The state of each server's post, shard 0's first."""
        rows = await reader.fetchall(
            "SELECT s.guild_id, o.state FROM feed_outbox o "
            "JOIN feed_subscriptions s ON s.id = o.subscription_id"
        )
        states = {int(r[0]): str(r[1]) for r in rows}
        return [states.get(guild, "not queued") for guild in guilds]

    def review_sends(channel: Channel) -> list[RecordedRequest]:
        sent = fd.requests_to("POST", f"/channels/{channel.id}/messages")
        return [r for r in sent if r.json and r.json.get("embeds")]

    try:
        await followed_in(url, review_feed, channels)
        # A new review is out before the processes start, so their first feed cycle queues it
        # for both servers while they start (no poll interval sat through). Process 0's send
        # reaches Discord, and process 0 is killed before Discord's answer (the message)
        # reaches it.
        held = fd.hold_next("POST", f"/channels/{channels[0].id}/messages")
        review_feed.items.append(
            Item("new", "A new review", datetime.now(UTC) + timedelta(minutes=1))
        )
        zero, one = process(0), process(1)
        await asyncio.gather(zero.start(), one.start())
        await fd.wait_until_ready(timeout=30, shards=[(0, 2), (1, 2)])
        assert zero.proc is not None and one.proc is not None
        both = [("0/2", zero.proc.pid), ("1/2", one.proc.pid)]
        await until(lambda: _equal(running(), both), "both heartbeats")
        env = {"DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
        status = await asyncio.to_thread(run_cli_in_process, "status", env=env, cwd=tmp_path)
        code, out = status.returncode, status.stdout
        assert code == 0, out + status.stderr
        assert "bot: 2 processes on this database, 2 not stopped" in out
        for shard, (_, pid) in enumerate(both):
            assert f"process (shard {shard} of 2): running, pid {pid}," in out, out
        assert out.count("  servers: 1\n") == 2 and out.count("  shards: 1/1 connected") == 2

        await asyncio.wait_for(held.arrived.wait(), 30)
        assert len(review_sends(channels[0])) == 1  # the held request is the review's send
        await zero.kill()
        held.release()
        assert (await outbox())[0] == "pending"  # the send of a dead process, never recorded
        posted = await fd.wait_for_message(channels[1], check=lambda m: bool(m.embeds), timeout=30)
        # The review's thread is opened once the post is recorded as sent.
        await fd.wait_for(lambda: fd.thread_for(posted), timeout=30, what="process 1's thread")
        assert await outbox() == ["pending", "sent"]
        assert len(review_sends(channels[0])) == 1  # process 1 leaves shard 0's post alone

        # Restarted, process 0 sends the unrecorded post again with the same nonce; Discord
        # answers with the message it already has, and the post is recorded as sent.
        again = process(0)
        await again.start()
        await fd.wait_for(lambda: len(review_sends(channels[0])) == 2, timeout=30)
        message = next(m for m in fd.channel_messages(channels[0]) if m.embeds)
        await fd.wait_for(lambda: fd.thread_for(message), timeout=30, what="process 0's thread")
        assert await outbox() == ["sent", "sent"]
        assert again.proc is not None
        restarted = [("0/2", again.proc.pid), both[1]]
        await until(lambda: _equal(running(), restarted), "the restarted heartbeat")
        status = await asyncio.to_thread(run_cli_in_process, "status", env=env, cwd=tmp_path)
        code, out = status.returncode, status.stdout
        assert code == 0 and out.count("process (") == 2  # its own row, replaced
        assert f"process (shard 0 of 2): running, pid {again.proc.pid}," in out
        assert await again.terminate() == 0 and await one.terminate() == 0

        for channel in channels:
            assert len([m for m in fd.channel_messages(channel) if m.embeds]) == 1
        first, second = review_sends(channels[0])
        assert first.json["nonce"] == second.json["nonce"]
        assert second.response is not None and first.response is not None
        assert second.response["id"] == first.response["id"]  # the same message, not a second
        assert len(review_sends(channels[1])) == 1
        stopped = await reader.fetchall(
            "SELECT process FROM heartbeat WHERE stopped_at IS NOT NULL"
        )
        assert sorted(str(r[0]) for r in stopped) == ["0/2", "1/2"]  # both stopped cleanly
        for folder in ("shard0", "shard1"):
            assert "Traceback" not in (tmp_path / folder / "bot.log").read_text()
    finally:
        for made in processes:
            if made.proc is not None and made.proc.returncode is None:
                await made.kill()
        await reader.close()
        await drop_database(url)


async def _equal(read: Awaitable[object], expected: object) -> bool:
    return await read == expected

"""Sharding: the emulator shards as Discord does, and the bot runs on one or several processes."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
from aiohttp import web

from bot.app.cli import _run_bot as run_bot
from bot.app.client import shard_refusal
from bot.core.errors import ConfigError
from bot.core.shards import ShardScope, shard_of
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import follow, poll_once
from bot.store import Store
from bot.store.feeds import FeedStore
from bot.store.guilds import GuildStore
from tests.cogs.rss_server import Item, RssServer
from tests.fakediscord import Channel, FakeDiscord, Guild, Member, Permissions
from tests.fakediscord import gateway as fake_gateway
from tests.support.bot import Clock, bot_settings, start_bot, stop_bot
from tests.support.process import BotProcess, followed_in, outbox_states, until

TWO_SHARDS = [(0, 2), (1, 2)]


@pytest.fixture
async def discord_with_buckets() -> AsyncIterator[FakeDiscord]:
    """An emulator with Discord's identify pacing (5 s per bucket) and two buckets."""
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    fd = FakeDiscord(token="test-token", max_concurrency=2)
    await fd.start()
    try:
        yield fd
    finally:
        await fd.stop()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


class RawShard:
    """A bare gateway connection, to see exactly what Discord sends a shard."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def identify(self, fd: FakeDiscord, shard: Any) -> dict[str, Any]:
        hello = await self.ws.receive_json()
        assert hello["op"] == 10
        payload = {"token": fd.token, "intents": 1, "properties": {}, "shard": shard}
        await self.ws.send_json({"op": 2, "d": payload})
        return await self.receive()

    async def receive(self) -> dict[str, Any]:
        msg = await self.ws.receive()
        if msg.type == aiohttp.WSMsgType.CLOSE:
            return {"close": msg.data}
        return msg.json()  # type: ignore[no-any-return]

    async def dispatches_until_ready(self, guild_count: int) -> list[dict[str, Any]]:
        seen = []
        while sum(1 for p in seen if p.get("t") == "GUILD_CREATE") < guild_count:
            seen.append(await self.receive())
        return seen


async def raw_identify(
    session: aiohttp.ClientSession, fd: FakeDiscord, shard: Any
) -> tuple[RawShard, dict[str, Any]]:
    ws = await session.ws_connect(fd.gateway_url + "?v=10&encoding=json")
    raw = RawShard(ws)
    return raw, await raw.identify(fd, shard)


# -- the helpers --------
def test_shard_formula_and_scope() -> None:
    guild_id = 197038439483310086  # Discord's example snowflake
    assert shard_of(guild_id, 1) == 0
    assert shard_of(guild_id, 4) == (guild_id >> 22) % 4
    scope = ShardScope.of(4, [3, 1])
    assert scope.ids == (1, 3) and not scope.everything
    assert scope.owns(guild_id) == (shard_of(guild_id, 4) in (1, 3))
    assert scope.sql("guild_id") == ("((guild_id >> 22) % ?) IN (?, ?)", (4, 1, 3))
    assert ShardScope.of(2).everything and ShardScope.of(2).sql("g") == ("1 = 1", ())
    with pytest.raises(ValueError, match="do not fit"):
        ShardScope.of(2, [2])


async def test_sql_filter_matches_python(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "x.db")
    try:
        ids = [(1 << 62) + (n << 22) + n for n in range(8)]
        scope = ShardScope.of(4, [1, 2])
        where, params = scope.sql("value")
        rows = await store.fetchall(
            f"SELECT value FROM (SELECT column1 AS value FROM (VALUES {','.join(['(?)'] * 8)})) "
            f"WHERE {where} ORDER BY value",
            (*ids, *params),
        )
        assert [r[0] for r in rows] == [i for i in ids if scope.owns(i)]
        assert len(rows) == 4
    finally:
        await store.close()


def on_shard(n: int, shard: int, count: int = 2) -> int:
    """A snowflake-like server id on ``shard`` (distinct for each n)."""
    return ((n * count + shard) << 22) | n


async def test_loop_queries_see_only_their_shards(tmp_path: Path, feed: RssServer) -> None:
    store = await Store.open(tmp_path / "x.db")
    feeds, fetcher = FeedStore(store), Fetcher(allow_private=True)
    mine, theirs = ShardScope.of(2, [1]), ShardScope.of(2, [0])
    try:
        # More foreign posts than one delivery batch, queued before this shard's one post.
        guilds = [on_shard(n, 0) for n in range(1, 61)] + [on_shard(99, 1)]
        for guild_id in guilds:
            await follow(
                feeds,
                fetcher.fetch,
                url=feed.url(),
                guild_id=guild_id,
                channel_id=guild_id + 1,
                default_interval=1,
            )
        feed.items.append(Item("new", "A new review", datetime.now(UTC) + timedelta(minutes=1)))
        later = datetime.now(UTC) + timedelta(hours=1)
        assert [
            d.feed.url for d in await feeds.due_feeds(now=later, default_interval=1, scope=mine)
        ] == [feed.url()]
        nobody = ShardScope.of(1000, [999])  # no follower of the feed is on this shard
        assert await feeds.due_feeds(now=later, default_interval=1, scope=nobody) == []
        await poll_once(feeds, fetcher.fetch, default_interval=1, now=later, scope=mine)
        assert len(await feeds.pending_outbox(now=later, limit=50)) == 50
        owned = await feeds.pending_outbox(now=later, limit=50, scope=mine)
        assert [row.guild_id for row in owned] == [on_shard(99, 1)]
        departed = GuildStore(store)
        for guild_id in (on_shard(1, 0), on_shard(99, 1)):
            await departed.mark_departed(guild_id, later - timedelta(days=30))
        assert await departed.purge_departed(later, scope=mine) == [on_shard(99, 1)]
        assert await departed.purge_departed(later, scope=theirs) == [on_shard(1, 0)]
    finally:
        await fetcher.close()
        await store.close()


# -- the emulator shards as Discord does --------
async def test_gateway_bot_recommends_shards_and_reports_session_starts(
    discord_with_buckets: FakeDiscord,
) -> None:
    fd = discord_with_buckets
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bot {fd.token}"}
        async with http.get(fd.api_base + "/gateway/bot", headers=headers) as resp:
            body = await resp.json()
        assert set(body) == {"url", "shards", "session_start_limit"}
        assert body["shards"] == 1
        assert body["session_start_limit"]["total"] == 1000
        assert body["session_start_limit"]["remaining"] == 1000
        assert body["session_start_limit"]["max_concurrency"] == 2
        assert 0 < body["session_start_limit"]["reset_after"] <= 86_400_000
        raw, ready = await raw_identify(http, fd, [0, 1])
        assert ready["t"] == "READY"
        await raw.ws.close()
        fd.recommended_shards = 3
        async with http.get(fd.api_base + "/gateway/bot", headers=headers) as resp:
            body = await resp.json()
        assert body["shards"] == 3
        assert body["session_start_limit"]["remaining"] == 999
        async with http.get(fd.api_base + "/gateway/bot") as resp:
            assert resp.status == 401


async def test_a_shard_gets_only_its_servers_and_dms_go_to_shard_zero(
    discord_with_buckets: FakeDiscord,
) -> None:
    fd = discord_with_buckets
    first = fd.add_guild("Shard Zero Club", shard=(0, 2))
    second = fd.add_guild("Shard One Club", shard=(1, 2))
    assert shard_of(first.id, 2) == 0 and shard_of(second.id, 2) == 1
    async with aiohttp.ClientSession() as http:
        one, ready = await raw_identify(http, fd, [1, 2])
        assert ready["t"] == "READY" and ready["d"]["shard"] == [1, 2]
        assert [g["id"] for g in ready["d"]["guilds"]] == [str(second.id)]
        created = await one.dispatches_until_ready(1)
        assert [p["d"]["id"] for p in created if p["t"] == "GUILD_CREATE"] == [str(second.id)]
        zero, ready = await raw_identify(http, fd, [0, 2])
        assert [g["id"] for g in ready["d"]["guilds"]] == [str(first.id)]
        await zero.dispatches_until_ready(1)
        await fd.wait_until_ready(shards=TWO_SHARDS)
        # An event without a server reaches only shard 0; a server event only its shard.
        fd.gateway.dispatch("USER_UPDATE", fd.bot_user.to_dict(), intent=None)
        assert (await zero.receive())["t"] == "USER_UPDATE"
        second.add_text_channel("news")
        event = await one.receive()  # the first thing shard 1 gets after the USER_UPDATE
        assert event["t"] == "CHANNEL_CREATE" and event["d"]["guild_id"] == str(second.id)
        assert fd.gateway.ready_session(first).shard == (0, 2)
        assert fd.gateway.ready_session(second).shard == (1, 2)
        assert fd.gateway.ready_session(None, any_guild=False).shard == (0, 2)
        await one.ws.close()
        await zero.ws.close()


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2], [0], "0,1", [0.0, 1]])
async def test_an_invalid_shard_closes_with_4010(
    discord_with_buckets: FakeDiscord, shard: Any
) -> None:
    async with aiohttp.ClientSession() as http:
        _, answer = await raw_identify(http, discord_with_buckets, shard)
    assert answer == {"close": 4010}


async def test_large_bot_sharding_needs_a_multiple_of_the_assigned_count() -> None:
    fd = FakeDiscord(token="test-token", large_bot_shards=16, max_concurrency=16)
    await fd.start()
    try:
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bot {fd.token}"}
            async with http.get(fd.api_base + "/gateway/bot", headers=headers) as resp:
                assert (await resp.json())["shards"] == 16
            _, refused = await raw_identify(http, fd, [0, 24])
            assert refused == {"close": 4010}
            raw, ready = await raw_identify(http, fd, [0, 32])
            assert ready["t"] == "READY"
            await raw.ws.close()
    finally:
        await fd.stop()


async def test_too_many_servers_on_one_session_closes_with_4011(
    discord_with_buckets: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    fd = discord_with_buckets
    monkeypatch.setattr(fake_gateway, "MAX_GUILDS_PER_SESSION", 2)  # Discord's is 2,500
    for n in range(3):
        fd.add_guild(f"Club {n}", shard=(n % 2, 2))
    async with aiohttp.ClientSession() as http:
        _, unsharded = await raw_identify(http, fd, None)
        assert unsharded == {"close": 4011}
        raw, sharded = await raw_identify(http, fd, [0, 2])
        assert sharded["t"] == "READY" and len(sharded["d"]["guilds"]) == 2
        await raw.ws.close()


async def test_identify_concurrency_buckets(discord_with_buckets: FakeDiscord) -> None:
    fd = discord_with_buckets  # max_concurrency 2: buckets shard_id % 2, one IDENTIFY per 5 s
    async with aiohttp.ClientSession() as http:
        zero, ready = await raw_identify(http, fd, [0, 4])
        assert ready["t"] == "READY"
        one, ready = await raw_identify(http, fd, [1, 4])
        assert ready["t"] == "READY"  # another bucket: at the same time is fine
        two, refused = await raw_identify(http, fd, [2, 4])
        assert refused == {"op": 9, "s": None, "t": None, "d": False}
        assert fd.gateway.refused_identifies == 1
        fd.advance_clock(fake_gateway.IDENTIFY_WINDOW_SECONDS)  # Discord's 5 s have passed
        three, ready = await raw_identify(http, fd, [2, 4])
        assert ready["t"] == "READY"
        for raw in (zero, one, two, three):
            await raw.ws.close()


# -- the bot on shards --------
def club(fd: FakeDiscord, name: str, shard: tuple[int, int]) -> tuple[Guild, Member, Channel]:
    """A server on ``shard`` with a moderator and a #reviews channel."""
    guild = fd.add_guild(name, shard=shard)
    mods = guild.add_role("Mods", permissions=Permissions.parse("manage_guild"))
    mina = guild.add_member("mina", roles=[mods])
    return guild, mina, guild.add_text_channel("reviews")


async def test_one_process_with_two_shards_serves_servers_on_both(
    discord_with_buckets: FakeDiscord, template_db: Path, tmp_path: Path
) -> None:
    fd = discord_with_buckets
    first, mina0, _ = club(fd, "Shard Zero Club", (0, 2))
    second, mina1, _ = club(fd, "Shard One Club", (1, 2))
    database = tmp_path / "bot.db"
    shutil.copy(template_db, database)
    bot = await start_bot(fd, bot_settings(fd, database, SHARD_COUNT="2"))
    try:
        await fd.wait_until_ready(shards=TWO_SHARDS)
        # The count was given; the one call reads max_concurrency to pace the second shard.
        assert len(fd.requests_to("GET", "/gateway/bot")) == 1
        assert bot.shard_count == 2 and sorted(bot.shards) == [0, 1]
        assert fd.gateway.refused_identifies == 0  # two buckets: both identified at once
        await bot.tree.sync()
        for guild, mina in ((first, mina0), (second, mina1)):
            reply = await fd.slash("help", user=mina, guild=guild)
            assert "`/release`" in reply.embeds[0]["description"]
        assert {g.id for g in bot.guilds} == {first.id, second.id}
    finally:
        await stop_bot(bot)


async def test_with_neither_setting_the_bot_asks_gateway_bot(
    discord_with_buckets: FakeDiscord, template_db: Path, tmp_path: Path
) -> None:
    fd = discord_with_buckets
    fd.recommended_shards = 2
    first, mina, _ = club(fd, "Shard Zero Club", (0, 2))
    second, _, _ = club(fd, "Shard One Club", (1, 2))
    database = tmp_path / "bot.db"
    shutil.copy(template_db, database)
    settings = bot_settings(fd, database, DEV_GUILD_ID=str(first.id))
    assert settings.shard_count is None and settings.shard_ids is None
    bot = await start_bot(fd, settings)
    try:
        await fd.wait_until_ready(shards=TWO_SHARDS)
        assert len(fd.requests_to("GET", "/gateway/bot")) == 1
        assert bot.shard_count == 2 and bot.shard_scope == ShardScope.of(2)
        reply = await fd.slash("help", user=mina, guild=first)
        assert "`/release`" in reply.embeds[0]["description"]
        assert {g.id for g in bot.guilds} == {first.id, second.id}
    finally:
        await stop_bot(bot)


@pytest.fixture
async def second_feed() -> AsyncIterator[RssServer]:
    server = RssServer(
        title="Other Notes", items=[Item("o1", "Old", datetime(2024, 1, 1, tzinfo=UTC))]
    )
    await server.start()
    yield server
    await server.stop()


async def test_too_few_shards_stop_the_bot_with_one_clear_line(
    discord_with_buckets: FakeDiscord,
    template_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fd = discord_with_buckets
    monkeypatch.setattr(fake_gateway, "MAX_GUILDS_PER_SESSION", 1)  # Discord's is 2,500
    club(fd, "Shard Zero Club", (0, 2))
    club(fd, "Shard One Club", (1, 2))
    database = tmp_path / "bot.db"
    shutil.copy(template_db, database)
    settings = bot_settings(fd, database, SHARD_COUNT="1")
    with pytest.raises(discord.ConnectionClosed) as caught:
        await start_bot(fd, settings)
    assert caught.value.code == 4011
    expected = (
        "Discord requires more shards (close code 4011 on shard 0: a shard holds at most "
        "2,500 servers): raise SHARD_COUNT, or leave it unset to use Discord's recommendation"
    )
    assert shard_refusal(caught.value) == expected
    assert shard_refusal(ValueError("x")) is None
    # `linernotes run` turns it into its one line (exit code 2) instead of retrying.
    with pytest.raises(ConfigError) as refused:
        await run_bot(settings)
    assert str(refused.value) == expected


# -- two processes --------
@dataclass
class ValidatedFeedServer(RssServer):
    """The test feed, noting each fetch's ``If-None-Match`` (None: an unconditional GET)."""

    validators: list[str | None] = field(default_factory=list)

    async def feed(self, request: web.Request) -> web.StreamResponse:
        self.validators.append(request.headers.get("If-None-Match"))
        return await super().feed(request)


@pytest.fixture
async def feed() -> AsyncIterator[ValidatedFeedServer]:
    server = ValidatedFeedServer(
        items=[Item("old", "An old review", datetime(2024, 1, 1, tzinfo=UTC))]
    )
    await server.start()
    yield server
    await server.stop()


async def test_two_processes_each_serve_and_post_only_their_servers(
    discord_with_buckets: FakeDiscord,
    template_db: Path,
    tmp_path: Path,
    feed: ValidatedFeedServer,
    second_feed: RssServer,
) -> None:
    fd = discord_with_buckets
    first, mina0, reviews0 = club(fd, "Shard Zero Club", (0, 2))
    second, mina1, reviews1 = club(fd, "Shard One Club", (1, 2))
    # One database that knows both servers, copied to each process: how a single-process
    # bot is split (docs/scaling.md). Each process must act only on its own servers.
    shutil.copy(template_db, tmp_path / "both.db")
    await followed_in(tmp_path / "both.db", feed, [reviews0, reviews1])
    await followed_in(tmp_path / "both.db", second_feed, [reviews1])
    processes = []
    for shard, guild in ((0, first), (1, second)):
        folder = tmp_path / f"shard{shard}"
        folder.mkdir()
        shutil.copy(tmp_path / "both.db", folder / "bot.db")
        process = BotProcess(fd, folder / "bot.db", guild.id)
        process.env |= {"SHARD_COUNT": "2", "SHARD_IDS": str(shard)}
        processes.append(process)
    zero, one = processes
    fetched_before = len(feed.validators)
    await asyncio.gather(zero.start(), one.start())
    await fd.wait_until_ready(timeout=30, shards=TWO_SHARDS)

    soon = datetime.now(UTC) + timedelta(minutes=1)
    feed.items.append(Item("new", "A new review", soon))
    second_feed.items.append(Item("other", "Another review", soon))
    await fd.wait_for_message(reviews0, check=lambda m: bool(m.embeds), timeout=30)
    await fd.wait_for(
        lambda: len([m for m in reviews1.visible_messages if m.embeds]) == 2, timeout=30
    )
    for guild, mina in ((first, mina0), (second, mina1)):
        reply = await fd.slash("help", user=mina, guild=guild, timeout=10)
        assert "`/release`" in reply.embeds[0]["description"]

    # Its post is recorded as sent once Discord answered; a kill -9 before that is another
    # test (tests/test_process.py). Wait for the record, not for the message alone.
    async def recorded() -> bool:
        states = await outbox_states(tmp_path / "shard0" / "bot.db")
        return states.get((first.id, feed.url())) == "sent"

    await until(recorded, "shard 0's post recorded as sent")
    await zero.kill()
    await fd.wait_for(lambda: (0, 2) not in fd.gateway.ready_shards(), timeout=10)
    reply = await fd.slash("help", user=mina1, guild=second, timeout=10)
    assert "`/release`" in reply.embeds[0]["description"]
    with pytest.raises(AssertionError, match="not connected to the gateway on the shard"):
        await fd.slash("help", user=mina0, guild=first)
    assert await one.terminate() == 0

    assert len([m for m in fd.channel_messages(reviews0) if m.embeds]) == 1
    assert len([m for m in fd.channel_messages(reviews1) if m.embeds]) == 2
    # Each process sent its own server's posts and left the other's alone; the process of
    # shard 0 never polled the feed only a shard-1 server follows.
    shared, only_one = feed.url(), second_feed.url()
    assert await outbox_states(tmp_path / "shard0" / "bot.db") == {
        (first.id, shared): "sent",
        (second.id, shared): "pending",
    }
    assert await outbox_states(tmp_path / "shard1" / "bot.db") == {
        (first.id, shared): "pending",
        (second.id, shared): "sent",
        (second.id, only_one): "sent",
    }
    # The feed both shards follow was fetched by each process (each queued the new review),
    # every time with the validators of its last fetch.
    validators = feed.validators[fetched_before:]
    assert len(validators) >= 2 and all(validators), validators
    assert "Traceback" not in one.log.read_text()


async def test_one_review_reaches_two_servers_whose_databases_number_rows_alike(
    discord_with_buckets: FakeDiscord,
    template_db: Path,
    tmp_path: Path,
    feed: ValidatedFeedServer,
) -> None:
    # Discord de-duplicates nonces per bot, across channels (enforce_nonce). Two processes
    # with their own databases both number their one subscription 1: a nonce built from row
    # ids made the second server's post come back as the first server's message, unposted.
    fd = discord_with_buckets
    _, _, reviews0 = club(fd, "Shard Zero Club", (0, 2))
    _, _, reviews1 = club(fd, "Shard One Club", (1, 2))
    clock = Clock().set(datetime.now(UTC) + timedelta(hours=1))
    bots = []
    try:
        for shard, channel in ((0, reviews0), (1, reviews1)):
            database = tmp_path / f"shard{shard}.db"
            shutil.copy(template_db, database)
            await followed_in(database, feed, [channel])
            settings = bot_settings(
                fd,
                database,
                SHARD_COUNT="2",
                SHARD_IDS=str(shard),
                FEED_ALLOW_PRIVATE_HOSTS="true",
            )
            bot = await start_bot(fd, settings)
            bot.now = clock
            bots.append(bot)
        subscription_ids = set()
        for bot in bots:
            rows = await bot.store.fetchall("SELECT id FROM feed_subscriptions")
            subscription_ids |= {int(r[0]) for r in rows}
        assert subscription_ids == {1}  # the same row id in both databases

        feed.items.append(Item("new", "A new review", datetime.now(UTC) + timedelta(minutes=1)))
        for bot in bots:
            await bot.get_cog("Feeds").run_cycle()
        posts = [[m for m in fd.channel_messages(c) if m.embeds] for c in (reviews0, reviews1)]
        assert [len(p) for p in posts] == [1, 1]
        assert posts[0][0].id != posts[1][0].id
        assert posts[0][0].nonce != posts[1][0].nonce
    finally:
        for bot in bots:
            await stop_bot(bot)

"""Operator signals: `linernotes status` on a running bot, and the Prometheus endpoint."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.core import metrics
from tests.cogs.rss_server import Item, RssServer
from tests.support.bot import Server, bot_settings, stop_bot
from tests.support.cli import run_cli_in_process
from tests.support.metrics import samples


@pytest.fixture
async def feed() -> AsyncIterator[RssServer]:
    server = RssServer(items=[Item("old", "An old review", datetime(2024, 1, 1, tzinfo=UTC))])
    await server.start()
    yield server
    await server.stop()


async def status_of(database: Path, cwd: Path) -> tuple[int, str]:
    env = {"DATABASE_PATH": str(database), "LOG_LEVEL": "WARNING"}
    result = await asyncio.to_thread(run_cli_in_process, "status", env=env, cwd=cwd)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout


async def test_status_reports_a_running_bot(
    server: Server, feed: RssServer, tmp_path: Path
) -> None:
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    added = await fd.slash(
        "feed add", user=server.mina, options={"url": feed.url(), "channel": reviews}
    )
    assert "Following" in (await added.final()).content
    await fd.slash("help", user=server.alice)
    await server.bot.write_heartbeat()

    code, out = await status_of(server.settings.database_path, tmp_path)
    assert code == 0, out
    assert "bot: running" in out
    assert "shards: 1/1 connected" in out
    assert "servers: 1\n" in out
    assert re.search(r"^last gateway event: [A-Z_]+ \d+ s ago$", out, flags=re.M), out
    assert "feeds: 1 followed, 0 due, 0 failing, 0 disabled" in out
    assert "outbox: 0 posts waiting" in out
    version = await server.bot.store.user_version()
    assert f"schema version {version}" in out
    assert str(server.settings.database_path) in out

    await server.bot.close()
    code, out = await status_of(server.settings.database_path, tmp_path)
    assert code == 1
    assert "bot: stopped" in out


async def test_status_without_a_heartbeat_or_a_database(tmp_path: Path) -> None:
    code, out = await status_of(tmp_path / "missing.db", tmp_path)
    assert code == 1 and out == ""
    env = {"DATABASE_PATH": str(tmp_path / "new.db")}
    migrated = await asyncio.to_thread(run_cli_in_process, "db", "migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    code, out = await status_of(tmp_path / "new.db", tmp_path)
    assert code == 1
    assert "has never run on this database" in out


async def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return samples(await response.text())


async def test_metrics_endpoint_counts_interactions_posts_and_fetches(
    server: Server, feed: RssServer
) -> None:
    await server.restart(METRICS_ADDR="127.0.0.1:0")
    assert server.bot.metrics_server is not None
    host, port = server.bot.metrics_server.address
    url = f"http://{host}:{port}/metrics"
    fd = server.discord
    reviews = server.guild.add_text_channel("reviews")
    added = await fd.slash(
        "feed add", user=server.mina, options={"url": feed.url(), "channel": reviews}
    )
    assert "Following" in (await added.final()).content
    before = await scrape(url)
    for _ in range(2):
        assert (await fd.slash("help", user=server.alice)).embeds
    refused = await fd.slash("onthisday", user=server.alice, date="2023-02-29")
    assert refused.ephemeral
    # A new review: the next poll fetches it and posts it.
    now = datetime.now(UTC)
    feed.items.append(Item("new", "IU's Love wins all, reviewed", now))
    server.clock.set(now + timedelta(hours=1))
    await server.bot.get_cog("Feeds").run_cycle()
    assert [m for m in fd.channel_messages(reviews) if m.embeds]
    metrics.online_lookup("musicbrainz", "ok")
    await server.bot.write_heartbeat()
    after = await scrape(url)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("linernotes_interactions_total", command="help", outcome="ok") == 2
    assert delta("linernotes_interactions_total", command="onthisday", outcome="user_error") == 1
    assert delta("linernotes_interaction_seconds_count", command="help") == 2
    assert delta("linernotes_online_lookups_total", source="musicbrainz", result="ok") == 1
    assert delta("linernotes_feed_fetches_total", result="ok") == 1
    assert delta("linernotes_posts_sent_total", kind="review") == 1
    assert after[("linernotes_guilds", ())] == 1
    assert ("linernotes_outbox_backlog", ()) in after
    # Closing the bot closes the endpoint.
    await server.bot.close()
    with pytest.raises(aiohttp.ClientConnectionError):
        await scrape(url)


async def test_a_metrics_address_in_use_is_a_setting_error(server: Server) -> None:
    import socket

    from bot.app.client import LinerNotesBot
    from bot.core.errors import ConfigError

    await stop_bot(server.bot)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = bot_settings(
            server.discord, server.settings.database_path, METRICS_ADDR=f"127.0.0.1:{port}"
        )
        bot = LinerNotesBot(settings)
        # As `linernotes run` does: the error stops the start, the bot closes, exit code 2.
        with pytest.raises(ConfigError, match=f"METRICS_ADDR 127.0.0.1:{port} cannot be used"):
            async with bot:
                await bot.start(settings.discord_token or "")
    assert bot.is_closed()


def test_status_shows_every_process_sharing_the_database(tmp_path: Path) -> None:
    from bot.app.status_report import build_report
    from bot.store.status import FeedHealth, Heartbeat

    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    def beat(process: str, age: int, *, stopped: bool = False) -> Heartbeat:
        return Heartbeat(
            written_at=now - timedelta(seconds=age),
            started_at=datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
            pid=100 + age,
            version="9.9.9",
            shard_count=1,
            shards_connected=0 if stopped else 1,
            guild_count=2,
            latency_ms=40,
            last_event="MESSAGE_CREATE",
            last_event_at=now - timedelta(seconds=age),
            stopped_at=now - timedelta(minutes=5) if stopped else None,
            process=process,
        )

    def report(beats: list[Heartbeat], own: str | None = None) -> tuple[list[str], bool]:
        health = FeedHealth(0, 0, 0, 0, 0)
        built = build_report(
            beats, health, database=tmp_path / "x.db", schema_version=20, now=now, own=own
        )
        return built.lines[:-3], built.healthy  # less the feeds, outbox and database

    both = [beat("0/2", 5), beat("1/2", 7)]
    lines, healthy = report(both)
    assert lines == [
        "bot: 2 processes on this database, 2 not stopped",
        "process (shard 0 of 2): running, pid 105, version 9.9.9, up since 2026-12-07 09:30 UTC, "
        "heartbeat 5 s ago",
        "  shards: 1/1 connected, latency 40 ms",
        "  servers: 2",
        "  last gateway event: MESSAGE_CREATE 5 s ago",
        "process (shard 1 of 2): running, pid 107, version 9.9.9, up since 2026-12-07 09:30 UTC, "
        "heartbeat 7 s ago",
        "  shards: 1/1 connected, latency 40 ms",
        "  servers: 2",
        "  last gateway event: MESSAGE_CREATE 7 s ago",
    ]
    assert healthy
    # One process killed: its heartbeat goes stale, and the bot is not healthy...
    hung = [beat("0/2", 5), beat("1/2", 600)]
    lines, healthy = report(hung)
    assert lines[5].startswith("process (shard 1 of 2): NOT RESPONDING (heartbeat is stale)")
    assert not healthy
    # ...though the health check of the process still running (SHARD_IDS=0) passes.
    assert report(hung, own="0/2")[1] and not report(hung, own="1/2")[1]
    # A process stopped on purpose (re-sharded to one process) is shown, not held against it.
    lines, healthy = report([beat("0/2", 3600, stopped=True), beat("all", 5)])
    assert lines[1] == "process (shard 0 of 2): stopped 5 min ago (pid 3700, 9.9.9)"
    assert lines[2].startswith("process (all shards): running") and healthy
    # Every process stopped: unhealthy; the one-process bot reads as it always did.
    assert not report([beat("0/2", 60, stopped=True), beat("1/2", 60, stopped=True)])[1]
    lines, healthy = report([beat("all", 5)])
    assert lines[0].startswith("bot: running, pid 105") and lines[1].startswith("shards: 1/1")
    assert healthy

"""The real `linernotes run` process against the emulator: start-up, SIGTERM, and kill -9."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.cogs.rss_server import Item, RssServer
from tests.fakediscord import FakeDiscord, Permissions
from tests.support.cli import run_cli_in_process
from tests.support.process import BotProcess

ROOT = Path(__file__).resolve().parents[1]


def heartbeat(database: Path) -> tuple | None:
    """Read the heartbeat row of the connected bot, if there is one yet (not "starting")."""
    connection = sqlite3.connect(database)
    try:
        return connection.execute(
            "SELECT written_at, guild_count FROM heartbeat WHERE phase = 'running'"
        ).fetchone()
    finally:
        connection.close()


@pytest.fixture
async def feed() -> AsyncIterator[RssServer]:
    server = RssServer(items=[Item("old", "An old review", datetime(2024, 1, 1, tzinfo=UTC))])
    await server.start()
    yield server
    await server.stop()


async def connected(fd: FakeDiscord, bot: BotProcess) -> None:
    await bot.start()
    await fd.wait_until_ready(timeout=30)


async def test_kill_9_between_send_and_record_posts_once(
    fake_discord: FakeDiscord, template_db: Path, tmp_path: Path, feed: RssServer
) -> None:
    fd = fake_discord
    database = tmp_path / "bot.db"
    shutil.copy(template_db, database)
    guild = fd.add_guild("K-pop Club")
    mods = guild.add_role("Mods", permissions=Permissions.parse("manage_guild"))
    mina = guild.add_member("mina", roles=[mods])
    reviews = guild.add_text_channel("reviews")
    bot = BotProcess(fd, database, guild.id)
    await connected(fd, bot)
    reply = await fd.slash(
        "feed add", user=mina, options={"url": feed.url(), "channel": reviews}, timeout=10
    )
    assert "Following" in (await reply.final(timeout=10)).content

    feed.items.append(
        Item("new", "IU's Love wins all, reviewed", datetime.now(UTC) + timedelta(minutes=1))
    )
    path = f"/channels/{reviews.id}/messages"
    # Discord has answered the send; the bot is killed before it can record it.
    await fd.wait_for_request("POST", path, timeout=30, check=lambda r: bool(r.json.get("embeds")))
    await bot.kill()
    assert len([m for m in fd.channel_messages(reviews) if m.embeds]) == 1

    restarted = BotProcess(fd, database, guild.id)
    await connected(fd, restarted)
    message = next(m for m in fd.channel_messages(reviews) if m.embeds)
    await fd.wait_for(lambda: fd.thread_for(message), timeout=30)
    posted = [m for m in fd.channel_messages(reviews) if m.embeds]
    assert len(posted) == 1
    sends = [r for r in fd.requests_to("POST", path) if r.json and r.json.get("embeds")]
    assert len({r.json["nonce"] for r in sends}) == 1  # any re-send reused the nonce

    # The restarted process answers, reports itself, and shuts down cleanly on SIGTERM.
    alice = guild.add_member("alice")
    reply = await fd.slash("help", user=alice, timeout=10)
    assert "`/release`" in reply.embeds[0]["description"]
    # The real heartbeat loop writes what `linernotes status` reads.
    await fd.wait_for(lambda: heartbeat(database), timeout=30, what="a heartbeat")
    env = {"DATABASE_PATH": str(database), "LOG_LEVEL": "WARNING"}
    status = await asyncio.to_thread(run_cli_in_process, "status", env=env, cwd=tmp_path)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "shards: 1/1 connected" in status.stdout and "servers: 1" in status.stdout
    assert await restarted.terminate() == 0
    status = await asyncio.to_thread(run_cli_in_process, "status", env=env, cwd=tmp_path)
    assert status.returncode == 1 and "bot: stopped" in status.stdout
    log = restarted.log.read_text()
    assert "shutting down" in log and "stopped" in log
    assert "Traceback" not in log
    assert (
        not Path(str(database) + "-wal").exists()
        or Path(str(database) + "-wal").stat().st_size == 0
    )

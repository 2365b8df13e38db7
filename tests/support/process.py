"""`linernotes run` in a child process, configured as a user would: start, stop, kill -9.

Also what several such processes' databases hold: the feeds they follow and their outbox.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.feeds.fetch import Fetcher
from bot.feeds.poller import follow
from bot.store import Store
from bot.store.feeds import FeedStore
from tests.cogs.rss_server import RssServer
from tests.fakediscord import Channel, FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """`linernotes run` in a child process (tests/support/bot_main.py), configured like a user
    would.

    ``database`` is a SQLite file (its log goes beside it) or a ``DATABASE_URL`` (then
    ``folder`` says where the process runs and logs).
    """

    def __init__(
        self,
        fd: FakeDiscord,
        database: Path | str,
        guild_id: int,
        *,
        folder: Path | None = None,
    ) -> None:
        if isinstance(database, Path):
            where = {"DATABASE_PATH": str(database)}
            folder = folder or database.parent
        else:
            assert folder is not None, "a process on a database URL needs a folder"
            where = {"DATABASE_URL": database}
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": fd.token,
            **where,
            "DISCORD_API_BASE": fd.api_base,
            "DISCORD_GATEWAY_URL": fd.gateway_url,
            "DEV_GUILD_ID": str(guild_id),
            "FEED_POLL_SECONDS": "1",
            "FEED_ALLOW_PRIVATE_HOSTS": "true",
            "ONLINE_LOOKUPS": "false",
            "LOG_LEVEL": "INFO",
        }
        self.proc: asyncio.subprocess.Process | None = None
        self.log = folder / "bot.log"

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.support.bot_main",  # `python -m bot`, but READY without its 2 s wait
                "run",
                env=self.env,
                cwd=str(self.log.parent),
                stdout=log,
                stderr=log,
            )

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 20)


async def followed_in(database: Path | str, feed: RssServer, channels: list[Channel]) -> None:
    """Follow the feed in each channel, as one process serving every server would have."""
    store = await Store.open(database)
    fetcher = Fetcher(allow_private=True)
    try:
        for channel in channels:
            assert channel.guild is not None
            await follow(
                FeedStore(store),
                fetcher.fetch,
                url=feed.url(),
                guild_id=channel.guild.id,
                channel_id=channel.id,
                default_interval=1,
            )
    finally:
        await fetcher.close()
        await store.close()


async def outbox_states(database: Path | str) -> dict[tuple[int, str], str]:
    """(guild id, feed URL) -> state of its one outbox row."""
    store = await Store.open(database)
    try:
        rows = await store.fetchall(
            "SELECT s.guild_id, f.url, o.state FROM feed_outbox o "
            "JOIN feed_subscriptions s ON s.id = o.subscription_id "
            "JOIN feeds f ON f.id = s.feed_id ORDER BY s.guild_id, f.url"
        )
        return {(int(r[0]), str(r[1])): str(r[2]) for r in rows}
    finally:
        await store.close()


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:  # noqa: ASYNC109
    """Wait until ``check()`` holds, for a database's state (a heartbeat, say).

    Only where no event can be awaited: what the emulator sees (a message, a thread opened
    after a post was recorded) is awaited through it instead.
    """
    try:
        async with asyncio.timeout(timeout):
            while not await check():  # noqa: ASYNC110 (a row written elsewhere: no event)
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"waited {timeout} s for {what}") from None

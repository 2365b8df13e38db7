"""The database server restarting under a running bot (PostgreSQL): a clear error, then on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.core.errors import DatabaseUnavailable
from bot.discord_io.error_replies import describe_error
from bot.store import Store
from bot.store.guilds import GuildStore
from bot.store.read_cache import cached_reading
from tests.support.postgres import fresh_database, release_database

pytestmark = pytest.mark.postgres


@pytest.fixture
async def url() -> AsyncIterator[str]:
    made = await fresh_database()
    try:
        yield made
    finally:
        await release_database(made)


class Outage:
    """A TCP proxy in front of the test server that can go down and come back, as the
    database server does when it restarts (every connection dropped, new ones refused)."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 5432
        self.target = target
        self.server: asyncio.Server | None = None
        self.listen_port = 0
        self.open: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        self.open |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.listen_port)
        self.listen_port = self.server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.open:
            writer.close()
        self.open.clear()
        await self.server.wait_closed()

    def url(self) -> str:
        parts = urlsplit(self.target)
        netloc = parts.netloc.replace(f"{self.host}:{self.port}", f"127.0.0.1:{self.listen_port}")
        return urlunsplit(parts._replace(netloc=netloc))


async def test_a_restart_fails_requests_clearly_then_the_bot_carries_on(url: str) -> None:
    outage = Outage(url)
    await outage.up()
    async with Store.open(outage.url(), pool_size=2) as store:
        guilds = GuildStore(store)
        await guilds.set(1, "timezone", "Europe/Paris", actor=7)
        await outage.down()
        with pytest.raises(DatabaseUnavailable) as lost:
            await guilds.set(1, "timezone", "UTC", actor=7)
        with pytest.raises(DatabaseUnavailable):
            await guilds.config(1)
        # What the member is told: the outage, in their language, and to try again.
        text, expected = describe_error(lost.value, "en")
        assert expected and "try again" in text
        assert "다시 시도" in describe_error(lost.value, "ko")[0]
        await outage.up()
        # The pool connects again by itself; the write made during the outage changed nothing.
        assert (await guilds.config(1))["timezone"] == "Europe/Paris"
        await guilds.set(1, "timezone", "UTC", actor=7)
        assert (await guilds.config(1))["timezone"] == "UTC"
    await outage.down()


async def test_kept_reads_are_not_served_during_a_restart_and_are_kept_again_after(
    url: str,
) -> None:
    # The catalog version kept in memory (bot/store/version_watch.py) is trusted only while its
    # listening connection is up: during the outage a kept read reads the version, and fails
    # clearly, as every read does; after it the listener reconnects by itself.
    outage = Outage(url)
    await outage.up()
    runs: list[str] = []

    async def read(view: Store) -> str:
        runs.append("read")
        return str(await view.get_meta("catalog_version"))

    async with Store.open(outage.url(), pool_size=2) as store:
        await store.catalog_version()
        await store.catalog_version()  # the second use starts listening
        watch = store._version_watch
        assert watch is not None
        await watch.until(lambda w: w.listening)
        await store.catalog_version()
        assert store.known_catalog_version() is not None
        kept = await cached_reading(store, "version", read)
        await outage.down()
        await watch.until(lambda w: not w.listening)
        assert store.known_catalog_version() is None
        with pytest.raises(DatabaseUnavailable) as lost:
            await cached_reading(store, "version", read)
        assert "try again" in describe_error(lost.value, "en")[0]
        await outage.up()
        await watch.until(lambda w: w.connections == 2 and w.listening)
        assert await cached_reading(store, "version", read) == kept
        assert store.known_catalog_version() is not None  # known again, without a statement
        assert runs == ["read"]  # the catalog did not change: what was kept is still good
    await outage.down()

"""Shared fixtures: the bundled-data template, the Discord emulator and the real bot on it.

Fixtures only; the helpers they use live in tests/support (tests/README.md, "Helpers").
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.backends import BACKENDS
from tests.support.shared import built_once

if TYPE_CHECKING:
    from tests.fakediscord import FakeDiscord
    from tests.support.bot import Server

# The fixtures import what they use when they run: pytest-xdist's controller imports this file
# and runs no test, and discord.py, aiohttp and the bot cost it about 0.8 s before any worker
# could start.

pytest_plugins = [
    "tests.fakediscord.pytest_plugin",
    "tests.support.summaries",
    "tests.support.gc_freeze",
]


def _build_template(path: Path) -> None:
    from bot.store import Store

    async def build() -> None:
        async with Store.open(path) as store:
            from bot.knowledge.importers.bundled import ensure_bundled_loaded

            await ensure_bundled_loaded(store)

    asyncio.run(build())


def _build_migrated(path: Path) -> None:
    from bot.store import Store

    async def build() -> None:
        async with Store.open(path):
            pass

    asyncio.run(build())


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database with every migration applied, made once per test run (shared
    by pytest-xdist's workers). Tests copy it: migrating a new file costs some 0.15 s of CPU,
    a copy a hundredth of that. Tests of migrating itself open a new file of their own."""
    return built_once(tmp_path_factory, "migrated.db", _build_migrated)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated and loaded with the bundled catalog once per test run (shared by
    pytest-xdist's workers: tests/support/shared.py). Tests copy it; none writes to it."""
    return built_once(tmp_path_factory, "bundled.db", _build_template)


@pytest.fixture
async def server(
    fake_discord: FakeDiscord, template_db: Path, tmp_path: Path
) -> AsyncIterator[Server]:
    """The real bot, connected to the emulator, in a guild with a member and a moderator."""
    from tests.fakediscord import Permissions
    from tests.support.bot import Server, bot_settings, start_bot, stop_bot

    database = tmp_path / "linernotes.db"
    shutil.copy(template_db, database)
    guild = fake_discord.add_guild("K-pop Club")
    mods = guild.add_role("Mods", permissions=Permissions.parse("manage_guild"))
    alice = guild.add_member("alice")
    mina = guild.add_member("mina", roles=[mods])
    # Test feeds are served from 127.0.0.1, so private hosts are allowed unless a test says not.
    settings = bot_settings(
        fake_discord, database, DEV_GUILD_ID=str(guild.id), FEED_ALLOW_PRIVATE_HOSTS="true"
    )
    bot = await start_bot(fake_discord, settings)
    general = next(c for c in guild.channels.values() if c.name == "general")
    srv = Server(fake_discord, bot, settings, guild, general, alice, mina)
    bot.now = srv.clock
    try:
        yield srv
    finally:
        await stop_bot(srv.bot)


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """The URL of a fresh, migrated PostgreSQL database (skipped without a server)."""
    from tests.support.postgres import fresh_database, release_database

    url = await fresh_database()
    try:
        yield url
    finally:
        await release_database(url)


@pytest.fixture(params=BACKENDS)
async def database(
    request: pytest.FixtureRequest, migrated_db: Path, tmp_path: Path
) -> AsyncIterator[Path | str]:
    """Where a store test's fresh database is: a SQLite file, then a PostgreSQL database.

    Store tests take this and open ``Store.open(database)``, so each runs on both backends.
    Either is a copy of a database migrated once per run.
    """
    from tests.support.postgres import fresh_database, release_database

    if request.param == "sqlite":
        target = tmp_path / "store.db"
        shutil.copy(migrated_db, target)
        yield target
        return
    url = await fresh_database()
    try:
        yield url
    finally:
        await release_database(url)

"""The real bot on the emulator, for tests: start, stop, settings, the clock, the ``Server``.

The ``server`` fixture (tests/conftest.py) builds a ``Server``; tests that start their own bot
(several processes, other settings) use ``start_bot``, ``stop_bot`` and ``bot_settings``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.abc import Snowflake
from discord.ext import commands, tasks
from discord.gateway import KeepAliveHandler

from bot.app.client import LinerNotesBot
from bot.core.i18n import LANGUAGES, Catalogue, catalogue
from bot.core.settings import Settings, load_settings
from bot.discord_io.discord_urls import apply_discord_urls
from tests.fakediscord import Channel, FakeDiscord, Guild, Member
from tests.support.bot_main import GUILD_READY_SECONDS

ROOT_DIR = Path(__file__).resolve().parents[2]


class Clock:
    """The bot's one clock in tests (``bot.now``): real time until a test sets it, then moved
    on by the test instead of sleeping."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now if self.now is not None else datetime.now(UTC)

    def set(self, when: datetime | str) -> Clock:
        """Stop the clock at ``when`` (a datetime, or ISO 8601 text with its offset)."""
        moment = datetime.fromisoformat(when) if isinstance(when, str) else when
        self.now = moment.astimezone(UTC)
        return self

    def later(self, seconds: float = 2000, **delta: float) -> datetime:
        """Move the clock on (by default by a little more than one feed poll interval)."""
        self.now = self() + timedelta(seconds=seconds, **delta)
        return self.now


@dataclass
class Server:
    """A running bot, its emulator and a populated guild, named like the people in tests."""

    discord: FakeDiscord
    bot: LinerNotesBot
    settings: Settings
    guild: Guild
    general: Channel
    alice: Member  # a plain member
    mina: Member  # a moderator (Manage Server)
    clock: Clock = field(default_factory=Clock)  # what bot.now reads, across restarts too

    async def restart(self, **env: str) -> None:
        """Stop the bot cleanly and start a new one on the same database (settings in env)."""
        await stop_bot(self.bot)
        if env:
            base = {
                "DEV_GUILD_ID": str(self.guild.id),
                "FEED_ALLOW_PRIVATE_HOSTS": str(self.settings.feed_allow_private_hosts),
                "ONLINE_LOOKUPS": str(self.settings.online_lookups),
                "MUSICBRAINZ_API_BASE": self.settings.musicbrainz_api_base,
                "WIKIDATA_API_BASE": self.settings.wikidata_api_base,
                "MUSICBRAINZ_CONTACT": self.settings.musicbrainz_contact or "",
                "COVERART_API_BASE": self.settings.coverart_api_base,
                "COMMONS_API_BASE": self.settings.commons_api_base,
            }
            self.settings = bot_settings(
                self.discord, self.settings.database_path, **{**base, **env}
            )
        self.bot = await start_bot(self.discord, self.settings)
        self.bot.now = self.clock


# Command payloads by the commands' definitions (EmulatorBot._sync_keeping_payloads).
_kept_payloads: dict[
    str, tuple[type[app_commands.Translator], tuple[Catalogue, ...], list[dict[str, Any]]]
] = {}


class EmulatorBot(LinerNotesBot):
    """The real bot, with each cog module imported once per test process.

    discord.py's ``load_extension`` executes an extension's module afresh every time (and
    unloading takes it out of ``sys.modules``), so each of a test run's hundreds of bot starts
    built every cog class and read every command's signature again. ``linernotes run`` starts
    one bot per process, so importing a module once and calling its ``setup`` for each bot is
    what a bot sees in production (cogs keep no module globals: CONTRIBUTING.md, "Adding a
    cog"). The cogs still go when the bot closes: discord.py's ``close`` removes every cog,
    calling its ``cog_unload``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tree.sync = self._sync_keeping_payloads  # type: ignore[method-assign]

    async def _sync_keeping_payloads(
        self, *, guild: Snowflake | None = None
    ) -> list[app_commands.AppCommand]:
        """discord.py's ``CommandTree.sync`` to a server, each payload translated once per process.

        At every sync discord.py asks the translator for each string of the tree in each of its
        31 locales (some 7,000 awaits: a third of a bot start's CPU), and a test run starts some
        250 bots with the same commands. The payload Discord gets is the same: it is kept by
        what it is made of (the commands' untranslated definitions, the translator's class and
        the catalogues it reads, the same objects until a test reads others). Global syncs and
        a tree without a translator go through discord.py's own ``sync``.
        """
        tree = self.tree
        translator = tree.translator
        if guild is None or translator is None or self.application_id is None:
            return await type(tree).sync(tree, guild=guild)
        commands_ = tree._get_all_commands(guild=guild)
        definition = json.dumps([c.to_dict(tree) for c in commands_], sort_keys=True)
        catalogues = tuple(catalogue(lang) for lang in LANGUAGES)
        kept = _kept_payloads.get(definition)
        if (
            kept is None
            or kept[0] is not type(translator)
            or any(a is not b for a, b in zip(kept[1], catalogues, strict=True))
        ):
            payload = [await c.get_translated_payload(tree, translator) for c in commands_]
            kept = _kept_payloads[definition] = (type(translator), catalogues, payload)
        try:
            data = await self.http.bulk_upsert_guild_commands(
                self.application_id, guild.id, payload=kept[2]
            )
        except discord.HTTPException as exc:
            if exc.status == 400 and exc.code == 50035:
                raise app_commands.CommandSyncFailure(exc, commands_) from None
            raise
        return [app_commands.AppCommand(data=d, state=tree._state) for d in data]

    async def load_extension(self, name: str, *, package: str | None = None) -> None:
        module = importlib.import_module(name)
        try:
            await module.setup(self)
        except Exception as exc:
            raise commands.ExtensionFailed(name, exc) from exc


async def start_bot(fd: FakeDiscord, settings: Settings) -> LinerNotesBot:
    """Start the real bot against the emulator and wait for READY."""
    apply_discord_urls(settings)
    bot = EmulatorBot(settings, guild_ready_timeout=GUILD_READY_SECONDS)
    bot._runner = asyncio.create_task(bot.start(settings.discord_token or ""))  # type: ignore[attr-defined]
    ready = asyncio.create_task(bot.wait_ready())
    try:
        done, _ = await asyncio.wait(
            {ready, bot._runner},
            timeout=20,
            return_when=asyncio.FIRST_COMPLETED,  # type: ignore[attr-defined]
        )
        if ready not in done:
            ready.cancel()
            if bot._runner in done:  # type: ignore[attr-defined]
                bot._runner.result()  # type: ignore[attr-defined]  # raise what stopped it
            raise AssertionError("the bot did not become ready")
        await fd.wait_until_ready()
    except BaseException:
        # A bot that failed to start is closed too, or its connections outlive the test.
        with contextlib.suppress(Exception):  # what stopped it is being raised already
            await stop_bot(bot)
        raise
    # Tests drive scheduled work by hand (with their own clock), so the background loops stop
    # here; tests/test_process.py runs the real loops in a real process.
    for cog in bot.cogs.values():
        for value in vars(type(cog)).values():
            if isinstance(value, tasks.Loop):
                getattr(cog, value.coro.__name__).cancel()
    return bot


async def stop_bot(bot: LinerNotesBot) -> None:
    """Close the bot and wait for its task."""
    try:
        await bot.close()
        runner = getattr(bot, "_runner", None)
        if runner is not None:
            await runner
    finally:
        _stop_heartbeats(bot)


def _stop_heartbeats(bot: LinerNotesBot) -> None:
    """Stop every gateway heartbeat thread of ``bot`` that outlived its close.

    discord.py starts one thread per gateway connection when Discord says hello, and stops it
    when that connection closes. A connection opened while the bot was closing (a reconnect
    cut short by the close) is never closed, and its thread calls into the test's event loop
    at its next beat, 41 s later, long after that loop is closed ("Event loop is closed",
    reported against whichever test runs then). ``linernotes run`` ends its process instead.
    """
    for thread in threading.enumerate():
        if isinstance(thread, KeepAliveHandler) and (
            getattr(thread.ws, "_connection", None) is bot._connection
        ):
            thread.stop()


def bot_settings(fd: FakeDiscord, database: Path, **extra: str) -> Settings:
    """Settings pointing the bot at the emulator and a test database."""
    env = {
        "DISCORD_TOKEN": fd.token,
        "DATABASE_PATH": str(database),
        "DISCORD_API_BASE": fd.api_base,
        "DISCORD_GATEWAY_URL": fd.gateway_url,
        "LOG_LEVEL": "DEBUG",
        # No test reaches the real MusicBrainz: tests of lookups point it at a local stand-in.
        "ONLINE_LOOKUPS": "false",
        # Nor the Cover Art Archive or Commons: a closed local port, unless a test serves them.
        "COVERART_API_BASE": "http://127.0.0.1:9",
        "COMMONS_API_BASE": "http://127.0.0.1:9/w/api.php",
        **extra,
    }
    return load_settings(env=env, env_file=None)

"""The bot: a discord.py ``commands.Bot`` that owns the store and loads every cog."""

from __future__ import annotations

import asyncio
import logging
import pkgutil
import secrets
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import discord
import linernotes.cogs
from discord import app_commands
from discord.ext import commands
from linernotes.bot.errors import NotFoundError, UserError
from linernotes.bot.settings import Settings
from linernotes.bot.store import Store
from linernotes.bot.store.guilds import GuildStore
from linernotes.bot.threads import ThreadOpener

log = logging.getLogger(__name__)

StartupHook = Callable[["LinerNotesBot"], Coroutine[Any, Any, None]]


def discover_extensions() -> list[str]:
    """Return every loadable extension in ``cogs/``; names starting with ``_`` are helpers."""
    return sorted(
        f"linernotes.cogs.{module.name}"
        for module in pkgutil.iter_modules(linernotes.cogs.__path__)
        if not module.name.startswith("_")
    )


def bot_intents() -> discord.Intents:
    """Return the minimal intents: guilds only (no privileged intents, no message content)."""
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


class LinerNotesBot(commands.Bot):
    """Liner Notes: slash commands in cogs over one SQLite store."""

    def __init__(
        self,
        settings: Settings,
        *,
        extensions: list[str] | None = None,
        store: Store | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            help_command=None,
            tree_cls=LinerNotesTree,
            # discord.py waits this long after the last GUILD_CREATE before READY.
            guild_ready_timeout=guild_ready_timeout,
        )
        self.settings = settings
        self.store: Store = store  # type: ignore[assignment]  # opened in setup_hook
        self._own_store = store is None
        self._extensions = extensions
        self.failed_extensions: dict[str, str] = {}
        self.started_at = time.monotonic()
        self.ready_at: float | None = None
        self._ready_once = asyncio.Event()
        # The one clock every scheduled job reads; tests replace it to simulate days passing.
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def setup_hook(self) -> None:
        """Open the store, load the bundled data if empty, load cogs, sync to the dev guild."""
        if self.store is None:
            self.store = await Store.open(self.settings.database_path)
        await self.prepare_store()
        # One opener for every cog, so its per-subject locks keep one thread per release.
        self.threads = ThreadOpener(GuildStore(self.store))
        for name in self._extensions if self._extensions is not None else discover_extensions():
            try:
                await self.load_extension(name)
            except commands.ExtensionError as exc:
                cause = exc.__cause__ or exc
                self.failed_extensions[name] = f"{type(cause).__name__}: {cause}"
                log.exception("could not load extension %s; the others still load", name)
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to dev guild %s", len(synced), guild.id)

    async def prepare_store(self) -> None:
        """Load the bundled catalog into an empty database (a fresh install answers at once)."""
        from linernotes.bot.knowledge.importers.bundled import ensure_bundled_loaded

        loaded = await ensure_bundled_loaded(self.store)
        if loaded:
            log.info("loaded the bundled catalog into %s", self.store.path)

    async def on_ready(self) -> None:
        """Record the first READY for the start-up figure."""
        if self.ready_at is None:
            self.ready_at = time.monotonic()
            log.info(
                "ready as %s in %d guild(s), %.2f s after start",
                self.user,
                len(self.guilds),
                self.ready_at - self.started_at,
            )
        self._ready_once.set()

    async def wait_ready(self) -> None:
        """Wait for the first READY (and its guilds)."""
        await self._ready_once.wait()

    async def close(self) -> None:
        """Disconnect, let cogs stop their loops, then close the store after in-flight writes."""
        try:
            for name in list(self.extensions):
                try:
                    await self.unload_extension(name)
                except commands.ExtensionError:
                    log.exception("error unloading %s", name)
            await super().close()
        finally:
            if self.store is not None and self._own_store:
                await self.store.close()


class LinerNotesTree(app_commands.CommandTree):
    """Command tree with the three-tier error handling of HOUSE_STYLE.md."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Tell the user what went wrong, without a traceback; log the unexpected."""
        await send_error(interaction, error)


def describe_error(error: BaseException) -> tuple[str, bool]:
    """Return the message for a user and whether the error was expected."""
    original = getattr(error, "original", error)
    if isinstance(original, NotFoundError):
        text = str(original)
        if original.suggestions and "Did you mean" not in text:
            text += "\nDid you mean: " + ", ".join(original.suggestions[:5]) + "?"
        return text, True
    if isinstance(original, UserError):
        return str(original), True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works only in a server, not in direct messages.", True
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s.", True
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return f"I am missing a permission here: {missing}.", True
    if isinstance(error, app_commands.MissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"You need the {missing} permission to do that.", True
    if isinstance(error, app_commands.CheckFailure) and str(error):
        return str(error), True
    if isinstance(error, app_commands.TransformerError):
        return f"I could not understand {error.value!r} for that option.", True
    return "", False


async def send_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer an interaction with an ephemeral error message (tiers 1 and 2)."""
    text, expected = describe_error(error)
    if not expected:
        error_id = secrets.token_hex(4)
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("error %s in /%s", error_id, command, exc_info=getattr(error, "original", error))
        text = (
            "Sorry, something went wrong on my side. It has been logged as error "
            f"`{error_id}`; please try again later."
        )
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id)

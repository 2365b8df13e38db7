"""Joining and leaving servers: a setup hint on arrival, records purged 7 days after leaving."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

from bot.core.i18n import N_, pick_lang, t
from bot.store import Store
from bot.store.guilds import PURGE_GRACE, GuildStore

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

log = logging.getLogger(__name__)

SETUP_HINT = N_(
    "Hi, I'm **Liner Notes**: credits, music-video references and reviews, each with its "
    "source. Try `/release Love wins all`, `/credits 봄날` or `/ask who directed the Love wins "
    "all video?`. Moderators: `/config reviews`, `/config discussions` and `/config modlog` set "
    "me up, and `/feed add` follows a critic's feed. `/help` lists everything."
)
PURGE_EVERY_HOURS = 6
# Tables with per-server rows outside GuildStore's own (the feeds layer's subscriptions).
EXTRA_GUILD_TABLES = (
    "feed_subscriptions",
    "member_alerts",
    "alert_deliveries",
    "calendars",
    "artist_roles",
)


class Lifecycle(commands.Cog):
    """Server join and leave."""

    def __init__(self, bot: LinerNotesBot, store: Store) -> None:
        self.bot = bot
        self.guilds = GuildStore(store)

    async def cog_load(self) -> None:
        """Start the purge loop."""
        self.purge.start()

    async def cog_unload(self) -> None:
        """Stop the purge loop."""
        self.purge.cancel()

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Say hello where the server wants system messages, if allowed to write there."""
        returned = await self.guilds.mark_returned(guild.id)
        channel = guild.system_channel
        if returned or channel is None:
            return
        permissions = channel.permissions_for(guild.me)
        if not (permissions.view_channel and permissions.send_messages):
            return
        try:
            # A server just joined has pinned nothing yet: its preferred locale decides.
            hint = t(SETUP_HINT, pick_lang(None, guild.preferred_locale))
            await channel.send(hint, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("could not post the setup hint in %s: %s", guild.id, exc)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A server seen again at start-up cancels a pending purge (the bot was re-added)."""
        await self.guilds.mark_returned(guild.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Start the grace period; the records go once it ends, unless the bot comes back."""
        await self.guilds.mark_departed(guild.id, self.bot.now())
        log.info("left guild %s; its records are deleted in %s", guild.id, PURGE_GRACE)

    @tasks.loop(hours=PURGE_EVERY_HOURS)
    async def purge(self) -> None:
        """Delete the records of servers left more than the grace period ago."""
        try:
            await self.run_purge()
        except Exception:  # the loop must outlive one bad round
            log.warning("purging departed servers failed", exc_info=True)

    @purge.before_loop
    async def _before_purge(self) -> None:
        await self.bot.wait_until_ready()

    async def run_purge(self) -> list[int]:
        """Purge once (the loop calls this; tests call it directly)."""
        purged = await self.guilds.purge_departed(
            self.bot.now(),
            EXTRA_GUILD_TABLES,
            # Only servers on this process's shards: another process owns the others.
            self.bot.shard_scope,
        )
        for guild_id in purged:
            log.info("deleted the settings, feeds and thread records of guild %s", guild_id)
        return purged


async def setup(bot: LinerNotesBot) -> None:
    """Load the Lifecycle cog."""
    await bot.add_cog(Lifecycle(bot, bot.store))

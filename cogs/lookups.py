"""Keeping looked-up entries fresh: stored MusicBrainz entities are fetched again once old."""

from __future__ import annotations

import logging

from discord.ext import commands, tasks

from bot.knowledge.online.lookup import OnlineLookup

log = logging.getLogger(__name__)

REFRESH_EVERY_MINUTES = 30
REFRESH_BATCH = 20  # at one request per second, a batch takes under a minute


class Lookups(commands.Cog):
    """Background refresh of what on-demand lookups stored (no commands)."""

    def __init__(self, bot: commands.Bot, online: OnlineLookup) -> None:
        self.bot = bot
        self.online = online

    async def cog_load(self) -> None:
        """Start the refresh loop."""
        self.refresh.start()

    async def cog_unload(self) -> None:
        """Stop the refresh loop."""
        self.refresh.cancel()

    @tasks.loop(minutes=REFRESH_EVERY_MINUTES)
    async def refresh(self) -> None:
        """Fetch again the entities older than the refresh age, a batch at a time."""
        if self.refresh.current_loop == 0:
            # Not at start-up: the first batch goes one period later, off the busy start.
            return
        try:
            done = await self.online.refresh_stale(REFRESH_BATCH)
        except Exception:  # the loop must outlive one bad round
            log.warning("refreshing looked-up entries failed", exc_info=True)
            return
        if done:
            log.info("refreshed %d looked-up entries from MusicBrainz", done)

    @refresh.before_loop
    async def _before_refresh(self) -> None:
        await self.bot.wait_until_ready()


async def setup(bot: commands.Bot) -> None:
    """Load the Lookups cog when online lookups are on (ONLINE_LOOKUPS)."""
    online = getattr(bot, "online", None)
    if online is not None:
        await bot.add_cog(Lookups(bot, online))

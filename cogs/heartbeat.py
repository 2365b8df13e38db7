"""The heartbeat: every half minute the running bot writes its state for `linernotes status`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from discord.ext import commands, tasks

from bot.store.status import HEARTBEAT_SECONDS

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

log = logging.getLogger(__name__)


class Heartbeat(commands.Cog):
    """Write the bot's state (shards, servers, last gateway event) to the database."""

    def __init__(self, bot: LinerNotesBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Start beating."""
        self.beat.start()

    async def cog_unload(self) -> None:
        """Stop beating."""
        self.beat.cancel()

    @tasks.loop(seconds=HEARTBEAT_SECONDS)
    async def beat(self) -> None:
        """Write one heartbeat; a failed write is logged and the next one tried."""
        try:
            await self.bot.write_heartbeat()
        except Exception:  # the loop must outlive one bad write
            log.warning("could not write the heartbeat", exc_info=True)

    @beat.before_loop
    async def _before_beat(self) -> None:
        await self.bot.wait_until_ready()


async def setup(bot: LinerNotesBot) -> None:
    """Load the Heartbeat cog."""
    await bot.add_cog(Heartbeat(bot))

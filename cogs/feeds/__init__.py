"""Feeds and reviews: `_cog` has /feed and its loop, `_delivery` the posting, `_reviews`."""

from __future__ import annotations

from discord.ext import commands
from linernotes.cogs.feeds._cog import Feeds
from linernotes.cogs.feeds._reviews import Reviews


async def setup(bot: commands.Bot) -> None:
    """Load the Feeds and Reviews cogs."""
    store = bot.store  # type: ignore[attr-defined]
    await bot.add_cog(Feeds(bot, store, bot.settings))  # type: ignore[attr-defined]
    await bot.add_cog(Reviews(store))

"""Feeds and reviews: `_cog` has /feed and its loop, `_delivery` the posting, `_reviews`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.feeds._cog import Feeds
from cogs.feeds._reviews import Reviews

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot


async def setup(bot: LinerNotesBot) -> None:
    """Load the Feeds and Reviews cogs."""
    store = bot.store
    await bot.add_cog(Feeds(bot, store, bot.settings))
    await bot.add_cog(Reviews(store))

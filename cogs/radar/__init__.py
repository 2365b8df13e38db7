"""The release radar: `_cog` has /upcoming, /notify, /calendar and the radar loop;
`_alerts` sends members' alerts, `_calendar` keeps each server's calendar message,
`_roles` has the artist roles and their self-assign menu (its commands are in /config alerts)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.knowledge.online.future import FutureReleases
from cogs.radar._alerts import AlertSender
from cogs.radar._calendar import CalendarKeeper
from cogs.radar._cog import CalendarCommands, Notify, Radar, Upcoming
from cogs.radar._roles import RoleMenu

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot


async def setup(bot: LinerNotesBot) -> None:
    """Load the radar's cogs."""
    store = bot.store

    def now() -> datetime:
        return bot.now()  # read at each call: tests replace bot.now after start-up

    keeper = CalendarKeeper(bot, store, now)
    bot.add_dynamic_items(RoleMenu)
    await bot.add_cog(Upcoming(bot, store))
    await bot.add_cog(Notify(bot, store))
    await bot.add_cog(CalendarCommands(bot, store, keeper))
    online = getattr(bot, "online", None)
    future = FutureReleases(store, online, now) if online is not None else None
    await bot.add_cog(Radar(bot, AlertSender(bot, store, now), keeper, future))

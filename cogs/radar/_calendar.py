"""Each server's calendar: one message, posted once and then edited in place.

The post follows the protocol in ``bot/store/posts.py`` (claim with a nonce when
``/calendar set`` runs, attempt, posted); every later change is an edit of that message, so
a restart or a kill edits the same message and never posts a second one. A round edits
when what the calendar shows changed (an import, a lookup, an approval, a release coming
out) and at least once a day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.core import metrics
from bot.discord_io.posting import UNKNOWN_MESSAGE
from bot.discord_io.radar_render import calendar_embed, calendar_hash
from bot.discord_io.render import thread_name
from bot.discord_io.threads import forum_post
from bot.discord_io.translator import server_lang
from bot.knowledge.upcoming import calendar_window, upcoming
from bot.store import Store
from bot.store.guilds import GuildStore
from bot.store.posts import make_nonce
from bot.store.radar import Calendar, RadarStore

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

log = logging.getLogger(__name__)

DAILY = timedelta(days=1)
NONCE_WINDOW = timedelta(minutes=2)
GONE = (UNKNOWN_MESSAGE, 10003)  # Unknown Message; Unknown Channel (a deleted forum post)
HISTORY_SCAN = 50


def calendar_nonce(guild_id: int) -> Callable[[int], str]:
    """Return the nonce maker of a server's calendar posts (one per generation)."""
    return lambda generation: make_nonce("calendar", guild_id, generation)


class CalendarKeeper:
    """Posts and edits the calendars of the servers this process runs."""

    def __init__(self, bot: LinerNotesBot, store: Store, now: Callable[[], datetime]) -> None:
        self.bot = bot
        self.store = store
        self.radar = RadarStore(store)
        self.guilds = GuildStore(store)
        self.now = now

    async def run(self) -> int:
        """Bring every calendar up to date; return how many were posted or edited."""
        changed = 0
        for cal in await self.radar.calendars():
            guild = self.bot.get_guild(cal.guild_id)
            if guild is None:
                continue  # another process's server, or not connected right now
            try:
                changed += await self.keep(guild, cal)
            except Exception:  # one server never stops the others
                log.warning("calendar of guild %s failed", cal.guild_id, exc_info=True)
        return changed

    async def render(self, guild: discord.Guild) -> discord.Embed:
        """Return the server's calendar as it should read now."""
        now = self.now()
        config = await self.guilds.config(guild.id)
        follows = [f.artist_key for f in await self.guilds.follows(guild.id)]
        items = await upcoming(
            self.store, now, artist_keys=follows or None, until=calendar_window(now)
        )
        lang = server_lang(config["language"], guild)
        return calendar_embed(items, lang, followed=len(follows), updated=now)

    async def keep(self, guild: discord.Guild, cal: Calendar) -> int:
        """Post the calendar if it was never posted, else edit it when due; 1 if Discord was
        asked to change anything."""
        channel = guild.get_channel(cal.channel_id)
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            return 0
        now = self.now()
        embed = await self.render(guild)
        digest = calendar_hash(embed)
        if cal.message_id is None:
            if isinstance(channel, discord.ForumChannel):
                return await self.post_in_forum(channel, cal, embed, digest)
            return await self.post(channel, cal, embed, digest)
        stale = cal.edited_at is None or now - datetime.fromisoformat(cal.edited_at) >= DAILY
        if digest == cal.content_hash and not stale:
            return 0
        await self.radar.mark_calendar_attempt(guild.id, now)
        try:
            holder = await self.holder(guild, channel, cal)
            if holder is None:
                raise LookupError("the calendar's forum post is gone")
            await holder.get_partial_message(cal.message_id).edit(
                embed=embed, allowed_mentions=discord.AllowedMentions.none()
            )
        except (discord.NotFound, LookupError) as exc:
            if isinstance(exc, discord.NotFound) and exc.code not in GONE:
                raise
            # A moderator deleted the calendar (or its forum post): post it again, once.
            await self.radar.lose_calendar_message(cal, calendar_nonce(guild.id))
            fresh = await self.radar.calendar(guild.id)
            if fresh is None:
                return 0
            if isinstance(channel, discord.ForumChannel):
                return await self.post_in_forum(channel, fresh, embed, digest)
            return await self.post(channel, fresh, embed, digest)
        except discord.HTTPException as exc:
            await self.radar.mark_calendar_failed(guild.id, f"{exc.status}: {exc.text}")
            raise
        await self.radar.mark_calendar_edited(guild.id, digest, now)
        metrics.post_sent("calendar edit")
        return 1

    async def post(
        self, channel: discord.TextChannel, cal: Calendar, embed: discord.Embed, digest: str
    ) -> int:
        """Post the calendar message once (its nonce makes a re-send after a crash a no-op)."""
        now = self.now()
        if (
            cal.last_attempt_at is not None
            and now - datetime.fromisoformat(cal.last_attempt_at) >= NONCE_WINDOW
        ):
            found = await self.find_sent(channel, embed)
            if found is not None:
                await self.radar.mark_calendar_posted(cal.guild_id, found, None, "", now)
                return 0  # found: the next round edits it
        await self.radar.mark_calendar_attempt(cal.guild_id, now)
        try:
            message = await channel.send(
                embed=embed, nonce=cal.nonce, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_MESSAGE:
                raise
            await self.radar.lose_calendar_message(cal, calendar_nonce(cal.guild_id))
            return 0
        except discord.HTTPException as exc:
            await self.radar.mark_calendar_failed(cal.guild_id, f"{exc.status}: {exc.text}")
            raise
        await self.radar.mark_calendar_posted(cal.guild_id, message.id, None, digest, now)
        metrics.post_sent("calendar")
        return 1

    async def holder(
        self,
        guild: discord.Guild,
        channel: discord.TextChannel | discord.ForumChannel,
        cal: Calendar,
    ) -> discord.TextChannel | discord.Thread | None:
        """Return where the calendar message is: the channel, or its forum post (reopened if
        it was archived, since an archived post's message cannot be edited)."""
        if isinstance(channel, discord.TextChannel):
            return channel
        thread_id = cal.thread_id or cal.message_id or 0
        thread = guild.get_thread(thread_id)
        if thread is None:
            fetched = await guild.fetch_channel(thread_id)  # NotFound (10003) when deleted
            if not isinstance(fetched, discord.Thread):
                return None
            thread = fetched
        if thread.archived:
            thread = await thread.edit(archived=False)
        return thread

    async def post_in_forum(
        self, forum: discord.ForumChannel, cal: Calendar, embed: discord.Embed, digest: str
    ) -> int:
        """Open the calendar's forum post once. Forum posts take no nonce: after an attempt
        that was not recorded, the forum is searched for our post first."""
        now = self.now()
        name = thread_name(embed.title or "Release calendar")
        if cal.last_attempt_at is not None:
            found = await self.find_forum_post(forum, name)
            if found is not None:
                await self.radar.mark_calendar_posted(cal.guild_id, found, found, "", now)
                return 0  # found: the next round edits it
        await self.radar.mark_calendar_attempt(cal.guild_id, now)
        try:
            created = await forum_post(
                forum,
                name=name,
                content=None,
                embed=embed,
                tag_names=[],
                archive=10080,
                mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            await self.radar.mark_calendar_failed(cal.guild_id, f"{exc.status}: {exc.text}")
            raise
        await self.radar.mark_calendar_posted(
            cal.guild_id, created.message.id, created.thread.id, digest, now
        )
        metrics.post_sent("calendar")
        return 1

    async def find_forum_post(self, forum: discord.ForumChannel, name: str) -> int | None:
        """Return our calendar post in a forum (active or archived), if a crash left one."""
        me = forum.guild.me.id if forum.guild.me else None
        for thread in forum.threads:
            if thread.name == name and thread.owner_id == me:
                return thread.id
        try:
            async for thread in forum.archived_threads(limit=HISTORY_SCAN):
                if thread.name == name and thread.owner_id == me:
                    return thread.id
        except discord.Forbidden:
            return None
        return None

    async def find_sent(self, channel: discord.TextChannel, embed: discord.Embed) -> int | None:
        """Return our calendar message in the channel, made before a crash left it unrecorded."""
        me = channel.guild.me
        if me is None or not channel.permissions_for(me).read_message_history:
            return None
        async for message in channel.history(limit=HISTORY_SCAN):
            if message.author.id == me.id and any(e.title == embed.title for e in message.embeds):
                return message.id
        return None

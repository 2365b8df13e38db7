"""Open (or find) a server's one discussion thread for a subject, in a text or forum channel."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import discord
from discord.channel import ThreadWithMessage

from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.discord_io.checks import missing_bot_permissions, posting_permissions
from bot.discord_io.render import (
    ARCHIVE_DURATIONS,
    MESSAGE_LIMIT,
    ArchiveMinutes,
    clip,
    thread_name,
)
from bot.store.guilds import DiscussionThread, GuildStore

log = logging.getLogger(__name__)

FORUM_TAGS_MAX = 5  # Discord allows at most five applied tags per post
THREAD_EXISTS = 160004  # Discord: "A thread has already been created for this message"


def archive_minutes(config: Any) -> ArchiveMinutes:
    """Return the server's auto-archive duration (only Discord's four values; else a week)."""
    try:
        minutes = int(str(config["archive_minutes"]))
    except ValueError:
        return 10080
    return next((d for d in ARCHIVE_DURATIONS if d == minutes), 10080)


async def forum_post(
    forum: discord.ForumChannel,
    *,
    name: str,
    content: str | None,
    embed: discord.Embed,
    tag_names: list[str],
    archive: ArchiveMinutes,
    slowmode: int = 0,
    mentions: discord.AllowedMentions | None = None,
) -> ThreadWithMessage:
    """Open a forum post (a thread and its starter message), tagged by the names given."""
    wanted = {t.casefold() for t in tag_names}
    tags = [t for t in forum.available_tags if t.name.casefold() in wanted]
    return await forum.create_thread(
        name=thread_name(name),
        content=content,
        embed=embed,
        applied_tags=tags[:FORUM_TAGS_MAX],
        auto_archive_duration=archive,
        slowmode_delay=slowmode or None,
        allowed_mentions=mentions or discord.AllowedMentions.none(),
    )


async def message_thread(
    message: discord.Message | discord.PartialMessage,
    *,
    name: str,
    archive: ArchiveMinutes,
    slowmode: int = 0,
) -> tuple[discord.Thread, bool]:
    """Open the thread under a message; return it and whether this call created it.

    A message's thread has the message's id, so one made before a crash is found again.
    """
    try:
        thread = await message.create_thread(
            name=thread_name(name),
            auto_archive_duration=archive,
            slowmode_delay=slowmode or None,
        )
    except discord.HTTPException as exc:
        if exc.code != THREAD_EXISTS:
            raise
        existing = await message.guild.fetch_channel(message.id)  # type: ignore[union-attr]
        if not isinstance(existing, discord.Thread):
            raise
        return existing, False
    return thread, True


@dataclass(frozen=True, slots=True)
class Opened:
    """The thread for a subject and whether this call created it."""

    thread: discord.Thread
    created: bool


class ThreadOpener:
    """One discussion thread per subject per server, whoever asks and however often."""

    def __init__(self, guilds: GuildStore) -> None:
        self.guilds = guilds
        self._locks: defaultdict[tuple[int, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    async def existing(self, guild: discord.Guild, subject_key: str) -> discord.Thread | None:
        """Return the recorded thread, unarchived, or None if there is none (or it was deleted)."""
        record = await self.guilds.thread_for(guild.id, subject_key)
        if record is None:
            return None
        thread = guild.get_thread(record.thread_id)
        if thread is None:
            try:
                fetched = await guild.fetch_channel(record.thread_id)
            except discord.NotFound:
                await self.guilds.forget_thread(guild.id, subject_key)
                return None
            if not isinstance(fetched, discord.Thread):
                await self.guilds.forget_thread(guild.id, subject_key)
                return None
            thread = fetched
        if thread.archived and not thread.locked:
            try:
                thread = await thread.edit(archived=False)
            except discord.Forbidden:
                log.warning("cannot unarchive thread %s in guild %s", thread.id, guild.id)
        return thread

    async def open(
        self,
        guild: discord.Guild,
        channel: discord.TextChannel | discord.ForumChannel,
        *,
        subject_key: str,
        title: str,
        embed: discord.Embed,
        starter: str,
        tag_names: list[str],
        origin: str,
        actor: int | None,
    ) -> Opened:
        """Return the subject's thread, creating it (with its starter message) if needed."""
        async with self._locks[(guild.id, subject_key)]:
            found = await self.existing(guild, subject_key)
            if found is not None:
                return Opened(found, False)
            missing = missing_bot_permissions(channel, posting_permissions(channel))
            if missing:
                raise UserError(
                    N_("I can't open threads in {channel}: I'm missing {missing} there."),
                    channel=channel.mention,
                    missing=", ".join(f"**{m}**" for m in missing),
                )
            config = await self.guilds.config(guild.id)
            archive = archive_minutes(config)
            slowmode = int(config["slowmode_seconds"] or 0)
            name = thread_name(title)
            content = clip(starter, MESSAGE_LIMIT)
            none = discord.AllowedMentions.none()
            if isinstance(channel, discord.ForumChannel):
                created = await forum_post(
                    channel,
                    name=name,
                    content=content,
                    embed=embed,
                    tag_names=tag_names,
                    archive=archive,
                    slowmode=slowmode,
                )
                thread = created.thread
            else:
                message = await channel.send(embed=embed, allowed_mentions=none)
                thread, _ = await message_thread(
                    message, name=name, archive=archive, slowmode=slowmode
                )
                await thread.send(content, allowed_mentions=none)
            await self.guilds.record_thread(
                DiscussionThread(guild.id, subject_key, channel.id, thread.id, name, origin),
                actor,
            )
            return Opened(thread, True)

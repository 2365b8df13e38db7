"""Posting on Discord: where a post goes (delivery targets) and telling moderators once.

A delivery target is one kind of place a review can be posted. ``TextTarget`` sends a
message (with the post's nonce) and opens a thread under it; ``ForumTarget`` opens a forum
post; ``ThreadTarget`` posts into an existing thread (a new music video in its release's
discussion thread). Adding a place (a webhook, an announcement channel) is one subclass
of ``DeliveryTarget`` added to ``TARGETS``. The protocol the caller follows around ``send``
(claim, attempt, sent/failed/deleted) is described in ``bot/store/posts.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import discord

from bot.core.i18n import t
from bot.discord_io.render import ArchiveMinutes, thread_name
from bot.discord_io.threads import forum_post, message_thread
from bot.discord_io.translator import server_lang
from bot.store.guilds import GuildStore
from bot.store.posts import ReviewPost

log = logging.getLogger(__name__)

HISTORY_SCAN = 50  # how far back a text channel is searched for a post a crash left unrecorded
UNKNOWN_MESSAGE = 10008  # Discord's answer to a re-sent nonce whose message was deleted


@dataclass(frozen=True, slots=True)
class Sent:
    """A post as Discord holds it: its message and, when there is one, its thread."""

    message_id: int
    thread_id: int | None = None
    thread: discord.Thread | None = None  # when the post made it (a forum post)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Everything a target needs to make one post."""

    post: ReviewPost
    embed: discord.Embed
    content: str | None
    mentions: discord.AllowedMentions
    nonce: str
    archive: ArchiveMinutes
    slowmode: int = 0


class DeliveryTarget:
    """A place reviews are posted: a subclass per kind of Discord channel."""

    kinds: ClassVar[tuple[type, ...]] = ()
    opens_own_thread: ClassVar[bool] = False  # whether ``send`` already made the thread
    uses_nonce: ClassVar[bool] = True  # whether Discord de-duplicates a re-send for us

    def __init__(self, channel: discord.abc.GuildChannel) -> None:
        self.channel = channel

    @classmethod
    def for_channel(cls, channel: object) -> DeliveryTarget | None:
        """Return the target for a channel, or None if reviews cannot be posted there."""
        for target in TARGETS:
            if isinstance(channel, target.kinds):
                return target(channel)  # type: ignore[arg-type]
        return None

    async def send(self, out: Outgoing) -> Sent:
        """Make the post; raise ``discord.HTTPException`` as Discord answers."""
        raise NotImplementedError

    async def find_sent(self, post: ReviewPost, *, since: datetime) -> Sent | None:
        """Return our post of ``post`` made since ``since`` (a crash left it unrecorded)."""
        raise NotImplementedError

    async def open_thread(self, sent: Sent, out: Outgoing) -> tuple[discord.Thread, bool] | None:
        """Open the post's discussion thread; return it and whether this call created it."""
        return None


class TextTarget(DeliveryTarget):
    """A text channel: a message with the post's nonce, then a thread under it."""

    kinds = (discord.TextChannel,)
    channel: discord.TextChannel

    async def send(self, out: Outgoing) -> Sent:
        """Send the message; Discord drops it if the nonce was used in its window."""
        message = await self.channel.send(
            content=out.content, embed=out.embed, nonce=out.nonce, allowed_mentions=out.mentions
        )
        return Sent(message.id)

    async def find_sent(self, post: ReviewPost, *, since: datetime) -> Sent | None:
        """Look through the channel's recent messages for ours linking the same review.

        The link identifies the review; ``since`` is not used because a message's time
        comes from Discord's clock, not ours.
        """
        me = self.channel.guild.me
        if not post.link or me is None or not self.channel.permissions_for(me).read_message_history:
            return None
        async for message in self.channel.history(limit=HISTORY_SCAN):
            if message.author.id == me.id and any(e.url == post.link for e in message.embeds):
                return Sent(message.id)
        return None

    async def open_thread(self, sent: Sent, out: Outgoing) -> tuple[discord.Thread, bool] | None:
        """Open the review's thread under its message (or find the one a crash left)."""
        return await message_thread(
            self.channel.get_partial_message(sent.message_id),
            name=out.post.title or "Review",
            archive=out.archive,
            slowmode=out.slowmode,
        )


class ForumTarget(DeliveryTarget):
    """A forum channel: a post (thread) per review, tagged by the artists it names."""

    kinds = (discord.ForumChannel,)
    opens_own_thread = True
    uses_nonce = False
    channel: discord.ForumChannel

    async def send(self, out: Outgoing) -> Sent:
        """Open the forum post (forum posts take no nonce: see ``find_sent``)."""
        created = await forum_post(
            self.channel,
            name=out.post.title or "Review",
            content=out.content,
            embed=out.embed,
            tag_names=[e.name for e in out.post.entities if e.kind == "artist"],
            archive=out.archive,
            slowmode=out.slowmode,
            mentions=out.mentions,
        )
        return Sent(created.message.id, created.thread.id, created.thread)

    async def find_sent(self, post: ReviewPost, *, since: datetime) -> Sent | None:
        """Find our post with the review's name made since ``since``, active or archived."""
        name = thread_name(post.title or "Review")
        me = self.channel.guild.me.id if self.channel.guild.me else None

        def ours(thread: discord.Thread) -> bool:
            created = thread.created_at
            return (
                thread.name == name
                and thread.owner_id == me
                and created is not None
                and created >= since
            )

        for thread in self.channel.threads:
            if ours(thread):
                return Sent(thread.id, thread.id)
        try:
            async for thread in self.channel.archived_threads(limit=HISTORY_SCAN):
                if ours(thread):
                    return Sent(thread.id, thread.id)
        except discord.Forbidden:
            return None
        return None


class ThreadTarget(DeliveryTarget):
    """A thread (a release's discussion thread): a message with the post's nonce, no thread
    of its own."""

    kinds = (discord.Thread,)
    channel: discord.Thread  # type: ignore[assignment]

    async def send(self, out: Outgoing) -> Sent:
        """Send the message in the thread; Discord drops it if the nonce was used already."""
        message = await self.channel.send(
            content=out.content, embed=out.embed, nonce=out.nonce, allowed_mentions=out.mentions
        )
        return Sent(message.id, self.channel.id)

    async def find_sent(self, post: ReviewPost, *, since: datetime) -> Sent | None:
        """Look through the thread's recent messages for ours linking the same entry."""
        me = self.channel.guild.me
        if not post.link or me is None:
            return None
        try:
            async for message in self.channel.history(limit=HISTORY_SCAN):
                if message.author.id == me.id and any(e.url == post.link for e in message.embeds):
                    return Sent(message.id, self.channel.id)
        except discord.HTTPException:
            return None
        return None


TARGETS: tuple[type[DeliveryTarget], ...] = (TextTarget, ForumTarget, ThreadTarget)


class ModLog:
    """Tells a server's moderators: in its mod-log channel, else a fallback channel.

    ``once`` keys a notice so it is told once until ``clear``ed (a problem that persists
    across cycles is not repeated every minute).
    """

    def __init__(self, guilds: GuildStore) -> None:
        self.guilds = guilds
        self._told: set[tuple[int, Hashable]] = set()

    async def channel(self, guild: discord.Guild) -> discord.abc.Messageable | None:
        """Return the mod-log channel, if one is set and still exists."""
        config = await self.guilds.config(guild.id)
        found = guild.get_channel(config["modlog_channel"] or 0)
        return found if isinstance(found, discord.abc.Messageable) else None

    async def tell(
        self,
        guild: discord.Guild,
        text: str,
        *,
        once: Hashable | None = None,
        fallback: object = None,
        **fields: Any,
    ) -> bool:
        """Post ``text`` for moderators (pinging nobody); return whether it was posted.

        ``text`` is English (an ``N_``-marked message with ``{fields}``, or text already
        written); it goes out in the server's language, since moderators share one channel.
        """
        config = await self.guilds.config(guild.id)
        text = t(text, server_lang(config["language"], guild), **fields)
        if once is not None:
            if (guild.id, once) in self._told:
                return False
            self._told.add((guild.id, once))
        target = await self.channel(guild)
        if target is None and isinstance(fallback, discord.abc.Messageable):
            target = fallback
        if target is None:
            log.info("no channel to tell moderators of %s: %s", guild.id, text)
            return False
        try:
            await target.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("could not tell moderators of %s (%s): %s", guild.id, exc, text)
            if once is not None:
                self._told.discard((guild.id, once))  # not told: try again next time
            return False
        return True

    def clear(self, guild_id: int, once: Hashable) -> None:
        """Forget a ``once`` notice, so the next occurrence is told again."""
        self._told.discard((guild_id, once))

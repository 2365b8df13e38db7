"""Delivering queued reviews: sent once each (nonce), with their thread, or held and reported."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import discord
from discord.ext import commands
from linernotes.bot.checks import missing_bot_permissions, posting_permissions
from linernotes.bot.embeds import review_post_embed
from linernotes.bot.knowledge.entities import entity, release_for, releases_of_song
from linernotes.bot.knowledge.prompts import discussion_prompts
from linernotes.bot.knowledge.reviews import first_of, store_review
from linernotes.bot.render import ARCHIVE_DURATIONS, MESSAGE_LIMIT, clip, thread_name
from linernotes.bot.store import Store
from linernotes.bot.store.feeds import FeedRow, FeedStore, OutboxRow
from linernotes.bot.store.guilds import GuildStore

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
THREAD_EXISTS = 160004  # Discord: "A thread has already been created for this message"
NONCE_WINDOW = timedelta(minutes=2)  # Discord de-duplicates a nonce for a few minutes only
HISTORY_SCAN = 50


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff for a post Discord refused for now."""
    return min(RETRY_BASE * (2 ** min(attempts, 10)), RETRY_MAX)


class Delivery:
    """Turns outbox rows into Discord posts and threads; tells moderators what blocks them."""

    def __init__(
        self,
        bot: commands.Bot,
        store: Store,
        feeds: FeedStore,
        guilds: GuildStore,
        now: Callable[[], datetime],
    ) -> None:
        self.bot = bot
        self.store = store
        self.feeds = feeds
        self.guilds = guilds
        self.now = now
        self._warned: set[tuple[int, str]] = set()

    # -- sending -------------------------------------------------------------------------
    async def send(self, row: OutboxRow) -> int:
        """Send one post with its nonce; record the outcome. Returns 1 when sent."""
        guild = self.bot.get_guild(row.guild_id)
        if guild is None:
            return 0  # not connected to that server right now; stay pending
        channel = guild.get_channel(row.channel_id)
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            await self.feeds.mark_failed(row.id, "the channel no longer exists", give_up=True)
            await self.notice(
                guild,
                None,
                f"I stopped posting a review to <#{row.channel_id}>: "
                "that channel no longer exists. `/feed remove` the feed there.",
            )
            return 0
        missing = missing_bot_permissions(channel, posting_permissions(channel))
        if missing:
            await self.hold(row, guild, channel, missing)
            return 0
        if await self.already_posted(row, channel):
            return 0
        await store_review(self.store, row.payload)
        existing_thread = await self.release_thread_id(guild.id, row.payload)
        embed = review_post_embed(row.payload, existing_thread)
        mention = discord.AllowedMentions.none()
        content = None
        if row.mention_role_id:
            content = f"<@&{row.mention_role_id}>"
            mention = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(row.mention_role_id)]
            )
        await self.feeds.mark_attempt(row.id, now=self.now())
        try:
            if isinstance(channel, discord.ForumChannel):
                message_id, thread_id = await self.post_in_forum(
                    channel, row, embed, content, mention
                )
            else:
                message = await channel.send(
                    content=content, embed=embed, nonce=row.nonce, allowed_mentions=mention
                )
                message_id, thread_id = message.id, existing_thread
        except discord.Forbidden as exc:
            await self.hold(row, guild, channel, [f"permission ({exc.text})"])
            return 0
        except discord.HTTPException as exc:
            # 429s were already retried by discord.py; 5xx and the rest back off here.
            await self.feeds.mark_failed(
                row.id,
                f"Discord answered {exc.status}: {exc.text}",
                retry_at=self.now() + retry_delay(row.attempts),
            )
            return 0
        await self.feeds.mark_sent(row.id, message_id=message_id, thread_id=thread_id)
        self._warned.discard((row.subscription_id, "permissions"))
        if thread_id is None:
            sent = await self.feeds.get_outbox(row.id)
            if sent is not None:
                await self.attach_thread(sent, channel)
        elif existing_thread is not None and isinstance(channel, discord.TextChannel):
            await self.announce_in(guild, existing_thread, row.payload)
        return 1

    async def announce_in(self, guild: discord.Guild, thread_id: int, payload: dict) -> None:
        """Tell the release's discussion thread about a new review (best effort)."""
        thread = guild.get_thread(thread_id)
        if thread is None:
            try:
                fetched = await guild.fetch_channel(thread_id)
            except discord.HTTPException:
                return
            if not isinstance(fetched, discord.Thread):
                return
            thread = fetched
        title = clip(str(payload.get("title")), 200)
        try:
            await thread.send(
                f"New review: **{title}** {payload.get('link') or ''}",
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            log.warning("could not announce a review in thread %s: %s", thread_id, exc)

    async def already_posted(
        self, row: OutboxRow, channel: discord.TextChannel | discord.ForumChannel
    ) -> bool:
        """After a long outage, find a post a crash left unrecorded; record it if found.

        Discord drops a re-sent nonce only for a few minutes, so a row whose last attempt is
        older than that is first looked for in the channel's recent messages.
        """
        if row.last_attempt_at is None or not isinstance(channel, discord.TextChannel):
            return False
        if self.now() - row.last_attempt_at < NONCE_WINDOW:
            return False
        link = row.payload.get("link")
        me = channel.guild.me
        if not link or me is None or not channel.permissions_for(me).read_message_history:
            return False
        async for message in channel.history(limit=HISTORY_SCAN):
            if message.author.id == me.id and any(e.url == link for e in message.embeds):
                await self.feeds.mark_sent(row.id, message_id=message.id)
                sent = await self.feeds.get_outbox(row.id)
                if sent is not None:
                    await self.attach_thread(sent, channel)
                return True
        return False

    async def post_in_forum(
        self,
        forum: discord.ForumChannel,
        row: OutboxRow,
        embed: discord.Embed,
        content: str | None,
        mention: discord.AllowedMentions,
    ) -> tuple[int, int]:
        """Open a forum post for the review, tagged by artist.

        Forum posts take no nonce, so after a crash an existing post of ours with the same
        name, made since the row was written, is taken as the one already sent.
        """
        name = thread_name(str(row.payload.get("title") or "Review"))
        me = forum.guild.me.id if forum.guild.me else None
        for thread in forum.threads:
            if (
                thread.name == name
                and thread.owner_id == me
                and thread.created_at
                and thread.created_at >= row.created_at
            ):
                return thread.id, thread.id
        artists = {
            str(e.get("name", "")).casefold()
            for e in row.payload.get("entities") or []
            if isinstance(e, dict) and e.get("kind") == "artist"
        }
        tags = [t for t in forum.available_tags if t.name.casefold() in artists][:5]
        config = await self.guilds.config(forum.guild.id)
        created = await forum.create_thread(
            name=name,
            content=content,
            embed=embed,
            applied_tags=tags,
            auto_archive_duration=self.archive(config),  # type: ignore[arg-type]
            allowed_mentions=mention,
        )
        starter = await self.starter_text(row.payload)
        if starter:
            await created.thread.send(starter, allowed_mentions=discord.AllowedMentions.none())
        return created.message.id, created.thread.id

    @staticmethod
    def archive(config: Any) -> int:
        """Return the server's archive duration (only Discord's four values)."""
        minutes = int(config["archive_minutes"])
        return minutes if minutes in ARCHIVE_DURATIONS else 10080

    async def release_thread_id(self, guild_id: int, payload: dict[str, Any]) -> int | None:
        """Return the server's discussion thread of the release this review is about."""
        subject = first_of(payload, ("release", "song"))
        if subject is None:
            return None
        keys = [subject]
        if subject.kind == "song":
            keys = [r.key for r in await releases_of_song(self.store, subject.id)] + keys
        for key in keys:
            record = await self.guilds.thread_for(guild_id, str(key))
            if record is not None:
                return record.thread_id
        return None

    async def attach_thread(
        self, row: OutboxRow, channel: discord.TextChannel | discord.ForumChannel | None
    ) -> None:
        """Open the review's thread (per review), or join its release's (per release)."""
        guild = self.bot.get_guild(row.guild_id)
        if guild is None or row.message_id is None:
            return
        channel = channel or guild.get_channel(row.channel_id)  # type: ignore[assignment]
        if not isinstance(channel, discord.TextChannel):
            return
        config = await self.guilds.config(guild.id)
        subject = first_of(row.payload, ("release", "song"))
        if (
            config["thread_mode"] == "per release"
            and subject is not None
            and config["discussions_channel"]
        ):
            cog = self.bot.get_cog("Discussions")
            release = await release_for(self.store, subject)
            if cog is not None and release is not None:
                thread, _ = await cog.open_release_thread(  # type: ignore[attr-defined]
                    guild, release, "review", None
                )
                await self.announce_in(guild, thread.id, row.payload)
                await self.feeds.set_thread(row.id, thread.id)
                return
        message = channel.get_partial_message(row.message_id)
        try:
            thread = await message.create_thread(
                name=thread_name(str(row.payload.get("title") or "Review")),
                auto_archive_duration=self.archive(config),  # type: ignore[arg-type]
                slowmode_delay=int(config["slowmode_seconds"] or 0) or None,
            )
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
            # Made before a crash: a message's thread has the message's id.
            existing = await guild.fetch_channel(row.message_id)
            assert isinstance(existing, discord.Thread)
            await self.feeds.set_thread(row.id, existing.id)
            return
        await self.feeds.set_thread(row.id, thread.id)
        starter = await self.starter_text(row.payload)
        if starter:
            await thread.send(starter, allowed_mentions=discord.AllowedMentions.none())

    async def starter_text(self, payload: dict[str, Any]) -> str:
        """Return the thread's opening: the release in brief and discussion prompts."""
        subject = first_of(payload, ("release", "song"))
        if subject is None:
            return "What did you think of this review?"
        found = await entity(self.store, subject)
        if found is None:
            return "What did you think of this review?"
        lines = [f"**{found.label}** — `/release {found.name}` for the full card."]
        prompts = await discussion_prompts(self.store, found)
        lines.extend(f"• {p.text} (source: <{p.source.url}>)" for p in prompts)
        lines.append("• Does the review's reading match yours?")
        return clip("\n".join(lines), MESSAGE_LIMIT)

    # -- telling moderators -------------------------------------------------------------
    async def notice(
        self, guild: discord.Guild, fallback: discord.abc.Messageable | None, text: str
    ) -> None:
        """Post a notice to the mod-log channel, or the feed's channel if there is none."""
        config = await self.guilds.config(guild.id)
        target = guild.get_channel(config["modlog_channel"] or 0) or fallback
        if not isinstance(target, discord.abc.Messageable):
            log.warning("no channel to tell moderators of %s: %s", guild.id, text)
            return
        try:
            await target.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("could not tell moderators of %s (%s): %s", guild.id, exc, text)

    async def hold(
        self, row: OutboxRow, guild: discord.Guild, channel: Any, missing: list[str]
    ) -> None:
        """Keep the post pending and tell moderators (once) what permission is missing."""
        what = ", ".join(missing)
        await self.feeds.mark_failed(
            row.id, f"missing permission: {what}", retry_at=self.now() + retry_delay(row.attempts)
        )
        key = (row.subscription_id, "permissions")
        if key in self._warned:
            return
        self._warned.add(key)
        await self.notice(
            guild,
            None,
            f"⚠️ I can't post a new review in {channel.mention}: I'm missing {what} there. "
            "It stays queued and goes out once the permission is fixed.",
        )

    async def tell_disabled(self, feed: FeedRow) -> None:
        """Tell every server following a feed that it was disabled, why, and how to fix it."""
        for sub in await self.feeds.subscriptions_for_feed(feed.id):
            guild = self.bot.get_guild(sub.guild_id)
            if guild is None:
                continue
            await self.notice(
                guild,
                guild.get_channel(sub.channel_id),  # type: ignore[arg-type]
                f"⚠️ I stopped polling the feed <{feed.url}> after {feed.failure_streak} failed "
                f"attempts. Last error: {feed.last_error or feed.disabled_reason}. Check the "
                "address in a browser; once it works, `/feed remove` and `/feed add` it again.",
            )

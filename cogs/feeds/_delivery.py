"""Delivering queued reviews: sent once each (nonce), with their thread, or held and reported.

Each row follows the protocol in ``bot/store/posts.py``; where it goes is a
``DeliveryTarget`` (``bot/discord_io/posting.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.core.i18n import N_, t
from bot.discord_io import escape
from bot.discord_io.checks import missing_bot_permissions, posting_permissions
from bot.discord_io.embeds import prompt_lines, review_post_embed
from bot.discord_io.posting import (
    UNKNOWN_MESSAGE,
    DeliveryTarget,
    ModLog,
    Outgoing,
    Sent,
    ThreadTarget,
)
from bot.discord_io.render import MESSAGE_LIMIT, clip
from bot.discord_io.threads import archive_minutes
from bot.discord_io.translator import server_lang
from bot.feeds.youtube import video_id
from bot.knowledge.entities import EntityKey, entity, release_for, releases_of_song
from bot.knowledge.music_videos import record_music_video, song_of_followed
from bot.knowledge.prompts import discussion_prompts
from bot.knowledge.reviews import first_of, store_review
from bot.store import Store
from bot.store.feeds import FeedRow, FeedStore, OutboxRow
from bot.store.guilds import GuildStore
from bot.store.posts import ReviewPost

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
NONCE_WINDOW = timedelta(minutes=2)  # Discord de-duplicates a nonce for a few minutes only


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff for a post Discord refused for now."""
    return min(RETRY_BASE * (2 ** min(attempts, 10)), RETRY_MAX)


class Delivery:
    """Turns outbox rows into Discord posts and threads; tells moderators what blocks them."""

    def __init__(
        self,
        bot: LinerNotesBot,
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
        self.modlog = ModLog(guilds)

    # -- sending -------------------------------------------------------------------------
    async def send(self, row: OutboxRow) -> int:
        """Send one post with its nonce; record the outcome. Returns 1 when sent."""
        guild = self.bot.get_guild(row.guild_id)
        if guild is None:
            return 0  # not connected to that server right now; stay pending
        channel = guild.get_channel(row.channel_id)
        target = DeliveryTarget.for_channel(channel)
        # A new music video of a followed artist's song goes to its release's thread.
        video = await self.music_video(guild, row.post)
        if target is not None and video is not None and video[1] is not None:
            target = video[1]
        if target is None:
            await self.feeds.mark_failed(row.id, "the channel no longer exists", give_up=True)
            await self.modlog.tell(
                guild,
                N_(
                    "I stopped posting a review to {channel}: that channel no longer exists. "
                    "`/feed remove` the feed there."
                ),
                channel=f"<#{row.channel_id}>",
            )
            return 0
        missing = missing_bot_permissions(target.channel, posting_permissions(target.channel))
        if missing:
            await self.hold(row, guild, target.channel, missing)
            return 0
        if await self.found_after_outage(row, target):
            return 0
        post = row.post
        await store_review(self.store, post)
        existing_thread = await self.release_thread_id(guild.id, post)
        content = None
        mentions = discord.AllowedMentions.none()
        if row.mention_role_id:
            content = f"<@&{row.mention_role_id}>"
            mentions = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(row.mention_role_id)]
            )
        out = await self.outgoing(guild, row, existing_thread, content, mentions)
        await self.feeds.mark_attempt(row.id, now=self.now())
        try:
            sent = await target.send(out)
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_MESSAGE:
                raise
            # The earlier send of this nonce went out and a moderator deleted it.
            await self.feeds.mark_deleted(row.id, now=self.now())
            log.info("outbox row %s was posted and deleted on Discord; not re-sent", row.id)
            return 0
        except discord.Forbidden as exc:
            await self.hold(row, guild, target.channel, [f"permission ({exc.text})"])
            return 0
        except discord.HTTPException as exc:
            # 429s were already retried by discord.py; 5xx and the rest back off here.
            await self.feeds.mark_failed(
                row.id,
                f"Discord answered {exc.status}: {exc.text}",
                retry_at=self.now() + retry_delay(row.attempts),
                now=self.now(),
            )
            return 0
        await self.feeds.mark_sent(
            row.id,
            message_id=sent.message_id,
            thread_id=sent.thread_id or existing_thread,
            now=self.now(),
        )
        self.modlog.clear(guild.id, ("permissions", row.subscription_id))
        if video is not None:
            await record_music_video(self.store, video[0], video[2], post)
            if isinstance(target, ThreadTarget):
                return 1  # posted in the release's thread: nothing more to open or announce
        if sent.thread is not None:
            starter = await self.starter_text(post, await self.server_lang(guild))
            await sent.thread.send(starter, allowed_mentions=discord.AllowedMentions.none())
        elif existing_thread is not None:
            await self.announce_in(guild, existing_thread, post, await self.server_lang(guild))
        else:
            recorded = await self.feeds.get_outbox(row.id)
            if recorded is not None:
                await self.attach_thread(recorded)
        return 1

    async def outgoing(
        self,
        guild: discord.Guild,
        row: OutboxRow,
        existing_thread: int | None,
        content: str | None,
        mentions: discord.AllowedMentions,
    ) -> Outgoing:
        """Return everything a target needs to post ``row``."""
        config = await self.guilds.config(guild.id)
        # A review post is the server's, not one member's: it speaks the server's language.
        lang = server_lang(config["language"], guild)
        return Outgoing(
            post=row.post,
            embed=review_post_embed(row.post, existing_thread, lang),
            content=content,
            mentions=mentions,
            nonce=row.nonce,
            archive=archive_minutes(config),
            slowmode=int(config["slowmode_seconds"] or 0),
        )

    async def found_after_outage(self, row: OutboxRow, target: DeliveryTarget) -> bool:
        """After a long outage, find a post a crash left unrecorded; record it if found.

        Discord drops a re-sent nonce only for a few minutes (and forum posts take none), so
        a row whose last attempt is older than that is first looked for in the channel.
        """
        if row.last_attempt_at is None:
            return False
        if target.uses_nonce and self.now() - row.last_attempt_at < NONCE_WINDOW:
            return False
        found = await target.find_sent(row.post, since=row.created_at)
        if found is None:
            return False
        await self.feeds.mark_sent(
            row.id, message_id=found.message_id, thread_id=found.thread_id, now=self.now()
        )
        recorded = await self.feeds.get_outbox(row.id)
        if recorded is not None and recorded.thread_id is None:
            await self.attach_thread(recorded)
        return True

    async def server_lang(self, guild: discord.Guild) -> str:
        """Return the language of the server's own posts."""
        return server_lang((await self.guilds.config(guild.id))["language"], guild)

    async def announce_in(
        self, guild: discord.Guild, thread_id: int, post: ReviewPost, lang: str = "en"
    ) -> None:
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
        try:
            await thread.send(
                t(
                    "New review: **{title}** {link}",
                    lang,
                    title=clip(post.title, 200),
                    link=post.link or "",
                ),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            log.warning("could not announce a review in thread %s: %s", thread_id, exc)

    async def music_video(
        self, guild: discord.Guild, post: ReviewPost
    ) -> tuple[EntityKey, ThreadTarget | None, str] | None:
        """Return (song, its release's thread, video id) for a new music video of a song of
        an artist the server follows; None for anything else (a review, a Short, a video
        naming no followed artist's song)."""
        youtube_id = video_id(post.link)
        if youtube_id is None:
            return None
        followed = {f.artist_key for f in await self.guilds.follows(guild.id)}
        song = song_of_followed(post, followed)
        if song is None:
            return None
        thread_id = await self.release_thread_id(guild.id, post)
        thread = guild.get_thread(thread_id) if thread_id else None
        if thread is None and thread_id:
            try:
                fetched = await guild.fetch_channel(thread_id)
            except discord.HTTPException:
                fetched = None
            thread = fetched if isinstance(fetched, discord.Thread) else None
        target = ThreadTarget(thread) if thread is not None else None  # type: ignore[arg-type]
        return song, target, youtube_id

    async def release_thread_id(self, guild_id: int, post: ReviewPost) -> int | None:
        """Return the server's discussion thread of the release this review is about."""
        subject = first_of(post, ("release", "song"))
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

    async def attach_thread(self, row: OutboxRow) -> None:
        """Open the review's thread (per review), or join its release's (per release)."""
        guild = self.bot.get_guild(row.guild_id)
        if guild is None or row.message_id is None:
            return
        target = DeliveryTarget.for_channel(guild.get_channel(row.channel_id))
        if target is None or target.opens_own_thread:
            return
        config = await self.guilds.config(guild.id)
        subject = first_of(row.post, ("release", "song"))
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
                lang = server_lang(config["language"], guild)
                await self.announce_in(guild, thread.id, row.post, lang)
                await self.feeds.set_thread(row.id, thread.id)
                return
        out = await self.outgoing(guild, row, None, None, discord.AllowedMentions.none())
        made = await target.open_thread(Sent(row.message_id), out)
        if made is None:
            return
        thread, created = made
        await self.feeds.set_thread(row.id, thread.id)
        if created:
            starter = await self.starter_text(row.post, server_lang(config["language"], guild))
            await thread.send(starter, allowed_mentions=discord.AllowedMentions.none())

    async def starter_text(self, post: ReviewPost, lang: str = "en") -> str:
        """Return the thread's opening: the release in brief and discussion prompts."""
        subject = first_of(post, ("release", "song"))
        if subject is None:
            return t("What did you think of this review?", lang)
        found = await entity(self.store, subject)
        if found is None:
            return t("What did you think of this review?", lang)
        # The name stays outside the code span: a backtick in it cannot end the span.
        command = f"`/release` {escape.text(found.name)}"
        lines = [
            t(
                "**{label}** — {command} for the full card.",
                lang,
                label=escape.text(found.label),
                command=command,
            )
        ]
        prompts = await discussion_prompts(self.store, found, lang=lang)
        lines.extend(prompt_lines(prompts, lang))
        lines.append("• " + t("Does the review's reading match yours?", lang))
        return clip("\n".join(lines), MESSAGE_LIMIT)

    # -- telling moderators -------------------------------------------------------------
    async def hold(
        self,
        row: OutboxRow,
        guild: discord.Guild,
        channel: discord.abc.GuildChannel,
        missing: list[str],
    ) -> None:
        """Keep the post pending and tell moderators (once) what permission is missing."""
        what = ", ".join(missing)
        await self.feeds.mark_failed(
            row.id,
            f"missing permission: {what}",
            retry_at=self.now() + retry_delay(row.attempts),
            now=self.now(),
        )
        await self.modlog.tell(
            guild,
            N_(
                "⚠️ I can't post a new review in {channel}: I'm missing {missing} there. "
                "It stays queued and goes out once the permission is fixed."
            ),
            once=("permissions", row.subscription_id),
            channel=channel.mention,
            missing=what,
        )

    async def tell_disabled(self, feed: FeedRow) -> None:
        """Tell every server following a feed that it was disabled, why, and how to fix it."""
        for sub in await self.feeds.subscriptions_for_feed(feed.id):
            guild = self.bot.get_guild(sub.guild_id)
            if guild is None:
                continue
            await self.modlog.tell(
                guild,
                N_(
                    "⚠️ I stopped polling the feed {url} after {n} failed attempts. Last error: "
                    "{error}. Check the address in a browser; once it works, `/feed remove` and "
                    "`/feed add` it again."
                ),
                fallback=guild.get_channel(sub.channel_id),
                url=f"<{escape.url(feed.url) or escape.text(feed.url)}>",
                n=feed.failure_streak,
                error=escape.text(feed.last_error or feed.disabled_reason or ""),
            )

    async def tell_flooded(self, feed: FeedRow) -> None:
        """Tell every server following a feed that the flood guard held its entries back."""
        for sub in await self.feeds.subscriptions_for_feed(feed.id):
            guild = self.bot.get_guild(sub.guild_id)
            if guild is None:
                continue
            await self.modlog.tell(
                guild,
                N_(
                    "⚠️ Every entry of the feed {url} changed its id at once, and they look like "
                    "entries it showed before (did the feed move?). I recorded them and posted "
                    "none, so the channel is not flooded. `/feed backfill` posts recent ones if "
                    "they are really new."
                ),
                fallback=guild.get_channel(sub.channel_id),
                once=("flood", feed.id, feed.body_hash),
                url=f"<{escape.url(feed.url) or escape.text(feed.url)}>",
            )

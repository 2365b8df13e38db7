"""/feed and /reviews: critics' feeds posted once each, linked to the catalog, with threads."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.checks import manage_guild_only, missing_bot_permissions, posting_permissions
from bot.embeds import review_post_embed, reviews_pages
from bot.errors import UserError
from bot.feeds.errors import FeedError
from bot.feeds.fetch import Fetcher
from bot.feeds.parse import parse_feed
from bot.feeds.poller import backfill, candidates, follow, poll_once
from bot.feeds.urls import canonical_url, validate_url
from bot.knowledge import cards, search
from bot.knowledge.linking import alias_index
from bot.knowledge.prompts import discussion_prompts
from bot.knowledge.reviews import first_of, review_linker, store_review
from bot.render import ARCHIVE_DURATIONS, MESSAGE_LIMIT, choice_name, clip, make_embed, thread_name
from bot.settings import Settings
from bot.store import Store
from bot.store.feeds import FeedRow, FeedStore, OutboxRow
from bot.store.guilds import GuildStore
from bot.threads import ThreadOpener
from bot.ui import send_pages
from cogs._lookup import complete, lookup

log = logging.getLogger(__name__)

TICK_MAX_SECONDS = 30
DELIVERY_BATCH = 50
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
THREAD_EXISTS = 160004  # Discord: "A thread has already been created for this message"
REVIEW_KINDS = ("release", "song", "video", "artist")
NONCE_WINDOW = timedelta(minutes=2)  # Discord de-duplicates a nonce for a few minutes only
HISTORY_SCAN = 50


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff for a post Discord refused for now."""
    return min(RETRY_BASE * (2 ** min(attempts, 10)), RETRY_MAX)


class Feeds(commands.GroupCog, group_name="feed", group_description="Follow critics' feeds."):
    """Moderators follow feeds; the bot posts each new review once, with a thread."""

    def __init__(self, bot: commands.Bot, store: Store, settings: Settings) -> None:
        self.bot = bot
        self.store = store
        self.settings = settings
        self.feeds = FeedStore(store)
        self.guilds = GuildStore(store)
        self.opener: ThreadOpener = bot.threads  # type: ignore[attr-defined]
        self.fetcher = Fetcher(allow_private=settings.feed_allow_private_hosts)
        self.rng = random.Random()
        self._warned: set[tuple[int, str]] = set()
        # Polls, backfills and deliveries take turns: a post is never sent twice at once.
        self._cycle = asyncio.Lock()
        super().__init__()

    async def cog_load(self) -> None:
        """Start polling."""
        self.poll.change_interval(seconds=min(TICK_MAX_SECONDS, self.settings.feed_poll_seconds))
        self.poll.start()

    async def cog_unload(self) -> None:
        """Stop polling and close the HTTP client."""
        self.poll.cancel()
        await self.fetcher.close()

    def now(self) -> datetime:
        """Return the bot's clock."""
        return self.bot.now()  # type: ignore[attr-defined,no-any-return]

    async def linker(self) -> Any:
        """Return the review linker over the current catalog."""
        return review_linker(await alias_index(self.store))

    # -- the loop ----------------------------------------------------------------------
    @tasks.loop(seconds=TICK_MAX_SECONDS)
    async def poll(self) -> None:
        """Poll due feeds, then deliver what is waiting; one bad feed or post never stops it."""
        try:
            await self.run_cycle()
        except Exception:  # the loop must outlive one bad round (a locked database, say)
            log.warning("feed cycle failed; trying again next tick", exc_info=True)

    @poll.before_loop
    async def _before_poll(self) -> None:
        await self.bot.wait_until_ready()

    async def run_cycle(self) -> None:
        """One poll and delivery round (the loop calls this; tests call it directly)."""
        async with self._cycle:
            await self._poll_and_deliver()

    async def _poll_and_deliver(self) -> None:
        report = await poll_once(
            self.feeds,
            self.fetcher.fetch,
            default_interval=self.settings.feed_poll_seconds,
            now=self.now(),
            linker=await self.linker(),
            rng=self.rng,
        )
        for feed in report.disabled:
            await self.tell_disabled(feed)
        await self._deliver()

    async def deliver(self) -> int:
        """Send every pending post (oldest first); return how many went out."""
        async with self._cycle:
            return await self._deliver()

    async def _deliver(self) -> int:
        sent = 0
        for row in await self.feeds.pending_outbox(now=self.now(), limit=DELIVERY_BATCH):
            try:
                sent += await self.send(row)
            except Exception:
                log.warning("delivering outbox row %s failed", row.id, exc_info=True)
        for row in await self.feeds.sent_without_thread():
            try:
                await self.attach_thread(row, None)
            except Exception:
                log.warning("opening the thread of outbox row %s failed", row.id, exc_info=True)
        return sent

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
        keys = [f"{subject[0]}:{subject[1]}"]
        if subject[0] == "song":
            song = await cards.song_card(self.store, subject[1])
            keys = [f"release:{r.release.id}" for r in song.releases] + keys
        for key in keys:
            record = await self.guilds.thread_for(guild_id, key)
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
            entity = await search.resolve(self.store, f"{subject[0]}:{subject[1]}", limit=1)
            if cog is not None and entity:
                release = await cog.release_for(entity[0])  # type: ignore[attr-defined]
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
        found = await search.resolve(self.store, f"{subject[0]}:{subject[1]}", limit=1)
        if not found:
            return "What did you think of this review?"
        entity = cards.EntityRef(found[0].kind, found[0].id, found[0].name, found[0].label)
        lines = [f"**{entity.label}** — `/release {entity.name}` for the full card."]
        prompts = await discussion_prompts(self.store, entity)
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

    # -- moderator commands -------------------------------------------------------------
    @app_commands.command(name="add", description="Follow a feed in a text or forum channel.")
    @app_commands.describe(
        url="The feed's address (RSS or Atom, e.g. https://example.substack.com/feed)",
        channel="Where its reviews go (default: the server's reviews channel)",
        artist="Only post reviews that mention this artist",
        mention="A role to ping when a review is posted",
        every_minutes="Poll this feed less often than the bot's default",
    )
    @manage_guild_only()
    async def add(
        self,
        interaction: discord.Interaction,
        url: str,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
        artist: str | None = None,
        mention: discord.Role | None = None,
        every_minutes: app_commands.Range[int, 1, 10080] | None = None,
    ) -> None:
        """Follow a feed: fetched once now, so a bad one is refused and nothing is saved."""
        assert interaction.guild is not None
        if channel is None:
            default = (await self.guilds.config(interaction.guild.id))["reviews_channel"]
            found = interaction.guild.get_channel(default or 0)
            if not isinstance(found, discord.TextChannel | discord.ForumChannel):
                raise UserError(
                    "Pick a channel, or set this server's reviews channel with "
                    "`/config reviews` first."
                )
            channel = found
        missing = missing_bot_permissions(channel, posting_permissions(channel))
        if missing:
            raise UserError(
                f"I can't post in {channel.mention}: I'm missing "
                + ", ".join(f"**{m}**" for m in missing)
                + " there."
            )
        artist_key = None
        artist_label = None
        if artist:
            found = await search.resolve_one(self.store, artist, ["artist"])
            artist_key, artist_label = found.value, found.label
        interval = None
        if every_minutes is not None:
            interval = int(every_minutes) * 60
            if interval < self.settings.feed_poll_seconds:
                raise UserError(
                    f"A feed can be polled less often than the default "
                    f"({self.settings.feed_poll_seconds // 60 or 1} min), not more often."
                )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            _, parsed = await follow(
                self.feeds,
                self.fetcher.fetch,
                url=url,
                guild_id=interaction.guild.id,
                channel_id=channel.id,
                default_interval=self.settings.feed_poll_seconds,
                created_by=interaction.user.id,
                artist_id=artist_key,
                mention_role_id=mention.id if mention else None,
                interval_seconds=interval,
                now=self.now(),
                rng=self.rng,
            )
        except FeedError as exc:
            raise UserError(f"I can't follow that feed: {exc}. Nothing was saved.") from None
        filters = f", only reviews mentioning {artist_label}" if artist_label else ""
        ping = f", pinging {mention.mention}" if mention else ""
        await interaction.followup.send(
            f"Following **{clip(parsed.title or url, 200)}** in {channel.mention}{filters}{ping}. "
            f"Its {len(parsed.entries)} current entries are marked as seen; new reviews will be "
            "posted as they appear (`/feed backfill` posts recent ones now).",
            ephemeral=True,
        )

    @app_commands.command(name="remove", description="Stop following a feed.")
    @app_commands.describe(url="A feed this server follows")
    @manage_guild_only()
    async def remove(self, interaction: discord.Interaction, url: str) -> None:
        """Stop following a feed in every channel of this server."""
        assert interaction.guild is not None
        key = self.canonical(url)
        removed = await self.feeds.remove_subscription(guild_id=interaction.guild.id, url=key)
        if not removed:
            raise UserError(
                "This server does not follow that feed; `/feed list` shows the ones it does."
            )
        await interaction.response.send_message(f"Stopped following <{key}>.", ephemeral=True)

    @remove.autocomplete("url")
    async def _url_complete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild is None:
            return []
        needle = current.casefold()
        subs = await self.feeds.list_subscriptions(interaction.guild.id)
        urls = dict.fromkeys(s.feed.url for s in subs if needle in s.feed.url.casefold())
        return [app_commands.Choice(name=choice_name(u), value=u) for u in urls if len(u) <= 100][
            :25
        ]

    @app_commands.command(name="list", description="The feeds this server follows.")
    @manage_guild_only()
    async def list_(self, interaction: discord.Interaction) -> None:
        """List this server's feeds."""
        assert interaction.guild is not None
        subs = await self.feeds.list_subscriptions(interaction.guild.id)
        lines = []
        for s in subs:
            extra = []
            if s.subscription.artist_id:
                extra.append(f"artist filter {await self.label(s.subscription.artist_id)}")
            if s.subscription.mention_role_id:
                extra.append(f"pings <@&{s.subscription.mention_role_id}>")
            if s.feed.disabled_reason:
                extra.append("**disabled**")
            lines.append(
                f"• {clip(s.feed.title or s.feed.url, 80)} → <#{s.subscription.channel_id}>"
                f" — <{s.feed.url}>" + (f" ({', '.join(extra)})" if extra else "")
            )
        if not lines:
            lines = ["No feeds yet. `/feed add` follows one."]
        pages = [make_embed("Feeds", page) for page in _pack(lines)]
        await send_pages(interaction, pages, ephemeral=True)

    @app_commands.command(
        name="status", description="How each feed is doing: fetches, errors, next poll."
    )
    @manage_guild_only()
    async def status(self, interaction: discord.Interaction) -> None:
        """Show each feed's last fetch, status, cache hit, failures, next poll, last post."""
        assert interaction.guild is not None
        subs = await self.feeds.list_subscriptions(interaction.guild.id)
        lines = []
        for s in subs:
            f = s.feed
            lines.append(
                f"**{clip(f.title or f.url, 100)}** <{f.url}>\n"
                f"last fetch {_when(f.last_fetch_at)} · HTTP {f.last_status or '—'}"
                f" · {'unchanged (304)' if f.last_cache_hit else 'fetched'}"
                f" · failures in a row {f.failure_streak} · next poll {_when(f.next_poll_at)}\n"
                f"last posted: {clip(s.last_sent_title or '—', 100)} ({_when(s.last_sent_at)})"
                f" · waiting {s.pending}"
                + (f"\n**disabled**: {f.disabled_reason}" if f.disabled_reason else "")
                + (f"\nlast error: {clip(f.last_error, 200)}" if f.last_error else "")
            )
        if not lines:
            lines = ["No feeds yet. `/feed add` follows one."]
        pages = [make_embed("Feed status", page) for page in _pack(lines)]
        await send_pages(interaction, pages, ephemeral=True)

    @app_commands.command(name="preview", description="Show the next post a feed would make.")
    @app_commands.describe(url="A feed address")
    @manage_guild_only()
    async def preview(self, interaction: discord.Interaction, url: str) -> None:
        """Render the feed's newest entry as it would be posted (only you see it)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result = await self.fetcher.fetch(validate_url(url))
            parsed = await parse_feed(result.body or b"", base_url=result.final_url)
        except FeedError as exc:
            raise UserError(f"I can't read that feed: {exc}.") from None
        if not parsed.entries:
            raise UserError("That feed has no entries yet.")
        newest = max(parsed.entries, key=lambda e: e.published or datetime.min.replace(tzinfo=UTC))
        single = type(parsed)(parsed.title, parsed.link, parsed.version, (newest,))
        cand = candidates(single, feed_url=url, linker=await self.linker())[0]
        await interaction.followup.send(
            "Preview (only you can see this):",
            embed=review_post_embed(dict(cand.payload)),
            ephemeral=True,
        )

    @app_commands.command(name="backfill", description="Post a feed's newest entries now.")
    @app_commands.describe(url="A feed this server follows", count="How many (at most 10)")
    @manage_guild_only()
    async def backfill_(
        self, interaction: discord.Interaction, url: str, count: app_commands.Range[int, 1, 10]
    ) -> None:
        """Queue the newest entries of a followed feed and post them."""
        assert interaction.guild is not None
        key = self.canonical(url)
        subs = [
            s.subscription
            for s in await self.feeds.list_subscriptions(interaction.guild.id)
            if s.feed.url == key
        ]
        if not subs:
            raise UserError("This server does not follow that feed; `/feed add` it first.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        queued = 0
        try:
            for sub in subs:
                queued += await backfill(
                    self.feeds,
                    self.fetcher.fetch,
                    sub,
                    count=int(count),
                    linker=await self.linker(),
                    now=self.now(),
                )
        except FeedError as exc:
            raise UserError(f"I can't read that feed right now: {exc}.") from None
        sent = await self.deliver()
        await interaction.followup.send(
            f"Queued {queued} entr{'y' if queued == 1 else 'ies'}; {sent} posted now.",
            ephemeral=True,
        )

    backfill_.autocomplete("url")(_url_complete)
    preview.autocomplete("url")(_url_complete)

    # -- helpers ---------------------------------------------------------------------------
    def canonical(self, url: str) -> str:
        """Return the stored form of a feed URL, or a clear error."""
        try:
            return canonical_url(validate_url(url.strip()))
        except FeedError as exc:
            raise UserError(str(exc)) from None

    async def label(self, value: str) -> str:
        """Return the display label of a "kind:id" value."""
        found = await search.resolve(self.store, value, limit=1)
        return found[0].label if found else value


def _when(moment: datetime | None) -> str:
    return discord.utils.format_dt(moment, "R") if moment else "never"


def _pack(lines: list[str]) -> list[str]:
    from bot.render import pack_lines

    return pack_lines(lines, 3800)


class Reviews(commands.Cog):
    """/reviews for everyone."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @app_commands.command(
        name="reviews", description="Recent reviews, or those about a release or artist."
    )
    @app_commands.describe(query="A release, song or artist (optional)")
    async def reviews(self, interaction: discord.Interaction, query: str | None = None) -> None:
        """List reviews, newest first."""
        if not query:
            found = await cards.recent_reviews(self.store)
            await send_pages(interaction, reviews_pages("Recent reviews", found))
            return

        async def render(match: search.Match) -> list[discord.Embed]:
            found = await cards.reviews_about(self.store, match.id)
            return reviews_pages(f"Reviews — {match.label}", found)

        await lookup(interaction, self.store, query, REVIEW_KINDS, render)

    @reviews.autocomplete("query")
    async def _complete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await complete(self.store, current, REVIEW_KINDS)


async def setup(bot: commands.Bot) -> None:
    """Load the Feeds and Reviews cogs."""
    store: Store = bot.store  # type: ignore[attr-defined]
    await bot.add_cog(Feeds(bot, store, bot.settings))  # type: ignore[attr-defined]
    await bot.add_cog(Reviews(store))

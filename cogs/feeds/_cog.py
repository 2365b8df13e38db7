"""/feed: moderators follow critics' feeds; a loop polls them and delivers new reviews."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.core import metrics
from bot.core.errors import UserError
from bot.core.i18n import N_, t, tn
from bot.core.settings import Settings
from bot.core.shards import ShardScope
from bot.core.useragent import user_agent
from bot.discord_io.checks import manage_guild_only, missing_bot_permissions, posting_permissions
from bot.discord_io.embeds import review_post_embed
from bot.discord_io.render import QUERY_MAX, URL_MAX, choice_name, clip, make_embed, pack_lines
from bot.discord_io.translator import lang_of, server_lang
from bot.discord_io.ui import send_pages
from bot.feeds.errors import FeedError
from bot.feeds.fetch import Fetcher
from bot.feeds.parse import parse_feed
from bot.feeds.poller import Linker, backfill, candidates, follow, poll_once
from bot.feeds.urls import canonical_url, validate_url
from bot.feeds.youtube import feed_url_for, resolve_feed_url
from bot.knowledge import search
from bot.knowledge.entities import EntityKey, entity
from bot.knowledge.linking import alias_index
from bot.knowledge.reviews import review_linker
from bot.store import Store
from bot.store.feeds import DEFAULT_CAP_PER_CHANNEL, FeedRow, FeedStore
from bot.store.guilds import GuildStore
from cogs.feeds._delivery import Delivery

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

log = logging.getLogger(__name__)

TICK_MAX_SECONDS = 30
DELIVERY_BATCH = 50
POSTS_PER_CYCLE = DEFAULT_CAP_PER_CHANNEL  # per channel: a burst goes out over a few ticks


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Feeds(commands.GroupCog, group_name="feed", group_description="Follow critics' feeds."):
    """Moderators follow feeds; the bot posts each new review once, with a thread."""

    def __init__(self, bot: LinerNotesBot, store: Store, settings: Settings) -> None:
        self.bot = bot
        self.store = store
        self.settings = settings
        self.feeds = FeedStore(store)
        self.guilds = GuildStore(store)
        self.fetcher = Fetcher(
            allow_private=settings.feed_allow_private_hosts,
            user_agent=user_agent(settings.musicbrainz_contact),
        )
        self.rng = random.Random()
        self.delivery = Delivery(bot, store, self.feeds, self.guilds, self.now)
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
        return self.bot.now()

    def scope(self) -> ShardScope | None:
        """Return this process's shards: the loop polls and posts only for their servers."""
        return self.bot.shard_scope

    async def linker(self) -> Linker:
        """Return the review linker over the current catalog (its index is built once per
        catalog version, and only when an entry is to be linked)."""
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
        served: set[int] = set()

        async def deliver_feed(feed: FeedRow) -> None:
            # Each feed's posts go out as soon as its fetch is recorded: a slow feed delays
            # only itself. Each feed is served once a cycle, keeping the steady rate.
            served.add(feed.id)
            await self._deliver(feed_id=feed.id)

        report = await poll_once(
            self.feeds,
            self.fetcher.fetch,
            default_interval=self.settings.feed_poll_seconds,
            now=self.now(),
            make_linker=self.linker,
            rng=self.rng,
            on_polled=deliver_feed,
            scope=self.scope(),
        )
        metrics.feed_fetches("ok", report.fetched)
        metrics.feed_fetches("not_modified", report.not_modified)
        metrics.feed_fetches("unchanged", report.unchanged)
        metrics.feed_fetches("failed", report.failed)
        for feed in report.disabled:
            await self.delivery.tell_disabled(feed)
        for feed in report.flooded:
            await self.delivery.tell_flooded(feed)
        await self._deliver(skip_feeds=served)

    async def deliver(self) -> int:
        """Send the posts that are due (oldest first, a few per channel); return how many."""
        async with self._cycle:
            return await self._deliver()

    async def _deliver(
        self, *, feed_id: int | None = None, skip_feeds: frozenset[int] | set[int] = frozenset()
    ) -> int:
        sent = 0
        scope = self.scope()
        rows = await self.feeds.pending_outbox(
            now=self.now(),
            limit=DELIVERY_BATCH,
            per_subscription=POSTS_PER_CYCLE,
            feed_id=feed_id,
            scope=scope,
        )
        for row in rows:
            if row.feed_id in skip_feeds:
                continue
            try:
                sent += await self.delivery.send(row)
            except Exception:
                log.warning("delivering outbox row %s failed", row.id, exc_info=True)
        if feed_id is None:
            for row in await self.feeds.sent_without_thread(scope=scope):
                try:
                    await self.delivery.attach_thread(row)
                except Exception:
                    log.warning("opening the thread of outbox row %s failed", row.id, exc_info=True)
        metrics.post_sent("review", sent)
        return sent

    # -- moderator commands -------------------------------------------------------------
    @app_commands.command(name="add")
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
        url: app_commands.Range[str, 1, URL_MAX],
        channel: discord.TextChannel | discord.ForumChannel | None = None,
        artist: app_commands.Range[str, 1, QUERY_MAX] | None = None,
        mention: discord.Role | None = None,
        every_minutes: app_commands.Range[int, 1, 10080] | None = None,
    ) -> None:
        """Follow a feed in a text or forum channel.

        The feed is fetched once now, so a bad one is refused and nothing is saved.
        """
        assert interaction.guild is not None
        if channel is None:
            default = (await self.guilds.config(interaction.guild.id))["reviews_channel"]
            found = interaction.guild.get_channel(default or 0)
            if not isinstance(found, discord.TextChannel | discord.ForumChannel):
                raise UserError(
                    N_(
                        "Pick a channel, or set this server's reviews channel with "
                        "`/config reviews` first."
                    )
                )
            channel = found
        missing = missing_bot_permissions(channel, posting_permissions(channel))
        if missing:
            raise UserError(
                N_("I can't post in {channel}: I'm missing {missing} there."),
                channel=channel.mention,
                missing=", ".join(f"**{m}**" for m in missing),
            )
        artist_key = None
        artist_label = None
        if artist:
            match = await search.resolve_one(self.store, artist, ["artist"])
            artist_key, artist_label = match.value, match.label
        interval = None
        if every_minutes is not None:
            interval = int(every_minutes) * 60
            if interval < self.settings.feed_poll_seconds:
                raise UserError(
                    N_(
                        "A feed can be polled less often than the default ({n} min), "
                        "not more often."
                    ),
                    n=self.settings.feed_poll_seconds // 60 or 1,
                )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            # A YouTube channel (or @handle) follows its long-form uploads feed (no Shorts).
            url = (
                await resolve_feed_url(url, self.settings.youtube_feed_base, self.fetcher.fetch)
                or url
            )
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
            raise UserError(
                N_("I can't follow that feed: {error}. Nothing was saved."), error=exc
            ) from None
        lang = lang_of(interaction)
        filters = (
            t(", only reviews mentioning {artist}", lang, artist=artist_label)
            if artist_label
            else ""
        )
        ping = t(", pinging {role}", lang, role=mention.mention) if mention else ""
        await interaction.followup.send(
            t(
                "Following **{title}** in {channel}{filters}{ping}. Its {n} current entries are "
                "marked as seen; new reviews will be posted as they appear (`/feed backfill` "
                "posts recent ones now).",
                lang,
                title=clip(parsed.title or url, 200),
                channel=channel.mention,
                filters=filters,
                ping=ping,
                n=len(parsed.entries),
            )
            + silent_ping_warning(mention, channel, lang),
            ephemeral=True,
        )

    @app_commands.command(name="remove")
    @app_commands.describe(url="A feed this server follows")
    @manage_guild_only()
    async def remove(
        self, interaction: discord.Interaction, url: app_commands.Range[str, 1, URL_MAX]
    ) -> None:
        """Stop following a feed.

        In every channel of this server.
        """
        assert interaction.guild is not None
        key = self.canonical(url)
        removed = await self.feeds.remove_subscription(guild_id=interaction.guild.id, url=key)
        if not removed:
            raise UserError(
                N_("This server does not follow that feed; `/feed list` shows the ones it does.")
            )
        link = f"<{key}>"
        await interaction.response.send_message(
            t("Stopped following {url}.", lang_of(interaction), url=link), ephemeral=True
        )

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

    @app_commands.command(name="list")
    @manage_guild_only()
    async def list_(self, interaction: discord.Interaction) -> None:
        """The feeds this server follows."""
        assert interaction.guild is not None
        subs = await self.feeds.list_subscriptions(interaction.guild.id)
        lang = lang_of(interaction)
        lines = []
        for s in subs:
            extra = []
            if s.subscription.artist_id:
                label = await self.label(s.subscription.artist_id)
                extra.append(t("artist filter {artist}", lang, artist=label))
            if s.subscription.mention_role_id:
                role = f"<@&{s.subscription.mention_role_id}>"
                extra.append(t("pings {role}", lang, role=role))
            if s.feed.disabled_reason:
                extra.append(t("**disabled**", lang))
            lines.append(
                f"• {clip(s.feed.title or s.feed.url, 80)} → <#{s.subscription.channel_id}>"
                f" — <{s.feed.url}>" + (f" ({', '.join(extra)})" if extra else "")
            )
        if not lines:
            lines = [t("No feeds yet. `/feed add` follows one.", lang)]
        pages = [make_embed(t("Feeds", lang), page) for page in _pack(lines)]
        await send_pages(interaction, pages, ephemeral=True)

    @app_commands.command(name="status")
    @manage_guild_only()
    async def status(self, interaction: discord.Interaction) -> None:
        """How each feed is doing: fetches, errors, next poll.

        Per feed: last fetch, status, cache hit, failures, next poll, last post.
        """
        assert interaction.guild is not None
        subs = await self.feeds.list_subscriptions(interaction.guild.id)
        lang = lang_of(interaction)
        lines = []
        for s in subs:
            f = s.feed
            lines.append(
                f"**{clip(f.title or f.url, 100)}** <{f.url}>\n"
                + t(
                    "last fetch {fetched} · HTTP {status} · {cache} · failures in a row "
                    "{failures} · next poll {next}",
                    lang,
                    fetched=_when(f.last_fetch_at, lang),
                    status=f.last_status or "—",
                    cache=t("unchanged (304)", lang) if f.last_cache_hit else t("fetched", lang),
                    failures=f.failure_streak,
                    next=_when(f.next_poll_at, lang),
                )
                + "\n"
                + t(
                    "last posted: {title} ({when}) · waiting {n}",
                    lang,
                    title=clip(s.last_sent_title or "—", 100),
                    when=_when(s.last_sent_at, lang),
                    n=s.pending,
                )
                + (
                    "\n" + t("**disabled**: {reason}", lang, reason=f.disabled_reason)
                    if f.disabled_reason
                    else ""
                )
                + (
                    "\n" + t("last error: {error}", lang, error=clip(f.last_error, 200))
                    if f.last_error
                    else ""
                )
            )
        if not lines:
            lines = [t("No feeds yet. `/feed add` follows one.", lang)]
        pages = [make_embed(t("Feed status", lang), page) for page in _pack(lines)]
        await send_pages(interaction, pages, ephemeral=True)

    @app_commands.command(name="preview")
    @app_commands.describe(url="A feed address")
    @manage_guild_only()
    async def preview(
        self, interaction: discord.Interaction, url: app_commands.Range[str, 1, URL_MAX]
    ) -> None:
        """Show the next post a feed would make.

        The newest entry, rendered as it would be posted; only the caller sees it.
        """
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result = await self.fetcher.fetch(validate_url(url))
            parsed = await parse_feed(result.body or b"", base_url=result.final_url)
        except FeedError as exc:
            raise UserError(N_("I can't read that feed: {error}."), error=exc) from None
        if not parsed.entries:
            raise UserError(N_("That feed has no entries yet."))
        newest = max(parsed.entries, key=lambda e: e.published or datetime.min.replace(tzinfo=UTC))
        single = type(parsed)(parsed.title, parsed.link, parsed.version, (newest,))
        cand = candidates(single, feed_url=url, linker=await self.linker())[0]
        assert cand.post is not None  # candidates() always makes the post
        # Shown as the server would see it: in the server's language.
        assert interaction.guild is not None
        config = await self.guilds.config(interaction.guild.id)
        await interaction.followup.send(
            t("Preview (only you can see this):", lang_of(interaction)),
            embed=review_post_embed(
                cand.post, lang=server_lang(config["language"], interaction.guild)
            ),
            ephemeral=True,
        )

    @app_commands.command(name="backfill")
    @app_commands.describe(url="A feed this server follows", count="How many (at most 10)")
    @manage_guild_only()
    async def backfill_(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, URL_MAX],
        count: app_commands.Range[int, 1, 10],
    ) -> None:
        """Post a feed's newest entries now.

        Queues the newest entries of a followed feed and posts them.
        """
        assert interaction.guild is not None
        key = self.canonical(url)
        subs = [
            s.subscription
            for s in await self.feeds.list_subscriptions(interaction.guild.id)
            if s.feed.url == key
        ]
        if not subs:
            raise UserError(N_("This server does not follow that feed; `/feed add` it first."))
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
            raise UserError(N_("I can't read that feed right now: {error}."), error=exc) from None
        sent = await self.deliver()
        lang = lang_of(interaction)
        await interaction.followup.send(
            tn("Queued {n} entry", "Queued {n} entries", queued, lang)
            + t("; {sent} posted now.", lang, sent=sent),
            ephemeral=True,
        )

    backfill_.autocomplete("url")(_url_complete)
    preview.autocomplete("url")(_url_complete)

    # -- helpers ---------------------------------------------------------------------------
    def canonical(self, url: str) -> str:
        """Return the stored form of a feed URL, or a clear error."""
        try:
            url = feed_url_for(url, self.settings.youtube_feed_base) or url
            return canonical_url(validate_url(url.strip()))
        except FeedError as exc:
            raise UserError(exc.template, **exc.fields) from None

    async def label(self, value: str) -> str:
        """Return the display label of a "kind:id" value."""
        key = EntityKey.parse(value)
        found = await entity(self.store, key) if key else None
        return found.label if found else value


def silent_ping_warning(
    mention: discord.Role | None,
    channel: discord.TextChannel | discord.ForumChannel,
    lang: str = "en",
) -> str:
    """Warn when a role mention would notify nobody: Discord pings a role only if it is
    mentionable or the bot has Mention Everyone in the channel."""
    if mention is None or mention.mentionable:
        return ""
    me = channel.guild.me
    if me is not None and channel.permissions_for(me).mention_everyone:
        return ""
    return "\n" + t(
        "⚠️ {role} is not mentionable and I don't have **Mention Everyone** in {channel}, so "
        "posts will show the role but notify nobody. Make the role mentionable (Server "
        "Settings → Roles) or give me Mention Everyone there.",
        lang,
        role=mention.mention,
        channel=channel.mention,
    )


def _when(moment: datetime | None, lang: str = "en") -> str:
    return discord.utils.format_dt(moment, "R") if moment else t("never", lang)


def _pack(lines: list[str]) -> list[str]:
    return pack_lines(lines, 3800)

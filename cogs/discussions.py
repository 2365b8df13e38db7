"""/discuss, /onthisday, release-day threads and the daily digest."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.core import metrics
from bot.core.clock import time_zone
from bot.core.dates import parse_day
from bot.core.errors import NotFoundError, Untrusted, UserError
from bot.core.i18n import N_, t
from bot.discord_io import escape
from bot.discord_io.checks import MODLOG_PERMISSIONS, missing_bot_permissions
from bot.discord_io.embeds import on_this_day_lines, prompt_lines, release_embed, song_embed
from bot.discord_io.posting import UNKNOWN_MESSAGE, ModLog
from bot.discord_io.render import QUERY_MAX, SHORT_MAX, make_embed, pack_lines
from bot.discord_io.threads import ThreadOpener
from bot.discord_io.translator import lang_of, server_lang
from bot.discord_io.ui import send_pages
from bot.knowledge import cards
from bot.knowledge.entities import EntityRef, release_for
from bot.knowledge.prompts import discussion_prompts
from bot.knowledge.search import Match
from bot.store import Store
from bot.store.guilds import GuildStore
from bot.store.posts import make_nonce
from cogs._lookup import complete_names, lookup

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

log = logging.getLogger(__name__)

SCHEDULE_SECONDS = 60
NO_DISCUSSIONS_CHANNEL = N_(
    "This server has no discussions channel yet. A moderator can set one with "
    "`/config discussions`."
)


class Discussions(commands.Cog):
    """Release threads, anniversaries and the daily digest."""

    def __init__(self, bot: LinerNotesBot, store: Store) -> None:
        self.bot = bot
        self.store = store
        self.guilds = GuildStore(store)
        self.opener: ThreadOpener = bot.threads
        self.modlog = ModLog(self.guilds)

    async def cog_load(self) -> None:
        """Start the schedule loop."""
        self.schedule.start()

    async def cog_unload(self) -> None:
        """Stop the schedule loop."""
        self.schedule.cancel()

    def now(self) -> datetime:
        """Return the current time from the bot's clock."""
        return self.bot.now()

    async def zone_of(self, guild_id: int | None) -> tzinfo:
        """Return a server's time zone (KST in DMs)."""
        if guild_id is None:
            return time_zone("Asia/Seoul")
        return time_zone((await self.guilds.config(guild_id))["timezone"])

    # -- the release thread --------------------------------------------------------------
    async def starter(
        self, subject: EntityRef, lang: str = "en"
    ) -> tuple[discord.Embed, str, list[str]]:
        """Return the release card, the prompts text and the artist names (forum tags)."""
        if subject.kind == "release":
            card = await cards.release_card(self.store, subject.id)
            embed, artists = release_embed(card, lang), [a.name for a in card.artists]
        else:
            song = await cards.song_card(self.store, subject.id)
            embed, artists = song_embed(song, lang), [a.name for a in song.artists]
        prompts = await discussion_prompts(self.store, subject, lang=lang)
        lines = [
            t("**Discussion: {subject}**", lang, subject=escape.text(subject.label or subject.name))
        ]
        if prompts:
            lines.append(t("Some things to talk about:", lang))
            lines.extend(prompt_lines(prompts, lang))
        return embed, "\n".join(lines), artists

    async def open_release_thread(
        self, guild: discord.Guild, subject: EntityRef, origin: str, actor: int | None
    ) -> tuple[discord.Thread, bool]:
        """Open (or find) the server's thread for a release."""
        config = await self.guilds.config(guild.id)
        channel_id = config["discussions_channel"]
        channel = guild.get_channel(channel_id) if channel_id else None
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            raise UserError(NO_DISCUSSIONS_CHANNEL)
        # The thread belongs to the whole server: it speaks the server's language.
        embed, starter, artists = await self.starter(
            subject, server_lang(config["language"], guild)
        )
        opened = await self.opener.open(
            guild,
            channel,
            subject_key=subject.value,
            title=subject.name,
            embed=embed,
            starter=starter,
            tag_names=artists,
            origin=origin,
            actor=actor,
        )
        return opened.thread, opened.created

    @app_commands.command(name="discuss")
    @app_commands.describe(query="A release or song, e.g. Love wins all or 봄날")
    @app_commands.guild_only()
    async def discuss(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, QUERY_MAX]
    ) -> None:
        """Open (or find) this server's thread about a release.

        Links the thread when it exists already.
        """
        assert interaction.guild is not None
        guild = interaction.guild
        config = await self.guilds.config(guild.id)
        if not config["discussions_channel"]:
            raise UserError(NO_DISCUSSIONS_CHANNEL)
        lang = lang_of(interaction)

        async def render(match: Match) -> list[discord.Embed]:
            subject = await release_for(self.store, match.key)
            if subject is None:
                raise NotFoundError(
                    N_("{name} is no longer in the catalog."), [], name=Untrusted(match.label)
                )
            thread, created = await self.open_release_thread(
                guild, subject, "discuss", interaction.user.id
            )
            title = (
                t("Opened the discussion of {subject}", lang, subject=escape.text(subject.name))
                if created
                else t(
                    "Here is the discussion of {subject}", lang, subject=escape.text(subject.name)
                )
            )
            return [make_embed(title, t("Join in: {thread}", lang, thread=thread.mention))]

        await interaction.response.defer(thinking=True)
        try:
            await lookup(
                interaction,
                self.store,
                query,
                ("release", "song"),
                render,
                prefer="release",
                online=getattr(self.bot, "online", None),
            )
        except discord.Forbidden:
            raise UserError(
                N_(
                    "Discord refused to let me open or reopen that thread: check my permissions "
                    "in the discussions channel (Create Public Threads, Manage Threads)."
                )
            ) from None

    discuss.autocomplete("query")(complete_names("release", "song"))

    # -- on this day ---------------------------------------------------------------------
    async def day_pages(
        self, guild_id: int | None, day: date, today: date, lang: str = "en"
    ) -> list[discord.Embed]:
        """Return the "on this day" pages for a server (followed artists first)."""
        facts = await cards.on_this_day(self.store, day.month, day.day)
        followed = set()
        if guild_id is not None:
            followed = {f.artist_key for f in await self.guilds.follows(guild_id)}
            followed |= await self.followed_subjects(facts, followed)
        lines = on_this_day_lines(facts, today, followed, lang)
        if not lines:
            lines = [
                t(
                    "Nothing in the catalog happened on this day. Try `/onthisday` with "
                    "another date, like 01-24 or 02-13.",
                    lang,
                )
            ]
        title = t("On this day — {day}", lang, day=month_day(day, lang))
        pages = pack_lines(lines, 3800)
        footer = t("★ = an artist this server follows", lang)
        return [make_embed(title, page, footer=footer) for page in pages]

    async def followed_subjects(self, facts: cards.OnThisDay, followed: set[str]) -> set[str]:
        """Return the releases and videos on this day that are by followed artists."""
        if not followed:
            return set()
        found: set[str] = set()
        for fact in facts.releases:
            card = await cards.release_card(self.store, fact.entity.id)
            if any(a.value in followed for a in card.artists):
                found.add(fact.entity.value)
        for fact in facts.premieres:
            video = await cards.video_info(self.store, fact.entity.id)
            if video.song is not None:
                song = await cards.song_card(self.store, video.song.id)
                if any(a.value in followed for a in song.artists):
                    found.add(fact.entity.value)
        return found

    @app_commands.command(name="onthisday")
    @app_commands.describe(date="01-24, Jan 24, 1월 24일 or 2024-01-24 (default: today)")
    async def onthisday(
        self,
        interaction: discord.Interaction,
        date: app_commands.Range[str, 1, SHORT_MAX] | None = None,
    ) -> None:
        """Releases, birthdays and debuts on a date in K-pop history."""
        guild_id = interaction.guild.id if interaction.guild else None
        today = self.now().astimezone(await self.zone_of(guild_id)).date()
        day = parse_day(date, today) if date else today
        pages = await self.day_pages(guild_id, day, today, lang_of(interaction))
        await send_pages(interaction, pages)

    # -- scheduled work ----------------------------------------------------------------------
    @tasks.loop(seconds=SCHEDULE_SECONDS)
    async def schedule(self) -> None:
        """Post due digests and open release-day threads; one bad server never stops others."""
        try:
            await self.run_scheduled()
        except Exception:  # the loop must outlive one bad round
            log.warning("scheduled round failed; trying again next minute", exc_info=True)

    @schedule.before_loop
    async def _before_schedule(self) -> None:
        await self.bot.wait_until_ready()

    async def run_scheduled(self) -> None:
        """Do one round of scheduled work (the loop calls this; tests call it directly)."""
        for guild in list(self.bot.guilds):
            try:
                if await self.digest_for(guild):
                    metrics.post_sent("digest")
            except Exception:
                log.warning("digest failed for guild %s", guild.id, exc_info=True)
            try:
                await self.release_days_for(guild)
            except Exception:
                log.warning("release-day threads failed for guild %s", guild.id, exc_info=True)

    async def digest_for(self, guild: discord.Guild) -> bool:
        """Post today's digest if its time has come and it was not posted; True if posted.

        The intent is recorded (with a nonce) before sending, so after a crash the same
        nonce is used again and Discord drops a duplicate. After downtime only the most
        recent missed day is posted, once, late.
        """
        config = await self.guilds.config(guild.id)
        channel_id = config["digest_channel"]
        if not channel_id:
            return False
        zone = time_zone(config["timezone"])
        local = self.now().astimezone(zone)
        hour, minute = (int(x) for x in str(config["digest_time"]).split(":"))
        due = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        day = local.date() if local >= due else local.date() - timedelta(days=1)
        last = await self.guilds.last_post(guild.id, "digest")
        if last is not None and last.run_key >= day.isoformat():
            return False
        if last is None and local < due:
            return False  # a new digest starts at its first due time, not with yesterday's
        channel = guild.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            return False
        lang = server_lang(config["language"], guild)
        missing = missing_bot_permissions(channel, MODLOG_PERMISSIONS)
        if missing:
            await self.modlog.tell(
                guild,
                t(
                    "⚠️ Today's digest can't go to {channel}: I'm missing {missing} there.",
                    lang,
                    channel=channel.mention,
                    missing=", ".join(missing),
                ),
                once=("digest blocked", day.isoformat()),
            )
            return False
        run_key = day.isoformat()
        post = await self.guilds.claim_post(
            guild.id, "digest", run_key, make_nonce("digest", guild.id, day), channel.id
        )
        if post.sent_at is not None:
            return False
        pages = await self.day_pages(guild.id, day, day, lang)
        await self.guilds.mark_post_attempt(guild.id, "digest", run_key)
        try:
            message = await channel.send(
                embeds=pages[:1],
                nonce=post.nonce,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_MESSAGE:
                raise
            # Sent before a crash, then deleted by a moderator: it stays deleted.
            await self.guilds.mark_post_sent(guild.id, "digest", run_key, None)
            return False
        except discord.HTTPException as exc:
            await self.guilds.mark_post_failed(guild.id, "digest", run_key, str(exc))
            raise
        await self.guilds.mark_post_sent(guild.id, "digest", run_key, message.id)
        return True

    async def release_days_for(self, guild: discord.Guild) -> list[str]:
        """Open the thread of each followed artist's release whose day it is, once each."""
        follows = {f.artist_key for f in await self.guilds.follows(guild.id)}
        config = await self.guilds.config(guild.id)
        if not follows or not config["discussions_channel"]:
            return []
        local = self.now().astimezone(time_zone(config["timezone"])).date()
        facts = await cards.on_this_day(self.store, local.month, local.day)
        opened = []
        for fact in facts.releases:
            if fact.date[:10] != local.isoformat():
                continue
            card = await cards.release_card(self.store, fact.entity.id)
            if not any(a.value in follows for a in card.artists):
                continue
            post = await self.guilds.claim_post(
                guild.id,
                "release day",
                fact.entity.value,
                make_nonce("release day", guild.id, fact.entity.value),
                None,
            )
            if post.sent_at is not None:
                continue
            # The thread opener finds a thread made before a crash, so no nonce is needed.
            await self.guilds.mark_post_attempt(guild.id, "release day", fact.entity.value)
            thread, _ = await self.open_release_thread(guild, card.release, "release day", None)
            await self.guilds.mark_post_sent(guild.id, "release day", fact.entity.value, thread.id)
            opened.append(fact.entity.value)
        return opened


def month_day(day: date, lang: str) -> str:
    """Return a day of the year as people write it: "January 24" / "1월 24일"."""
    if lang == "ko":
        return f"{day.month}월 {day.day}일"
    return f"{day.strftime('%B')} {day.day}"


async def setup(bot: LinerNotesBot) -> None:
    """Load the Discussions cog."""
    await bot.add_cog(Discussions(bot, bot.store))

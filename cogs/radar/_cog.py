"""/upcoming, /notify and /calendar, and the radar's loop (alerts, calendars, refresh)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.core.errors import UserError
from bot.core.i18n import N_, t
from bot.discord_io.checks import (
    MODLOG_PERMISSIONS,
    manage_guild_only,
    missing_bot_permissions,
    posting_permissions,
)
from bot.discord_io.radar_render import discord_timestamp, upcoming_pages
from bot.discord_io.render import QUERY_MAX, choice_name, make_embed
from bot.discord_io.translator import lang_of
from bot.discord_io.ui import send_pages
from bot.knowledge import search, vocab, wording
from bot.knowledge.online.future import FutureReleases
from bot.knowledge.upcoming import upcoming
from bot.store import Store
from bot.store.radar import RadarStore
from cogs._lookup import complete_names, corrected_note
from cogs.radar._alerts import AlertSender, runs_shard_zero
from cogs.radar._calendar import CalendarKeeper, calendar_nonce

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

log = logging.getLogger(__name__)

RADAR_SECONDS = 60  # alerts go out and calendars are edited within a minute
TYPE_CHOICES = [
    app_commands.Choice(name=rt.title, value=rt.key) for rt in vocab.RELEASE_TYPES if rt.catalog
]
UPCOMING_LIMIT = 200


class Upcoming(commands.Cog):
    """What comes out next."""

    def __init__(self, bot: LinerNotesBot, store: Store) -> None:
        self.bot = bot
        self.store = store
        self.radar = RadarStore(store)

    @app_commands.command(name="upcoming")
    @app_commands.describe(
        artist="Only this artist's releases, e.g. IU, 아이유", type="Only this kind of release"
    )
    @app_commands.choices(type=TYPE_CHOICES)
    async def upcoming_command(
        self,
        interaction: discord.Interaction,
        artist: app_commands.Range[str, 1, QUERY_MAX] | None = None,
        type: app_commands.Choice[str] | None = None,
    ) -> None:
        """Releases coming out from now on."""
        lang = lang_of(interaction)
        now = self.bot.now()
        keys, note, who = None, None, None
        if artist is not None:
            found = await search.resolve_one(self.store, artist, ["artist"], accept_typo=True)
            keys, note, who = [found.value], corrected_note(found, artist, lang), found
        type_key = type.value if type is not None else None
        items = await upcoming(
            self.store, now, artist_keys=keys, type_=type_key, limit=UPCOMING_LIMIT
        )
        what = None
        if type_key:
            what = (
                vocab.release_type_title(type_key)
                if lang == "en"
                else wording.release_type_word(type_key, lang)
            )
        if not items:
            await interaction.response.send_message(
                (note + "\n" if note else "") + await self.nothing(who, what, lang),
                ephemeral=True,
            )
            return
        title = t("Coming up: {artist}", lang, artist=who.label) if who else t("Coming up", lang)
        pages = upcoming_pages(
            items, title, lang, footer=t("Times are shown in your own time zone.", lang)
        )
        await send_pages(interaction, pages, content=note)

    async def nothing(self, who: search.Match | None, what: str | None, lang: str) -> str:
        """Say that nothing is scheduled, and what was looked at."""
        if who is not None:
            refreshed = await self.radar.refreshed(who.value)
            looked = (
                t(
                    "the catalog, approved suggestions and MusicBrainz (checked {when})",
                    lang,
                    when=discord_timestamp(refreshed, "R"),
                )
                if refreshed is not None
                else t(
                    "the catalog and approved suggestions (MusicBrainz is checked daily for "
                    "artists a server follows or a member gets alerts about)",
                    lang,
                )
            )
            text = t(
                "Nothing is scheduled for {artist} from now on. I looked at {looked}.",
                lang,
                artist=who.label,
                looked=looked,
            )
        else:
            text = t(
                "Nothing is scheduled from now on. I looked at the catalog, approved "
                "suggestions and MusicBrainz for followed artists.",
                lang,
            )
        if what:
            text += " " + t("(Only releases of type {type}.)", lang, type=what)
        return text

    upcoming_command.autocomplete("artist")(complete_names("artist"))


@app_commands.guild_only()
class Notify(commands.GroupCog, group_name="notify", group_description="Your release alerts."):
    """A member's own alerts: a DM a day before and when a followed artist's release is out."""

    def __init__(self, bot: LinerNotesBot, store: Store) -> None:
        self.bot = bot
        self.store = store
        self.radar = RadarStore(store)
        super().__init__()

    async def closed_note(self, interaction: discord.Interaction, lang: str) -> str:
        """Tell a member once that their DMs were closed when an alert was due."""
        user_id = interaction.user.id
        closed = await self.radar.closed_dm(user_id)
        if closed is None or closed.told_at is not None:
            return ""
        if not await self.radar.mark_closed_dm_told(user_id, self.bot.now()):
            return ""
        return (
            t(
                "⚠️ I could not send you an alert: your DMs are closed to me. Allow direct "
                "messages from this server's members (Privacy Settings), then run "
                "`/notify add` again.",
                lang,
            )
            + "\n"
        )

    @app_commands.command(name="add")
    @app_commands.describe(artist="An artist or group, e.g. IU, 아이유, BTS")
    async def add(
        self, interaction: discord.Interaction, artist: app_commands.Range[str, 1, QUERY_MAX]
    ) -> None:
        """Get a DM when this artist releases something."""
        assert interaction.guild is not None
        lang = lang_of(interaction)
        found = await search.resolve_one(self.store, artist, ["artist"], accept_typo=True)
        note = corrected_note(found, artist, lang)
        warn = await self.closed_note(interaction, lang)
        if not warn:
            await self.radar.forget_closed_dm(interaction.user.id)  # told before: try again
        added = await self.radar.add_alert(
            interaction.guild.id,
            interaction.user.id,
            found.value,
            found.label,
            lang,
            self.bot.now(),
        )
        text = (
            t(
                "You'll get a DM a day before each release of {artist} and when it is out.",
                lang,
                artist=found.label,
            )
            if added
            else t("You already get alerts for {artist}.", lang, artist=found.label)
        )
        await interaction.response.send_message(
            warn + (note + " " if note else "") + text, ephemeral=True
        )

    add.autocomplete("artist")(complete_names("artist"))

    @app_commands.command(name="remove")
    @app_commands.describe(artist="An artist you get alerts for")
    async def remove(
        self, interaction: discord.Interaction, artist: app_commands.Range[str, 1, QUERY_MAX]
    ) -> None:
        """Stop your alerts for an artist."""
        assert interaction.guild is not None
        lang = lang_of(interaction)
        warn = await self.closed_note(interaction, lang)
        mine = await self.radar.alerts_of(interaction.guild.id, interaction.user.id)
        chosen = next((a for a in mine if artist in (a.artist_key, a.label)), None)
        if chosen is None:
            found = await search.resolve_one(self.store, artist, ["artist"], accept_typo=True)
            chosen = next((a for a in mine if a.artist_key == found.value), None)
            label = found.label
        else:
            label = chosen.label
        if chosen is None or not await self.radar.remove_alert(
            interaction.guild.id, interaction.user.id, chosen.artist_key
        ):
            raise UserError(N_("You don't get alerts for {artist}."), artist=label)
        await interaction.response.send_message(
            warn + t("No more alerts for {artist}.", lang, artist=label), ephemeral=True
        )

    @remove.autocomplete("artist")
    async def _remove_complete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild is None:
            return []
        mine = await self.radar.alerts_of(interaction.guild.id, interaction.user.id)
        low = current.casefold()
        return [
            app_commands.Choice(name=choice_name(a.label), value=a.artist_key)
            for a in mine
            if low in a.label.casefold()
        ][:25]

    @app_commands.command(name="list")
    async def list_alerts(self, interaction: discord.Interaction) -> None:
        """Show the artists you get alerts for."""
        assert interaction.guild is not None
        lang = lang_of(interaction)
        warn = await self.closed_note(interaction, lang)
        mine = await self.radar.alerts_of(interaction.guild.id, interaction.user.id)
        if not mine:
            await interaction.response.send_message(
                warn + t("You have no alerts yet: `/notify add` an artist.", lang),
                ephemeral=True,
            )
            return
        embed = make_embed(
            t("Your release alerts", lang),
            "\n".join(f"• {a.label}" for a in mine),
            footer=t("A DM a day before each release and when it is out.", lang),
        )
        await interaction.response.send_message(warn or None, embed=embed, ephemeral=True)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class CalendarCommands(
    commands.GroupCog, group_name="calendar", group_description="The server's release calendar."
):
    """One calendar message per server that the bot keeps up to date."""

    def __init__(self, bot: LinerNotesBot, store: Store, keeper: CalendarKeeper) -> None:
        self.bot = bot
        self.store = store
        self.radar = RadarStore(store)
        self.keeper = keeper
        super().__init__()

    @app_commands.command(name="set")
    @app_commands.describe(
        channel="A text channel (one message) or a forum (one post), kept current"
    )
    @manage_guild_only()
    async def set_calendar(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | discord.ForumChannel,
    ) -> None:
        """Post the release calendar in a channel."""
        assert interaction.guild is not None
        lang = lang_of(interaction)
        needed = (
            posting_permissions(channel)
            if isinstance(channel, discord.ForumChannel)
            else (*MODLOG_PERMISSIONS, "read_message_history")
        )
        missing = missing_bot_permissions(channel, needed)
        if missing:
            raise UserError(
                N_("I can't keep a calendar in {channel}: I'm missing {permissions} there."),
                channel=channel.mention,
                permissions=", ".join(f"**{name}**" for name in missing),
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        old = await self.radar.calendar(interaction.guild.id)
        cal = await self.radar.set_calendar(
            interaction.guild.id, channel.id, calendar_nonce(interaction.guild.id), self.bot.now()
        )
        if old is not None and old.message_id is not None and old.channel_id != channel.id:
            await self.delete_message(interaction.guild, old.channel_id, old.message_id)
        await self.keeper.keep(interaction.guild, cal)
        await interaction.followup.send(
            t(
                "The release calendar is in {channel}. I edit it within a minute of any change "
                "to the schedule of followed artists, and at least daily.",
                lang,
                channel=channel.mention,
            ),
            ephemeral=True,
        )

    @app_commands.command(name="off")
    @manage_guild_only()
    async def off(self, interaction: discord.Interaction) -> None:
        """Stop the release calendar."""
        assert interaction.guild is not None
        lang = lang_of(interaction)
        old = await self.radar.remove_calendar(interaction.guild.id)
        if old is None:
            raise UserError(N_("This server has no release calendar."))
        if old.message_id is not None:
            await self.delete_message(interaction.guild, old.channel_id, old.message_id)
        await interaction.response.send_message(
            t("The release calendar is off.", lang), ephemeral=True
        )

    async def delete_message(self, guild: discord.Guild, channel_id: int, message_id: int) -> None:
        """Delete an old calendar message or forum post (best effort: it may be gone)."""
        channel = guild.get_channel(channel_id)
        if isinstance(channel, discord.ForumChannel):
            post = guild.get_thread(message_id)
            if post is not None:
                try:
                    await post.delete()
                except discord.HTTPException:
                    log.info("old calendar post %s was already gone", message_id)
        elif isinstance(channel, discord.TextChannel):
            try:
                await channel.get_partial_message(message_id).delete()
            except discord.HTTPException:
                log.info("old calendar message %s in %s was already gone", message_id, channel_id)


class Radar(commands.Cog):
    """The radar's loop: alerts, calendars and the daily MusicBrainz refresh."""

    def __init__(
        self,
        bot: LinerNotesBot,
        alerts: AlertSender,
        calendars: CalendarKeeper,
        future: FutureReleases | None,
    ) -> None:
        self.bot = bot
        self.alerts = alerts
        self.calendars = calendars
        self.future = future

    async def cog_load(self) -> None:
        """Start the radar loop."""
        self.radar_loop.start()

    async def cog_unload(self) -> None:
        """Stop the radar loop."""
        self.radar_loop.cancel()

    @tasks.loop(seconds=RADAR_SECONDS)
    async def radar_loop(self) -> None:
        """Run one round; a failed round is logged and the loop carries on."""
        try:
            await self.run_cycle()
        except Exception:
            log.warning("radar round failed; trying again next minute", exc_info=True)

    @radar_loop.before_loop
    async def _before(self) -> None:
        await self.bot.wait_until_ready()

    async def run_cycle(self) -> None:
        """Read followed artists' future releases (once a day each), send due alerts, then
        bring calendars up to date (so a release found this round is on them at once)."""
        if self.future is not None and runs_shard_zero(self.bot):
            try:
                await self.future.run()
            except Exception:
                log.warning("future-release refresh failed", exc_info=True)
        try:
            await self.alerts.run()
        except Exception:
            log.warning("alerts round failed", exc_info=True)
        await self.calendars.run()

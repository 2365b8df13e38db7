"""/config: a server's channels, followed artists, thread options, digest, editors and reset."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.clock import time_zone, time_zone_names
from bot.core.errors import Untrusted, UserError, echo
from bot.core.i18n import LANGUAGES, N_, pick_lang, t
from bot.discord_io import escape
from bot.discord_io.checks import (
    MODLOG_PERMISSIONS,
    manage_guild_only,
    missing_bot_permissions,
    posting_permissions,
)
from bot.discord_io.posting import ModLog
from bot.discord_io.render import (
    ARCHIVE_DURATIONS,
    QUERY_MAX,
    SHORT_MAX,
    Field,
    choice_name,
    make_embed,
)
from bot.discord_io.translator import lang_of, server_lang
from bot.knowledge import search
from bot.store import Store
from bot.store.guilds import GuildStore
from cogs._lookup import complete_names, corrected_note
from cogs.radar._roles import map_artist_role, post_role_menu

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot

log = logging.getLogger(__name__)

ARCHIVE_LABELS = {60: N_("1 hour"), 1440: N_("1 day"), 4320: N_("3 days"), 10080: N_("1 week")}
THREAD_MODES = (N_("per review"), N_("per release"))
SLOWMODE_MAX = 21600  # Discord's maximum rate_limit_per_user
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
CONFIRM_TIMEOUT = 60.0

LABELS = {
    "reviews_channel": N_("Reviews channel"),
    "discussions_channel": N_("Discussions channel"),
    "modlog_channel": N_("Mod-log channel"),
    "archive_minutes": N_("Thread auto-archive"),
    "slowmode_seconds": N_("Thread slowmode"),
    "thread_mode": N_("Review threads"),
    "timezone": N_("Time zone"),
    "digest_channel": N_("Digest channel"),
    "digest_time": N_("Digest time"),
    "editors_role": N_("Editors role"),
    "language": N_("Reply language"),
    "alerts_channel": N_("Release alerts channel"),
}
AUTO_LANGUAGE = "auto"


def show_value(key: str, value: Any, lang: str = "en") -> str:
    """Render a setting's value for people, in ``lang``."""
    if key == "language" and value is None:
        return t("each member's Discord language", lang)
    if value is None:
        return t("not set", lang)
    if key.endswith("_channel"):
        return f"<#{value}>"
    if key == "editors_role":
        return f"<@&{value}>"
    if key == "archive_minutes":
        label = ARCHIVE_LABELS.get(int(value))
        return t(label, lang) if label else t("{n} minutes", lang, n=value)
    if key == "slowmode_seconds":
        return t("off", lang) if not value else t("{n} s", lang, n=value)
    if key == "language":
        return LANGUAGES.get(value, str(value))
    if key == "thread_mode":
        return t(str(value), lang)
    return str(value)


class ConfirmReset(discord.ui.View):
    """Two buttons; only the moderator who asked may press them."""

    def __init__(self, owner_id: int, lang: str = "en") -> None:
        super().__init__(timeout=CONFIRM_TIMEOUT)
        self.owner_id = owner_id
        self.confirmed: bool | None = None
        self.confirm.label = t("Reset everything", lang)
        self.cancel.label = t("Cancel", lang)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Refuse anyone but the moderator who ran /config reset."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            t("Only the moderator who asked for the reset can confirm it.", lang_of(interaction)),
            ephemeral=True,
        )
        return False

    @discord.ui.button(label="Reset everything", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Confirm the reset."""
        self.confirmed = True
        self.stop()
        await interaction.response.defer()

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Keep the settings."""
        self.confirmed = False
        self.stop()
        await interaction.response.defer()


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Config(commands.GroupCog, group_name="config", group_description="Configure Liner Notes."):
    """Per-server configuration; every change is audited and echoed to the mod-log."""

    def __init__(self, bot: LinerNotesBot, store: Store) -> None:
        self.bot = bot
        self.store = store
        self.guilds = GuildStore(store)
        # Not `self.modlog`: that name is the /config modlog command.
        self.mod_log = ModLog(self.guilds)
        super().__init__()

    # -- helpers -------------------------------------------------------------------
    async def _changed(
        self, interaction: discord.Interaction, key: str, value: Any, note: str = ""
    ) -> None:
        assert interaction.guild is not None
        lang = lang_of(interaction)
        entry = await self.guilds.set(interaction.guild.id, key, value, interaction.user.id)
        old, new = show_value(key, entry.old_value, lang), show_value(key, value, lang)
        text = f"{t(LABELS[key], lang)}: {old} → {new}." + (f"\n{note}" if note else "")
        await interaction.response.send_message(text, ephemeral=True)
        await self.echo(
            interaction,
            N_("{setting} set to {value}"),
            setting=lambda lang: t(LABELS[key], lang),
            value=lambda lang: show_value(key, value, lang),
        )

    async def echo(
        self, interaction: discord.Interaction, what: str, **fields: str | Callable[[str], str]
    ) -> None:
        """Tell the mod-log channel who changed what (best effort), in the server's language.

        ``what`` is an English message; a field is text shown as it is (a name), or a function
        of the language that renders it (a setting's label or value).
        """
        guild = interaction.guild
        assert guild is not None
        lang = await self.server_lang(interaction)
        shown = {
            name: value if isinstance(value, str) else value(lang) for name, value in fields.items()
        }
        await self.mod_log.tell(
            guild,
            t(
                "⚙️ {user} changed the configuration: {what}.",
                lang,
                user=interaction.user.mention,
                what=t(what, lang, **shown),
            ),
        )

    async def server_lang(self, interaction: discord.Interaction) -> str:
        """Return the language of this server's own posts (pinned, else its preferred locale)."""
        assert interaction.guild is not None
        config = await self.guilds.config(interaction.guild.id)
        return server_lang(config["language"], interaction.guild)

    def _check_channel(self, channel: discord.abc.GuildChannel, needed: tuple[str, ...]) -> None:
        missing = missing_bot_permissions(channel, needed)
        if missing:
            raise UserError(
                N_(
                    "I can't use {channel} yet: I'm missing {permissions} there. Give me the "
                    "permission (on the channel or my role), then run this again."
                ),
                channel=channel.mention,
                permissions=", ".join(f"**{name}**" for name in missing),
            )

    # -- show ----------------------------------------------------------------------
    @app_commands.command(name="show")
    @manage_guild_only()
    async def show(self, interaction: discord.Interaction) -> None:
        """Show every setting of this server.

        Each value with who changed it last.
        """
        assert interaction.guild is not None
        lang = lang_of(interaction)
        config = await self.guilds.config(interaction.guild.id)
        lines = []
        for key, setting in config.values.items():
            user = f"<@{setting.changed_by}>"
            who = (
                t(" — by {user}, {date}", lang, user=user, date=(setting.changed_at or "")[:10])
                if setting.changed_by
                else (t(" — default", lang) if setting.is_default else "")
            )
            label = LABELS.get(key, key)
            lines.append(f"**{t(label, lang)}**: {show_value(key, setting.value, lang)}{who}")
        follows = await self.guilds.follows(interaction.guild.id)
        fields = [
            Field(
                t("Followed artists", lang),
                escape.names(f.label for f in follows)
                if follows
                else t("none (all artists)", lang),
            )
        ]
        embed = make_embed(t("Liner Notes settings", lang), "\n".join(lines), fields=fields)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # -- channels ------------------------------------------------------------------
    @app_commands.command(name="reviews")
    @app_commands.describe(channel="A text or forum channel")
    @manage_guild_only()
    async def reviews(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | discord.ForumChannel,
    ) -> None:
        """Set the channel new reviews go to."""
        self._check_channel(channel, posting_permissions(channel))
        await self._changed(interaction, "reviews_channel", channel.id)

    @app_commands.command(name="discussions")
    @app_commands.describe(channel="A text or forum channel")
    @manage_guild_only()
    async def discussions(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | discord.ForumChannel,
    ) -> None:
        """Set the channel release discussions open in."""
        self._check_channel(channel, posting_permissions(channel))
        await self._changed(interaction, "discussions_channel", channel.id)

    @app_commands.command(name="modlog")
    @app_commands.describe(channel="A text channel moderators read")
    @manage_guild_only()
    async def modlog(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Set the channel for notices to moderators."""
        self._check_channel(channel, MODLOG_PERMISSIONS)
        await self._changed(interaction, "modlog_channel", channel.id)

    # -- follows -------------------------------------------------------------------
    @app_commands.command(name="follow")
    @app_commands.describe(artist="An artist or group, e.g. IU, 아이유, BTS")
    @manage_guild_only()
    async def follow(
        self, interaction: discord.Interaction, artist: app_commands.Range[str, 1, QUERY_MAX]
    ) -> None:
        """Follow an artist (any spelling or Hangul).

        Follows filter review posts (when a feed asks) and the digest.
        """
        assert interaction.guild is not None
        found = await search.resolve_one(self.store, artist, ["artist"], accept_typo=True)
        note = corrected_note(found, artist, lang_of(interaction))
        added = await self.guilds.follow(
            interaction.guild.id, found.value, found.label, interaction.user.id
        )
        lang = lang_of(interaction)
        if not added:
            await interaction.response.send_message(
                t("This server already follows {artist}.", lang, artist=escape.text(found.label)),
                ephemeral=True,
            )
            return
        await interaction.response.send_message(
            f"{note + ' ' if note else ''}"
            + t("Now following {artist}.", lang, artist=escape.text(found.label)),
            ephemeral=True,
        )
        await self.echo(interaction, N_("followed {artist}"), artist=escape.text(found.label))

    follow.autocomplete("artist")(complete_names("artist"))

    @app_commands.command(name="unfollow")
    @app_commands.describe(artist="An artist this server follows")
    @manage_guild_only()
    async def unfollow(
        self, interaction: discord.Interaction, artist: app_commands.Range[str, 1, QUERY_MAX]
    ) -> None:
        """Stop following an artist."""
        assert interaction.guild is not None
        follows = await self.guilds.follows(interaction.guild.id)
        wanted = next((f for f in follows if artist in (f.artist_key, f.label)), None)
        if wanted is None:
            found = await search.resolve_one(self.store, artist, ["artist"])
            wanted = next((f for f in follows if f.artist_key == found.value), None)
        if wanted is None:
            names = ", ".join(f.label for f in follows) or t("none", lang_of(interaction))
            raise UserError(
                N_("This server does not follow {artist}. It follows: {names}."),
                artist=echo(artist),
                names=Untrusted(names),
            )
        await self.guilds.unfollow(interaction.guild.id, wanted.artist_key, interaction.user.id)
        await interaction.response.send_message(
            t(
                "No longer following {artist}.",
                lang_of(interaction),
                artist=escape.text(wanted.label),
            ),
            ephemeral=True,
        )
        await self.echo(interaction, N_("unfollowed {artist}"), artist=escape.text(wanted.label))

    @unfollow.autocomplete("artist")
    async def unfollow_complete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Suggest the artists this server follows."""
        if interaction.guild is None:
            return []
        needle = current.casefold()
        return [
            app_commands.Choice(name=choice_name(f.label), value=f.artist_key)
            for f in await self.guilds.follows(interaction.guild.id)
            if needle in f.label.casefold()
        ][:25]

    # -- threads -------------------------------------------------------------------
    @app_commands.command(name="threads")
    @app_commands.describe(
        archive="Hide a thread after this long without messages",
        slowmode="Seconds members wait between messages in a thread (0 = off)",
        mode="One thread per review, or reviews join their release's thread",
    )
    @app_commands.choices(
        archive=[app_commands.Choice(name=label, value=m) for m, label in ARCHIVE_LABELS.items()]
    )
    @app_commands.choices(mode=[app_commands.Choice(name=m, value=m) for m in THREAD_MODES])
    @manage_guild_only()
    async def threads(
        self,
        interaction: discord.Interaction,
        archive: app_commands.Choice[int] | None = None,
        slowmode: app_commands.Range[int, 0, SLOWMODE_MAX] | None = None,
        mode: app_commands.Choice[str] | None = None,
    ) -> None:
        """Set how discussion threads behave."""
        assert interaction.guild is not None
        if archive is None and slowmode is None and mode is None:
            raise UserError(N_("Choose at least one of archive, slowmode or mode."))
        changes: list[tuple[str, str, Any]] = []  # (English wording, setting, value)
        guild_id, actor = interaction.guild.id, interaction.user.id
        if archive is not None:
            if archive.value not in ARCHIVE_DURATIONS:
                raise UserError(N_("Archive must be 1 hour, 1 day, 3 days or 1 week."))
            await self.guilds.set(guild_id, "archive_minutes", archive.value, actor)
            changes.append((N_("auto-archive {value}"), "archive_minutes", archive.value))
        if slowmode is not None:
            await self.guilds.set(guild_id, "slowmode_seconds", int(slowmode), actor)
            changes.append((N_("slowmode {value}"), "slowmode_seconds", int(slowmode)))
        if mode is not None:
            if mode.value not in THREAD_MODES:
                raise UserError(N_("Mode must be 'per review' or 'per release'."))
            await self.guilds.set(guild_id, "thread_mode", mode.value, actor)
            changes.append((N_("review threads {value}"), "thread_mode", mode.value))

        def summary(lang: str) -> str:
            return ", ".join(
                t(wording, lang, value=show_value(key, value, lang))
                for wording, key, value in changes
            )

        lang = lang_of(interaction)
        await interaction.response.send_message(
            t("Threads: {summary}.", lang, summary=summary(lang)), ephemeral=True
        )
        server = await self.server_lang(interaction)
        await self.echo(interaction, N_("threads: {summary}"), summary=summary(server))

    # -- release alerts (the radar: cogs/radar) ---------------------------------------
    alerts = app_commands.Group(
        name="alerts", description="Release alerts in a channel, with artist roles."
    )

    @alerts.command(name="channel")
    @app_commands.describe(channel="A text channel; artist roles are pinged there")
    @manage_guild_only()
    async def alerts_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        """Set the channel release alerts go to."""
        self._check_channel(channel, MODLOG_PERMISSIONS)
        await self._changed(interaction, "alerts_channel", channel.id)

    @alerts.command(name="role")
    @app_commands.describe(
        artist="An artist or group, e.g. IU, 아이유", role="The role to ping; leave out to stop"
    )
    @manage_guild_only()
    async def alerts_role(
        self,
        interaction: discord.Interaction,
        artist: app_commands.Range[str, 1, QUERY_MAX],
        role: discord.Role | None = None,
    ) -> None:
        """Ping a role for an artist's releases."""
        assert interaction.guild is not None
        lang = lang_of(interaction)
        found = await search.resolve_one(self.store, artist, ["artist"], accept_typo=True)
        changed = await map_artist_role(
            self.store, interaction.guild, found.value, found.label, role
        )
        text = (
            t(
                "{role} is pinged for {artist}'s releases.",
                lang,
                role=role.mention,
                artist=found.label,
            )
            if role is not None
            else t("No role is pinged for {artist} now.", lang, artist=found.label)
            if changed
            else t("No role was pinged for {artist}.", lang, artist=found.label)
        )
        await interaction.response.send_message(text, ephemeral=True)

    alerts_role.autocomplete("artist")(complete_names("artist"))

    @alerts.command(name="role-menu")
    @app_commands.describe(channel="Where to post the menu")
    @manage_guild_only()
    async def alerts_role_menu(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        """Post a menu members use to pick artist roles."""
        assert interaction.guild is not None
        self._check_channel(channel, MODLOG_PERMISSIONS)
        message = await post_role_menu(
            self.store, interaction.guild, channel, await self.server_lang(interaction)
        )
        await interaction.response.send_message(
            t("Posted the role menu: {link}", lang_of(interaction), link=message.jump_url),
            ephemeral=True,
        )

    # -- time zone and digest --------------------------------------------------------
    @app_commands.command(name="timezone")
    @app_commands.describe(zone="An IANA time zone such as Asia/Seoul or Europe/Paris")
    @manage_guild_only()
    async def timezone(
        self, interaction: discord.Interaction, zone: app_commands.Range[str, 1, SHORT_MAX]
    ) -> None:
        """Set this server's time zone.

        The zone decides release days and the digest's local time.
        """
        name = zone.strip()
        try:
            time_zone(name)
        except ValueError:
            raise UserError(
                N_(
                    "{zone} is not a time zone I know. Use an IANA name like Asia/Seoul, "
                    "America/New_York or Europe/Paris (autocomplete lists them)."
                ),
                zone=f"“{echo(zone)}”",
            ) from None
        await self._changed(interaction, "timezone", name)

    @timezone.autocomplete("zone")
    async def timezone_complete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Suggest IANA zone names."""
        needle = current.strip().casefold().replace(" ", "_")
        zones = sorted(z for z in time_zone_names() if needle in z.casefold())
        zones.sort(key=lambda z: (not z.casefold().startswith(needle), z != "Asia/Seoul"))
        return [app_commands.Choice(name=z, value=z) for z in zones[:25]]

    @app_commands.command(name="digest")
    @app_commands.describe(channel="Where to post it", time="Local time, 24-hour HH:MM, e.g. 09:00")
    @manage_guild_only()
    async def digest(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, SHORT_MAX],
    ) -> None:
        """Post an 'on this day' digest every day."""
        assert interaction.guild is not None
        match = TIME_PATTERN.match(time.strip())
        if match is None:
            raise UserError(
                N_("{time} is not a time: use 24-hour HH:MM, like 09:00 or 21:30."),
                time=f"“{echo(time)}”",
            )
        self._check_channel(channel, MODLOG_PERMISSIONS)
        normalised = f"{int(match.group(1)):02d}:{match.group(2)}"
        await self.guilds.set(
            interaction.guild.id, "digest_channel", channel.id, interaction.user.id
        )
        await self._changed(
            interaction,
            "digest_time",
            normalised,
            t("Posting in {channel}.", lang_of(interaction), channel=channel.mention),
        )

    # -- language ------------------------------------------------------------------
    @app_commands.command(name="language")
    @app_commands.describe(language="One language for everyone, or each member's Discord language")
    @app_commands.choices(
        language=[
            app_commands.Choice(name="each member's Discord language", value=AUTO_LANGUAGE),
            *(app_commands.Choice(name=name, value=code) for code, name in LANGUAGES.items()),
        ]
    )
    @manage_guild_only()
    async def language(
        self, interaction: discord.Interaction, language: app_commands.Choice[str]
    ) -> None:
        """Pin the language the bot answers in here.

        Also the language of its feed posts and digests.
        """
        value = None if language.value == AUTO_LANGUAGE else language.value
        if value is not None and value not in LANGUAGES:
            raise UserError(N_("I do not speak {language}."), language=repr(language.value))
        # Answer in the language just chosen, so the moderator sees it take effect.
        interaction.extras["lang"] = pick_lang(value, interaction.locale)
        await self._changed(interaction, "language", value)

    # -- editors and reset -----------------------------------------------------------
    @app_commands.command(name="editors")
    @app_commands.describe(role="Members with this role may approve suggestions")
    @manage_guild_only()
    async def editors(self, interaction: discord.Interaction, role: discord.Role) -> None:
        """Let a role approve suggested facts."""
        if role.is_default():
            raise UserError(N_("Pick a specific role, not @everyone."))
        await self._changed(interaction, "editors_role", role.id)

    @app_commands.command(name="reset")
    @manage_guild_only()
    async def reset(self, interaction: discord.Interaction) -> None:
        """Put every setting back to its default.

        Only after a confirmation button.
        """
        assert interaction.guild is not None
        lang = lang_of(interaction)
        view = ConfirmReset(interaction.user.id, lang)
        await interaction.response.send_message(
            t(
                "Reset every Liner Notes setting of this server, and unfollow every artist? "
                "Feeds and discussion threads are kept.",
                lang,
            ),
            view=view,
            ephemeral=True,
        )
        timed_out = await view.wait()
        if timed_out or not view.confirmed:
            await interaction.edit_original_response(
                content=t("Nothing was changed.", lang)
                if not timed_out
                else t("Reset timed out; nothing changed.", lang),
                view=None,
            )
            return
        changed = await self.guilds.reset(interaction.guild.id, interaction.user.id)
        await interaction.edit_original_response(
            content=t("Done: every setting is back to its default ({n} changed).", lang, n=changed),
            view=None,
        )
        await self.echo(interaction, N_("reset every setting to its default"))


async def setup(bot: LinerNotesBot) -> None:
    """Load the Config cog."""
    await bot.add_cog(Config(bot, bot.store))

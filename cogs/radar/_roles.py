"""Artist roles: which role a server pings for an artist's release in its alerts channel, and
the self-assign menu members use to take or drop those roles without moderators.

The menu's state lives in its custom_id ("radar:roles:<guild>"), so it keeps working after a
restart; what each option gives is read from the store when a member chooses.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.core.errors import UserError
from bot.core.i18n import N_, t
from bot.discord_io.render import choice_name
from bot.discord_io.translator import lang_of
from bot.store import Store
from bot.store.radar import ArtistRole, RadarStore

log = logging.getLogger(__name__)

MENU_OPTIONS = 25  # Discord's limit of options in one select menu


def menu_view(roles: list[ArtistRole], guild_id: int, lang: str) -> discord.ui.View:
    """Return the persistent view holding the role menu."""
    view = discord.ui.View(timeout=None)
    view.add_item(RoleMenu(guild_id, roles, lang))
    return view


class RoleMenu(
    discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"radar:roles:(?P<guild>\d+)"
):
    """A select menu of a server's artist roles: what a member picks, they have."""

    def __init__(
        self, guild_id: int, roles: list[ArtistRole] | None = None, lang: str = "en"
    ) -> None:
        options = [
            discord.SelectOption(label=choice_name(r.label), value=str(r.role_id))
            for r in (roles or [])[:MENU_OPTIONS]
        ] or [discord.SelectOption(label="—", value="0")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"radar:roles:{guild_id}",
                placeholder=t("Choose the artists you want release pings for", lang),
                min_values=0,
                max_values=len(options),
                options=options,
            )
        )
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> RoleMenu:
        """Rebuild the menu from its custom_id (after a restart too)."""
        return cls(int(match["guild"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Give the chosen artist roles and take the others, then say what changed."""
        lang = lang_of(interaction)
        guild = interaction.guild
        member = interaction.user
        if guild is None or not isinstance(member, discord.Member):
            return
        store: Store = interaction.client.store  # type: ignore[attr-defined]
        mapped = {r.role_id: r for r in await RadarStore(store).artist_roles(guild.id)}
        chosen = {int(v) for v in interaction.data.get("values", [])}  # type: ignore[union-attr]
        have = {r.id for r in member.roles}
        give = sorted(mapped.keys() & (chosen - have))
        take = sorted(mapped.keys() & (have - chosen))
        try:
            for role_id in give:
                await member.add_roles(discord.Object(role_id), reason="release alerts role menu")
            for role_id in take:
                await member.remove_roles(
                    discord.Object(role_id), reason="release alerts role menu"
                )
        except discord.Forbidden:
            await interaction.response.send_message(
                t(
                    "Discord did not let me change your roles: a moderator must give me Manage "
                    "Roles and put my role above the artist roles.",
                    lang,
                ),
                ephemeral=True,
            )
            return
        names = [mapped[r].label for r in give]
        dropped = [mapped[r].label for r in take]
        lines = []
        if names:
            lines.append(
                t("You now get release pings for {artists}.", lang, artists=", ".join(names))
            )
        if dropped:
            lines.append(
                t("No more release pings for {artists}.", lang, artists=", ".join(dropped))
            )
        await interaction.response.send_message(
            "\n".join(lines) or t("Your artist roles are as you chose.", lang), ephemeral=True
        )


async def map_artist_role(
    store: Store, guild: discord.Guild, artist_key: str, label: str, role: discord.Role | None
) -> bool:
    """Map an artist to a role (or unmap with None); False when there was nothing to unmap."""
    radar = RadarStore(store)
    if role is None:
        return await radar.remove_artist_role(guild.id, artist_key)
    if role.is_default() or role.managed:
        raise UserError(N_("{role} cannot be given to members; pick another role."), role=role.name)
    await radar.set_artist_role(guild.id, artist_key, label, role.id)
    return True


async def post_role_menu(
    store: Store, guild: discord.Guild, channel: discord.TextChannel, lang: str
) -> discord.Message:
    """Post the role menu in a channel."""
    roles = await RadarStore(store).artist_roles(guild.id)
    if not roles:
        raise UserError(N_("Map an artist to a role first with `/config alerts role`."))
    return await channel.send(
        t("🔔 Pick the artists whose releases you want to be pinged for.", lang),
        view=menu_view(roles, guild.id, lang),
        allowed_mentions=discord.AllowedMentions.none(),
    )

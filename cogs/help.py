"""/help: every command with its one-line description, read from the command tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.i18n import t, tc
from bot.discord_io.render import make_embed, pack_lines
from bot.discord_io.translator import lang_of
from bot.discord_io.ui import send_pages

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot


def shown_name(command: app_commands.Command | app_commands.Group, lang: str) -> str:
    """Return a command's full name as a member's Discord shows it in ``lang``."""
    context = "group_name" if isinstance(command, app_commands.Group) else "command_name"
    own = tc(context, command.name, lang) or command.name
    return f"{shown_name(command.parent, lang)} {own}" if command.parent else own


def command_lines(tree: app_commands.CommandTree, lang: str = "en") -> list[str]:
    """Return one line per runnable command (subcommands included), sorted by name."""
    lines = []
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Command):
            description = tc("command_description", command.description, lang)
            lines.append(f"`/{shown_name(command, lang)}` — {description or command.description}")
    return sorted(lines)


class Help(commands.Cog):
    """The /help command."""

    def __init__(self, bot: LinerNotesBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """List every command with what it does."""
        lang = lang_of(interaction)
        pages = pack_lines(command_lines(self.bot.tree, lang))
        embeds = [
            make_embed(
                t("Liner Notes commands", lang),
                page,
                footer=t("Facts come with their sources. Options autocomplete as you type.", lang),
            )
            for page in pages
        ]
        await send_pages(interaction, embeds, ephemeral=True)


async def setup(bot: LinerNotesBot) -> None:
    """Load the Help cog."""
    await bot.add_cog(Help(bot))

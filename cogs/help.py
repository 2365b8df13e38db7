"""/help: every command with its one-line description, read from the command tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands
from linernotes.bot.render import make_embed, pack_lines
from linernotes.bot.ui import send_pages

if TYPE_CHECKING:
    from linernotes.bot.client import LinerNotesBot


def command_lines(tree: app_commands.CommandTree) -> list[str]:
    """Return one line per runnable command (subcommands included), sorted by name."""
    lines = []
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Command):
            lines.append(f"`/{command.qualified_name}` — {command.description}")
    return sorted(lines)


class Help(commands.Cog):
    """The /help command."""

    def __init__(self, bot: LinerNotesBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="List every command with what it does.")
    async def help(self, interaction: discord.Interaction) -> None:
        """List every command with what it does."""
        pages = pack_lines(command_lines(self.bot.tree))
        embeds = [
            make_embed(
                "Liner Notes commands",
                page,
                footer="Facts come with their sources. Options autocomplete as you type.",
            )
            for page in pages
        ]
        await send_pages(interaction, embeds, ephemeral=True)


async def setup(bot: LinerNotesBot) -> None:
    """Load the Help cog."""
    await bot.add_cog(Help(bot))

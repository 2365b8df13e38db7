"""A bare discord.py bot answering constants: the baseline bench/bot_bench.py compares with.

It has the two things measured (``/credits`` with an autocompleted ``query``), answers them
without a database, and is configured exactly like Liner Notes (the same intents, the same
two URL overrides, commands synced to one guild). Run by the benchmark as a process:
``python -m bench.bare_bot`` with DISCORD_TOKEN, DISCORD_API_BASE, DISCORD_GATEWAY_URL and
DEV_GUILD_ID in the environment.
"""

from __future__ import annotations

import os

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

# About the size of the real /credits card for "Love wins all".
CARD = "\n".join(
    f"**Role {n}**\n• Love wins all: Person {n} — [Source](https://example.org/{n})"
    for n in range(12)
)
CHOICES = [app_commands.Choice(name=f"Song {n} — Artist", value=f"song:{n}") for n in range(25)]


class BareBot(discord.Client):
    """Slash commands only, constant answers."""

    def __init__(self, guild_id: int) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
        )
        self.tree = app_commands.CommandTree(self)
        self.guild = discord.Object(id=guild_id)

        @self.tree.command(name="credits", description="Constant credits.")
        async def credits(interaction: discord.Interaction, query: str) -> None:
            embed = discord.Embed(title="Love wins all", description=CARD)
            await interaction.response.send_message(embed=embed)

        @credits.autocomplete("query")
        async def credits_complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return CHOICES

    async def setup_hook(self) -> None:
        """Sync the commands to the one guild, as Liner Notes does with DEV_GUILD_ID."""
        self.tree.copy_global_to(guild=self.guild)
        await self.tree.sync(guild=self.guild)


def main() -> None:
    """Run until terminated."""
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    BareBot(int(os.environ["DEV_GUILD_ID"])).run(os.environ["DISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()

"""/ask: answer a question about credits, dates and references, citing sources."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands
from linernotes.bot.embeds import sources_text
from linernotes.bot.errors import NotFoundError
from linernotes.bot.knowledge.ask import answer
from linernotes.bot.render import Field, clip, make_embed
from linernotes.bot.store import Store

QUESTION_MAX = 300


class Ask(commands.Cog):
    """Questions in English or Korean, answered only from the catalog."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @app_commands.command(
        name="ask",
        description="Ask who wrote, directed or appears in a release, in English or Korean.",
    )
    @app_commands.describe(question="e.g. who directed the Love wins all MV? / 봄날 작곡 누구야?")
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, QUESTION_MAX],
    ) -> None:
        """Answer a question from the catalog, or say what it does know."""
        result = await answer(self.store, question)
        if not result.answered:
            raise NotFoundError(result.text, list(result.suggestions))
        embed = make_embed(
            clip(question, 200),
            result.text,
            fields=[Field("Sources", sources_text(result.sources, 5))],
            footer="Answered from the Liner Notes catalog; every fact links its source.",
        )
        await interaction.response.send_message(embed=embed)


async def setup(bot: commands.Bot) -> None:
    """Load the Ask cog."""
    await bot.add_cog(Ask(bot.store))  # type: ignore[attr-defined]

"""/ask: answer a question about credits, dates and references, citing sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands
from linernotes.bot.embeds import sources_text
from linernotes.bot.errors import NotFoundError
from linernotes.bot.knowledge.ask import answer
from linernotes.bot.knowledge.online.lookup import OnlineLookup
from linernotes.bot.render import Field, clip, make_embed
from linernotes.bot.store import Store

if TYPE_CHECKING:
    from linernotes.bot.client import LinerNotesBot

QUESTION_MAX = 300


class Ask(commands.Cog):
    """Questions in English or Korean, answered only from the catalog."""

    def __init__(self, store: Store, online: OnlineLookup | None = None) -> None:
        self.store = store
        self.online = online

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
        if not result.answered and self.online is not None:
            # Not in the store: MusicBrainz may know it. Acknowledge first, then look up.
            await interaction.response.defer(thinking=True)
            result = await answer(self.store, question, self.online)
        if not result.answered:
            raise NotFoundError(result.text, list(result.suggestions))
        embed = make_embed(
            clip(question, 200),
            result.text,
            fields=[Field("Sources", sources_text(result.sources, 5))],
            footer="Answered from the Liner Notes catalog; every fact links its source.",
        )
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed)
        else:
            await interaction.response.send_message(embed=embed)


async def setup(bot: LinerNotesBot) -> None:
    """Load the Ask cog."""
    await bot.add_cog(Ask(bot.store, bot.online))

"""/ask: answer a question about credits, dates and references, citing sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import NotFoundError, Untrusted
from bot.core.i18n import t
from bot.discord_io import escape
from bot.discord_io.embeds import sources_text
from bot.discord_io.render import Field, clip, make_embed
from bot.knowledge.search import Match
from bot.store import Store
from cogs._lookup import Picker

if TYPE_CHECKING:
    from bot.app.client import LinerNotesBot
    from bot.knowledge.ask import Answer
    from bot.knowledge.online.lookup import OnlineLookup

QUESTION_MAX = 300


def answer_embed(question: str, result: Answer) -> discord.Embed:
    """Render an answer: the question as title, the answer, its sources, in its language."""
    lang = result.lang
    return make_embed(
        clip(question, 200),
        escape.text(result.text, multiline=True),
        fields=[Field(t("Sources", lang), sources_text(result.sources, 5, lang))],
        footer=t("Answered from the Liner Notes catalog; every fact links its source.", lang),
    )


class Ask(commands.Cog):
    """Questions in English or Korean, answered only from the catalog."""

    def __init__(self, store: Store, online: OnlineLookup | None = None) -> None:
        self.store = store
        self.online = online

    @app_commands.command(name="ask")
    @app_commands.describe(question="e.g. who directed the Love wins all MV? / 봄날 작곡 누구야?")
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, QUESTION_MAX],
    ) -> None:
        """Ask who wrote, directed or appears in a release, in English or Korean.

        Answers only from stored facts; when it does not know, it says what it does know.
        """
        # Loaded on the first question, not in every bot at start-up (1.4 MiB resident).
        from bot.knowledge.ask import answer

        result = await answer(self.store, question)
        if not result.answered and not result.choices and self.online is not None:
            # Not in the store: MusicBrainz may know it. Acknowledge first, then look up.
            await interaction.response.defer(thinking=True)
            async with self.online.member(interaction.user.id):
                result = await answer(self.store, question, online=self.online)
        # The answer speaks the question's language, whatever the member's client is set to.
        interaction.extras["lang"] = result.lang
        if not result.answered and result.choices:
            await self._pick(interaction, question, result)
            return
        if not result.answered:
            # Korean declines carry their own "혹시 …?"; the English handler adds "Did you mean".
            suggestions = list(result.suggestions) if result.lang == "en" else []
            # The text is already in the question's language; names in it are not ours.
            raise NotFoundError("{text}", suggestions, text=Untrusted(result.text))
        embed = answer_embed(question, result)
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed)
        else:
            await interaction.response.send_message(embed=embed)

    async def _pick(self, interaction: discord.Interaction, question: str, result: Answer) -> None:
        """Ask which entity was meant, then answer the question about the one picked."""

        from bot.knowledge.ask import answer_for

        async def render(match: Match) -> list[discord.Embed]:
            picked = await answer_for(self.store, question, match.value)
            return [answer_embed(question, picked)]

        candidates = [
            Match(c.kind, c.id, c.label, c.name, c.name, "exact", 1.0, 0) for c in result.choices
        ]
        view = Picker(interaction.user.id, candidates, render, result.lang)
        if interaction.response.is_done():
            await interaction.followup.send(escape.text(result.text), view=view, ephemeral=True)
        else:
            await interaction.response.send_message(
                escape.text(result.text), view=view, ephemeral=True
            )


async def setup(bot: LinerNotesBot) -> None:
    """Load the Ask cog."""
    await bot.add_cog(Ask(bot.store, bot.online))

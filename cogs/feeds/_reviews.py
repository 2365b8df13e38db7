"""/reviews: recent reviews, or those about a release or artist, for everyone."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.i18n import t
from bot.discord_io.embeds import reviews_pages
from bot.discord_io.render import QUERY_MAX
from bot.discord_io.translator import lang_of
from bot.discord_io.ui import send_pages
from bot.knowledge import cards, search
from bot.store import Store
from cogs._lookup import complete_names, lookup

REVIEW_KINDS = ("release", "song", "video", "artist")


class Reviews(commands.Cog):
    """/reviews for everyone."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @app_commands.command(name="reviews")
    @app_commands.describe(query="A release, song or artist (optional)")
    async def reviews(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, QUERY_MAX] | None = None,
    ) -> None:
        """Recent reviews, or those about a release or artist."""
        lang = lang_of(interaction)
        if not query:
            found = await cards.recent_reviews(self.store)
            await send_pages(interaction, reviews_pages(t("Recent reviews", lang), found, lang))
            return

        async def render(match: search.Match) -> list[discord.Embed]:
            found = await cards.reviews_about(self.store, match.id)
            return reviews_pages(t("Reviews — {name}", lang, name=match.label), found, lang)

        await lookup(interaction, self.store, query, REVIEW_KINDS, render)

    reviews.autocomplete("query")(complete_names(*REVIEW_KINDS))

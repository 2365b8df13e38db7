"""Helpers shared by the catalog cogs: autocomplete, resolving free text, the picker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import discord
from discord import app_commands
from linernotes.bot.knowledge import search
from linernotes.bot.knowledge.search import AmbiguousError, Match
from linernotes.bot.render import CHOICES, choice_name
from linernotes.bot.store import Store
from linernotes.bot.ui import Pager, send_pages

log = logging.getLogger(__name__)

Render = Callable[[Match], Awaitable[list[discord.Embed]]]
PICK_TIMEOUT = 120.0


async def complete(
    store: Store, current: str, kinds: Sequence[str]
) -> list[app_commands.Choice[str]]:
    """Return autocomplete choices (at most 25, names of at most 100 characters)."""
    matches = await search.resolve(store, current, kinds, limit=CHOICES)
    return [app_commands.Choice(name=choice_name(m.label), value=m.value) for m in matches]


class Picker(discord.ui.View):
    """A select menu of candidates for an ambiguous query; the choice is shown to everyone."""

    def __init__(self, owner_id: int, candidates: Sequence[Match], render: Render) -> None:
        super().__init__(timeout=PICK_TIMEOUT)
        self.owner_id = owner_id
        self.render = render
        self.candidates = {m.value: m for m in candidates[:CHOICES]}
        self.choose.options = [
            discord.SelectOption(label=choice_name(m.label), value=m.value)
            for m in self.candidates.values()
        ]

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the person who asked may pick."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "This menu belongs to whoever ran the command.", ephemeral=True
        )
        return False

    @discord.ui.select(placeholder="Which one did you mean?", min_values=1, max_values=1)
    async def choose(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        """Show the chosen entry."""
        match = self.candidates[select.values[0]]
        self.stop()
        await interaction.response.edit_message(content=f"Showing {match.label}.", view=None)
        pages = await self.render(match)
        if len(pages) > 1:
            view = Pager(pages, self.owner_id)
            view.message = await interaction.followup.send(embed=pages[0], view=view, wait=True)
        else:
            await interaction.followup.send(embeds=pages[:1])


async def lookup(
    interaction: discord.Interaction,
    store: Store,
    query: str,
    kinds: Sequence[str],
    render: Render,
    *,
    prefer: str = "song",
    defer: bool = False,
) -> None:
    """Resolve ``query`` (a picked value or free text) and answer with its pages.

    Ambiguous text gets a picker, never a silent guess; nothing found raises NotFoundError,
    which the tree's error handler turns into an ephemeral "did you mean" reply.
    """
    try:
        match = await search.resolve_one(store, query, kinds, prefer=prefer, accept_typo=True)
    except AmbiguousError as exc:
        view = Picker(interaction.user.id, exc.candidates, render)
        typo = exc.candidates and exc.candidates[0].tier == "fuzzy"
        question = (
            f"Nothing is called “{clean(query)}”. Did you mean one of these?"
            if typo
            else f"“{clean(query)}” matches several entries. Which one?"
        )
        await interaction.response.send_message(question, view=view, ephemeral=True)
        return
    if defer:
        # Rendering will call Discord (opening a thread): acknowledge within 3 s first.
        await interaction.response.defer(thinking=True)
    await send_pages(interaction, await render(match), content=corrected_note(match, query))


def corrected_note(match: Match, query: str) -> str | None:
    """Say which name is shown for a misspelt one ("Showing TWICE for “Twcie”"), else None."""
    if match.tier != "fuzzy":
        return None
    return f"Showing {discord.utils.escape_markdown(match.name)} for “{clean(query)}”."


def clean(text: str) -> str:
    """Return user text safe to echo inside a sentence (no mentions or markdown tricks)."""
    text = " ".join(text.split())[:100]
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))

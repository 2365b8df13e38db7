"""Shared interactive views (paging) used by several cogs."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import discord
from discord.utils import MISSING

from bot.core.i18n import t
from bot.discord_io.translator import lang_of

PAGE_TIMEOUT = 180.0


class Pager(discord.ui.View):
    """Page through embeds with buttons only the invoker can press; stops after a timeout."""

    def __init__(
        self,
        pages: Sequence[discord.Embed],
        owner_id: int,
        *,
        timeout: float = PAGE_TIMEOUT,
        lang: str = "en",
    ) -> None:
        super().__init__(timeout=timeout)
        self.pages = list(pages)
        self.owner_id = owner_id
        self.index = 0
        self.previous.label = t("Previous", lang)
        self.next.label = t("Next", lang)
        self.message: discord.Message | discord.InteractionMessage | None = None
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1
        self.counter.label = f"{self.index + 1} / {len(self.pages)}"

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Let only the person who ran the command turn the pages."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            t(
                "These buttons belong to whoever ran the command; run it yourself to browse.",
                lang_of(interaction),
            ),
            ephemeral=True,
        )
        return False

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Show the previous page."""
        self.index = max(0, self.index - 1)
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="1 / 1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Show the page number (not clickable)."""
        await interaction.response.defer()

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Show the next page."""
        self.index = min(len(self.pages) - 1, self.index + 1)
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    async def on_timeout(self) -> None:
        """Disable the buttons so nobody presses a dead control."""
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is not None:
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)


async def send_pages(
    interaction: discord.Interaction,
    pages: Sequence[discord.Embed],
    *,
    ephemeral: bool = False,
    content: str | None = None,
) -> None:
    """Send one embed, or the first page with a pager when there are several.

    ``content`` is a line above the embed (e.g. which name is shown for a misspelt one).
    """
    # Without a line, no content at all (discord.py leaves out a MISSING argument).
    line = content or MISSING
    if len(pages) <= 1:
        if interaction.response.is_done():
            await interaction.followup.send(line, embeds=list(pages[:1]), ephemeral=ephemeral)
        else:
            await interaction.response.send_message(
                line, embeds=list(pages[:1]), ephemeral=ephemeral
            )
        return
    view = Pager(pages, interaction.user.id, lang=lang_of(interaction))
    if interaction.response.is_done():
        view.message = await interaction.followup.send(
            line, embed=pages[0], view=view, ephemeral=ephemeral, wait=True
        )
    else:
        await interaction.response.send_message(
            line, embed=pages[0], view=view, ephemeral=ephemeral
        )
        view.message = await interaction.original_response()

"""Shared interactive views (paging) used by several cogs."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import discord
from discord.utils import MISSING

from bot.core.i18n import t
from bot.discord_io.card_media import LinkButton
from bot.discord_io.translator import lang_of

PAGE_TIMEOUT = 180.0
LINK_ROW = 1  # link buttons go on the row under the pager's


@dataclass(frozen=True, slots=True)
class Shown:
    """What a command shows: its pages and the link buttons under them."""

    pages: list[discord.Embed]
    links: tuple[LinkButton, ...] = ()


def pages_of(shown: Sequence[discord.Embed] | Shown) -> Shown:
    """Return a renderer's answer as ``Shown`` (renderers may return a plain list of pages)."""
    return shown if isinstance(shown, Shown) else Shown(list(shown))


def add_links(view: discord.ui.View, links: Sequence[LinkButton], row: int | None = None) -> None:
    """Add link buttons (style 5: a URL, no custom id) to a view."""
    for item in links:
        view.add_item(discord.ui.Button(label=item.label, url=item.url, row=row))


def links_view(links: Sequence[LinkButton]) -> discord.ui.View | None:
    """Return a view holding only link buttons, or None when there are none."""
    if not links:
        return None
    view = discord.ui.View(timeout=None)
    add_links(view, links)
    return view


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
            if isinstance(item, discord.ui.Button) and item.url is None:
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
    links: Sequence[LinkButton] = (),
) -> None:
    """Send one embed, or the first page with a pager when there are several.

    ``content`` is a line above the embed (e.g. which name is shown for a misspelt one);
    ``links`` become link buttons under it.
    """
    # Without a line, no content at all (discord.py leaves out a MISSING argument).
    line = content or MISSING
    if len(pages) <= 1:
        view = links_view(links) or MISSING
        if interaction.response.is_done():
            await interaction.followup.send(
                line, embeds=list(pages[:1]), ephemeral=ephemeral, view=view
            )
        else:
            await interaction.response.send_message(
                line, embeds=list(pages[:1]), ephemeral=ephemeral, view=view
            )
        return
    pager = Pager(pages, interaction.user.id, lang=lang_of(interaction))
    add_links(pager, links, LINK_ROW)
    if interaction.response.is_done():
        pager.message = await interaction.followup.send(
            line, embed=pages[0], view=pager, ephemeral=ephemeral, wait=True
        )
    else:
        await interaction.response.send_message(
            line, embed=pages[0], view=pager, ephemeral=ephemeral
        )
        pager.message = await interaction.original_response()

"""Rendering helpers that know Discord's limits; every embed the bot sends is built here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import discord

from bot.discord_io import escape

MESSAGE_LIMIT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER_TEXT = 2048
AUTHOR_NAME = 256
EMBED_TOTAL = 6000
EMBEDS_PER_MESSAGE = 10
THREAD_NAME = 100

# The longest text each kind of string option accepts. Discord's client enforces them, so a
# reply can always quote what was typed (quotes are clipped too: ``errors.echo``).
QUERY_MAX = 100  # a name, or an autocomplete "kind:id" value (choice values are <= 100)
URL_MAX = 1000  # a feed address
SHORT_MAX = 40  # a date, a time, a time zone name
CHOICES = 25
CHOICE_NAME = 100
LINK_BUTTONS = 5  # a row holds 5 buttons: a card's "Listen" links fill one row at most
BUTTON_LABEL = 80
BUTTON_URL = 512
IMAGE_URL = 2048
ArchiveMinutes = Literal[60, 1440, 4320, 10080]
ARCHIVE_DURATIONS: tuple[ArchiveMinutes, ...] = (60, 1440, 4320, 10080)

ACCENT = discord.Colour(0x7B5EA7)
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, at a nearby word boundary, with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def thread_name(title: str) -> str:
    """Return a valid thread name (1-100 characters) for ``title``."""
    name = " ".join(title.split())
    return clip(name, THREAD_NAME) or "Discussion"


def choice_name(text: str) -> str:
    """Return an autocomplete choice name within 1-100 characters."""
    return clip(" ".join(text.split()), CHOICE_NAME) or "?"


def link(label: str, url: str | None) -> str:
    """Return a masked link with an inert label and a percent-encoded URL (``escape.link``)."""
    return escape.link(label, url)


def button_label(text: str) -> str:
    """Return a button label within 1-80 characters."""
    return clip(" ".join(text.split()), BUTTON_LABEL) or "?"


def web_url(url: str | None, limit: int = IMAGE_URL) -> str | None:
    """Return ``url`` if Discord takes it for an image or a link button (http(s), short)."""
    if not url or len(url) > limit or any(c.isspace() for c in url):
        return None
    return url if url.startswith(("https://", "http://")) else None


@dataclass(frozen=True, slots=True)
class Field:
    """One embed field before limits are applied."""

    name: str
    value: str
    inline: bool = False


def make_embed(
    title: str,
    description: str = "",
    *,
    url: str | None = None,
    fields: Iterable[Field] = (),
    footer: str | None = None,
    colour: discord.Colour = ACCENT,
) -> discord.Embed:
    """Build an embed, clipping every part to Discord's limits and the 6000 total."""
    embed = discord.Embed(
        title=clip(title, EMBED_TITLE),
        description=clip(description, EMBED_DESCRIPTION) or None,
        url=url,
        colour=colour,
    )
    if footer:
        embed.set_footer(text=clip(footer, FOOTER_TEXT))
    for field in fields:
        if len(embed.fields) >= EMBED_FIELDS:
            break
        name = clip(field.name, FIELD_NAME) or "\u200b"
        value = clip(field.value, FIELD_VALUE) or "\u200b"
        room = EMBED_TOTAL - len(embed)
        if room < len(name) + 20:
            break
        if len(name) + len(value) > room:
            value = clip(value, room - len(name))
        embed.add_field(name=name, value=value, inline=field.inline)
    return embed


def pack_lines(lines: Iterable[str], limit: int = EMBED_DESCRIPTION) -> list[str]:
    """Group lines into pages of at most ``limit`` characters (long lines are clipped)."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for raw in lines:
        line = clip(raw, limit)
        extra = len(line) + (1 if current else 0)
        if current and size + extra > limit:
            pages.append("\n".join(current))
            current, size = [], 0
            extra = len(line)
        current.append(line)
        size += extra
    if current:
        pages.append("\n".join(current))
    return pages

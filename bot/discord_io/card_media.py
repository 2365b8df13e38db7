"""Pictures and "Listen" buttons on cards: what is shown, with its source, within Discord's limits.

A card shows a picture only when the store has one that was found (never a broken one), and
a button only for a link with a source; the footer names where pictures and links came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.core.i18n import N_, t
from bot.discord_io import escape
from bot.discord_io.render import (
    BUTTON_URL,
    EMBED_TOTAL,
    FOOTER_TEXT,
    LINK_BUTTONS,
    button_label,
    clip,
    web_url,
)
from bot.knowledge.cards import CardImage, ListenLink

LISTEN = N_("Listen on {platform}")
LISTEN_HOST = N_("Listen ({host})")


@dataclass(frozen=True, slots=True)
class LinkButton:
    """A link button: what it says and where it goes."""

    label: str
    url: str


def listen_buttons(links: Sequence[ListenLink], lang: str = "en") -> tuple[LinkButton, ...]:
    """Return at most five buttons, in platform order; an unknown host is named, not guessed."""
    out: list[LinkButton] = []
    for item in links:
        url = web_url(item.url, BUTTON_URL)
        if url is None:
            continue
        if item.platform_name:
            label = t(LISTEN, lang, platform=t(item.platform_name, lang))
        else:
            label = t(LISTEN_HOST, lang, host=item.host)
        out.append(LinkButton(button_label(label), url))
        if len(out) == LINK_BUTTONS:
            break
    return tuple(out)


def _outlets(sources: Sequence[str]) -> str:
    return escape.names(dict.fromkeys(sources))


def media_footer(
    image: CardImage | None,
    links: Sequence[ListenLink],
    lang: str = "en",
    *,
    video_thumbnail: bool = False,
) -> str:
    """Return the footer lines naming where the picture and the links came from ("" if none)."""
    parts: list[str] = []
    if image is not None:
        if image.licence or image.author:
            parts.append(
                t(
                    "Image: {author}, {licence} (Wikimedia Commons)",
                    lang,
                    author=escape.text(image.author)
                    if image.author
                    else t("author not stated", lang),
                    licence=escape.text(image.licence)
                    if image.licence
                    else t("licence not stated", lang),
                )
            )
        elif image.source is not None:
            parts.append(t("Cover: {source}", lang, source=escape.text(image.source.outlet)))
    if video_thumbnail:
        parts.append(t("Thumbnail: YouTube", lang))
    shown = [ln for ln in links if web_url(ln.url, BUTTON_URL)][:LINK_BUTTONS]
    if shown:
        parts.append(
            t("Links: {sources}", lang, sources=_outlets([ln.source.outlet for ln in shown]))
        )
    return " · ".join(parts)


def decorate(
    embed: discord.Embed,
    *,
    image: str | None = None,
    thumbnail: str | None = None,
    footer_extra: str = "",
) -> discord.Embed:
    """Add a picture, a small picture and footer lines to a card, each only when valid."""
    if (url := web_url(image)) is not None:
        embed.set_image(url=url)
    if (url := web_url(thumbnail)) is not None:
        embed.set_thumbnail(url=url)
    text = embed.footer.text or ""
    # The footer counts towards the 6000 characters of an embed: the lines go only if they fit.
    if footer_extra and len(embed) + len(footer_extra) + 1 <= EMBED_TOTAL:
        embed.set_footer(
            text=clip(f"{footer_extra}\n{text}" if text else footer_extra, FOOTER_TEXT)
        )
    return embed

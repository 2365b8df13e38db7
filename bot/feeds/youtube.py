"""YouTube channels as feeds: a channel's address becomes its long-form uploads feed.

A channel ``https://www.youtube.com/channel/UC<id>`` has an uploads playlist ``UU<id>`` and
a long-form-only one ``UULF<id>`` (no Shorts, no live streams); its Atom feed is
``<YOUTUBE_FEED_BASE>?playlist_id=UULF<id>``. A feed address with ``channel_id=UC…`` is
turned into the same playlist; an ``@handle`` page is fetched once and its channel id read.
Links to ``/shorts/`` are dropped from any feed anyway.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.feeds.fetch import FetchResult

_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}
_CHANNEL = re.compile(r"^/channel/UC([A-Za-z0-9_-]{22})/?(?:videos/?|featured/?)?$")
_CHANNEL_ID = re.compile(r"^UC([A-Za-z0-9_-]{22})$")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_HANDLE = re.compile(r"^@[A-Za-z0-9._-]{3,30}$")
_CANONICAL = re.compile(
    r'<link rel="canonical" href="https://www\.youtube\.com/channel/(UC[A-Za-z0-9_-]{22})"'
)
_EXTERNAL_ID = re.compile(r'"externalId":"(UC[A-Za-z0-9_-]{22})"')


def feed_url_for(url: str, base: str) -> str | None:
    """Return the uploads feed of a YouTube channel address (None: not a channel address;
    an ``@handle`` page is resolved by ``resolve_feed_url``).

    Raises ``UserError`` for a legacy ``/c/`` or ``/user/`` address, which names no channel id.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host not in _HOSTS:
        return None
    if parts.path.startswith(("/c/", "/user/")):
        raise UserError(
            N_(
                "That YouTube address names no channel. Open the channel's About page, choose "
                "Share channel > Copy channel ID, and add https://www.youtube.com/channel/UC… "
                "instead."
            )
        )
    if parts.path.startswith("/feeds/videos.xml"):
        channel = (parse_qs(parts.query).get("channel_id") or [""])[0]
        match = _CHANNEL_ID.match(channel)
        return f"{base}?playlist_id=UULF{match.group(1)}" if match else None
    match = _CHANNEL.match(parts.path)
    if match is None:
        return None
    return f"{base}?playlist_id=UULF{match.group(1)}"


def handle_page(url: str, base: str) -> str | None:
    """Return the address of an ``@handle`` page on the YouTube ``base`` points at, or None.

    In production that is www.youtube.com; tests point ``YOUTUBE_FEED_BASE`` at a stand-in,
    which then serves the handle page too.
    """
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower() not in _HOSTS:
        return None
    handle = parts.path.strip("/").split("/")[0]
    if not _HANDLE.match(handle):
        return None
    origin = urlsplit(base)
    return f"{origin.scheme}://{origin.netloc}/{handle}"


def channel_id_in_page(body: bytes) -> str | None:
    """Return the channel id a channel page names as its own (its canonical link), or None."""
    text = body.decode("utf-8", errors="replace")
    match = _CANONICAL.search(text) or _EXTERNAL_ID.search(text)
    return match.group(1) if match else None


async def resolve_feed_url(
    url: str, base: str, fetch: Callable[[str], Awaitable[FetchResult]]
) -> str | None:
    """Return the uploads feed of a YouTube channel address or ``@handle`` page (the page is
    fetched once, here); None for an address that is not YouTube's."""
    direct = feed_url_for(url, base)
    if direct is not None:
        return direct
    page = handle_page(url, base)
    if page is None:
        return None
    result = await fetch(page)
    channel = channel_id_in_page(result.body or b"")
    if channel is None:
        raise UserError(
            N_(
                "I couldn't find the channel on that YouTube page. Add its "
                "https://www.youtube.com/channel/UC… address instead."
            )
        )
    return f"{base}?playlist_id=UULF{channel[2:]}"


def is_short(link: str | None) -> bool:
    """Whether a link is a YouTube Short (they are never posted as music videos)."""
    return bool(link) and "/shorts/" in urlsplit(link or "").path


def video_id(link: str | None) -> str | None:
    """Return the YouTube video id of a watch link, or None."""
    if not link:
        return None
    parts = urlsplit(link)
    host = (parts.hostname or "").lower()
    candidate = None
    if host == "youtu.be":
        candidate = parts.path.strip("/")
    elif host in _HOSTS and parts.path == "/watch":
        candidate = (parse_qs(parts.query).get("v") or [""])[0]
    return candidate if candidate and _VIDEO_ID.match(candidate) else None

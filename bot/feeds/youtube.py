"""YouTube channels as feeds: a channel's address becomes its long-form uploads feed.

A channel ``https://www.youtube.com/channel/UC<id>`` has an uploads playlist ``UU<id>`` and
a long-form-only one ``UULF<id>`` (no Shorts, no live streams); its Atom feed is
``<YOUTUBE_FEED_BASE>?playlist_id=UULF<id>``. A feed address with ``channel_id=UC…`` is
turned into the same playlist. Links to ``/shorts/`` are dropped from any feed anyway.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from bot.errors import UserError
from bot.i18n import N_

_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}
_CHANNEL = re.compile(r"^/channel/UC([A-Za-z0-9_-]{22})/?(?:videos/?|featured/?)?$")
_CHANNEL_ID = re.compile(r"^UC([A-Za-z0-9_-]{22})$")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


def feed_url_for(url: str, base: str) -> str | None:
    """Return the uploads feed of a YouTube channel address (None: not a YouTube channel).

    Raises ``UserError`` for an ``@handle`` address, which names no channel id.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host not in _HOSTS:
        return None
    if parts.path.startswith("/@") or parts.path.startswith("/c/"):
        raise UserError(
            N_(
                "That is a YouTube handle, not a channel address. Open the channel's About page, "
                "choose Share channel > Copy channel ID, and add "
                "https://www.youtube.com/channel/UC… instead."
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

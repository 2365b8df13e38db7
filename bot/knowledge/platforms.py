"""Listening services: which host is which platform, in which order buttons go, what is no button.

A platform is recognised by the address's host only (``open.spotify.com`` is Spotify;
``spotify.example.com`` is not), so an unknown host is never labelled as a known service.
MusicBrainz says what a link is for (its relationship type): "streaming" and "free streaming"
links are listening pages whatever their host, unless the host is a shop or database; a
"purchase for download" link is one only when its host is a listening service (Melon sells
downloads and streams). Wikidata gives identifiers, which become addresses here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from bot.core.i18n import N_


@dataclass(frozen=True, slots=True)
class Platform:
    """A listening service: its key, its name (a message id) and the hosts it answers on."""

    key: str
    name: str
    hosts: tuple[str, ...]


# Button order: the services K-pop fans use most internationally, then the Korean ones, then
# others. Names are message ids (translated where shown: "멜론", "스포티파이").
PLATFORMS: tuple[Platform, ...] = (
    Platform("spotify", N_("Spotify"), ("open.spotify.com", "play.spotify.com")),
    Platform("apple music", N_("Apple Music"), ("music.apple.com",)),
    Platform("youtube music", N_("YouTube Music"), ("music.youtube.com",)),
    Platform("youtube", N_("YouTube"), ("youtube.com", "m.youtube.com", "youtu.be")),
    Platform("melon", N_("Melon"), ("melon.com", "m2.melon.com", "m.app.melon.com")),
    Platform("genie", N_("Genie"), ("genie.co.kr", "mw.genie.co.kr")),
    Platform("bugs", N_("Bugs"), ("music.bugs.co.kr", "m.bugs.co.kr")),
    Platform("flo", N_("FLO"), ("music-flo.com",)),
    Platform("deezer", N_("Deezer"), ("deezer.com",)),
    Platform("tidal", N_("TIDAL"), ("tidal.com", "listen.tidal.com")),
    Platform("amazon music", N_("Amazon Music"), ("music.amazon.com", "music.amazon.co.jp")),
    Platform("vibe", N_("VIBE"), ("vibe.naver.com",)),
    Platform("soundcloud", N_("SoundCloud"), ("soundcloud.com",)),
    Platform("bandcamp", N_("Bandcamp"), ("bandcamp.com",)),
)
ORDER = {p.key: i for i, p in enumerate(PLATFORMS)}
# Hosts that are never a listening page: shops, databases, encyclopedias, video databases.
NOT_LISTENING = (
    "discogs.com",
    "allmusic.com",
    "rateyourmusic.com",
    "musicbrainz.org",
    "wikidata.org",
    "wikipedia.org",
    "imvdb.com",
    "amazon.com",
    "amazon.co.jp",
    "itunes.apple.com",
    "books.apple.com",
    "yesasia.com",
    "ktown4u.com",
    "aladin.co.kr",
    "yes24.com",
    "genius.com",
    "last.fm",
    "setlist.fm",
)
# MusicBrainz URL relationship types that can be listening pages.
STREAMING_TYPES = ("streaming", "free streaming")
PURCHASE_TYPES = ("purchase for download",)
MAX_URL = 512  # Discord's limit on a link button's address


def host_of(url: str) -> str | None:
    """Return the lower-case host of an http(s) address without "www.", or None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def platform_of(url: str) -> Platform | None:
    """Return the listening service an address belongs to, recognised by its host only."""
    host = host_of(url)
    if host is None:
        return None
    for platform in PLATFORMS:
        if any(host == h for h in platform.hosts):
            return platform
    # Sub-domains: only where the service hands them out (artist.bandcamp.com).
    if _under(host, "bandcamp.com"):
        return next(p for p in PLATFORMS if p.key == "bandcamp")
    return None


def is_listening_link(url: str, relation: str) -> bool:
    """Say whether a MusicBrainz URL relationship of this type is a page to listen on."""
    host = host_of(url)
    if host is None or len(url) > MAX_URL:
        return False
    if relation not in STREAMING_TYPES and relation not in PURCHASE_TYPES:
        return False
    if platform_of(url) is not None:
        return True  # a listening service (music.amazon.com, though amazon.com is a shop)
    return relation in STREAMING_TYPES and not any(_under(host, shop) for shop in NOT_LISTENING)


def sort_key(url: str) -> tuple[int, str]:
    """Order links: known platforms in ``PLATFORMS`` order, then other hosts by name."""
    platform = platform_of(url)
    if platform is not None:
        return (ORDER[platform.key], url)
    return (len(PLATFORMS), f"{host_of(url) or ''} {url}")


# Wikidata identifier properties that name a page to listen on, and the address each makes.
# Checked against Wikidata's property pages: Spotify artist/album/track (P1902, P2205, P2207),
# Apple Music artist and album (U.S. version, P2850, P2281), YouTube channel and video (P2397,
# P1651). Melon, Genie, Bugs and FLO come from MusicBrainz's URL relationships.
WIKIDATA_LINKS: dict[str, str] = {
    "P1902": "https://open.spotify.com/artist/{}",
    "P2205": "https://open.spotify.com/album/{}",
    "P2207": "https://open.spotify.com/track/{}",
    "P2850": "https://music.apple.com/us/artist/{}",
    "P2281": "https://music.apple.com/us/album/{}",
    "P2397": "https://www.youtube.com/channel/{}",
    "P1651": "https://www.youtube.com/watch?v={}",
}
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def wikidata_link(prop: str, value: str) -> str | None:
    """Return the listening address a Wikidata identifier names, or None if it is not one."""
    template = WIKIDATA_LINKS.get(prop)
    value = value.strip()
    if template is None or not value or len(value) > 64 or not set(value) <= _ID_CHARS:
        return None
    return template.format(quote(value, safe=""))


def youtube_thumbnail(youtube_id: str) -> str:
    """Return the address of a YouTube video's thumbnail (480x360, served by YouTube)."""
    return f"https://i.ytimg.com/vi/{quote(youtube_id, safe='')}/hqdefault.jpg"


def youtube_id(url: str) -> str | None:
    """Return the video id of a YouTube watch address, or None."""
    host = host_of(url)
    if host is None:
        return None
    parts = urlsplit(url.strip())
    candidate = None
    if host in ("youtube.com", "m.youtube.com", "music.youtube.com") and parts.path == "/watch":
        for pair in parts.query.split("&"):
            key, _, value = pair.partition("=")
            if key == "v":
                candidate = value
    elif host == "youtu.be":
        candidate = parts.path.lstrip("/")
    if candidate and len(candidate) == 11 and set(candidate) <= _ID_CHARS:
        return candidate
    return None

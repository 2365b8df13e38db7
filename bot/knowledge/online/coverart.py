"""The Cover Art Archive's JSON index (``/release/<mbid>``, ``/release-group/<mbid>``).

The index lists a release's images: ``{"images": [{"front", "back", "types", "image",
"thumbnails": {"250", "500", "1200", "small", "large"}, …}], "release": "<MusicBrainz URL>"}``.
Only the image flagged front is used, as its 500 px thumbnail; a 404 means the archive has no
art for that id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.knowledge.online.http import UNREADABLE, JsonService, ServiceUnavailable

DEFAULT_BASE_URL = "https://coverartarchive.org"
SITE = "https://musicbrainz.org"
KINDS = ("release", "release-group")
_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True, slots=True)
class FrontCover:
    """A release's front image: the 500 px thumbnail, the full image, the release it is of."""

    thumbnail: str
    image: str | None
    release_url: str | None


def _https(url: Any) -> str | None:
    """Return an image address as https (the archive's index gives http ones), or None."""
    if not isinstance(url, str) or not re.match(r"^https?://[^\s]+$", url):
        return None
    return "https://" + url.split("://", 1)[1] if url.startswith("http://") else url


def front_cover(index: Any) -> FrontCover | None:
    """Return the front image of an index document, or None when it has none."""
    images = index.get("images") if isinstance(index, dict) else None
    if not isinstance(images, list):
        raise ValueError("no images list")
    for image in images:
        if not isinstance(image, dict):
            continue
        raw_types = image.get("types")
        types: list[Any] = raw_types if isinstance(raw_types, list) else []
        if image.get("front") is not True and "Front" not in types:
            continue
        raw_thumbnails = image.get("thumbnails")
        thumbnails: dict[str, Any] = raw_thumbnails if isinstance(raw_thumbnails, dict) else {}
        thumbnail = _https(thumbnails.get("500")) or _https(thumbnails.get("large"))
        if thumbnail is None:
            continue
        release = index.get("release")
        return FrontCover(
            thumbnail, _https(image.get("image")), release if isinstance(release, str) else None
        )
    return None


class CoverArtClient(JsonService):
    """Read the Cover Art Archive's index of a release or release group."""

    name = "Cover Art Archive"
    # The archive answers an index request with a redirect to archive.org, which serves it.
    redirect_hosts = ("archive.org",)

    async def front(self, kind: str, mbid: str) -> FrontCover | None:
        """Return the front cover of a release (group), or None when the archive has none.

        A 404 (no art, or no such id) and an index without a front image both give None.
        """
        if kind not in KINDS:
            raise ValueError(f"cannot ask the Cover Art Archive about {kind!r}")
        if not _MBID.match(mbid):
            raise ValueError(f"{mbid!r} is not a MusicBrainz id")
        index = await self.get_json(f"{self.base_url}/{kind}/{mbid}", {})
        if index is None:
            return None
        try:
            return front_cover(index)
        except ValueError:
            raise ServiceUnavailable(UNREADABLE, service=self.name) from None

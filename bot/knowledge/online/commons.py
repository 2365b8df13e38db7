"""Wikimedia Commons' action API: a file's 500 px thumbnail, page, licence and author.

``action=query&prop=imageinfo&iiprop=url|extmetadata&iiurlwidth=500&formatversion=2``
answers ``{"query": {"pages": [{"title": "File:…", "imageinfo": [{"thumburl",
"descriptionurl", "extmetadata": {"LicenseShortName": {"value"}, "Artist": {"value"}}}]}]}}``;
a file Commons does not have comes back as a page with ``"missing": true``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.knowledge.online.http import UNREADABLE, JsonService, ServiceUnavailable

DEFAULT_BASE_URL = "https://commons.wikimedia.org/w/api.php"
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class CommonsImage:
    """A Commons file as a card shows it: thumbnail, file page, licence and author."""

    thumbnail: str
    page_url: str
    licence: str | None
    author: str | None


def plain(value: Any, limit: int = 200) -> str | None:
    """Return Commons metadata (HTML) as one line of plain text, or None when empty."""
    if not isinstance(value, str):
        return None
    import html  # its entity table (0.5 MiB) loads with the first picture, not at start-up

    text = " ".join(html.unescape(_TAG.sub(" ", value)).split())
    return text[:limit] or None


def _meta(info: dict[str, Any], key: str) -> Any:
    meta = info.get("extmetadata")
    field = meta.get(key) if isinstance(meta, dict) else None
    return field.get("value") if isinstance(field, dict) else None


def image_from_answer(answer: Any) -> CommonsImage | None:
    """Read an imageinfo answer; None when the file is missing or has no thumbnail."""
    pages = (answer.get("query") or {}).get("pages") if isinstance(answer, dict) else None
    if not isinstance(pages, list):
        raise ValueError("no pages list")
    for page in pages:
        if not isinstance(page, dict) or page.get("missing") or page.get("invalid"):
            continue
        infos = page.get("imageinfo")
        info = infos[0] if isinstance(infos, list) and infos else None
        if not isinstance(info, dict):
            continue
        thumb, described = info.get("thumburl"), info.get("descriptionurl")
        if not (isinstance(thumb, str) and thumb.startswith("https://")):
            continue
        if not (isinstance(described, str) and described.startswith("https://")):
            continue
        return CommonsImage(
            thumb,
            described,
            plain(_meta(info, "LicenseShortName"), 80),
            plain(_meta(info, "Artist")),
        )
    return None


class CommonsClient(JsonService):
    """Ask Wikimedia Commons about files."""

    name = "Wikimedia Commons"

    async def image(self, filename: str) -> CommonsImage | None:
        """Return a file's thumbnail, page, licence and author; None if Commons lacks it."""
        name = filename.strip()
        if not name or "|" in name or len(name) > 240:
            return None
        title = name if name.startswith("File:") else f"File:{name}"
        answer = await self.get_json(
            self.base_url,
            {
                "action": "query",
                "titles": title,
                "prop": "imageinfo",
                "iiprop": "url|extmetadata",
                "iiurlwidth": "500",
                "iiextmetadatafilter": "LicenseShortName|Artist",
                "format": "json",
                "formatversion": "2",
            },
        )
        if answer is None:
            return None
        try:
            return image_from_answer(answer)
        except ValueError:
            raise ServiceUnavailable(UNREADABLE, service=self.name) from None

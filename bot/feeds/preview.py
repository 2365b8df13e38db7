"""``linernotes feed preview``: fetch or read a feed and show what the bot would post."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from linernotes.bot.feeds.errors import BadFeedURL, FeedError, FeedTooLarge
from linernotes.bot.feeds.fetch import MAX_BODY_BYTES, Fetcher
from linernotes.bot.feeds.parse import FeedEntry, parse_feed
from linernotes.bot.feeds.poller import Linker, entity_json, link_entry

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _looks_like_url(value: str) -> bool:
    return bool(_SCHEME.match(value.strip())) or value.lower().startswith(("http:", "https:"))


def _read_file(path: Path, max_bytes: int) -> bytes:
    path = path.expanduser()
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise FeedError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise FeedError(f"{path} is a directory, not a feed file") from None
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise FeedTooLarge(f"feed is larger than {max_bytes // (1024 * 1024)} MB")
    return data


def entry_dict(entry: FeedEntry, *, outlet: str, linked: list[Any] | None = None) -> dict[str, Any]:
    """Return one entry as the JSON object ``feed preview`` prints."""
    data: dict[str, Any] = {
        "key": entry.key,
        "title": entry.title,
        "link": entry.link,
        "author": entry.author,
        "outlet": outlet,
        "published": entry.published.isoformat() if entry.published else None,
        "summary": entry.summary_markdown,
        "image_url": entry.image_url,
        "is_preview": entry.is_preview,
    }
    if linked is not None:
        data["entities"] = [entity_json(item) for item in linked]
    return data


async def preview(
    path_or_url: str,
    *,
    allow_private: bool,
    linker: Linker | None = None,
    fetcher: Fetcher | None = None,
) -> list[dict[str, Any]]:
    """Fetch (URL) or read (file path) a feed and return its entries as JSON-ready dicts.

    Entries are in feed order. Raises ``FeedError`` with a message for the user on any bad
    input: an unreachable or private URL, a missing file, a non-feed, a hostile document.
    """
    if _looks_like_url(path_or_url):
        if not path_or_url.lower().startswith(("http://", "https://")):
            raise BadFeedURL("only http:// and https:// feed addresses are supported")
        own = fetcher is None
        client = fetcher or Fetcher(allow_private=allow_private)
        try:
            result = await client.fetch(path_or_url)
        finally:
            if own:
                await client.close()
        data, base = result.body or b"", result.final_url
    else:
        data = await asyncio.to_thread(_read_file, Path(path_or_url), MAX_BODY_BYTES)
        base = None
    parsed = await parse_feed(data, base_url=base)
    outlet = parsed.title or path_or_url
    return [
        entry_dict(
            entry,
            outlet=outlet,
            linked=list(link_entry(linker, entry)) if linker is not None else None,
        )
        for entry in parsed.entries
    ]

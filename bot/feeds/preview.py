"""``linernotes feed preview``: fetch or read a feed and show what the bot would post."""

from __future__ import annotations

import asyncio
import re
import textwrap
from pathlib import Path
from typing import Any

from bot.feeds.errors import BadFeedURL, FeedError, FeedTooLarge
from bot.feeds.fetch import MAX_BODY_BYTES, Fetcher
from bot.feeds.parse import parse_feed
from bot.feeds.poller import Linker, link_entry, review_post

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


async def preview(
    path_or_url: str,
    *,
    allow_private: bool,
    linker: Linker | None = None,
    fetcher: Fetcher | None = None,
) -> list[dict[str, Any]]:
    """Fetch (URL) or read (file path) a feed and return its posts (``ReviewPost``) as JSON.

    Entries are in feed order; ``entities`` lists what the linker found (empty without
    one). Raises ``FeedError`` with a message for the user on any bad input: an unreachable
    or private URL, a missing file, a non-feed, a hostile document.
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
        review_post(
            entry, outlet=outlet, feed_url=path_or_url, linked=link_entry(linker, entry)
        ).to_json()
        for entry in parsed.entries
    ]


def render_preview(entries: list[dict[str, Any]], width: int = 78) -> list[str]:
    """Return ``preview``'s posts as text for a person: one block per post, in feed order."""
    if not entries:
        return ["The feed has no entries: nothing would be posted."]
    lines = [f"{len(entries)} post(s) would be made:"]
    for number, entry in enumerate(entries, start=1):
        lines.append("")
        lines.append(f"{number}. {entry['title'] or '(no title)'}")
        byline = [entry["outlet"]]
        if entry.get("author"):
            byline.append(f"by {entry['author']}")
        if entry.get("published"):
            byline.append(str(entry["published"]).replace("T", " ").replace("+00:00", " UTC"))
        if entry.get("is_preview"):
            byline.append("preview")
        lines.append("   " + " · ".join(byline))
        if entry.get("link"):
            lines.append(f"   {entry['link']}")
        summary = " ".join(str(entry.get("summary_text") or "").split())
        if summary:
            lines += textwrap.wrap(
                textwrap.shorten(summary, 400, placeholder=" …"),
                width,
                initial_indent="   ",
                subsequent_indent="   ",
            )
        names = [e.get("label") or e.get("name") or e.get("id") for e in entry["entities"]]
        lines.append("   names: " + (", ".join(names) if names else "nothing in the catalog"))
    return lines

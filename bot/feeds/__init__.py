"""Fetching and parsing feeds, and planning polls: no discord imports.

The names below are loaded on first use (PEP 562), so code that needs one small module of
this package (``bot.feeds.text`` for cleaning text) does not import aiohttp and feedparser.
``preview`` is not among them: a name that is also a submodule's would turn into the module
once the submodule is imported; take it from ``bot.feeds.preview``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.feeds.errors import FeedError, FeedHTTPError
    from bot.feeds.fetch import USER_AGENT, Fetcher, FetchResult
    from bot.feeds.parse import FeedEntry, ParsedFeed, parse_feed
    from bot.feeds.poller import PollReport, backfill, follow, poll_once
    from bot.feeds.urls import AddressPolicy, canonical_url, validate_url

# Each public name and the module that defines it.
_HOMES = {
    "FeedError": "errors",
    "FeedHTTPError": "errors",
    "USER_AGENT": "fetch",
    "Fetcher": "fetch",
    "FetchResult": "fetch",
    "FeedEntry": "parse",
    "ParsedFeed": "parse",
    "parse_feed": "parse",
    "PollReport": "poller",
    "backfill": "poller",
    "follow": "poller",
    "poll_once": "poller",
    "AddressPolicy": "urls",
    "canonical_url": "urls",
    "validate_url": "urls",
}

__all__ = [
    "USER_AGENT",
    "AddressPolicy",
    "FeedEntry",
    "FeedError",
    "FeedHTTPError",
    "FetchResult",
    "Fetcher",
    "ParsedFeed",
    "PollReport",
    "backfill",
    "canonical_url",
    "follow",
    "parse_feed",
    "poll_once",
    "validate_url",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)

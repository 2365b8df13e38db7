"""Fetching and parsing feeds, and planning polls: no discord imports."""

from bot.feeds.errors import FeedError, FeedHTTPError
from bot.feeds.fetch import USER_AGENT, Fetcher, FetchResult
from bot.feeds.parse import FeedEntry, ParsedFeed, parse_feed
from bot.feeds.poller import PollReport, backfill, follow, poll_once
from bot.feeds.preview import preview
from bot.feeds.urls import AddressPolicy, canonical_url, validate_url

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
    "preview",
    "validate_url",
]

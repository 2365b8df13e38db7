"""Fetching and parsing feeds, and planning polls: no discord imports."""

from linernotes.bot.feeds.errors import FeedError, FeedHTTPError
from linernotes.bot.feeds.fetch import USER_AGENT, Fetcher, FetchResult
from linernotes.bot.feeds.parse import FeedEntry, ParsedFeed, parse_feed
from linernotes.bot.feeds.poller import PollReport, backfill, follow, poll_once
from linernotes.bot.feeds.preview import preview
from linernotes.bot.feeds.urls import AddressPolicy, canonical_url, validate_url

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

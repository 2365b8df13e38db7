"""Feed errors: each message is written to be shown to a moderator (English, ``N_``-marked
with ``{fields}``, so it is shown in the moderator's language)."""

from __future__ import annotations

from datetime import datetime

from bot.core.errors import UserError


class FeedError(UserError):
    """A feed could not be fetched or read; ``kind`` names the problem for status displays."""

    kind = "error"


class BadFeedURL(FeedError):
    """The address is not an http(s) URL we are willing to fetch."""

    kind = "bad_url"


class PrivateAddressError(FeedError):
    """The host resolves to a loopback, private, link-local or otherwise internal address."""

    kind = "private_address"


class UnreachableHost(FeedError):
    """The host could not be resolved or connected to, or the connection broke."""

    kind = "unreachable"


class FeedTimeout(FeedError):
    """The server took too long to answer."""

    kind = "timeout"


class FeedTooLarge(FeedError):
    """The body is over the size cap."""

    kind = "too_large"


class TooManyRedirects(FeedError):
    """The server redirected more often than we follow."""

    kind = "redirects"


class NotAFeed(FeedError):
    """The body is not RSS or Atom."""

    kind = "not_a_feed"


class HostileFeed(FeedError):
    """The document declares XML entities, which feeds never need and attacks use."""

    kind = "hostile"


class FeedHTTPError(FeedError):
    """The server answered with an error status; ``retry_after`` is when we may ask again."""

    kind = "http_status"

    def __init__(
        self,
        message: str,
        *,
        status: int,
        retry_after: datetime | None = None,
        **fields: object,
    ) -> None:
        super().__init__(message, status=status, **fields)
        self.status = status
        self.retry_after = retry_after

"""Fetch a feed over HTTP: SSRF-checked and pinned, capped, conditional, redirect-aware."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import ipaddress
import logging
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.core.clock import Clock, utc_now
from bot.core.i18n import N_
from bot.core.useragent import user_agent
from bot.feeds.errors import (
    BadFeedURL,
    FeedError,
    FeedHTTPError,
    FeedTimeout,
    FeedTooLarge,
    PrivateAddressError,
    TooManyRedirects,
    UnreachableHost,
)
from bot.feeds.urls import AddressPolicy, validate_url

log = logging.getLogger(__name__)

# The default when no operator contact is configured; the bot passes user_agent(its contact).
USER_AGENT = user_agent(None)
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = timedelta(days=1)
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one successful fetch (200 with a body, or 304 not modified)."""

    url: str
    final_url: str
    status: int
    body: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str | None = None

    @property
    def not_modified(self) -> bool:
        """Whether the server said the feed is unchanged since our validators."""
        return self.status == 304


class _BlockedAddress(OSError):
    """Raised inside the resolver; an OSError so aiohttp passes it through as the cause."""

    def __init__(self, error: PrivateAddressError) -> None:
        super().__init__(str(error))
        self.error = error


class _CheckingResolver(AbstractResolver):
    """Resolve with the loop's getaddrinfo and return only addresses the policy admits.

    aiohttp connects to exactly the addresses a resolver returns, so checking here pins the
    connection to a checked address: a second, rebinding DNS answer is never consulted.
    """

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, family=family, flags=socket.AI_ADDRCONFIG
        )
        allowed: list[ResolveResult] = []
        refusal: PrivateAddressError | None = None
        for fam, _type, proto, _canon, sockaddr in infos:
            address = str(sockaddr[0])
            try:
                self._policy.check(host, address)
            except PrivateAddressError as exc:
                refusal = refusal or exc
                continue
            allowed.append(
                {
                    "hostname": host,
                    "host": address,
                    "port": int(sockaddr[1]),
                    "family": fam,
                    "proto": proto,
                    "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                }
            )
        if not allowed:
            if refusal is not None:
                raise _BlockedAddress(refusal)
            raise OSError(f"no address found for {host}")
        return allowed

    async def close(self) -> None:
        return None


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """Turn a Retry-After header (seconds or HTTP date) into an aware time, capped at a day."""
    if not value:
        return None
    value = value.strip()
    when: datetime | None = None
    if value.isdigit():
        when = now + timedelta(seconds=int(value))
    else:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if parsed is None:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        when = parsed.astimezone(UTC)
    return max(now, min(when, now + MAX_RETRY_AFTER))


class Fetcher:
    """An HTTP client for feeds; one per bot (or per poll cycle), used concurrently.

    ``fetch`` raises a ``FeedError`` subclass for every expected failure, with a message fit
    for a moderator.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        policy: AddressPolicy | None = None,
        total_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_bytes: int = MAX_BODY_BYTES,
        max_redirects: int = MAX_REDIRECTS,
        user_agent: str = USER_AGENT,
        clock: Clock = utc_now,
        connection_limit: int = 64,
    ) -> None:
        self.policy = policy or AddressPolicy(allow_private=allow_private)
        self.total_timeout = total_timeout
        self.connect_timeout = connect_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.clock = clock
        self._connection_limit = connection_limit
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=_CheckingResolver(self.policy),
                limit=self._connection_limit,
                ttl_dns_cache=60,
                family=socket.AF_UNSPEC,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(
                    total=self.total_timeout,
                    connect=self.connect_timeout,
                    sock_connect=self.connect_timeout,
                ),
                headers={"User-Agent": self.user_agent, "Accept": _ACCEPT},
                auto_decompress=True,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _check_literal(self, url: URL) -> None:
        # aiohttp skips the resolver for IP literals, so they are checked here.
        host = url.raw_host or ""
        try:
            ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        except ValueError:
            return
        self.policy.check(host, host.strip("[]"))

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """Fetch ``url``, sending the validators; return the body or a 304."""
        start = validate_url(url)
        try:
            async with asyncio.timeout(self.total_timeout):
                return await self._fetch(start, etag, last_modified)
        except TimeoutError:
            raise FeedTimeout(
                N_("{host} did not answer within {seconds} seconds"),
                host=_host(start),
                seconds=f"{self.total_timeout:g}",
            ) from None

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        session = self._get_session()
        try:
            current = URL(url, encoded=False)
        except (ValueError, TypeError):
            raise BadFeedURL(N_("{url} is not a valid web address"), url=repr(url)) from None
        headers: dict[str, str] = {"Accept-Encoding": "gzip, deflate"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for hop in range(self.max_redirects + 1):
            self._check_literal(current)
            try:
                async with session.get(
                    current, headers=headers, allow_redirects=False, max_line_size=16384
                ) as resp:
                    if resp.status in _REDIRECT_STATUSES:
                        location = resp.headers.get("Location")
                        if not location:
                            raise FeedHTTPError(
                                N_("{host} answered {status} without a Location"),
                                status=resp.status,
                                host=_host(str(current)),
                            )
                        try:
                            target = current.join(URL(location))
                        except ValueError:
                            raise BadFeedURL(
                                N_("{host} redirected to an invalid address"),
                                host=_host(str(current)),
                            ) from None
                        if hop == self.max_redirects:
                            break
                        current = URL(validate_url(str(target)), encoded=True)
                        continue
                    return await self._finish(url, current, resp, etag, last_modified)
            except FeedError:
                raise
            except aiohttp.ClientConnectorDNSError as exc:
                blocked = _find_blocked(exc)
                if blocked is not None:
                    raise blocked from None
                raise UnreachableHost(
                    N_("could not find the host {host}"), host=_safe_host(current)
                ) from None
            except aiohttp.ClientConnectorCertificateError:
                raise UnreachableHost(
                    N_("{host} presented an invalid TLS certificate"), host=_safe_host(current)
                ) from None
            except aiohttp.ClientConnectorError:
                raise UnreachableHost(
                    N_("could not connect to {host}"), host=_safe_host(current)
                ) from None
            except aiohttp.InvalidURL:
                raise BadFeedURL(
                    N_("{url} is not a valid web address"), url=repr(str(current))
                ) from None
            except (aiohttp.ClientError, ValueError) as exc:
                blocked = _find_blocked(exc)
                if blocked is not None:
                    raise blocked from None
                detail = type(exc).__name__
                raise UnreachableHost(
                    N_("the connection to {host} failed ({detail})"),
                    host=_safe_host(current),
                    detail=detail,
                ) from None
        raise TooManyRedirects(
            N_("{host} redirected more than {n} times; use the final address of the feed"),
            host=_host(url),
            n=self.max_redirects,
        )

    async def _finish(
        self,
        url: str,
        current: URL,
        resp: aiohttp.ClientResponse,
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        new_etag = resp.headers.get("ETag") or None
        new_modified = resp.headers.get("Last-Modified") or None
        if resp.status == 304:
            return FetchResult(
                url, str(current), 304, None, new_etag or etag, new_modified or last_modified
            )
        if resp.status in (429, 503):
            retry_after = parse_retry_after(resp.headers.get("Retry-After"), self.clock())
            if retry_after:
                raise FeedHTTPError(
                    N_(
                        "{host} answered HTTP {status} ({reason}); it asked us to wait until "
                        "{until} UTC"
                    ),
                    status=resp.status,
                    retry_after=retry_after,
                    host=_host(str(current)),
                    reason=resp.reason or "busy",
                    until=f"{retry_after:%Y-%m-%d %H:%M}",
                )
            raise FeedHTTPError(
                N_("{host} answered HTTP {status} ({reason})"),
                status=resp.status,
                host=_host(str(current)),
                reason=resp.reason or "busy",
            )
        if not 200 <= resp.status < 300:
            raise FeedHTTPError(
                N_("{host} answered HTTP {status} ({reason})"),
                status=resp.status,
                host=_host(str(current)),
                reason=resp.reason or "error",
            )
        length = resp.content_length
        if length is not None and length > self.max_bytes:
            raise FeedTooLarge(TOO_LARGE, mb=self.max_bytes // (1024 * 1024))
        body = bytearray()
        async for chunk in resp.content.iter_chunked(65536):
            body += chunk
            if len(body) > self.max_bytes:
                # Counted after decompression, so a small gzip bomb is caught too.
                raise FeedTooLarge(TOO_LARGE, mb=self.max_bytes // (1024 * 1024))
        return FetchResult(
            url,
            str(current),
            resp.status,
            bytes(body),
            new_etag,
            new_modified,
            resp.headers.get("Content-Type"),
        )


TOO_LARGE = N_("feed is larger than {mb} MB")


def _host(url: str) -> str:
    with contextlib.suppress(ValueError):
        return _safe_host(URL(url)) or url
    return url


def _safe_host(url: URL) -> str:
    # yarl decodes IDNA lazily and raises on bad labels ("xn--"): fall back to the raw form.
    try:
        return url.host or ""
    except ValueError:
        return url.raw_host or ""


def _find_blocked(exc: BaseException) -> PrivateAddressError | None:
    seen: set[int] = set()
    current: Any = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _BlockedAddress):
            return current.error
        os_error = getattr(current, "os_error", None)
        if isinstance(os_error, _BlockedAddress):
            return os_error.error
        current = current.__cause__ or current.__context__
    return None

"""A polite, bounded JSON client: one shared queue per service, a User-Agent, short timeouts.

What a service can cost us is bounded here, at the client boundary (CONTRIBUTING.md,
"Errors"): a ``Retry-After`` holds the queue for at most ``MAX_HOLD`` seconds, and while a
hold lasts a question is answered at once ("try again in N minutes") instead of queueing; a
body is read as a counted stream, decompressed by us with a cap, and refused past
``MAX_BODY`` bytes ("too large to read"); a large body is parsed off the event loop; a
redirect is followed only within the same origin (scheme, host, port), so the User-Agent
never travels to another host and nothing from it is stored as the service's; and one
question spends at most a budget of requests (``RequestBudget``) across every service.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import json
import logging
import math
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from yarl import URL

from bot.core.clock import utc_now
from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.knowledge.online.limiter import Held, RateLimiter, shared_limiter

if TYPE_CHECKING:
    import aiohttp


def _aiohttp() -> ModuleType:
    """Import aiohttp on first use: a command that never goes online never pays for it."""
    import aiohttp

    return aiohttp


log = logging.getLogger(__name__)

MAX_BODY = 5 * 1024 * 1024  # bytes of a decompressed answer; a real ws/2 page is under 1 MB
MAX_HOLD = 60.0  # seconds: the longest Retry-After we honour (a day-long one is a fault)
OFF_LOOP_PARSE = 256 * 1024  # bytes above which JSON is parsed in a worker thread
MAX_REDIRECTS = 3
REQUESTS_PER_QUESTION = 10  # MusicBrainz and Wikidata together, for one member's question
_CHUNK = 64 * 1024


class ServiceUnavailable(UserError):
    """A web service did not answer usefully; the message says so and when to try again."""


class ServiceBusy(ServiceUnavailable):
    """The service asked us to wait; a question is answered at once instead of queueing."""


class BudgetSpent(ServiceUnavailable):
    """This question has used all the requests it may make."""


UNREADABLE = N_("{service} sent an answer I could not read; try again in a minute.")
TOO_LARGE = N_("{service} sent an answer too large to read; try again later.")
BUSY = N_("{service} asked me to wait; try again in {minutes} min.")
ELSEWHERE = N_("{service} sent me to another site, which I do not follow; try again later.")
SPENT = N_("That question needs more lookups than I make for one question.")


class RequestBudget:
    """How many requests one question may still make (shared by every service it asks)."""

    def __init__(self, limit: int = REQUESTS_PER_QUESTION) -> None:
        self.limit = limit
        self.spent = 0

    def spend(self) -> None:
        """Count one request, or raise BudgetSpent if none is left."""
        if self.spent >= self.limit:
            raise BudgetSpent(SPENT)
        self.spent += 1


_BUDGET: contextvars.ContextVar[RequestBudget | None] = contextvars.ContextVar(
    "request_budget", default=None
)


@contextmanager
def question_budget(limit: int = REQUESTS_PER_QUESTION) -> Iterator[RequestBudget]:
    """Give the requests made inside (this task) one budget, unless one is already running."""
    running = _BUDGET.get()
    if running is not None:
        yield running
        return
    budget = RequestBudget(limit)
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header: delta seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or utc_now())).total_seconds())


def _origin(url: str | URL) -> tuple[str, str, int | None]:
    parts = URL(str(url))
    return (parts.scheme.lower(), (parts.host or "").lower(), parts.port)


class _TooLarge(Exception):
    """The body passed MAX_BODY."""


class _Unreadable(Exception):
    """The body is in an encoding we did not ask for, or does not decompress."""


def _decoder(encoding: str) -> Any:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise _Unreadable(encoding)


async def read_bounded(response: aiohttp.ClientResponse, limit: int = MAX_BODY) -> bytes:
    """Read a body of at most ``limit`` bytes after decompression, counting as it streams."""
    declared = response.content_length
    encoding = response.headers.get("Content-Encoding", "")
    if declared is not None and declared > limit:
        raise _TooLarge
    decoder = _decoder(encoding)
    body = bytearray()

    def take(data: bytes) -> None:
        if decoder is None:
            body.extend(data)
        else:
            # max_length bounds what one compressed chunk may expand to (a "zip bomb").
            room = limit - len(body) + 1
            try:
                body.extend(decoder.decompress(data, room))
            except zlib.error:
                raise _Unreadable(encoding) from None
            if decoder.unconsumed_tail:
                raise _TooLarge
        if len(body) > limit:
            raise _TooLarge

    async for chunk in response.content.iter_chunked(_CHUNK):
        take(chunk)
    if decoder is not None:
        try:
            body.extend(decoder.flush())
        except zlib.error:
            raise _Unreadable(encoding) from None
        if len(body) > limit:
            raise _TooLarge
    return bytes(body)


def parse_json(body: bytes) -> Any:
    """Parse JSON bytes; raise ValueError for anything that is not (deep nesting included)."""
    try:
        return json.loads(body.decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply") from None


class JsonService:
    """GET JSON from one service, at most one request per ``interval`` across the process."""

    name = "the service"
    # Hosts (and their subdomains) besides its own origin that a service is documented to
    # redirect to: the Cover Art Archive hands its indexes out from archive.org.
    redirect_hosts: tuple[str, ...] = ()

    def __init__(
        self,
        base_url: str,
        user_agent: str,
        *,
        redirect_hosts: tuple[str, ...] | None = None,
        limiter: RateLimiter | None = None,
        interval: float = 1.0,
        timeout: float = 10.0,
        max_retry_wait: float = 5.0,
        on_request: Callable[[str, str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_agent = user_agent
        if redirect_hosts is not None:
            self.redirect_hosts = redirect_hosts
        self.limiter = limiter or shared_limiter(self.base_url, interval)
        self.timeout = timeout
        self.max_retry_wait = max_retry_wait
        self.requests = 0
        # Round-trip times of recent requests (politeness wait excluded), for the benchmark.
        self.latencies: deque[float] = deque(maxlen=10_000)
        self._session: aiohttp.ClientSession | None = None
        # Told (service, result) after every request: the bot core counts them for its metrics.
        self.on_request = on_request

    def _may_follow(self, current: URL, following: URL) -> bool:
        """Whether a redirect stays with the service: its own origin, or a documented host."""
        if _origin(following) == _origin(current):
            return True
        host = (following.host or "").lower()
        return following.scheme in ("https", current.scheme) and any(
            host == allowed or host.endswith("." + allowed) for allowed in self.redirect_hosts
        )

    def _counted(self, result: str) -> None:
        if self.on_request is not None:
            self.on_request(self.name.lower(), result)

    def _unavailable(self) -> ServiceUnavailable:
        return ServiceUnavailable(
            N_("{service} did not answer; try again in a minute."), service=self.name
        )

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            client = _aiohttp()
            self._session = client.ClientSession(
                headers={
                    "User-Agent": self.user_agent,
                    "Accept": "application/json",
                    # Decompressed by read_bounded, with a cap, never by aiohttp on its own.
                    "Accept-Encoding": "gzip, deflate",
                },
                timeout=client.ClientTimeout(total=self.timeout),
                auto_decompress=False,
            )
        return self._session

    def _busy(self, seconds: float) -> ServiceBusy:
        return ServiceBusy(BUSY, service=self.name, minutes=max(1, math.ceil(seconds / 60)))

    async def _get(self, url: str, params: dict[str, str]) -> tuple[int, float | None, bytes]:
        """Make one GET (following same-origin redirects); return status, Retry-After, body."""
        target: str | URL = url
        query: dict[str, str] | None = params
        for _ in range(MAX_REDIRECTS + 1):
            async with self._client().get(target, params=query, allow_redirects=False) as response:
                status = response.status
                if status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                    following = response.url.join(URL(response.headers["Location"]))
                    if not self._may_follow(response.url, following):
                        log.warning(
                            "%s redirected %s to another origin (%s); not followed",
                            self.name,
                            response.url,
                            following,
                        )
                        self._counted("error")
                        raise ServiceUnavailable(ELSEWHERE, service=self.name)
                    target, query = following, None
                    continue
                retry = retry_after_seconds(response.headers.get("Retry-After"))
                body = await read_bounded(response) if status == 200 else b""
                return status, retry, body
        self._counted("error")
        raise ServiceUnavailable(ELSEWHERE, service=self.name)

    async def get_json(self, url: str, params: dict[str, str]) -> Any | None:
        """Return the parsed JSON at ``url``, or None for 404; raise ServiceUnavailable."""
        if urlsplit(url).scheme not in ("http", "https"):  # pragma: no cover  (settings check)
            raise ValueError(f"not a web address: {url!r}")
        for attempt in (1, 2):
            try:
                await self.limiter.wait(patience=self.max_retry_wait)
            except Held as held:
                raise self._busy(held.seconds) from None
            budget = _BUDGET.get()
            if budget is not None:
                budget.spend()
            started = time.perf_counter()
            self.requests += 1
            try:
                status, retry, body = await self._get(url, params)
            except _TooLarge:
                self._counted("malformed")
                log.warning("%s sent more than %d bytes for %s", self.name, MAX_BODY, url)
                raise ServiceUnavailable(TOO_LARGE, service=self.name) from None
            except _Unreadable as exc:
                self._counted("malformed")
                log.warning("%s sent an undecodable body (%s) for %s", self.name, exc, url)
                raise ServiceUnavailable(UNREADABLE, service=self.name) from None
            except (_aiohttp().ClientError, TimeoutError, ValueError) as exc:
                log.warning("%s: no answer from %s: %s", self.name, url, exc or type(exc).__name__)
                self._counted("no_answer")
                raise self._unavailable() from None
            finally:
                self.latencies.append(time.perf_counter() - started)
                # The next request leaves an interval after this one was answered too.
                self.limiter.hold(self.limiter.interval)
            if status == 404:
                self._counted("not_found")
                return None
            if status in (429, 503):
                self._counted("throttled")
                # A Retry-After is honoured up to MAX_HOLD: a day-long one is a fault, and
                # must not stop every lookup for a day.
                wait = min(retry if retry is not None else self.limiter.interval, MAX_HOLD)
                self.limiter.back_off(wait)
                log.warning(
                    "%s answered %d for %s; backing off %.1f s (asked: %s)",
                    self.name,
                    status,
                    url,
                    wait,
                    "none" if retry is None else f"{retry:.0f} s",
                )
                if wait <= self.max_retry_wait:
                    if attempt == 1:
                        continue
                    raise self._unavailable()
                raise self._busy(wait)
            if status != 200:
                log.warning("%s answered %d for %s", self.name, status, url)
                self._counted("error")
                raise self._unavailable()
            try:
                if len(body) > OFF_LOOP_PARSE:
                    # A big answer parses in a worker thread: the gateway heartbeat goes on.
                    document = await asyncio.to_thread(parse_json, body)
                else:
                    document = parse_json(body)
            except ValueError as exc:
                self._counted("malformed")
                log.warning("%s sent malformed JSON for %s: %s", self.name, url, exc)
                raise ServiceUnavailable(UNREADABLE, service=self.name) from None
            self._counted("ok")
            return document
        raise self._unavailable()  # pragma: no cover  (the loop always returns or raises)

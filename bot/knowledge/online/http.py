"""A polite JSON client: one shared queue per service, a User-Agent, short timeouts, Retry-After."""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.core.clock import utc_now
from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.knowledge.online.limiter import RateLimiter, shared_limiter

log = logging.getLogger(__name__)


class ServiceUnavailable(UserError):
    """A web service did not answer usefully; the message says so and when to try again."""


UNREADABLE = N_("{service} sent an answer I could not read; try again in a minute.")


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


class JsonService:
    """GET JSON from one service, at most one request per ``interval`` across the process."""

    name = "the service"

    def __init__(
        self,
        base_url: str,
        user_agent: str,
        *,
        limiter: RateLimiter | None = None,
        interval: float = 1.0,
        timeout: float = 10.0,
        max_retry_wait: float = 5.0,
        on_request: Callable[[str, str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_agent = user_agent
        self.limiter = limiter or shared_limiter(self.base_url, interval)
        self.timeout = timeout
        self.max_retry_wait = max_retry_wait
        self.requests = 0
        # Round-trip times of recent requests (politeness wait excluded), for the benchmark.
        self.latencies: deque[float] = deque(maxlen=10_000)
        self._session: aiohttp.ClientSession | None = None
        # Told (service, result) after every request: the bot core counts them for its metrics.
        self.on_request = on_request

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
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": self.user_agent, "Accept": "application/json"},
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
        return self._session

    async def get_json(self, url: str, params: dict[str, str]) -> Any | None:
        """Return the parsed JSON at ``url``, or None for 404; raise ServiceUnavailable."""
        for attempt in (1, 2):
            await self.limiter.wait()
            started = time.perf_counter()
            self.requests += 1
            try:
                async with self._client().get(url, params=params) as response:
                    status = response.status
                    retry = retry_after_seconds(response.headers.get("Retry-After"))
                    body = await response.read() if status == 200 else b""
            except (aiohttp.ClientError, TimeoutError) as exc:
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
                wait = retry if retry is not None else self.limiter.interval
                self.limiter.hold(wait)
                log.warning(
                    "%s answered %d for %s; backing off %.1f s", self.name, status, url, wait
                )
                if attempt == 1 and wait <= self.max_retry_wait:
                    continue
                raise self._unavailable()
            if status != 200:
                log.warning("%s answered %d for %s", self.name, status, url)
                self._counted("error")
                raise self._unavailable()
            try:
                document = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                self._counted("malformed")
                log.warning("%s sent malformed JSON for %s: %s", self.name, url, exc)
                raise ServiceUnavailable(UNREADABLE, service=self.name) from None
            self._counted("ok")
            return document
        raise self._unavailable()  # pragma: no cover  (the loop always returns or raises)

"""One queue of requests per web service, shared by the whole process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class RateLimiter:
    """Let calls out at least ``interval`` seconds apart, first come first served.

    The lock is the queue: asyncio locks wake waiters in the order they arrived, so callers
    go out one by one. ``hold`` pushes the next slot back for everyone: by a 503's
    Retry-After, and by one interval after each answer (the service counts requests as they
    arrive, and a request can arrive later than it left).
    """

    def __init__(self, interval: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> float:
        """Return when the next call may go out; return how long it waited (seconds)."""
        async with self._lock:
            now = started = self._clock()
            # A loop, not one sleep: a request finishing meanwhile may push the slot back.
            while self._next > now:
                await asyncio.sleep(self._next - now)
                now = self._clock()
            self._next = now + self.interval
            return now - started

    def hold(self, seconds: float) -> None:
        """Let no call out for ``seconds`` from now (the service asked us to back off)."""
        self._next = max(self._next, self._clock() + max(0.0, seconds))


_SHARED: dict[str, RateLimiter] = {}


def shared_limiter(service_url: str, interval: float = 1.0) -> RateLimiter:
    """Return the process-wide limiter of a service (by host), creating it on first use."""
    from urllib.parse import urlsplit

    host = urlsplit(service_url).netloc.lower() or service_url
    limiter = _SHARED.get(host)
    if limiter is None:
        limiter = _SHARED[host] = RateLimiter(interval)
    return limiter

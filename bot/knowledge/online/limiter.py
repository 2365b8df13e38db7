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
        self._held_until = 0.0
        self._lock = asyncio.Lock()

    def held_for(self) -> float:
        """Return how long the service's own back-off (Retry-After) still lasts, in seconds."""
        return max(0.0, self._held_until - self._clock())

    async def wait(self, patience: float | None = None) -> float:
        """Return when the next call may go out; return how long it waited (seconds).

        With ``patience``, a back-off the service asked for that lasts longer than that
        raises ``Held`` at once (also for a call that queued before the back-off began), so
        nobody waits in silence behind a service that said "later".
        """
        async with self._lock:
            now = started = self._clock()
            if patience is not None and self._held_until - now > patience:
                raise Held(self._held_until - now)
            # A loop, not one sleep: a request finishing meanwhile may push the slot back.
            while self._next > now:
                await asyncio.sleep(self._next - now)
                now = self._clock()
            self._next = now + self.interval
            return now - started

    def hold(self, seconds: float) -> None:
        """Let no call out for ``seconds`` from now (the politeness interval after an answer)."""
        self._next = max(self._next, self._clock() + max(0.0, seconds))

    def back_off(self, seconds: float) -> None:
        """Let no call out for ``seconds`` from now because the service asked (Retry-After)."""
        self.hold(seconds)
        self._held_until = max(self._held_until, self._clock() + max(0.0, seconds))


class Held(Exception):
    """The service asked for a back-off that lasts ``seconds`` more."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"held for {seconds:.0f} s")
        self.seconds = seconds


_SHARED: dict[str, RateLimiter] = {}


def shared_limiter(service_url: str, interval: float = 1.0) -> RateLimiter:
    """Return the process-wide limiter of a service (by host), creating it on first use."""
    from urllib.parse import urlsplit

    host = urlsplit(service_url).netloc.lower() or service_url
    limiter = _SHARED.get(host)
    if limiter is None:
        limiter = _SHARED[host] = RateLimiter(interval)
    return limiter

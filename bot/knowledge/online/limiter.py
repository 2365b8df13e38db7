"""One queue of requests per web service, shared by the whole process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from bot.store import Store
from bot.store.slots import hold_slots, take_slot

log = logging.getLogger(__name__)


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


class DatabaseRateLimiter(RateLimiter):
    """A ``RateLimiter`` every process sharing the database keeps together.

    Within the process calls queue as in ``RateLimiter``; each then takes the service's next
    slot from the database (``bot.store.slots``), so N processes make one request per
    ``interval`` between them, not N. A hold (a 503's Retry-After) is written there too.
    """

    def __init__(
        self,
        store: Store,
        service: str,
        interval: float = 1.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(interval, clock)
        self._sleep = sleep
        self.store = store
        self.service = service
        self._holds: set[asyncio.Task[None]] = set()

    async def wait(self, patience: float | None = None) -> float:
        """Return when this process's turn and the shared slot have come; return the wait.

        ``patience`` as in ``RateLimiter.wait``: a back-off this process was told about that
        lasts longer raises ``Held`` at once.
        """
        async with self._lock:
            started = self._clock()
            if patience is not None and self._held_until - started > patience:
                raise Held(self._held_until - started)
            slot_ms = await take_slot(
                self.store,
                self.service,
                now_ms=int(max(started, self._next) * 1000),
                interval_ms=int(self.interval * 1000),
            )
            delay = slot_ms / 1000 - self._clock()
            if delay > 0:
                await self._sleep(delay)
            now = self._clock()
            self._next = now + self.interval
            return now - started

    def hold(self, seconds: float) -> None:
        """Let no call out for ``seconds``, in this process at once and in the others soon."""
        super().hold(seconds)
        until_ms = int((self._clock() + max(0.0, seconds)) * 1000)
        task = asyncio.get_running_loop().create_task(self._hold(until_ms))
        self._holds.add(task)
        task.add_done_callback(self._holds.discard)

    async def _hold(self, until_ms: int) -> None:
        # A hold that cannot be written (the database restarting) still holds this process.
        with contextlib.suppress(Exception):
            await hold_slots(self.store, self.service, until_ms=until_ms)


_SHARED: dict[str, RateLimiter] = {}


def shared_limiter(service_url: str, interval: float = 1.0) -> RateLimiter:
    """Return the process-wide limiter of a service (by host), creating it on first use."""
    from urllib.parse import urlsplit

    host = urlsplit(service_url).netloc.lower() or service_url
    limiter = _SHARED.get(host)
    if limiter is None:
        limiter = _SHARED[host] = RateLimiter(interval)
    return limiter

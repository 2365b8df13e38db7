"""Event-driven waiting: tests await a predicate, state changes call ``notify``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Waiters:
    """Futures resolved when their predicate returns something truthy after a change."""

    def __init__(self) -> None:
        self._waiting: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []

    def notify(self) -> None:
        still: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = []
        for predicate, fut in self._waiting:
            if fut.done():
                continue
            try:
                result = predicate()
            except Exception as exc:  # surface predicate bugs to the waiting test
                fut.set_exception(exc)
                continue
            if result:
                fut.set_result(result)
            else:
                still.append((predicate, fut))
        self._waiting = still

    async def wait(
        self,
        predicate: Callable[[], T | None],
        timeout: float,  # noqa: ASYNC109
        what: str,
        *,
        poll: float | None = None,
    ) -> T:
        """Return ``predicate()`` once truthy; AssertionError naming *what* on timeout.

        Emulator changes wake the waiter. *poll* adds a periodic re-check for predicates
        over state the emulator cannot see change (e.g. the bot's own variables)."""
        result = predicate()
        if result:
            return result
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._waiting.append((predicate, fut))
        deadline = loop.time() + timeout
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError
                step = remaining if poll is None else min(poll, remaining)
                try:
                    return await asyncio.wait_for(asyncio.shield(fut), step)
                except TimeoutError:
                    result = predicate()
                    if result:
                        return result
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}") from None
        finally:
            if not fut.done():
                fut.cancel()

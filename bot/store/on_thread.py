"""Run a batch of the store's async writers on the database's own thread, in one hand-over.

aiosqlite runs every statement on its connection's thread and hands the result back to the
event loop: two thread switches per statement, which is most of what a small statement costs
(a bulk import makes about thirty per dump line). ``Store.batch`` instead sends one function to
that thread; it runs the batch's coroutine there against ``OnThreadConnection``, a view of the
same connection whose statements run at once, so the coroutine never suspends and the store's
writers are used unchanged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Coroutine, Generator, Iterable
from typing import Any, Generic, TypeVar

import aiosqlite

from bot.core.errors import StoreError

T = TypeVar("T")


class OnThreadConnection(aiosqlite.Connection):
    """The store's connection as seen from its own thread: every statement runs at once.

    Every aiosqlite method (and every cursor method) goes through ``_execute``; here it calls
    the sqlite3 function directly instead of queueing it for the thread (we are on it).
    aiosqlite's own ``__init__`` is not called on purpose: it would start a second thread.
    """

    def __init__(self, raw: sqlite3.Connection, iter_chunk_size: int = 64) -> None:
        self._running = True
        self._connection = raw
        self._iter_chunk_size = iter_chunk_size

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return fn(*args, **kwargs)

    # The two statements a batch runs by the thousand, without aiosqlite's wrapping coroutines.
    def execute(  # type: ignore[override]
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> _Done[aiosqlite.Cursor]:
        raw = self._conn.execute(sql, () if parameters is None else parameters)  # type: ignore[arg-type]
        return _Done(aiosqlite.Cursor(self, raw))

    def executemany(  # type: ignore[override]
        self, sql: str, parameters: Iterable[Iterable[Any]]
    ) -> _Done[aiosqlite.Cursor]:
        raw = self._conn.executemany(sql, parameters)  # type: ignore[arg-type]
        return _Done(aiosqlite.Cursor(self, raw))

    def __del__(self) -> None:
        # The real connection belongs to the store; nothing to warn about or close here.
        self._connection = None

    def __repr__(self) -> str:
        return "<the store's connection, on its own thread>"


class _Done(Generic[T]):
    """A result already there: awaitable (at once), and usable with ``async with`` as aiosqlite's
    ``execute`` is (the cursor is closed at the end of the block)."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, T]:
        return self.value
        yield  # a generator that finishes at once

    async def __aenter__(self) -> T:
        return self.value

    async def __aexit__(self, *exc_info: object) -> None:
        close = getattr(self.value, "close", None)
        if close is not None:
            await close()


def run_to_end(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that awaits only an ``OnThreadConnection`` to its end, here and now."""
    try:
        coro.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coro.close()
    raise StoreError("a batch run on the database thread waited for something else")


def run_batch(
    raw: sqlite3.Connection,
    work: Callable[[aiosqlite.Connection], Coroutine[Any, Any, T]],
    iter_chunk_size: int = 64,
) -> T:
    """Run ``work`` in BEGIN IMMEDIATE … COMMIT on ``raw`` (call this on its thread)."""
    raw.execute("BEGIN IMMEDIATE")
    try:
        result = run_to_end(work(OnThreadConnection(raw, iter_chunk_size)))
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return result

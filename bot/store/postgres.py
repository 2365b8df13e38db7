"""PostgreSQL behind the store's interface: an asyncpg pool, and connections that read like
aiosqlite's (``execute`` returning a cursor, ``executemany``, ``execute_fetchall``).

Statements arrive in portable SQL and are translated by ``bot.store.dialect``. Errors come
out as the store's own: a broken constraint as ``IntegrityError`` (a ``sqlite3.IntegrityError``,
so the store's readers and writers catch one type on both backends), a lost or refused
connection as ``DatabaseUnavailable``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Sequence
from types import TracebackType
from typing import Any, TypeVar

import asyncpg

from bot.core.errors import DatabaseUnavailable, StoreError
from bot.store.dialect import POSTGRES

log = logging.getLogger(__name__)

T = TypeVar("T")

_RETURNS_ROWS = re.compile(r"^\s*(?:SELECT|WITH|VALUES|SHOW|TABLE)\b|\bRETURNING\b", re.IGNORECASE)
_STATUS_COUNT = re.compile(r"(\d+)\s*$")

# What a lost server looks like to asyncpg: the socket closed, refused, or the server going down.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.TooManyConnectionsError,
    ConnectionError,
    asyncio.TimeoutError,
)
# Connecting cannot succeed by retrying: wrong password, unknown user or database.
FATAL_CONNECT_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.InvalidPasswordError,
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,
    asyncpg.exceptions.InvalidCatalogNameError,
    asyncpg.exceptions.ClientConfigurationError,
)


class IntegrityError(sqlite3.IntegrityError):
    """A constraint PostgreSQL refused (same type as SQLite's, for the store's ``except``)."""


class DatabaseError(sqlite3.DatabaseError):
    """Any other error PostgreSQL reported for a statement."""


def translate_error(exc: BaseException) -> BaseException:
    """Return the store's exception for an asyncpg one (others unchanged)."""
    if isinstance(exc, asyncpg.exceptions.IntegrityConstraintViolationError):
        return IntegrityError(str(exc))
    if isinstance(exc, CONNECTION_ERRORS) and not isinstance(exc, asyncio.CancelledError):
        return DatabaseUnavailable(f"the database is unavailable ({type(exc).__name__}: {exc})")
    if isinstance(exc, asyncpg.exceptions.PostgresError):
        return DatabaseError(str(exc))
    return exc


async def guarded(call: Awaitable[T]) -> T:
    """Await ``call``, raising the store's exception for an asyncpg one."""
    try:
        return await call
    except (asyncpg.exceptions.PostgresError, *CONNECTION_ERRORS) as exc:
        translated = translate_error(exc)
        if translated is exc:
            raise
        raise translated from exc


class PgCursor:
    """The rows (or row count) of one statement, read like an aiosqlite cursor."""

    lastrowid: int | None = None  # use RETURNING: PostgreSQL has no last rowid

    def __init__(self, rows: list[asyncpg.Record], rowcount: int) -> None:
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount

    async def fetchone(self) -> asyncpg.Record | None:
        """Return the next row, or ``None``."""
        if self._next >= len(self._rows):
            return None
        row = self._rows[self._next]
        self._next += 1
        return row

    async def fetchall(self) -> list[asyncpg.Record]:
        """Return the remaining rows."""
        rows = self._rows[self._next :]
        self._next = len(self._rows)
        return rows

    async def close(self) -> None:
        """Nothing to release (rows are read at once)."""

    def __aiter__(self) -> PgCursor:
        return self

    async def __anext__(self) -> asyncpg.Record:
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row


class _Execution:
    """``conn.execute(...)``: awaited for its cursor, or entered with ``async with``."""

    def __init__(self, run: Callable[[], Awaitable[PgCursor]]) -> None:
        self._run = run

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._run().__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._run()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class PgConnection:
    """One pooled asyncpg connection speaking the store's portable SQL."""

    dialect = POSTGRES

    def __init__(
        self,
        conn: asyncpg.Connection,
        trace: list[str] | None = None,
        owner: object = None,
        *,
        in_transaction: bool = False,
    ) -> None:
        self.raw = conn
        self._trace = trace
        # The store whose block holds this connection: only its reads go through it.
        self.owner = owner
        # A ``Store.transaction()``'s connection (not a ``Store.reading``'s): its reads must
        # see its own writes, the catalog version among them.
        self.in_transaction = in_transaction
        # Set by ``bump_catalog_version``: when the transaction ends, the store forgets the
        # version it keeps in memory (``bot.store.version_watch``) before the writer goes on.
        self.catalog_changed = False

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Run a block that, on an error, is undone alone (the transaction goes on)."""
        async with self.raw.transaction():
            yield

    def _sql(self, sql: str) -> str:
        if self._trace is not None:
            self._trace.append(sql)
        return POSTGRES.sql(sql)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Execution:
        """Run one statement; the cursor holds its rows (or its row count)."""
        return _Execution(lambda: self._execute(sql, params))

    async def _execute(self, sql: str, params: Sequence[Any]) -> PgCursor:
        text = self._sql(sql)
        if _RETURNS_ROWS.search(text):
            rows = await guarded(self.raw.fetch(text, *params))
            return PgCursor(list(rows), len(rows))
        status = await guarded(self.raw.execute(text, *params))
        match = _STATUS_COUNT.search(status or "")
        return PgCursor([], int(match.group(1)) if match else -1)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many rows."""
        batch = [tuple(row) for row in rows]
        if batch:
            await guarded(self.raw.executemany(self._sql(sql), batch))

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[asyncpg.Record]:
        """Return every row of a read query."""
        return list(await guarded(self.raw.fetch(self._sql(sql), *params)))

    async def script(self, text: str) -> None:
        """Run several statements of PostgreSQL's own SQL (a migration), without parameters.

        A migration with nothing to do on PostgreSQL is comments only: it runs no statement
        (PostgreSQL answers an empty query with no status, which asyncpg cannot read).
        """
        if all(not line.strip() or line.lstrip().startswith("--") for line in text.splitlines()):
            return
        await guarded(self.raw.execute(text))


# Settings the store gives each of its connections (a deployment's server needs none of its own).
SERVER_SETTINGS: dict[str, str] = {
    "application_name": "linernotes",
    # The store's statements are small and indexed: compiling them to machine code (JIT) costs
    # more CPU than it saves. (Their plans cost 1,000-2,000, far below jit_above_cost's
    # 100,000, so JIT would not fire anyway; off, a server tuned otherwise cannot make it.)
    "jit": "off",
    # A prepared statement's generic plan saves planning it again at every call (the band
    # reads' many arms take 1-20 ms to plan). A generic plan cannot see a LIKE pattern, so the
    # substring read is written to need no choice (``bot.store.catalog.names``); PostgreSQL's
    # own choice ("auto") kept a custom plan on one database and went generic on another.
    "plan_cache_mode": "force_generic_plan",
}


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Return a connection to the pool as it is (asyncpg rolls back an open transaction first).

    asyncpg's default resets every connection handed back with one more statement (unlock
    advisory locks, close cursors, UNLISTEN, RESET ALL): a round trip and server work after
    every read, most of a small read's cost. The store leaves nothing of that behind: no
    cursors, LISTEN or SET, and its advisory locks are unlocked by the block that took them
    (``Store.exclusive``, migrations), whose connection is closed if unlocking fails.
    """


async def create_pool(
    dsn: str, *, size: int, display: str, attempts_for: float, log_retry: bool = True
) -> asyncpg.Pool:
    """Open a pool of at most ``size`` connections, retrying a server that does not answer yet.

    Wrong credentials or an unknown database raise ``StoreError`` at once; a server that
    cannot be reached is tried again (a log line per attempt) for about ``attempts_for``
    seconds, then ``DatabaseUnavailable`` is raised.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + attempts_for
    attempt = 0
    delay = 0.5
    while True:
        attempt += 1
        try:
            return await asyncpg.create_pool(
                dsn,
                min_size=1,
                max_size=size,
                timeout=10,
                command_timeout=60,
                reset=_keep_session,
                server_settings=dict(SERVER_SETTINGS),
            )
        except FATAL_CONNECT_ERRORS as exc:
            raise StoreError(f"DATABASE_URL: cannot use {display}: {exc}") from None
        except ValueError as exc:  # asyncpg's DSN parser
            raise StoreError(f"DATABASE_URL: cannot use {display}: {exc}") from None
        except CONNECTION_ERRORS as exc:
            left = deadline - loop.time()
            if left <= 0:
                raise DatabaseUnavailable(
                    f"DATABASE_URL: {display} did not answer after {attempt} attempts: {exc}"
                ) from None
            if log_retry:
                log.warning(
                    "the database at %s is not answering yet (attempt %d: %s); trying again",
                    display,
                    attempt,
                    exc,
                )
            await asyncio.sleep(min(delay, left))
            delay = min(delay * 2, 5.0)

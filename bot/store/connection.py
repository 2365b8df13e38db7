"""The connection surface the store's readers and writers use, on either backend.

A transaction's connection is aiosqlite's on SQLite and ``bot.store.postgres.PgConnection`` on
PostgreSQL. Both satisfy ``Connection``: ``execute`` (awaited for a cursor, or entered with
``async with``), ``executemany`` and ``execute_fetchall``, and a cursor's ``fetchone``,
``fetchall``, ``rowcount`` and ``lastrowid``. Writers are typed against this protocol, not
against aiosqlite's class, so mypy refuses a call only SQLite has (``execute_insert``,
``executescript``, ``commit``…) before it fails on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Generator, Iterable, Sequence
from types import TracebackType
from typing import Any, Protocol, TypeAlias

# A row read by name (``row["id"]``) or position: sqlite3's Row, or asyncpg's Record (untyped).
Row: TypeAlias = sqlite3.Row


class Cursor(Protocol):
    """The rows (or row count) of one statement."""

    @property
    def rowcount(self) -> int:
        """Rows a write changed (-1 when unknown)."""
        ...

    @property
    def lastrowid(self) -> int | None:
        """SQLite's last rowid; ``None`` on PostgreSQL (use ``RETURNING``)."""
        ...

    async def fetchone(self) -> Row | None:
        """Return the next row, or ``None``."""
        ...

    async def fetchall(self) -> Iterable[Row]:
        """Return the remaining rows."""
        ...

    async def close(self) -> None:
        """Release the cursor."""
        ...

    def __aiter__(self) -> AsyncIterator[Row]: ...


class Execution(Protocol):
    """What ``execute`` gives: awaited for its cursor, or entered with ``async with``."""

    def __await__(self) -> Generator[Any, None, Cursor]: ...

    async def __aenter__(self) -> Cursor: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...


class Connection(Protocol):
    """A transaction's connection, as the store's writers use it (both backends)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Execution:
        """Run one statement of the store's portable SQL."""
        ...

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any:
        """Run one statement for many rows."""
        ...

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] = ..., /) -> Iterable[Row]:
        """Return every row of a read query."""
        ...

"""The one SQLite connection, its migrations, transactions and backups."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sqlite3
from collections.abc import (
    AsyncIterator,
    Callable,
    Coroutine,
    Generator,
    Iterable,
    Iterator,
    Sequence,
)
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.core.errors import StoreError
from bot.store.on_thread import run_batch

log = logging.getLogger(__name__)

T = TypeVar("T")

# A backup with progress copies this many pages per step (16 MiB at SQLite's 4 KiB default).
BACKUP_STEP_PAGES = 4096
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered schema change."""

    version: int
    name: str
    sql: str


def chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """Yield ``items`` in slices of at most ``size`` (SQLite bounds the ``?`` in one statement)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bundled_migrations() -> list[Migration]:
    """Return the migrations shipped with the code, in order; refuse gaps."""
    found: list[Migration] = []
    for entry in resources.files("bot.store.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StoreError(
                f"migration {migration.name} is out of sequence (expected {expected:04d})"
            )
    return found


def _has_code(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in text.splitlines())


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (triggers included)."""
    statements: list[str] = []
    buffer = ""
    pieces = script.split(";")
    for index, piece in enumerate(pieces):
        buffer += piece if index == len(pieces) - 1 else piece + ";"
        if sqlite3.complete_statement(buffer):
            text = buffer.strip()
            # A trailing fragment of only comments is not a statement.
            if _has_code(text):
                statements.append(text)
            buffer = ""
    if _has_code(buffer.strip(" \n\t;")):
        raise StoreError("migration ends with an incomplete statement")
    return statements


def _probe(path: Path) -> None:
    """Create the database's folder and open the file once; raise ``StoreError`` saying why not.

    Done before aiosqlite connects: aiosqlite's worker thread outlives a failed connect and
    prints a traceback when the event loop has closed meanwhile (issue 23).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder for the database at {path}: {exc.strerror or exc}"
        ) from None
    if path.is_dir():
        raise StoreError(f"cannot open the database at {path}: it is a folder, not a file")
    try:
        sqlite3.connect(path).close()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the database at {path}: {exc}") from None


class Store:
    """Own the single aiosqlite connection; every write goes through ``transaction()``."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        migrations: Sequence[Migration] | None = None,
        migrate: bool = True,
    ) -> OpeningStore:
        """Open (creating if needed) and migrate the database at ``path``.

        ``store = await Store.open(path)`` gives an open store to close yourself;
        ``async with Store.open(path) as store:`` closes it when the block ends.
        """
        return OpeningStore(cls._open(path, migrations=migrations, migrate=migrate))

    @classmethod
    async def _open(
        cls,
        path: Path | str,
        *,
        migrations: Sequence[Migration] | None,
        migrate: bool,
    ) -> Store:
        path = Path(path)
        if str(path) != ":memory:":
            await asyncio.to_thread(_probe, path)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the database at {path}: {exc}") from None
        conn.row_factory = aiosqlite.Row
        store = cls(conn, path)
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA synchronous=NORMAL")
            if migrate:
                await store.migrate(migrations)
            else:
                await store.check_version(migrations)
        except sqlite3.DatabaseError as exc:
            await conn.close()
            raise StoreError(f"{path} is not a usable SQLite database: {exc}") from None
        except BaseException:
            await conn.close()
            raise
        return store

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Wait for the running transaction, then close the connection."""
        if self._closed:
            return
        async with self._lock:
            self._closed = True
            with contextlib.suppress(sqlite3.Error):
                await self._conn.execute("PRAGMA optimize")
            await self._conn.close()

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has run."""
        return self._closed

    # -- migrations ----------------------------------------------------------------
    async def user_version(self) -> int:
        """Return the schema version recorded in the database."""
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def check_version(self, migrations: Sequence[Migration] | None = None) -> int:
        """Refuse a database written by a newer Liner Notes; return its version."""
        known = list(migrations if migrations is not None else bundled_migrations())
        latest = known[-1].version if known else 0
        current = await self.user_version()
        if current > latest:
            raise StoreError(
                f"the database at {self.path} has schema version {current}, but this Liner Notes "
                f"only knows up to version {latest}: upgrade Liner Notes, or point DATABASE_PATH "
                "at a backup made by this version"
            )
        return current

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> list[str]:
        """Apply pending migrations, each in one transaction with its version bump."""
        known = list(migrations if migrations is not None else bundled_migrations())
        current = await self.check_version(known)
        applied: list[str] = []
        for migration in known:
            if migration.version <= current:
                continue
            async with self.transaction() as conn:
                try:
                    for statement in split_statements(migration.sql):
                        await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version = {int(migration.version)}")
                except sqlite3.Error as exc:
                    raise StoreError(f"migration {migration.name} failed: {exc}") from exc
            log.info("applied migration %s", migration.name)
            applied.append(migration.name)
        return applied

    # -- queries -------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block in ``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error.

        The lock matters: aiosqlite serialises statements, not transactions, so
        without it one task's ROLLBACK could undo another task's writes.
        """
        async with self._lock:
            if self._closed:
                raise StoreError("the database is closed")
            await self._begin()
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._commit()

    async def batch(self, work: Callable[[aiosqlite.Connection], Coroutine[Any, Any, T]]) -> T:
        """Run ``work(conn)`` as one transaction on the database's own thread, in one hand-over.

        For bulk imports: each statement then costs what SQLite costs, not two thread switches
        (``bot/store/on_thread.py``). ``work`` may await only ``conn`` (it runs to its end
        without the event loop, which stays free meanwhile); an error rolls the batch back.
        """
        async with self._lock:
            if self._closed:
                raise StoreError("the database is closed")
            conn = self._conn
            # aiosqlite has no public way to run a function on its thread; _execute is that way
            # in every version pyproject.toml allows (tests/store/test_batch.py runs it).
            raw, size = conn._conn, conn._iter_chunk_size

            def run() -> T:  # a plain function: aiosqlite logs its repr, not the batch's
                return run_batch(raw, work, size)

            result: T = await conn._execute(run)
            return result

    @contextlib.asynccontextmanager
    async def larger_cache(self, mib: int = 64) -> AsyncIterator[None]:
        """Give SQLite's page cache ``mib`` MiB during a bulk import, then set it back.

        The default (2 MiB) holds little of the name indexes a dump import writes into, so every
        insert read index pages back from the file system; with 64 MiB an 8,000-line dump cost
        a fifth less CPU and half the wall time (docs/benchmarks.md).
        """
        row = await self.fetchone("PRAGMA cache_size")
        previous = int(row[0]) if row else -2000
        await self._conn.execute(f"PRAGMA cache_size = {-int(mib) * 1024}")
        try:
            yield
        finally:
            if not self._closed:
                await self._conn.execute(f"PRAGMA cache_size = {previous}")

    async def _commit(self) -> None:
        """Run COMMIT; if it fails (a deferred constraint), roll back so no transaction leaks."""
        try:
            await self._conn.execute("COMMIT")
        except BaseException:
            # A COMMIT that succeeded on aiosqlite's thread while this task was cancelled leaves
            # nothing to roll back: that error is expected and ignored.
            with contextlib.suppress(sqlite3.Error):
                await self._conn.execute("ROLLBACK")
            raise

    async def _begin(self) -> None:
        """Run BEGIN IMMEDIATE; if cancelled meanwhile, let it finish and roll it back.

        The statement runs on aiosqlite's thread whatever happens to the awaiting task, so a
        task cancelled here (a loop stopped at shutdown) would otherwise leave a transaction
        open and make every later one fail.
        """
        begin = asyncio.ensure_future(self._conn.execute("BEGIN IMMEDIATE"))
        try:
            await asyncio.shield(begin)
        except asyncio.CancelledError:
            # The clean-up is shielded too: a second cancellation (shutdown cancels what is
            # left) used to cancel the wait for BEGIN, whose statement still ran, and the
            # transaction it opened was never rolled back: the heartbeat race of issue 23.
            await _uncancellable(self._roll_back_after(begin))
            raise

    async def _roll_back_after(self, begin: asyncio.Future[Any]) -> None:
        """Wait for a BEGIN to finish; if it opened a transaction, roll it back."""
        with contextlib.suppress(sqlite3.Error):
            await begin
            await self._conn.execute("ROLLBACK")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement in its own transaction; return the rowcount."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """Return every row of a read query."""
        # One trip to aiosqlite's thread (execute, fetch and close there), not three: the
        # hand-over between threads is most of a small query's cost.
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """Return the row of a one-row read query (by key, or an aggregate), or ``None``."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many rows in a single transaction."""
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    @contextlib.asynccontextmanager
    async def statements(self) -> AsyncIterator[list[str]]:
        """Collect every top-level SQL statement run inside the block (tests, benchmarks)."""
        seen: list[str] = []

        def record(sql: str) -> None:
            # SQLite also reports statements run by triggers and FTS5 internals, as "-- …".
            if not sql.startswith("--"):
                seen.append(sql)

        await self._conn.set_trace_callback(record)
        try:
            yield seen
        finally:
            # None switches tracing off (aiosqlite's annotation only names callables).
            await self._conn.set_trace_callback(cast("Callable[..., None]", None))

    # -- maintenance ---------------------------------------------------------------
    async def backup(
        self, target: Path | str, *, progress: Callable[[int, int], None] | None = None
    ) -> Path:
        """Copy the live database to ``target`` with SQLite's online backup API.

        With ``progress``, the copy goes in steps and reports (pages copied, total pages).
        """
        target = Path(target)
        if target.exists() and target.is_dir():
            raise StoreError(f"{target} is a directory; give a file name for the backup")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".partial")
        tmp.unlink(missing_ok=True)
        dest = await aiosqlite.connect(tmp)
        try:
            if progress is None:
                await self._conn.backup(dest)
            else:
                await self._conn.backup(
                    dest,
                    pages=BACKUP_STEP_PAGES,
                    progress=lambda _status, remaining, total: progress(total - remaining, total),
                )
        finally:
            await dest.close()
        tmp.replace(target)
        return target

    async def get_meta(self, key: str) -> str | None:
        """Return a value from the ``meta`` table."""
        row = await self.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    async def set_meta(self, key: str, value: str) -> None:
        """Set a value in the ``meta`` table."""
        await self.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


async def _uncancellable(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` to its end even if the awaiting task is cancelled (again) meanwhile."""
    task = asyncio.ensure_future(work)
    while not task.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
    task.result()


class OpeningStore:
    """What ``Store.open`` returns: await it for the store, or enter it to have it closed."""

    def __init__(self, opening: Coroutine[Any, Any, Store]) -> None:
        self._opening = opening
        self._store: Store | None = None

    def __await__(self) -> Generator[Any, None, Store]:
        return self._opening.__await__()

    async def __aenter__(self) -> Store:
        self._store = await self._opening
        return self._store

    async def __aexit__(self, *exc_info: object) -> None:
        if self._store is not None:
            await self._store.close()

"""The database connection (SQLite, or a PostgreSQL pool), its migrations, transactions and
backups."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import hashlib
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
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast

import aiosqlite

from bot.core.clock import now_stamp
from bot.core.database_url import DatabaseUrl, as_database
from bot.core.errors import StoreError
from bot.store.connection import Connection
from bot.store.dialect import POSTGRES, SQLITE, Dialect
from bot.store.on_thread import OnThreadConnection, run_batch, run_to_end
from bot.store.read_cache import ReadCache

if TYPE_CHECKING:
    import asyncpg

    from bot.store.postgres import PgConnection
    from bot.store.version_watch import VersionWatch

log = logging.getLogger(__name__)

T = TypeVar("T")

# SQLite's page cache per connection, in MiB (SQLite's default is 2 MiB). /ask reads names,
# entities and credits at random across the file; at 100k songs (a 350 MB file) the default
# held too little of the indexes, and each question read its pages back from the file system:
# 64 MiB took a quarter off the CPU p99 of /ask (docs/benchmarks.md). It is a ceiling, filled
# only as pages are read, so a small catalog uses little of it.
PAGE_CACHE_MIB = 64
# A backup with progress copies this many pages per step (16 MiB at SQLite's 4 KiB default).
BACKUP_STEP_PAGES = 4096
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_VARIANT_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.postgres\.sql$")
# How much of an SQLite database file is read through a memory map (address space, not
# memory: the OS keeps the pages it caches anyway); a larger file reads the rest as before.
_MMAP_BYTES = 1 << 30
# Files smaller than this are not mapped: SQLite's page cache (PAGE_CACHE_MIB) holds them whole,
# and every mapped page a bot touched would count in its memory a second time (the bundled
# catalog: about 1.3 MiB of RSS). Decided at each open, so a catalog grown past it maps at the
# next start.
MMAP_FROM_BYTES = 64 << 20
# Every process migrating a shared PostgreSQL database takes this advisory lock first.
MIGRATION_LOCK = 0x4C4E_0001
POSTGRES_VERSION_TABLE = "linernotes_schema"
_META_SQL = "SELECT value FROM meta WHERE key = ?"


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered schema change (``postgres``: its PostgreSQL file, where the SQL differs)."""

    version: int
    name: str
    sql: str
    postgres: str | None = None

    def script(self, dialect: Dialect) -> str:
        """Return the SQL this backend runs for the migration."""
        if dialect.is_postgres and self.postgres is not None:
            return self.postgres
        return dialect.migration(self.sql, variant=False)


def chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """Yield ``items`` in slices of at most ``size`` (SQLite bounds the ``?`` in one statement)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def advisory_key(name: str) -> int:
    """Return the PostgreSQL advisory lock key (a signed 64-bit number) named ``name``."""
    digest = hashlib.sha256(f"linernotes:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def bundled_migrations() -> list[Migration]:
    """Return the migrations shipped with the code, in order; refuse gaps."""
    # Read once per process: every Store.open checks them, and listing and reading the files
    # again cost some 2.5 ms of CPU each time (a test run opens thousands of stores).
    return list(_read_bundled_migrations())


@functools.cache
def _read_bundled_migrations() -> tuple[Migration, ...]:
    found: list[Migration] = []
    variants: dict[int, str] = {}
    for entry in resources.files("bot.store.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        variant = _VARIANT_NAME.match(entry.name)
        if variant:
            variants[int(variant.group(1))] = entry.read_text("utf-8")
        elif match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found = [Migration(m.version, m.name, m.sql, variants.pop(m.version, None)) for m in found]
    if variants:
        raise StoreError(
            f"PostgreSQL migration {min(variants):04d} has no SQLite migration of its number"
        )
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StoreError(
                f"migration {migration.name} is out of sequence (expected {expected:04d})"
            )
    return tuple(found)


def _has_code(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in text.splitlines())


def _file_bytes(path: Path) -> int:
    """Return the size of a database file (0 for one not there yet, or in memory)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


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


# The connection an open ``transaction()`` of this task holds (PostgreSQL): reads made inside
# the block go through it and see its writes, as on SQLite's one connection.
_CURRENT_PG: contextvars.ContextVar[PgConnection | None] = contextvars.ContextVar(
    "linernotes_pg_transaction", default=None
)

# A transaction's connection: aiosqlite's, or a ``PgConnection`` on PostgreSQL. The store's
# writers are typed against the surface both share (``bot.store.connection``) and run unchanged
# on both backends.
Conn: TypeAlias = Connection
Row: TypeAlias = "aiosqlite.Row | asyncpg.Record"

DEFAULT_POOL_SIZE = 10
CONNECT_ATTEMPTS_FOR = 30.0  # seconds an unreachable PostgreSQL server is retried at start


class Store:
    """The bot's database: one aiosqlite connection, or a pool of PostgreSQL connections.

    Every write goes through ``transaction()``; readers and writers take portable SQL (see
    ``bot.store.dialect``) and work on either backend.
    """

    def __init__(
        self,
        conn: aiosqlite.Connection | None,
        path: Path | None,
        *,
        pool: asyncpg.Pool | None = None,
        database: DatabaseUrl | None = None,
    ) -> None:
        self._conn = conn
        self._pool = pool
        self.path = path
        self.database = database or DatabaseUrl.sqlite(path or ":memory:")
        self.dialect: Dialect = POSTGRES if pool is not None else SQLITE
        self.location = self.database.display()
        self._lock = asyncio.Lock()
        self._closed = False
        self._trace: list[str] | None = None
        self._reading_view: Store | None = None  # what ``reading`` hands its readers
        # SQLite: a small connection of its own that reads the catalog version on the event
        # loop's thread (``catalog_version``), opened on first use.
        self._version_reader: sqlite3.Connection | None = None
        # PostgreSQL: the version kept in memory, heard of by LISTEN/NOTIFY (from its second read).
        self._version_watch: VersionWatch | None = None
        self._version_reads = 0  # reads of the catalog version before the watch started
        self.read_cache = ReadCache()  # catalog reads kept until the catalog changes

    @property
    def is_postgres(self) -> bool:
        """Whether the store is on PostgreSQL."""
        return self._pool is not None

    # -- lifecycle -----------------------------------------------------------------
    @classmethod
    def open(
        cls,
        target: DatabaseUrl | Path | str,
        *,
        migrations: Sequence[Migration] | None = None,
        migrate: bool = True,
        pool_size: int = DEFAULT_POOL_SIZE,
        connect_for: float = CONNECT_ATTEMPTS_FOR,
    ) -> OpeningStore:
        """Open (creating if needed) and migrate the database at ``target``.

        ``target`` is a SQLite path, a ``DatabaseUrl`` or URL text (``postgresql://…``).
        ``store = await Store.open(target)`` gives an open store to close yourself;
        ``async with Store.open(target) as store:`` closes it when the block ends.
        """
        database = as_database(target)
        if database.is_postgres:
            return OpeningStore(
                cls._open_postgres(
                    database,
                    migrations=migrations,
                    migrate=migrate,
                    pool_size=pool_size,
                    connect_for=connect_for,
                )
            )
        assert database.path is not None
        return OpeningStore(cls._open(database.path, migrations=migrations, migrate=migrate))

    @classmethod
    async def _open_postgres(
        cls,
        database: DatabaseUrl,
        *,
        migrations: Sequence[Migration] | None,
        migrate: bool,
        pool_size: int,
        connect_for: float,
    ) -> Store:
        from bot.store import postgres as pg

        assert database.dsn is not None
        pool = await pg.create_pool(
            database.dsn,
            # Two at least: a block holding an advisory lock (``exclusive``) writes on another.
            size=max(pool_size, 2),
            display=database.display(),
            attempts_for=connect_for,
        )
        store = cls(None, None, pool=pool, database=database)
        try:
            if migrate:
                await store.migrate(migrations)
            else:
                await store.check_version(migrations)
        except BaseException:
            await store.close()
            raise
        return store

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
            # Reads through a memory map: a page the OS has cached costs no read() call and no
            # copy into SQLite's cache (at 1.47M names, a quarter of autocomplete's CPU).
            mapped = _MMAP_BYTES if _file_bytes(path) >= MMAP_FROM_BYTES else 0
            # One hand-over to the database thread for the settings, not one each.
            await conn.executescript(
                "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; "
                f"PRAGMA synchronous=NORMAL; PRAGMA cache_size = {-PAGE_CACHE_MIB * 1024}; "
                f"PRAGMA mmap_size={mapped};"
            )
            if migrate:
                await store.migrate(migrations)
            else:
                await store.check_version(migrations)
            # Temporary b-trees (a sort for ORDER BY … LIMIT, a materialised subquery, an IN
            # list) in memory, not in temporary files: each file cost a few system calls, about
            # 0.2 ms, and one autocomplete read opened up to 32 (the swapped-letter lookup took
            # 4.5 ms with nothing to find, 1.5 ms now). After the migrations, whose index builds
            # sort whole tables; what the bot sorts after that is small.
            await conn.execute("PRAGMA temp_store = MEMORY")
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
        """Wait for the running transaction, then close the connection (or the pool)."""
        if self._closed:
            return
        async with self._lock:
            self._closed = True
            if self._pool is not None:
                from bot.store import postgres as pg

                if self._version_watch is not None:
                    await self._version_watch.close()
                try:
                    # Not asyncio.wait_for: before Python 3.12 a cancellation landing as the
                    # close finishes is lost with it (bot/app/runner.py's ``_wait``).
                    async with asyncio.timeout(10):
                        await self._pool.close()
                except pg.CONNECTION_ERRORS:  # a timeout among them
                    self._pool.terminate()
                return
            assert self._conn is not None
            if self._version_reader is not None:
                self._version_reader.close()
                self._version_reader = None
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
        if self._pool is not None:
            table = await self.fetchone("SELECT to_regclass(?)", (POSTGRES_VERSION_TABLE,))
            if table is None or table[0] is None:
                return 0
            row = await self.fetchone(f"SELECT max(version) FROM {POSTGRES_VERSION_TABLE}")
            return int(row[0] or 0) if row else 0
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def has_table(self, name: str) -> bool:
        """Whether the database has a table called ``name`` (one not yet migrated may not)."""
        if self._pool is not None:
            row = await self.fetchone("SELECT to_regclass(?)", (name,))
            return row is not None and row[0] is not None
        row = await self.fetchone(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        )
        return row is not None

    def _too_new(self, current: int, latest: int) -> StoreError:
        setting = "DATABASE_URL" if self.database.is_postgres else "DATABASE_PATH"
        return StoreError(
            f"the database at {self.location} has schema version {current}, but this Liner "
            f"Notes only knows up to version {latest}: upgrade Liner Notes, or point {setting} "
            "at a backup made by this version"
        )

    async def check_version(self, migrations: Sequence[Migration] | None = None) -> int:
        """Refuse a database written by a newer Liner Notes; return its version."""
        known = list(migrations if migrations is not None else bundled_migrations())
        latest = known[-1].version if known else 0
        current = await self.user_version()
        if current > latest:
            raise self._too_new(current, latest)
        return current

    async def migrate(self, migrations: Sequence[Migration] | None = None) -> list[str]:
        """Apply pending migrations, each in one transaction with its version bump."""
        known = list(migrations if migrations is not None else bundled_migrations())
        if self._pool is not None:
            return await self._migrate_postgres(known)
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

    async def _migrate_postgres(self, known: list[Migration]) -> list[str]:
        """Migrate under an advisory lock, so processes starting together migrate once."""
        from bot.store import postgres as pg

        assert self._pool is not None
        latest = known[-1].version if known else 0
        applied: list[str] = []
        async with self._lock, self._pool.acquire() as raw:
            conn = pg.PgConnection(raw)
            await pg.guarded(raw.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK))
            try:
                await pg.guarded(
                    raw.execute(
                        f"CREATE TABLE IF NOT EXISTS {POSTGRES_VERSION_TABLE} "
                        "(version INTEGER NOT NULL, applied_at TEXT NOT NULL)"
                    )
                )
                current = int(
                    await pg.guarded(
                        raw.fetchval(
                            f"SELECT coalesce(max(version), 0) FROM {POSTGRES_VERSION_TABLE}"
                        )
                    )
                )
                if current > latest:
                    raise self._too_new(current, latest)
                for migration in known:
                    if migration.version <= current:
                        continue
                    try:
                        async with raw.transaction():
                            await conn.script(migration.script(self.dialect))
                            await conn.execute(
                                f"INSERT INTO {POSTGRES_VERSION_TABLE} (version, applied_at) "
                                "VALUES (?, ?)",
                                (migration.version, now_stamp()),
                            )
                    except sqlite3.DatabaseError as exc:
                        raise StoreError(f"migration {migration.name} failed: {exc}") from exc
                    log.info("applied migration %s", migration.name)
                    applied.append(migration.name)
            finally:
                await _unlock(raw, MIGRATION_LOCK)
        return applied

    # -- queries -------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """Run a block in one transaction (SQLite: ``BEGIN IMMEDIATE``), rolled back on error.

        The lock matters: aiosqlite serialises statements, not transactions, so
        without it one task's ROLLBACK could undo another task's writes. On PostgreSQL the
        lock keeps a process's writes in the same order as on SQLite; other processes
        coordinate through the database (row locks, advisory locks).
        """
        async with self._lock:
            if self._closed:
                raise StoreError("the database is closed")
            if self._pool is not None:
                async with self._pg_transaction() as pg:
                    yield pg
                return
            assert self._conn is not None
            await self._begin()
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._commit()

    @contextlib.asynccontextmanager
    async def _pg_transaction(self) -> AsyncIterator[PgConnection]:
        from bot.store import postgres as pg

        assert self._pool is not None
        raw = await pg.guarded(self._pool.acquire())
        try:
            tx = raw.transaction()
            await pg.guarded(tx.start())
            conn = pg.PgConnection(raw, self._trace, self, in_transaction=True)
            token = _CURRENT_PG.set(conn)
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(*pg.CONNECTION_ERRORS, pg.asyncpg.PostgresError):
                    await tx.rollback()
                raise
            else:
                await pg.guarded(tx.commit())
            finally:
                _CURRENT_PG.reset(token)
                # Committed (or perhaps, if the commit failed): the version kept in memory is
                # forgotten before the writer goes on, so this process's next read sees it;
                # other processes hear of it by notification.
                if conn.catalog_changed and self._version_watch is not None:
                    self._version_watch.changed()
        finally:
            await self._pool.release(raw)

    async def batch(self, work: Callable[[Conn], Coroutine[Any, Any, T]]) -> T:
        """Run ``work(conn)`` as one transaction on the database's own thread, in one hand-over.

        For bulk imports: each statement then costs what SQLite costs, not two thread switches
        (``bot/store/on_thread.py``). ``work`` may await only ``conn`` (it runs to its end
        without the event loop, which stays free meanwhile); an error rolls the batch back.

        On PostgreSQL there is no thread to hand over to: ``work`` runs in one transaction on
        a pooled connection (``transaction()``), with the same all-or-nothing result.
        """
        if self._pool is not None:
            async with self.transaction() as pg:
                return await work(pg)
        async with self._lock:
            if self._closed:
                raise StoreError("the database is closed")
            conn = self._conn
            assert conn is not None
            # aiosqlite has no public way to run a function on its thread; _execute is that way
            # in every version pyproject.toml allows (tests/store/test_batch.py runs it).
            raw, size = conn._conn, conn._iter_chunk_size

            def run() -> T:  # a plain function: aiosqlite logs its repr, not the batch's
                return run_batch(raw, work, size)

            result: T = await conn._execute(run)
            return result

    async def reading(self, work: Callable[[Store], Coroutine[Any, Any, T]]) -> T:
        """Run ``work(store)``, a reader of several queries, in one hand-over to the database.

        On SQLite each awaited query costs two thread switches (most of a small query's CPU);
        here ``work`` runs to its end on the database's thread against a view of this store
        whose queries run at once, as ``batch`` runs writers. ``work`` may await only the
        view's reads (anything else raises StoreError); it takes no lock, as ``fetchall`` takes
        none. On PostgreSQL ``work`` runs on one pooled connection, taken once for all its
        reads (outside a transaction, as each ``fetchall`` runs): handing a connection out and
        back for every query cost a third of a small read's client CPU.
        """
        if self._pool is not None:
            current = _CURRENT_PG.get()
            if current is not None and current.owner is self:
                return await work(self)
            return await self._pg_reading(work)
        if self._closed:
            raise StoreError("the database is closed")
        conn = self._conn
        assert conn is not None
        view = self._reading_view
        if view is None:  # one view for every reader: it holds no state of a reading's own
            raw = OnThreadConnection(conn._conn, conn._iter_chunk_size)
            view = self._reading_view = Store(raw, self.path, database=self.database)

        def run() -> T:  # a plain function: aiosqlite logs its repr, not the reader's
            return run_to_end(work(view))

        result: T = await conn._execute(run)
        return result

    async def _pg_reading(self, work: Callable[[Store], Coroutine[Any, Any, T]]) -> T:
        from bot.store import postgres as pg

        assert self._pool is not None
        if self._closed:
            raise StoreError("the database is closed")
        raw = await pg.guarded(self._pool.acquire())
        try:
            token = _CURRENT_PG.set(pg.PgConnection(raw, self._trace, self))
            try:
                return await work(self)
            finally:
                _CURRENT_PG.reset(token)
        finally:
            await self._pool.release(raw)

    async def on_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` with the raw SQLite connection on its own thread, under the store's lock.

        For work that must run outside a transaction (``ATTACH``) and opens its own; SQLite only.
        """
        if self._pool is not None:
            raise StoreError("on_thread runs on a SQLite connection")
        async with self._lock:
            if self._closed:
                raise StoreError("the database is closed")
            conn = self._conn
            assert conn is not None
            raw = conn._conn  # as in batch(): aiosqlite's way onto its thread

            def run() -> T:
                return work(raw)

            result: T = await conn._execute(run)
            return result

    @contextlib.asynccontextmanager
    async def larger_cache(self, mib: int = 64) -> AsyncIterator[None]:
        """Give SQLite's page cache ``mib`` MiB during a bulk import, then set it back.

        SQLite's default (2 MiB) holds little of the name indexes a dump import writes into, so
        every insert read index pages back from the file system; with 64 MiB an 8,000-line dump
        cost a fifth less CPU and half the wall time (docs/benchmarks.md). A connection now
        opens with ``PAGE_CACHE_MIB`` (64), so the block only matters when asked for more.

        Temporary storage goes to memory too: every insert into a table with triggers or
        checks keeps a statement journal of the pages it changes, a temporary file past 64 KiB,
        and a name row changes a dozen index pages, so each row wrote and read that file; in
        memory, a dump import costs a sixth less CPU. A batch's statements each touch a few
        rows, so the journal stays small.

        On PostgreSQL the cache is the server's (``shared_buffers``, set by its operator, shared
        by every connection), not one connection's to grow: the block runs as it is.
        """
        if self._pool is not None:
            yield
            return
        assert self._conn is not None
        row = await self.fetchone("PRAGMA cache_size")
        previous = int(row[0]) if row else -2000
        row = await self.fetchone("PRAGMA temp_store")
        temp_store = int(row[0]) if row else 0
        await self._conn.execute(f"PRAGMA cache_size = {-int(mib) * 1024}")
        await self._conn.execute("PRAGMA temp_store = MEMORY")
        try:
            yield
        finally:
            if not self._closed:
                await self._conn.execute(f"PRAGMA cache_size = {previous}")
                await self._conn.execute(f"PRAGMA temp_store = {temp_store}")

    async def _commit(self) -> None:
        """Run COMMIT; if it fails (a deferred constraint), roll back so no transaction leaks."""
        assert self._conn is not None
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
        assert self._conn is not None
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
        assert self._conn is not None
        with contextlib.suppress(sqlite3.Error):
            await begin
            await self._conn.execute("ROLLBACK")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement in its own transaction; return the rowcount."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Return every row of a read query."""
        if self._pool is not None:
            from bot.store import postgres as pg

            current = _CURRENT_PG.get()
            if current is not None and current.owner is self:
                return await current.execute_fetchall(sql, params)
            if self._trace is not None:
                self._trace.append(sql)
            if self._closed:
                raise StoreError("the database is closed")
            return list(await pg.guarded(self._pool.fetch(POSTGRES.sql(sql), *params)))
        assert self._conn is not None
        # One trip to aiosqlite's thread (execute, fetch and close there), not three: the
        # hand-over between threads is most of a small query's cost.
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
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
        if self._pool is not None:
            self._trace = seen
            try:
                yield seen
            finally:
                self._trace = None
            return
        assert self._conn is not None

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

    @contextlib.asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """Run a block that no other process sharing the database runs at the same time.

        On PostgreSQL an advisory lock named after ``name`` (held on a connection of its own
        while the block uses others); on SQLite each process has its own file, so there is
        nothing to wait for.
        """
        if self._pool is None:
            yield
            return
        from bot.store import postgres as pg

        key = advisory_key(name)
        raw = await pg.guarded(self._pool.acquire())
        try:
            await pg.guarded(raw.execute("SELECT pg_advisory_lock($1)", key))
            try:
                yield
            finally:
                await _unlock(raw, key)
        finally:
            await self._pool.release(raw)

    # -- maintenance ---------------------------------------------------------------
    async def backup(
        self, target: Path | str, *, progress: Callable[[int, int], None] | None = None
    ) -> Path:
        """Copy the live database to ``target`` with SQLite's online backup API.

        With ``progress``, the copy goes in steps and reports (pages copied, total pages).
        """
        if self._conn is None:
            raise StoreError(
                "backup copies a SQLite file; back up a PostgreSQL database with pg_dump, "
                "or copy it with `linernotes db copy --to URL`"
            )
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

    async def catalog_version(self) -> str:
        """Return the catalog version counter (every catalog write path bumps it), "0" if none.

        Cheap enough to ask per interaction (``bot.store.read_cache``): on a SQLite file it is
        read on the calling thread through a connection of its own, a few microseconds against
        about 0.1 ms for a hand-over to aiosqlite's thread. WAL readers take no lock a writer
        holds, so this does not wait on one; should it be busy all the same (a checkpoint's
        recovery), the version is read the ordinary way. On PostgreSQL it is kept in memory
        while a connection of the store's own listens for changes (``bot.store.version_watch``,
        which says what window that leaves), and read with one indexed statement otherwise.
        """
        if self._pool is not None:
            return await self._pg_catalog_version()
        if self._version_reader is None and self._can_read_version_here():
            assert self.path is not None
            reader = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            reader.execute("PRAGMA busy_timeout = 0")
            reader.execute("PRAGMA cache_size = -256")  # the meta page and the schema
            self._version_reader = reader
        if self._version_reader is not None:
            try:
                # Every row fetched, so the statement ends with its read transaction: an open
                # one would hold the WAL at its snapshot.
                rows = self._version_reader.execute(_META_SQL, ("catalog_version",)).fetchall()
            except sqlite3.OperationalError:
                pass  # busy: read it as every other query is
            else:
                return str(rows[0][0]) if rows else "0"
        value = await self.get_meta("catalog_version")
        return "0" if value is None else value

    def known_catalog_version(self) -> str | None:
        """Return the catalog version if it is known without a statement (PostgreSQL, while
        its notifications are heard), else ``None``."""
        watch = self._version_watch
        if watch is None or self._in_own_transaction():
            return None
        return watch.known()

    def _in_own_transaction(self) -> bool:
        current = _CURRENT_PG.get()
        return current is not None and current.owner is self and current.in_transaction

    async def _pg_catalog_version(self) -> str:
        watch = self._version_watch
        if self._in_own_transaction():
            watch = None  # the transaction's own view: it may have moved the version itself
        else:
            # From the second read on: a store that reads the version once (a one-shot command)
            # opens no connection to listen with; a bot reads it at each kept read.
            if watch is None and not self._closed:
                self._version_reads += 1
                if self._version_reads >= 2:
                    from bot.store.version_watch import VersionWatch

                    assert self.database.dsn is not None
                    watch = self._version_watch = VersionWatch(self.database.dsn)
                    watch.start()
            known = watch.known() if watch is not None else None
            if known is not None:
                return known
        generation = watch.generation if watch is not None else 0
        value = await self.get_meta("catalog_version")
        version = "0" if value is None else value
        if watch is not None:
            watch.learned(version, generation)  # kept only if nothing moved meanwhile
        return version

    def _can_read_version_here(self) -> bool:
        """Whether this store is a SQLite file it may open a second connection to."""
        return (
            not self._closed
            and isinstance(self._conn, aiosqlite.Connection)
            and self.path is not None
            and str(self.path) != ":memory:"
        )

    async def get_meta(self, key: str) -> str | None:
        """Return a value from the ``meta`` table."""
        row = await self.fetchone(_META_SQL, (key,))
        return None if row is None else str(row[0])

    async def set_meta(self, key: str, value: str) -> None:
        """Set a value in the ``meta`` table."""
        await self.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


async def _unlock(raw: asyncpg.Connection, key: int) -> None:
    """Release the advisory lock ``key`` held by ``raw``; if that fails, close the connection.

    The pool hands connections back without resetting them (``bot.store.postgres``), so a
    lock left held would stay with the connection and block every other process.
    """
    from bot.store import postgres as pg

    try:
        await raw.execute("SELECT pg_advisory_unlock($1)", key)
    except (*pg.CONNECTION_ERRORS, pg.asyncpg.PostgresError):
        raw.terminate()
    except asyncio.CancelledError:  # the unlock may not have run
        raw.terminate()
        raise


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

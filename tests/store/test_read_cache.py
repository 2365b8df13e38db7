"""cached_reading: catalog reads kept until the catalog version moves, on either backend, with
the version read cheaply (SQLite: on the calling thread, through a connection of its own;
PostgreSQL: kept in memory while a connection of the store's own hears of every change)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.store import Store
from bot.store import catalog as db
from bot.store.core import bundled_migrations
from bot.store.read_cache import ReadCache, cached_reading
from bot.store.version_watch import CHANNEL, VersionWatch

Reader = Callable[[Store], Coroutine[Any, Any, str]]


async def watching(store: Store) -> VersionWatch | None:
    """On PostgreSQL, return the store's version watch once it listens and knows the version
    (reads then take it from memory); on SQLite, ``None``."""
    if not store.is_postgres:
        return None
    await store.catalog_version()
    await store.catalog_version()  # the second use starts the watch
    watch = store._version_watch
    assert watch is not None
    await watch.until(lambda w: w.listening and w.versions_read == w.connections)
    await store.catalog_version()  # read once more, now kept
    assert store.known_catalog_version() is not None
    return watch


@contextlib.asynccontextmanager
async def heard_by(*watches: VersionWatch | None) -> AsyncIterator[None]:
    """Run a block that commits a catalog change in another store, then wait (no sleep) until
    each watch heard of it: a notification is asynchronous, so a read in another process
    started at once may still see the old version (bot/store/version_watch.py)."""
    before = [w.heard if w is not None else 0 for w in watches]
    yield
    for watch, heard in zip(watches, before, strict=True):
        if watch is not None:
            await watch.until(lambda w, heard=heard: w.heard > heard)  # type: ignore[misc]


def title_reader(runs: list[str]) -> Callable[[Store], Coroutine[Any, Any, str | None]]:
    """Return a reader of the meta row "cached-title" that notes each value it read."""

    async def title(view: Store) -> str | None:
        value = await view.get_meta("cached-title")
        runs.append(str(value))
        return value

    return title


async def retitle(store: Store, title: str) -> None:
    """Change the "catalog" (the meta row) and move the version on, as every write path does."""
    async with store.transaction() as conn:
        await conn.execute("UPDATE meta SET value = ? WHERE key = ?", (title, "cached-title"))
        await db.bump_catalog_version(conn)


def upper(key: str, runs: list[str]) -> Reader:
    """Return a reader that reads the meta row ``key``, notes that it ran, and returns KEY."""

    async def read(view: Store) -> str:
        runs.append(key)
        await view.get_meta(key)
        return key.upper()

    return read


async def test_a_kept_read_is_read_again_once_another_connection_changes_the_catalog(
    database: Path | str,
) -> None:
    async with Store.open(database) as store, Store.open(database) as other:
        await store.set_meta("cached-title", "Blueming")
        watch = await watching(store)
        runs: list[str] = []
        title = title_reader(runs)

        assert await cached_reading(store, "title", title) == "Blueming"
        assert await cached_reading(store, "title", title) == "Blueming"
        assert runs == ["Blueming"]  # the second came from the cache
        assert (store.read_cache.hits, store.read_cache.misses) == (1, 1)

        # Another process writes the catalog: its write path moves the version on.
        async with heard_by(watch):
            await retitle(other, "Blueming (remix)")
        assert await cached_reading(store, "title", title) == "Blueming (remix)"
        assert runs == ["Blueming", "Blueming (remix)"]


async def test_the_version_follows_every_bump_from_any_connection(database: Path | str) -> None:
    async with Store.open(database) as store, Store.open(database) as other:
        watches = await watching(store), await watching(other)
        first = await store.catalog_version()
        async with heard_by(watches[0]), other.transaction() as conn:
            await db.bump_catalog_version(conn)
        second = await store.catalog_version()
        async with heard_by(watches[1]), store.transaction() as conn:
            await db.bump_catalog_version(conn)
        third = await other.catalog_version()
        assert len({first, second, third}) == 3
        assert await db.catalog_version(store) == third == await store.catalog_version()


async def test_on_sqlite_the_version_is_read_without_a_hand_over(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "v.db") as store:
        async with store.transaction() as conn:
            await db.bump_catalog_version(conn)
        async with store.statements() as seen:
            assert await store.catalog_version() == "1"
        assert seen == []  # not one statement on aiosqlite's connection and thread
        assert store._version_reader is not None
        assert store._version_watch is None and store.known_catalog_version() is None
    assert store._version_reader is None  # closed with the store


async def test_on_postgresql_a_store_that_reads_the_version_once_opens_no_listener(
    postgres_url: str,
) -> None:
    # A one-shot command reads the version once: no connection of its own to listen with.
    async with Store.open(postgres_url) as store:
        version = await store.catalog_version()
        assert version == (await store.get_meta("catalog_version") or "0")
        assert store._version_watch is None
        await store.catalog_version()
        assert store._version_watch is not None  # a second read: the store keeps reading it


async def test_an_in_memory_store_reads_the_version_the_ordinary_way() -> None:
    async with Store.open(":memory:") as store:
        async with store.transaction() as conn:
            await db.bump_catalog_version(conn)
        assert await store.catalog_version() == "1"
        assert store._version_reader is None


async def test_an_error_is_not_kept(database: Path | str) -> None:
    async with Store.open(database) as store:
        runs = 0

        async def failing(view: Store) -> None:
            nonlocal runs
            runs += 1
            await view.get_meta("nothing")
            raise LookupError("nothing called that")

        for _ in range(2):
            with pytest.raises(LookupError, match="nothing called that"):
                await cached_reading(store, "failing", failing)
        assert runs == 2


async def test_the_least_recently_used_goes_first(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "lru.db") as store:
        store.read_cache = ReadCache(size=2)
        runs: list[str] = []
        for key in ("a", "b", "a", "c", "a", "b"):
            assert await cached_reading(store, key, upper(key, runs)) == key.upper()
        # "b" was dropped for "c" (the least recently used then), "a" stayed.
        assert runs == ["a", "b", "c", "b"]
        assert list(store.read_cache.kept) == ["a", "b"]


async def test_a_read_overtaken_by_a_newer_version_is_not_kept(database: Path | str) -> None:
    # A reads the version, then, before its reader runs, another process bumps it and B, a
    # second interaction, sees the new version (dropping what was kept): A's answer is
    # returned but not kept under the old version.
    async with Store.open(database) as store, Store.open(database) as other:
        watch = await watching(store)
        real = store.reading
        interleaved = False
        runs: list[str] = []
        read_a = upper("a", runs)

        async def reading(work: Reader) -> str:
            # Between A's version and A's reader (on PostgreSQL both run inside an outer
            # reading, which is let through).
            nonlocal interleaved
            if work is read_a and not interleaved:
                interleaved = True
                async with heard_by(watch), other.transaction() as conn:
                    await db.bump_catalog_version(conn)
                assert await cached_reading(store, "b", upper("b", runs)) == "B"
            return await real(work)

        store.reading = reading  # type: ignore[method-assign, assignment]
        assert await cached_reading(store, "a", read_a) == "A"
        assert interleaved
        assert list(store.read_cache.kept) == ["b"]
        assert await cached_reading(store, "a", upper("a", runs)) == "A"
        assert await cached_reading(store, "b", upper("b", runs)) == "B"
        assert runs == ["b", "a", "a"]


def hold_connections(watch: VersionWatch) -> asyncio.Event:
    """Make ``watch``'s next connections wait until the returned event is set."""
    gate = asyncio.Event()
    connect = watch._connect

    async def held() -> asyncpg.Connection:
        await gate.wait()
        return await connect()

    watch._connect = held  # type: ignore[method-assign]
    return gate


def never_listening(store: Store) -> None:
    """Give ``store`` a version watch that never connects: the version is read at every use."""
    assert store.database.dsn is not None
    watch = store._version_watch = VersionWatch(store.database.dsn)
    hold_connections(watch)
    watch.start()


class CountingPool:
    """A store's pool, counting each connection it hands out (``fetch`` takes one)."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.taken: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name in ("acquire", "fetch"):
            self.taken.append(name)
        return getattr(self.pool, name)


async def test_on_postgresql_a_miss_takes_one_pooled_connection(postgres_url: str) -> None:
    # Until the version is heard of (here: never), the version and the reader's queries run on
    # one connection: handing one out and back costs about as much client CPU as a small read.
    async with Store.open(postgres_url) as store:
        never_listening(store)
        counting = CountingPool(store._pool)
        store._pool = counting  # type: ignore[assignment]
        taken = counting.taken
        runs: list[str] = []

        async def two_reads(view: Store) -> str:
            runs.append("read")
            await view.get_meta("cached-a")
            await view.get_meta("cached-b")
            return "done"

        try:
            assert await cached_reading(store, "two", two_reads) == "done"  # a miss
            assert (taken, runs) == (["acquire"], ["read"])
            assert await cached_reading(store, "two", two_reads) == "done"  # kept
            assert (taken, runs) == (["acquire", "acquire"], ["read"])
        finally:
            store._pool = counting.pool
        assert (store.read_cache.hits, store.read_cache.misses) == (1, 1)


async def test_on_postgresql_a_kept_read_costs_no_statement_while_changes_are_heard(
    postgres_url: str,
) -> None:
    async with Store.open(postgres_url) as store, Store.open(postgres_url) as other:
        await store.set_meta("cached-title", "Blueming")
        watch = await watching(store)
        assert watch is not None
        runs: list[str] = []
        title = title_reader(runs)
        assert await cached_reading(store, "title", title) == "Blueming"  # a miss
        counting = CountingPool(store._pool)
        store._pool = counting  # type: ignore[assignment]
        try:
            async with store.statements() as seen:
                for _ in range(3):
                    assert await cached_reading(store, "title", title) == "Blueming"
            assert (seen, counting.taken) == ([], [])  # no connection, no statement
            # Another process's commit: heard, then the version is read once, then kept again.
            async with heard_by(watch):
                await retitle(other, "Blueming (remix)")
            async with store.statements() as seen:
                assert await cached_reading(store, "title", title) == "Blueming (remix)"
                assert await cached_reading(store, "title", title) == "Blueming (remix)"
            assert seen == [
                "SELECT value FROM meta WHERE key = ?",  # the version
                "SELECT value FROM meta WHERE key = ?",  # the title
            ]
            assert counting.taken == ["acquire"]  # one connection for both
        finally:
            store._pool = counting.pool
        assert runs == ["Blueming", "Blueming (remix)"]
        assert (await store.catalog_version()) == (await other.catalog_version())


async def test_on_postgresql_this_stores_own_change_is_seen_at_once(postgres_url: str) -> None:
    # Not when the notification arrives: the commit itself makes the store forget the version.
    async with Store.open(postgres_url) as store:
        await store.set_meta("cached-title", "Blueming")
        # A watch that does not ping meanwhile, and whose own read of the version is done: the
        # test then uses its connection, which takes one operation at a time.
        assert store.database.dsn is not None
        watch = store._version_watch = VersionWatch(store.database.dsn, ping_every=3600)
        watch.start()
        await watch.until(lambda w: w.listening and w.versions_read == w.connections)
        await store.catalog_version()  # read once more, now kept
        assert store.known_catalog_version() is not None
        runs: list[str] = []
        title = title_reader(runs)
        assert await cached_reading(store, "title", title) == "Blueming"
        # This store's listener stops hearing anything (UNLISTEN), to show the commit's part.
        assert watch._conn is not None
        await watch._conn.remove_listener(CHANNEL, watch._heard)
        await retitle(store, "Love wins all")
        assert store.known_catalog_version() is None
        assert await cached_reading(store, "title", title) == "Love wins all"
        assert watch.heard == 0 and store.known_catalog_version() is not None
        assert runs == ["Blueming", "Love wins all"]


async def test_on_postgresql_a_transaction_reads_the_version_it_wrote(postgres_url: str) -> None:
    async with Store.open(postgres_url) as store:
        await watching(store)
        before = int(await store.catalog_version())
        async with store.transaction() as conn:
            await db.bump_catalog_version(conn)
            # Inside the transaction, its own (uncommitted) version, not the one in memory.
            assert int(await store.catalog_version()) == before + 1
            assert store.known_catalog_version() is None
        assert int(await store.catalog_version()) == before + 1


async def test_on_postgresql_a_dropped_listener_falls_back_to_reading_the_version(
    postgres_url: str,
) -> None:
    async with Store.open(postgres_url) as store, Store.open(postgres_url) as other:
        await store.set_meta("cached-title", "Blueming")
        watch = await watching(store)
        assert watch is not None and watch._conn is not None
        runs: list[str] = []
        title = title_reader(runs)
        assert await cached_reading(store, "title", title) == "Blueming"
        # The listening connection is dropped (and its reconnection held back meanwhile).
        gate = hold_connections(watch)
        pid = watch._conn.get_server_pid()
        await other.fetchone("SELECT pg_terminate_backend(?)", (pid,))
        await watch.until(lambda w: not w.listening)
        assert store.known_catalog_version() is None
        # A change nobody is told of: the version is read, so the kept read is not served.
        await retitle(other, "Blueming (remix)")
        async with store.statements() as seen:
            assert await cached_reading(store, "title", title) == "Blueming (remix)"
            assert await cached_reading(store, "title", title) == "Blueming (remix)"
        assert seen.count("SELECT value FROM meta WHERE key = ?") == 3  # 2 versions, 1 title
        # Listening again: the version is known again once read.
        gate.set()
        await watch.until(lambda w: w.connections == 2 and w.listening)
        await store.catalog_version()
        assert store.known_catalog_version() == await other.catalog_version()
        async with heard_by(watch):
            await retitle(other, "Blueming (live)")
        assert await cached_reading(store, "title", title) == "Blueming (live)"
        assert runs == ["Blueming", "Blueming (remix)", "Blueming (live)"]


async def test_on_postgresql_a_listener_that_stops_answering_is_not_trusted(
    postgres_url: str,
) -> None:
    # A connection that dies without closing (its host gone): its pings go unanswered, and
    # once the last answer is older than ``trust_for`` the version is read again.
    async with Store.open(postgres_url) as store:
        assert store.database.dsn is not None
        watch = store._version_watch = VersionWatch(
            store.database.dsn, ping_every=0.01, trust_for=0.2
        )
        watch.start()
        await watch.until(lambda w: w.listening)
        await store.catalog_version()
        assert store.known_catalog_version() is not None
        never = asyncio.Event()

        async def unanswered(_conn: asyncpg.Connection) -> None:
            await never.wait()

        watch._ping = unanswered  # type: ignore[method-assign]
        hold_connections(watch)  # and it does not come back during the test
        await watch.until(lambda w: not w.listening)
        assert store.known_catalog_version() is None
        before = watch.generation
        await store.catalog_version()  # read, and not kept: nothing is listening
        assert store.known_catalog_version() is None and watch.generation == before


async def test_on_postgresql_the_version_is_trusted_only_for_a_while_after_an_answer(
    postgres_url: str,
) -> None:
    # Memory is trusted for ``trust_for`` after the listening connection last answered: a
    # connection that died silently stops being trusted then, even before a ping fails.
    now = [1000.0]
    async with Store.open(postgres_url) as store:
        assert store.database.dsn is not None
        watch = store._version_watch = VersionWatch(
            store.database.dsn, ping_every=3600, trust_for=5.0, clock=lambda: now[0]
        )
        watch.start()
        await watch.until(lambda w: w.listening)
        version = await store.catalog_version()
        now[0] += 4.9
        assert store.known_catalog_version() == version
        now[0] += 0.2
        assert watch.listening and store.known_catalog_version() is None
        assert await store.catalog_version() == version  # read, and not kept
        assert store.known_catalog_version() is None


async def test_on_postgresql_a_database_without_the_trigger_is_read_per_use() -> None:
    # A database at migration 0025 (no notifications) is never trusted: the version is read.
    from tests.support.postgres import fresh_database, release_database

    url = await fresh_database(bundled_migrations()[:25])
    try:
        async with Store.open(url, migrations=bundled_migrations()[:25]) as store:
            await store.catalog_version()
            await store.catalog_version()  # the second use starts the watch
            watch = store._version_watch
            assert watch is not None
            await watch.until(lambda w: w.unsupported)
            async with store.statements() as seen:
                assert await store.catalog_version() == "0"
            assert seen == ["SELECT value FROM meta WHERE key = ?"]
            assert store.known_catalog_version() is None
    finally:
        await release_database(url)

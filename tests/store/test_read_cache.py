"""cached_reading: catalog reads kept until the catalog version moves, on either backend, with
the version read cheaply (SQLite: on the calling thread, through a connection of its own)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from bot.store import Store
from bot.store import catalog as db
from bot.store.read_cache import ReadCache, cached_reading

Reader = Callable[[Store], Coroutine[Any, Any, str]]


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
        runs: list[str] = []

        async def title(view: Store) -> str | None:
            value = await view.get_meta("cached-title")
            runs.append(str(value))
            return value

        assert await cached_reading(store, "title", title) == "Blueming"
        assert await cached_reading(store, "title", title) == "Blueming"
        assert runs == ["Blueming"]  # the second came from the cache
        assert (store.read_cache.hits, store.read_cache.misses) == (1, 1)

        # Another process writes the catalog: its write path moves the version on.
        async with other.transaction() as conn:
            await conn.execute(
                "UPDATE meta SET value = ? WHERE key = ?", ("Blueming (remix)", "cached-title")
            )
            await db.bump_catalog_version(conn)
        assert await cached_reading(store, "title", title) == "Blueming (remix)"
        assert runs == ["Blueming", "Blueming (remix)"]


async def test_the_version_follows_every_bump_from_any_connection(database: Path | str) -> None:
    async with Store.open(database) as store, Store.open(database) as other:
        first = await store.catalog_version()
        async with other.transaction() as conn:
            await db.bump_catalog_version(conn)
        second = await store.catalog_version()
        async with store.transaction() as conn:
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
    assert store._version_reader is None  # closed with the store


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
                async with other.transaction() as conn:
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


async def test_on_postgresql_a_miss_takes_one_pooled_connection(postgres_url: str) -> None:
    # The version and the reader's queries run on one connection: handing one out and back
    # costs about as much client CPU as a small read.
    async with Store.open(postgres_url) as store:
        pool = store._pool
        assert pool is not None
        taken: list[str] = []

        class Counting:
            """The store's pool, counting each connection it hands out (``fetch`` takes one)."""

            def __getattr__(self, name: str) -> Any:
                if name in ("acquire", "fetch"):
                    taken.append(name)
                return getattr(pool, name)

        store._pool = Counting()  # type: ignore[assignment]
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
            store._pool = pool
        assert (store.read_cache.hits, store.read_cache.misses) == (1, 1)

"""Store.batch: a bulk import's batch runs as one transaction (SQLite: on the database's thread;
PostgreSQL: on one pooled connection)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import aiosqlite
import pytest

from bot.core.errors import StoreError
from bot.store import Store


async def count(store: Store) -> int:
    row = await store.fetchone("SELECT count(*) FROM meta WHERE key LIKE 'batch-%'")
    assert row is not None
    return int(row[0])


async def test_a_batch_commits_its_writes_together_on_the_database_thread(
    database: Path | str,
) -> None:
    async with Store.open(database) as store:
        threads: set[int] = set()

        async def work(conn: aiosqlite.Connection) -> list[str]:
            threads.add(threading.get_ident())
            await conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)", [("batch-1", "a"), ("batch-2", "b")]
            )
            async with conn.execute("SELECT value FROM meta WHERE key LIKE 'batch-%'") as cursor:
                values = [str(r[0]) for r in await cursor.fetchall()]
            cursor = await conn.execute("SELECT count(*) FROM meta")
            assert (await cursor.fetchone()) is not None
            return sorted(values)

        assert await store.batch(work) == ["a", "b"]
        if store.is_postgres:  # no thread to hand over to: the event loop's own
            assert threads == {threading.get_ident()}
        else:
            assert threads and threading.get_ident() not in threads
        assert await count(store) == 2


async def test_a_failing_batch_leaves_nothing(database: Path | str) -> None:
    async with Store.open(database) as store:

        async def work(conn: aiosqlite.Connection) -> None:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('batch-1', 'a')")
            raise ValueError("bad record")

        with pytest.raises(ValueError, match="bad record"):
            await store.batch(work)
        assert await count(store) == 0
        await store.set_meta("batch-after", "fine")  # the connection is usable after it
        assert await count(store) == 1


async def test_a_batch_that_waits_for_something_else_is_refused(tmp_path: Path) -> None:
    # SQLite only: on PostgreSQL a batch runs on the event loop, where waiting is allowed.
    async with Store.open(tmp_path / "b.db") as store:

        async def work(conn: aiosqlite.Connection) -> None:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('batch-1', 'a')")
            await asyncio.sleep(0)  # the event loop is not there to resume it

        with pytest.raises(StoreError, match="waited for something else"):
            await store.batch(work)
        assert await count(store) == 0


async def test_a_larger_cache_is_given_back_after_the_block(database: Path | str) -> None:
    async with Store.open(database) as store:
        async with store.larger_cache(8):
            await store.set_meta("batch-1", "a")
            if not store.is_postgres:
                row = await store.fetchone("PRAGMA cache_size")
                assert row is not None and int(row[0]) == -8 * 1024
        assert await count(store) == 1
        if not store.is_postgres:
            row = await store.fetchone("PRAGMA cache_size")
            assert row is not None and int(row[0]) != -8 * 1024


async def test_temporary_btrees_stay_in_memory(tmp_path: Path) -> None:
    # A search's sorts and IN lists each opened a temporary file (about 0.2 ms each, up to 32
    # a read): an open store keeps them in memory, also after a block that changes it. SQLite
    # only: PostgreSQL's temporary storage is the server's.
    async with Store.open(tmp_path / "store.db") as store:
        row = await store.fetchone("PRAGMA temp_store")
        assert row is not None and int(row[0]) == 2  # MEMORY
        async with store.larger_cache(8):
            await store.set_meta("batch-1", "a")
        row = await store.fetchone("PRAGMA temp_store")
        assert row is not None and int(row[0]) == 2

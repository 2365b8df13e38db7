"""Store.reading: a reader of several queries runs in one hand-over (SQLite: on the database's
thread, against a view whose queries run at once; PostgreSQL: on the store as it is)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.core.errors import StoreError
from bot.store import Store


async def test_a_reader_gets_its_queries_answers_in_one_hand_over(database: Path | str) -> None:
    async with Store.open(database) as store:
        await store.set_meta("reading-a", "1")
        await store.set_meta("reading-b", "2")
        threads: set[int] = set()

        async def reader(view: Store) -> tuple[list[str], str | None]:
            threads.add(threading.get_ident())
            rows = await view.fetchall(
                "SELECT key FROM meta WHERE key LIKE 'reading-%' ORDER BY key"
            )
            row = await view.fetchone("SELECT value FROM meta WHERE key = ?", ("reading-b",))
            return [str(r["key"]) for r in rows], None if row is None else str(row["value"])

        async with store.statements() as seen:
            assert await store.reading(reader) == (["reading-a", "reading-b"], "2")
        assert len([sql for sql in seen if "FROM meta" in sql]) == 2  # both ran, and were seen
        if store.is_postgres:  # no thread to hand over to: the event loop's own
            assert threads == {threading.get_ident()}
        else:
            assert threads and threading.get_ident() not in threads


async def test_a_readers_error_reaches_the_caller_and_the_store_goes_on(
    database: Path | str,
) -> None:
    async with Store.open(database) as store:

        async def reader(view: Store) -> None:
            await view.fetchall("SELECT key FROM meta")
            raise LookupError("nothing called that")

        with pytest.raises(LookupError, match="nothing called that"):
            await store.reading(reader)
        await store.set_meta("reading-after", "fine")
        assert await store.fetchone("SELECT 1 FROM meta WHERE key = 'reading-after'") is not None


async def test_a_reader_that_waits_for_something_else_is_refused(tmp_path: Path) -> None:
    # SQLite only: on PostgreSQL the reader runs on the event loop, where waiting is allowed.
    async with Store.open(tmp_path / "r.db") as store:

        async def reader(view: Store) -> None:
            await view.fetchall("SELECT key FROM meta")
            await asyncio.sleep(0)  # the event loop is not there to resume it

        with pytest.raises(StoreError, match="waited for something else"):
            await store.reading(reader)
        assert await store.fetchone("SELECT 1") is not None  # still usable


async def test_a_closed_store_refuses_a_reader(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "c.db")
    await store.close()

    async def reader(view: Store) -> None:
        await view.fetchall("SELECT 1")

    with pytest.raises(StoreError, match="closed"):
        await store.reading(reader)

"""The PostgreSQL pool hands connections back without asyncpg's reset statement: what a block
leaves on its connection (an advisory lock, an open transaction) must not outlive the block."""

from __future__ import annotations

import asyncpg
import pytest

from bot.store import Store
from bot.store.core import advisory_key


async def _lock_is_free(url: str, key: int) -> bool:
    """Whether another session can take the advisory lock ``key`` at once (then free it)."""
    other = await asyncpg.connect(url)
    try:
        taken = bool(await other.fetchval("SELECT pg_try_advisory_lock($1)", key))
        if taken:
            await other.execute("SELECT pg_advisory_unlock($1)", key)
        return taken
    finally:
        await other.close()


async def test_an_exclusive_block_frees_its_lock_for_other_processes(postgres_url: str) -> None:
    key = advisory_key("feeds")
    async with Store.open(postgres_url, pool_size=2) as store:
        async with store.exclusive("feeds"):
            assert not await _lock_is_free(postgres_url, key)
        assert await _lock_is_free(postgres_url, key)
        with pytest.raises(RuntimeError):
            async with store.exclusive("feeds"):
                raise RuntimeError("the block failed")
        assert await _lock_is_free(postgres_url, key)


async def test_a_failed_transaction_leaves_no_transaction_open(postgres_url: str) -> None:
    async with Store.open(postgres_url, pool_size=2) as store:
        with pytest.raises(RuntimeError):
            async with store.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", ("probe", "1"))
                raise RuntimeError("the block failed")
        assert await store.get_meta("probe") is None
        await store.set_meta("probe", "2")
        assert await store.get_meta("probe") == "2"

"""The PostgreSQL test databases (tests/support/postgres.py): a database given back is handed to
the next test only as its template made it, or not at all."""

from __future__ import annotations

from urllib.parse import urlsplit

import asyncpg
import pytest

from tests.support.postgres import fresh_database, release_database, server_url

pytestmark = pytest.mark.postgres


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


async def _exists(name: str) -> bool:
    admin = await asyncpg.connect(server_url())
    try:
        return bool(
            await admin.fetchval("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name)
        )
    finally:
        await admin.close()


async def test_a_database_given_back_comes_back_empty_with_its_counters_reset() -> None:
    url = await fresh_database()
    conn = await asyncpg.connect(url)
    try:
        first_ids = [
            await conn.fetchval(
                "INSERT INTO guild_audit (guild_id, key, changed_at) VALUES ($1, 'k', 'now') "
                "RETURNING id",
                guild,
            )
            for guild in (1, 2)
        ]
        await conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
        versions = await conn.fetchval("SELECT count(*) FROM linernotes_schema")
    finally:
        await conn.close()
    left_open = await asyncpg.connect(url)  # a test that forgot to close a connection
    await release_database(url)
    assert left_open.is_closed() or not await _answers(left_open)

    again = await fresh_database()
    try:
        assert _name(again) == _name(url)  # the same database, reused
        conn = await asyncpg.connect(again)
        try:
            assert await conn.fetchval("SELECT count(*) FROM guild_audit") == 0
            assert await conn.fetchval("SELECT count(*) FROM meta") == 0
            # The migrations' own records stay, and numbering starts again as in a new database.
            assert await conn.fetchval("SELECT count(*) FROM linernotes_schema") == versions
            new_id = await conn.fetchval(
                "INSERT INTO guild_audit (guild_id, key, changed_at) VALUES (3, 'k', 'now') "
                "RETURNING id"
            )
            assert new_id == first_ids[0]
        finally:
            await conn.close()
    finally:
        await release_database(again)


async def _answers(conn: asyncpg.Connection) -> bool:
    try:
        await conn.fetchval("SELECT 1")
    except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
        return False
    return True


async def test_a_database_whose_schema_changed_is_dropped_not_reused() -> None:
    url = await fresh_database()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("ALTER TABLE meta ADD COLUMN extra TEXT")
    finally:
        await conn.close()
    await release_database(url)
    assert not await _exists(_name(url))

    other = await fresh_database()
    try:
        assert _name(other) != _name(url)
        conn = await asyncpg.connect(other)
        try:
            columns = await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'meta' "
                "ORDER BY column_name"
            )
            assert [c["column_name"] for c in columns] == ["key", "value"]
        finally:
            await conn.close()
    finally:
        await release_database(other)


async def test_a_database_whose_migration_records_changed_is_dropped() -> None:
    url = await fresh_database()
    conn = await asyncpg.connect(url)
    try:
        assert await conn.execute("DELETE FROM linernotes_schema WHERE version = 1") == "DELETE 1"
    finally:
        await conn.close()
    await release_database(url)
    assert not await _exists(_name(url))

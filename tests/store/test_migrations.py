"""Migrations: numbered files, one transaction each, refuse a database from the future."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.core.errors import StoreError
from bot.store import Migration, Store, bundled_migrations
from bot.store.core import split_statements


def test_bundled_migrations_are_numbered_and_explain_why() -> None:
    migrations = bundled_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    for migration in migrations:
        assert migration.sql.lstrip().startswith("-- Why:"), migration.name


async def test_empty_database_migrates(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "new.db") as store:
        assert await store.user_version() == len(bundled_migrations())
        mode = await store.fetchone("PRAGMA journal_mode")
        assert mode[0] == "wal"
        keys = await store.fetchone("PRAGMA foreign_keys")
        assert keys[0] == 1


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    async with Store.open(path) as store:
        await store.set_meta("marker", "kept")
    async with Store.open(path) as store:
        assert await store.migrate() == []
        assert await store.get_meta("marker") == "kept"


async def test_failing_migration_leaves_version_and_data_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    base = bundled_migrations()
    async with Store.open(path, migrations=base) as store:
        await store.set_meta("marker", "before")

    broken = Migration(
        len(base) + 1,
        f"{len(base) + 1:04d}_broken.sql",
        "-- Why: test\n"
        "UPDATE meta SET value = 'during' WHERE key = 'marker';\n"
        "CREATE TABLE half_done (id INTEGER);\n"
        "INSERT INTO no_such_table VALUES (1);\n",
    )
    with pytest.raises(StoreError, match="broken"):
        await Store.open(path, migrations=[*base, broken])

    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(base)
        assert raw.execute("SELECT value FROM meta WHERE key='marker'").fetchone()[0] == "before"
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in tables
    finally:
        raw.close()


async def test_importance_signals_move_into_the_entity_columns(tmp_path: Path) -> None:
    # A database from before 0012 kept on-demand signals in importance_signals; migrating keeps
    # every value in the entities columns (even ones its triggers had not copied) and drops it.
    path = tmp_path / "old.db"
    migrations = bundled_migrations()
    index = next(i for i, m in enumerate(migrations) if "importance_signals_once" in m.name)
    old = Store.open(path, migrations=migrations[:index])
    async with old as store, store.transaction() as conn:
        for key in ("mb:a", "mb:b"):
            await conn.execute(
                "INSERT INTO entities (kind, key, origin, name) "
                "VALUES ('song', ?, 'musicbrainz', ?)",
                (key, key),
            )
        await conn.executemany(
            "INSERT INTO importance_signals (entity_id, signal, value) "
            "SELECT id, ?, ? FROM entities WHERE key = ?",
            [("wikidata sitelinks", 12, "mb:a"), ("musicbrainz releases", 3, "mb:a")],
        )
        await conn.execute("UPDATE entities SET sitelinks = NULL, release_count = NULL")
    async with Store.open(path) as store:
        assert await store.user_version() == len(migrations)
        rows = await store.fetchall(
            "SELECT key, sitelinks, release_count FROM entities ORDER BY key"
        )
        assert [tuple(r) for r in rows] == [("mb:a", 12, 3), ("mb:b", None, None)]
        left = await store.fetchall(
            "SELECT name FROM sqlite_master WHERE name LIKE 'importance_signals%'"
        )
        assert [tuple(r) for r in left] == []


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 999")
    raw.close()
    with pytest.raises(StoreError) as caught:
        await Store.open(path)
    message = str(caught.value)
    assert "999" in message
    assert "upgrade Liner Notes" in message
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 999
    raw.close()


async def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not sqlite " * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        await Store.open(path)


def test_split_statements_keeps_triggers_whole() -> None:
    script = """-- Why: x
    CREATE TABLE a (id INTEGER);
    CREATE TRIGGER t AFTER INSERT ON a BEGIN
        UPDATE a SET id = id; SELECT 1;
    END;
    -- trailing comment
    """
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].rstrip().endswith("END;")


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "t.db") as store:
        with pytest.raises(RuntimeError):
            async with store.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
                raise RuntimeError("boom")
        assert await store.get_meta("a") is None


async def test_concurrent_transactions_do_not_undo_each_other(tmp_path: Path) -> None:
    import asyncio

    async def failing() -> None:
        async with store.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('bad', 'x')")
            await asyncio.sleep(0)
            raise ValueError

    async def good(n: int) -> None:
        await store.set_meta(f"good{n}", "kept")

    async with Store.open(tmp_path / "t.db") as store:
        results = await asyncio.gather(
            failing(), *(good(n) for n in range(5)), return_exceptions=True
        )
        assert isinstance(results[0], ValueError)
        for n in range(5):
            assert await store.get_meta(f"good{n}") == "kept"
        assert await store.get_meta("bad") is None


async def test_backup_while_open(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "live.db") as store:
        await store.set_meta("k", "v")
        target = await store.backup(tmp_path / "backups" / "copy.db")
    async with Store.open(target, migrate=False) as copy:
        assert await copy.get_meta("k") == "v"


async def test_a_task_cancelled_while_beginning_leaves_no_transaction_open(
    tmp_path: Path,
) -> None:
    import asyncio

    async with Store.open(tmp_path / "t.db") as store:
        writer = asyncio.create_task(store.set_meta("cancelled", "x"))
        await asyncio.sleep(0)  # one turn: the writer is now waiting on BEGIN IMMEDIATE
        writer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await writer
        await store.set_meta("after", "kept")  # failed before: a transaction was left open
        assert await store.get_meta("after") == "kept"
        assert await store.get_meta("cancelled") is None


async def test_a_failed_commit_leaves_no_transaction_open(tmp_path: Path) -> None:
    # A deferred foreign key is only checked at COMMIT, so COMMIT itself fails.
    store = await Store.open(tmp_path / "t.db")
    try:
        async with store.transaction() as conn:
            await conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            await conn.execute(
                "CREATE TABLE child (parent INTEGER REFERENCES parent (id)"
                " DEFERRABLE INITIALLY DEFERRED)"
            )
        with pytest.raises(sqlite3.IntegrityError):
            async with store.transaction() as conn:
                await conn.execute("INSERT INTO child (parent) VALUES (7)")
        await store.set_meta("after", "kept")  # failed before: the transaction was left open
        assert await store.get_meta("after") == "kept"
        assert await store.fetchall("SELECT * FROM child") == []
    finally:
        await store.close()


async def test_backup_reports_progress(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    async with Store.open(tmp_path / "live.db") as store:
        await store.set_meta("k", "v")
        await store.backup(
            tmp_path / "copy.db", progress=lambda done, total: seen.append((done, total))
        )
    assert seen and seen[-1][0] == seen[-1][1] > 0


async def test_store_closes_at_the_end_of_its_block(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "ctx.db") as store:
        await store.set_meta("k", "v")
        assert not store.closed
    assert store.closed
    opened = await Store.open(tmp_path / "ctx.db")
    async with opened as again:
        assert again is opened
        assert await again.get_meta("k") == "v"
    assert opened.closed
    with pytest.raises(ValueError):
        async with Store.open(tmp_path / "ctx.db") as failing:
            raise ValueError
    assert failing.closed


async def test_only_a_large_file_is_read_through_a_memory_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "small.db"
    store = await Store.open(path)
    try:  # a small catalog: SQLite's own cache holds it; mapping it would count it twice
        assert (await store.fetchone("PRAGMA mmap_size"))[0] == 0
    finally:
        await store.close()
    monkeypatch.setattr("bot.store.core.MMAP_FROM_BYTES", path.stat().st_size)
    store = await Store.open(path)
    try:  # as large as the threshold: mapped from this open on
        assert (await store.fetchone("PRAGMA mmap_size"))[0] == 1 << 30
    finally:
        await store.close()

"""The heartbeat rows `linernotes status` reads: one per process (migration 0020), both backends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.shards import ALL_SHARDS, process_key, process_label
from bot.store import Store, bundled_migrations
from bot.store.status import PRUNE_AFTER, Heartbeat, StatusStore
from tests.support.backends import BACKENDS
from tests.support.postgres import fresh_database, release_database

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def beat(process: str, *, pid: int, at: datetime = NOW, guilds: int = 3) -> Heartbeat:
    return Heartbeat(
        written_at=at,
        started_at=at - timedelta(minutes=5),
        pid=pid,
        version="9.9.9",
        shard_count=1,
        shards_connected=1,
        guild_count=guilds,
        latency_ms=40,
        last_event="GUILD_CREATE",
        last_event_at=at,
        process=process,
    )


def test_a_process_is_named_by_its_shards() -> None:
    assert process_key(None, None) == ALL_SHARDS
    assert process_key(4, None) == ALL_SHARDS  # SHARD_COUNT alone: this process runs all
    assert process_key(2, (1, 0)) == ALL_SHARDS
    assert process_key(4, (3, 1)) == "1,3/4"
    assert process_label("1,3/4") == "shards 1,3 of 4"
    assert process_label("0/2") == "shard 0 of 2"
    assert process_label(ALL_SHARDS) == "all shards"


async def test_each_process_keeps_its_own_row_and_a_restart_replaces_it(
    database: Path | str,
) -> None:
    async with Store.open(database) as store:
        status = StatusStore(store)
        assert await status.heartbeats() == []
        await status.write_heartbeat(beat("0/2", pid=100))
        await status.write_heartbeat(beat("1/2", pid=200))
        assert [(b.process, b.pid) for b in await status.heartbeats()] == [
            ("0/2", 100),
            ("1/2", 200),
        ]
        # Process 0 restarts (a new pid): its row is replaced, the other's is untouched.
        restarted = replace(beat("0/2", pid=101, guilds=4), written_at=NOW + timedelta(seconds=30))
        await status.write_heartbeat(restarted)
        assert [(b.process, b.pid, b.guild_count) for b in await status.heartbeats()] == [
            ("0/2", 101, 4),
            ("1/2", 200, 3),
        ]
        # A stop recorded by the old process 0 must not mark its successor stopped.
        old = beat("0/2", pid=100)
        await status.mark_stopped(NOW, process="0/2", started_at=old.started_at, pid=old.pid)
        assert (await status.heartbeat("0/2")) == restarted
        await status.mark_stopped(
            NOW + timedelta(minutes=1), process="1/2", started_at=old.started_at, pid=200
        )
        stopped = await status.heartbeat("1/2")
        assert stopped is not None and stopped.stopped_at == NOW + timedelta(minutes=1)
        assert stopped.shards_connected == 0
        assert (await status.heartbeat("0/2")) == restarted


async def test_rows_of_processes_long_gone_are_pruned(database: Path | str) -> None:
    async with Store.open(database) as store:
        status = StatusStore(store)
        # Re-sharded from two processes to one: the old rows stay (shown stale or stopped)...
        await status.write_heartbeat(beat("0/2", pid=100, at=NOW - PRUNE_AFTER))
        await status.write_heartbeat(beat("1/2", pid=200, at=NOW - timedelta(hours=1)))
        await status.write_heartbeat(beat(ALL_SHARDS, pid=300, at=NOW - timedelta(seconds=1)))
        assert [b.process for b in await status.heartbeats()] == ["0/2", "1/2", ALL_SHARDS]
        # ...until a beat finds them older than PRUNE_AFTER.
        await status.write_heartbeat(beat(ALL_SHARDS, pid=300, at=NOW + timedelta(seconds=1)))
        assert [b.process for b in await status.heartbeats()] == ["1/2", ALL_SHARDS]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_one_row_of_before_becomes_the_row_of_all_shards(
    backend: str, tmp_path: Path
) -> None:
    before = [m for m in bundled_migrations() if m.version < 20]
    where: Path | str = tmp_path / "old.db"
    if backend != "sqlite":
        where = await fresh_database(before)
    try:
        async with Store.open(where, migrations=before) as old:
            await old.execute(
                "INSERT INTO heartbeat (id, written_at, started_at, pid, version, shard_count, "
                "shards_connected, guild_count, latency_ms, last_event, last_event_at, "
                "stopped_at, phase, phase_note) "
                "VALUES (1, ?, ?, 42, '0.9.0', 1, 1, 7, 12, 'READY', ?, NULL, 'running', NULL)",
                (NOW.isoformat(), (NOW - timedelta(hours=1)).isoformat(), NOW.isoformat()),
            )
            # `status` of a newer release reads it before the bot has migrated.
            assert [(b.process, b.pid) for b in await StatusStore(old).heartbeats()] == [
                (ALL_SHARDS, 42)
            ]
        async with Store.open(where) as store:
            beats = await StatusStore(store).heartbeats()
            assert [(b.process, b.pid, b.guild_count, b.written_at) for b in beats] == [
                (ALL_SHARDS, 42, 7, NOW)
            ]
            # The one-process bot's next beat replaces it.
            await StatusStore(store).write_heartbeat(beat(ALL_SHARDS, pid=43))
            assert [b.pid for b in await StatusStore(store).heartbeats()] == [43]
    finally:
        if isinstance(where, str):
            await release_database(where)

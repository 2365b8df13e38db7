"""The running bot's heartbeat, and the figures `linernotes status` reads from the database."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.shards import ALL_SHARDS
from bot.store.core import Store

# The running bot writes its heartbeat this often; a heartbeat older than STALE_AFTER means the
# bot is not running (or hung).
HEARTBEAT_SECONDS = 30
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
# Each process keeps its own row (keyed by its shards); the row of a process that has not
# written for this long (it was re-sharded away, or never came back) is deleted by the others.
PRUNE_AFTER = timedelta(days=1)
# What the process is doing: opening the database and connecting, waiting to try Discord again,
# or connected and answering (the bot's own beats).
PHASES = ("starting", "retrying", "running")


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat(timespec="seconds")


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """What the running bot last said about itself."""

    written_at: datetime
    started_at: datetime
    pid: int
    version: str
    shard_count: int
    shards_connected: int
    guild_count: int
    latency_ms: int | None
    last_event: str | None
    last_event_at: datetime | None
    stopped_at: datetime | None = None
    phase: str = "running"
    phase_note: str | None = None  # why it is retrying
    process: str = ALL_SHARDS  # the shards it runs (bot.core.shards.process_key)

    @classmethod
    def from_row(cls, row: sqlite3.Row | Mapping[str, Any]) -> Heartbeat:
        """Build from a ``heartbeat`` row."""
        return cls(
            written_at=datetime.fromisoformat(row["written_at"]),
            started_at=datetime.fromisoformat(row["started_at"]),
            pid=int(row["pid"]),
            version=str(row["version"]),
            shard_count=int(row["shard_count"]),
            shards_connected=int(row["shards_connected"]),
            guild_count=int(row["guild_count"]),
            latency_ms=None if row["latency_ms"] is None else int(row["latency_ms"]),
            last_event=row["last_event"],
            last_event_at=_dt(row["last_event_at"]),
            stopped_at=_dt(row["stopped_at"]),
            # A row written before the phase existed is a running bot's.
            phase=str(row["phase"]) if "phase" in row.keys() else "running",  # noqa: SIM118
            phase_note=row["phase_note"] if "phase_note" in row.keys() else None,  # noqa: SIM118
            process=str(row["process"]) if "process" in row.keys() else ALL_SHARDS,  # noqa: SIM118
        )


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """How the followed feeds are doing."""

    followed: int
    due: int
    failing: int
    disabled: int
    outbox_backlog: int


class StatusStore:
    """Heartbeat writes (the bot) and status reads (the CLI)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def write_heartbeat(self, beat: Heartbeat) -> None:
        """Replace this process's heartbeat row; delete rows of processes long gone."""
        async with self.store.transaction() as tx:
            await tx.execute(
                "INSERT INTO heartbeat (process, written_at, started_at, pid, version, "
                "shard_count, shards_connected, guild_count, latency_ms, last_event, "
                "last_event_at, stopped_at, phase, phase_note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (process) DO UPDATE SET "
                "written_at = excluded.written_at, started_at = excluded.started_at, "
                "pid = excluded.pid, version = excluded.version, "
                "shard_count = excluded.shard_count, shards_connected = excluded.shards_connected, "
                "guild_count = excluded.guild_count, latency_ms = excluded.latency_ms, "
                "last_event = excluded.last_event, last_event_at = excluded.last_event_at, "
                "stopped_at = excluded.stopped_at, phase = excluded.phase, "
                "phase_note = excluded.phase_note",
                (
                    beat.process,
                    _ts(beat.written_at),
                    _ts(beat.started_at),
                    beat.pid,
                    beat.version,
                    beat.shard_count,
                    beat.shards_connected,
                    beat.guild_count,
                    beat.latency_ms,
                    beat.last_event,
                    _ts(beat.last_event_at),
                    _ts(beat.stopped_at),
                    beat.phase,
                    beat.phase_note,
                ),
            )
            # The same format everywhere (_ts), so the text compares as the time does.
            await tx.execute(
                "DELETE FROM heartbeat WHERE process <> ? AND written_at < ?",
                (beat.process, _ts(beat.written_at - PRUNE_AFTER)),
            )

    async def mark_stopped(
        self,
        when: datetime,
        *,
        process: str = ALL_SHARDS,
        started_at: datetime | None = None,
        pid: int | None = None,
    ) -> None:
        """Record a clean stop of ``process``, so status tells "stopped" from "hung".

        With ``started_at`` and ``pid``, only if the row is still this process's: a process
        stopping while its successor already beats must not mark the successor stopped.
        """
        if started_at is None or pid is None:
            await self.store.execute(
                "UPDATE heartbeat SET stopped_at = ?, shards_connected = 0 WHERE process = ?",
                (_ts(when), process),
            )
            return
        await self.store.execute(
            "UPDATE heartbeat SET stopped_at = ?, shards_connected = 0 "
            "WHERE process = ? AND pid = ? AND started_at = ?",
            (_ts(when), process, pid, _ts(started_at)),
        )

    async def heartbeats(self) -> list[Heartbeat]:
        """Return every process's last heartbeat (by process key); none if the bot never ran."""
        if not await self.store.has_table("heartbeat"):  # not yet migrated by this version
            return []
        # Sorted here, not in SQL: a database before migration 0020 (status run by a newer
        # release than the bot) has one row and no process column.
        rows = await self.store.fetchall("SELECT * FROM heartbeat")
        return sorted((Heartbeat.from_row(row) for row in rows), key=lambda beat: beat.process)

    async def heartbeat(self, process: str = ALL_SHARDS) -> Heartbeat | None:
        """Return ``process``'s last heartbeat, or ``None`` if it never ran on this database."""
        return next((beat for beat in await self.heartbeats() if beat.process == process), None)

    async def outbox_backlog(self) -> int:
        """Return how many posts wait to be sent."""
        row = await self.store.fetchone("SELECT count(*) FROM feed_outbox WHERE state = 'pending'")
        return int(row[0]) if row else 0

    async def feed_health(self, now: datetime) -> FeedHealth:
        """Return counts of followed feeds that are due, failing or disabled, and the backlog."""
        row = await self.store.fetchone(
            "SELECT count(*) AS followed, "
            # CASE, not a summed condition: PostgreSQL does not add up booleans.
            "coalesce(sum(CASE WHEN disabled_reason IS NULL AND next_poll_at <= ? THEN 1 "
            "ELSE 0 END), 0) AS due, "
            "coalesce(sum(CASE WHEN disabled_reason IS NULL AND failure_streak > 0 THEN 1 "
            "ELSE 0 END), 0) AS failing, "
            "coalesce(sum(CASE WHEN disabled_reason IS NOT NULL THEN 1 ELSE 0 END), 0) "
            "AS disabled "
            "FROM feeds WHERE id IN (SELECT feed_id FROM feed_subscriptions)",
            (_ts(now),),
        )
        assert row is not None  # an aggregate always returns a row
        return FeedHealth(
            followed=int(row["followed"]),
            due=int(row["due"]),
            failing=int(row["failing"]),
            disabled=int(row["disabled"]),
            outbox_backlog=await self.outbox_backlog(),
        )

"""`linernotes status`: the running bot's state, from its heartbeat and the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.database_url import DatabaseUrl, as_database
from bot.store.status import STALE_AFTER, FeedHealth, Heartbeat


@dataclass(frozen=True, slots=True)
class StatusReport:
    """What `linernotes status` prints, and whether the bot is up (its exit code)."""

    lines: list[str]
    healthy: bool


def ago(then: datetime, now: datetime) -> str:
    """Return a short age: "12 s ago", "5 min ago", "3 h ago", "2 d ago"."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def database_bytes(path: Path) -> int:
    """Return the size of the database with its write-ahead log."""
    return sum(
        p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


def _size(count: int) -> str:
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / (1024 * 1024):.1f} MiB"


def build_report(
    beat: Heartbeat | None,
    health: FeedHealth,
    *,
    database: DatabaseUrl | Path,
    schema_version: int,
    now: datetime,
) -> StatusReport:
    """Describe the bot's state; healthy only when a fresh heartbeat shows every shard up."""
    database = as_database(database)
    lines: list[str] = []
    if beat is None:
        lines.append("bot: has never run on this database (no heartbeat)")
        healthy = False
    elif beat.stopped_at is not None:
        lines.append(f"bot: stopped {ago(beat.stopped_at, now)} (pid {beat.pid}, {beat.version})")
        healthy = False
    elif beat.phase != "running" and now - beat.written_at <= STALE_AFTER:
        # A process that has not connected yet: say so, rather than "never ran" or "stopped".
        doing = "starting (opening the database, connecting to Discord)"
        if beat.phase == "retrying":
            doing = f"retrying Discord ({beat.phase_note or 'cannot reach it'})"
        lines.append(
            f"bot: {doing}, pid {beat.pid}, version {beat.version}, "
            f"up since {beat.started_at:%Y-%m-%d %H:%M} UTC, heartbeat {ago(beat.written_at, now)}"
        )
        lines.append("shards: not connected yet")
        healthy = False
    else:
        fresh = now - beat.written_at <= STALE_AFTER
        state = "running" if fresh else "NOT RESPONDING (heartbeat is stale)"
        lines.append(
            f"bot: {state}, pid {beat.pid}, version {beat.version}, "
            f"up since {beat.started_at:%Y-%m-%d %H:%M} UTC, "
            f"heartbeat {ago(beat.written_at, now)}"
        )
        latency = f", latency {beat.latency_ms} ms" if beat.latency_ms is not None else ""
        lines.append(f"shards: {beat.shards_connected}/{beat.shard_count} connected{latency}")
        lines.append(f"servers: {beat.guild_count}")
        if beat.last_event and beat.last_event_at:
            lines.append(f"last gateway event: {beat.last_event} {ago(beat.last_event_at, now)}")
        else:
            lines.append("last gateway event: none yet")
        healthy = fresh and beat.shard_count > 0 and beat.shards_connected == beat.shard_count
    lines.append(
        f"feeds: {health.followed} followed, {health.due} due, {health.failing} failing, "
        f"{health.disabled} disabled"
    )
    lines.append(f"outbox: {health.outbox_backlog} posts waiting")
    size = f", {_size(database_bytes(database.path))}" if database.path is not None else ""
    lines.append(f"database: {database}{size}, schema version {schema_version}")
    return StatusReport(lines, healthy)

"""`linernotes status`: the running bot's state, from its heartbeat and the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.database_url import DatabaseUrl, as_database
from bot.core.shards import ALL_SHARDS, process_label
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


def _process_lines(beat: Heartbeat, now: datetime) -> tuple[str, list[str], bool]:
    """Return a process's first line (after its name), its other lines, and whether it is up."""
    if beat.stopped_at is not None:
        return f"stopped {ago(beat.stopped_at, now)} (pid {beat.pid}, {beat.version})", [], False
    if beat.phase != "running" and now - beat.written_at <= STALE_AFTER:
        # A process that has not connected yet: say so, rather than "never ran" or "stopped".
        doing = "starting (opening the database, connecting to Discord)"
        if beat.phase == "retrying":
            doing = f"retrying Discord ({beat.phase_note or 'cannot reach it'})"
        first = (
            f"{doing}, pid {beat.pid}, version {beat.version}, "
            f"up since {beat.started_at:%Y-%m-%d %H:%M} UTC, heartbeat {ago(beat.written_at, now)}"
        )
        return first, ["shards: not connected yet"], False
    fresh = now - beat.written_at <= STALE_AFTER
    state = "running" if fresh else "NOT RESPONDING (heartbeat is stale)"
    first = (
        f"{state}, pid {beat.pid}, version {beat.version}, "
        f"up since {beat.started_at:%Y-%m-%d %H:%M} UTC, "
        f"heartbeat {ago(beat.written_at, now)}"
    )
    latency = f", latency {beat.latency_ms} ms" if beat.latency_ms is not None else ""
    rest = [
        f"shards: {beat.shards_connected}/{beat.shard_count} connected{latency}",
        f"servers: {beat.guild_count}",
    ]
    if beat.last_event and beat.last_event_at:
        rest.append(f"last gateway event: {beat.last_event} {ago(beat.last_event_at, now)}")
    else:
        rest.append("last gateway event: none yet")
    up = fresh and beat.shard_count > 0 and beat.shards_connected == beat.shard_count
    return first, rest, up


def build_report(
    beats: Sequence[Heartbeat],
    health: FeedHealth,
    *,
    database: DatabaseUrl | Path,
    schema_version: int,
    now: datetime,
    own: str | None = None,
) -> StatusReport:
    """Describe the bot's state: each process's heartbeat, the feeds and the database.

    A bot run by one process for every shard reads as it always did ("bot: running, ...").
    Several processes on one database get a line each, named by their shards. Healthy: the
    process ``own`` (the one this command is the health check of) is up, or without it, some
    process is up and every process not stopped on purpose is up too.
    """
    database = as_database(database)
    lines: list[str] = []
    ups: dict[str, bool] = {}
    if not beats:
        lines.append("bot: has never run on this database (no heartbeat)")
    elif len(beats) == 1 and beats[0].process == ALL_SHARDS:
        first, rest, ups[ALL_SHARDS] = _process_lines(beats[0], now)
        lines += [f"bot: {first}", *rest]
    else:
        running = sum(1 for beat in beats if beat.stopped_at is None)
        lines.append(f"bot: {len(beats)} processes on this database, {running} not stopped")
        for beat in beats:
            first, rest, ups[beat.process] = _process_lines(beat, now)
            lines.append(f"process ({process_label(beat.process)}): {first}")
            lines += [f"  {line}" for line in rest]
    if own is not None and own != ALL_SHARDS:
        healthy = ups.get(own, False)
    else:
        stopped = {beat.process for beat in beats if beat.stopped_at is not None}
        healthy = any(ups.values()) and all(
            up for process, up in ups.items() if process not in stopped
        )
    lines.append(
        f"feeds: {health.followed} followed, {health.due} due, {health.failing} failing, "
        f"{health.disabled} disabled"
    )
    lines.append(f"outbox: {health.outbox_backlog} posts waiting")
    size = f", {_size(database_bytes(database.path))}" if database.path is not None else ""
    lines.append(f"database: {database}{size}, schema version {schema_version}")
    return StatusReport(lines, healthy)

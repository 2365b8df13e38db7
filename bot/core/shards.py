"""Which servers a process owns: Discord's shard formula, for Python checks and SQL filters.

Discord routes a server's events to shard ``(guild_id >> 22) % shard_count``. A process that
runs some of the shards owns exactly those servers: its loops touch only them, and their
state lives in its database (docs/scaling.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def shard_of(guild_id: int, shard_count: int) -> int:
    """Return the shard that receives ``guild_id``'s events (Discord's sharding formula)."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class ShardScope:
    """The shards one process runs, out of ``count``."""

    count: int
    ids: tuple[int, ...]

    @classmethod
    def of(cls, count: int, ids: Iterable[int] | None = None) -> ShardScope:
        """Return the scope of ``ids`` (default: every shard) out of ``count``."""
        chosen = tuple(sorted(set(range(count) if ids is None else ids)))
        if count < 1 or not chosen or not all(0 <= i < count for i in chosen):
            raise ValueError(f"shard ids {chosen} do not fit a shard count of {count}")
        return cls(count, chosen)

    @property
    def everything(self) -> bool:
        """Return whether this process runs every shard (it owns every server)."""
        return len(self.ids) == self.count

    def owns(self, guild_id: int) -> bool:
        """Return whether ``guild_id``'s events come to this process."""
        return shard_of(guild_id, self.count) in self.ids

    def sql(self, column: str) -> tuple[str, tuple[int, ...]]:
        """Return a WHERE condition on ``column`` (a guild id) and its parameters.

        ``column`` is code, never user text. SQLite's ``>>`` and ``%`` on 64-bit integers match
        Python's for snowflakes, which are positive and below 2**63.
        """
        if self.everything:
            return "1 = 1", ()  # a condition on both backends (PostgreSQL has no bare 1)
        marks = ", ".join("?" * len(self.ids))
        return f"(({column} >> 22) % ?) IN ({marks})", (self.count, *self.ids)


# The heartbeat key of a process that runs every shard (the one-process bot).
ALL_SHARDS = "all"


def process_key(shard_count: int | None, shard_ids: Iterable[int] | None) -> str:
    """Name a process by the shards it runs: "all", or "0,1/4" (shards 0 and 1 of 4).

    Stable across restarts, so a restarted process replaces its own heartbeat row.
    """
    if shard_count is None or shard_ids is None:
        return ALL_SHARDS
    chosen = sorted(set(shard_ids))
    if len(chosen) == shard_count:
        return ALL_SHARDS
    return f"{','.join(str(i) for i in chosen)}/{shard_count}"


def process_label(key: str) -> str:
    """Return how status names the process of ``key``: "all shards", "shards 0,1 of 4"."""
    if key == ALL_SHARDS:
        return "all shards"
    ids, _, count = key.partition("/")
    noun = "shard" if "," not in ids else "shards"
    return f"{noun} {ids} of {count}"

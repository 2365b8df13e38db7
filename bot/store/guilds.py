"""Per-server settings with their audit, follows, threads, scheduled posts and suggestions."""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core.clock import now_stamp
from bot.core.shards import ShardScope
from bot.store.core import Conn, Store

# Declared defaults: a key missing from guild_settings has this value.
GUILD_DEFAULTS: dict[str, Any] = {
    "reviews_channel": None,
    "discussions_channel": None,
    "modlog_channel": None,
    "archive_minutes": 10080,
    "slowmode_seconds": 0,
    "thread_mode": "per review",
    "timezone": "Asia/Seoul",
    "digest_channel": None,
    "digest_time": "09:00",
    "editors_role": None,
    # "en" or "ko" pins the reply language; None answers each member in their Discord language.
    "language": None,
    # Where release alerts with artist-role pings go (the release radar).
    "alerts_channel": None,
}

PURGE_GRACE = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class SettingValue:
    """One setting of a server with who changed it last."""

    key: str
    value: Any
    is_default: bool
    changed_by: int | None
    changed_at: str | None


@dataclass(frozen=True, slots=True)
class GuildConfig:
    """Every setting of one server, defaults filled in."""

    guild_id: int
    values: dict[str, SettingValue]

    def __getitem__(self, key: str) -> Any:
        return self.values[key].value


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded change."""

    guild_id: int
    key: str
    old_value: Any
    new_value: Any
    changed_by: int | None
    changed_at: str


@dataclass(frozen=True, slots=True)
class Follow:
    """An artist a server follows."""

    artist_key: str
    label: str


@dataclass(frozen=True, slots=True)
class DiscussionThread:
    """A server's discussion thread for a subject."""

    guild_id: int
    subject_key: str
    channel_id: int
    thread_id: int
    title: str
    origin: str


@dataclass(frozen=True, slots=True)
class ScheduledPost:
    """A post that must happen once (a day's digest, a release-day thread)."""

    guild_id: int
    kind: str
    run_key: str
    nonce: str
    channel_id: int | None
    message_id: int | None
    attempts: int
    sent_at: str | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A fact proposed by a member, waiting for (or after) an editor's decision."""

    id: int
    guild_id: int
    user_id: int
    kind: str
    subject: str
    body: str
    evidence_url: str
    status: str
    modlog_channel_id: int | None
    modlog_message_id: int | None
    decided_by: int | None


def _decode(raw: str | None) -> Any:
    return None if raw is None else json.loads(raw)


async def claim_suggestion(
    conn: Conn,
    suggestion_id: int,
    approved: bool,
    actor: int,
    note: str | None = None,
) -> bool:
    """Decide a pending suggestion inside the caller's transaction; False if already decided.

    The first statement of an approval's transaction, so two moderators approving at once
    cannot both write the fact: the second finds the suggestion decided and rolls back.
    """
    cursor = await conn.execute(
        "UPDATE suggestions SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? "
        "WHERE id = ? AND status = 'pending'",
        ("approved" if approved else "rejected", actor, now_stamp(), note, suggestion_id),
    )
    return cursor.rowcount == 1


@dataclass(slots=True)
class _Configs:
    """The settings a store has read, kept until one of GuildStore's writes changes them."""

    by_guild: dict[int, GuildConfig] = field(default_factory=dict)
    writes: int = 0  # a read that a write overtook is not kept

    def forget(self, guild_ids: list[int]) -> None:
        self.writes += 1
        for guild_id in guild_ids:
            self.by_guild.pop(guild_id, None)


# Every command reads its server's settings (the language to answer in); they change only
# through GuildStore's set, reset and purge, so each store keeps what it read until then. One
# process owns a server (its shard's): its /config writes go through this same store.
_CONFIGS: weakref.WeakKeyDictionary[Store, _Configs] = weakref.WeakKeyDictionary()


class GuildStore:
    """SQL for everything a server configures."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._configs = _CONFIGS.setdefault(store, _Configs())

    # -- settings ----------------------------------------------------------------
    async def config(self, guild_id: int) -> GuildConfig:
        """Return every setting of a server, with defaults for those never set."""
        cached = self._configs.by_guild.get(guild_id)
        if cached is not None:
            return cached
        writes = self._configs.writes
        rows = await self.store.fetchall(
            "SELECT key, value, changed_by, changed_at FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
        stored = {row["key"]: row for row in rows}
        values = {}
        for key, default in GUILD_DEFAULTS.items():
            row = stored.get(key)
            if row is None:
                values[key] = SettingValue(key, default, True, None, None)
            else:
                values[key] = SettingValue(
                    key, _decode(row["value"]), False, row["changed_by"], row["changed_at"]
                )
        config = GuildConfig(guild_id, values)
        if self._configs.writes == writes:
            self._configs.by_guild[guild_id] = config
        return config

    async def set(self, guild_id: int, key: str, value: Any, actor: int | None) -> AuditEntry:
        """Change one setting and write the audit row in the same transaction."""
        if key not in GUILD_DEFAULTS:
            raise KeyError(key)
        now = now_stamp()
        encoded = json.dumps(value)
        try:
            return await self._set(guild_id, key, value, encoded, actor, now)
        finally:
            self._configs.forget([guild_id])

    async def _set(
        self, guild_id: int, key: str, value: Any, encoded: str, actor: int | None, now: str
    ) -> AuditEntry:
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "SELECT value FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key)
            )
            row = await cursor.fetchone()
            old = _decode(row[0]) if row else GUILD_DEFAULTS[key]
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, key, value, changed_by, changed_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, key) DO UPDATE SET "
                "value = excluded.value, changed_by = excluded.changed_by, "
                "changed_at = excluded.changed_at",
                (guild_id, key, encoded, actor, now),
            )
            await conn.execute(
                "INSERT INTO guild_audit (guild_id, key, old_value, new_value, changed_by, "
                "changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (guild_id, key, json.dumps(old), encoded, actor, now),
            )
        return AuditEntry(guild_id, key, old, value, actor, now)

    async def reset(self, guild_id: int, actor: int | None) -> int:
        """Put every setting and follow back to defaults; return how many settings changed."""
        try:
            return await self._reset(guild_id, actor, now_stamp())
        finally:
            self._configs.forget([guild_id])

    async def _reset(self, guild_id: int, actor: int | None, now: str) -> int:
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "SELECT key, value FROM guild_settings WHERE guild_id = ?", (guild_id,)
            )
            rows = list(await cursor.fetchall())
            for row in rows:
                default = GUILD_DEFAULTS.get(row["key"])
                await conn.execute(
                    "INSERT INTO guild_audit (guild_id, key, old_value, new_value, changed_by, "
                    "changed_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (guild_id, row["key"], row["value"], json.dumps(default), actor, now),
                )
            await conn.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
            cursor = await conn.execute("DELETE FROM guild_follows WHERE guild_id = ?", (guild_id,))
            if cursor.rowcount:
                await conn.execute(
                    "INSERT INTO guild_audit (guild_id, key, old_value, new_value, changed_by, "
                    "changed_at) VALUES (?, 'follows', ?, '[]', ?, ?)",
                    (guild_id, json.dumps(cursor.rowcount), actor, now),
                )
        return len(rows)

    async def audit(self, guild_id: int, limit: int = 50) -> list[AuditEntry]:
        """Return the newest audit entries of a server."""
        rows = await self.store.fetchall(
            "SELECT guild_id, key, old_value, new_value, changed_by, changed_at FROM guild_audit "
            "WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        )
        return [
            AuditEntry(
                r["guild_id"],
                r["key"],
                _decode(r["old_value"]),
                _decode(r["new_value"]),
                r["changed_by"],
                r["changed_at"],
            )
            for r in rows
        ]

    # -- follows -------------------------------------------------------------------
    async def follow(self, guild_id: int, artist_key: str, label: str, actor: int | None) -> bool:
        """Follow an artist; return False when the server already follows it."""
        now = now_stamp()
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO guild_follows (guild_id, artist_key, label, added_by, added_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, artist_key, label, actor, now),
            )
            if cursor.rowcount:
                await conn.execute(
                    "INSERT INTO guild_audit (guild_id, key, old_value, new_value, changed_by, "
                    "changed_at) VALUES (?, 'follow', NULL, ?, ?, ?)",
                    (guild_id, json.dumps(label), actor, now),
                )
            return bool(cursor.rowcount)

    async def unfollow(self, guild_id: int, artist_key: str, actor: int | None) -> bool:
        """Stop following an artist; return False when it was not followed."""
        now = now_stamp()
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "SELECT label FROM guild_follows WHERE guild_id = ? AND artist_key = ?",
                (guild_id, artist_key),
            )
            row = await cursor.fetchone()
            if row is None:
                return False
            await conn.execute(
                "DELETE FROM guild_follows WHERE guild_id = ? AND artist_key = ?",
                (guild_id, artist_key),
            )
            await conn.execute(
                "INSERT INTO guild_audit (guild_id, key, old_value, new_value, changed_by, "
                "changed_at) VALUES (?, 'unfollow', ?, NULL, ?, ?)",
                (guild_id, json.dumps(row[0]), actor, now),
            )
            return True

    async def follows(self, guild_id: int) -> list[Follow]:
        """Return the artists a server follows, by name."""
        rows = await self.store.fetchall(
            "SELECT artist_key, label FROM guild_follows WHERE guild_id = ? ORDER BY label",
            (guild_id,),
        )
        return [Follow(r["artist_key"], r["label"]) for r in rows]

    # -- discussion threads ----------------------------------------------------------
    async def thread_for(self, guild_id: int, subject_key: str) -> DiscussionThread | None:
        """Return the server's discussion thread for a subject, if one was opened."""
        row = await self.store.fetchone(
            "SELECT guild_id, subject_key, channel_id, thread_id, title, origin "
            "FROM discussion_threads WHERE guild_id = ? AND subject_key = ?",
            (guild_id, subject_key),
        )
        return None if row is None else DiscussionThread(*row)

    async def record_thread(self, thread: DiscussionThread, actor: int | None) -> None:
        """Remember a discussion thread (replacing a deleted one for the same subject)."""
        await self.store.execute(
            "INSERT INTO discussion_threads (guild_id, subject_key, channel_id, thread_id, title, "
            "origin, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, subject_key) DO UPDATE SET channel_id = excluded.channel_id, "
            "thread_id = excluded.thread_id, title = excluded.title",
            (
                thread.guild_id,
                thread.subject_key,
                thread.channel_id,
                thread.thread_id,
                thread.title,
                thread.origin,
                actor,
                now_stamp(),
            ),
        )

    async def forget_thread(self, guild_id: int, subject_key: str) -> None:
        """Forget a thread that no longer exists on Discord."""
        await self.store.execute(
            "DELETE FROM discussion_threads WHERE guild_id = ? AND subject_key = ?",
            (guild_id, subject_key),
        )

    # -- scheduled posts (claim -> attempt -> sent/failed: see bot/store/posts.py) --------
    async def claim_post(
        self, guild_id: int, kind: str, run_key: str, nonce: str, channel_id: int | None
    ) -> ScheduledPost:
        """Record the intent to post (idempotent) and return the row, sent or not."""
        async with self.store.transaction() as conn:
            await conn.execute(
                "INSERT INTO scheduled_posts (guild_id, kind, run_key, nonce, channel_id, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, kind, run_key, nonce, channel_id, now_stamp()),
            )
            cursor = await conn.execute(
                "SELECT guild_id, kind, run_key, nonce, channel_id, message_id, attempts, sent_at "
                "FROM scheduled_posts WHERE guild_id = ? AND kind = ? AND run_key = ?",
                (guild_id, kind, run_key),
            )
            row = await cursor.fetchone()
        assert row is not None  # the row was just inserted or already there
        return ScheduledPost(*row)

    async def mark_post_attempt(self, guild_id: int, kind: str, run_key: str) -> None:
        """Record that a send is about to start (the protocol in ``posts.py``)."""
        await self.store.execute(
            "UPDATE scheduled_posts SET last_attempt_at = ? "
            "WHERE guild_id = ? AND kind = ? AND run_key = ? AND sent_at IS NULL",
            (now_stamp(), guild_id, kind, run_key),
        )

    async def mark_post_sent(
        self, guild_id: int, kind: str, run_key: str, message_id: int | None
    ) -> None:
        """Record that a scheduled post went out."""
        await self.store.execute(
            "UPDATE scheduled_posts SET sent_at = ?, message_id = ?, attempts = attempts + 1 "
            "WHERE guild_id = ? AND kind = ? AND run_key = ?",
            (now_stamp(), message_id, guild_id, kind, run_key),
        )

    async def mark_post_failed(self, guild_id: int, kind: str, run_key: str, error: str) -> None:
        """Count a failed attempt; the post stays pending."""
        await self.store.execute(
            "UPDATE scheduled_posts SET attempts = attempts + 1, last_error = ? "
            "WHERE guild_id = ? AND kind = ? AND run_key = ?",
            (error[:500], guild_id, kind, run_key),
        )

    async def pending_posts(self, kind: str) -> list[ScheduledPost]:
        """Return posts of a kind that were claimed but never sent (a crash in between)."""
        rows = await self.store.fetchall(
            "SELECT guild_id, kind, run_key, nonce, channel_id, message_id, attempts, sent_at "
            "FROM scheduled_posts WHERE kind = ? AND sent_at IS NULL ORDER BY created_at",
            (kind,),
        )
        return [ScheduledPost(*r) for r in rows]

    async def last_post(self, guild_id: int, kind: str) -> ScheduledPost | None:
        """Return the newest sent post of a kind."""
        row = await self.store.fetchone(
            "SELECT guild_id, kind, run_key, nonce, channel_id, message_id, attempts, sent_at "
            "FROM scheduled_posts WHERE guild_id = ? AND kind = ? AND sent_at IS NOT NULL "
            "ORDER BY run_key DESC LIMIT 1",
            (guild_id, kind),
        )
        return None if row is None else ScheduledPost(*row)

    # -- suggestions -----------------------------------------------------------------
    async def add_suggestion(
        self, guild_id: int, user_id: int, kind: str, subject: str, body: str, evidence_url: str
    ) -> Suggestion:
        """Store a new pending suggestion."""
        async with self.store.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO suggestions (guild_id, user_id, kind, subject, body, evidence_url, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (guild_id, user_id, kind, subject, body, evidence_url, now_stamp()),
            )
            inserted = await cursor.fetchone()
        assert inserted is not None
        found = await self.suggestion(int(inserted[0]))
        assert found is not None
        return found

    async def suggestion(self, suggestion_id: int) -> Suggestion | None:
        """Return one suggestion."""
        row = await self.store.fetchone(
            "SELECT id, guild_id, user_id, kind, subject, body, evidence_url, status, "
            "modlog_channel_id, modlog_message_id, decided_by FROM suggestions WHERE id = ?",
            (suggestion_id,),
        )
        return None if row is None else Suggestion(*row)

    async def set_suggestion_message(
        self, suggestion_id: int, channel_id: int, message_id: int
    ) -> None:
        """Remember where the review message for a suggestion was posted."""
        await self.store.execute(
            "UPDATE suggestions SET modlog_channel_id = ?, modlog_message_id = ? WHERE id = ?",
            (channel_id, message_id, suggestion_id),
        )

    async def decide_suggestion(
        self, suggestion_id: int, approved: bool, actor: int, note: str | None = None
    ) -> bool:
        """Approve or reject a pending suggestion; False if it was already decided."""
        async with self.store.transaction() as conn:
            return await claim_suggestion(conn, suggestion_id, approved, actor, note)

    # -- lifecycle -------------------------------------------------------------------
    async def mark_departed(self, guild_id: int, when: datetime) -> None:
        """Remember that the bot left a server, starting the grace period."""
        await self.store.execute(
            "INSERT INTO guild_departures (guild_id, left_at) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET left_at = excluded.left_at",
            (guild_id, when.isoformat(timespec="seconds")),
        )

    async def mark_returned(self, guild_id: int) -> bool:
        """Cancel a pending purge when the bot is added back; True if one was pending."""
        return (
            await self.store.execute("DELETE FROM guild_departures WHERE guild_id = ?", (guild_id,))
            == 1
        )

    async def purge_departed(
        self,
        now: datetime,
        extra_tables: tuple[str, ...] = (),
        scope: ShardScope | None = None,
    ) -> list[int]:
        """Delete every record of servers left more than the grace period ago (with
        ``scope``, only of servers on those shards)."""
        cutoff = (now - PURGE_GRACE).isoformat(timespec="seconds")
        owned, owned_params = (scope or ShardScope.of(1)).sql("guild_id")
        rows = await self.store.fetchall(
            f"SELECT guild_id FROM guild_departures WHERE left_at <= ? AND {owned} "
            "ORDER BY guild_id",
            (cutoff, *owned_params),
        )
        purged = [int(r[0]) for r in rows]
        tables = (
            "guild_settings",
            "guild_audit",
            "guild_follows",
            "discussion_threads",
            "scheduled_posts",
            "suggestions",
            *extra_tables,
            "guild_departures",
        )
        try:
            async with self.store.transaction() as conn:
                for guild_id in purged:
                    for table in tables:
                        await conn.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
        finally:
            self._configs.forget(purged)
        return purged

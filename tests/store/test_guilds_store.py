"""Guild settings store: defaults, audit, follows, threads, scheduled posts, purge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.guilds import GUILD_DEFAULTS, DiscussionThread, GuildStore

GUILD = 111


@pytest.fixture
async def guilds(database: Path | str) -> AsyncIterator[GuildStore]:
    async with Store.open(database) as store:
        yield GuildStore(store)


async def test_defaults_until_set(guilds: GuildStore) -> None:
    config = await guilds.config(GUILD)
    assert {k: v.value for k, v in config.values.items()} == GUILD_DEFAULTS
    assert all(v.is_default for v in config.values.values())


async def test_set_records_who_and_audits(guilds: GuildStore) -> None:
    entry = await guilds.set(GUILD, "timezone", "Europe/Paris", actor=7)
    assert (entry.old_value, entry.new_value) == ("Asia/Seoul", "Europe/Paris")
    config = await guilds.config(GUILD)
    assert config["timezone"] == "Europe/Paris"
    assert config.values["timezone"].changed_by == 7
    await guilds.set(GUILD, "timezone", "UTC", actor=8)
    audit = await guilds.audit(GUILD)
    assert [(a.old_value, a.new_value, a.changed_by) for a in audit] == [
        ("Europe/Paris", "UTC", 8),
        ("Asia/Seoul", "Europe/Paris", 7),
    ]
    other = await guilds.config(GUILD + 1)
    assert other["timezone"] == "Asia/Seoul"


async def test_unknown_key_is_refused(guilds: GuildStore) -> None:
    with pytest.raises(KeyError):
        await guilds.set(GUILD, "colour", "red", actor=1)


async def test_follow_unfollow_and_reset(guilds: GuildStore) -> None:
    assert await guilds.follow(GUILD, "artist:1", "IU", 7)
    assert not await guilds.follow(GUILD, "artist:1", "IU", 7)
    assert await guilds.follow(GUILD, "artist:2", "BTS", 7)
    assert [f.label for f in await guilds.follows(GUILD)] == ["BTS", "IU"]
    assert await guilds.unfollow(GUILD, "artist:2", 7)
    assert not await guilds.unfollow(GUILD, "artist:2", 7)
    await guilds.set(GUILD, "slowmode_seconds", 30, 7)
    assert await guilds.reset(GUILD, 9) == 1
    config = await guilds.config(GUILD)
    assert config["slowmode_seconds"] == 0
    assert await guilds.follows(GUILD) == []
    keys = [a.key for a in await guilds.audit(GUILD)]
    assert keys[:2] == ["follows", "slowmode_seconds"]


async def test_scheduled_post_is_claimed_once(guilds: GuildStore) -> None:
    first = await guilds.claim_post(GUILD, "digest", "2026-11-25", "d-1", 5)
    again = await guilds.claim_post(GUILD, "digest", "2026-11-25", "d-2", 5)
    assert again.nonce == first.nonce == "d-1"
    assert [p.run_key for p in await guilds.pending_posts("digest")] == ["2026-11-25"]
    await guilds.mark_post_sent(GUILD, "digest", "2026-11-25", 99)
    assert await guilds.pending_posts("digest") == []
    last = await guilds.last_post(GUILD, "digest")
    assert last is not None and last.message_id == 99


async def test_threads_and_purge_after_grace(guilds: GuildStore) -> None:
    thread = DiscussionThread(GUILD, "release:1", 10, 20, "Love wins all", "discuss")
    await guilds.record_thread(thread, 7)
    assert await guilds.thread_for(GUILD, "release:1") == thread
    await guilds.set(GUILD, "timezone", "UTC", 7)
    left = datetime(2026, 11, 1, tzinfo=UTC)
    await guilds.mark_departed(GUILD, left)
    assert await guilds.purge_departed(left + timedelta(days=6)) == []
    assert await guilds.thread_for(GUILD, "release:1") is not None
    assert await guilds.purge_departed(left + timedelta(days=7, seconds=1)) == [GUILD]
    assert await guilds.thread_for(GUILD, "release:1") is None
    assert (await guilds.config(GUILD))["timezone"] == "Asia/Seoul"


async def test_return_cancels_purge(guilds: GuildStore) -> None:
    left = datetime(2026, 11, 1, tzinfo=UTC)
    await guilds.set(GUILD, "timezone", "UTC", 7)
    await guilds.mark_departed(GUILD, left)
    assert await guilds.mark_returned(GUILD)
    assert await guilds.purge_departed(left + timedelta(days=30)) == []
    assert (await guilds.config(GUILD))["timezone"] == "UTC"


async def test_suggestion_decided_once(guilds: GuildStore) -> None:
    s = await guilds.add_suggestion(GUILD, 5, "credit", "song:1", "composer: X", "https://e.x/1")
    assert s.status == "pending"
    assert await guilds.decide_suggestion(s.id, True, 9)
    assert not await guilds.decide_suggestion(s.id, False, 10)
    decided = await guilds.suggestion(s.id)
    assert decided is not None and decided.status == "approved" and decided.decided_by == 9


async def test_settings_read_once_until_written(guilds: GuildStore) -> None:
    """Every command reads its server's settings: a store reads them once, and every write
    through any GuildStore of that store (as each cog has its own) shows at once."""
    other = GuildStore(guilds.store)
    assert (await guilds.config(GUILD))["timezone"] == "Asia/Seoul"
    async with guilds.store.statements() as seen:
        assert (await other.config(GUILD))["timezone"] == "Asia/Seoul"
    assert seen == []
    await other.set(GUILD, "timezone", "UTC", 7)
    assert (await guilds.config(GUILD))["timezone"] == "UTC"
    await other.reset(GUILD, 7)
    assert (await guilds.config(GUILD))["timezone"] == "Asia/Seoul"
    await other.set(GUILD, "timezone", "UTC", 7)
    assert (await guilds.config(GUILD))["timezone"] == "UTC"
    left = datetime(2026, 11, 1, tzinfo=UTC)
    await other.mark_departed(GUILD, left)
    assert await other.purge_departed(left + timedelta(days=8)) == [GUILD]
    assert (await guilds.config(GUILD))["timezone"] == "Asia/Seoul"

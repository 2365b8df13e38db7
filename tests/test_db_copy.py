"""`linernotes db copy --to URL`: SQLite into PostgreSQL (and back), as a user runs it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.feeds import EntryCandidate, FeedStore, FetchState
from bot.store.guilds import GuildStore
from bot.store.posts import ReviewPost
from tests.support.cli import run_cli_in_process
from tests.support.postgres import drop_database, empty_database

GUILD = 4242
T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
URL = "https://critic.example/feed"
COUNTED = ("entities", "names", "credits", "guild_settings", "feed_outbox", "feed_subscriptions")


async def _fill(path: Path) -> None:
    """A server's setting, a followed feed with one review sent and one waiting."""
    async with Store.open(path) as store:
        await GuildStore(store).set(GUILD, "timezone", "Europe/Paris", actor=7)
        feeds = FeedStore(store)
        await feeds.add_subscription(
            guild_id=GUILD, channel_id=10, url=URL, created_by=7, now=T0, baseline=[]
        )
        feed = await feeds.get_feed_by_url(URL)
        assert feed is not None
        t1 = T0 + timedelta(hours=1)
        posts = [
            EntryCandidate(k, t1, ReviewPost(key=k, title=f"T {k}", link=None, outlet="C"))
            for k in ("a", "b")
        ]
        await feeds.record_success(
            feed.id,
            fetched=FetchState(200, None, None, "Critic"),
            candidates=posts,
            next_poll_at=t1,
            now=t1,
            flood_threshold=5,
        )
        first, _ = await feeds.pending_outbox(now=t1)
        assert await feeds.mark_sent(first.id, message_id=1, now=t1)


async def _counts(target: Path | str) -> dict[str, int]:
    async with Store.open(target, migrate=False) as store:
        out = {}
        for table in COUNTED:
            row = await store.fetchone(f"SELECT count(*) FROM {table}")
            out[table] = int(row[0]) if row else -1
        return out


async def _after_copy(target: str) -> tuple[str, list[tuple[str, str]], int]:
    """What a bot started on the copy sees: the setting, the outbox, and a new row's id."""
    async with Store.open(target) as store:
        config = await GuildStore(store).config(GUILD)
        feeds = FeedStore(store)
        pending = await feeds.pending_outbox(now=T0 + timedelta(days=1))
        sub = await feeds.add_subscription(
            guild_id=GUILD, channel_id=11, url=URL, created_by=7, now=T0
        )
        return config["timezone"], [(p.entry_key, p.nonce) for p in pending], sub.id


@pytest.mark.postgres
def test_copy_sqlite_into_postgres_then_refuse_a_second_copy(tmp_path: Path) -> None:
    source = tmp_path / "bot.db"
    env = {"DATABASE_PATH": str(source), "LOG_LEVEL": "WARNING"}
    assert run_cli_in_process("import", "catalog", env=env, cwd=tmp_path).returncode == 0
    asyncio.run(_fill(source))
    target = asyncio.run(empty_database())
    try:
        result = run_cli_in_process("db", "copy", "--to", target, env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "copied" in result.stdout
        before = asyncio.run(_counts(source))
        assert before["entities"] > 0 and before["feed_outbox"] == 2
        assert asyncio.run(_counts(target)) == before

        # A second copy into the now non-empty database is refused; nothing changes.
        again = run_cli_in_process("db", "copy", "--to", target, env=env, cwd=tmp_path)
        assert again.returncode == 2
        assert "already holds Liner Notes tables" in again.stderr
        assert "Traceback" not in again.stderr
        assert asyncio.run(_counts(target)) == before

        # The copy keeps the server's setting and the waiting review (same nonce, so a
        # re-send is harmless), and numbers new rows after the copied ones.
        async def source_pending() -> list[tuple[str, str]]:
            async with Store.open(source) as store:
                rows = await FeedStore(store).pending_outbox(now=T0 + timedelta(days=1))
                return [(p.entry_key, p.nonce) for p in rows]

        timezone, pending, new_id = asyncio.run(_after_copy(target))
        assert timezone == "Europe/Paris"
        assert pending == asyncio.run(source_pending()) and len(pending) == 1
        assert new_id > before["feed_subscriptions"]

        # And back: the PostgreSQL database copies into a new SQLite file.
        back = tmp_path / "back.db"
        pg_env = {"DATABASE_URL": target, "LOG_LEVEL": "WARNING"}
        result = run_cli_in_process(
            "db", "copy", "--to", f"sqlite:///{back}", env=pg_env, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        counts = asyncio.run(_counts(back))
        assert counts == {**before, "feed_subscriptions": before["feed_subscriptions"] + 1}
    finally:
        asyncio.run(drop_database(target))


def test_copy_refuses_a_malformed_url_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "bot.db"
    asyncio.run(_fill(source))
    env = {"DATABASE_PATH": str(source), "LOG_LEVEL": "WARNING"}
    for bad in ("mysql://db/x", "postgresql://", "sqlite://", "not a url"):
        result = run_cli_in_process("db", "copy", "--to", bad, env=env, cwd=tmp_path)
        assert result.returncode == 2, bad
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("linernotes: --to "), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("bot.db")) == []


def test_copy_into_a_sqlite_file_that_has_tables_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "bot.db"
    other = tmp_path / "other.db"
    asyncio.run(_fill(source))
    asyncio.run(_fill(other))
    before = asyncio.run(_counts(other))
    env = {"DATABASE_PATH": str(source), "LOG_LEVEL": "WARNING"}
    result = run_cli_in_process("db", "copy", "--to", f"sqlite:///{other}", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "already holds Liner Notes tables" in result.stderr
    assert asyncio.run(_counts(other)) == before

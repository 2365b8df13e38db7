"""Server lifecycle through the emulator: a setup hint on join, cleanup 7 days after leaving."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.store.guilds import GuildStore
from tests.support.bot import Server


async def test_join_posts_a_setup_hint_to_the_system_channel(server: Server) -> None:
    fd = server.discord
    guild = fd.add_guild("New Server")
    general = next(c for c in guild.channels.values() if c.name == "general")
    hint = await fd.wait_for_message(general, check=lambda m: "Liner Notes" in m.content)
    assert "/config" in hint.content


async def test_join_is_silent_without_permission_to_write(server: Server) -> None:
    fd = server.discord
    guild = fd.add_guild(
        "Quiet Server", bot_permissions=["view_channel"], everyone_permissions=["view_channel"]
    )
    quiet_general = next(c for c in guild.channels.values() if c.name == "general")
    # A later guild proves the join of the quiet one was processed (events arrive in order).
    loud = fd.add_guild("Loud Server")
    loud_general = next(c for c in loud.channels.values() if c.name == "general")
    await fd.wait_for_message(loud_general, check=lambda m: "Liner Notes" in m.content)
    assert fd.channel_messages(quiet_general) == []


async def test_leaving_purges_records_after_the_grace_period(server: Server) -> None:
    fd, bot = server.discord, server.bot
    await fd.slash("config timezone", user=server.mina, zone="UTC")
    guilds = GuildStore(bot.store)
    assert (await guilds.config(server.guild.id))["timezone"] == "UTC"

    left_at = datetime(2026, 11, 1, tzinfo=UTC)
    server.clock.set(left_at)
    removed = asyncio.ensure_future(bot.wait_for("guild_remove", timeout=5))
    fd.remove_guild(server.guild)
    assert (await removed).id == server.guild.id
    lifecycle = bot.get_cog("Lifecycle")

    server.clock.set(left_at + timedelta(days=6))
    assert await lifecycle.run_purge() == []
    assert (await guilds.config(server.guild.id))["timezone"] == "UTC"

    server.clock.set(left_at + timedelta(days=7, minutes=1))
    assert await lifecycle.run_purge() == [server.guild.id]
    assert (await guilds.config(server.guild.id))["timezone"] == "Asia/Seoul"

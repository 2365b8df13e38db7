"""Through the emulator: the bot connects, syncs to DEV_GUILD_ID, and /help lists every command."""

from __future__ import annotations

from discord import app_commands

from tests.support.bot import Server


def runnable_commands(server: Server) -> list[str]:
    return sorted(
        c.qualified_name
        for c in server.bot.tree.walk_commands()
        if isinstance(c, app_commands.Command)
    )


async def test_connects_and_syncs_to_the_dev_guild(server: Server) -> None:
    synced = server.discord.commands(server.guild)
    names = {c["name"] for c in synced}
    assert "help" in names
    assert "config" in names
    # Only the dev guild was synced at start-up; global commands are for `linernotes sync`.
    assert server.discord.commands() == []
    assert server.bot.failed_extensions == {}


async def test_help_lists_every_command_with_its_description(server: Server) -> None:
    reply = await server.discord.slash("help", user=server.alice)
    assert reply.ephemeral
    text = "\n".join(e["description"] for e in reply.embeds)
    expected = runnable_commands(server)
    assert len(expected) >= 10
    for name in expected:
        assert f"`/{name}`" in text, name
    assert "`/config show` — Show every setting of this server." in text


async def test_help_works_in_direct_messages(server: Server) -> None:
    # Guild commands do not exist in DMs; a global sync (what `linernotes sync` does) makes them.
    await server.bot.tree.sync()
    reply = await server.discord.slash("help", user=server.alice, dm=True)
    assert "`/help`" in reply.embeds[0]["description"]

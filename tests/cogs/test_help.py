"""Through the emulator: the bot connects, syncs to DEV_GUILD_ID, and /help lists every command."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from discord import app_commands

from tests.support.bot import Server

ROOT = Path(__file__).resolve().parents[2]


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


async def test_each_command_is_described_once_by_its_docstring(server: Server) -> None:
    # The description Discord shows (and the catalogues translate) is the first paragraph of
    # the command's docstring; no decorator repeats it in other words.
    commands = [c for c in server.bot.tree.walk_commands() if isinstance(c, app_commands.Command)]
    assert len(commands) >= 29
    for command in commands:
        doc = inspect.getdoc(command.callback) or ""
        first = " ".join(doc.split("\n\n")[0].split())
        assert command.description == first, command.qualified_name
    for path in sorted((ROOT / "cogs").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("commands.command"):
                assert "description" not in {k.arg for k in node.keywords}, path

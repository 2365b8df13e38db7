"""The bot core: extensions load (a broken one does not stop the rest), `linernotes sync`."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from discord import app_commands

from bot.app.client import LinerNotesBot, discover_extensions
from bot.core.settings import load_settings
from bot.store import Store
from tests.fakediscord import FakeDiscord
from tests.support.bot import Server
from tests.support.cli import run_cli_in_process


def test_helpers_in_cogs_are_not_extensions() -> None:
    names = discover_extensions()
    assert "cogs.help" in names
    assert not any(name.split(".")[-1].startswith("_") for name in names)


async def test_a_failing_cog_is_logged_and_the_others_load(tmp_path: Path) -> None:
    settings = load_settings(env={"DATABASE_PATH": str(tmp_path / "x.db")}, env_file=None)
    async with Store.open(tmp_path / "x.db") as store:
        bot = LinerNotesBot(
            settings,
            extensions=["cogs.help", "cogs.no_such_cog"],
            store=store,
        )
        async with bot:  # a sharded client must be set up before it can close
            await bot.setup_hook()
            assert "cogs.help" in bot.extensions
            assert "cogs.no_such_cog" in bot.failed_extensions
            assert [c.name for c in bot.tree.get_commands()] == ["help"]


async def test_command_names_are_unique(server: Server) -> None:
    names = [
        c.qualified_name
        for c in server.bot.tree.walk_commands()
        if isinstance(c, app_commands.Command)
    ]
    assert len(names) == len(set(names))
    assert server.bot.failed_extensions == {}


async def test_linernotes_sync_registers_commands(
    fake_discord: FakeDiscord, template_db: Path, tmp_path: Path
) -> None:
    guild = fake_discord.add_guild("Sync Club")
    shutil.copy(template_db, tmp_path / "s.db")  # what the bot loads at start is already in
    env = {
        "DISCORD_TOKEN": fake_discord.token,
        "DATABASE_PATH": str(tmp_path / "s.db"),
        "DISCORD_API_BASE": fake_discord.api_base,
        "DISCORD_GATEWAY_URL": fake_discord.gateway_url,
        "LOG_LEVEL": "WARNING",
    }

    async def run(*args: str) -> tuple[int, str]:
        # The CLI's main in this process (its own event loop, in a thread), talking to the
        # emulator over HTTP as a child process would.
        done = await asyncio.to_thread(run_cli_in_process, "sync", *args, env=env, cwd=tmp_path)
        return done.returncode, done.stdout + done.stderr

    code, out = await run("--guild", str(guild.id))
    assert code == 0, out
    assert "to server" in out
    assert {"help", "release", "feed", "config"} <= {
        c["name"] for c in fake_discord.commands(guild)
    }
    assert fake_discord.commands() == []
    code, out = await run()
    assert code == 0, out
    assert "help" in {c["name"] for c in fake_discord.commands()}

    env["DISCORD_TOKEN"] = "wrong-token"
    code, out = await run()
    assert code == 2
    assert "DISCORD_TOKEN was refused" in out
    assert "Traceback" not in out


async def test_run_refuses_a_database_from_a_newer_version(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    import sqlite3

    database = tmp_path / "future.db"
    raw = sqlite3.connect(database)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    env = {
        "DISCORD_TOKEN": fake_discord.token,
        "DATABASE_PATH": str(database),
        "DISCORD_API_BASE": fake_discord.api_base,
        "DISCORD_GATEWAY_URL": fake_discord.gateway_url,
    }
    # `linernotes run`'s main in this process (its own event loop, in a thread): the refusal
    # is an exit code and one message, not something only a child process shows.
    done = await asyncio.to_thread(run_cli_in_process, "run", env=env, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "schema version 99" in done.stderr
    assert "Traceback" not in done.stderr

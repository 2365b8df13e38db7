"""Command line: ``linernotes run | sync | db migrate | db backup PATH | --version``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot import __version__
from bot.errors import ConfigError, LinerNotesError, StoreError, UserError
from bot.logsetup import configure_logging
from bot.settings import Settings, load_settings

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="linernotes",
        description="Liner Notes: a Discord bot for K-pop credits, references and reviews.",
    )
    parser.add_argument("--version", action="version", version=f"linernotes {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser(
        "run",
        help="connect to Discord and answer commands",
        description="Connect to Discord and answer commands until stopped (Ctrl+C or SIGTERM).",
    )
    sync = commands.add_parser(
        "sync",
        help="register the slash commands with Discord",
        description="Register the slash commands globally, or in one server with --guild.",
    )
    sync.add_argument("--guild", type=int, metavar="ID", help="sync to this server only")

    db = commands.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser(
        "migrate",
        help="create or upgrade the database schema",
        description="Create the database at DATABASE_PATH or bring its schema up to date.",
    )
    backup = db_commands.add_parser(
        "backup",
        help="copy the database safely, even while the bot runs",
        description="Copy the database to PATH with SQLite's online backup API.",
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="file to write the backup to")
    return parser


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


async def _migrate(settings: Settings) -> int:
    from bot.store import Store

    store = await Store.open(settings.database_path)
    try:
        version = await store.user_version()
    finally:
        await store.close()
    print(f"{settings.database_path}: schema version {version}")
    return EXIT_OK


async def _backup(settings: Settings, target: Path) -> int:
    from bot.store import Store

    if not settings.database_path.exists():
        raise UserError(f"there is no database at {settings.database_path} to back up")
    store = await Store.open(settings.database_path, migrate=False)
    try:
        written = await store.backup(target)
    finally:
        await store.close()
    print(f"backed up {settings.database_path} to {written}")
    return EXIT_OK


async def _run_bot(settings: Settings) -> int:
    from bot.client import LinerNotesBot
    from bot.discord_urls import apply_discord_urls

    apply_discord_urls(settings)
    bot = LinerNotesBot(settings)
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []

    def request_stop(signame: str) -> None:
        # The first signal starts a clean close: in-flight writes finish, then the store closes.
        if not closing:
            log.info("received %s; shutting down", signame)
            closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, request_stop, sig.name)
    try:
        async with bot:
            await bot.start(settings.discord_token or "")
    except _login_failure() as exc:
        raise ConfigError(f"DISCORD_TOKEN was refused by Discord: {exc}") from None
    if closing:
        await closing[0]
    log.info("stopped")
    return EXIT_OK


def _login_failure() -> type[Exception]:
    import discord

    return discord.LoginFailure


async def _sync(settings: Settings, guild_id: int | None) -> int:
    import discord

    from bot.client import LinerNotesBot
    from bot.discord_urls import apply_discord_urls

    apply_discord_urls(settings)
    bot = LinerNotesBot(settings)
    try:
        async with bot:
            await bot.login(settings.discord_token or "")
            if guild_id is not None:
                guild = discord.Object(id=guild_id)
                bot.tree.copy_global_to(guild=guild)
                synced = await bot.tree.sync(guild=guild)
                where = f"server {guild_id}"
            else:
                synced = await bot.tree.sync()
                where = "all servers (global commands can take a while to appear)"
    except discord.LoginFailure as exc:
        raise ConfigError(f"DISCORD_TOKEN was refused by Discord: {exc}") from None
    except discord.Forbidden as exc:
        raise UserError(f"Discord refused the sync: {exc.text}") from None
    print(f"synced {len(synced)} commands to {where}")
    return EXIT_OK


def dispatch(args: argparse.Namespace) -> int:
    """Run the chosen subcommand; return its exit code."""
    needs_token = args.command in {"run", "sync"}
    settings = load_settings(require_token=needs_token)
    configure_logging(settings.log_level)
    if args.command == "run":
        return _run(_run_bot(settings))
    if args.command == "sync":
        return _run(_sync(settings, args.guild))
    if args.command == "db" and args.db_command == "migrate":
        return _run(_migrate(settings))
    if args.command == "db" and args.db_command == "backup":
        return _run(_backup(settings, args.path))
    raise AssertionError(f"unhandled command {args.command!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``linernotes`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_CONFIG
    try:
        return dispatch(args)
    except ConfigError as exc:
        print(f"linernotes: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreError as exc:
        print(f"linernotes: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (UserError, LinerNotesError) as exc:
        print(f"linernotes: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

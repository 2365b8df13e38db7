"""Command line: ``linernotes run | sync | status | db | import | ask | feed | --version``."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot import __version__
from bot.app.logsetup import configure_logging
from bot.core.errors import ConfigError, LinerNotesError, StoreError, UserError
from bot.core.settings import Settings, load_settings

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130

# What each setting is, for --help (README's settings table says more).
ENVIRONMENT = {
    "DISCORD_TOKEN": "bot token (required by run and sync)",
    "DATABASE_PATH": "SQLite file (default: linernotes.db in the user data directory, "
    "e.g. ~/.local/share/linernotes/)",
    "DATABASE_URL": "sqlite:///file.db or postgresql://user:pass@host:port/db (wins over the path)",
    "DATABASE_POOL_SIZE": "most PostgreSQL connections a process opens (default 10)",
    "DISCORD_API_BASE": "Discord's REST URL (a proxy or an emulator)",
    "DISCORD_GATEWAY_URL": "Discord's gateway URL (a proxy or an emulator)",
    "DISCORD_RETRY_SECONDS": "first wait before trying Discord again at start, doubling up to "
    "5 minutes (default 1)",
    "DEV_GUILD_ID": "sync the commands to this server at every start",
    "LOG_LEVEL": "DEBUG, INFO, WARNING, ERROR or CRITICAL (default: INFO for run, "
    "WARNING for the other commands)",
    "FEED_POLL_SECONDS": "how often feeds are polled (default 900)",
    "FEED_ALLOW_PRIVATE_HOSTS": "allow feeds on private addresses (default false)",
    "MUSICBRAINZ_API_BASE": "MusicBrainz web service URL (a mirror)",
    "MUSICBRAINZ_CONTACT": "your contact, sent in the User-Agent of outgoing requests",
    "METRICS_ADDR": "HOST:PORT to serve Prometheus metrics on (:PORT is every interface; "
    "default: off)",
    "SHARD_COUNT": "shards over every process (default: Discord's recommendation)",
    "SHARD_IDS": "shards this process runs, e.g. 0,1 (default: all; needs SHARD_COUNT)",
    "WIKIDATA_API_BASE": "Wikidata's action API URL",
    "ONLINE_LOOKUPS": "look names up on MusicBrainz and Wikidata (default true)",
    "COVERART_API_BASE": "the Cover Art Archive's JSON index URL (front covers)",
    "COMMONS_API_BASE": "Wikimedia Commons' action API URL (artist images)",
    "YOUTUBE_FEED_BASE": "YouTube's feed URL (channels followed with /feed add)",
}
_COMMON = ("DATABASE_PATH", "DATABASE_URL", "DATABASE_POOL_SIZE", "LOG_LEVEL")
_DISCORD = ("DISCORD_TOKEN", "DISCORD_API_BASE", "DISCORD_GATEWAY_URL")
_ONLINE = ("ONLINE_LOOKUPS", "MUSICBRAINZ_API_BASE", "WIKIDATA_API_BASE", "MUSICBRAINZ_CONTACT")
EXIT_PIPE = 141  # 128 + SIGPIPE, as a shell reports a command whose reader went away
_CODES = {
    EXIT_OK: "success",
    EXIT_FAILED: "failed (bad input, or nothing to do it with)",
    EXIT_CONFIG: "a setting is missing or invalid, or the database cannot be used",
    EXIT_INTERRUPTED: "interrupted (Ctrl+C)",
    EXIT_PIPE: "the output was closed early (piped into head, say); nothing is printed",
}


def _epilog(names: tuple[str, ...], codes: dict[int, str] | None = None) -> str:
    """Return the --help footer: the settings a command reads and its exit codes."""
    width = max(len(n) for n in names)
    lines = ["environment (also read from .env in the working directory; the environment wins):"]
    lines += [f"  {name:<{width}}  {ENVIRONMENT[name]}" for name in names]
    lines += ["", "exit codes:"]
    chosen = {**(codes or _CODES), EXIT_INTERRUPTED: _CODES[EXIT_INTERRUPTED]}
    chosen[EXIT_PIPE] = _CODES[EXIT_PIPE]
    lines += [f"  {code:>3}  {meaning}" for code, meaning in sorted(chosen.items())]
    return "\n".join(lines)


class _HelpFormatter(argparse.HelpFormatter):
    """Wrap one-paragraph descriptions; keep multi-line footers (settings, exit codes) as is."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    raw = _HelpFormatter
    parser = argparse.ArgumentParser(
        prog="linernotes",
        description="Liner Notes: a Discord bot for K-pop credits, references and reviews.",
        epilog=_epilog(tuple(ENVIRONMENT)),
        formatter_class=raw,
    )
    parser.add_argument("--version", action="version", version=f"linernotes {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(parent: Any, name: str, env: tuple[str, ...], **kw: Any) -> argparse.ArgumentParser:
        codes = kw.pop("codes", None)
        return parent.add_parser(name, epilog=_epilog(env, codes), formatter_class=raw, **kw)

    command(
        commands,
        "run",
        tuple(ENVIRONMENT),
        help="connect to Discord and answer commands",
        description="Connect to Discord and answer commands until stopped (Ctrl+C or SIGTERM). "
        "While Discord cannot be reached it keeps trying, with one log line per attempt. From "
        "its first second it writes the heartbeat `linernotes status` reads (starting, "
        "retrying, running), serves METRICS_ADDR, and under systemd (Type=notify) reports "
        "readiness and pings the watchdog.",
        codes={
            EXIT_OK: "stopped cleanly by a signal",
            EXIT_FAILED: "an unexpected error (logged)",
            EXIT_CONFIG: "a setting is missing or invalid, Discord refused the token or the "
            "shards, or the database cannot be used; restarting will not help",
        },
    )
    sync = command(
        commands,
        "sync",
        (*_DISCORD, *_COMMON),
        help="register the slash commands with Discord",
        description="Register the slash commands globally, or in one server with --guild.",
    )
    sync.add_argument("--guild", type=int, metavar="ID", help="sync to this server only")
    command(
        commands,
        "status",
        (*_COMMON, "SHARD_COUNT", "SHARD_IDS"),
        codes={
            EXIT_OK: "the bot is running and every shard is connected (with SHARD_IDS: "
            "this process's shards)",
            EXIT_FAILED: "the bot is starting, retrying Discord, stopped, not responding, "
            "or not connected",
            EXIT_CONFIG: "a setting is invalid, or the database cannot be used",
        },
        help="show the running bot's state (for people and health checks)",
        description="Show what the bot running on DATABASE_PATH is doing: connected shards "
        "and servers, the last gateway event, feeds due or failing, the outbox backlog, and "
        "the database's size and schema version. Read from the database and the heartbeat "
        "the running bot writes every 30 s, so it works from another process or container. "
        "Several processes on one database (SHARD_IDS) each have a line, named by their "
        "shards; with SHARD_IDS set, the exit code is that process's health (a container's "
        "health check), otherwise every process's.",
    )

    db = command(
        commands, "db", _COMMON, help="database maintenance", description="Database maintenance."
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    command(
        db_commands,
        "migrate",
        _COMMON,
        help="create or upgrade the database schema",
        description="Create the database at DATABASE_PATH or bring its schema up to date.",
    )
    backup = command(
        db_commands,
        "backup",
        _COMMON,
        help="copy the database safely, even while the bot runs",
        description="Copy the database to PATH with SQLite's online backup API.",
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="file to write the backup to")
    copy = command(
        db_commands,
        "copy",
        _COMMON,
        help="copy every table into an empty database (e.g. SQLite to PostgreSQL)",
        description="Copy every table of the current database (DATABASE_URL if set, else "
        "DATABASE_PATH) into the empty database at URL, in one transaction: a non-empty "
        "target is refused and nothing is written. Then point DATABASE_URL at URL.",
    )
    copy.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="sqlite:///path/to/file.db or postgresql://user:pass@host:port/dbname",
    )
    command(
        db_commands,
        "audit",
        _COMMON,
        codes={
            EXIT_OK: "every source is one the policy accepts",
            EXIT_FAILED: "some sources are refused by the policy (listed)",
            EXIT_CONFIG: "a setting is invalid, or the database cannot be used",
        },
        help="check every fact's source against the source policy",
        description="Print how many facts the store holds per source grade, every fact "
        "without its own source, and every source the policy now refuses (exit 1 if any).",
    )

    imp = command(
        commands,
        "import",
        _COMMON,
        help="load data into the catalog",
        description="Load data into the catalog (works without a Discord token).",
    )
    sources = imp.add_subparsers(dest="source", metavar="SOURCE", required=True)
    cat = command(
        sources,
        "catalog",
        _COMMON,
        help="TOML catalog files (default: the bundled data/catalog)",
        description="Validate and load catalog TOML files: all or nothing, and re-importing "
        "updates in place. Without PATH, the bundled catalog is loaded.",
    )
    cat.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
    kpop = command(
        sources,
        "kpopnet",
        _COMMON,
        help="the CC0 kpopnet dataset (default: the bundled copy)",
        description="Load idols, groups and memberships from a kpopnet.json file; each fact "
        "cites the idol's or group's profile page, and corrections.toml beside the file "
        "(if any) replaces values checked to be wrong, with their sources.",
    )
    kpop.add_argument("path", nargs="?", type=Path, metavar="PATH", help="kpopnet.json")
    mb = command(
        sources,
        "musicbrainz",
        (*_COMMON, "MUSICBRAINZ_API_BASE", "MUSICBRAINZ_CONTACT"),
        help="MusicBrainz web-service JSON files, or fetch by id",
        description="Load MusicBrainz ws/2 JSON (releases, release groups, recordings). "
        "With --fetch, ask the live web service (one request per second).",
    )
    mb.add_argument("files", nargs="*", type=Path, metavar="FILE", help="ws/2 JSON files")
    mb.add_argument(
        "--fetch",
        action="append",
        default=[],
        metavar="MBID",
        help="fetch this MusicBrainz id (repeatable)",
    )
    mb.add_argument(
        "--kind",
        default="release",
        choices=["recording", "release", "release-group"],
        help="what the fetched ids are (default: release)",
    )
    mb.add_argument("--base-url", default=None, help="web service URL (for a mirror)")
    mbdump = command(
        sources,
        "musicbrainz-dump",
        _COMMON,
        help="a MusicBrainz JSON data dump (.tar.xz or JSON lines), filtered to a scope",
        description="Stream a MusicBrainz JSON dump (one ws/2 entity per line) into the "
        "catalog, in bounded memory, resuming where a stopped import left off; importing "
        "twice adds nothing. Import the artist dump first: its scope decides which "
        "recordings, releases and release groups follow.",
    )
    mbdump.add_argument("file", type=Path, metavar="FILE", help="e.g. artist.tar.xz")
    mbdump.add_argument(
        "--area", action="append", default=[], metavar="CODE", help="artists from this country"
    )
    mbdump.add_argument(
        "--tag", action="append", default=[], metavar="TAG", help="artists (or items) tagged so"
    )
    mbdump.add_argument(
        "--artist", action="extend", nargs="+", default=[], metavar="MBID", help="these artists"
    )
    mbdump.add_argument(
        "--restart", action="store_true", help="forget this file's checkpoint and read it all"
    )
    mbdump.add_argument(
        "--batch", type=int, default=500, metavar="N", help="records per transaction (500)"
    )
    wd = command(
        sources,
        "wikidata",
        _COMMON,
        help="a Wikidata SPARQL JSON result or entity dump lines",
        description="Add Wikidata's labels, aliases, dates and sitelink counts to the catalog "
        "entries that carry the item's MusicBrainz id, streaming the file in bounded memory, "
        "resumable, idempotent.",
    )
    wd.add_argument("file", type=Path, metavar="FILE", help="SPARQL .json, or a dump .json[.gz]")
    wd.add_argument(
        "--restart", action="store_true", help="forget this file's checkpoint and read it all"
    )
    wd.add_argument(
        "--batch", type=int, default=500, metavar="N", help="records per transaction (500)"
    )

    ask = command(
        commands,
        "ask",
        (*_COMMON, *_ONLINE),
        codes={
            EXIT_OK: "answered",
            EXIT_FAILED: "the catalog does not know (it says what it does know)",
            EXIT_CONFIG: "a setting is invalid, or the database cannot be used",
        },
        help="answer a question from the catalog",
        description="Answer a question about credits, dates and references, with sources "
        "(works without a Discord token). Like the bot, it looks up names the catalog does "
        "not know on MusicBrainz and Wikidata unless ONLINE_LOOKUPS is false, and says so "
        "when it is.",
    )
    ask.add_argument("question", metavar="QUESTION", help='e.g. "who directed Love wins all?"')

    feed_env = (*_COMMON, "FEED_ALLOW_PRIVATE_HOSTS", "MUSICBRAINZ_CONTACT")
    feed = command(commands, "feed", feed_env, help="feed tools", description="Feed tools.")
    feed_commands = feed.add_subparsers(dest="feed_command", metavar="ACTION", required=True)
    preview = command(
        feed_commands,
        "preview",
        feed_env,
        help="show what the bot would post from a feed",
        description="Fetch a feed URL (or read a file) with the bot's own fetcher and parser "
        "and show each post the bot would make: title, outlet, date, link, summary and the "
        "catalog entries it names (works without a Discord token). --json prints one JSON "
        "object per line instead, for programs.",
    )
    preview.add_argument("source", metavar="PATH_OR_URL")
    preview.add_argument("--json", action="store_true", help="one JSON object per entry")
    return parser


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


def _require_file(settings: Settings, why: str) -> None:
    """Refuse a SQLite database that does not exist yet (a server is asked when opened)."""
    database = settings.database
    if database.path is not None and not database.path.exists():
        raise UserError(f"there is no database at {database.path}: {why}")


async def _migrate(settings: Settings) -> int:
    from bot.store import Store

    async with Store.open(settings.database, pool_size=settings.database_pool_size) as store:
        version = await store.user_version()
    print(f"{settings.database}: schema version {version}")
    return EXIT_OK


async def _status(settings: Settings) -> int:
    from datetime import UTC, datetime

    from bot.app.status_report import build_report
    from bot.core.shards import process_key
    from bot.store import Store
    from bot.store.status import StatusStore

    _require_file(settings, "has the bot run yet?")
    async with Store.open(
        settings.database, pool_size=settings.database_pool_size, migrate=False
    ) as store:
        now = datetime.now(UTC)
        status = StatusStore(store)
        beats = await status.heartbeats()
        health = await status.feed_health(now)
        version = await store.user_version()
    report = build_report(
        beats,
        health,
        database=settings.database,
        schema_version=version,
        now=now,
        own=process_key(settings.shard_count, settings.shard_ids),
    )
    print("\n".join(report.lines))
    return EXIT_OK if report.healthy else EXIT_FAILED


async def _backup(settings: Settings, target: Path) -> int:
    from bot.app.progress import progress_bar
    from bot.store import Store

    _require_file(settings, "nothing to back up")
    async with Store.open(
        settings.database, pool_size=settings.database_pool_size, migrate=False
    ) as store:
        with progress_bar("backing up", unit="page") as progress:
            written = await store.backup(target, progress=progress)
    print(f"backed up {settings.database} to {written}")
    return EXIT_OK


async def _copy(settings: Settings, to: str) -> int:
    from bot.app.progress import progress_bar
    from bot.core.database_url import DatabaseUrlError, parse_database_url
    from bot.store import Store
    from bot.store.copy import copy_database

    try:
        target = parse_database_url(to)
    except DatabaseUrlError as exc:
        raise ConfigError(f"--to {exc}") from None
    _require_file(settings, "nothing to copy")
    created = target.path is not None and not target.path.exists()
    try:
        async with Store.open(settings.database, pool_size=settings.database_pool_size) as store:
            with progress_bar("copying", unit="row") as progress:
                report = await copy_database(store, target, progress=progress)
    except BaseException:
        if created and target.path is not None:
            # A SQLite file this command made holds nothing: leave no trace of it.
            for leftover in (target.path, Path(f"{target.path}-wal"), Path(f"{target.path}-shm")):
                leftover.unlink(missing_ok=True)
        raise
    print(f"copied {report.rows} rows in {len(report.tables)} tables to {target}")
    print("point DATABASE_URL at it and start the bot")
    return EXIT_OK


def _import_for_good() -> None:
    """Import what `run` keeps for the whole process, then take it out of the garbage collector.

    discord.py, aiohttp and the bot's own modules, classes and functions live until the process
    ends: imported with the cyclic collector paused (it would only walk what it cannot free),
    then frozen (``gc.freeze``), no later full collection walks them again and the exit does not
    either. A bot's start costs about a fifth less CPU, and a SIGTERM ends the process in about
    half the time.
    """
    gc.disable()
    try:
        import bot.app.client  # noqa: F401  (discord.py, aiohttp and the layers the cogs use)
    finally:
        gc.enable()
    gc.freeze()


async def _run_bot(settings: Settings) -> int:
    """Run the bot until a signal; keep trying while Discord cannot be reached."""
    from bot.app.runner import run_bot

    return await run_bot(settings)


async def _sync(settings: Settings, guild_id: int | None) -> int:
    import discord

    from bot.app.client import LinerNotesBot
    from bot.discord_io.discord_urls import apply_discord_urls

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


async def _open_loaded(settings: Settings) -> Any:
    """Open the store and load the bundled data into it if it is empty (with a progress bar)."""
    from bot.app.progress import progress_bar
    from bot.knowledge.importers.bundled import ensure_bundled_loaded
    from bot.store import Store

    store = await Store.open(settings.database, pool_size=settings.database_pool_size)
    try:
        with progress_bar("first run: loading the bundled catalog", unit="step") as progress:
            await ensure_bundled_loaded(store, progress=progress)
    except BaseException:
        await store.close()
        raise
    return store


async def _import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app.progress import progress_bar
    from bot.core.useragent import user_agent
    from bot.knowledge.importers import bundled
    from bot.knowledge.importers.kpopnet import import_kpopnet
    from bot.knowledge.importers.musicbrainz import (
        fetch_musicbrainz,
        import_musicbrainz,
        import_musicbrainz_documents,
    )
    from bot.store import Store

    async with Store.open(settings.database, pool_size=settings.database_pool_size) as store:
        if args.source == "catalog":
            paths = args.paths or [bundled.bundled_catalog_dir()]
            with progress_bar("importing the catalog") as progress:
                reports = await bundled.reimport_catalog(store, paths, progress=progress)
        elif args.source == "kpopnet":
            path = args.path or bundled.bundled_kpopnet_path()
            with progress_bar("importing kpopnet", unit="step") as progress:
                reports = [await import_kpopnet(store, path, progress=progress)]
        elif args.source in ("musicbrainz-dump", "wikidata"):
            reports = [await _import_dump(store, args)]
        else:
            if not args.files and not args.fetch:
                raise UserError("give MusicBrainz JSON files, or --fetch MBID")
            reports = []
            if args.files:
                reports.append(await import_musicbrainz(store, args.files))
            if args.fetch:
                base = args.base_url or settings.musicbrainz_api_base
                documents = []
                with progress_bar("fetching from MusicBrainz", unit="id") as progress:
                    for done, mbid in enumerate(args.fetch):
                        progress(done, len(args.fetch))
                        fetched = await fetch_musicbrainz(
                            mbid, args.kind, base, user_agent(settings.musicbrainz_contact)
                        )
                        documents.append((f"{args.kind} {mbid}", fetched))
                    progress(len(args.fetch), len(args.fetch))
                reports.append(await import_musicbrainz_documents(store, documents))
    for report in reports:
        print(report.summary())
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK


async def _import_dump(store: Any, args: argparse.Namespace) -> Any:
    from bot.app.progress import progress_bar
    from bot.knowledge.importers.musicbrainz_dump import Scope, import_musicbrainz_dump
    from bot.knowledge.importers.streaming import file_key
    from bot.knowledge.importers.wikidata_dump import import_wikidata_dump
    from bot.store import imports

    if not args.file.is_file():
        raise UserError(f"{args.file}: no such file")
    if args.batch < 1:
        raise UserError("--batch must be at least 1")
    source = "musicbrainz-dump" if args.source == "musicbrainz-dump" else "wikidata-dump"
    if args.restart:
        await imports.clear_checkpoints(store, source, file_key(args.file))
    with progress_bar(f"importing {args.file.name}", unit="B") as progress:
        if args.source == "wikidata":
            return await import_wikidata_dump(store, args.file, progress=progress, batch=args.batch)
        scope = Scope.of(args.area, args.tag, args.artist)
        return await import_musicbrainz_dump(
            store, args.file, scope, progress=progress, batch=args.batch
        )


async def _ask(settings: Settings, question: str) -> int:
    from bot.discord_io.escape import terminal
    from bot.knowledge.ask import answer, answer_for

    async with await _open_loaded(settings) as store:
        online = _online_lookup(settings, store)
        try:
            result = await answer(store, question)
            if not result.answered and not result.choices and online is not None:
                # Not in the catalog: MusicBrainz and Wikidata may know it, as in the bot.
                result = await answer(store, question, online=online)
            if not result.answered and result.choices:
                # Ambiguous: a numbered list; at a terminal, the number picked answers it.
                print(terminal(result.text))
                for number, choice in enumerate(result.choices, start=1):
                    print(f"  {number}. {terminal(choice.label)}")
                picked = _pick_number(len(result.choices))
                if picked is None:
                    return EXIT_FAILED
                result = await answer_for(store, question, result.choices[picked].value)
        finally:
            if online is not None:
                await online.close()
    print(terminal(result.text))
    for source in result.sources:
        print(f"  source: {terminal(source.outlet)} <{terminal(source.url)}>")
    if not result.answered and result.suggestions:
        print("  maybe: " + terminal("; ".join(result.suggestions)))
    if not result.answered and online is None:
        print("  (online lookups are off: ONLINE_LOOKUPS=false; only the local catalog was asked)")
    return EXIT_OK if result.answered else EXIT_FAILED


def _online_lookup(settings: Settings, store: Any) -> Any:
    """Return the bot's online lookup service, or None when ONLINE_LOOKUPS is false."""
    if not settings.online_lookups:
        return None
    from bot.core.useragent import user_agent
    from bot.knowledge.online.lookup import OnlineLookup
    from bot.knowledge.online.musicbrainz import MusicBrainzClient
    from bot.knowledge.online.wikidata import WikidataClient

    agent = user_agent(settings.musicbrainz_contact)
    lookup: OnlineLookup = OnlineLookup(
        store,
        MusicBrainzClient(settings.musicbrainz_api_base, agent),
        WikidataClient(settings.wikidata_api_base, agent),
    )
    return lookup


def _pick_number(count: int) -> int | None:
    """Read a choice from 1 to ``count`` at a terminal; None when not interactive or no choice."""
    if not sys.stdin.isatty():
        print("Ask again naming one of these, or run this at a terminal to pick a number.")
        return None
    try:
        text = input(f"Which one (1-{count})? ").strip()
    except EOFError:
        return None
    return int(text) - 1 if text.isdigit() and 1 <= int(text) <= count else None


async def _audit(settings: Settings) -> int:
    import dataclasses

    from bot.knowledge.audit import audit, media_counts

    async with await _open_loaded(settings) as store:
        report = dataclasses.replace(await audit(store), media=await media_counts(store))
    for line in report.lines():
        print(line)
    return EXIT_FAILED if report.refused else EXIT_OK


async def _feed_preview(settings: Settings, source: str, *, as_json: bool) -> int:
    import json

    from bot.core.useragent import user_agent
    from bot.feeds.fetch import Fetcher
    from bot.feeds.preview import preview, render_preview
    from bot.knowledge.linking import alias_index
    from bot.knowledge.reviews import review_linker

    async with await _open_loaded(settings) as store:
        fetcher = Fetcher(
            allow_private=settings.feed_allow_private_hosts,
            user_agent=user_agent(settings.musicbrainz_contact),
        )
        try:
            # The bot's own linker, so the preview shows the entities a post would name.
            linker = review_linker(await alias_index(store))
            entries = await preview(
                source,
                allow_private=settings.feed_allow_private_hosts,
                linker=linker,
                fetcher=fetcher,
            )
        finally:
            await fetcher.close()
    if as_json:
        for entry in entries:
            print(json.dumps(entry, ensure_ascii=False))
    else:
        print("\n".join(render_preview(entries)))
    return EXIT_OK


def dispatch(args: argparse.Namespace) -> int:
    """Run the chosen subcommand; return its exit code."""
    needs_token = args.command in {"run", "sync"}
    settings = load_settings(require_token=needs_token)
    # The bot logs what it does; the other commands print their result and log warnings only,
    # unless LOG_LEVEL says otherwise.
    quiet = args.command != "run" and not settings.log_level_set
    configure_logging("WARNING" if quiet else settings.log_level)
    if (notice := settings.database_notice()) is not None:
        log.warning("%s", notice)
    if args.command == "run":
        _import_for_good()
        return _run(_run_bot(settings))
    if args.command == "sync":
        return _run(_sync(settings, args.guild))
    if args.command == "status":
        return _run(_status(settings))
    if args.command == "db" and args.db_command == "migrate":
        return _run(_migrate(settings))
    if args.command == "db" and args.db_command == "backup":
        return _run(_backup(settings, args.path))
    if args.command == "db" and args.db_command == "copy":
        return _run(_copy(settings, args.to))
    if args.command == "db" and args.db_command == "audit":
        return _run(_audit(settings))
    if args.command == "import":
        return _run(_import(settings, args))
    if args.command == "ask":
        return _run(_ask(settings, args.question))
    if args.command == "feed" and args.feed_command == "preview":
        return _run(_feed_preview(settings, args.source, as_json=args.json))
    raise AssertionError(f"unhandled command {args.command!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``linernotes`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_CONFIG
    try:
        code = dispatch(args)
        sys.stdout.flush()  # here, so a closed pipe is caught below, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (`linernotes ... | head`): stop quietly, as Unix tools do.
        # Python flushes stdout again at exit; point it at /dev/null so that cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE
    except ConfigError as exc:
        print(f"linernotes: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StoreError as exc:
        print(f"linernotes: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (UserError, LinerNotesError) as exc:
        # A data file's or a service's words may be in the message: no escape sequence passes.
        from bot.discord_io.escape import terminal

        print(f"linernotes: {terminal(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # tier 2: unexpected; the details go to the log, not the screen
        log.debug("unexpected error", exc_info=True)
        print(
            f"linernotes: unexpected error ({type(exc).__name__}: {exc}); "
            "run with LOG_LEVEL=DEBUG for details",
            file=sys.stderr,
        )
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

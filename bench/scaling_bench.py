"""Scaling figures for docs/scaling.md: shards and processes against the Discord emulator.

Run: .venv/bin/python -m bench.scaling_bench [--servers 10000] [--feeds 10000] [--only NAME]
Prints figures; asserts nothing. Sections (``--only``): bot, feeds, sqlite.

bot: ``linernotes run`` processes against one emulator holding N servers spread evenly over
4 shards (``SHARD_COUNT=4``), with Discord's identify pacing (max_concurrency 1, one IDENTIFY
per 5 s): a process with a single server (the baseline), one process running all 4 shards, 2
processes running 2 shards each started together, then started 12 s apart. For each:
spawn -> every shard ready and /help answered on each shard; resident memory of each process;
interaction latency (emulator dispatch -> the bot's acknowledgement) over sequential /help and
/release on servers of every shard.

feeds: one poll cycle over N local feeds (all fetched; all 304; one in ten changed), and the
same feed polled by several processes (conditional GET each time).

sqlite: commits per second of the small writes a process makes (one row per transaction).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.feeds_bench import INTERVAL, T0, feed_bytes
from bot.app.client import LinerNotesBot
from bot.core.settings import load_settings
from bot.core.shards import ShardScope
from bot.discord_io.discord_urls import apply_discord_urls
from bot.feeds import AddressPolicy, Fetcher, poll_once
from bot.store import Store
from bot.store.feeds import FeedStore
from tests.fakediscord import FakeDiscord, Guild

ROOT = Path(__file__).resolve().parents[1]
SHARDS = 4


# -- bot processes --------
def bot_env(fd: FakeDiscord, database: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": fd.token,
        "DATABASE_PATH": str(database),
        "DISCORD_API_BASE": fd.api_base,
        "DISCORD_GATEWAY_URL": fd.gateway_url,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def rss_mib(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def prepared_database(folder: Path) -> Path:
    """A database with the bundled catalog loaded once, copied for every process."""
    from bot.knowledge.importers.bundled import ensure_bundled_loaded

    path = folder / "template.db"
    store = await Store.open(path)
    try:
        await ensure_bundled_loaded(store)
    finally:
        await store.close()
    return path


async def sync_global_commands(fd: FakeDiscord, template: Path, folder: Path) -> None:
    """Register the commands globally, as `linernotes sync` does, so every server has them."""
    database = folder / "sync.db"
    shutil.copy(template, database)
    settings = load_settings(env=bot_env(fd, database), env_file=None)
    apply_discord_urls(settings)
    bot = LinerNotesBot(settings)
    async with bot:
        await bot.login(fd.token)
        await bot.tree.sync()


async def latencies(
    fd: FakeDiscord, guilds: list[Guild], command: str, runs: int, **options: Any
) -> list[float]:
    """Milliseconds from dispatching each interaction to the bot's acknowledgement."""
    out = []
    rng = random.Random(0)
    for _ in range(runs):
        guild = rng.choice(guilds)
        started = time.perf_counter()
        await fd.slash(command, user=guild.owner, guild=guild, timeout=30, **options)
        out.append((time.perf_counter() - started) * 1000)
    return out


async def first_answer(fd: FakeDiscord, guild: Guild) -> int:
    """Invoke /help until the bot answers in time; return how many tries it missed.

    The emulator counts a shard ready once READY and every GUILD_CREATE are written; the bot
    may still be parsing them, and an interaction it acknowledges after 3 s is refused.
    """
    missed = 0
    while True:
        try:
            await fd.slash("help", user=guild.owner, guild=guild, timeout=120)
            return missed
        except AssertionError:
            missed += 1


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered):6.1f} ms  p95 {p95:6.1f} ms  (n={len(ordered)})"


async def bot_scenario(
    label: str,
    servers: int,
    layout: list[str],
    template: Path,
    folder: Path,
    runs: int,
    stagger: float = 0.0,
) -> None:
    """Start one process per entry of *layout* (its SHARD_IDS), *stagger* s apart; measure."""
    fd = FakeDiscord(max_concurrency=1)
    await fd.start()
    try:
        guilds = [fd.add_guild(f"Club {n}", shard=(n % SHARDS, SHARDS)) for n in range(servers)]
        await sync_global_commands(fd, template, folder)
        procs = []
        started = time.perf_counter()
        for index, shard_ids in enumerate(layout):
            if index:
                await asyncio.sleep(stagger)
            database = folder / f"{label.replace(' ', '-')}-{index}.db"
            shutil.copy(template, database)
            env = bot_env(fd, database, SHARD_COUNT=str(SHARDS), SHARD_IDS=shard_ids)
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "run",
                    env=env,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
            )
        wanted = sorted({(int(s), SHARDS) for ids in layout for s in ids.split(",")})
        await fd.wait_until_ready(timeout=300, shards=wanted)
        on_shard = {s: [g for g in guilds if (g.id >> 22) % SHARDS == s] for s, _ in wanted}
        unanswered = 0
        for shard_guilds in on_shard.values():
            unanswered += await first_answer(fd, shard_guilds[0])
        ready = time.perf_counter() - started
        served = [g for gs in on_shard.values() for g in gs]
        help_ms = await latencies(fd, served, "help", runs)
        release_ms = await latencies(fd, served, "release", runs, query="Love wins all")
        memory = [rss_mib(p.pid) for p in procs]
        print(
            f"{label}: {len(served)} servers on shards {[s for s, _ in wanted]} in "
            f"{len(procs)} process(es); spawn -> every shard answering {ready:5.1f} s; "
            f"refused IDENTIFYs {fd.gateway.refused_identifies}; /help not answered in 3 s "
            f"{unanswered} time(s) after the emulator had sent every GUILD_CREATE"
        )
        print(f"  RSS per process: {', '.join(f'{m:.0f} MiB' for m in memory)}")
        print(f"  /help    {summary(help_ms)}")
        print(f"  /release {summary(release_ms)}")
        for proc in procs:
            proc.terminate()
        for proc in procs:
            await proc.wait()
    finally:
        await fd.stop()


async def bot_bench(servers: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = await prepared_database(folder)
        await bot_scenario("baseline", 1, ["0"], template, folder, runs)
        await bot_scenario("one process", servers, ["0,1,2,3"], template, folder, runs)
        await bot_scenario("two processes", servers, ["0,1", "2,3"], template, folder, runs)
        # Started 2 shards x (5 s + the bot's 1 s margin) apart, they do not collide.
        await bot_scenario(
            "two processes, staggered", servers, ["0,1", "2,3"], template, folder, runs, 12.0
        )


# -- feeds --------
class FeedHost:
    """N feeds on one local server, with ETags; counts requests and 304s."""

    def __init__(self, feeds: int) -> None:
        self.bodies = {i: feed_bytes(i, 20) for i in range(feeds)}
        self.version = dict.fromkeys(self.bodies, 1)
        self.requests = 0
        self.not_modified = 0
        self.bytes_sent = 0

    async def handle(self, request: web.Request) -> web.Response:
        i = int(request.match_info["n"])
        self.requests += 1
        etag = f'"{i}-{self.version[i]}"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304, headers={"ETag": etag})
        self.bytes_sent += len(self.bodies[i])
        return web.Response(body=self.bodies[i], headers={"ETag": etag}, content_type="text/xml")

    def change(self, which: Callable[[int], bool]) -> None:
        for i in self.bodies:
            if which(i):
                self.bodies[i] = feed_bytes(i, 20, offset=1)
                self.version[i] += 1


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def timed_cycle(
    label: str, feeds: FeedStore, fetcher: Fetcher, now: Any, scope: ShardScope | None = None
) -> tuple[float, float]:
    wall, cpu0 = time.perf_counter(), cpu()
    report = await poll_once(
        feeds,
        fetcher.fetch,
        default_interval=INTERVAL,
        now=now,
        rng=random.Random(0),
        concurrency=32,
        scope=scope,
    )
    wall, used = time.perf_counter() - wall, cpu() - cpu0
    print(
        f"  {label:<40} wall {wall:6.2f} s  cpu {used:6.2f} s  polled {report.polled} "
        f"fetched {report.fetched} 304 {report.not_modified} enqueued {report.enqueued}"
    )
    return wall, used


async def feeds_bench(n_feeds: int, processes: int) -> None:
    host = FeedHost(n_feeds)
    app = web.Application()
    app.router.add_get("/f/{n}", host.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    policy = AddressPolicy.allowing(["127.0.0.1/32"])
    print(f"feeds: {n_feeds} feeds x 20 entries, one follower each, concurrency 32")
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "feeds.db")
        feeds = FeedStore(store)
        for i in range(n_feeds):
            await feeds.add_subscription(
                guild_id=(i + 1) << 22,
                channel_id=1000 + i,
                url=f"http://127.0.0.1:{port}/f/{i}",
                now=T0,
            )
        step = timedelta(seconds=INTERVAL * 2)
        async with Fetcher(policy=policy) as fetcher:
            await timed_cycle("first poll (all 200, baseline)", feeds, fetcher, T0)
            await timed_cycle("unchanged (all 304)", feeds, fetcher, T0 + step)
            host.change(lambda i: i % 10 == 0)
            await timed_cycle("one in ten changed", feeds, fetcher, T0 + 2 * step)
            # One of two processes: the scope halves the work.
            await timed_cycle(
                "unchanged, shard 0 of 2 only", feeds, fetcher, T0 + 3 * step, ShardScope.of(2, [0])
            )
        await store.close()

        # One feed followed by servers on several processes: each process fetches it.
        print(f"one feed followed on {processes} processes (each its own database):")
        stores = [await Store.open(Path(tmp) / f"p{n}.db") for n in range(processes)]
        async with Fetcher(policy=policy) as fetcher:
            for n, each in enumerate(stores):
                await FeedStore(each).add_subscription(
                    guild_id=(n + 1) << 22, channel_id=1, url=f"http://127.0.0.1:{port}/f/0", now=T0
                )
            before = (host.requests, host.not_modified, host.bytes_sent)
            for cycle in range(1, 4):
                for each in stores:
                    await poll_once(
                        FeedStore(each),
                        fetcher.fetch,
                        default_interval=INTERVAL,
                        now=T0 + cycle * step,
                        rng=random.Random(0),
                    )
            requests = host.requests - before[0]
            print(
                f"  3 cycles: {requests} requests, {host.not_modified - before[1]} answered 304, "
                f"{host.bytes_sent - before[2]} body bytes "
                f"(one full body is {len(host.bodies[0])} bytes)"
            )
        for each in stores:
            await each.close()
    await runner.cleanup()


# -- sqlite --------
async def sqlite_bench(writes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "writes.db")
        feeds = FeedStore(store)
        sub = await feeds.add_subscription(
            guild_id=1 << 22, channel_id=1, url="https://a.example/f"
        )
        started = time.perf_counter()
        for n in range(writes):
            await feeds.record_not_modified(
                sub.feed_id,
                now=T0,
                next_poll_at=T0 + timedelta(seconds=n),
                etag=None,
                last_modified=None,
            )
        elapsed = time.perf_counter() - started
        print(
            f"sqlite: {writes} single-row commits (WAL, synchronous=NORMAL) in {elapsed:.2f} s: "
            f"{writes / elapsed:,.0f} commits/s"
        )
        started = time.perf_counter()
        async with store.transaction() as conn:
            for n in range(writes):
                await conn.execute(
                    "UPDATE feeds SET next_poll_at = ? WHERE id = ?", (str(n), sub.feed_id)
                )
        elapsed = time.perf_counter() - started
        print(f"sqlite: {writes} updates in one transaction: {writes / elapsed:,.0f} rows/s")
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100, help="interactions per command")
    parser.add_argument("--processes", type=int, default=4, help="for the shared-feed figure")
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--only", choices=["bot", "feeds", "sqlite"])
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    if args.only in (None, "sqlite"):
        asyncio.run(sqlite_bench(args.writes))
    if args.only in (None, "feeds"):
        asyncio.run(feeds_bench(args.feeds, args.processes))
    if args.only in (None, "bot"):
        asyncio.run(bot_bench(args.servers, args.runs))


if __name__ == "__main__":
    main()

"""Bot benchmarks against the Discord emulator: start-up to READY, posting throughput, and CPU
per interaction against a bare discord.py bot answering constants (bench/bare_bot.py).

Run: .venv/bin/python -m bench.bot_bench   (prints figures; asserts nothing)
     .venv/bin/python -m bench.bot_bench --cpu-only   (just the comparison with the bare bot)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.client import LinerNotesBot
from bot.core.settings import load_settings
from bot.discord_io.discord_urls import apply_discord_urls
from bot.store.feeds import EntryCandidate, FeedStore, FetchState
from bot.store.posts import ReviewPost
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]


def settings_for(fd: FakeDiscord, database: Path, guild_id: int) -> object:
    return load_settings(
        env={
            "DISCORD_TOKEN": fd.token,
            "DATABASE_PATH": str(database),
            "DISCORD_API_BASE": fd.api_base,
            "DISCORD_GATEWAY_URL": fd.gateway_url,
            "DEV_GUILD_ID": str(guild_id),
            "LOG_LEVEL": "WARNING",
        },
        env_file=None,
    )


async def process_start_to_ready(database: Path, runs: int = 3) -> list[float]:
    """Seconds from spawning `python -m bot run` until it has answered /help."""
    times = []
    for run in range(runs):
        fd = FakeDiscord()
        await fd.start()
        guild = fd.add_guild("Bench")
        member = guild.add_member("alice")
        if run == 0:
            database.unlink(missing_ok=True)  # the first run also loads the bundled catalog
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": fd.token,
            "DATABASE_PATH": str(database),
            "DISCORD_API_BASE": fd.api_base,
            "DISCORD_GATEWAY_URL": fd.gateway_url,
            "DEV_GUILD_ID": str(guild.id),
            "LOG_LEVEL": "WARNING",
        }
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await fd.wait_until_ready(timeout=60)
        await fd.wait_for(lambda f=fd, g=guild: f.commands(g), timeout=60)
        await fd.slash("help", user=member, timeout=30)
        times.append(time.perf_counter() - started)
        proc.terminate()
        await proc.wait()
        await fd.stop()
    return times


def process_cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds a process has used so far (Linux /proc)."""
    # The command name may contain spaces; the fields after its closing parenthesis do not.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def settle(pid: int, quiet_ms: float = 5.0, limit_s: float = 60.0) -> None:
    """Wait until the process has used under ``quiet_ms`` of CPU in each of six half-seconds.

    Three seconds, because discord.py fires on_ready (which starts the bot's loops; the feed
    loop's first round builds the linker's name index) two seconds after the last guild.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    quiet = 0
    while quiet < 6 and loop.time() < deadline:
        before = process_cpu_seconds(pid)
        await asyncio.sleep(0.5)  # another process's idleness has no event to await
        quiet = quiet + 1 if 1000 * (process_cpu_seconds(pid) - before) < quiet_ms else 0


AUTOCOMPLETE_QUERIES = ("lo", "love", "love w", "spring", "봄", "blue", "palette", "러브")


async def cpu_per_interaction(
    database: Path | None, autocompletes: int, credits: int
) -> tuple[float, float]:
    """Spawn a bot on a fresh emulator; return its CPU ms per autocomplete and per /credits.

    ``database`` None runs the bare bot (bench/bare_bot.py) instead of Liner Notes. Only the
    bot's process is measured, so the emulator's own work (in this process) does not count.
    """
    fd = FakeDiscord()
    await fd.start()
    guild = fd.add_guild("Bench")
    member = guild.add_member("alice")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": fd.token,
        "DISCORD_API_BASE": fd.api_base,
        "DISCORD_GATEWAY_URL": fd.gateway_url,
        "DEV_GUILD_ID": str(guild.id),
        "LOG_LEVEL": "WARNING",
    }
    if database is None:
        command = [sys.executable, "-m", "bench.bare_bot"]
    else:
        command = [sys.executable, "-m", "bot", "run"]
        env["DATABASE_PATH"] = str(database)
    proc = await asyncio.create_subprocess_exec(
        *command,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await fd.wait_until_ready(timeout=60)
        await fd.wait_for(lambda: fd.commands(guild), timeout=60)
        for query in AUTOCOMPLETE_QUERIES:  # warm caches and code paths
            await fd.autocomplete("credits", "query", query, user=member, timeout=30)
        await fd.slash("credits", user=member, query="Love wins all", timeout=30)
        # Start-up work finishes in the background (the feed linker builds its name index):
        # measure only once the bot is idle, so none of it is charged to the interactions.
        await settle(proc.pid)
        started = process_cpu_seconds(proc.pid)
        for n in range(autocompletes):
            query = AUTOCOMPLETE_QUERIES[n % len(AUTOCOMPLETE_QUERIES)]
            await fd.autocomplete("credits", "query", query, user=member, timeout=30)
        middle = process_cpu_seconds(proc.pid)
        for _ in range(credits):
            await fd.slash("credits", user=member, query="Love wins all", timeout=30)
        ended = process_cpu_seconds(proc.pid)
    finally:
        proc.terminate()
        await proc.wait()
        await fd.stop()
    return 1000 * (middle - started) / autocompletes, 1000 * (ended - middle) / credits


async def compare_with_bare_bot(database: Path, rounds: int = 5) -> None:
    """Print CPU per interaction of Liner Notes and of the bare bot, median of ``rounds``.

    The two alternate, so a busy moment on a shared machine weighs on both alike.
    """
    ours, bare = [], []
    for _ in range(rounds):
        ours.append(await cpu_per_interaction(database, 400, 200))
        bare.append(await cpu_per_interaction(None, 400, 200))
    print(f"CPU per interaction in the bot's process, ms (median of {rounds} alternating runs;")
    print('400 autocompletes and 200 /credits "Love wins all" each), Liner Notes vs bare bot:')
    for index, what in enumerate(("autocomplete (/credits query)", "/credits Love wins all")):
        mine = statistics.median(r[index] for r in ours)
        base = statistics.median(r[index] for r in bare)
        print(f"  {what}: {mine:.2f} vs {base:.2f} ({mine / base:.2f}x)")
        runs = [round(r[index], 2) for r in ours], [round(r[index], 2) for r in bare]
        print(f"    runs: {runs[0]} vs {runs[1]}")


async def posting_rate(database: Path, posts: int, limited: bool) -> tuple[float, int, int]:
    """Deliver ``posts`` queued reviews through the real bot; return (posts/s, sent, 429s)."""
    fd = FakeDiscord()
    await fd.start()
    guild = fd.add_guild("Bench")
    channel = guild.add_text_channel("reviews")
    if limited:
        fd.enable_rate_limits()
    settings = settings_for(fd, database, guild.id)
    apply_discord_urls(settings)  # type: ignore[arg-type]
    bot = LinerNotesBot(settings, guild_ready_timeout=0.05)  # type: ignore[arg-type]
    runner = asyncio.create_task(bot.start(fd.token))
    await bot.wait_ready()
    cog = bot.get_cog("Feeds")
    cog.poll.cancel()  # drive delivery by hand
    feeds = FeedStore(bot.store)
    now = datetime.now(UTC)
    url = f"https://bench.example/{time.time_ns()}/feed"
    sub = await feeds.add_subscription(
        guild_id=guild.id,
        channel_id=channel.id,
        url=url,
        now=now,
        fetched=FetchState(200, title="Bench"),
        baseline=[],
        next_poll_at=now + timedelta(days=1),
    )
    cands = [
        EntryCandidate(
            f"k{n}",
            now,
            ReviewPost(
                key=f"k{n}",
                title=f"Review {n}",
                link=f"https://bench.example/r/{n}",
                outlet="Bench",
                summary="A review.",
            ),
        )
        for n in range(posts)
    ]
    await feeds.enqueue_backfill(sub.id, cands, now=now)
    started = time.perf_counter()
    sent = 0
    while sent < posts:
        sent += await cog.deliver()
    elapsed = time.perf_counter() - started
    limited_hits = len(fd.rate_limited)
    await bot.close()
    await runner
    await fd.stop()
    return posts / elapsed, sent, limited_hits


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cpu-only", action="store_true", help="only the bare-bot comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.db"
        starts = await process_start_to_ready(database, runs=1 if args.cpu_only else 3)
        template = Path(tmp) / "template.db"
        shutil.copy(database, template)
        if not args.cpu_only:
            print(
                "start to ready (process spawn -> connected, commands synced, /help answered), s:"
            )
            print(f"  first start (empty database, bundled catalog loaded): {starts[0]:.2f}")
            print(
                f"  later starts: {', '.join(f'{t:.2f}' for t in starts[1:])}"
                f" (median {statistics.median(starts[1:]):.2f})"
            )
            for limited, posts in ((False, 200), (True, 30)):
                shutil.copy(template, database)
                rate, sent, hits = await posting_rate(database, posts, limited)
                what = (
                    "with Discord's per-channel limit (5 per 5 s)" if limited else "no rate limit"
                )
                print(
                    f"posting, {what}: {sent} posts with threads, {rate:.1f} posts/s, "
                    f"{hits} 429 responses"
                )
        shutil.copy(template, database)
        await compare_with_bare_bot(database)


if __name__ == "__main__":
    asyncio.run(main())

"""Bot benchmarks against the Discord emulator: start-up to READY, and posting throughput.

Run: .venv/bin/python -m bench.bot_bench   (prints figures; asserts nothing)
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from linernotes.bot.client import LinerNotesBot
from linernotes.bot.discord_urls import apply_discord_urls
from linernotes.bot.settings import load_settings
from linernotes.bot.store.feeds import EntryCandidate, FeedStore, FetchState
from linernotes.bot.store.posts import ReviewPost

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
    """Seconds from spawning `python -m linernotes.bot run` until it has answered /help."""
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
            "linernotes.bot",
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
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.db"
        starts = await process_start_to_ready(database)
        print("start to ready (process spawn -> connected, commands synced, /help answered), s:")
        print(f"  first start (empty database, bundled catalog loaded): {starts[0]:.2f}")
        print(
            f"  later starts: {', '.join(f'{t:.2f}' for t in starts[1:])}"
            f" (median {statistics.median(starts[1:]):.2f})"
        )
        template = Path(tmp) / "template.db"
        shutil.copy(database, template)
        for limited, posts in ((False, 200), (True, 30)):
            shutil.copy(template, database)
            rate, sent, hits = await posting_rate(database, posts, limited)
            what = "with Discord's per-channel limit (5 per 5 s)" if limited else "no rate limit"
            print(
                f"posting, {what}: {sent} posts with threads, {rate:.1f} posts/s, "
                f"{hits} 429 responses"
            )


if __name__ == "__main__":
    asyncio.run(main())

"""Bot benchmarks against the Discord emulator: start-up to READY, posting throughput, the cost
per interaction against a bare discord.py bot answering constants (bench/bare_bot.py), and
autocomplete in process at about 1M names.

Against the bare bot, on one emulator: autocomplete p50 and /credits p50 (CPU of the bot's
process per interaction), throughput of 20 concurrent interactions, RSS after warm-up; each
with its ratio to the bare bot's. Those repeat 8 prefixes and one card, which the bot keeps
until the catalog changes (bot/store/read_cache.py), so the same two figures are also measured
over varied queries, each new to the bot: prefixes of the catalog's names, and /credits of
different songs (what a miss costs). At 1M names: ``search.resolve`` p50/p95/p99/max in process,
over a generated database (bench/knowledge_generate.py) built once into the temporary directory
and reused (or an existing one, ``--names-db``, opened once by this checkout so it is migrated).
A copy just made or migrated is still being written back to disk for a minute or so: run ``sync``
and let it settle first, or the writeback runs beside the bench (p99 about 1.5-2 ms higher at 1M
names).

Run: .venv/bin/python -m bench.bot_bench   (prints figures; asserts nothing)
     .venv/bin/python -m bench.bot_bench --cpu-only   (just the comparison with the bare bot)
     .venv/bin/python -m bench.bot_bench --names-only   (just autocomplete at 1M names)
     ... --baseline /tmp/base   (also measure another checkout, e.g. `git worktree add /tmp/base
     main`, taking turns with this one)
     ... --names-only --names-db /tmp/mine.db --baseline /tmp/base --baseline-names-db
     /tmp/base.db   (two copies of one database, each migrated by its own checkout)
     ... --names-only --slowest 30   (the 30 slowest queries, each name read's CPU ms and rows)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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


def process_cpu_ns(pid: int) -> int:
    """Return the CPU nanoseconds the live threads of a process have run (Linux schedstat).

    Nanosecond resolution, so one interaction can be measured (``/proc/<pid>/stat`` counts
    10 ms ticks); every thread counts, the database's included.
    """
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return total


def process_rss_mb(pid: int) -> tuple[float, float]:
    """Return a process's resident memory and its peak so far, in MiB (``/proc/<pid>/status``)."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def settle(pid: int, quiet_ms: float = 5.0, limit_s: float = 60.0) -> None:
    """Wait until the process has used under ``quiet_ms`` of CPU in each of six half-seconds.

    Three seconds, because discord.py fires on_ready (which starts the bot's loops) two seconds
    after the last guild.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    quiet = 0
    while quiet < 6 and loop.time() < deadline:
        before = process_cpu_ns(pid)
        await asyncio.sleep(0.5)  # another process's idleness has no event to await
        quiet = quiet + 1 if (process_cpu_ns(pid) - before) / 1e6 < quiet_ms else 0


AUTOCOMPLETE_QUERIES = ("lo", "love", "love w", "spring", "봄", "blue", "palette", "러브")
CREDITS_QUERY = "Love wins all"
CONCURRENT = 20


@dataclass(frozen=True, slots=True)
class Contender:
    """A bot to measure: Liner Notes from a checkout (``root``), or the bare bot."""

    label: str
    root: Path
    bare: bool = False
    template: Path | None = None  # a database with the bundled data loaded by this checkout
    profile: Path | None = None  # run under cProfile, writing here when stopped

    def command(self) -> list[str]:
        python = [sys.executable]
        if self.profile is not None:
            python += ["-m", "cProfile", "-o", str(self.profile)]
        if self.bare:
            return [*python, "-m", "bench.bare_bot"]
        return [*python, "-m", "bot", "run"]


@dataclass(slots=True)
class Figures:
    """One run of one contender."""

    autocomplete_ms: list[float]  # CPU of the bot's process per autocomplete
    credits_ms: list[float]  # CPU per /credits
    varied_autocomplete_ms: list[float]  # the same, each query new to the bot
    varied_credits_ms: list[float]
    throughput: float  # interactions/s, CONCURRENT at a time
    rss_mb: float  # after warm-up
    peak_rss_mb: float  # at the end of the run


@dataclass(frozen=True, slots=True)
class Varied:
    """Queries each sent once per run: none is one the bot has answered before."""

    prefixes: tuple[str, ...]  # autocompletes
    titles: tuple[str, ...]  # /credits, one song, release or video each


def varied_queries(template: Path, autocompletes: int, credits: int) -> Varied:
    """Pick varied queries from a catalog: prefixes of its names, and its titles.

    Prefixes of two to six characters of every primary name (artists too), and each distinct
    title of a song, release or video; none of the repeated queries; in a fixed shuffled order.
    """
    conn = sqlite3.connect(template)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM names WHERE is_primary = 1")]
        titles = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT name FROM names WHERE is_primary = 1 "
                "AND kind IN ('song', 'release', 'video') ORDER BY name"
            )
        ]
    finally:
        conn.close()
    repeated = {q.casefold() for q in (*AUTOCOMPLETE_QUERIES, CREDITS_QUERY)}
    prefixes = sorted(
        {
            name[:n].strip()
            for name in names
            for n in range(2, 7)
            if name[:n].strip().casefold() not in repeated and len(name[:n].strip()) > 1
        }
    )
    seen: set[str] = set()
    distinct = []
    for title in titles:
        if title.casefold() not in repeated and title.casefold() not in seen:
            seen.add(title.casefold())
            distinct.append(title)
    shuffle = random.Random(18)
    shuffle.shuffle(prefixes)
    shuffle.shuffle(distinct)
    return Varied(tuple(prefixes[:autocompletes]), tuple(distinct[:credits]))


async def _interact(fd: FakeDiscord, member: Any, n: int, varied: Varied | None = None) -> None:
    """Send one interaction: even ``n`` an autocomplete, odd ``n`` a /credits.

    With ``varied``, the ``n // 2``-th of its queries instead of the repeated ones.
    """
    if n % 2:
        query = varied.titles[n // 2] if varied else CREDITS_QUERY
        await fd.slash("credits", user=member, query=query, timeout=60)
    else:
        if varied:
            query = varied.prefixes[n // 2]
        else:
            query = AUTOCOMPLETE_QUERIES[(n // 2) % len(AUTOCOMPLETE_QUERIES)]
        await fd.autocomplete("credits", "query", query, user=member, timeout=60)


async def measure(
    who: Contender,
    database: Path,
    autocompletes: int,
    credits: int,
    batches: int,
    varied: Varied | None = None,
) -> Figures:
    """Spawn a bot on a fresh emulator and measure it; the bot's process alone is counted.

    CPU per interaction is read from the bot's threads around each interaction, one at a time
    (the emulator's own work runs in this process and does not count); throughput is
    ``batches`` rounds of CONCURRENT interactions at once (autocompletes and /credits, half
    each), wall time, emulator included; RSS is read once the bot is warm and idle.
    """
    # Discord's 3 s deadline would fail a run on a loaded machine, not measure it: the wall time
    # of each batch is what counts here.
    fd = FakeDiscord(interaction_timeout=60.0)
    await fd.start()
    guild = fd.add_guild("Bench")
    member = guild.add_member("alice")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(who.root),
        "DISCORD_TOKEN": fd.token,
        "DISCORD_API_BASE": fd.api_base,
        "DISCORD_GATEWAY_URL": fd.gateway_url,
        "DEV_GUILD_ID": str(guild.id),
        "LOG_LEVEL": "WARNING",
    }
    if not who.bare:
        assert who.template is not None
        shutil.copy(who.template, database)
        env["DATABASE_PATH"] = str(database)
    proc = await asyncio.create_subprocess_exec(
        *who.command(),
        env=env,
        cwd=who.root,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await fd.wait_until_ready(timeout=60)
        await fd.wait_for(lambda: fd.commands(guild), timeout=60)
        for n in range(4 * len(AUTOCOMPLETE_QUERIES)):  # warm caches and code paths
            await _interact(fd, member, n)
        await asyncio.gather(*(_interact(fd, member, n) for n in range(CONCURRENT)))
        # Start-up work finishes in the background (the loops' first rounds): measure only once
        # the bot is idle, so none of it is charged to the interactions.
        await settle(proc.pid)
        rss, _ = process_rss_mb(proc.pid)
        autocomplete_ms, credits_ms = await _one_at_a_time(
            fd, member, proc.pid, autocompletes, credits
        )
        varied_autocomplete_ms, varied_credits_ms = [], []
        if varied is not None:
            varied_autocomplete_ms, varied_credits_ms = await _one_at_a_time(
                fd, member, proc.pid, len(varied.prefixes), len(varied.titles), varied
            )
        started = time.perf_counter()
        for _ in range(batches):
            await asyncio.gather(*(_interact(fd, member, n) for n in range(CONCURRENT)))
        throughput = batches * CONCURRENT / (time.perf_counter() - started)
        _, peak = process_rss_mb(proc.pid)
    finally:
        proc.terminate()
        await proc.wait()
        await fd.stop()
    return Figures(
        autocomplete_ms,
        credits_ms,
        varied_autocomplete_ms,
        varied_credits_ms,
        throughput,
        rss,
        peak,
    )


async def _one_at_a_time(
    fd: FakeDiscord,
    member: Any,
    pid: int,
    autocompletes: int,
    credits: int,
    varied: Varied | None = None,
) -> tuple[list[float], list[float]]:
    """Send interactions one at a time; return the bot's CPU ms per autocomplete, per /credits."""
    autocomplete_ms: list[float] = []
    credits_ms: list[float] = []
    for n in range(2 * max(autocompletes, credits)):
        if (n % 2 and n // 2 >= credits) or (not n % 2 and n // 2 >= autocompletes):
            continue
        before = process_cpu_ns(pid)
        await _interact(fd, member, n, varied)
        (credits_ms if n % 2 else autocomplete_ms).append((process_cpu_ns(pid) - before) / 1e6)
    return autocomplete_ms, credits_ms


async def load_template(who: Contender, database: Path) -> float:
    """Start ``who`` once on an empty ``database`` (it loads the bundled data); return seconds."""
    fd = FakeDiscord()
    await fd.start()
    guild = fd.add_guild("Bench")
    member = guild.add_member("alice")
    database.unlink(missing_ok=True)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(who.root),
        "DISCORD_TOKEN": fd.token,
        "DATABASE_PATH": str(database),
        "DISCORD_API_BASE": fd.api_base,
        "DISCORD_GATEWAY_URL": fd.gateway_url,
        "DEV_GUILD_ID": str(guild.id),
        "LOG_LEVEL": "WARNING",
    }
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *who.command(),
        env=env,
        cwd=who.root,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await fd.wait_until_ready(timeout=60)
        await fd.wait_for(lambda: fd.commands(guild), timeout=60)
        await fd.slash("help", user=member, timeout=30)
        return time.perf_counter() - started
    finally:
        proc.terminate()
        await proc.wait()
        await fd.stop()


def _ratio(mine: float, base: float) -> str:
    return f"{mine / base:.2f}x" if base else "-"


async def compare_with_bare_bot(
    contenders: Sequence[Contender],
    tmp: Path,
    rounds: int,
    autocompletes: int = 200,
    credits: int = 100,
    batches: int = 10,
) -> None:
    """Print the four figures of each contender and their ratios to the bare bot's.

    Contenders take turns within each round (the order rotating), so a busy moment on a
    shared machine weighs on all alike; each figure is the median over the rounds of the
    per-run figure (p50 of the interactions, throughput, RSS).
    """
    results: dict[str, list[Figures]] = {c.label: [] for c in contenders}
    template = next(c.template for c in contenders if c.template is not None)
    varied = varied_queries(template, autocompletes, credits)
    for round_ in range(rounds):
        shift = round_ % len(contenders)
        for who in [*contenders[shift:], *contenders[:shift]]:
            results[who.label].append(
                await measure(who, tmp / f"{who.label}.db", autocompletes, credits, batches, varied)
            )
    bare = next(c.label for c in contenders if c.bare)

    def figure(label: str, what: str) -> float:
        runs = results[label]
        if what == "autocomplete":
            return statistics.median(statistics.median(r.autocomplete_ms) for r in runs)
        if what == "credits":
            return statistics.median(statistics.median(r.credits_ms) for r in runs)
        if what == "varied autocomplete":
            return statistics.median(statistics.median(r.varied_autocomplete_ms) for r in runs)
        if what == "varied credits":
            return statistics.median(statistics.median(r.varied_credits_ms) for r in runs)
        if what == "throughput":
            return statistics.median(r.throughput for r in runs)
        if what == "rss":
            return statistics.median(r.rss_mb for r in runs)
        return statistics.median(r.peak_rss_mb for r in runs)

    print(
        f"Against the bare bot on one emulator, median of {rounds} rounds (contenders in turn; "
        f"{autocompletes} autocompletes, {credits} /credits {CREDITS_QUERY!r} one at a time, "
        f"{batches} x {CONCURRENT} concurrent):"
    )
    rows = (
        ("autocomplete p50, CPU ms (target <= 1.5x)", "autocomplete", "{:.2f}"),
        ("/credits p50, CPU ms (target <= 1.5x)", "credits", "{:.2f}"),
        (
            f"autocomplete p50, {len(varied.prefixes)} varied prefixes each new, CPU ms",
            "varied autocomplete",
            "{:.2f}",
        ),
        (
            f"/credits p50, {len(varied.titles)} different titles each new, CPU ms",
            "varied credits",
            "{:.2f}",
        ),
        (f"{CONCURRENT} concurrent, interactions/s (target >= 0.7x)", "throughput", "{:.0f}"),
        ("RSS after warm-up, MiB (target <= 1.3x)", "rss", "{:.1f}"),
        ("peak RSS at the end, MiB", "peak", "{:.1f}"),
    )
    for title, what, fmt in rows:
        base = figure(bare, what)
        cells = [
            f"{c.label} {fmt.format(figure(c.label, what))}"
            + ("" if c.bare else f" ({_ratio(figure(c.label, what), base)})")
            for c in contenders
        ]
        print(f"  {title}: " + ", ".join(cells))
    print(
        "  per run (p50 autocomplete / p50 /credits ms, the same over varied queries, "
        "interactions/s, RSS MiB):"
    )
    for c in contenders:
        runs = "; ".join(
            f"{statistics.median(r.autocomplete_ms):.2f} / {statistics.median(r.credits_ms):.2f}, "
            f"{statistics.median(r.varied_autocomplete_ms):.2f} / "
            f"{statistics.median(r.varied_credits_ms):.2f}, "
            f"{r.throughput:.0f}, {r.rss_mb:.1f}"
            for r in results[c.label]
        )
        print(f"    {c.label}: {runs}")


# ------------------------------------------------------------------ autocomplete at 1M names
# bench/knowledge_generate.py, bulk: 260,000 songs gave 1,474,169 names on 2026-12-07 (the
# generator has grown), so about 180,000 give 1M.
NAMES_SONGS = 180_000


# The resolver's name reads, timed one by one for ``--slowest`` (those a checkout has).
_NAME_STEPS = (
    "names_exact",
    "names_exact_and_prefix",
    "names_prefix",
    "names_matching",
    "names_sharing_two",
    "names_substring_then_typos",
    "names_exact_many",
    "names_near_length",
)


def names_worker(database: Path, queries: int, seed: int, slowest: int = 8) -> None:
    """Time ``search.resolve`` in this process over the knowledge bench's query mix; print JSON.

    Run as a script with PYTHONPATH set to the checkout to measure, so the same queries time
    the branch and its baseline. Each query's name reads are timed too (CPU ms, rows), so the
    slowest can be told apart by step.
    """
    from bench.knowledge_bench import autocomplete_queries
    from bot.knowledge import search
    from bot.store import Store

    steps: list[str] = []

    def timed(name: str, read: Any) -> Any:
        async def step(*args: Any, **kwargs: Any) -> Any:
            c0 = time.process_time()
            found = await read(*args, **kwargs)
            form = f"/{kwargs['form']}" if kwargs.get("form") else ""
            steps.append(f"{name}{form} {(time.process_time() - c0) * 1000:.1f}({len(found)})")
            return found

        return step

    for name in _NAME_STEPS:
        if hasattr(search.db, name):
            setattr(search.db, name, timed(name, getattr(search.db, name)))

    async def run() -> dict[str, list[Any]]:
        async with Store.open(database, migrate=False) as store:
            mix = await autocomplete_queries(store, random.Random(seed), queries)
            for _, q, kinds in mix[:200]:  # warm the page cache and code paths
                await search.resolve(store, q, kinds, limit=25)
            wall, cpu, slow = [], [], []
            for category, q, kinds in mix:
                steps.clear()
                t0, c0 = time.perf_counter(), time.process_time()
                await search.resolve(store, q, kinds, limit=25)
                # Process CPU (both threads): what a query costs when cores are shared.
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - t0) * 1000)
                slow.append((cpu[-1], category, q, kinds, "; ".join(steps)))
            slow.sort(key=lambda s: -s[0])
            return {"wall": wall, "cpu": cpu, "slowest": [list(s) for s in slow[:slowest]]}

    print(json.dumps(asyncio.run(run())))


async def names_latency(
    roots: Sequence[tuple[str, Path]],
    database: Path,
    rounds: int,
    queries: int,
    databases: dict[str, Path] | None = None,
    slowest: int = 5,
) -> None:
    """Print autocomplete p50/p95/p99/max in process at about 1M names, each checkout in turn.

    ``databases`` gives a checkout its own copy of the database (one its migrations have
    brought up to date, such as a baseline before a migration of the branch measured).
    """
    if not database.exists():
        from bench.knowledge_generate import build, describe

        print(f"building {database} ({NAMES_SONGS:,} songs, bulk): this takes minutes")
        stats = await build(database, NAMES_SONGS, mode="bulk")
        print(describe(stats, database))
    conn = sqlite3.connect(database)
    names = conn.execute("SELECT count(*) FROM names").fetchone()[0]
    conn.close()
    results: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in roots}
    for round_ in range(rounds):
        shift = round_ % len(roots)
        for label, root in [*roots[shift:], *roots[:shift]]:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                str(Path(__file__).resolve()),
                "--names-worker",
                str((databases or {}).get(label, database)),
                "--queries",
                str(queries),
                "--slowest",
                str(slowest),
                env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(root)},
                cwd=root,
                stdout=asyncio.subprocess.PIPE,
            )
            out, _ = await proc.communicate()
            results[label].append(json.loads(out))
    print(
        f"autocomplete in process at {names:,} names (search.resolve, limit 25, the knowledge "
        f"bench's mix of {queries} queries; median of {rounds} rounds), ms:"
    )
    for label, runs in results.items():
        cells = []
        for what in ("cpu", "wall"):
            figures = " ".join(
                f"{name} {statistics.median(percentile(r[what], p) for r in runs):.2f}"
                for name, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))
            )
            cells.append(f"{what} {figures}")
        print(f"  {label}: {'; '.join(cells)} (target p99 <= 10)")
        for cpu, category, q, kinds, steps in runs[-1]["slowest"][:slowest]:
            print(f"    slowest: {cpu:.1f} ms CPU {category} {q!r} {kinds} | {steps}")


def percentile(values: Sequence[float], p: float) -> float:
    """Return the nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cpu-only", action="store_true", help="only the bare-bot comparison")
    parser.add_argument("--names-only", action="store_true", help="only autocomplete at 1M names")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="another checkout (e.g. a `git worktree` of main) measured alongside",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--names-db",
        type=Path,
        default=Path(tempfile.gettempdir()) / "linernotes-bench-1m-names.db",
        help="the ~1M-name database (built there if missing, then reused)",
    )
    parser.add_argument(
        "--baseline-names-db",
        type=Path,
        default=None,
        help="the baseline's own copy of the names database (when this checkout migrates it "
        "further: copy the file, open each copy once with its own checkout)",
    )
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument(
        "--slowest",
        type=int,
        default=5,
        help="list this many of the slowest autocomplete queries of the last round, with the "
        "CPU ms and rows of each name read",
    )
    parser.add_argument("--names-worker", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.names_worker is not None:
        names_worker(args.names_worker, args.queries, seed=7, slowest=args.slowest)
        return
    asyncio.run(run(args))


async def run(args: argparse.Namespace) -> None:
    """Print the figures ``args`` ask for."""
    roots = [("linernotes", ROOT)]
    if args.baseline is not None:
        roots.append(("baseline", args.baseline.resolve()))
    if not args.names_only:
        with tempfile.TemporaryDirectory() as tmp:
            await bot_figures(Path(tmp), roots, args)
    if not args.cpu_only:
        own = {"baseline": args.baseline_names_db} if args.baseline_names_db else None
        await names_latency(
            roots, args.names_db, args.rounds, args.queries, own, slowest=args.slowest
        )


async def bot_figures(tmp: Path, roots: list[tuple[str, Path]], args: argparse.Namespace) -> None:
    """Start-up and posting (unless ``--cpu-only``), then the comparison with the bare bot."""
    database = tmp / "bench.db"
    if not args.cpu_only:
        starts = await process_start_to_ready(database, runs=3)
        print("start to ready (process spawn -> connected, commands synced, /help answered), s:")
        print(f"  first start (empty database, bundled catalog loaded): {starts[0]:.2f}")
        print(
            f"  later starts: {', '.join(f'{t:.2f}' for t in starts[1:])}"
            f" (median {statistics.median(starts[1:]):.2f})"
        )
        template = tmp / "posting-template.db"
        shutil.copy(database, template)
        for limited, posts in ((False, 200), (True, 30)):
            shutil.copy(template, database)
            rate, sent, hits = await posting_rate(database, posts, limited)
            what = "with Discord's per-channel limit (5 per 5 s)" if limited else "no rate limit"
            print(
                f"posting, {what}: {sent} posts with threads, {rate:.1f} posts/s, "
                f"{hits} 429 responses"
            )
    contenders = []
    for label, root in roots:
        template = tmp / f"{label}-template.db"
        await load_template(Contender(label, root), template)
        contenders.append(Contender(label, root, template=template))
    contenders.append(Contender("bare", ROOT, bare=True))
    await compare_with_bare_bot(contenders, tmp, args.rounds)


if __name__ == "__main__":
    main()

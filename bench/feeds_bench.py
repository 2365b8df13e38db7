"""Feed pipeline figures: one poll cycle over 1,000 local feeds, and parsing a 10,000-entry feed.

Run: .venv/bin/python bench/feeds_bench.py [--feeds 1000] [--entries 10000]
Prints wall time, CPU time and peak memory; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.feeds import AddressPolicy, Fetcher, poll_once
from bot.feeds.parse import parse_feed_sync
from bot.store import Store
from bot.store.feeds import FeedStore

T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
INTERVAL = 900


def feed_bytes(feed: int, entries: int, offset: int = 0) -> bytes:
    items = []
    for i in range(entries):
        n = offset + entries - i
        stamp = (T0 - timedelta(hours=entries - n)).strftime("%a, %d %b %Y %H:%M:%S GMT")
        items.append(
            f"<item><title>Review {feed}-{n}: an album &amp; its B-sides</title>"
            f"<link>https://critic{feed}.example/p/{n}</link><guid>c{feed}-{n}</guid>"
            f"<pubDate>{stamp}</pubDate><dc:creator>Critic {feed}</dc:creator>"
            f"<description><![CDATA[<p>A <b>close</b> listen to track {n}, with "
            f"<a href='https://critic{feed}.example/t/{n}'>notes</a>.</p>]]></description></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Critic {feed}</title><link>https://critic{feed}.example/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


class Bench:
    def __init__(self, feeds: int) -> None:
        self.bodies = {i: feed_bytes(i, 20) for i in range(feeds)}
        self.version = dict.fromkeys(self.bodies, 1)
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        i = int(request.match_info["n"])
        etag = f'"{i}-{self.version[i]}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=self.bodies[i], headers={"ETag": etag}, content_type="text/xml")


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def cycle(label: str, feeds: FeedStore, fetcher: Fetcher, now: datetime) -> None:
    # No tracemalloc here: it slows Python several times over and would distort the timings.
    wall, cpu0 = time.perf_counter(), cpu()
    report = await poll_once(
        feeds,
        fetcher.fetch,
        default_interval=INTERVAL,
        now=now,
        rng=random.Random(0),
        concurrency=32,
    )
    wall, used = time.perf_counter() - wall, cpu() - cpu0
    print(
        f"{label:<34} wall {wall:6.2f} s  cpu {used:6.2f} s  max RSS so far {maxrss_mib():5.0f} MiB"
        f"  polled {report.polled} fetched {report.fetched} 304 {report.not_modified} "
        f"failed {report.failed} enqueued {report.enqueued}"
    )


async def poll_bench(n_feeds: int) -> None:
    bench = Bench(n_feeds)
    app = web.Application()
    app.router.add_get("/f/{n}", bench.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "bench.db")
        feeds = FeedStore(store)
        for i in range(n_feeds):
            await feeds.add_subscription(
                guild_id=1 + i % 50,
                channel_id=1000 + i,
                url=f"http://127.0.0.1:{port}/f/{i}",
                now=T0,
            )
        policy = AddressPolicy.allowing(["127.0.0.1/32"])
        async with Fetcher(policy=policy) as fetcher:
            step = timedelta(seconds=INTERVAL * 2)
            await cycle("first poll (baseline, 200s)", feeds, fetcher, T0)
            await cycle("unchanged (all 304)", feeds, fetcher, T0 + step)
            for i in bench.bodies:
                bench.bodies[i] = feed_bytes(i, 20, offset=1)
                bench.version[i] += 1
            await cycle("changed (200s, 1 new entry each)", feeds, fetcher, T0 + 2 * step)
            for i in bench.bodies:
                bench.version[i] += 1  # new ETag, same content
            await cycle("re-sent, nothing new (200s)", feeds, fetcher, T0 + 3 * step)
        await store.close()
    await runner.cleanup()


def parse_bench(n_entries: int) -> None:
    data = feed_bytes(0, n_entries)
    wall, cpu0 = time.perf_counter(), cpu()
    parsed = parse_feed_sync(data)
    wall, used = time.perf_counter() - wall, cpu() - cpu0
    del parsed
    tracemalloc.start()  # a second run, only to measure the Python heap's peak
    parsed = parse_feed_sync(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"parse {n_entries} entries ({len(data) / 2**20:.1f} MiB)   wall {wall:6.2f} s  "
        f"cpu {used:6.2f} s  peak Python heap {peak / 2**20:6.1f} MiB  n={len(parsed.entries)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=10000)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {args.feeds} feeds x 20 entries, concurrency 32")
    asyncio.run(poll_bench(args.feeds))
    parse_bench(args.entries)
    print(f"process max RSS {maxrss_mib():.0f} MiB")


if __name__ == "__main__":
    main()

"""Posting figures: a healthy feed's post while another feed is slow, and an idle poll's CPU.

Run: .venv/bin/python -m bench.posting_bench [--slow-seconds 10] [--feeds 200]
(prints figures; asserts nothing). Uses only APIs that older versions also have, so the same
script measures before and after a change.

1. The real bot against the Discord emulator follows two feeds; both publish an entry, and
   one of them trickles its answer for ``--slow-seconds``. Printed: seconds from the start of
   the poll cycle until the healthy feed's post is in its channel.
2. ``--feeds`` feeds that send no validators (no ETag, no Last-Modified) and never change
   are polled again and again: CPU time per idle poll (fetch included; the local server runs
   in the same process and is counted too, equally before and after).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app.client import LinerNotesBot
from bot.core.settings import load_settings
from bot.discord_io.discord_urls import apply_discord_urls
from bot.feeds import Fetcher, follow, poll_once
from bot.store import Store
from bot.store.feeds import FeedStore
from tests.fakediscord import FakeDiscord

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
INTERVAL = 900


def rss(title: str, items: list[tuple[str, datetime]]) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>https://critic.example/{slug}</link><guid>{slug}</guid>"
        f"<pubDate>{d.strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
        "<description><![CDATA[<p>A close listen.</p>]]></description></item>"
        for t, d in items
        for slug in [t.lower().replace(" ", "-")]
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://critic.example/</link>{body}</channel></rss>"
    ).encode()


class Feeds:
    """A local server: /healthy.xml, /slow.xml (trickles when asked) and /plain/N.xml."""

    def __init__(self, slow_seconds: float) -> None:
        self.items = {"healthy": [("Old review", T0 - timedelta(days=3))], "slow": []}
        self.items["slow"] = list(self.items["healthy"])
        self.trickle = False
        self.slow_seconds = slow_seconds
        self.plain = rss("Plain", [(f"Review {i}", T0 - timedelta(days=i)) for i in range(20)])
        self.runner: web.AppRunner | None = None
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def healthy(self, request: web.Request) -> web.Response:
        return web.Response(body=rss("Healthy", self.items["healthy"]), content_type="text/xml")

    async def slow(self, request: web.Request) -> web.StreamResponse:
        body = rss("Slow", self.items["slow"])
        response = web.StreamResponse(headers={"Content-Type": "text/xml"})
        await response.prepare(request)
        steps = 10 if self.trickle else 1
        for n in range(steps):
            await response.write(body[n * len(body) // steps : (n + 1) * len(body) // steps])
            if self.trickle:
                await asyncio.sleep(self.slow_seconds / steps)
        await response.write(body[steps * len(body) // steps :])
        return response

    async def plain_feed(self, request: web.Request) -> web.Response:
        return web.Response(body=self.plain, content_type="application/rss+xml")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthy.xml", self.healthy)
        app.router.add_get("/slow.xml", self.slow)
        app.router.add_get("/plain/{n}.xml", self.plain_feed)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def healthy_post_while_slow(slow_seconds: float) -> float:
    """Seconds from the start of a cycle until the healthy feed's new entry is posted."""
    server = Feeds(slow_seconds)
    await server.start()
    fd = FakeDiscord()
    await fd.start()
    guild = fd.add_guild("Bench")
    mod = guild.add_member("mina", roles=[guild.add_role("Mods", "manage_guild")])
    healthy, slow = guild.add_text_channel("healthy"), guild.add_text_channel("slow")
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            env={
                "DISCORD_TOKEN": fd.token,
                "DATABASE_PATH": str(Path(tmp) / "bench.db"),
                "DISCORD_API_BASE": fd.api_base,
                "DISCORD_GATEWAY_URL": fd.gateway_url,
                "DEV_GUILD_ID": str(guild.id),
                "FEED_ALLOW_PRIVATE_HOSTS": "true",
                "LOG_LEVEL": "WARNING",
            },
            env_file=None,
        )
        apply_discord_urls(settings)
        bot = LinerNotesBot(settings, guild_ready_timeout=0.05)
        runner = asyncio.create_task(bot.start(fd.token))
        await bot.wait_ready()
        await fd.wait_until_ready()
        cog = bot.get_cog("Feeds")
        cog.poll.cancel()  # the bench drives the cycle
        now = T0
        bot.now = lambda: now
        for channel, path in ((healthy, "/healthy.xml"), (slow, "/slow.xml")):
            reply = await fd.slash(
                "feed add", user=mod, options={"url": server.url(path), "channel": channel}
            )
            await reply.final()
        for name in ("healthy", "slow"):
            server.items[name].insert(0, (f"New {name} review", T0 + timedelta(hours=1)))
        server.trickle = True
        now = T0 + timedelta(hours=2)
        started = time.perf_counter()
        cycle = asyncio.create_task(cog.run_cycle())
        await fd.wait_for(lambda: any(m.embeds for m in fd.channel_messages(healthy)), timeout=120)
        elapsed = time.perf_counter() - started
        await cycle
        await bot.close()
        await runner
    await fd.stop()
    await server.stop()
    return elapsed


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def idle_poll_cpu(n_feeds: int, cycles: int) -> tuple[float, int]:
    """CPU seconds per poll of an unchanged feed without validators; and polls measured."""
    server = Feeds(0)
    await server.start()
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "idle.db")
        feeds = FeedStore(store)
        async with Fetcher(allow_private=True) as fetcher:
            for n in range(n_feeds):
                await follow(
                    feeds,
                    fetcher.fetch,
                    url=server.url(f"/plain/{n}.xml"),
                    guild_id=1,
                    channel_id=10,
                    default_interval=INTERVAL,
                    now=T0,
                    rng=random.Random(n),
                )
            now = T0
            polls = 0
            spent = 0.0
            for cycle in range(cycles + 1):
                now += timedelta(days=1)  # every feed is due, whatever its interval
                before = cpu()
                report = await poll_once(
                    feeds, fetcher.fetch, default_interval=INTERVAL, now=now, concurrency=16
                )
                if cycle > 0:  # the first poll after following parses in every version
                    spent += cpu() - before
                    polls += report.polled
        await store.close()
    await server.stop()
    return spent / max(polls, 1), polls


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow-seconds", type=float, default=10.0)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=3)
    args = parser.parse_args()
    elapsed = await healthy_post_while_slow(args.slow_seconds)
    print(
        f"healthy feed's new entry posted {elapsed:.2f} s after the cycle started "
        f"(another feed trickled its answer for {args.slow_seconds:.0f} s)"
    )
    per_poll, polls = await idle_poll_cpu(args.feeds, args.cycles)
    print(
        f"idle poll of an unchanged feed without validators: {per_poll * 1000:.2f} ms CPU "
        f"per poll ({polls} polls of {args.feeds} feeds, fetch and local server included)"
    )


if __name__ == "__main__":
    asyncio.run(main())

"""The release radar's costs: one daily MusicBrainz refresh of 1,000 followed artists, and one
calendar round (what the bot computes before it edits a calendar message).

Run: .venv/bin/python bench/radar_bench.py [--artists 1000] [--rounds 3]
The MusicBrainz stand-in runs in a child process, so the CPU time measured here is the bot's
side only (the request, JSON decoding, the store). The politeness interval is 0: the bot always
adds MusicBrainz's 1 s between requests, which costs wall time, not CPU. Each figure is shown
beside a baseline measured in the same run, interleaved (the same number of bare search requests
to the stand-in; one indexed entity read), because absolute figures on a shared machine are
noisy. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.discord_io.radar_render import calendar_embed, calendar_hash
from bot.knowledge.entities import EntityKey, entity
from bot.knowledge.importers.bundled import ensure_bundled_loaded
from bot.knowledge.importers.catalog import import_catalog
from bot.knowledge.online.future import FutureReleases
from bot.knowledge.online.limiter import RateLimiter
from bot.knowledge.online.lookup import OnlineLookup
from bot.knowledge.online.musicbrainz import MusicBrainzClient
from bot.knowledge.upcoming import calendar_window, upcoming
from bot.store import Store
from bot.store.guilds import GuildStore

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
GUILD = 1


def artist_mbid(n: int) -> str:
    return str(uuid.UUID(int=n + 1))


def group_mbid(n: int) -> str:
    return str(uuid.UUID(int=(1 << 64) + n + 1))


def serve(artists: int, port_out: multiprocessing.connection.Connection) -> None:
    """Child process: the stand-in, with a future release group for every tenth artist."""
    from tests.standins.musicbrainz import MusicBrainzStandIn

    async def main() -> None:
        standin = MusicBrainzStandIn()
        for n in range(0, artists, 10):
            day = (NOW + timedelta(days=3 + n % 50)).date().isoformat()
            standin.documents[group_mbid(n)] = {
                "id": group_mbid(n),
                "title": f"Radar Single {n}",
                "primary-type": "Single",
                "secondary-types": [],
                "first-release-date": day,
                "artist-credit": [
                    {"name": f"Artist {n}", "artist": {"id": artist_mbid(n), "name": f"Artist {n}"}}
                ],
                "releases": [],
                "relations": [],
            }
        await standin.start()
        port_out.send(standin.port)
        await asyncio.Event().wait()

    asyncio.run(main())


def catalog_file(path: Path, artists: int) -> None:
    lines = [
        '[[source]]\nid = "bench-radar"\nurl = "https://example.org/radar"\noutlet = "Example"\n'
    ]
    for n in range(artists):
        lines.append(
            f'[[artist]]\nid = "radar-artist-{n}"\nname = "Radar Artist {n}"\nkind = "group"\n'
            f'musicbrainz = "{artist_mbid(n)}"\nsources = ["bench-radar"]\n'
        )
    for n in range(30):  # the calendar's releases: 30 in the next 60 days
        day = (NOW + timedelta(days=1 + 2 * n)).date().isoformat()
        lines.append(
            f'[[release]]\nid = "radar-release-{n}"\ntitle = "Radar Release {n}"\n'
            f'type = "single"\nartists = ["radar-artist-{n}"]\ndate = "{day}"\n'
            f'time = "18:00"\nsources = ["bench-radar"]\n'
        )
    path.write_text("\n".join(lines), encoding="utf-8")


async def run(artists: int, rounds: int, base: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "bench.db")
        await ensure_bundled_loaded(store)
        catalog_file(Path(tmp) / "radar.toml", artists)
        await import_catalog(store, [Path(tmp) / "radar.toml"])
        guilds = GuildStore(store)
        keys = [
            str(r[0])
            for r in await store.fetchall(
                "SELECT 'artist:' || id FROM entities WHERE kind = 'artist' AND key LIKE "
                "'radar-artist-%' ORDER BY id"
            )
        ]
        for n, key in enumerate(keys):
            await guilds.follow(GUILD if n < 20 else GUILD + 1 + n, key, key, None)
        client = MusicBrainzClient(base, "LinerNotesBench/1.0 ( bench@example.org )")
        client.limiter = RateLimiter(interval=0.0)
        lookup = OnlineLookup(store, client, None, now=lambda: NOW)
        future = FutureReleases(store, lookup, lambda: NOW)

        async def baseline() -> float:
            started = time.process_time()
            for n in range(artists):
                await client.get_json(
                    f"{base}/release-group",
                    {
                        "query": f"arid:{artist_mbid(n)} AND firstreleasedate:[2026-12-07 TO *]",
                        "fmt": "json",
                        "limit": "100",
                    },
                )
            return time.process_time() - started

        async def refresh() -> tuple[float, int]:
            await store.execute("DELETE FROM radar_refreshes")  # every artist due again
            started = time.process_time()
            stored = await future.run(limit=artists)
            return time.process_time() - started, stored

        print(f"MusicBrainz refresh of {artists} followed artists (CPU seconds, bot side):")
        for r in range(rounds):
            base_cpu = await baseline()
            cpu, stored = await refresh()
            label = "first (fetches new groups)" if r == 0 else "next day (all known)   "
            print(
                f"  round {r + 1} {label}: refresh {cpu:6.2f} s, {stored:3d} groups stored; "
                f"bare searches {base_cpu:6.2f} s; ratio {cpu / base_cpu:4.2f}"
            )

        follows = [f.artist_key for f in await guilds.follows(GUILD)]
        probe = EntityKey.parse(keys[0])
        assert probe is not None

        async def calendar_round() -> str:
            items = await upcoming(store, NOW, artist_keys=follows, until=calendar_window(NOW))
            return calendar_hash(calendar_embed(items, "en", followed=len(follows), updated=NOW))

        cal, read = [], []
        for _ in range(rounds * 40):
            started = time.process_time()
            await calendar_round()
            cal.append(time.process_time() - started)
            started = time.process_time()
            await entity(store, probe)
            read.append(time.process_time() - started)
        cal_ms, read_ms = statistics.median(cal) * 1000, statistics.median(read) * 1000
        print(
            f"Calendar round for a server following 20 artists ({len(follows)} followed, "
            f"{len(await upcoming(store, NOW, artist_keys=follows))} upcoming): "
            f"median {cal_ms:.2f} ms CPU; one indexed entity read {read_ms:.3f} ms; "
            f"ratio {cal_ms / read_ms:.0f}"
        )
        await lookup.close()
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artists", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.Process(target=serve, args=(args.artists, send), daemon=True)
    child.start()
    try:
        port = receive.recv()
        asyncio.run(run(args.artists, args.rounds, f"http://127.0.0.1:{port}/ws/2"))
    finally:
        child.terminate()
        child.join()


if __name__ == "__main__":
    main()

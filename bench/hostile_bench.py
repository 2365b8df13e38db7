"""What a hostile answer costs: a gzip bomb read by plain aiohttp against the bounded client.

Run: .venv/bin/python bench/hostile_bench.py [--mib 256] [--rounds 2]
The stand-in MusicBrainz (tests/standins) answers a search with gzip JSON that inflates to
``--mib`` MiB (about 1 KiB per MiB on the wire; compressed before timing starts). Each run is a
fresh process, baseline and client interleaved: "aiohttp" reads it as aiohttp does by itself
(``auto_decompress``, ``response.read()``), "client" through ``MusicBrainzClient``, which
decompresses with a cap and refuses past 5 MB. Prints the peak RSS growth, the time and the
worst event-loop lag (a 10 ms ticker) per run; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def one(mode: str, size: int) -> str:
    import aiohttp

    import tests.standins.musicbrainz as standin
    from bot.knowledge.online.http import ServiceUnavailable
    from bot.knowledge.online.limiter import RateLimiter
    from bot.knowledge.online.musicbrainz import MusicBrainzClient

    body = standin.gzip_of_spaces(size)
    standin.gzip_of_spaces = lambda _n: body  # type: ignore[assignment]  (built once, untimed)
    mb = await standin.MusicBrainzStandIn().start()
    mb.bomb = size
    lag, stop = 0.0, False

    async def ticker() -> None:
        nonlocal lag
        while not stop:
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            lag = max(lag, time.perf_counter() - started - 0.01)

    tick = asyncio.create_task(ticker())
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if mode == "aiohttp":
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{mb.base}/recording?query=x&fmt=json") as response,
        ):
            outcome = f"read {len(await response.read()) >> 20} MiB"
    else:
        client = MusicBrainzClient(mb.base, "bench", limiter=RateLimiter(0.0))
        try:
            await client.search("recording", "x")
            outcome = "read"
        except ServiceUnavailable as exc:
            outcome = f"refused: {exc}"
        await client.close()
    took = time.perf_counter() - started
    stop = True
    await tick
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    await mb.stop()
    return (
        f"{mode:8} {size >> 20} MiB bomb ({len(body) >> 10} KiB sent): "
        f"peak RSS +{(peak - base) / 1024:.0f} MiB, {took:.2f} s, "
        f"worst loop lag {lag * 1000:.0f} ms; {outcome}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--one", choices=("aiohttp", "client"))
    args = parser.parse_args()
    if args.one:
        print(asyncio.run(one(args.one, args.mib << 20)), flush=True)
        return
    for _ in range(args.rounds):
        for mode in ("aiohttp", "client"):
            subprocess.run(
                [sys.executable, __file__, "--one", mode, "--mib", str(args.mib)],
                check=False,
                stderr=subprocess.DEVNULL,
            )


if __name__ == "__main__":
    main()

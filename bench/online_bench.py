"""On-demand lookup latency against the stand-in MusicBrainz and Wikidata (local aiohttp servers).

Run: .venv/bin/python bench/online_bench.py [--lookups 200]  (store: the bundled catalog + kpopnet)
Each lookup is a question the store does not know: one search, one lookup with relationships,
the import into SQLite and the remembered outcome. The politeness interval is set to 0 so the
figures exclude the 1 s wait MusicBrainz asks for (which the bot always pays between requests).
Also measures the same questions again (answered from the remembered outcome, no request).
Prints p50/p99/max in milliseconds; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.knowledge.importers.bundled import ensure_bundled_loaded
from bot.knowledge.online.limiter import RateLimiter
from bot.knowledge.online.lookup import OnlineLookup
from bot.knowledge.online.musicbrainz import MusicBrainzClient
from bot.knowledge.online.wikidata import WikidataClient
from bot.store import Store
from tests.standins.musicbrainz import MusicBrainzStandIn
from tests.standins.wikidata import WikidataStandIn

WORDS = [
    "blue",
    "night",
    "spring",
    "day",
    "love",
    "wins",
    "all",
    "next",
    "level",
    "palette",
    "celebrity",
    "dynamite",
    "butter",
]


def title_of(n: int) -> str:
    """Return a distinct title of a few words (so each search has one clear hit)."""
    words = [WORDS[(n >> (4 * i)) % len(WORDS)] for i in range(3)]
    return " ".join(words).title() + f" {n}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(lookups: int) -> None:
    mb = MusicBrainzStandIn().serve("recording_credits.json")
    template = next(iter(mb.documents.values()))
    mb.documents.clear()
    for n in range(lookups):
        doc = copy.deepcopy(template)
        doc["id"] = str(uuid.UUID(int=n + 1, version=4))
        doc["title"] = title_of(n)
        mb.documents[doc["id"]] = doc
    await mb.start()
    wd = await WikidataStandIn().start()
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "bench.db")
        await ensure_bundled_loaded(store)  # the catalog and kpopnet, as a fresh install has
        agent = "LinerNotes/bench ( bench@example.org )"
        online = OnlineLookup(
            store,
            MusicBrainzClient(mb.base, agent, limiter=RateLimiter(0.0)),
            WikidataClient(wd.base, agent, limiter=RateLimiter(0.0)),
        )
        first: list[float] = []
        again: list[float] = []
        try:
            for n in range(lookups):
                started = time.perf_counter()
                outcome = await online.find(title_of(n), ["song", "release", "video"])
                first.append((time.perf_counter() - started) * 1000)
                if outcome.entity_id is None:
                    raise SystemExit(f"lookup {n} found nothing: the bench is broken")
            for n in range(lookups):
                started = time.perf_counter()
                await online.find(title_of(n), ["song", "release", "video"])
                again.append((time.perf_counter() - started) * 1000)
            http = [s * 1000 for s in online.musicbrainz.latencies]
        finally:
            await online.close()
            await store.close()
    await mb.stop()
    await wd.stop()
    print(f"lookups: {lookups}, MusicBrainz requests: {len(mb.log)} (search + lookup each)")
    for name, values in (
        ("first time (search, lookup, store)", first),
        ("one HTTP request to the stand-in", http),
        ("same question again (remembered)", again),
    ):
        print(
            f"{name:38s} p50 {statistics.median(values):6.1f} ms  "
            f"p99 {percentile(values, 0.99):6.1f} ms  max {max(values):6.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=200)
    asyncio.run(run(parser.parse_args().lookups))


if __name__ == "__main__":
    main()

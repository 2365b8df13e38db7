"""CPU cost of a card with a cover and "Listen" buttons against the same card without them.

Run: .venv/bin/python -m bench.card_media_bench [--rounds 400]
In process, without Discord or the network: a store with the bundled catalog and one imported
release; the release card is read from the store and rendered (embed + buttons) once with its
cover and five links stored, once with neither, interleaved round by round so a loaded machine
slows both alike. Also times the bundled catalog's coverage (what has art, a thumbnail or a link).
Prints CPU milliseconds per card (median) and the ratio; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.discord_io.card_media import listen_buttons
from bot.discord_io.embeds import release_embed
from bot.knowledge import cards
from bot.knowledge.importers.bundled import ensure_bundled_loaded
from bot.knowledge.importers.musicbrainz import import_musicbrainz_documents
from bot.store import Store
from bot.store import catalog as db
from bot.store import media as media_db
from tests.cogs.test_card_media import release_with_links

RELEASE = "b84ee12a-09ef-421b-82de-0441a926375b"
GROUP = "f5093c06-23e3-404f-aeaa-40f72885ee3a"


async def coverage(store: Store) -> dict[str, int]:
    """Count the bundled catalog's releases and videos with art, a thumbnail or a link."""
    out: dict[str, int] = {}
    for kind in ("release", "video"):
        ids = [e[0] for e in await db.entity_summaries(store, [kind]) if e[0]]
        with_art = with_link = with_thumb = 0
        for entity_id in ids:
            if kind == "release":
                card = await cards.release_card(store, entity_id)
                with_art += card.cover is not None
                with_thumb += any(v.thumbnail for v in card.videos)  # a video's, on its card
            else:
                video = await db.video(store, entity_id)
                with_thumb += bool(video and video.youtube)
            with_link += bool(await cards.listen_links(store, [entity_id]))
        out[f"{kind}s"] = len(ids)
        out[f"{kind}s with art"] = with_art
        out[f"{kind}s with a thumbnail"] = with_thumb
        out[f"{kind}s with a link"] = with_link
    return out


async def run(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "bench.db")
        await ensure_bundled_loaded(store)
        print("bundled catalog:", json.dumps(await coverage(store)))
        await import_musicbrainz_documents(store, [("release", release_with_links())])
        entity = await db.entity_by_key(store, "release", f"mb:{GROUP}")
        assert entity is not None
        async with store.transaction() as conn:
            links = await conn.execute_fetchall(
                "SELECT url FROM listen_links WHERE entity_id = ?", (entity.id,)
            )
        stamp = "2026-12-01T00:00:00+00:00"

        async def set_media(on: bool) -> None:
            async with store.transaction() as conn:
                await conn.execute("DELETE FROM entity_images WHERE entity_id = ?", (entity.id,))
                await conn.execute("DELETE FROM listen_links WHERE entity_id = ?", (entity.id,))
                if on:
                    source = await db.ensure_source(
                        conn, "bench:caa", "coverartarchive", "https://musicbrainz.org/x", "CAA"
                    )
                    await media_db.set_image(
                        conn,
                        entity.id,
                        "cover",
                        "found",
                        origin="coverartarchive",
                        fetched_at=stamp,
                        url=f"https://coverartarchive.org/release/{RELEASE}/1000-500.jpg",
                        source_id=source,
                    )
                    await media_db.replace_links(
                        conn, entity.id, "musicbrainz", [(r[0], source) for r in links], stamp
                    )

        async def one_card() -> float:
            started = time.process_time()
            card = await cards.release_card(store, entity.id)
            release_embed(card, "en").to_dict()
            listen_buttons(card.links, "en")
            return time.process_time() - started

        timings: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(rounds):
            for on in (True, False):
                await set_media(on)
                timings[on].append(await one_card())
        await store.close()
    with_art = statistics.median(timings[True]) * 1000
    without = statistics.median(timings[False]) * 1000
    print(f"release card with cover + {len(links)} links: {with_art:.3f} ms CPU (median)")
    print(f"release card without either:          {without:.3f} ms CPU (median)")
    print(f"ratio with/without: {with_art / without:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=400)
    args = parser.parse_args()
    asyncio.run(run(args.rounds))


if __name__ == "__main__":
    main()

"""Curated first, imported reconciled: looking up songs the catalog lacks leaves the curated
IU and "Love wins all" answering directly, through the emulator and the CLI (issue 24)."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.store import catalog as db
from tests.standins.musicbrainz import MusicBrainzStandIn
from tests.support.bot import Server
from tests.support.cli import run_cli_in_process
from tests.support.commands import message_text
from tests.support.online import quick

IU = "b9545342-1e6d-4dae-84ac-013374ad8d7c"
OTHER_IU = "0a1b2c3d-0000-4000-8000-00000000a1a1"  # a different artist of the same name
SHOPPER = "5f3e1a2b-0000-4000-8000-000000000001"
BLUE_MOON = "5f3e1a2b-0000-4000-8000-000000000002"


def _artist(mbid: str, disambiguation: str, aliases: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": mbid,
        "name": "IU",
        "sort-name": "IU",
        "disambiguation": disambiguation,
        "aliases": aliases,
    }


def recording(
    mbid: str, title: str, artist: dict[str, Any], release: str, **extra: Any
) -> dict[str, Any]:
    """A ws/2 recording as MusicBrainz sends it with inc=artist-credits+releases+…"""
    return {
        "id": mbid,
        "title": title,
        "video": False,
        "length": 180000,
        "disambiguation": "",
        "artist-credit": [{"name": "IU", "joinphrase": "", "artist": artist}],
        "releases": [
            {
                "id": mbid.replace("5f3e1a2b", "7e7e7e7e"),
                "title": release,
                "status": "Official",
                "date": "2024-02-20",
                "release-group": {"id": mbid.replace("5f3e1a2b", "6d6d6d6d"), "title": release},
            }
        ],
        "relations": [
            {
                "type": "lyricist",
                "target-type": "artist",
                "direction": "backward",
                "attributes": [],
                "artist": artist,
            }
        ],
        **extra,
    }


def serve_iu_songs(standin: MusicBrainzStandIn) -> None:
    iu = _artist(
        IU,
        "South Korean singer-songwriter",
        [{"name": "아이유", "type": "Artist name", "locale": "ko"}],
    )
    # "Shopper" is on The Winning, which the curated IU performs: this IU is that IU. Its
    # search-hint alias "Love wins all" is another entry's name and is not kept.
    standin.documents[SHOPPER] = recording(
        SHOPPER,
        "Shopper",
        iu,
        "The Winning",
        aliases=[{"name": "Love wins all", "type": "Search hint", "locale": None}],
    )
    # A different IU, on a release the catalog does not have: an imported homonym.
    other = _artist(OTHER_IU, "Japanese rock band", [])
    standin.documents[BLUE_MOON] = recording(BLUE_MOON, "Blue Moon Rising", other, "Tide")


async def curated_iu(server: Server) -> int:
    rows = await server.bot.store.fetchall(
        "SELECT id FROM entities WHERE kind = 'artist' AND key = 'iu'"
    )
    assert len(rows) == 1
    return int(rows[0][0])


async def test_looking_up_unknown_songs_leaves_curated_answers_direct(
    online: Server,
    musicbrainz: MusicBrainzStandIn,
) -> None:
    quick(online)
    serve_iu_songs(musicbrainz)
    fd = online.discord
    store = online.bot.store
    iu_id = await curated_iu(online)
    before = await store.fetchone("SELECT count(*) FROM entities WHERE kind = 'artist'")

    shopper = await (await fd.slash("credits", user=online.alice, query="Shopper")).final()
    assert "Shopper" in message_text(shopper) and "IU" in message_text(shopper)
    # Reconciled: the song's performer and lyricist are the curated IU, now with her MBID.
    song = await store.fetchone("SELECT entity_id FROM external_ids WHERE value = ?", (SHOPPER,))
    assert song is not None
    performers = await db.performers(store, int(song[0]))
    assert [p.artist.id for p in performers] == [iu_id]
    mapped = await store.fetchone("SELECT entity_id FROM external_ids WHERE value = ?", (IU,))
    assert mapped is not None and int(mapped[0]) == iu_id
    after = await store.fetchone("SELECT count(*) FROM entities WHERE kind = 'artist'")
    assert before is not None and after is not None and after[0] == before[0]
    # The alias that equals the curated title was not stored on "Shopper".
    kept = await store.fetchall(
        "SELECT norm FROM names WHERE entity_id = ? ORDER BY norm", (int(song[0]),)
    )
    assert "lovewinsall" not in [r[0] for r in kept]

    # A second, different IU comes in as an imported homonym...
    other = await (await fd.slash("credits", user=online.alice, query="Blue Moon Rising")).final()
    assert "Blue Moon Rising" in message_text(other)
    homonyms = await store.fetchall(
        "SELECT e.id FROM entities e JOIN names n ON n.entity_id = e.id "
        "WHERE e.kind = 'artist' AND n.norm = 'iu' AND n.is_primary = 1 ORDER BY e.id"
    )
    assert len(homonyms) == 2

    # ...and /artist IU still answers with the curated IU, naming the other as "also".
    artist = await fd.slash("artist", user=online.alice, query="IU")
    assert not artist.ephemeral and artist.embeds
    assert artist.embeds[0]["title"].startswith("IU (아이유)")
    assert "Also called that: IU" in artist.content
    credits = await fd.slash("credits", user=online.alice, query="Love wins all")
    assert not credits.ephemeral and credits.embeds
    assert "Seo Dong-hwan" in message_text(credits)

    # The command line reads the same store: it answers directly too.
    env = {"DATABASE_PATH": str(online.settings.database_path), "LOG_LEVEL": "WARNING"}
    result = await asyncio.to_thread(
        run_cli_in_process,
        "ask",
        "who composed Love wins all?",
        env=env,
        cwd=online.settings.database_path.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Seo Dong-hwan" in result.stdout

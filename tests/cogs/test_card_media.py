"""Cover art, video thumbnails, artist images and "Listen" buttons, through the emulator.

The bot runs with online lookups on, pointed at local stand-ins of the Cover Art Archive,
Wikimedia Commons, MusicBrainz and Wikidata that answer in the shapes those services document.
"""

from __future__ import annotations

import copy
import json
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge import audit
from bot.knowledge.importers.musicbrainz import import_musicbrainz_documents
from tests.fakediscord import FakeDiscord
from tests.fakediscord.interactions import InteractionReply
from tests.standins.commons import CommonsStandIn
from tests.standins.coverart import CoverArtStandIn
from tests.standins.musicbrainz import MusicBrainzStandIn
from tests.standins.wikidata import WikidataStandIn
from tests.support.bot import Server
from tests.support.online import serve_online

FIXTURES = Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "musicbrainz"
RELEASE = "b84ee12a-09ef-421b-82de-0441a926375b"  # The Dark Side of the Moon (a release)
GROUP = "f5093c06-23e3-404f-aeaa-40f72885ee3a"  # … its release group
BARE = "6c4f766f-3351-4c10-a53d-b119452c27b2"  # ケアレス: no art, no listening links
BARE_GROUP = "b89c4dbd-1734-4536-a16d-dde648f735c0"
COVER = f"https://coverartarchive.org/release/{RELEASE}/1000-500.jpg"
SPOOF = "https://open.spotify.com.listen.example/album/4LH4d3cOWNNsVw41Gqt2kv"


def url_rel(kind: str, url: str) -> dict[str, Any]:
    """A MusicBrainz URL relationship, in ws/2's shape (``inc=url-rels``)."""
    return {
        "attribute-values": {},
        "attributes": [],
        "begin": None,
        "direction": "forward",
        "end": None,
        "ended": False,
        "source-credit": "",
        "target-credit": "",
        "target-type": "url",
        "type": kind,
        "type-id": "08445ccf-7b99-4438-9f9a-fb9ac18099ee",
        "url": {"id": f"00000000-0000-4000-8000-{zlib.crc32(url.encode()):012d}", "resource": url},
    }


def release_with_links() -> dict[str, Any]:
    """The real release document, with the listening links its MusicBrainz page could have."""
    doc = json.loads((FIXTURES / "release.json").read_text(encoding="utf-8"))
    doc["relations"] = [
        *doc["relations"],  # includes a "discogs" link: a database, never a button
        url_rel("purchase for mail-order", "https://www.amazon.com/dp/B000002UBN"),
        url_rel("purchase for download", "https://itunes.apple.com/us/album/id1065973699"),
        url_rel("streaming", SPOOF),
        url_rel("purchase for download", "https://www.melon.com/album/detail.htm?albumId=10099"),
        url_rel("free streaming", "https://music.youtube.com/playlist?list=OLAK5uy_kXm"),
        url_rel("streaming", "https://music.apple.com/us/album/1065973699"),
        url_rel("streaming", "https://open.spotify.com/album/4LH4d3cOWNNsVw41Gqt2kv"),
    ]
    return doc


@dataclass
class Services:
    """The stand-ins the bot is pointed at."""

    coverart: CoverArtStandIn
    commons: CommonsStandIn
    musicbrainz: MusicBrainzStandIn
    wikidata: WikidataStandIn


@pytest.fixture
async def services() -> AsyncIterator[Services]:
    found = Services(
        await CoverArtStandIn().serve("release-group", GROUP, RELEASE).start(),
        await CommonsStandIn().start(),
        await MusicBrainzStandIn().start(),
        await WikidataStandIn().start(),
    )
    try:
        yield found
    finally:
        await found.coverart.stop()
        await found.commons.stop()
        await found.musicbrainz.stop()
        await found.wikidata.stop()


@pytest.fixture
async def pictured(
    fake_discord: FakeDiscord,
    template_db: Path,
    tmp_path: Path,
    services: Services,
) -> AsyncIterator[Server]:
    """The real bot with online lookups on, pointed at the stand-ins."""
    async for srv in serve_online(
        fake_discord,
        template_db,
        tmp_path,
        services.musicbrainz,
        services.wikidata,
        "true",
        COVERART_API_BASE=services.coverart.base,
        COMMONS_API_BASE=services.commons.base,
    ):
        srv.bot.now = srv.clock
        assert srv.bot.pictures is not None and srv.bot.pictures.coverart is not None
        srv.bot.pictures.coverart.limiter.interval = 0.01
        yield srv


async def card(server: Server, command: str, **options: str) -> tuple[dict[str, Any], list[Any]]:
    """Run a command; return its embed and its buttons (after a defer, the final answer)."""
    reply: InteractionReply = await server.discord.slash(command, user=server.alice, **options)
    message = await reply.final() if reply.deferred else reply.message
    assert message is not None and message.embeds
    buttons = [c for row in message.components for c in row.get("components", [])]
    return message.embeds[0], buttons


async def test_release_shows_its_front_cover_and_listen_buttons_in_platform_order(
    pictured: Server, services: Services
) -> None:
    coverart = services.coverart
    pictured.clock.set("2026-12-01T09:00:00+09:00")
    await import_musicbrainz_documents(pictured.bot.store, [("release", release_with_links())])
    embed, buttons = await card(pictured, "release", query="The Dark Side of the Moon")
    assert embed["image"]["url"] == COVER  # the front image's 500 px thumbnail, as https
    assert [c["style"] for c in buttons] == [5, 5, 5, 5, 5]
    assert all("custom_id" not in c for c in buttons)
    assert [(c["label"], c["url"]) for c in buttons] == [
        ("Listen on Spotify", "https://open.spotify.com/album/4LH4d3cOWNNsVw41Gqt2kv"),
        ("Listen on Apple Music", "https://music.apple.com/us/album/1065973699"),
        ("Listen on YouTube Music", "https://music.youtube.com/playlist?list=OLAK5uy_kXm"),
        ("Listen on Melon", "https://www.melon.com/album/detail.htm?albumId=10099"),
        # A host that only looks like Spotify's is named as it is, never called Spotify.
        ("Listen (open.spotify.com.listen.example)", SPOOF),
    ]
    urls = " ".join(c["url"] for c in buttons)
    assert "discogs" not in urls and "amazon.com" not in urls and "itunes" not in urls
    footer = embed["footer"]["text"]
    assert "Cover: Cover Art Archive" in footer and "Links: MusicBrainz" in footer
    assert [r.path for r in coverart.log] == [f"/release-group/{GROUP}"]
    # Cached: the next card is answered at once, from the store, with the same picture.
    reply = await pictured.discord.slash("release", user=pictured.alice, query="Dark Side")
    assert not reply.deferred
    assert reply.message is not None and reply.message.embeds[0]["image"]["url"] == COVER
    assert len(coverart.log) == 1
    # Refreshed after 30 days, not before.
    pictured.clock.later(days=29)
    await card(pictured, "release", query="The Dark Side of the Moon")
    assert len(coverart.log) == 1
    pictured.clock.later(days=2)
    embed, _ = await card(pictured, "release", query="The Dark Side of the Moon")
    assert len(coverart.log) == 2 and embed["image"]["url"] == COVER
    report = dict(await audit.media_counts(pictured.bot.store))
    assert report["covers found"] == 1 and report["listening links"] == 5


async def test_a_release_without_art_or_links_has_no_image_and_no_button_and_the_404_is_kept(
    pictured: Server, services: Services
) -> None:
    coverart = services.coverart
    bare = json.loads((FIXTURES / "release_multidisc.json").read_text(encoding="utf-8"))
    await import_musicbrainz_documents(pictured.bot.store, [("release", bare)])
    embed, buttons = await card(pictured, "release", query="ケアレス")
    assert "image" not in embed and "thumbnail" not in embed
    assert buttons == []
    assert "Links:" not in embed["footer"]["text"] and "Cover:" not in embed["footer"]["text"]
    asked = [r.path for r in coverart.log]
    assert f"/release-group/{BARE_GROUP}" in asked and f"/release/{BARE}" in asked
    # The 404 is remembered: the same card again asks nothing and is not deferred.
    reply = await pictured.discord.slash("release", user=pictured.alice, query="ケアレス")
    assert not reply.deferred
    assert reply.message is not None and "image" not in reply.message.embeds[0]
    assert len(coverart.log) == len(asked)
    report = dict(await audit.media_counts(pictured.bot.store))
    assert report["covers none"] == 1


async def test_a_slow_archive_shows_the_card_without_art_then_with_it_next_time(
    pictured: Server, services: Services
) -> None:
    coverart = services.coverart
    await import_musicbrainz_documents(pictured.bot.store, [("release", release_with_links())])
    cog = pictured.bot.get_cog("Catalog")
    cog.picture_wait = 0.05  # type: ignore[attr-defined]  (5 s in service; the test is short)
    coverart.hold()
    reply = await pictured.discord.slash("release", user=pictured.alice, query="Dark Side")
    assert reply.deferred
    message = await reply.final()
    assert "image" not in message.embeds[0]  # shown without art, no broken image
    assert len(message.components[0]["components"]) == 5  # the links do not wait
    # Autocomplete never waits on a picture, even while the archive is still answering.
    choices = await pictured.discord.autocomplete("release", "query", "dark", user=pictured.alice)
    assert any("Dark Side" in c["name"] for c in choices)
    coverart.release()
    assert pictured.bot.pictures is not None
    await pictured.bot.pictures.settled()
    embed, _ = await card(pictured, "release", query="Dark Side")
    assert embed["image"]["url"] == COVER
    assert len(coverart.log) == 1


async def test_an_archive_that_does_not_answer_is_rested_not_remembered(
    pictured: Server, services: Services
) -> None:
    coverart = services.coverart
    pictured.clock.set("2026-12-01T09:00:00+09:00")
    await import_musicbrainz_documents(pictured.bot.store, [("release", release_with_links())])
    coverart.fail_status = 500
    embed, buttons = await card(pictured, "release", query="Dark Side")
    assert "image" not in embed and len(buttons) == 5
    assert len(coverart.log) == 1
    # Asked again only after a rest: the next cards go out at once, without waiting.
    reply = await pictured.discord.slash("release", user=pictured.alice, query="Dark Side")
    assert not reply.deferred and len(coverart.log) == 1
    coverart.fail_status = 0
    pictured.clock.later(minutes=11)
    embed, _ = await card(pictured, "release", query="Dark Side")
    assert embed["image"]["url"] == COVER and len(coverart.log) == 2
    assert dict(await audit.media_counts(pictured.bot.store))["covers none"] == 0


async def test_the_same_card_in_korean_labels_the_buttons_in_korean(
    pictured: Server, services: Services
) -> None:
    await import_musicbrainz_documents(pictured.bot.store, [("release", release_with_links())])
    reply = await pictured.discord.slash(
        "release", user=pictured.alice, locale="ko", query="The Dark Side of the Moon"
    )
    message = await reply.final() if reply.deferred else reply.message
    assert message is not None
    labels = [c["label"] for c in message.components[0]["components"]]
    assert labels == [
        "스포티파이에서 듣기",
        "애플 뮤직에서 듣기",
        "유튜브 뮤직에서 듣기",
        "멜론에서 듣기",
        "듣기 (open.spotify.com.listen.example)",
    ]
    assert "링크: MusicBrainz" in message.embeds[0]["footer"]["text"]


async def test_video_cards_show_the_thumbnail_on_the_video_and_on_its_release(
    server: Server,
) -> None:
    thumb = "https://i.ytimg.com/vi/JleoAppaxi0/hqdefault.jpg"
    reply = await server.discord.slash(
        "release", user=server.alice, query="Love wins all (music video)"
    )
    assert reply.message is not None
    video = reply.message.embeds[0]
    assert video["image"]["url"] == thumb
    assert video["url"] == "https://www.youtube.com/watch?v=JleoAppaxi0"
    assert "Thumbnail: YouTube" in video["footer"]["text"]
    reply = await server.discord.slash("release", user=server.alice, query="Love wins all")
    assert reply.message is not None
    release = reply.message.embeds[0]
    assert release["image"]["url"] == thumb
    assert "youtube.com/watch?v=JleoAppaxi0" in json.dumps(release)
    # No source gives the curated release a streaming link: no button, no "Links:" line.
    assert reply.message.components == []
    assert "Links:" not in release["footer"]["text"]


async def test_an_artist_image_from_wikidata_names_its_licence_and_author(
    pictured: Server, services: Services
) -> None:
    """Looked up online: MusicBrainz links the artist to Wikidata, whose item has an image
    (P18) and a Spotify artist id (P1902); Commons gives the file's licence and author."""
    artist = json.loads((FIXTURES / "artist.json").read_text(encoding="utf-8"))
    artist["relations"] = [
        url_rel("wikidata", "https://www.wikidata.org/wiki/Q47447"),
        url_rel("streaming", "https://www.melon.com/artist/timeline.htm?artistId=729264"),
        url_rel("discogs", "https://www.discogs.com/artist/2835023"),
    ]
    services.musicbrainz.documents[artist["id"]] = artist
    services.wikidata.items["Q47447"] = {
        "type": "item",
        "id": "Q47447",
        "labels": {"en": {"language": "en", "value": "Ed Sheeran"}},
        "aliases": {},
        "sitelinks": {},
        "claims": {
            "P18": [_claim("P18", "commonsMedia", "Ed Sheeran 2013.jpg")],
            "P1902": [_claim("P1902", "external-id", "6eUKZXaKkcviH0Ku9w2n3V")],
        },
    }
    services.commons.serve(
        "Ed Sheeran 2013.jpg",
        licence="CC BY-SA 2.0",
        artist_html='<a href="//www.flickr.com/people/evarinaldi">Eva Rinaldi</a>',
    )
    assert pictured.bot.online is not None and pictured.bot.online.wikidata is not None
    pictured.bot.online.musicbrainz.limiter.interval = 0.01
    pictured.bot.online.wikidata.limiter.interval = 0.01
    embed, buttons = await card(pictured, "artist", query="Ed Sheeran")
    assert embed["thumbnail"]["url"] == (
        "https://upload.wikimedia.org/wikipedia/commons/thumb/a/ab/Ed_Sheeran_2013.jpg/"
        "500px-Ed_Sheeran_2013.jpg"
    )
    footer = embed["footer"]["text"]
    assert "Image: Eva Rinaldi, CC BY-SA 2.0 (Wikimedia Commons)" in footer
    assert "Links: Wikidata, MusicBrainz" in footer
    assert [(b["label"], b["url"]) for b in buttons] == [
        ("Listen on Spotify", "https://open.spotify.com/artist/6eUKZXaKkcviH0Ku9w2n3V"),
        ("Listen on Melon", "https://www.melon.com/artist/timeline.htm?artistId=729264"),
    ]
    assert [r.params["titles"] for r in services.commons.log] == ["File:Ed Sheeran 2013.jpg"]
    # Stored: the card again asks Commons nothing.
    embed, _ = await card(pictured, "artist", query="Ed Sheeran")
    assert embed["thumbnail"]["url"].endswith("500px-Ed_Sheeran_2013.jpg")
    assert len(services.commons.log) == 1
    report = dict(await audit.media_counts(pictured.bot.store))
    assert report["portraits found"] == 1


def _claim(prop: str, datatype: str, value: str) -> dict[str, Any]:
    """A Wikidata statement with a string value, in wbgetentities' shape."""
    return copy.deepcopy(
        {
            "mainsnak": {
                "snaktype": "value",
                "property": prop,
                "datavalue": {"value": value, "type": "string"},
                "datatype": datatype,
            },
            "type": "statement",
            "id": f"Q47447${prop}",
            "rank": "normal",
        }
    )

"""Which address is which listening service; how Cover Art Archive and Commons answers read."""

from __future__ import annotations

import pytest

from bot.knowledge import cards, platforms
from bot.knowledge.importers.wikidata import facts_from_entity, store_facts
from bot.knowledge.online.commons import image_from_answer, plain
from bot.knowledge.online.coverart import front_cover
from bot.store import Store
from bot.store import catalog as db


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://open.spotify.com/album/4LH4d3cOWNNsVw41Gqt2kv", "spotify"),
        ("https://music.apple.com/kr/album/1065973699", "apple music"),
        ("https://music.youtube.com/playlist?list=OLAK5uy", "youtube music"),
        ("https://www.youtube.com/watch?v=JleoAppaxi0", "youtube"),
        ("https://youtu.be/JleoAppaxi0", "youtube"),
        ("https://www.melon.com/album/detail.htm?albumId=1", "melon"),
        ("https://www.genie.co.kr/detail/albumInfo?axnm=1", "genie"),
        ("https://music.bugs.co.kr/album/1", "bugs"),
        ("https://www.music-flo.com/detail/album/1", "flo"),
        ("https://iu.bandcamp.com/album/x", "bandcamp"),
        # Look-alike hosts are not the service.
        ("https://open.spotify.com.listen.example/album/x", None),
        ("https://melon.com.example.org/album", None),
        ("https://notmelon.com/album", None),
        ("https://spotify.example.com/album", None),
        ("ftp://open.spotify.com/album/x", None),
        ("not a url", None),
    ],
)
def test_platforms_are_recognised_by_host_only(url: str, platform: str | None) -> None:
    found = platforms.platform_of(url)
    assert (found.key if found else None) == platform


@pytest.mark.parametrize(
    ("url", "relation", "listening"),
    [
        ("https://open.spotify.com/album/x", "streaming", True),
        ("https://stream.example.net/album/x", "free streaming", True),
        ("https://www.melon.com/album/detail.htm?albumId=1", "purchase for download", True),
        ("https://itunes.apple.com/us/album/id1", "purchase for download", False),
        ("https://www.amazon.com/dp/B000", "purchase for mail-order", False),
        ("https://www.discogs.com/release/1873013", "discogs", False),
        ("https://www.discogs.com/release/1873013", "streaming", False),
        ("https://open.spotify.com/album/x", "other databases", False),
        ("https://music.amazon.com/albums/B0CQ", "streaming", True),  # amazon.com is a shop
        ("https://www.amazon.com/dp/B0CQ", "streaming", False),  # a shop page, whatever the type
    ],
)
def test_only_listening_pages_become_buttons(url: str, relation: str, listening: bool) -> None:
    assert platforms.is_listening_link(url, relation) is listening


def test_buttons_are_ordered_by_platform_then_host() -> None:
    urls = [
        "https://zz.example/a",
        "https://www.music-flo.com/a",
        "https://aa.example/a",
        "https://open.spotify.com/a",
        "https://www.youtube.com/watch?v=JleoAppaxi0",
        "https://music.youtube.com/a",
    ]
    assert sorted(urls, key=platforms.sort_key) == [
        "https://open.spotify.com/a",
        "https://music.youtube.com/a",
        "https://www.youtube.com/watch?v=JleoAppaxi0",
        "https://www.music-flo.com/a",
        "https://aa.example/a",
        "https://zz.example/a",
    ]


def test_wikidata_identifiers_make_addresses_and_bad_values_none() -> None:
    assert platforms.wikidata_link("P2205", "4LH4d3cOWNNsVw41Gqt2kv") == (
        "https://open.spotify.com/album/4LH4d3cOWNNsVw41Gqt2kv"
    )
    assert platforms.wikidata_link("P1651", "JleoAppaxi0") == (
        "https://www.youtube.com/watch?v=JleoAppaxi0"
    )
    assert platforms.wikidata_link("P2205", "../../evil") is None
    assert platforms.wikidata_link("P434", "f5093c06") is None  # a MusicBrainz id: no page
    assert platforms.youtube_id("https://www.youtube.com/watch?v=O_HwMrrJ4M4&t=3") == "O_HwMrrJ4M4"
    assert platforms.youtube_id("https://www.youtube.com/channel/UC3SyT4_WLHzN7JmHQwKQZww") is None


def test_the_front_image_of_an_index_is_its_500_px_thumbnail_over_https() -> None:
    base = "http://coverartarchive.org/release/r/1"
    thumbs = {k: f"{base}-{k}.jpg" for k in ("250", "500", "1200", "small", "large")}
    back = {"front": False, "types": ["Back"], "image": f"{base}.jpg", "thumbnails": thumbs}
    front = {**back, "front": True, "types": ["Front"]}
    index = {"images": [back, front], "release": "https://musicbrainz.org/release/r"}
    cover = front_cover(index)
    assert (
        cover is not None and cover.thumbnail == "https://coverartarchive.org/release/r/1-500.jpg"
    )
    assert front_cover({"images": [back], "release": "x"}) is None
    with pytest.raises(ValueError):
        front_cover({"error": "Not Found"})


def test_commons_metadata_is_read_as_plain_text() -> None:
    assert plain('<a href="//flickr.com/x">Eva&nbsp;Rinaldi</a>\n') == "Eva Rinaldi"
    answer = {
        "query": {
            "pages": [
                {"ns": 6, "title": "File:Gone.jpg", "missing": True},
            ]
        }
    }
    assert image_from_answer(answer) is None
    with pytest.raises(ValueError):
        image_from_answer({"error": {"code": "badvalue"}})


async def test_a_wikidata_video_item_gives_a_video_without_one_its_youtube_id(
    store: Store,
) -> None:
    async with store.transaction() as conn:
        video, _ = await db.ensure_entity(conn, "video", "wd:Q1", "wikidata", "Some MV")
        await db.upsert_video(conn, video, None, "music video", None, None, None)
    statement = {
        "mainsnak": {
            "snaktype": "value",
            "property": "P1651",
            "datavalue": {"value": "JleoAppaxi0", "type": "string"},
            "datatype": "external-id",
        },
        "type": "statement",
        "rank": "normal",
    }
    facts = facts_from_entity({"type": "item", "id": "Q1", "claims": {"P1651": [statement]}})
    assert facts is not None
    async with store.transaction() as conn:
        await store_facts(conn, video, facts, {})
    info = await cards.video_info(store, video)
    assert info.thumbnail == "https://i.ytimg.com/vi/JleoAppaxi0/hqdefault.jpg"
    links = await cards.listen_links(store, [video])
    assert [(ln.platform, ln.source.outlet) for ln in links] == [("youtube", "Wikidata")]

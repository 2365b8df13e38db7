"""MusicBrainz ws/2 import: credits with their MusicBrainz sources, videos, releases, errors,
and a polite fetcher (User-Agent, one request per second) against a local server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from aiohttp import web

from bot.core.errors import DataFileError, NotFoundError
from bot.knowledge import cards
from bot.knowledge.importers import (
    MusicBrainzError,
    RateLimiter,
    fetch_musicbrainz,
    import_catalog,
    import_musicbrainz,
)
from bot.knowledge.importers.musicbrainz import DEFAULT_USER_AGENT
from bot.store import Store
from bot.store import catalog as db
from tests.support.data import FIXTURES
from tests.support.http import LocalServer

MB = FIXTURES / "musicbrainz"
ALL = [
    MB / n
    for n in (
        "recording_credits.json",
        "recording_video.json",
        "recording.json",
        "release.json",
        "release_group_2.json",
        "artist.json",
    )
]


async def credits_of(store: Store, title: str) -> set[tuple[str, str, str]]:
    rows = await store.fetchall(
        "SELECT c.role, a.name, s.url FROM credits c JOIN entities e ON e.id = c.subject_id "
        "JOIN entities a ON a.id = c.artist_id JOIN sources s ON s.id = c.source_id "
        "WHERE e.name = ?",
        (title,),
    )
    return {(r[0], r[1], r[2]) for r in rows}


async def test_recording_credits_cite_the_recording(store: Store) -> None:
    await import_musicbrainz(store, [MB / "recording_credits.json"])
    credits = await credits_of(store, "Knowing Me, Knowing You")
    url = "https://musicbrainz.org/recording/2d40c8b2-7524-49e3-af44-ebb924c5b023"
    assert ("producer", "Benny Andersson", url) in credits
    assert ("arranger", "Björn Ulvaeus", url) in credits
    assert ("vocalist", "Anni-Frid Lyngstad", url) in credits
    row = await store.fetchone(
        "SELECT credited_as, detail FROM credits c JOIN entities a ON a.id = c.artist_id "
        "WHERE a.name = 'Anni-Frid Lyngstad'"
    )
    assert tuple(row) == ("Frida", "solo")


async def test_writers_come_from_the_performance_work(store: Store) -> None:
    await import_musicbrainz(store, [MB / "recording.json"])
    credits = await credits_of(store, "Thinking Out Loud")
    assert (
        "writer",
        "Amy Wadge",
        "https://musicbrainz.org/work/dc469dc8-198e-42e5-b5a7-6be2f0a95ac0",
    ) in credits
    song = await db.entity_by_key(store, "song", "mb:cb2cc207-8125-445c-9ef9-6ea44eee959a")
    assert [p.artist.name for p in await db.performers(store, song.id)] == ["Ed Sheeran"]


async def test_video_recording_becomes_a_video_of_its_song(store: Store) -> None:
    await import_musicbrainz(store, [MB / "recording_video.json"])
    video = await db.entity_by_key(store, "video", "mb:370889ee-7a70-4d0a-8f4d-e514e0494d7e")
    row = await db.video(store, video.id)
    assert row.song is not None and row.song.key == "mb:20ac46d2-aa41-45e0-b3f4-8b660560c696"
    assert (
        "mv director",
        "Edward Mavskegg",
        "https://musicbrainz.org/recording/370889ee-7a70-4d0a-8f4d-e514e0494d7e",
    ) in await credits_of(store, "The Enemy")
    # The song's composer (from the work) is on the song, not the video.
    song_credits = await db.credits_of(store, [row.song.id])
    assert {(c.role, c.artist.name) for c in song_credits} >= {
        ("composer", "Gregor Mackintosh"),
        ("lyricist", "Nick Holmes"),
    }


async def test_release_has_tracks_label_and_group_identity(store: Store) -> None:
    await import_musicbrainz(store, [MB / "release.json"])
    release = await db.entity_by_key(store, "release", "mb:f5093c06-23e3-404f-aeaa-40f72885ee3a")
    row = await db.release(store, release.id)
    assert (row.type, row.date, row.label) == ("album", "1973-03-24", "Harvest")
    tracks = await db.tracks(store, release.id)
    assert len(tracks) == 10 and tracks[1].song.name == "Breathe"
    assert (
        tracks[0].source.url
        == "https://musicbrainz.org/release/b84ee12a-09ef-421b-82de-0441a926375b"
    )
    # The date and the label cite the release's own MusicBrainz page, graded "database".
    card = await cards.release_card(store, release.id)
    for attribute in ("date", "label"):
        assert [(s.url, s.grade) for s in card.source_of(attribute)] == [
            ("https://musicbrainz.org/release/b84ee12a-09ef-421b-82de-0441a926375b", "database")
        ]


async def test_artist_document_adds_names_and_dates(store: Store) -> None:
    await import_musicbrainz(store, [MB / "artist.json"])
    artist = await db.entity_by_key(store, "artist", "mb:b8a7c51f-362c-4dcb-a259-bc6e0095f0a6")
    card = await db.artist(store, artist.id)
    assert card.birth_date == "1991-02-17" and card.kind == "person"
    sources = await db.entity_sources(store, artist.id)
    assert sources[0].url == "https://musicbrainz.org/artist/b8a7c51f-362c-4dcb-a259-bc6e0095f0a6"


async def test_reimport_is_idempotent_and_files_add_up(store: Store) -> None:
    await import_musicbrainz(store, ALL)
    counts = {
        t: await db.count_rows(store, t) for t in ("entities", "credits", "names", "release_tracks")
    }
    await import_musicbrainz(store, ALL)
    for name in ALL:
        await import_musicbrainz(store, [name])
    assert {t: await db.count_rows(store, t) for t in counts} == counts


async def test_catalog_entity_with_an_mbid_receives_musicbrainz_facts(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "x.toml").write_text(
        '[[source]]\nid = "s"\nurl = "https://example.org"\noutlet = "Ex"\n'
        '[[artist]]\nid = "abba"\nname = "ABBA"\nkind = "group"\nsources = ["s"]\n'
        'musicbrainz = "d87e52c5-bb8d-4da8-b941-9f4928627dc8"\n',
        encoding="utf-8",
    )
    await import_catalog(store, [tmp_path / "x.toml"])
    await import_musicbrainz(store, [MB / "recording_credits.json"])
    abba = await db.entity_by_key(store, "artist", "abba")
    song = await db.entity_by_key(store, "song", "mb:2d40c8b2-7524-49e3-af44-ebb924c5b023")
    assert [p.artist.id for p in await db.performers(store, song.id)] == [abba.id]
    assert await db.count_entities(store, "artist") == 1 + 8  # ABBA merged, 8 credited people


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "not a MusicBrainz"),
        (json.dumps({"title": "no id"}), "not a MusicBrainz"),
        (
            json.dumps({"id": "x", "video": False, "relations": "nope"}),
            "unexpected recording shape",
        ),
    ],
)
async def test_bad_files_name_the_file_and_change_nothing(
    store: Store, tmp_path: Path, content: str, problem: str
) -> None:
    await import_musicbrainz(store, [MB / "recording.json"])
    before = await db.count_rows(store, "entities"), await db.count_rows(store, "credits")
    bad = tmp_path / "broken.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        await import_musicbrainz(store, [MB / "recording_credits.json", bad])
    assert "broken.json" in str(caught.value) and problem in str(caught.value)
    assert (await db.count_rows(store, "entities"), await db.count_rows(store, "credits")) == before


async def test_non_entity_fixture_is_refused(store: Store) -> None:
    with pytest.raises(DataFileError, match=r"track\.json"):
        await import_musicbrainz(store, [MB / "track.json"])


MBID = "2d40c8b2-7524-49e3-af44-ebb924c5b023"


@pytest.fixture
async def mb_server():
    seen: list[tuple[float, str, dict]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append((time.monotonic(), request.headers.get("User-Agent", ""), dict(request.query)))
        mbid = request.match_info["mbid"]
        if mbid == MBID:
            return web.Response(
                text=(MB / "recording_credits.json").read_text(encoding="utf-8"),
                content_type="application/json",
            )
        if mbid.startswith("5"):
            return web.Response(status=503)
        return web.Response(status=404)

    app = web.Application()
    app.router.add_get("/ws/2/recording/{mbid}", handler)
    async with LocalServer(app) as local:
        yield local.url("/ws/2"), seen


async def test_fetch_sends_user_agent_and_respects_the_rate_limit(store: Store, mb_server) -> None:
    base, seen = mb_server
    limiter = RateLimiter(interval=0.1)
    first = await fetch_musicbrainz(MBID, "recording", base, limiter=limiter)
    second = await fetch_musicbrainz(MBID, "recording", base, limiter=limiter)
    assert first == second and first["title"] == "Knowing Me, Knowing You"
    assert seen[0][1] == DEFAULT_USER_AGENT and "LinerNotes/0.1" in seen[0][1]
    assert seen[0][2]["fmt"] == "json" and "work-level-rels" in seen[0][2]["inc"]
    assert seen[1][0] - seen[0][0] >= 0.099
    assert RateLimiter().interval == 1.0
    with pytest.raises(NotFoundError):
        await fetch_musicbrainz(
            "00000000-0000-0000-0000-000000000000", "recording", base, limiter=limiter
        )
    with pytest.raises(MusicBrainzError, match="rate limiting"):
        await fetch_musicbrainz(
            "50000000-0000-0000-0000-000000000000", "recording", base, limiter=limiter
        )
    with pytest.raises(MusicBrainzError):
        await fetch_musicbrainz("not-an-id", "recording", base, limiter=limiter)
    from bot.knowledge.importers import import_musicbrainz_documents

    report = await import_musicbrainz_documents(store, [("fetched", first)])
    assert report.counts["credit"] == 10


async def test_a_videos_streaming_link_gives_its_youtube_id_and_a_sourced_listen_link(
    store: Store,
) -> None:
    await import_musicbrainz(store, [MB / "recording_video.json"])
    video = await db.entity_by_key(store, "video", "mb:370889ee-7a70-4d0a-8f4d-e514e0494d7e")
    assert video is not None
    info = await cards.video_info(store, video.id)
    assert info.youtube_url == "https://www.youtube.com/watch?v=O_HwMrrJ4M4"
    assert info.thumbnail == "https://i.ytimg.com/vi/O_HwMrrJ4M4/hqdefault.jpg"
    links = await cards.listen_links(store, [video.id])
    # The "free streaming" YouTube page is a link; the "other databases" IMVDb page is not.
    assert [(ln.platform, ln.url, ln.source.outlet) for ln in links] == [
        ("youtube", "https://www.youtube.com/watch?v=O_HwMrrJ4M4", "MusicBrainz")
    ]
    assert links[0].source.url.endswith("/recording/370889ee-7a70-4d0a-8f4d-e514e0494d7e")
    # Importing again replaces, never doubles.
    await import_musicbrainz(store, [MB / "recording_video.json"])
    assert len(await cards.listen_links(store, [video.id])) == 1

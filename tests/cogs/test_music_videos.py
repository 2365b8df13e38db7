"""New music videos from a YouTube channel (a local stand-in of its uploads feed): posted once
into the release's discussion thread, never a Short, and recorded on the song."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.store.radar import RadarStore
from tests.standins.youtube import Video, YouTubeStandIn
from tests.support.bot import Server

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
CHANNEL = "UC" + "iuOfficialChannel12345"[:22]


@pytest.fixture
async def youtube() -> AsyncIterator[YouTubeStandIn]:
    standin = YouTubeStandIn(
        CHANNEL, videos=[Video("oldvideo001", "IU 'Palette' MV", T0 - timedelta(days=400))]
    )
    await standin.start()
    yield standin
    await standin.stop()


async def cycle(server: Server) -> None:
    server.clock.later()
    await server.bot.get_cog("Feeds").run_cycle()


async def test_a_new_mv_goes_once_into_the_release_thread_and_a_short_never(
    server: Server, youtube: YouTubeStandIn
) -> None:
    fd = server.discord
    await server.restart(YOUTUBE_FEED_BASE=youtube.base)
    server.clock.set(T0)
    talk = server.guild.add_text_channel("talk")
    videos = server.guild.add_text_channel("videos")
    await fd.slash("config discussions", user=server.mina, options={"channel": talk})
    await fd.slash("config follow", user=server.mina, artist="IU")
    await (await fd.slash("discuss", user=server.alice, query="Love wins all")).final()
    [thread] = fd.threads(talk)
    before = len(fd.channel_messages(thread))

    added = await fd.slash(
        "feed add",
        user=server.mina,
        options={"url": f"https://www.youtube.com/channel/{CHANNEL}", "channel": videos},
    )
    assert "Following" in (await added.final()).content
    assert youtube.requests[-1] == {"playlist_id": "UULF" + CHANNEL[2:]}

    youtube.videos.append(Video("lovewinsall", "IU 'Love wins all' MV", T0 + timedelta(hours=1)))
    youtube.videos.append(
        Video("shortclip01", "Love wins all #shorts", T0 + timedelta(hours=2), short=True)
    )
    await cycle(server)
    await cycle(server)

    posted = [m for m in fd.channel_messages(thread)[before:] if m.embeds]
    assert len(posted) == 1
    assert posted[0].embeds[0]["url"] == "https://www.youtube.com/watch?v=lovewinsall"
    assert fd.channel_messages(videos) == []  # into the thread, not the feed's channel
    everywhere = [
        e.get("url")
        for ch in (talk, videos, thread)
        for m in fd.channel_messages(ch)
        for e in m.embeds
    ]
    assert not any("shorts" in (u or "") for u in everywhere)
    assert await RadarStore(server.bot.store).video_with_youtube_id("lovewinsall") is not None

    card = await fd.slash("release", user=server.alice, query="Love wins all")
    text = str(card.embeds)
    assert "[IU 'Love wins all' MV](https://www.youtube.com/watch?v=lovewinsall)" in text


def test_a_channel_address_becomes_its_long_form_uploads_feed() -> None:
    from bot.core.errors import UserError
    from bot.feeds.youtube import feed_url_for, is_short, video_id

    base = "https://www.youtube.com/feeds/videos.xml"
    assert feed_url_for(f"https://www.youtube.com/channel/{CHANNEL}", base) == (
        f"{base}?playlist_id=UULF{CHANNEL[2:]}"
    )
    assert feed_url_for(f"{base}?channel_id={CHANNEL}", base) == (
        f"{base}?playlist_id=UULF{CHANNEL[2:]}"
    )
    assert feed_url_for("https://example.org/feed.xml", base) is None
    assert feed_url_for("https://www.youtube.com/@IU", base) is None  # resolved by fetching
    with pytest.raises(UserError):
        feed_url_for("https://www.youtube.com/c/IU", base)
    assert is_short("https://www.youtube.com/shorts/abc") and not is_short(
        "https://www.youtube.com/watch?v=abc"
    )
    assert video_id("https://www.youtube.com/watch?v=lovewinsall") == "lovewinsall"


async def test_an_at_handle_is_resolved_once_to_the_channel_feed(
    server: Server, youtube: YouTubeStandIn
) -> None:
    fd = server.discord
    await server.restart(YOUTUBE_FEED_BASE=youtube.base)
    server.clock.set(T0)
    videos = server.guild.add_text_channel("videos")
    added = await fd.slash(
        "feed add",
        user=server.mina,
        options={"url": "https://www.youtube.com/@iuofficial", "channel": videos},
    )
    assert "Following" in (await added.final()).content
    assert youtube.requests[-1] == {"playlist_id": "UULF" + CHANNEL[2:]}
    unknown = await fd.slash(
        "feed add",
        user=server.mina,
        options={"url": "https://www.youtube.com/@nobodyhere", "channel": videos},
    )
    assert "Nothing was saved" in (await unknown.final()).content

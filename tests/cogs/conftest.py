"""Fixtures of the cog tests: MusicBrainz and Wikidata stand-ins, and the bot pointed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord
from tests.standins.musicbrainz import MusicBrainzStandIn
from tests.standins.wikidata import WikidataStandIn
from tests.support.bot import Server
from tests.support.online import serve_online


@pytest.fixture
async def musicbrainz() -> AsyncIterator[MusicBrainzStandIn]:
    standin = MusicBrainzStandIn().serve(
        "recording_credits.json", "recording.json", "recording_video.json", "artist.json"
    )
    await standin.start()
    try:
        yield standin
    finally:
        await standin.stop()


@pytest.fixture
async def wikidata() -> AsyncIterator[WikidataStandIn]:
    standin = WikidataStandIn().serve("thinking_out_loud.json")
    await standin.start()
    try:
        yield standin
    finally:
        await standin.stop()


@pytest.fixture
async def online(
    fake_discord: FakeDiscord,
    template_db: Path,
    tmp_path: Path,
    musicbrainz: MusicBrainzStandIn,
    wikidata: WikidataStandIn,
) -> AsyncIterator[Server]:
    """The real bot with online lookups pointed at the stand-ins."""
    async for srv in serve_online(
        fake_discord, template_db, tmp_path, musicbrainz, wikidata, "true"
    ):
        yield srv


@pytest.fixture
async def offline(
    fake_discord: FakeDiscord,
    template_db: Path,
    tmp_path: Path,
    musicbrainz: MusicBrainzStandIn,
    wikidata: WikidataStandIn,
) -> AsyncIterator[Server]:
    """The real bot pointed at the stand-ins, with ONLINE_LOOKUPS=false."""
    async for srv in serve_online(
        fake_discord, template_db, tmp_path, musicbrainz, wikidata, "false"
    ):
        yield srv

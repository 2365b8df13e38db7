"""The Cover Art Archive client against the stand-in, as the real archive answers: an index
request is redirected to the Internet Archive, which serves it."""

from __future__ import annotations

import pytest

from bot.knowledge.online.coverart import CoverArtClient
from bot.knowledge.online.http import ServiceUnavailable
from tests.standins.coverart import CoverArtStandIn

GROUP = "d6e2ad2c-5c69-4b4c-8b49-2b4d6cbb4b7a"
RELEASE = "0b8ce6c7-4d6c-4b4e-9d2d-2f0c4a3c8e11"


async def test_the_index_is_read_from_where_the_archive_redirects_it() -> None:
    archive = await CoverArtStandIn(via_archive=True).serve("release", RELEASE, RELEASE).start()
    # The stand-in's copy is on localhost, standing in for archive.org.
    client = CoverArtClient(archive.base, "test/1", interval=0, redirect_hosts=("localhost",))
    try:
        cover = await client.front("release", RELEASE)
        missing = await client.front("release-group", GROUP)
    finally:
        await client.close()
        await archive.stop()
    assert cover is not None and cover.thumbnail.endswith("/1000-500.jpg")
    assert missing is None  # the archive's copy answers 404: no art, remembered as such
    paths = [entry.path for entry in archive.log]
    assert paths[:2] == [f"/release/{RELEASE}", f"/download/mbid-{RELEASE}/index.json"]


async def test_a_redirect_to_any_other_host_is_still_refused() -> None:
    archive = await CoverArtStandIn(via_archive=True).serve("release", RELEASE, RELEASE).start()
    client = CoverArtClient(archive.base, "test/1", interval=0)  # archive.org only
    try:
        with pytest.raises(ServiceUnavailable):
            await client.front("release", RELEASE)
    finally:
        await client.close()
        await archive.stop()
    assert [entry.path for entry in archive.log] == [f"/release/{RELEASE}"]

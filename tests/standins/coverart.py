"""A stand-in Cover Art Archive: the JSON index of a release or release group, as documented.

``GET /release/<mbid>`` and ``GET /release-group/<mbid>`` answer ``{"images": [{"approved",
"back", "comment", "edit", "front", "id", "image", "thumbnails": {"250", "500", "1200",
"small", "large"}, "types"}], "release": "https://musicbrainz.org/release/<mbid>"}``; an id
without art answers 404 (the archive's plain-text "Not Found"). ``hold()`` keeps every
request waiting until ``release()``; ``fail_status`` answers every request with an error;
every request is logged. With ``via_archive``, an index request is answered as the real archive
does, with a 307 to its copy at the Internet Archive (``/download/mbid-<mbid>/index.json``, here
on ``localhost``: another origin than ``127.0.0.1``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.standins.musicbrainz import Logged
from tests.support.http import LocalServer


def image_entry(release: str, image_id: int, *, front: bool, types: list[str]) -> dict[str, Any]:
    """Return one image of an index, with the archive's addresses (http, as the index has)."""
    base = f"http://coverartarchive.org/release/{release}/{image_id}"
    return {
        "approved": True,
        "back": "Back" in types,
        "comment": "",
        "edit": 20000000 + image_id % 1000,
        "front": front,
        "id": image_id,
        "image": f"{base}.jpg",
        "thumbnails": {
            "250": f"{base}-250.jpg",
            "500": f"{base}-500.jpg",
            "1200": f"{base}-1200.jpg",
            "small": f"{base}-250.jpg",
            "large": f"{base}-500.jpg",
        },
        "types": types,
    }


@dataclass
class CoverArtStandIn:
    """Serves indexes by (entity, mbid)."""

    indexes: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)
    fail_status: int = 0  # answer every request with this status (503: the archive is down)
    via_archive: bool = False
    gate: asyncio.Event | None = None
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    local: LocalServer | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, entity: str, mbid: str, release: str, *, front: bool = True) -> CoverArtStandIn:
        """Serve an index for ``entity``/``mbid`` of ``release``: a front and a back image, or
        only a back image when ``front`` is False."""
        images = [image_entry(release, 1001, front=False, types=["Back"])]
        if front:
            images.insert(0, image_entry(release, 1000, front=True, types=["Front", "Booklet"]))
        self.indexes[(entity, mbid)] = {
            "images": images,
            "release": f"https://musicbrainz.org/release/{release}",
        }
        return self

    def hold(self) -> None:
        """Hold every request until ``release()`` (an archive taking as long as the test likes)."""
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()

    def release(self) -> None:
        """Let held requests through."""
        if self.gate is not None:
            self.gate.set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.log.append(
            Logged(
                time.monotonic(),
                request.path,
                dict(request.query),
                request.headers.get("User-Agent", ""),
            )
        )
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_status:
            return web.Response(status=self.fail_status, text="Service Unavailable")
        mbid = request.match_info["mbid"]
        entity = request.match_info.get("entity")
        if entity is None:  # the Internet Archive's copy
            index = next((v for (_, m), v in sorted(self.indexes.items()) if m == mbid), None)
        else:
            index = self.indexes.get((entity, mbid))
            if self.via_archive:
                where = f"http://localhost:{self.port}/download/mbid-{mbid}/index.json"
                raise web.HTTPTemporaryRedirect(where)
        if index is None:
            return web.Response(status=404, text="Not Found")
        return web.json_response(index)

    async def start(self) -> CoverArtStandIn:
        app = web.Application()
        app.router.add_get("/{entity:release|release-group}/{mbid}", self.handle)
        app.router.add_get("/download/mbid-{mbid}/index.json", self.handle)
        self.local = await LocalServer(app).start()
        self.port = self.local.port
        return self

    async def stop(self) -> None:
        self.release()
        if self.local is not None:
            await self.local.stop()

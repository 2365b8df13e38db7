"""A stand-in Wikimedia Commons action API: ``prop=imageinfo`` with a thumbnail and metadata.

``?action=query&titles=File:X&prop=imageinfo&iiprop=url|extmetadata&iiurlwidth=500&format=json
&formatversion=2`` answers ``{"batchcomplete": true, "query": {"pages": [{"ns": 6, "title",
"missing"?: true, "imagerepository", "imageinfo": [{"thumburl", "thumbwidth", "thumbheight",
"url", "descriptionurl", "descriptionshorturl", "extmetadata": {"LicenseShortName": {"value",
"source", "hidden"}, "Artist": {"value", …}}}]}]}}``, as Commons does (``Artist`` is HTML).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import web

from tests.standins.musicbrainz import Logged
from tests.support.http import LocalServer


@dataclass
class CommonsStandIn:
    """Serves image information by file name."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)
    local: LocalServer | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/w/api.php"

    def serve(self, name: str, *, licence: str, artist_html: str) -> CommonsStandIn:
        """Serve a file (``Ed Sheeran 2013.jpg``) with its licence and author."""
        path = quote(name.replace(" ", "_"))
        self.files[f"File:{name}"] = {
            "thumburl": f"https://upload.wikimedia.org/wikipedia/commons/thumb/a/ab/{path}/500px-{path}",
            "thumbwidth": 500,
            "thumbheight": 667,
            "url": f"https://upload.wikimedia.org/wikipedia/commons/a/ab/{path}",
            "descriptionurl": f"https://commons.wikimedia.org/wiki/File:{path}",
            "descriptionshorturl": "https://commons.wikimedia.org/w/index.php?curid=1",
            "extmetadata": {
                "LicenseShortName": {"value": licence, "source": "commons-desc-page", "hidden": ""},
                "Artist": {"value": artist_html, "source": "commons-desc-page"},
            },
        }
        return self

    async def handle(self, request: web.Request) -> web.Response:
        self.log.append(
            Logged(
                time.monotonic(),
                request.path,
                dict(request.query),
                request.headers.get("User-Agent", ""),
            )
        )
        q = request.query
        if q.get("action") != "query" or q.get("prop") != "imageinfo" or q.get("format") != "json":
            return web.json_response({"error": {"code": "badvalue", "info": "unsupported"}})
        pages = []
        for title in q.get("titles", "").split("|"):
            info = self.files.get(title.replace("_", " "))
            if info is None:
                pages.append({"ns": 6, "title": title, "missing": True, "known": False})
            else:
                pages.append(
                    {
                        "pageid": 1000 + len(pages),
                        "ns": 6,
                        "title": title,
                        "imagerepository": "local",
                        "imageinfo": [info],
                    }
                )
        return web.json_response({"batchcomplete": True, "query": {"pages": pages}})

    async def start(self) -> CommonsStandIn:
        app = web.Application()
        app.router.add_get("/w/api.php", self.handle)
        self.local = await LocalServer(app).start()
        self.port = self.local.port
        return self

    async def stop(self) -> None:
        if self.local is not None:
            await self.local.stop()

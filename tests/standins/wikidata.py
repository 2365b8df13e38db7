"""A stand-in Wikidata action API: ``wbgetentities`` answers in the documented JSON shape.

``{"entities": {"Q…": {"type": "item", "id", "labels", "aliases", "claims", "sitelinks"}}}``;
an unknown id comes back as ``{"id": "Q…", "missing": ""}``, as Wikidata does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.standins.musicbrainz import Logged
from tests.support.http import LocalServer

FIXTURES = Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "wikidata"


@dataclass
class WikidataStandIn:
    """Serves items by id."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)
    fail_status: int = 0
    mangle: Callable[[Any], Any] | None = None
    local: LocalServer | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/w/api.php"

    def serve(self, *names: str) -> WikidataStandIn:
        """Serve fixture files, each holding a wbgetentities answer."""
        for name in names:
            data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
            self.items.update(data["entities"])
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
        if self.fail_status:
            return web.Response(status=self.fail_status, text="unavailable")
        query = request.query
        if query.get("action") != "wbgetentities" or query.get("format") != "json":
            return web.json_response({"error": {"code": "badvalue", "info": "unsupported"}})
        entities = {}
        for qid in query.get("ids", "").split("|"):
            entities[qid] = self.items.get(qid) or {"id": qid, "missing": ""}
        answer = {"entities": entities, "success": 1}
        return web.json_response(self.mangle(answer) if self.mangle is not None else answer)

    async def start(self) -> WikidataStandIn:
        app = web.Application()
        app.router.add_get("/w/api.php", self.handle)
        self.local = await LocalServer(app).start()
        self.port = self.local.port
        return self

    async def stop(self) -> None:
        if self.local is not None:
            await self.local.stop()

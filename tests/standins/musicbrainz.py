"""A stand-in MusicBrainz ws/2: real JSON responses by MBID, searches in the documented format.

Lookups (``GET /ws/2/<entity>/<mbid>?inc=…&fmt=json``) answer with the stored ws/2 document
of that id. Searches (``GET /ws/2/<entity>?query=…&fmt=json``) answer like MusicBrainz's
search server: ``{"created", "count", "offset", "<entities>": [{"id", "score", …}]}``, scored
0-100 by how well the words match the title (or name) and artist credit. Fault switches:
``fail`` (status + Retry-After for the next N requests), ``malformed`` (broken JSON),
``gate`` (hold every request until the test releases it). Every request is logged with its
monotonic time and User-Agent.

Hostile modes, for what a broken or hostile service could send (each bounded in size):
``bomb`` (gzip JSON that inflates to many megabytes from a few kilobytes), ``oversize`` (a
plain body over the client's cap), ``redirect_to`` (every answer a 302 to another address),
``mangle`` (a function rewriting every JSON answer before it is sent: wrong types, deep
nesting, huge names).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support.http import LocalServer

FIXTURES = Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "musicbrainz"
PLURAL = {
    "recording": "recordings",
    "release-group": "release-groups",
    "artist": "artists",
    "work": "works",
    "release": "releases",
}


def gzip_of_spaces(size: int) -> bytes:
    """Return a gzip stream of ``size`` spaces inside "[…]" (valid JSON), built in pieces."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(b"[")]
    piece = b" " * (1 << 20)
    left = size
    while left > 0:
        parts.append(packer.compress(piece[: min(left, len(piece))]))
        left -= len(piece)
    parts.append(packer.compress(b"]") + packer.flush())
    return b"".join(parts)


@dataclass(frozen=True)
class Logged:
    """One request the stand-in received."""

    at: float
    path: str
    params: dict[str, str]
    user_agent: str


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in text if c.isalnum() or c.isspace())


def _words(text: str) -> list[str]:
    return _norm(text).split()


def _credit(doc: dict[str, Any]) -> str:
    return "".join(
        f"{c.get('name') or (c.get('artist') or {}).get('name') or ''}{c.get('joinphrase') or ''}"
        for c in doc.get("artist-credit") or []
    )


def entity_of(doc: dict[str, Any]) -> str | None:
    """Tell which ws/2 entity a document is."""
    if "video" in doc and "media" not in doc:
        return "recording"
    if "primary-type" in doc or "primary-type-id" in doc:
        return "release-group"
    if "sort-name" in doc and "life-span" in doc:
        return "artist"
    if "media" in doc or "release-group" in doc:
        return "release"
    return None


def search_hit(entity: str, doc: dict[str, Any], score: int) -> dict[str, Any]:
    """Return a document as a search hit: the fields the search server returns."""
    keep = {
        "recording": (
            "id",
            "title",
            "length",
            "video",
            "disambiguation",
            "artist-credit",
            "first-release-date",
            "releases",
        ),
        "release-group": (
            "id",
            "title",
            "primary-type",
            "secondary-types",
            "first-release-date",
            "artist-credit",
            "releases",
        ),
        "artist": (
            "id",
            "type",
            "name",
            "sort-name",
            "country",
            "disambiguation",
            "life-span",
            "aliases",
        ),
        "work": ("id", "title", "type", "language", "relations"),
    }[entity]
    hit = {"id": doc["id"], "score": score}
    hit.update({k: doc[k] for k in keep if k in doc and k != "id"})
    if "releases" in hit:
        hit["releases"] = [
            {k: r[k] for k in ("id", "title", "status", "date", "release-group") if k in r}
            for r in hit["releases"]
            if isinstance(r, dict)
        ]
    return hit


@dataclass
class MusicBrainzStandIn:
    """Serves ws/2 documents and searches over them."""

    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra_hits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)
    fail_status: int = 0
    fail_times: int = 0
    retry_after: str | None = None
    malformed: bool = False
    gate: asyncio.Event | None = None
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    bomb: int = 0
    oversize: int = 0
    redirect_to: str | None = None
    redirect_times: int = 1_000_000
    mangle: Callable[[Any], Any] | None = None
    raw: str | None = None
    local: LocalServer | None = None
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/ws/2"

    def serve(self, *names: str) -> MusicBrainzStandIn:
        """Serve fixture files (``recording_credits.json``…) by their MBID."""
        for name in names:
            doc = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
            self.documents[doc["id"]] = doc
        return self

    def fail(self, status: int = 503, *, times: int = 1, retry_after: str | None = None) -> None:
        """Answer the next ``times`` requests with ``status`` (and a Retry-After header)."""
        self.fail_status, self.fail_times, self.retry_after = status, times, retry_after

    def hold(self) -> None:
        """Hold every request until ``release()`` (a service taking as long as the test likes)."""
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()

    def release(self) -> None:
        """Let held requests through."""
        if self.gate is not None:
            self.gate.set()

    def searches(self) -> list[Logged]:
        return [r for r in self.log if "query" in r.params]

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
        if self.fail_times > 0:
            self.fail_times -= 1
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.json_response(
                {"error": "Your requests are exceeding the allowable rate limit."},
                status=self.fail_status,
                headers=headers,
            )
        if self.malformed:
            return web.Response(text='{"recordings": [{"id": ', content_type="application/json")
        if self.redirect_to is not None and self.redirect_times > 0:
            self.redirect_times -= 1
            raise web.HTTPFound(self.redirect_to)
        if self.bomb:
            return web.Response(
                body=gzip_of_spaces(self.bomb),
                headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
            )
        if self.oversize:
            return web.Response(body=b" " * self.oversize, content_type="application/json")
        if self.raw is not None:
            return web.Response(text=self.raw, content_type="application/json")
        if request.query.get("fmt") != "json":
            return web.Response(status=400, text="this stand-in speaks JSON only")
        entity = request.match_info["entity"]
        mbid = request.match_info.get("mbid")
        if mbid is not None:
            doc = self.documents.get(mbid)
            if doc is None or entity_of(doc) != entity:
                return web.json_response({"error": "Not Found"}, status=404)
            return self._json(doc)
        return self._json(self.search(entity, request.query.get("query", "")))

    def _json(self, data: Any) -> web.Response:
        return web.json_response(self.mangle(data) if self.mangle is not None else data)

    def search(self, entity: str, query: str) -> dict[str, Any]:
        """Score every document of the entity against the query's words."""
        if "arid:" in query:
            return self.field_search(entity, query)
        words = _words(re.sub(r"\\(.)", r"\1", query))
        hits = []
        candidates = [
            (search_hit(entity, d, 0), d) for d in self.documents.values() if entity_of(d) == entity
        ]
        candidates += [(dict(h), h) for h in self.extra_hits.get(entity, [])]
        for hit, doc in candidates:
            title = _words(str(doc.get("title") or doc.get("name") or ""))
            names = title + _words(_credit(doc))
            if not words or not title:
                continue
            matched = sum(1 for w in words if w in names)
            covered = sum(1 for w in title if w in words) / len(title)
            score = round(100 * covered * matched / len(words))
            if score >= 30:
                hit["score"] = score
                hits.append(hit)
        hits.sort(key=lambda h: (-h["score"], h["id"]))
        return {
            "created": "2026-11-28T12:00:00.000Z",
            "count": len(hits),
            "offset": 0,
            PLURAL[entity]: hits[:25],
        }

    async def start(self) -> MusicBrainzStandIn:
        app = web.Application()
        app.router.add_get("/ws/2/{entity}", self.handle)
        app.router.add_get("/ws/2/{entity}/{mbid}", self.handle)
        self.local = await LocalServer(app).start()
        self.port = self.local.port
        return self

    async def stop(self) -> None:
        self.release()
        if self.local is not None:
            await self.local.stop()

    def field_search(self, entity: str, query: str) -> dict[str, Any]:
        """Answer a field query as MusicBrainz's search server does: ``arid:<MBID>`` (an
        artist in the artist credit) and ``firstreleasedate:[FROM TO *]`` (``*`` open)."""
        artist = re.search(r"arid:([0-9a-f-]{36})", query)
        span = re.search(r"firstreleasedate:\[(\S+) TO (\S+)\]", query)
        hits = []
        for doc in self.documents.values():
            if entity_of(doc) != entity:
                continue
            credit = [c.get("artist", {}).get("id") for c in doc.get("artist-credit") or []]
            if artist is not None and artist.group(1) not in credit:
                continue
            date = str(doc.get("first-release-date") or "")
            if span is not None:
                low, high = span.groups()
                if not date or (low != "*" and date < low) or (high != "*" and date > high):
                    continue
            hits.append(search_hit(entity, doc, 100))
        hits.sort(key=lambda h: h["id"])
        return {
            "created": "2026-11-28T12:00:00.000Z",
            "count": len(hits),
            "offset": 0,
            PLURAL[entity]: hits[:100],
        }

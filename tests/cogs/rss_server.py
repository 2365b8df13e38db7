"""A real local HTTP server for feeds, with the misbehaviours the tests need."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime

from aiohttp import web

from tests.support.http import LocalServer


@dataclass
class Item:
    """One entry of the test feed."""

    guid: str
    title: str
    published: datetime
    body: str = "<p>A review.</p>"
    link: str | None = None


@dataclass
class RssServer:
    """Serves /feed.xml (RSS 2.0 with ETag) and a few hostile or broken endpoints."""

    title: str = "Pop Notes"
    items: list[Item] = field(default_factory=list)
    status: int = 200
    retry_after: str | None = None
    hits: int = 0
    not_modified: int = 0
    local: LocalServer | None = None
    port: int = 0
    on_request: Callable[[web.Request], None] | None = None
    validators: bool = True  # send an ETag (False: a server that sends no validators)
    gate: asyncio.Event | None = None  # when set, /feed.xml answers only once it is set

    def url(self, path: str = "/feed.xml") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def rss(self) -> bytes:
        entries = "".join(
            f"<item><title>{i.title}</title><link>{i.link or self.url('/p/' + i.guid)}</link>"
            f'<guid isPermaLink="false">{i.guid}</guid>'
            f"<pubDate>{format_datetime(i.published)}</pubDate>"
            f"<description><![CDATA[{i.body}]]></description>"
            "<dc:creator>Jae Critic</dc:creator></item>"
            for i in self.items
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{self.title}</title><link>{self.url('/')}</link>"
            f"<description>Reviews</description>{entries}</channel></rss>"
        ).encode()

    async def feed(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        if self.on_request is not None:
            self.on_request(request)
        if self.gate is not None:
            await self.gate.wait()  # a feed that trickles: slow until the test lets it answer
        if self.status != 200:
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.Response(status=self.status, text="nope", headers=headers)
        body = self.rss()
        if not self.validators:
            return web.Response(body=body, content_type="application/rss+xml")
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})

    async def html(self, request: web.Request) -> web.Response:
        return web.Response(
            text="<html><body>Just a web page</body></html>", content_type="text/html"
        )

    async def to_private(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    async def billion(self, request: web.Request) -> web.Response:
        lol = '<!ENTITY lol "lol">' + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        doc = (
            f'<?xml version="1.0"?><!DOCTYPE rss [{lol}]><rss version="2.0"><channel>'
            "<title>&lol9;</title></channel></rss>"
        )
        return web.Response(text=doc, content_type="application/rss+xml")

    async def huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>')
        chunk = b"<!-- " + b"x" * 65536 + b" -->"
        for _ in range(6 * 1024 * 1024 // len(chunk) + 2):
            await response.write(chunk)
        return response

    async def start(self) -> RssServer:
        app = web.Application()
        app.router.add_get("/feed.xml", self.feed)
        app.router.add_get("/page.html", self.html)
        app.router.add_get("/to-private", self.to_private)
        app.router.add_get("/billion.xml", self.billion)
        app.router.add_get("/huge.xml", self.huge)
        self.local = await LocalServer(app).start()
        self.port = self.local.port
        return self

    async def stop(self) -> None:
        if self.local is not None:
            await self.local.stop()

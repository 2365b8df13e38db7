"""Feed test fixtures: a real aiohttp server on 127.0.0.1, a migrated store, a fixed clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.feeds import AddressPolicy, Fetcher
from bot.store.feeds import FeedStore
from tests.feeds.support import open_store

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fixture_bytes(name: str) -> bytes:
    """Return a sample feed from tests/feeds/fixtures."""
    return (FIXTURES / name).read_bytes()


class FeedServer:
    """A local HTTP server whose paths a test sets up; counts requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[web.Request] = []
        self.port = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def serve(
        self,
        path: str,
        body: bytes,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = "application/rss+xml",
    ) -> str:
        """Serve ``body``, honouring If-None-Match / If-Modified-Since against given headers."""
        sent_headers = dict(headers or {})

        async def handler(request: web.Request) -> web.StreamResponse:
            etag = sent_headers.get("ETag")
            modified = sent_headers.get("Last-Modified")
            if etag and request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            if modified and request.headers.get("If-Modified-Since") == modified:
                return web.Response(status=304)
            return web.Response(
                body=body, status=status, headers=sent_headers, content_type=content_type
            )

        return self.route(path, handler)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.hits[request.path] += 1
        self.requests.append(request)
        handler = self.routes.get(request.path)
        if handler is None:
            return web.Response(status=404, text="no such test route")
        return await handler(request)


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server._dispatch)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield server
    finally:
        await runner.cleanup()


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """A fetcher that may reach the loopback test server (and nothing else private)."""
    async with Fetcher(policy=AddressPolicy.allowing(["127.0.0.1/32"]), clock=lambda: T0) as client:
        yield client


@pytest.fixture
async def feed_store(tmp_path: Path) -> AsyncIterator[FeedStore]:
    async with await open_store(tmp_path / "feeds.db") as store:
        yield FeedStore(store)

"""Helpers shared by the feed tests and the feed store tests: a local feed server, sample
feeds, the fixed clock, a store with the feed tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from aiohttp import web

from bot.core.errors import StoreError
from bot.store import Migration, Store, bundled_migrations

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


def feed_migrations() -> list[Migration]:
    """Return the bundled migrations; while 0002 is not there yet, 0001 and 0003 renumbered."""
    try:
        return bundled_migrations()
    except StoreError:
        folder = resources.files("bot.store.migrations")
        first = folder.joinpath("0001_initial.sql").read_text("utf-8")
        feeds = folder.joinpath("0003_feeds.sql").read_text("utf-8")
        return [Migration(1, "0001_initial.sql", first), Migration(2, "0003_feeds.sql", feeds)]


async def open_store(path: Path) -> Store:
    """Open (and migrate) a real SQLite database for the feed tables."""
    return await Store.open(path, migrations=feed_migrations())

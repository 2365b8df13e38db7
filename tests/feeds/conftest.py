"""Feed test fixtures: a real aiohttp server on 127.0.0.1, a migrated store, a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.feeds import AddressPolicy, Fetcher
from bot.store.feeds import FeedStore
from tests.feeds.support import T0, FeedServer, open_store
from tests.support.http import LocalServer


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server._dispatch)
    async with LocalServer(app) as local:
        server.port = local.port
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """A fetcher that may reach the loopback test server (and nothing else private)."""
    async with Fetcher(policy=AddressPolicy.allowing(["127.0.0.1/32"]), clock=lambda: T0) as client:
        yield client


@pytest.fixture
async def feed_store(tmp_path: Path) -> AsyncIterator[FeedStore]:
    async with await open_store(tmp_path / "feeds.db") as store:
        yield FeedStore(store)

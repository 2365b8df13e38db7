"""One way to serve a stand-in: an aiohttp application on 127.0.0.1, on a free port.

Every local service the tests talk to (feeds, the RSS server, the MusicBrainz and Wikidata
stand-ins) is served by ``LocalServer``; a stand-in builds its ``web.Application`` and hands it
here.
"""

from __future__ import annotations

import socket
from types import TracebackType

from aiohttp import web


class LocalServer:
    """Serve one aiohttp application on 127.0.0.1 (``start``/``stop``, or ``async with``)."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.runner: web.AppRunner | None = None
        self.port = 0

    def url(self, path: str = "", host: str = "127.0.0.1") -> str:
        """Return the address of ``path`` on this server."""
        return f"http://{host}:{self.port}{path}"

    async def start(self) -> LocalServer:
        """Start serving on a free port."""
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = self.runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Stop serving (open connections are closed)."""
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def __aenter__(self) -> LocalServer:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

"""Run the Discord emulator as a process: ``python -m tests.fakediscord.serve``.

It binds a free port on 127.0.0.1, adds one server with one member, prints one line
``API_BASE GATEWAY_URL TOKEN`` on stdout, and serves until SIGTERM or SIGINT. .ci/docker-image
points the container image at it to check that its health check turns healthy once connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from tests.fakediscord.client import FakeDiscord


async def serve() -> None:
    """Serve until a signal arrives."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with FakeDiscord(default_timeout=30.0) as fd:
        fd.add_guild("K-pop Club").add_member("alice")
        sys.stdout.write(f"{fd.api_base} {fd.gateway_url} {fd.token}\n")
        sys.stdout.flush()
        await stop.wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())

"""Pytest fixtures: ``pytest_plugins = ["tests.fakediscord.pytest_plugin"]``.

``fake_discord`` is a started :class:`FakeDiscord`; after the test it is stopped and
discord.py's two URL overrides (``Route.BASE``, ``DEFAULT_GATEWAY``) are restored even if
the code under test changed them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .client import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    # Imported here: pytest-xdist's controller loads this plugin and runs no test.
    import discord.gateway
    import discord.http

    from .client import FakeDiscord

    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    # Tests restart the bot within seconds, which Discord's one IDENTIFY per 5 s would
    # answer with Invalid Session; the pacing has its own tests (identify_window there).
    fd = FakeDiscord(token="test-token", identify_window=0.0)
    await fd.start()
    try:
        yield fd
    finally:
        await fd.stop()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved

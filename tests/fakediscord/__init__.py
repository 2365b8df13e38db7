"""A local Discord (REST API v10 + gateway) for testing the real, unpatched discord.py.

Point discord.py at it with the two supported overrides::

    discord.http.Route.BASE = fd.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fd.gateway_url)

(``fd.patch_discord_py()`` does both and restores them.) See ``client.FakeDiscord``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each name from the module that defines it, imported on first use: pytest-xdist's controller
# imports the pytest plugin (this package's pytest_plugin.py) and runs no test, so discord.py
# and aiohttp are not loaded there.
_HOMES = {
    "FakeDiscord": ".client",
    "InteractionReply": ".interactions",
    "Reply": ".interactions",
    "Fault": ".ratelimit",
    "Hold": ".ratelimit",
    "ApiError": ".rules",
    "RecordedRequest": ".server",
    **{
        name: ".state"
        for name in (
            "Channel",
            "ForumTag",
            "Guild",
            "Intents",
            "Member",
            "Message",
            "Overwrite",
            "Permissions",
            "Role",
            "User",
        )
    },
}

__all__ = [
    "ApiError",
    "Channel",
    "FakeDiscord",
    "Fault",
    "ForumTag",
    "Guild",
    "Hold",
    "Intents",
    "InteractionReply",
    "Member",
    "Message",
    "Overwrite",
    "Permissions",
    "RecordedRequest",
    "Reply",
    "Role",
    "User",
]

if TYPE_CHECKING:
    from .client import FakeDiscord
    from .interactions import InteractionReply
    from .interactions import InteractionReply as Reply
    from .ratelimit import Fault, Hold
    from .rules import ApiError
    from .server import RecordedRequest
    from .state import (
        Channel,
        ForumTag,
        Guild,
        Intents,
        Member,
        Message,
        Overwrite,
        Permissions,
        Role,
        User,
    )


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(
        importlib.import_module(home, __name__), "InteractionReply" if name == "Reply" else name
    )
    globals()[name] = value
    return value

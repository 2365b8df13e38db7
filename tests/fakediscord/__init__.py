"""A local Discord (REST API v10 + gateway) for testing the real, unpatched discord.py.

Point discord.py at it with the two supported overrides::

    discord.http.Route.BASE = fd.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fd.gateway_url)

(``fd.patch_discord_py()`` does both and restores them.) See ``client.FakeDiscord``.
"""

from .client import FakeDiscord
from .interactions import InteractionReply
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

Reply = InteractionReply

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

"""Permission decorators: Discord's UI hint and a real check in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from bot.core.i18n import N_

T = TypeVar("T")


class NotAllowed(app_commands.CheckFailure):
    """The member may not use this command; the message says why."""


def manage_guild_only() -> Callable[[T], T]:
    """Require Manage Server: shown by Discord as a default, and enforced here for real.

    ``default_permissions`` is only a hint a server can override, so the check
    reads the member's resolved permissions from the interaction itself.
    """

    def predicate(interaction: discord.Interaction) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        permissions = interaction.permissions
        if permissions.manage_guild or permissions.administrator:
            return True
        raise NotAllowed(N_("You need the Manage Server permission to do that."))

    def decorator(func: T) -> T:
        func = app_commands.default_permissions(manage_guild=True)(func)
        func = app_commands.guild_only()(func)
        return app_commands.check(predicate)(func)

    return decorator


# What the bot needs in a channel it posts reviews or opens discussions in.
POSTING_PERMISSIONS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "create_public_threads",
    "send_messages_in_threads",
    "manage_threads",
)
MODLOG_PERMISSIONS = ("view_channel", "send_messages", "embed_links")

PERMISSION_NAMES = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "manage_threads": "Manage Threads",
    "read_message_history": "Read Message History",
}


def missing_bot_permissions(
    channel: discord.abc.GuildChannel | discord.Thread, needed: tuple[str, ...]
) -> list[str]:
    """Return the readable names of the permissions the bot lacks in ``channel``."""
    me = channel.guild.me
    if me is None:
        return []
    permissions = channel.permissions_for(me)
    return [PERMISSION_NAMES.get(name, name) for name in needed if not getattr(permissions, name)]


def posting_permissions(channel: discord.abc.GuildChannel) -> tuple[str, ...]:
    """Return what the bot needs to post and open threads in a text or forum channel."""
    if isinstance(channel, discord.ForumChannel):
        # In a forum, Send Messages is "Create Posts" and every post is a thread.
        return (
            "view_channel",
            "send_messages",
            "embed_links",
            "send_messages_in_threads",
            "manage_threads",
        )
    return POSTING_PERMISSIONS

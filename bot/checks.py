"""Permission decorators: Discord's UI hint and a real check in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

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
        raise NotAllowed("You need the Manage Server permission to do that.")

    def decorator(func: T) -> T:
        func = app_commands.default_permissions(manage_guild=True)(func)  # type: ignore[arg-type]
        func = app_commands.guild_only()(func)  # type: ignore[arg-type]
        return app_commands.check(predicate)(func)  # type: ignore[arg-type,return-value]

    return decorator

"""Point discord.py at the configured REST and gateway URLs: the only two things we patch."""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl

from bot.core.settings import Settings


def apply_discord_urls(settings: Settings) -> None:
    """Set ``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` from the settings."""
    discord.http.Route.BASE = settings.discord_api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)

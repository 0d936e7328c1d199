"""Where the bot talks to: ``DISCORD_API_URL`` (REST) and ``DISCORD_GATEWAY_URL`` (WebSocket).

discord.py keeps both as class attributes (``Route.BASE`` for every REST call, webhooks and
interaction callbacks included; ``DiscordWebSocket.DEFAULT_GATEWAY`` for the first connection),
so they are process-wide: :func:`use_endpoints` sets them and returns what undoes it. Without
``DISCORD_GATEWAY_URL`` the gateway is discord.py's default, except when the REST base is not
Discord's: then that API is asked (``GET /gateway/bot``), as Discord documents it.
"""

from __future__ import annotations

from collections.abc import Callable

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

from bot.config import Settings

DISCORD_API_URL = "https://discord.com/api/v10"


def use_endpoints(settings: Settings) -> Callable[[], None]:
    """Point discord.py at the configured REST base (and gateway, when set); returns the undo."""
    previous = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)

    def restore() -> None:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = previous

    return restore


def asks_for_gateway(settings: Settings) -> bool:
    """Whether the gateway URL must come from the REST API (a custom API and no gateway URL)."""
    return not settings.discord_gateway_url and (
        settings.discord_api_url.rstrip("/") != DISCORD_API_URL
    )


async def use_gateway_of(http: HTTPClient) -> None:
    """Connect to the gateway the REST API names (``GET /gateway/bot``)."""
    _shards, url, _limits = await http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)

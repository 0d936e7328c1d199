"""``swoop run``: every configured surface on one event loop, beside the HTTP server.

Slack in HTTP mode adds ``/slack/events`` to the server; in Socket Mode (``SLACK_APP_TOKEN``) it
connects out. Discord connects to its gateway. ``/healthz`` and ``/metrics`` are always served.
SIGINT/SIGTERM stop everything cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable

from adapters.http import build_http_app, start_http_async
from bot.config import Settings
from bot.processor import QueryProcessor

log = logging.getLogger(__name__)


async def run_platforms_async(settings: Settings, processor: QueryProcessor) -> int:
    """Serve until a signal arrives; returns the exit status."""
    app = build_http_app(processor)
    closers: list[Callable[[], Awaitable[None]]] = []
    tasks: list[asyncio.Task[None]] = []
    surfaces = []
    if settings.slack_configured:
        from adapters.slack import SlackAdapter

        slack = SlackAdapter(processor, settings)
        if settings.slack_app_token is not None:
            await slack.start_socket_mode_async()
            surfaces.append("Slack (Socket Mode)")
        else:
            app.add_routes(slack.http_routes())
            surfaces.append("Slack (HTTP events at /slack/events)")
        closers.append(slack.close_async)
    if settings.discord_configured:
        from adapters.discord import DiscordAdapter

        discord = DiscordAdapter(processor, settings)
        tasks.append(asyncio.create_task(discord.start_async(), name="discord"))
        closers.append(discord.close_async)
        surfaces.append("Discord")
    runner = await start_http_async(app, settings.http_host, settings.http_port)
    print(
        f"Swoop is running: {', '.join(surfaces)}; "
        f"health on http://{settings.http_host}:{settings.http_port}/healthz",
        file=sys.stderr,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    waiters = [asyncio.create_task(stop.wait()), *tasks]
    try:
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        failed = [t for t in done if t is not waiters[0] and t.exception() is not None]
        for task in failed:
            log.error("a surface stopped: %s", task.exception())
        return 1 if failed else 0
    finally:
        for close in reversed(closers):
            with contextlib.suppress(Exception):
                await close()
        for task in waiters:
            task.cancel()
        await runner.cleanup()
        await processor.dispose_async()

"""Swoop on Discord (discord.py 2): slash commands, mentions answered in threads, buttons, 👍/👎.

``DISCORD_TOKEN`` enables it; ``DISCORD_GUILD_IDS`` lists the guilds for instant command sync;
``DISCORD_API_URL`` / ``DISCORD_GATEWAY_URL`` point it elsewhere (the loopback tests do).
"""

import warnings

with warnings.catch_warnings():
    # discord.py imports the stdlib ``audioop`` for voice, which warns on Python 3.11–3.12.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401

from adapters.discord.adapter import DiscordAdapter, sync_commands
from adapters.discord.client import swoop_intents

__all__ = ["DiscordAdapter", "swoop_intents", "sync_commands"]

"""The discord.py client of Swoop: the intents it needs, its slash commands, its event hooks.

Everything it receives goes to the :class:`~adapters.discord.adapter.DiscordAdapter`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord.views import DYNAMIC_ITEMS, OptionButton

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordAdapter

# Swoop uses no voice: spare the logs discord.py's "PyNaCl/davey is not installed" warnings.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False

QUESTION_LIMIT = 1000  # characters of an /ask question (Discord allows string options up to 6000)


def swoop_intents() -> discord.Intents:
    """Only the gateway intents Swoop uses (no members, no presences)."""
    intents = discord.Intents.none()
    intents.guilds = True  # guilds, channels, threads and roles (for role-based admins)
    intents.guild_messages = True  # mentions and thread follow-ups
    intents.dm_messages = True  # direct messages
    intents.message_content = True  # privileged: thread follow-ups carry no mention
    intents.guild_reactions = True  # 👍 / 👎 on answers in guilds
    intents.dm_reactions = True  # ... and in direct messages
    return intents


class SwoopClient(discord.Client):
    """The discord.py client: events and clicks go to the adapter."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(intents=swoop_intents(), **options)
        self.adapter = adapter
        self.tree: app_commands.CommandTree[SwoopClient] = app_commands.CommandTree(self)
        install_commands(self.tree, adapter)

    async def setup_hook(self) -> None:
        # Clicks on buttons sent before a restart still reach their handlers.
        self.add_dynamic_items(*DYNAMIC_ITEMS)

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message_async(message)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.adapter.on_reaction_async(payload, added=True)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self.adapter.on_reaction_async(payload, added=False)

    async def option_chosen_async(
        self, interaction: discord.Interaction[Any], button: OptionButton
    ) -> None:
        await self.adapter.option_chosen_async(interaction, button)

    async def sql_requested_async(
        self, interaction: discord.Interaction[Any], query_id: str
    ) -> None:
        await self.adapter.sql_requested_async(interaction, query_id)


def install_commands(tree: app_commands.CommandTree[SwoopClient], adapter: DiscordAdapter) -> None:
    """``/ask``, ``/swoop-stats`` and ``/swoop-help`` (``manifests/discord.json`` mirrors them).

    They are offered in guilds and in DMs with the bot, for a guild install of the app.
    """
    contexts = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    installs = app_commands.allowed_installs(guilds=True, users=False)

    @tree.command(name="ask", description="Ask Swoop a question about your data")
    @app_commands.describe(question="What you want to know, e.g. “sales by location this month”")
    @contexts
    @installs
    async def ask(
        interaction: discord.Interaction[SwoopClient],
        question: app_commands.Range[str, 1, QUESTION_LIMIT],
    ) -> None:
        await adapter.ask_command_async(interaction, question)

    @tree.command(name="swoop-stats", description="How people rated Swoop's answers (👍 / 👎)")
    @contexts
    @installs
    async def stats(interaction: discord.Interaction[SwoopClient]) -> None:
        await adapter.stats_command_async(interaction)

    @tree.command(name="swoop-help", description="What Swoop can answer, with examples")
    @contexts
    @installs
    async def help_(interaction: discord.Interaction[SwoopClient]) -> None:
        await adapter.help_command_async(interaction)

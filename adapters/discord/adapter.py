"""The Discord bot: slash commands, mentions answered in threads, buttons and 👍/👎 feedback.

:class:`DiscordAdapter` only translates: a mention, a thread message, a slash command or a click
becomes a :class:`~bot.messages.Message` for the :class:`~bot.processor.QueryProcessor`, and its
:class:`~bot.messages.Response` becomes embeds and buttons (``render.py``, ``views.py``). Every
decision — permissions, context, confirmations — is the core's.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

import discord
from discord import app_commands
from discord.ui import View

from adapters.discord.client import SwoopClient
from adapters.discord.delivery import (
    RATING_EMOJI,
    Target,
    add_rating_reactions_async,
    send_answer_async,
)
from adapters.discord.endpoints import asks_for_gateway, use_endpoints, use_gateway_of
from adapters.discord.events import (
    PLATFORM,
    Place,
    mentions_me,
    place_of,
    question_of,
    thread_name,
    to_message,
)
from adapters.discord.render import CONTENT_LIMIT
from adapters.discord.views import OptionButton, disable_options
from bot.config import Settings
from bot.errors import ConfigError
from bot.messages import Response, ResponseKind
from bot.processor import QueryProcessor

log = logging.getLogger(__name__)

RATINGS = dict(zip(RATING_EMOJI, (1, -1), strict=True))
THREAD_ARCHIVE_MINUTES: Literal[60, 1440, 4320, 10080] = 1440  # a day (Discord's choices)
CLOSE_GRACE_S = 10.0  # how long closing waits for questions being answered
ANSWERED_MESSAGE_TYPES = {discord.MessageType.default, discord.MessageType.reply}
COMMANDS_HOW_TO = (
    "On Discord: `/ask` a question, or mention me in a channel and I answer in a thread — "
    "keep asking there without mentioning me."
)

P = ParamSpec("P")
R = TypeVar("R")


def _tracked(
    handler: Callable[Concatenate[DiscordAdapter, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[DiscordAdapter, P], Coroutine[Any, Any, R]]:
    """Count the handler as work in progress, which :meth:`DiscordAdapter.close_async` awaits."""

    @functools.wraps(handler)
    async def run(adapter: DiscordAdapter, /, *args: P.args, **kwargs: P.kwargs) -> R:
        task = asyncio.current_task()
        if task is not None:
            adapter._busy.add(task)
        try:
            return await handler(adapter, *args, **kwargs)
        finally:
            if task is not None:
                adapter._busy.discard(task)

    return run


class DiscordAdapter:
    """Swoop on Discord (discord.py 2): ``start_async`` runs the bot until ``close_async``."""

    def __init__(
        self, processor: QueryProcessor, settings: Settings, *, guild_ready_timeout: float = 2.0
    ) -> None:
        self.processor = processor
        self.settings = settings
        self.client = SwoopClient(self, guild_ready_timeout=guild_ready_timeout)
        self._busy: set[asyncio.Task[Any]] = set()
        # Reaction events are handled in arrival order (a quick 👍 then un-👍 must end unrated).
        self._feedback_order = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start_async(self) -> None:
        """Log in and stay connected to the gateway (reconnecting) until :meth:`close_async`."""
        token = self._token()
        restore = use_endpoints(self.settings)
        try:
            await self.client.login(token)
            if asks_for_gateway(self.settings):
                await use_gateway_of(self.client.http)
            await self.client.connect(reconnect=True)
        finally:
            await self.client.close()
            restore()

    async def close_async(self) -> None:
        """Finish the answers under way (up to ``CLOSE_GRACE_S``), then disconnect."""
        busy = self._busy - {asyncio.current_task()}
        if busy:
            await asyncio.wait(busy, timeout=CLOSE_GRACE_S)
        await self.client.close()

    async def sync_commands_async(self) -> list[app_commands.AppCommand]:
        """Register the commands: in each of ``DISCORD_GUILD_IDS`` (instant), else globally."""
        token = self._token()
        restore = use_endpoints(self.settings)
        tree = self.client.tree
        synced: list[app_commands.AppCommand] = []
        try:
            await self.client.login(token)
            if not self.settings.discord_guild_ids:
                return await tree.sync()
            for guild_id in self.settings.discord_guild_ids:
                guild = discord.Object(id=guild_id)
                tree.copy_global_to(guild=guild)
                synced.extend(await tree.sync(guild=guild))
            return synced
        finally:
            await self.client.close()
            restore()

    def _token(self) -> str:
        if self.settings.discord_token is None:
            raise ConfigError("DISCORD_TOKEN is not set.", hint="Set it to the bot's token.")
        return self.settings.discord_token.get_secret_value()

    # -- messages: mentions, thread follow-ups, DMs ------------------------------------------

    @_tracked
    async def on_message_async(self, message: discord.Message) -> None:
        """Answer a DM, a mention (in a new thread) or a message in a thread Swoop is part of."""
        me = self.client.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return  # Swoop's own answers and other bots are never questions
        if message.type not in ANSWERED_MESSAGE_TYPES:
            return
        text = question_of(message, me.id)
        guild_id = message.guild.id if message.guild is not None else None
        place = place_of(message.channel, guild_id, message.channel.id)
        target: discord.abc.Messageable = message.channel
        reference: discord.Message | None = None
        new_thread = False
        if (
            guild_id is not None
            and not mentions_me(message, me.id)
            and not (place.is_thread and await self._in_conversation(place, message, me.id))
        ):
            return  # in a guild: a mention, or a thread Swoop takes part in
        if not await self.processor.store.mark_event_seen_async(PLATFORM, f"msg:{message.id}"):
            return  # another replica (or a replayed event) has it
        if guild_id is not None and not place.is_thread:
            try:
                thread = await message.create_thread(
                    name=thread_name(text), auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
            except discord.HTTPException as exc:
                log.warning("could not start a thread (%s); answering in the channel", exc)
                reference = message
            else:
                place, target, new_thread = place_of(thread, guild_id, thread.id), thread, True
        question = to_message(place, message.author, text, self.settings, message_id=message.id)
        with contextlib.suppress(discord.HTTPException):
            await target.typing()  # shows "Swoop is typing…" for up to 10 s
        response = await self.processor.process_query_async(question)
        await self._answer_async(
            target,
            response,
            asker_id=message.author.id,
            reference=reference,
            mention=new_thread,  # pings the asker, which adds them to the thread
        )

    async def _in_conversation(self, place: Place, message: discord.Message, me_id: int) -> bool:
        """Whether Swoop takes part in this thread: it made it, or it has answered in it."""
        channel = message.channel
        if isinstance(channel, discord.Thread) and channel.owner_id == me_id:
            return True
        key = to_message(place, message.author, "", self.settings).key
        return await self.processor.in_conversation_async(key)

    # -- slash commands ----------------------------------------------------------------------

    @_tracked
    async def ask_command_async(self, interaction: discord.Interaction[Any], question: str) -> None:
        """``/ask``: acknowledge at once (Discord allows 3 s), answer with a follow-up."""
        await interaction.response.defer(thinking=True)
        message = to_message(
            _interaction_place(interaction),
            interaction.user,
            question,
            self.settings,
            message_id=interaction.id,
        )
        response = await self.processor.process_query_async(message)
        await self._answer_async(interaction, response, asker_id=interaction.user.id)

    @_tracked
    async def stats_command_async(self, interaction: discord.Interaction[Any]) -> None:
        """``/swoop-stats``: feedback statistics, shown only to whoever asked."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        response = await self.processor.feedback_stats_response_async()
        await self._answer_async(
            interaction, response, asker_id=interaction.user.id, ephemeral=True
        )

    @_tracked
    async def help_command_async(self, interaction: discord.Interaction[Any]) -> None:
        """``/swoop-help``: examples, shown only to whoever asked."""
        await interaction.response.defer(thinking=True, ephemeral=True)
        response = await self.processor.help_response_async()
        response = replace(response, text=f"{response.text}\n\n{COMMANDS_HOW_TO}")
        await self._answer_async(
            interaction, response, asker_id=interaction.user.id, ephemeral=True
        )

    # -- buttons -----------------------------------------------------------------------------

    @_tracked
    async def option_chosen_async(
        self, interaction: discord.Interaction[Any], button: OptionButton
    ) -> None:
        """A clarification option or Confirm/Cancel: only the asker; disabled once used."""
        if interaction.user.id != button.asker_id:
            await interaction.response.send_message(
                f"Only <@{button.asker_id}> can choose here. Ask your own question with `/ask` "
                "or by mentioning me.",
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            return
        view = button.view
        if isinstance(view, View):
            await interaction.response.edit_message(view=disable_options(view, button.custom_id))
        else:
            await interaction.response.defer()
        message = to_message(
            _interaction_place(interaction),
            interaction.user,
            button.value,
            self.settings,
            message_id=interaction.id,
        )
        response = await self.processor.process_query_async(message)
        await self._answer_async(interaction, response, asker_id=interaction.user.id)

    @_tracked
    async def sql_requested_async(
        self, interaction: discord.Interaction[Any], query_id: str
    ) -> None:
        """The "Show SQL" button: the statement as run, to the clicker only (long: a file)."""
        record = await self.processor.store.get_query_async(query_id)
        sql = record.sql if record is not None else None
        if not sql:
            await interaction.response.send_message("No SQL for that answer.", ephemeral=True)
            return
        block = f"```sql\n{sql}\n```"
        if len(block) <= CONTENT_LIMIT:
            await interaction.response.send_message(block, ephemeral=True)
            return
        file = discord.File(io.BytesIO(sql.encode()), filename=f"swoop-{query_id}.sql")
        await interaction.response.send_message("The SQL, as run:", file=file, ephemeral=True)

    # -- feedback ----------------------------------------------------------------------------

    @_tracked
    async def on_reaction_async(
        self, payload: discord.RawReactionActionEvent, *, added: bool
    ) -> None:
        """👍 / 👎 on one of Swoop's answers: recorded per user; removing it removes the rating."""
        me = self.client.user
        if me is None or payload.user_id == me.id:
            return  # Swoop's own reactions (added so that a click is enough) never count
        if payload.member is not None and payload.member.bot:
            return
        author = payload.message_author_id
        if author is not None and author != me.id:
            return
        rating = RATINGS.get(_base_emoji(payload.emoji.name or ""))
        if rating is None:
            return
        async with self._feedback_order:
            await self.processor.feedback_on_answer_async(
                PLATFORM, str(payload.message_id), str(payload.user_id), rating, added=added
            )

    # -- answering ---------------------------------------------------------------------------

    async def _answer_async(
        self,
        target: Target,
        response: Response,
        *,
        asker_id: int,
        ephemeral: bool = False,
        reference: discord.Message | None = None,
        mention: bool = False,
    ) -> None:
        """Send the answer, tie it to its query (for reactions) and invite a rating."""
        first = await send_answer_async(
            target,
            response,
            asker_id=asker_id,
            ephemeral=ephemeral,
            reference=reference,
            mention=mention,
        )
        if first is None or ephemeral or response.query_id is None:
            return
        await self.processor.remember_answer_async(response.query_id, str(first.id))
        if response.kind is ResponseKind.DATA:
            await add_rating_reactions_async(first)


async def sync_commands(settings: Settings) -> str:
    """``swoop discord-sync``: register the slash commands; returns where, in words."""
    processor = QueryProcessor(settings)  # not used to sync; the adapter needs one
    try:
        synced = await DiscordAdapter(processor, settings).sync_commands_async()
    finally:
        await processor.dispose_async()
    guilds = settings.discord_guild_ids
    where = f"in guild {', '.join(map(str, guilds))}" if guilds else "globally"
    return f"{where}: " + ", ".join(sorted(f"/{command.name}" for command in synced))


def _interaction_place(interaction: discord.Interaction[Any]) -> Place:
    channel_id = interaction.channel_id or interaction.user.id
    return place_of(interaction.channel, interaction.guild_id, channel_id)


def _base_emoji(name: str) -> str:
    """👍🏽 counts as 👍: skin tones and the emoji variation selector are dropped."""
    return "".join(ch for ch in name if not (0x1F3FB <= ord(ch) <= 0x1F3FF or ch == "\ufe0f"))

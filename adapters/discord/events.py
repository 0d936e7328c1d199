"""Discord events as neutral :class:`~bot.messages.Message` objects, parsed once at the edge.

Where a conversation lives: a thread (Swoop's own or any other) is one conversation for everyone
in it; a direct message channel is one; in a plain guild channel (``/ask`` there, or a mention
where no thread could be made) each person has their own. The location scope is looked up for
the channel, then its parent channel, then the guild (DMs: ``discord:dm``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import discord

from bot.config import Settings
from bot.messages import Message

PLATFORM = "discord"
DM_PLACE = "dm"
# https://discord.com/developers/docs/resources/channel#start-thread-from-message (name 1–100)
THREAD_NAME_LIMIT = 100
THREAD_NAME_FALLBACK = "Swoop"


@dataclass(frozen=True)
class Place:
    """Where something was said: guild (None in DMs), channel, and a thread's parent channel."""

    guild_id: int | None
    channel_id: int
    parent_id: int | None = None
    is_thread: bool = False

    def conversation(self, user_id: int) -> tuple[str, str, str]:
        """(workspace, channel, thread) of the conversation ``user_id`` takes part in here."""
        channel = str(self.channel_id)
        if self.guild_id is None:
            return DM_PLACE, channel, channel
        if self.is_thread:
            return str(self.guild_id), channel, channel
        return str(self.guild_id), channel, f"{channel}:{user_id}"

    def scope(self, settings: Settings) -> tuple[int | str, ...] | None:
        """The locations this place may see (SWOOP_LOCATION_SCOPES), most specific entry first."""
        if self.guild_id is None:
            return settings.scope_for(PLATFORM, DM_PLACE)
        places = (self.channel_id, self.parent_id, self.guild_id)
        return settings.scope_for(PLATFORM, *(str(p) for p in places if p is not None))


def place_of(channel: Any, guild_id: int | None, channel_id: int) -> Place:
    """The place of a channel object as discord.py resolved it (a Thread, a TextChannel, ...)."""
    if isinstance(channel, discord.Thread):
        return Place(guild_id, channel.id, channel.parent_id, is_thread=True)
    return Place(guild_id, channel_id)


def to_message(
    place: Place,
    user: discord.abc.User,
    text: str,
    settings: Settings,
    *,
    message_id: int | None = None,
) -> Message:
    """A neutral message; a member's role ids become ``user_groups`` (``discord-role:`` admins)."""
    workspace, channel, thread = place.conversation(user.id)
    roles = tuple(str(role.id) for role in user.roles) if isinstance(user, discord.Member) else ()
    return Message(
        platform=PLATFORM,
        workspace=workspace,
        channel=channel,
        thread=thread,
        user=str(user.id),
        text=text,
        message_id=None if message_id is None else str(message_id),
        user_groups=roles,
        scope=place.scope(settings),
    )


def mentions_me(message: discord.Message, me_id: int) -> bool:
    """Whether ``message`` names the bot: its user, or its managed role (never @everyone)."""
    if me_id in message.raw_mentions:
        return True
    role = message.guild.self_role if message.guild is not None else None
    return role is not None and role.id in message.raw_role_mentions


def question_of(message: discord.Message, me_id: int) -> str:
    """The message text without the mentions of the bot, whitespace tidied."""
    patterns = [rf"<@!?{me_id}>"]
    role = message.guild.self_role if message.guild is not None else None
    if role is not None:
        patterns.append(rf"<@&{role.id}>")
    return " ".join(re.sub("|".join(patterns), " ", message.content).split())


def thread_name(question: str) -> str:
    """A thread title from the question (at most 100 characters)."""
    name = " ".join(question.split())
    if len(name) > THREAD_NAME_LIMIT:
        name = name[: THREAD_NAME_LIMIT - 1].rstrip() + "…"
    return name or THREAD_NAME_FALLBACK

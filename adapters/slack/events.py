"""Slack payloads → neutral objects, once, at the edge.

A message event becomes a :class:`Question` (or nothing, for bots, edits and chatter), a reaction a
:class:`ReactionFeedback`, a button click a :class:`ButtonClick`, ``/swoop`` a :class:`Command`.
Pure functions: no I/O, so every rule here is easy to test and to read.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum

from adapters.slack.payloads import (
    Block,
    BlockActionsPayload,
    MessageEvent,
    ReactionEvent,
    SlashCommand,
)
from adapters.slack.render import OPTION_ACTION
from bot.config import Settings
from bot.messages import Message

PLATFORM = "slack"
# Message subtypes that are still a person talking (https://docs.slack.dev/reference/events/message)
PERSON_SUBTYPES = frozenset({"thread_broadcast", "file_share"})
# 👍 / 👎 under all their names; skin tones ("+1::skin-tone-2") count as the base emoji.
FEEDBACK_REACTIONS = {"+1": 1, "thumbsup": 1, "-1": -1, "thumbsdown": -1}
ANY_MENTION = re.compile(r"<@[UW][A-Z0-9_]+(?:\|[^>]*)?>")
HELP_WORDS = frozenset({"", "help", "?", "examples"})
STATS_WORDS = frozenset({"stats", "feedback", "feedback stats"})


class Trigger(StrEnum):
    """Why a message is a question for Swoop."""

    MENTION = "mention"  # @Swoop anywhere
    DIRECT = "direct"  # a direct message
    THREAD = "thread"  # a reply without a mention: only in threads Swoop is part of


@dataclass(frozen=True)
class Question:
    message: Message
    ts: str  # the question's own message (👀 goes there)
    trigger: Trigger


@dataclass(frozen=True)
class ReactionFeedback:
    answer_ref: str  # "{channel}:{ts}" of the message reacted to
    user: str
    rating: int  # +1 or -1: the reaction's meaning
    added: bool = True  # False: the reaction was taken back


@dataclass(frozen=True)
class ButtonClick:
    message: Message  # text = the button's value, from the person who clicked
    label: str
    channel: str
    message_ts: str  # the message whose button was clicked
    original_text: str
    original_blocks: list[Block]
    ephemeral: bool
    response_url: str | None
    click_id: str  # unique per click, for de-duplication


@dataclass(frozen=True)
class Command:
    verb: str  # help, stats, ask
    text: str
    user: str
    channel: str
    team: str
    response_url: str | None


def mention_pattern(bot_user_id: str) -> re.Pattern[str]:
    return re.compile(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>")


def clean_text(text: str, bot_user_id: str | None) -> str:
    """The question without Swoop's mention, Slack's escaping, or extra whitespace."""
    if bot_user_id:
        text = mention_pattern(bot_user_id).sub(" ", text)
    return " ".join(html.unescape(text).split())


def question_from_event(
    event: MessageEvent, *, team: str, bot_user_id: str | None, settings: Settings
) -> Question | None:
    """A ``message`` or ``app_mention`` event as a question, or None when it is not one."""
    subtype = event.get("subtype")
    user, channel, ts = event.get("user"), event.get("channel"), event.get("ts")
    if event.get("bot_id") or (subtype is not None and subtype not in PERSON_SUBTYPES):
        return None
    if not user or not channel or not ts or user == bot_user_id:
        return None
    text = event.get("text", "")
    thread_ts = event.get("thread_ts")
    mentioned = bool(bot_user_id) and mention_pattern(str(bot_user_id)).search(text) is not None
    if event.get("type") == "app_mention" or mentioned:
        trigger = Trigger.MENTION
    elif event.get("channel_type") == "im":
        trigger = Trigger.DIRECT
    elif thread_ts and thread_ts != ts and not ANY_MENTION.search(text):
        trigger = Trigger.THREAD  # (a reply that names someone else is meant for them)
    else:
        return None
    cleaned = clean_text(text, bot_user_id)
    if trigger is Trigger.THREAD and not cleaned:
        return None  # a bare file or emoji in the thread is not a question
    message = Message(
        platform=PLATFORM,
        workspace=team or event.get("team", ""),
        channel=channel,
        thread=thread_ts or ts,
        user=user,
        text=cleaned,
        message_id=ts,
        scope=settings.scope_for(PLATFORM, channel),
    )
    return Question(message, ts, trigger)


def feedback_from_reaction(
    event: ReactionEvent, bot_user_id: str | None
) -> ReactionFeedback | None:
    """👍/👎 added or removed on a message (by a person, on a message of Swoop's), else None."""
    item = event.get("item", {})
    base = event.get("reaction", "").split("::", 1)[0]
    user = event.get("user")
    rating = FEEDBACK_REACTIONS.get(base)
    if rating is None or item.get("type") != "message" or not user or user == bot_user_id:
        return None
    author = event.get("item_user")
    if author and bot_user_id and author != bot_user_id:
        return None  # someone else's message: not an answer, no need to ask the store
    channel, ts = item.get("channel"), item.get("ts")
    if not channel or not ts:
        return None
    return ReactionFeedback(
        f"{channel}:{ts}", user, rating, added=event.get("type") == "reaction_added"
    )


def click_from_payload(payload: BlockActionsPayload, settings: Settings) -> ButtonClick | None:
    """A click on one of Swoop's option buttons as the message it stands for."""
    actions = [a for a in payload.get("actions", []) if OPTION_ACTION.match(a.get("action_id", ""))]
    user = payload.get("user", {}).get("id")
    container = payload.get("container", {})
    original = payload.get("message", {})
    channel = container.get("channel_id") or payload.get("channel", {}).get("id")
    message_ts = container.get("message_ts") or original.get("ts")
    if not actions or not user or not channel or not message_ts:
        return None
    action = actions[0]
    value = action.get("value", "")
    label = action.get("text", {}).get("text", value)
    team = payload.get("team", {}).get("id") or payload.get("user", {}).get("team_id", "")
    thread = original.get("thread_ts") or container.get("thread_ts") or message_ts
    message = Message(
        platform=PLATFORM,
        workspace=team,
        channel=channel,
        thread=thread,
        user=user,
        text=value,
        message_id=message_ts,
        scope=settings.scope_for(PLATFORM, channel),
    )
    return ButtonClick(
        message=message,
        label=label,
        channel=channel,
        message_ts=message_ts,
        original_text=original.get("text", ""),
        original_blocks=list(original.get("blocks", [])),
        ephemeral=bool(container.get("is_ephemeral")),
        response_url=payload.get("response_url"),
        click_id=f"click:{channel}:{message_ts}:{user}:{action.get('action_ts', '')}",
    )


def command_from_payload(payload: SlashCommand) -> Command:
    """``/swoop``, ``/swoop help``, ``/swoop stats`` or ``/swoop <question>``."""
    text = clean_text(payload.get("text", ""), None)
    word = text.lower().rstrip("!.")
    verb = "help" if word in HELP_WORDS else "stats" if word in STATS_WORDS else "ask"
    return Command(
        verb=verb,
        text=text,
        user=payload.get("user_id", ""),
        channel=payload.get("channel_id", ""),
        team=payload.get("team_id", ""),
        response_url=payload.get("response_url"),
    )

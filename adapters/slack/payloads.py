"""The Slack wire payloads Swoop reads, as TypedDicts (only the keys it uses).

Shapes from https://docs.slack.dev/reference/events (event_callback, message, app_mention,
reaction_added/removed), https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
and https://docs.slack.dev/interactivity/implementing-slash-commands. They are parsed once, in
:mod:`adapters.slack.events`; the rest of the adapter handles neutral objects.
"""

from __future__ import annotations

from typing import Any, TypedDict

Block = dict[str, Any]  # one Block Kit block, as sent to and received from Slack


class MessageEvent(TypedDict, total=False):
    """``message`` (channels, groups, DMs) and ``app_mention`` events."""

    type: str
    subtype: str  # absent for a person's message; bot_message, message_changed, ...
    channel: str
    channel_type: str  # im, mpim, channel, group (absent on app_mention)
    user: str
    bot_id: str
    text: str
    ts: str
    thread_ts: str
    team: str


class ReactionItem(TypedDict, total=False):
    type: str  # message, file, file_comment
    channel: str
    ts: str


class ReactionEvent(TypedDict, total=False):
    """``reaction_added`` / ``reaction_removed``."""

    type: str
    user: str
    reaction: str  # "+1", "thumbsup", "+1::skin-tone-2", ...
    item_user: str  # who wrote the message reacted to
    item: ReactionItem
    event_ts: str


class EventCallback(TypedDict, total=False):
    """The Events API envelope (HTTP body, or the Socket Mode envelope's payload)."""

    type: str  # event_callback
    team_id: str
    api_app_id: str
    event: dict[str, Any]  # a MessageEvent or a ReactionEvent, told apart by event["type"]
    event_id: str
    event_time: int


class PlainText(TypedDict, total=False):
    type: str
    text: str


class ButtonAction(TypedDict, total=False):
    type: str  # button
    action_id: str
    block_id: str
    value: str
    text: PlainText
    action_ts: str


class ActionUser(TypedDict, total=False):
    id: str
    username: str
    team_id: str


class ActionTeam(TypedDict, total=False):
    id: str


class ActionChannel(TypedDict, total=False):
    id: str


class ActionContainer(TypedDict, total=False):
    type: str  # message
    message_ts: str
    channel_id: str
    is_ephemeral: bool
    thread_ts: str


class ActionMessage(TypedDict, total=False):
    ts: str
    thread_ts: str
    text: str
    blocks: list[Block]


class BlockActionsPayload(TypedDict, total=False):
    """A button click on one of Swoop's messages (interactivity, ``type: block_actions``)."""

    type: str
    user: ActionUser
    team: ActionTeam
    channel: ActionChannel
    container: ActionContainer
    message: ActionMessage
    actions: list[ButtonAction]
    response_url: str


class SlashCommand(TypedDict, total=False):
    """The form body of a slash command invocation (``/swoop ...``)."""

    command: str
    text: str
    user_id: str
    channel_id: str
    team_id: str
    response_url: str

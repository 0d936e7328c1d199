"""Buttons that survive a restart: clarification options, Confirm/Cancel, and "Show SQL".

Every button is a :class:`discord.ui.DynamicItem` whose ``custom_id`` carries all it needs
(``swoop:opt:<asker id>:<Option.value>``, ``swoop:sql:<query id>``), so a restarted bot that
registered the item classes routes a click on an old message. What a click does is the
adapter's (:class:`ButtonHandler`); this module only builds, parses and disables buttons.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol, runtime_checkable

import discord
from discord.ui import Button, DynamicItem, View

from bot.messages import Response, ResponseKind

log = logging.getLogger(__name__)

# https://discord.com/developers/docs/components/reference#button (custom_id 100, label 80) and
# #action-row (5 buttons a row, 5 rows a message).
CUSTOM_ID_LIMIT = 100
LABEL_LIMIT = 80
BUTTONS_PER_MESSAGE = 25

OPTION_PREFIX = "swoop:opt:"
SQL_PREFIX = "swoop:sql:"
STYLES = {"confirm": discord.ButtonStyle.success, "cancel": discord.ButtonStyle.secondary}


@runtime_checkable
class ButtonHandler(Protocol):
    """What the client behind a click does (the adapter's client implements it)."""

    async def option_chosen_async(
        self, interaction: discord.Interaction[Any], button: OptionButton
    ) -> None: ...

    async def sql_requested_async(
        self, interaction: discord.Interaction[Any], query_id: str
    ) -> None: ...


def _handler(interaction: discord.Interaction[Any]) -> ButtonHandler | None:
    client = interaction.client
    return client if isinstance(client, ButtonHandler) else None


class OptionButton(
    DynamicItem[Button[View]], template=re.escape(OPTION_PREFIX) + r"(?P<asker>\d+):(?P<value>.+)"
):
    """A clarification option or Confirm/Cancel; only ``asker_id`` may press it."""

    def __init__(
        self,
        asker_id: int,
        value: str,
        label: str = "",
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
    ) -> None:
        button: Button[View] = Button(
            label=label[:LABEL_LIMIT] or value[:LABEL_LIMIT],
            style=style,
            custom_id=f"{OPTION_PREFIX}{asker_id}:{value}",
        )
        super().__init__(button)
        self.asker_id = asker_id
        self.value = value

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> OptionButton:
        if isinstance(item, Button):
            return cls(int(match["asker"]), match["value"], item.label or "", item.style)
        return cls(int(match["asker"]), match["value"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler = _handler(interaction)
        if handler is not None:
            await handler.option_chosen_async(interaction, self)


class SqlButton(DynamicItem[Button[View]], template=re.escape(SQL_PREFIX) + r"(?P<query_id>\w+)"):
    """Shows the SQL behind an answer, only to whoever asks (an ephemeral reply)."""

    def __init__(self, query_id: str) -> None:
        super().__init__(
            Button(
                label="Show SQL",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{SQL_PREFIX}{query_id}",
            )
        )
        self.query_id = query_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SqlButton:
        return cls(match["query_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler = _handler(interaction)
        if handler is not None:
            await handler.sql_requested_async(interaction, self.query_id)


DYNAMIC_ITEMS: tuple[type[DynamicItem[Any]], ...] = (OptionButton, SqlButton)


def answer_view(response: Response, asker_id: int) -> View | None:
    """The buttons of an answer: its options (for the asker only) and "Show SQL" for data."""
    view = View(timeout=None)
    show_sql = response.kind is ResponseKind.DATA and bool(response.sql and response.query_id)
    room = BUTTONS_PER_MESSAGE - (1 if show_sql else 0)
    for option in response.options[:room]:
        if len(f"{OPTION_PREFIX}{asker_id}:{option.value}") > CUSTOM_ID_LIMIT:
            log.warning("option %r has too long a value for a button; it stays typed", option.label)
            continue
        style = STYLES.get(option.value.rpartition(":")[2], discord.ButtonStyle.primary)
        view.add_item(OptionButton(asker_id, option.value, option.label, style))
    if show_sql and response.query_id:
        view.add_item(SqlButton(response.query_id))
    return view if view.children else None


def disable_options(view: View, chosen_custom_id: str) -> View:
    """The same buttons, options disabled and the chosen one highlighted; "Show SQL" stays."""
    for child in view.children:
        button = child.item if isinstance(child, DynamicItem) else child
        if not isinstance(button, Button) or not (button.custom_id or "").startswith(OPTION_PREFIX):
            continue
        button.disabled = True
        if button.custom_id != chosen_custom_id:
            button.style = discord.ButtonStyle.secondary
    view.stop()  # a finished view is not kept in discord.py's view store
    return view

"""The platform-neutral message and response model shared by every adapter and the core.

Adapters parse platform events into a :class:`Message` once, at the edge; the core answers with a
:class:`Response` that each adapter renders natively (Block Kit, embeds, a rich table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.errors import ErrorTypes
from bot.state import ConversationKey


@dataclass(frozen=True)
class Message:
    """One message to Swoop: where it was said, by whom, and what."""

    platform: str  # slack, discord, terminal
    workspace: str
    channel: str
    thread: str
    user: str
    text: str
    message_id: str | None = None
    user_groups: tuple[str, ...] = ()  # Slack user groups / Discord roles, for permissions
    scope: tuple[int | str, ...] | None = None  # locations this conversation may see (None: all)

    @property
    def key(self) -> ConversationKey:
        return ConversationKey(self.platform, self.workspace, self.channel, self.thread)


class ResponseKind(StrEnum):
    DATA = "data"
    CLARIFICATION = "clarification"
    CONFIRMATION = "confirmation"
    ACTION = "action"
    ERROR = "error"
    HELP = "help"


@dataclass(frozen=True)
class Column:
    name: str
    format: str | None = None  # money, count, number, percent, text, ...


@dataclass(frozen=True)
class Table:
    """A result table: typed columns and plain Python values (numbers stay numbers)."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Option:
    """A choice offered with a clarification or confirmation; ``value`` is what a click sends."""

    label: str
    value: str


@dataclass(frozen=True)
class Response:
    """What Swoop answers, before any platform renders it."""

    kind: ResponseKind
    text: str
    table: Table | None = None
    options: tuple[Option, ...] = ()
    sql: str | None = None
    query_id: str | None = None
    hint: str | None = None
    error_type: ErrorTypes | None = None
    timing_ms: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    explanation: str | None = None  # one line: what the answer counted, when, how (data answers)
    unused: tuple[str, ...] = ()  # the question's words the answer did not use

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` shape of DESIGN.md: type, text, sql, columns, rows, options, query_id,
        explanation and unused (present for every kind: ``null`` and ``[]`` when there are none).
        """
        return {
            "type": self.kind.value,
            "text": self.text,
            "sql": self.sql,
            "columns": self.table.column_names if self.table else [],
            "rows": [list(row) for row in self.table.rows] if self.table else [],
            "options": [{"label": o.label, "value": o.value} for o in self.options],
            "query_id": self.query_id,
            "explanation": self.explanation or None,
            "unused": list(self.unused),
            **({"hint": self.hint} if self.hint else {}),
            **({"error_type": self.error_type.value} if self.error_type else {}),
        }

"""What an action will do (:class:`ActionPreview`) and what it did (:class:`ActionOutcome`).

A preview is plain data that round-trips through JSON, so it can wait in the state store for a
confirmation; it names every row it changes with the value it holds now and the value it gets,
which is also what the change verifies when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from bot.actions.request import Operation
from bot.formatting import format_value

Value = float | int | bool | str | None
RowId = int | str


@dataclass(frozen=True)
class RowChange:
    """One row: its id, how answers name it, its location (if any), and the value before/after."""

    id: RowId
    name: str
    location: str | None
    before: Value
    after: Value

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "location": self.location,
            "before": self.before,
            "after": self.after,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RowChange:
        return cls(
            data["id"], str(data["name"]), data.get("location"), data["before"], data["after"]
        )

    def inverse(self) -> RowChange:
        return replace(self, before=self.after, after=self.before)


@dataclass(frozen=True)
class ValueFormat:
    """How the values of one column read: money, a number with ``decimals``, or on / off."""

    format: str = "number"  # money | number | toggle
    decimals: int = 2
    on: Value = None
    off: Value = None

    def __call__(self, value: Value) -> str:
        if self.format == "toggle":
            return "on" if value == self.on else "off" if value == self.off else str(value)
        if self.format == "money":
            return format_value(value, "money")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{Decimal(str(value)):,.{self.decimals}f}"
        return format_value(value)


@dataclass(frozen=True)
class ActionPreview:
    """Exactly what one confirmed action will change, row by row."""

    action: str  # set_price, adjust_price, disable, enable
    operation: Operation
    table: str
    column: str
    key: str  # the primary key column the changes' ids are values of
    label: str  # the column's words in answers ("price")
    item_label: str  # one row of the table in answers ("item")
    description: str  # "Set the price of Club Sandwich to $14.50"
    changes: tuple[RowChange, ...]
    value_format: ValueFormat = ValueFormat()
    scope: tuple[RowId, ...] | None = None
    text: str = ""  # the request as typed

    @property
    def row_count(self) -> int:
        return len(self.changes)

    def as_table(self) -> tuple[list[str], list[list[str]]]:
        """Columns and rows showing each change as before → after, values formatted."""
        show = self.value_format
        located = any(c.location for c in self.changes)
        columns = [
            self.item_label.capitalize(),
            *(["Location"] if located else []),
            "Before",
            "After",
        ]
        rows = [
            [c.name, *([c.location or ""] if located else []), show(c.before), show(c.after)]
            for c in self.changes
        ]
        return columns, rows

    def inverse(self) -> ActionPreview:
        """The preview of undoing this one: every row back from ``after`` to ``before``."""
        return replace(
            self,
            changes=tuple(c.inverse() for c in self.changes),
            description=f"Undo: {self.description[:1].lower()}{self.description[1:]}",
        )

    def to_dict(self) -> dict[str, Any]:
        fmt = self.value_format
        return {
            "action": self.action,
            "operation": self.operation.value,
            "table": self.table,
            "column": self.column,
            "key": self.key,
            "label": self.label,
            "item_label": self.item_label,
            "description": self.description,
            "changes": [c.to_dict() for c in self.changes],
            "format": {
                "format": fmt.format,
                "decimals": fmt.decimals,
                "on": fmt.on,
                "off": fmt.off,
            },
            "scope": None if self.scope is None else list(self.scope),
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ActionPreview:
        fmt = data.get("format") or {}
        scope = data.get("scope")
        return cls(
            action=str(data["action"]),
            operation=Operation(data["operation"]),
            table=str(data["table"]),
            column=str(data["column"]),
            key=str(data["key"]),
            label=str(data["label"]),
            item_label=str(data["item_label"]),
            description=str(data["description"]),
            changes=tuple(RowChange.from_dict(c) for c in data["changes"]),
            value_format=ValueFormat(
                str(fmt.get("format", "number")),
                int(fmt.get("decimals", 2)),
                fmt.get("on"),
                fmt.get("off"),
            ),
            scope=None if scope is None else tuple(scope),
            text=str(data.get("text", "")),
        )


@dataclass(frozen=True)
class ActionOutcome:
    """What a run changed: the preview it carried out, rows touched, time taken."""

    preview: ActionPreview
    rowcount: int
    elapsed_ms: float
    undo: bool = False

    @property
    def changes(self) -> tuple[RowChange, ...]:
        return self.preview.changes

    @property
    def description(self) -> str:
        return self.preview.description

    def to_dict(self) -> dict[str, Any]:
        return {
            "preview": self.preview.to_dict(),
            "rowcount": self.rowcount,
            "elapsed_ms": self.elapsed_ms,
            "undo": self.undo,
        }

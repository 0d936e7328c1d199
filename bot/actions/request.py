"""What a person asked to change: an :class:`ActionRequest`, or a question back about it.

Both are plain data that round-trip through JSON (``to_dict`` / ``from_dict``), so a request can
wait in the state store while the person picks an option of a clarification.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Operation(StrEnum):
    """What happens to the column: a new value, a relative change, or a switch off / on."""

    SET = "set"
    ADJUST = "adjust"
    DISABLE = "disable"
    ENABLE = "enable"


# The operations each kind of catalogued column supports.
KIND_OPERATIONS: dict[str, frozenset[Operation]] = {
    "number": frozenset({Operation.SET, Operation.ADJUST}),
    "toggle": frozenset({Operation.DISABLE, Operation.ENABLE}),
}


def action_name(operation: Operation, column: str, kind: str) -> str:
    """A short machine name: ``set_price``, ``adjust_price``, ``disable``, ``enable``."""
    return f"{operation.value}_{column}" if kind == "number" else operation.value


@dataclass(frozen=True)
class ActionRequest:
    """Change ``column`` of the ``table`` rows named ``names`` (values of ``match_table``'s name).

    ``match_table`` is ``table`` itself or its catalogued group ("burger prices" names the
    Burgers category, which stands for its items). ``amount`` is the new value for
    :attr:`Operation.SET` and the signed change for :attr:`Operation.ADJUST` (a percentage
    when ``percent``); toggles have none.
    """

    operation: Operation
    table: str
    column: str
    kind: str  # number | toggle (the catalogue entry's kind)
    match_table: str
    names: tuple[str, ...]
    amount: float | None = None
    percent: bool = False
    label: str = ""  # how a clarification names this choice ("Grilled Chicken Salad")
    text: str = ""  # the request as typed

    @property
    def action(self) -> str:
        return action_name(self.operation, self.column, self.kind)

    @property
    def is_group(self) -> bool:
        return self.match_table != self.table

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation.value,
            "table": self.table,
            "column": self.column,
            "kind": self.kind,
            "match_table": self.match_table,
            "names": list(self.names),
            "amount": self.amount,
            "percent": self.percent,
            "label": self.label,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ActionRequest:
        amount = data.get("amount")
        return cls(
            operation=Operation(data["operation"]),
            table=str(data["table"]),
            column=str(data["column"]),
            kind=str(data["kind"]),
            match_table=str(data["match_table"]),
            names=tuple(str(n) for n in data["names"]),
            amount=None if amount is None else float(amount),
            percent=bool(data.get("percent", False)),
            label=str(data.get("label", "")),
            text=str(data.get("text", "")),
        )


@dataclass(frozen=True)
class ActionClarification:
    """Several things match the request; each option is the request for one of them."""

    question: str
    options: tuple[ActionRequest, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "options": [o.to_dict() for o in self.options]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ActionClarification:
        return cls(
            question=str(data["question"]),
            options=tuple(ActionRequest.from_dict(o) for o in data["options"]),
        )

"""What a person asked to change: an :class:`ActionRequest`, or a question back about it.

Both are plain data that round-trip through JSON (``to_dict`` / ``from_dict``, typed records of
:mod:`bot.records`), so a request can wait in the state store while the person picks an option of
a clarification; a waiting clarification written by another version of Swoop is refused
(:class:`~bot.errors.StaleRecordError`) rather than misread.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Literal

from bot.records import Record, load_part, load_record


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

    Which rows are meant: ``names`` are alternatives for one phrase when ``alternatives`` ("the
    salad": one of six), else each names its rows; ``every`` says the person asked for all of
    them ("all", "every", "each"); ``ids`` pins the rows of ``table`` a person picked. A name
    that stands for several rows (a category, a namesake) is never changed as one thing unless
    ``every`` or ``ids`` says so (:mod:`bot.actions.choices`).
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
    phrase: str = ""  # the words that named the rows ("wrap")
    alternatives: bool = False
    every: bool = False
    ids: tuple[int | str, ...] = ()

    @property
    def action(self) -> str:
        return action_name(self.operation, self.column, self.kind)

    @property
    def is_group(self) -> bool:
        return self.match_table != self.table

    def to_dict(self) -> dict[str, Any]:
        return ActionRequestRecord.model_validate(self).model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: Any) -> ActionRequest:
        return load_part(ActionRequestRecord, data, "action request").to_request()


@dataclass(frozen=True)
class ActionClarification:
    """Several things match the request; each option is the request for one of them."""

    question: str
    options: tuple[ActionRequest, ...]

    @property
    def all_option(self) -> int | None:
        """The index of the option that takes every row offered ("all 3 of them"), if any."""
        every = [i for i, o in enumerate(self.options) if o.every and len(o.ids) > 1]
        return every[0] if len(every) == 1 else None

    def to_dict(self) -> dict[str, Any]:
        """The pending ``action_choice`` payload (versioned)."""
        return ActionChoiceRecord.model_validate(self).model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: Any) -> ActionClarification:
        """A payload :meth:`to_dict` of this version wrote; StaleRecordError for any other."""
        record = load_record(ActionChoiceRecord, data, "action choice")
        return cls(record.question, tuple(o.to_request() for o in record.options))


# -- records (the stored shape) ------------------------------------------------------------------

CHOICE_VERSION: Final = 1


class ActionRequestRecord(Record):
    operation: Operation
    table: str
    column: str
    kind: str
    match_table: str
    names: tuple[str, ...]
    amount: float | None = None
    percent: bool = False
    label: str = ""
    text: str = ""
    phrase: str = ""
    alternatives: bool = False
    every: bool = False
    ids: tuple[int | str, ...] = ()

    def to_request(self) -> ActionRequest:
        return ActionRequest(**self.model_dump())


class ActionChoiceRecord(Record):
    v: Literal[1] = CHOICE_VERSION
    question: str
    options: tuple[ActionRequestRecord, ...]

"""The conversation's records in the state store: a thread's context and a pending clarification.

Both are versioned (:mod:`bot.records`): one written by another version of Swoop, or of another
shape, is a :class:`~bot.errors.StaleRecordError` when read, and the reader drops it: the thread
starts afresh, the clarification has expired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from bot.records import Record, load_record
from bot.understanding.outcomes import Clarification, ClarificationOption
from bot.understanding.plan import QueryPlan

CONTEXT_VERSION: Final = 1
CLARIFICATION_VERSION: Final = 1


class ContextRecord(Record):
    v: Literal[1] = CONTEXT_VERSION
    plans: tuple[dict[str, Any], ...] = ()  # plan records (each versioned itself)
    last_query_id: str | None = None


@dataclass(frozen=True)
class ConversationContext:
    """What a thread remembers: its last few plans (newest last) and its last answer's id."""

    plans: tuple[QueryPlan, ...] = ()
    last_query_id: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ConversationContext:
        """The context as stored; nothing stored is an empty one, a stale one raises."""
        if not data:
            return cls()
        record = load_record(ContextRecord, data, "conversation context")
        return cls(tuple(QueryPlan.from_dict(p) for p in record.plans), record.last_query_id)

    def to_dict(self) -> dict[str, Any]:
        plans = tuple(p.to_dict() for p in self.plans)
        return ContextRecord(plans=plans, last_query_id=self.last_query_id).model_dump(mode="json")

    @property
    def last_plan(self) -> QueryPlan | None:
        return self.plans[-1] if self.plans else None

    def answered(self, plan: QueryPlan, query_id: str, *, keep: int) -> ConversationContext:
        """The context after answering ``plan`` as ``query_id``: the last ``keep`` plans."""
        return ConversationContext((*self.plans, plan)[-keep:], query_id)


class OptionRecord(Record):
    label: str
    plan: dict[str, Any] | None  # a plan record, or None for an option that cannot run yet


class ClarificationRecord(Record):
    v: Literal[1] = CLARIFICATION_VERSION
    question: str  # the question as asked, answered once an option is picked
    options: tuple[OptionRecord, ...]


@dataclass(frozen=True)
class PendingClarification:
    """A clarification waiting for its answer: the question asked and the options offered."""

    question: str
    options: tuple[ClarificationOption, ...]

    @classmethod
    def of(cls, clarification: Clarification, question: str) -> PendingClarification:
        return cls(question, clarification.options)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingClarification:
        record = load_record(ClarificationRecord, data, "clarification")
        options = tuple(
            ClarificationOption(o.label, None if o.plan is None else QueryPlan.from_dict(o.plan))
            for o in record.options
        )
        return cls(record.question, options)

    def to_dict(self) -> dict[str, Any]:
        options = tuple(
            OptionRecord(label=o.label, plan=None if o.plan is None else o.plan.to_dict())
            for o in self.options
        )
        return ClarificationRecord(question=self.question, options=options).model_dump(mode="json")

"""What understanding a question can come to: an answerable plan, a clarification, or neither."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import SwoopError
from bot.understanding.builder import BuiltQuery
from bot.understanding.plan import QueryPlan


@dataclass(frozen=True)
class Answerable:
    """A plan and the guarded statement(s) that answer it (two for a comparison)."""

    plan: QueryPlan
    query: BuiltQuery
    compare_query: BuiltQuery | None = None


@dataclass(frozen=True)
class ClarificationOption:
    """One choice offered back: its words, and the plan that runs when it is picked."""

    label: str
    plan: QueryPlan | None = None


@dataclass(frozen=True)
class Clarification:
    """A question back to the person, with concrete options rather than a guess."""

    question: str
    options: tuple[ClarificationOption, ...]
    reason: str = "ambiguous"  # ambiguous, vague, no_metric, unknown


@dataclass(frozen=True)
class NotUnderstood:
    """Nothing about the data was asked (small talk, out of scope) or it cannot be answered."""

    reason: str
    kind: str = "unsupported"  # small_talk, out_of_scope, unsupported, refused
    error: SwoopError | None = None  # the typed error behind a refusal (e.g. a guard refusal)


Understood = Answerable | Clarification | NotUnderstood

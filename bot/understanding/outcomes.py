"""What understanding a question can come to: an answerable plan, a clarification, or neither."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.errors import SwoopError
from bot.understanding.builder import BuiltQuery
from bot.understanding.interpretation import Interpretation
from bot.understanding.plan import QueryPlan


@dataclass(frozen=True)
class Answerable:
    """A plan and the guarded statement(s) that answer it (two for a comparison)."""

    plan: QueryPlan
    query: BuiltQuery
    compare_query: BuiltQuery | None = None
    explanation: str = ""  # one line: "Counted completed orders · May 2025 · by member · top 10"
    interpretation: Interpretation = field(default_factory=Interpretation)

    @property
    def unused(self) -> tuple[str, ...]:
        """The question's words this answer did not use (``[]`` in ``--json`` when none)."""
        return self.interpretation.left_out


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
    reason: str = "ambiguous"  # ambiguous, vague, no_metric, unknown, unused, cannot
    interpretation: Interpretation = field(default_factory=Interpretation)


@dataclass(frozen=True)
class NotUnderstood:
    """Nothing about the data was asked (small talk, out of scope) or it cannot be answered."""

    reason: str
    # small_talk; out_of_scope ("I don't have data about payroll"); cannot (a part of the
    # question Swoop cannot do yet, said plainly); not_found; unsupported; refused (the guard)
    kind: str = "unsupported"
    error: SwoopError | None = None  # the typed error behind a refusal (e.g. a guard refusal)
    interpretation: Interpretation = field(default_factory=Interpretation)


Understood = Answerable | Clarification | NotUnderstood

"""What a question was understood as: which words became which part of the plan, and which not.

The parser tags spans of the (cleaned) question; the planner builds the plan from those spans
only; what is left over is ``unused``. An answer is given only when no meaningful word is
unused, and every answer carries a one-line explanation built from its interpretation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SpanKind = Literal[
    "time",  # "last week", "yday", "in march"
    "number",  # "top 5", "over $50"
    "comparison",  # "vs", "compared with", "the week before"
    "ranking",  # "most", "cheapest", "rank by"
    "grain",  # "by day", "weekly"
    "metric",  # "sales", "avg tip"
    "schema",  # a table or column word: "items", "price"
    "value",  # a matched value: "caesar salad", "pickup"
    "negation",  # "not", "excluding"
    "intent",  # "how many", "show", "which"
    "follow_up",  # "and", "what about", "instead", "it"
    "state",  # "active", "disabled"
]

# Words that carry meaning for the data: when one of them is left unused the question is not
# answered as if it were whole (it is asked about, or refused with what can be done instead).
MEANINGFUL = frozenset({"schema", "value", "number", "time", "comparison", "negation", "metric"})


@dataclass(frozen=True)
class Span:
    """Words of the cleaned question (``start``..``end`` characters) and what they became."""

    kind: SpanKind
    start: int
    end: int
    words: str


@dataclass(frozen=True)
class Interpretation:
    """The question as read: tagged spans, and the words no part of the answer used.

    ``unused`` are the meaningful words left over (an answer is not given while any remain);
    ``ignored`` are leftover words that mean nothing for the data (typos of no known word,
    filler): they may be left out but are named in the explanation.
    """

    spans: tuple[Span, ...] = ()
    unused: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()

    @property
    def left_out(self) -> tuple[str, ...]:
        """Every word of the question the answer did not use (``unused`` in ``--json``)."""
        return (*self.unused, *self.ignored)

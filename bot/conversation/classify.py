"""What a message is: a data question, an action request, feedback, a request for help...

A table of patterns, tried in order; everything else is a data question, which the understanding
pipeline may still find to be small talk or out of scope. The patterns know general English only;
the data's own verbs and states ("86 the salmon", "off the menu") come from the semantic model's
``state_words:``, so a model without them reads "86 the salmon" as a question.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.actions.phrases import NO_WORDS, StateVocabulary, alternatives

if TYPE_CHECKING:
    from bot.understanding.model import SemanticModel


class MessageKind(StrEnum):
    HELP = "help"
    FEEDBACK = "feedback"
    ACTION = "action"
    DATA = "data"


POLITE = r"^\s*(please\s+|can you\s+|could you\s+)?"
HELP = re.compile(
    r"^\s*(:?help|\?|what can you do|how does this work|commands|examples?|"
    r"what can i ask( you)?)\s*[?!.]*\s*$",
    re.IGNORECASE,
)
FEEDBACK = re.compile(
    r"^\s*(👍|👎|:good|:bad|:\+1|:-1|good answer|great answer|wrong answer|bad answer|"
    r"that'?s (wrong|right|correct|not right|incorrect)|not helpful|very helpful|"
    r"helpful)\s*[.!]*\s*$",
    re.IGNORECASE,
)
# Verbs that start a change wherever they stand first ({own}: the model's verbs, "86").
CHANGE = r"(set|raise|lower|increase|decrease|reduce|bump|mark|disable|enable|turn (on|off)|{own}"
CHANGE_END = r"undo|revert|re-?enable|put .* back|take .* off|delete|drop)\b"
# Verbs that also start questions ("update me on sales", "change in sales vs last week") are a
# change only with an amount, a price, an on/off word, or the model's own places ("menu") and
# states ("86'd") standing last.
CHANGE_IF = r"(change|update|remove|rename|make)\b(?=.*(\$|\d|%|\bprice\b|{own}"
STATES = r"on|off|available|unavailable|disabled|enabled"


def _own(phrases: tuple[str, ...]) -> str:
    """The model's phrases as one whole-word alternative (and a "|" after it), or nothing."""
    return rf"\b{alternatives('', phrases)}(?![\w'])|" if phrases else ""


@lru_cache(maxsize=32)
def patterns(words: StateVocabulary = NO_WORDS) -> tuple[tuple[MessageKind, re.Pattern[str]], ...]:
    """The table of patterns with ``words`` filled in (compiled once per vocabulary)."""
    verbs = _own((*words.turn_off, *words.turn_on))
    states = alternatives(STATES, (*words.active, *words.inactive))
    change = CHANGE.replace("{own}", verbs) + CHANGE_END
    change_if = CHANGE_IF.replace("{own}", _own(words.places)) + rf"\b{states}\s*[.!]*\s*$))"
    return (
        (MessageKind.HELP, HELP),
        (MessageKind.FEEDBACK, FEEDBACK),
        (MessageKind.ACTION, re.compile(POLITE + change, re.IGNORECASE)),
        (MessageKind.ACTION, re.compile(POLITE + change_if, re.IGNORECASE)),
    )


POSITIVE = re.compile(r"👍|:good|:\+1|good|great|right|correct|very helpful|^helpful", re.I)


def classify(text: str, model: SemanticModel | None = None) -> MessageKind:
    """What ``text`` is, reading ``model``'s own state words too (general English without one)."""
    for kind, pattern in patterns(StateVocabulary.of(model)):
        if pattern.search(text):
            return kind
    return MessageKind.DATA


def feedback_rating(text: str) -> int:
    """+1 or -1 for a feedback message."""
    lowered = text.lower()
    if re.search(r"wrong|bad|not|incorrect|👎|:-1", lowered):
        return -1
    return 1 if POSITIVE.search(lowered) else -1

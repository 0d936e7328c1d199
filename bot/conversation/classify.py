"""What a message is: a data question, an action request, feedback, a request for help...

A table of patterns, tried in order; everything else is a data question, which the understanding
pipeline may still find to be small talk or out of scope.
"""

from __future__ import annotations

import re
from enum import StrEnum


class MessageKind(StrEnum):
    HELP = "help"
    FEEDBACK = "feedback"
    ACTION = "action"
    DATA = "data"


PATTERNS: tuple[tuple[MessageKind, re.Pattern[str]], ...] = (
    (
        MessageKind.HELP,
        re.compile(
            r"^\s*(:?help|\?|what can you do|how does this work|commands|examples?|"
            r"what can i ask( you)?)\s*[?!.]*\s*$",
            re.IGNORECASE,
        ),
    ),
    (
        MessageKind.FEEDBACK,
        re.compile(
            r"^\s*(👍|👎|:good|:bad|:\+1|:-1|good answer|great answer|wrong answer|bad answer|"
            r"that'?s (wrong|right|correct|not right|incorrect)|not helpful|very helpful|"
            r"helpful)\s*[.!]*\s*$",
            re.IGNORECASE,
        ),
    ),
    (
        MessageKind.ACTION,
        re.compile(
            r"^\s*(please\s+|can you\s+|could you\s+)?(set|raise|lower|increase|decrease|reduce|"
            r"bump|mark|disable|enable|turn (on|off)|86|undo|revert|re-?enable|put .* back|"
            r"take .* off|delete|drop)\b",
            re.IGNORECASE,
        ),
    ),
    (
        # Verbs that also start questions ("update me on sales", "change in sales vs last
        # week") are a change only with an amount or an on/off word.
        MessageKind.ACTION,
        re.compile(
            r"^\s*(please\s+|can you\s+|could you\s+)?(change|update|remove|rename|make)\b"
            r"(?=.*(\$|\d|%|\bprice\b|\bmenu\b|"
            r"\b(on|off|available|unavailable|disabled|enabled)\s*[.!]*\s*$))",
            re.IGNORECASE,
        ),
    ),
)
POSITIVE = re.compile(r"👍|:good|:\+1|good|great|right|correct|very helpful|^helpful", re.I)


def classify(text: str) -> MessageKind:
    for kind, pattern in PATTERNS:
        if pattern.search(text):
            return kind
    return MessageKind.DATA


def feedback_rating(text: str) -> int:
    """+1 or -1 for a feedback message."""
    lowered = text.lower()
    if re.search(r"wrong|bad|not|incorrect|👎|:-1", lowered):
        return -1
    return 1 if POSITIVE.search(lowered) else -1

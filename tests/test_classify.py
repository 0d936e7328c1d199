"""What a message is: verbs that also start questions are changes only with an amount."""

from __future__ import annotations

import pytest

from bot.conversation.classify import MessageKind, classify, feedback_rating


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("help", MessageKind.HELP),
        ("what can you do?", MessageKind.HELP),
        ("👍", MessageKind.FEEDBACK),
        ("wrong answer", MessageKind.FEEDBACK),
        ("set the price of the club sandwich to $14.50", MessageKind.ACTION),
        ("change club sandwich price to 14.50", MessageKind.ACTION),
        ("make the club sandwich $14.50", MessageKind.ACTION),
        ("remove the caesar salad from the menu", MessageKind.ACTION),
        ("86 the caesar salad", MessageKind.ACTION),
        ("take the cobb salad off the menu", MessageKind.ACTION),
        ("undo", MessageKind.ACTION),
        ("delete all orders from last week", MessageKind.ACTION),
        ("update me on sales this week", MessageKind.DATA),
        ("change in sales vs last week", MessageKind.DATA),
        ("how many orders did we complete last week?", MessageKind.DATA),
    ],
)
def test_classify(text: str, kind: MessageKind) -> None:
    assert classify(text) is kind


def test_feedback_rating() -> None:
    assert feedback_rating("👍") == 1 and feedback_rating("great answer") == 1
    assert feedback_rating("wrong answer") == -1 and feedback_rating("not helpful") == -1

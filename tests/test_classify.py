"""What a message is: verbs that also start questions are changes only with an amount; the
data's own verbs and states ("86", "off the menu") are the sample model's, not the code's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.conversation.classify import MessageKind, classify, feedback_rating
from bot.understanding.pipeline import Understanding


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
        ("eighty six the caesar salad", MessageKind.ACTION),
        ("un-86 the caesar salad", MessageKind.ACTION),
        ("please un86 the caesar salad", MessageKind.ACTION),
        ("make the caesar salad 86’d", MessageKind.ACTION),
        ("take the cobb salad off the menu", MessageKind.ACTION),
        ("undo", MessageKind.ACTION),
        ("delete all orders from last week", MessageKind.ACTION),
        ("update me on sales this week", MessageKind.DATA),
        ("change in sales vs last week", MessageKind.DATA),
        ("how many orders did we complete last week?", MessageKind.DATA),
    ],
)
def test_classify(understanding: Understanding, text: str, kind: MessageKind) -> None:
    assert classify(text, understanding.model) is kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("86 the caesar salad", MessageKind.DATA),
        ("un-86 the caesar salad", MessageKind.DATA),
        ("remove the caesar salad from the menu", MessageKind.DATA),
        ("disable the caesar salad", MessageKind.ACTION),
        ("turn off the caesar salad", MessageKind.ACTION),
        ("take the cobb salad off the menu", MessageKind.ACTION),  # "take … off" is English
        ("make the caesar salad unavailable", MessageKind.ACTION),
        ("set the price of the club sandwich to $14.50", MessageKind.ACTION),
    ],
)
def test_without_state_words_only_general_english_is_a_change(
    understanding: Understanding, text: str, kind: MessageKind
) -> None:
    plain = replace(understanding.model, state_words={})
    assert classify(text, plain) is kind
    assert classify(text) is kind  # no model at all: the same general English


def test_feedback_rating() -> None:
    assert feedback_rating("👍") == 1 and feedback_rating("great answer") == 1
    assert feedback_rating("wrong answer") == -1 and feedback_rating("not helpful") == -1

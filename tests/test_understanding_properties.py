"""Property tests: any text in → a plan, a clarification or a clear refusal out; never an
exception, and never SQL that fails the guard or that writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.understanding.outcomes import Answerable, Clarification, NotUnderstood
from bot.understanding.pipeline import Understanding

WORDS = [
    "how", "many", "orders", "sales", "revenue", "by", "per", "location", "category", "item",
    "last", "week", "month", "this", "year", "today", "yesterday", "top", "5", "best", "worst",
    "selling", "caesar", "salad", "cesar", "burgers", "pebble", "creek", "not", "cancelled",
    "delivery", "pickup", "over", "$20", "under", "between", "march", "and", "q1", "2024",
    "what", "about", "only", "vs", "compared", "to", "average", "rating", "tips", "hours",
    "open", "disabled", "items", "show", "me", "the", "menu", "drop", "table", ";", "'", "--",
    "/*", "select", "*", "from", "sqlite_master", "day", "hour", "of", "customers", "2/21/2025",
]  # fmt: skip


def check(understanding: Understanding, sample_db: Path, text: str) -> None:
    result = understanding.understand(text)
    assert isinstance(result, Answerable | Clarification | NotUnderstood)
    answers = [result] if isinstance(result, Answerable) else []
    if isinstance(result, Clarification):
        answers = [
            compiled
            for option in result.options
            if option.plan is not None
            and isinstance(compiled := understanding.compile(option.plan), Answerable)
        ]
    for answer in answers:
        # The statement passes the guard again and runs on a read-only connection.
        understanding.guard.check(answer.query.sql, answer.query.params)
        with sqlite3.connect(f"file:{sample_db}?mode=ro", uri=True) as conn:
            conn.execute(answer.query.sql, answer.query.params).fetchmany(5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join))
def test_word_salad(understanding: Understanding, sample_db: Path, text: str) -> None:
    check(understanding, sample_db, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text(understanding: Understanding, sample_db: Path, text: str) -> None:
    check(understanding, sample_db, text)

"""Every time word of DESIGN.md against a fixed clock: Sunday 2025-06-15 12:00 local time."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.understanding.time_words import find_time_range, find_time_ranges, parse_date

NOW = datetime(2025, 6, 15, 12, 0)  # a Sunday


def d(text: str) -> datetime:
    return datetime.fromisoformat(text)


CASES = [
    ("orders today", "2025-06-15", "2025-06-16", "today (Jun 15)"),
    ("orders yesterday", "2025-06-14", "2025-06-15", "yesterday (Jun 14)"),
    ("this week", "2025-06-09", "2025-06-15T12:00", "this week (Jun 9–15)"),
    ("last week", "2025-06-02", "2025-06-09", "last week (Jun 2–8)"),
    ("the previous week", "2025-06-02", "2025-06-09", "last week (Jun 2–8)"),
    ("this month", "2025-06-01", "2025-07-01", "this month (Jun 2025)"),
    ("last month", "2025-05-01", "2025-06-01", "last month (May 2025)"),
    ("this year", "2025-01-01", "2026-01-01", None),
    ("last year", "2024-01-01", "2025-01-01", None),
    ("this quarter", "2025-04-01", "2025-07-01", None),
    ("last quarter", "2025-01-01", "2025-04-01", None),
    ("last 7 days", "2025-06-09", "2025-06-16", "the last 7 days (Jun 9–15)"),
    ("past 30 days", "2025-05-17", "2025-06-16", None),
    ("in the last seven days", "2025-06-09", "2025-06-16", None),
    ("in March", "2025-03-01", "2025-04-01", "March 2025"),
    ("in september", "2024-09-01", "2024-10-01", "September 2024"),  # most recent begun
    ("in June", "2025-06-01", "2025-07-01", "June 2025"),
    ("in March 2024", "2024-03-01", "2024-04-01", "March 2024"),
    ("in Q1", "2025-01-01", "2025-04-01", "Q1 2025"),
    ("in Q3", "2024-07-01", "2024-10-01", "Q3 2024"),
    ("q4 2024", "2024-10-01", "2025-01-01", "Q4 2024"),
    ("in 2024", "2024-01-01", "2025-01-01", "2024"),
    ("on 2/21/2025", "2025-02-21", "2025-02-22", "Feb 21, 2025"),
    ("on 2/21", "2025-02-21", "2025-02-22", None),
    ("on February 21st", "2025-02-21", "2025-02-22", None),
    ("on Feb 21", "2025-02-21", "2025-02-22", None),
    ("on feb. 21, 2024", "2024-02-21", "2024-02-22", None),
    ("on the 21st of february", "2025-02-21", "2025-02-22", None),
    ("on 2025-05-04", "2025-05-04", "2025-05-05", None),
    ("on December 24", "2024-12-24", "2024-12-25", None),  # most recent that has begun
    ("between March 1 and March 15", "2025-03-01", "2025-03-16", None),
    ("from 3/1/2025 to 3/7/2025", "2025-03-01", "2025-03-08", None),
    ("between January and March", "2025-01-01", "2025-04-01", None),
    ("from may 1 to today", "2025-05-01", "2025-06-16", None),
    ("year to date", "2025-01-01", "2025-06-15T12:00", None),
    ("ytd", "2025-01-01", "2025-06-15T12:00", None),
    ("month to date", "2025-06-01", "2025-06-15T12:00", None),
    ("since May 1", "2025-05-01", "2025-06-15T12:00", None),
    ("last saturday", "2025-06-14", "2025-06-15", None),
    ("on monday", "2025-06-09", "2025-06-10", None),
    ("last sunday", "2025-06-08", "2025-06-09", None),
]


@pytest.mark.parametrize(("text", "start", "end", "label"), CASES)
def test_time_word(text: str, start: str, end: str, label: str | None) -> None:
    match = find_time_range(text.lower(), NOW)
    assert match is not None, text
    assert (match.range.start, match.range.end) == (d(start), d(end))
    if label is not None:
        assert match.range.label == label


@pytest.mark.parametrize(
    "text",
    ["how many orders", "top 5 items", "orders over $20", "items under 10", "order 2024x", "q5"],
)
def test_no_time_word(text: str) -> None:
    assert find_time_range(text, NOW) is None


def test_span_is_reported_so_the_parser_can_remove_it() -> None:
    text = "how many orders last week by location"
    match = find_time_range(text, NOW)
    assert match is not None
    assert text[match.span[0] : match.span[1]] == "last week"


def test_two_ranges_for_a_comparison() -> None:
    found = find_time_ranges("revenue this week vs last week", NOW)
    assert [m.range.label.split(" (")[0] for m in found] == ["this week", "last week"]


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("last week", "2025-05-26", "2025-06-02"),
        ("last month", "2025-04-01", "2025-05-01"),
        ("last quarter", "2024-10-01", "2025-01-01"),
        ("yesterday", "2025-06-13", "2025-06-14"),
        ("this week", "2025-06-02", "2025-06-08T12:00"),
        ("month to date", "2025-05-01", "2025-05-15T12:00"),
    ],
)
def test_the_one_before(label: str, start: str, end: str) -> None:
    match = find_time_range(label, NOW)
    assert match is not None
    before = match.range.shifted(-1)
    assert (before.start, before.end) == (d(start), d(end))
    assert before.label.startswith("the ")


def test_invalid_dates_are_not_dates() -> None:
    assert parse_date("2/30/2025", NOW.date()) is None
    assert parse_date("13/1/2025", NOW.date()) is None
    assert find_time_range("on 2/30/2025", NOW) is None

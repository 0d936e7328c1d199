"""Understanding you can trust: every word accounted for, never a smaller question answered.

Each test puts a question as a manager would and checks what they would see: the answer and its
one-line explanation, or the question back with options that run, or the plain "I can't" /
"I don't have data about". Numbers are checked against SQL written by hand on the sample data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.understanding.outcomes import Answerable, Clarification, NotUnderstood, Understood
from bot.understanding.pipeline import Understanding
from bot.understanding.plan import QueryPlan
from tests.test_topics import CLINIC_MODEL, clinic_db, load
from tests.test_understanding import answer, rows, run

__all__ = ["clinic_db"]  # the clinic database fixture, shared with tests/test_topics.py

COMPLETED = "o.status = 7 AND o.deleted_at IS NULL"
YESTERDAY = "o.created_at >= '2025-06-14 00:00:00' AND o.created_at < '2025-06-15 00:00:00'"
LAST_WEEK = "o.created_at >= '2025-06-02 00:00:00' AND o.created_at < '2025-06-09 00:00:00'"


@pytest.fixture
def u(understanding: Understanding) -> Understanding:
    return understanding


def asked(u: Understanding, question: str, previous: QueryPlan | None = None) -> Clarification:
    result = u.understand(question, previous)
    assert isinstance(result, Clarification), f"{question!r} → {result}"
    assert result.options and all(o.plan is not None for o in result.options)
    return result


def refused(u: Understanding, question: str) -> NotUnderstood:
    result = u.understand(question)
    assert isinstance(result, NotUnderstood), f"{question!r} → {result}"
    return result


def data_answer(result: Understood) -> bool:
    return isinstance(result, Answerable)


# -- every answer explains itself ----------------------------------------------------------------


def test_the_explanation_says_what_was_counted_when_and_by_what(u: Understanding) -> None:
    result = answer(u, "top 5 items by qty last week")
    assert result.explanation == (
        "Counted items sold of completed orders · last week (Jun 2–8) · by item · top 5 · "
        "ranked by items sold"
    )
    assert result.unused == ()
    assert {s.kind for s in result.interpretation.spans} >= {"time", "ranking", "metric"}


def test_a_user_filter_and_all_time_are_named(u: Understanding) -> None:
    result = answer(u, "delivery orders at pebble creek")
    assert result.explanation == (
        "Counted delivery completed orders · at Pebble Creek Golf Club · all time"
    )


def test_a_word_of_nothing_is_left_out_but_named(u: Understanding) -> None:
    result = answer(u, "sales yesterday flurbo")
    assert result.unused == ("flurbo",)
    assert result.interpretation.unused == ()
    assert result.explanation.endswith("ignored: “flurbo”")


# -- a part that cannot be used is never dropped silently ----------------------------------------


def test_a_time_of_day_is_not_dropped(u: Understanding, sample_db: Path) -> None:
    result = asked(u, "orders after 8pm yesterday")
    assert result.reason == "cannot"
    assert "time of day" in result.question and "“after 8pm”" in result.question
    (smaller,) = result.options
    assert smaller.label == "Counted completed orders · yesterday (Jun 14)"
    assert "unused" not in result.question
    assert result.interpretation.unused == ("after", "8", "pm")


def test_a_share_is_not_answered_with_the_amount(u: Understanding) -> None:
    result = asked(u, "share of sales from pickup last month")
    assert "shares, percentages or rates" in result.question
    assert result.options[0].label.startswith("Sales of pickup completed orders")


def test_absence_and_averages_of_counts_are_said(u: Understanding) -> None:
    absent = asked(u, "which oak hollow items didnt sell at all this month")
    assert "did not happen" in absent.question
    average = asked(u, "average orders per day this week")
    assert "average" in average.question
    assert average.options[0].label.startswith("Counted completed orders")


def test_a_numeric_condition_is_applied(u: Understanding, sample_db: Path) -> None:
    result = answer(u, "items under $9 in desserts")
    expected = rows(
        sample_db,
        "SELECT i.name, i.price FROM items i JOIN categories c ON c.id = i.category_id "
        "WHERE c.name = 'Desserts' AND i.price < 9 ORDER BY i.name",
    )
    assert sorted(run(sample_db, result)) == sorted(expected)
    assert "price under $9" in result.explanation


def test_no_amount_means_zero(u: Understanding, sample_db: Path) -> None:
    result = answer(u, "how many orders had no tip last week")
    expected = rows(
        sample_db, f"SELECT count(*) FROM orders o WHERE {COMPLETED} AND o.tip = 0 AND {LAST_WEEK}"
    )
    assert run(sample_db, result) == expected
    assert "with no tip" in result.explanation


# -- out of scope, honestly ----------------------------------------------------------------------


def test_data_the_model_lacks_is_named_with_what_it_has(u: Understanding) -> None:
    for question, missing in [
        ("whats our payroll for june", "payroll"),
        ("marketing spend last month", "marketing"),
        ("which server got the most tips last week", "server"),
        ("how much wine is in stock", "stock"),
    ]:
        result = refused(u, question)
        assert result.kind == "out_of_scope", question
        assert result.reason.startswith(f"I don't have data about “{missing}"), result.reason
        assert "I can answer questions about orders, sales" in result.reason


def test_a_name_that_is_not_in_the_data_is_not_found(u: Understanding) -> None:
    result = refused(u, "sales of the lobster roll")
    assert result.kind == "not_found"


def test_a_verb_it_cannot_use_is_not_called_missing_data(u: Understanding) -> None:
    result = u.understand("how many orders did we refund yesterday")
    assert not data_answer(result)
    assert not (isinstance(result, NotUnderstood) and result.kind == "out_of_scope")


# -- vague and best-by-what ----------------------------------------------------------------------


def test_judging_words_ask_for_a_measure(u: Understanding) -> None:
    for question in ["which club is doing better", "hows the grill doing", "busy?"]:
        result = asked(u, question)
        assert result.reason == "vague", question


def test_best_asks_by_what(u: Understanding) -> None:
    result = asked(u, "who's our best member")
    assert result.question == "The best customer by what?"
    assert [o.label for o in result.options] == ["Best by sales", "Best by orders"]


# -- no silent merging ---------------------------------------------------------------------------


def test_namesakes_are_never_added_together(u: Understanding, sample_db: Path) -> None:
    result = asked(u, "how much did jerry davis spend this year")
    people = rows(sample_db, "SELECT id, email FROM users WHERE first_name = 'Jerry' "
                  "AND last_name = 'Davis' ORDER BY id")  # fmt: skip
    assert len(people) == 2
    assert result.question.startswith("2 customers are named “Jerry Davis”")
    assert [o.label for o in result.options] == [f"Jerry Davis ({email})" for _, email in people]
    first = u.compile(result.options[0].plan)  # type: ignore[arg-type]
    assert isinstance(first, Answerable)
    expected = rows(
        sample_db,
        f"SELECT sum(o.total) FROM orders o WHERE {COMPLETED} AND o.customer_id = {people[0][0]} "
        "AND o.created_at >= '2025-01-01' AND o.created_at < '2026-01-01'",
    )
    assert run(sample_db, first) == expected


def test_an_email_names_one_person(u: Understanding, sample_db: Path) -> None:
    result = answer(u, "how much did angela.allen@example.net spend this year")
    expected = rows(
        sample_db,
        f"SELECT sum(o.total) FROM orders o JOIN users u ON u.id = o.customer_id WHERE {COMPLETED}"
        " AND u.email = 'angela.allen@example.net' AND o.created_at >= '2025-01-01'",
    )
    assert run(sample_db, result) == expected


def test_a_category_on_every_club_menu_is_one_category(u: Understanding) -> None:
    assert data_answer(u.understand("breakfast sales last month"))


# -- follow-ups only when they are follow-ups ----------------------------------------------------


def test_a_complete_question_starts_fresh(u: Understanding, sample_db: Path) -> None:
    first = answer(u, "pickup orders last week")
    result = answer(u, "how many customers do we have", first.plan)
    assert run(sample_db, result) == rows(sample_db, "SELECT count(*) FROM users")
    assert result.plan.filters == ()


def test_it_is_the_previous_answers_subject(u: Understanding, sample_db: Path) -> None:
    first = answer(u, "how many club sandwiches did we sell last month")
    result = answer(u, "how much did it bring in", first.plan)
    expected = rows(
        sample_db,
        "SELECT sum(oi.quantity * oi.unit_price) FROM order_items oi "
        "JOIN orders o ON o.id = oi.order_id JOIN items i ON i.id = oi.item_id "
        f"WHERE i.name = 'Club Sandwich' AND {COMPLETED} "
        "AND o.created_at >= '2025-05-01' AND o.created_at < '2025-06-01'",
    )
    assert run(sample_db, result) == expected
    price = answer(u, "what does it cost", first.plan)
    assert run(sample_db, price) == rows(
        sample_db, "SELECT name, price FROM items WHERE name = 'Club Sandwich'"
    )


def test_elliptical_messages_edit_the_previous_plan(u: Understanding, sample_db: Path) -> None:
    first = answer(u, "orders by status today")
    result = answer(u, "how many are still open", first.plan)
    expected = rows(
        sample_db,
        "SELECT count(*) FROM orders o WHERE o.status = 0 AND o.deleted_at IS NULL "
        "AND o.created_at >= '2025-06-15'",
    )
    assert run(sample_db, result) == expected
    march = answer(u, "how many orders did we have in march")
    april = answer(u, "and april?", march.plan)
    assert april.plan.time_range is not None and april.plan.time_range.label == "April 2025"


# -- a schema from another field -----------------------------------------------------------------


@pytest.fixture(params=["no model file", "model file"])
async def clinic(request: pytest.FixtureRequest, clinic_db: Path, tmp_path: Path) -> Understanding:
    model = CLINIC_MODEL if request.param == "model file" else None
    return await load(clinic_db, model, tmp_path)


def test_rows_that_happen_are_counted_by_what_is_asked(clinic: Understanding) -> None:
    result = clinic.understand("appointments by doctor this month")
    assert isinstance(result, Answerable), result
    assert result.explanation.startswith("Counted ")
    assert result.explanation.endswith(" · this month (Jun 2025) · by physician") or (
        result.explanation.endswith(" · this month (Jun 2025) · by doctor")
    )
    top = clinic.understand("which doctor had the most appointments")
    assert isinstance(top, Answerable) and top.plan.limit == 1


def test_best_by_what_without_roles(clinic: Understanding) -> None:
    result = clinic.understand("who is our best doctor")
    assert isinstance(result, Clarification), result
    assert result.question.endswith("by what?")
    assert len(result.options) >= 2 and all(o.plan for o in result.options)


def test_sort_by_keeps_the_answer_and_orders_it(u: Understanding, sample_db: Path) -> None:
    first = answer(u, "items sold by category last week")
    result = answer(u, "sort by item sales", first.plan)
    assert result.plan.time_range == first.plan.time_range
    assert [d.column for d in result.plan.dimensions] == ["categories.name"]
    assert [m.key for m in result.plan.measures] == ["items_sold", "item_revenue"]
    found = run(sample_db, result)
    assert [row[2] for row in found] == sorted((row[2] for row in found), reverse=True)
    top = answer(u, "top 3 instead", result.plan)
    assert top.plan.limit == 3 and top.plan.order_by[0].key == "item_revenue"


def test_top_n_of_one_number_is_said(u: Understanding) -> None:
    first = answer(u, "sales yesterday")
    result = asked(u, "top 3 instead", first.plan)
    assert "“top 3”" in result.question


def test_a_new_number_keeps_the_ranking_on_it(u: Understanding, sample_db: Path) -> None:
    first = answer(u, "top 5 customers by spend this year")
    result = answer(u, "what about tips", first.plan)
    assert result.plan.limit == 5
    assert [o.key for o in result.plan.order_by] == ["tips"]
    lowest = answer(u, "which one is lowest", answer(u, "sales by club this month").plan)
    assert lowest.plan.limit == 1 and lowest.plan.order_by[0].direction == "asc"


def test_two_values_compared_are_side_by_side(u: Understanding, sample_db: Path) -> None:
    result = answer(u, "pickup vs delivery sales last month")
    assert result.plan.compare_to is None
    assert [d.column for d in result.plan.dimensions] == ["orders.type"]
    assert len(run(sample_db, result)) == 2


def test_either_or_and_per_are_not_dropped(u: Understanding) -> None:
    assert "“or”" in asked(u, "how many orders over $40 or under $10").question
    assert "“per order”" in asked(u, "revenue per order last week").question


def test_a_count_per_row_and_the_rest_of_a_breakdown_are_said(u: Understanding) -> None:
    assert "“more than 5 items”" in asked(u, "orders with more than 5 items").question
    assert "“category”" in asked(u, "sales by item category at pebble creek this month").question


def test_who_joined_and_who_spent_over(u: Understanding, sample_db: Path) -> None:
    joined = answer(u, "how many members joined this year")
    assert run(sample_db, joined) == rows(
        sample_db, "SELECT count(*) FROM users WHERE created_at >= '2025-01-01'"
    )
    assert "“over $500”" in asked(u, "customers who spent over $500 this year").question


def test_a_word_between_a_superlative_and_rows_is_read(u: Understanding) -> None:
    result = answer(u, "lowest rated item")
    assert [m.key for m in result.plan.measures] == ["average_rating"]
    assert result.plan.limit == 1 and result.plan.order_by[0].direction == "asc"

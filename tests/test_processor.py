"""The QueryProcessor driven through whole conversations on the sample database (no mocks)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_settings
from bot.data import DataAccess
from bot.errors import ErrorTypes
from bot.messages import Message, Response, ResponseKind
from bot.processor import QueryProcessor
from bot.understanding.guard import SqlGuard
from bot.understanding.outcomes import Answerable, NotUnderstood
from tests.conftest import SAMPLE_NOW


def make_processor(sample_db: Path, tmp_path: Path, **overrides: Any) -> QueryProcessor:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{sample_db}",
        state_url=f"sqlite+aiosqlite:///{tmp_path / 'state.db'}",
        now=SAMPLE_NOW,
        **overrides,
    )
    return QueryProcessor(settings)


@pytest.fixture
async def processor(sample_db: Path, tmp_path: Path) -> AsyncIterator[QueryProcessor]:
    proc = make_processor(sample_db, tmp_path)
    yield proc
    await proc.dispose_async()


def msg(text: str, thread: str = "t1", user: str = "ann") -> Message:
    return Message("terminal", "local", "terminal", thread, user, text)


def scalar(db: Path, sql: str) -> Any:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchone()[0]


async def ask(proc: QueryProcessor, text: str, **kwargs: Any) -> Response:
    return await proc.process_query_async(msg(text, **kwargs))


async def test_a_conversation_with_follow_ups(processor: QueryProcessor, sample_db: Path) -> None:
    first = await ask(processor, "how many orders did we complete last week?")
    assert first.kind is ResponseKind.DATA
    expected = scalar(
        sample_db,
        "SELECT count(*) FROM orders WHERE status = 7 AND deleted_at IS NULL "
        "AND created_at >= '2025-06-02' AND created_at < '2025-06-09'",
    )
    assert first.table is not None and first.table.rows == ((expected,),)
    assert first.text == f"{expected:,} completed orders last week (Jun 2–8)."
    second = await ask(processor, "and the week before?")
    before = scalar(
        sample_db,
        "SELECT count(*) FROM orders WHERE status = 7 AND deleted_at IS NULL "
        "AND created_at >= '2025-05-26' AND created_at < '2025-06-02'",
    )
    assert second.table is not None and second.table.rows == ((before,),)
    third = await ask(processor, "break it down by location")
    assert third.table is not None and [c.name for c in third.table.columns] == [
        "location",
        "orders",
    ]
    assert sum(row[1] for row in third.table.rows) == before
    # Another thread has its own context: a bare follow-up there is not about orders.
    other = await ask(processor, "and the week before?", thread="t2")
    assert other.kind is not ResponseKind.DATA


async def test_context_survives_a_restart(sample_db: Path, tmp_path: Path) -> None:
    proc = make_processor(sample_db, tmp_path)
    await ask(proc, "sales by location last month")
    await proc.dispose_async()
    restarted = make_processor(sample_db, tmp_path)
    response = await ask(restarted, "what about march?")
    assert response.kind is ResponseKind.DATA
    assert "by location" in response.text and "March 2025" in response.text
    await restarted.dispose_async()


async def test_clarification_round_trip_by_number_name_and_button(
    processor: QueryProcessor, sample_db: Path
) -> None:
    question = await ask(processor, "how many chicken salads did we sell last week")
    assert question.kind is ResponseKind.CLARIFICATION
    assert [o.label for o in question.options] == [
        "Chicken Salad Sandwich (item)",
        "Grilled Chicken Salad (item)",
    ]
    answer = await ask(processor, "2")
    expected = scalar(
        sample_db,
        "SELECT sum(oi.quantity) FROM order_items oi JOIN items i ON i.id = oi.item_id "
        "JOIN orders o ON o.id = oi.order_id WHERE i.name = 'Grilled Chicken Salad' "
        "AND o.status = 7 AND o.deleted_at IS NULL AND o.created_at >= '2025-06-02' "
        "AND o.created_at < '2025-06-09'",
    )
    assert answer.kind is ResponseKind.DATA and answer.table is not None
    assert answer.table.rows == ((expected,),)
    # By name, in another thread.
    await ask(processor, "how many chicken salads did we sell last week", thread="t3")
    by_name = await ask(processor, "chicken salad sandwich", thread="t3")
    assert "Chicken Salad Sandwich" in by_name.text
    # By a button's value.
    asked = await ask(processor, "how many chicken salads did we sell last week", thread="t4")
    clicked = await ask(processor, asked.options[0].value, thread="t4")
    assert "Chicken Salad Sandwich" in clicked.text
    # The choice was used up: "2" now is just a (meaningless) message.
    again = await ask(processor, "2", thread="t4")
    assert again.kind is not ResponseKind.DATA or "Grilled" not in again.text


async def test_help_small_talk_and_scope(processor: QueryProcessor) -> None:
    help_answer = await ask(processor, "help")
    assert help_answer.kind is ResponseKind.HELP
    # The examples are the model file's own (bot/sample/club.swoop.yaml `examples:`).
    assert "• how many orders did we complete last week?\n• sales by location this month" in (
        help_answer.text
    )
    assert "I answer questions about orders, sales, " in help_answer.text
    joke = await ask(processor, "tell me a joke")
    assert joke.kind is ResponseKind.HELP and joke.sql is None
    assert joke.text.startswith("I don't have data about “joke”.")
    assert "I can answer questions about orders, sales, " in joke.text
    payroll = await ask(processor, "what's our payroll")
    assert payroll.kind is ResponseKind.HELP
    assert payroll.text.startswith("I don't have data about “payroll”.")
    hello = await ask(processor, "hello")
    assert hello.kind is ResponseKind.HELP
    assert (
        hello.text
        == "Hi! Ask me about your data, for example “how many orders did we complete last week?”."
    )


async def test_help_in_a_hurry_is_generic_until_the_model_is_loaded(
    sample_db: Path, tmp_path: Path
) -> None:
    proc = make_processor(sample_db, tmp_path)
    hurried = await proc.help_response_async(within_s=0)
    assert hurried.kind is ResponseKind.HELP
    assert hurried.text.startswith("I answer questions about your data in plain words.")
    assert "orders" not in hurried.text
    await proc._understanding_async()  # the load went on meanwhile; now help is the model's
    assert "• sales by location this month" in (await proc.help_response_async(within_s=0)).text
    await proc.dispose_async()


async def test_a_data_answer_explains_itself(processor: QueryProcessor) -> None:
    answer = await ask(processor, "sales by location last week")
    understanding = await processor._understanding_async()
    outcome = understanding.understand("sales by location last week", None)
    assert isinstance(outcome, Answerable)
    assert answer.kind is ResponseKind.DATA
    assert answer.explanation == (outcome.explanation or None)
    assert answer.unused == outcome.unused == ()
    shown = answer.to_json()
    assert shown["explanation"] == answer.explanation and shown["unused"] == []
    if outcome.explanation:  # the pipeline's line, once it builds one
        assert "last week (Jun 2–8)" in shown["explanation"]
        assert "by location" in shown["explanation"]
    # Other kinds keep the keys, empty.
    joke = (await ask(processor, "tell me a joke")).to_json()
    assert (joke["explanation"], joke["unused"]) == (None, [])


async def test_what_swoop_cannot_do_is_said_plainly(processor: QueryProcessor) -> None:
    said = "I can't filter by time of day yet, so I couldn't use “after 8 pm”."
    answer = await processor._not_understood(NotUnderstood(said, kind="cannot"))
    assert answer.kind is ResponseKind.HELP and answer.text == said
    assert answer.error_type is None
    # Through the whole pipeline, a part it cannot use is said plainly, never an error.
    late = await ask(processor, "orders after 8pm yesterday")
    assert late.kind is not ResponseKind.DATA and late.error_type is None
    assert "time of day" in late.text


async def test_a_clarification_stored_in_an_old_shape_has_expired(
    processor: QueryProcessor,
) -> None:
    asked = await ask(processor, "how many chicken salads did we sell last week")
    assert asked.kind is ResponseKind.CLARIFICATION
    key = msg("").key
    pending = (await processor.store.pending_by_kind_async(key))["clarification"]
    # As an older Swoop wrote it: labels under another key, no "options", no version.
    old = {"question": pending.payload["question"], "choices": ["Chicken Salad Sandwich"]}
    token = await processor.store.put_pending_async(key, "ann", "clarification", old, ttl_s=60)
    answer = await ask(processor, f"{token}:1")
    assert answer.kind is ResponseKind.ERROR and answer.error_type is ErrorTypes.NOT_FOUND
    assert answer.text.startswith("That choice has expired")
    assert answer.hint == "Ask the question again for fresh options."
    assert await processor.store.pending_by_kind_async(key) == {}  # dropped
    # Any other message after an old clarification is simply a new question.
    await processor.store.put_pending_async(key, "ann", "clarification", old, ttl_s=60)
    fresh = await ask(processor, "sales yesterday")
    assert fresh.kind is ResponseKind.DATA
    assert await processor.store.pending_by_kind_async(key) == {}
    assert processor.metrics.snapshot()["errors_by_type"] == {"not_found": 1}


async def test_feedback_is_idempotent_replaced_and_removable(processor: QueryProcessor) -> None:
    answer = await ask(processor, "tips yesterday")
    assert answer.query_id is not None
    assert await processor.submit_feedback_async(answer.query_id, "slack:U1", 1)
    assert not await processor.submit_feedback_async(answer.query_id, "slack:U1", 1)
    assert await processor.submit_feedback_async(answer.query_id, "slack:U1", -1, "wrong day")
    await processor.submit_feedback_async(answer.query_id, "slack:U2", 1)
    stats = await processor.get_feedback_stats_async()
    assert (stats["ratings"], stats["helpful"], stats["not_helpful"]) == (2, 1, 1)
    assert stats["least_liked"][0]["question"] == "tips yesterday"
    assert stats["least_liked"][0]["comments"] == ["wrong day"]
    assert "metric:tips" in stats["by_kind"]
    assert await processor.submit_feedback_async(answer.query_id, "slack:U1", 0)
    stats = await processor.get_feedback_stats_async()
    assert (stats["ratings"], stats["helpful"]) == (1, 1)


async def test_taking_back_one_reaction_keeps_the_other(processor: QueryProcessor) -> None:
    answer = await processor.process_query_async(
        Message("slack", "T1", "C1", "1.0", "U1", "tips yesterday")
    )
    assert answer.query_id is not None
    await processor.remember_answer_async(answer.query_id, "C1:1.0")
    assert await processor.feedback_on_answer_async("slack", "C1:1.0", "U1", 1)
    assert await processor.feedback_on_answer_async("slack", "C1:1.0", "U1", -1)
    # Taking back the 👍 that was replaced by 👎 leaves the 👎.
    assert not await processor.feedback_on_answer_async("slack", "C1:1.0", "U1", 1, added=False)
    assert (await processor.get_feedback_stats_async())["not_helpful"] == 1
    assert await processor.feedback_on_answer_async("slack", "C1:1.0", "U1", -1, added=False)
    assert (await processor.get_feedback_stats_async())["ratings"] == 0
    # Reactions on other messages are not feedback.
    assert not await processor.feedback_on_answer_async("slack", "C9:9.9", "U1", 1)


async def test_feedback_typed_in_the_thread(processor: QueryProcessor) -> None:
    await ask(processor, "sales yesterday")
    thanks = await ask(processor, "wrong answer")
    assert "Thanks" in thanks.text
    stats = await processor.get_feedback_stats_async()
    assert stats["not_helpful"] == 1


async def test_database_down_is_a_database_error(sample_db: Path, tmp_path: Path) -> None:
    proc = make_processor(sample_db, tmp_path)
    await proc._understanding_async()  # the model was loaded while the database was up
    await proc.data.dispose_async()
    proc.data = DataAccess("postgresql+asyncpg://swoop:pw@127.0.0.1:1/gone")
    response = await ask(proc, "sales yesterday")
    assert response.kind is ResponseKind.ERROR
    assert response.error_type is ErrorTypes.DATABASE_ERROR
    assert "Could not reach the database" in response.text and "pw@" not in response.text
    assert response.hint
    assert proc.metrics.snapshot()["errors_by_type"] == {"database_error": 1}
    await proc.dispose_async()


async def test_slow_query_is_a_timeout(sample_db: Path, tmp_path: Path) -> None:
    proc = make_processor(sample_db, tmp_path, query_timeout_s=0.001)
    response = await ask(proc, "sales by item by day")
    assert response.error_type is ErrorTypes.TIMEOUT_ERROR
    assert "took longer than" in response.text
    await proc.dispose_async()


async def test_guard_refusal_is_a_validation_error(processor: QueryProcessor) -> None:
    understanding = await processor._understanding_async()
    schema = await processor.data.get_schema_async()
    understanding.guard = SqlGuard(schema, dialect="sqlite", allowed_tables={"items"})
    response = await ask(processor, "how many orders yesterday")
    assert response.error_type is ErrorTypes.VALIDATION_ERROR
    assert "orders" in response.text


async def test_unknown_entity_is_not_found(processor: QueryProcessor) -> None:
    response = await ask(processor, "sales of the lobster roll last week")
    assert response.error_type is ErrorTypes.NOT_FOUND
    assert "lobster roll" in response.text
    assert response.hint == "Check the spelling, or ask “list all items”."  # the model's words


async def test_unexpected_failures_become_an_internal_error_answer(
    processor: QueryProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(processor.data, "query_to_dataframe_async", broken)
    response = await ask(processor, "sales yesterday")
    assert response.error_type is ErrorTypes.INTERNAL_ERROR
    assert "secret internals" not in response.text and "Traceback" not in response.text


async def test_metrics_count_everything(processor: QueryProcessor) -> None:
    await ask(processor, "sales yesterday")
    await ask(processor, "sales of the lobster roll")
    health = await processor.health_check_async()
    metrics = health["metrics"]
    assert health["status"] == "ok"
    assert (metrics["total_queries"], metrics["successful_queries"]) == (2, 1)
    assert metrics["failed_queries"] == 1 and metrics["errors_by_type"] == {"not_found": 1}
    assert metrics["p95_ms"] >= metrics["p50_ms"] > 0


@pytest.fixture
def sync_processor(sample_db: Path, tmp_path: Path) -> Iterator[QueryProcessor]:
    proc = make_processor(sample_db, tmp_path)
    yield proc
    proc.dispose()


def test_sync_twins_without_a_loop(sync_processor: QueryProcessor) -> None:
    response = sync_processor.process_query(msg("orders by location yesterday"))
    assert response.kind is ResponseKind.DATA
    assert response.query_id is not None
    assert sync_processor.submit_feedback(response.query_id, "terminal:ann", 1)
    assert sync_processor.get_feedback_stats()["helpful"] == 1
    assert sync_processor.health_check()["metrics"]["total_queries"] == 1


async def test_sync_twins_from_a_thread_beside_a_running_loop(
    processor: QueryProcessor,
) -> None:
    async_answer = await ask(processor, "tips yesterday")
    sync_answer = await asyncio.to_thread(processor.process_query, msg("tips yesterday", "t9"))
    assert sync_answer.table == async_answer.table
    # Metrics are shared by both paths.
    assert processor.metrics.snapshot()["total_queries"] == 2
    await asyncio.to_thread(processor.dispose)

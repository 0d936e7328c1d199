"""Typed, versioned records in the state store: stale ones are dropped on purpose, never misread."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.actions import ActionClarification, ActionPreview, ActionRequest, Operation
from bot.actions.preview import RowChange, ValueFormat
from bot.actions.records import (
    audit_details,
    confirmation_payload,
    preview_audited,
    preview_waiting,
)
from bot.config import load_settings
from bot.conversation.records import ConversationContext, PendingClarification
from bot.errors import ErrorTypes, StaleRecordError
from bot.messages import Message, Response, ResponseKind
from bot.processor import QueryProcessor
from bot.understanding.outcomes import Clarification, ClarificationOption
from bot.understanding.plan import Dimension, Filter, Measure, OrderBy, QueryPlan
from bot.understanding.time_words import TimeRange
from tests.conftest import SAMPLE_NOW

LAST_WEEK = TimeRange(datetime(2025, 6, 2), datetime(2025, 6, 9), "last week (Jun 2–8)", "week")
PLAN = QueryPlan(
    subject="orders",
    measures=(Measure("revenue", "sales", "SUM(orders.total)", ("orders",), "money"),),
    dimensions=(
        Dimension("orders.created_at", "day", "day"),
        Dimension("users.last_name", "member", key="users.id"),
    ),
    filters=(
        Filter("items.name", "in", ("Caesar Salad", "Cobb Salad"), "for Caesar or Cobb"),
        Filter("orders.status", "=", 7, "completed", default=True, style="adjective"),
        Filter("orders.deleted_at", "is null", default=True),
        Filter("orders.total", ">=", 12.5, "over $12.50"),
    ),
    time_column="orders.created_at",
    time_range=LAST_WEEK,
    order_by=(OrderBy("revenue"), OrderBy("orders.created_at", "asc")),
    limit=10,
    compare_to=LAST_WEEK.shifted(),
    notes=("read by the parser",),
    label="orders",
)


def stored(data: dict[str, Any]) -> Any:
    """As the state store gives it back: through JSON."""
    return json.loads(json.dumps(data))


# -- the records themselves ----------------------------------------------------------------------


def test_a_full_plan_round_trips_through_json() -> None:
    data = stored(PLAN.to_dict())
    assert data["v"] == 1
    assert data["filters"][0]["value"] == ["Caesar Salad", "Cobb Salad"]
    again = QueryPlan.from_dict(data)
    assert again == PLAN
    assert again.filters[0].value == ("Caesar Salad", "Cobb Salad")  # a tuple again
    assert again.compare_to is not None and again.compare_to.start == datetime(2025, 5, 26)
    assert TimeRange.from_dict(stored(LAST_WEEK.to_dict())) == LAST_WEEK


def without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


STALE_PLANS = {
    "no version": without(PLAN.to_dict(), "v"),
    "version 0": {**PLAN.to_dict(), "v": 0},
    "version 2": {**PLAN.to_dict(), "v": 2},
    "unknown key": {**PLAN.to_dict(), "metrics": ["revenue"]},
    "missing subject": without(PLAN.to_dict(), "subject"),
    "bad operator": {**PLAN.to_dict(), "filters": [{"column": "orders.id", "op": "~"}]},
    "bad time range": {**PLAN.to_dict(), "time_range": {"start": "June", "end": "July"}},
    "not a mapping": ["orders"],
}


@pytest.mark.parametrize("record", STALE_PLANS.values(), ids=STALE_PLANS.keys())
def test_a_stale_plan_record_is_refused_by_type(record: Any) -> None:
    with pytest.raises(StaleRecordError, match="stored plan"):
        QueryPlan.from_dict(stored({"r": record})["r"])


def test_a_time_range_of_another_shape_is_stale() -> None:
    with pytest.raises(StaleRecordError, match="time range"):
        TimeRange.from_dict({"start": "2025-06-02T00:00:00"})


def test_context_and_clarification_records_round_trip() -> None:
    context = ConversationContext().answered(PLAN, "q1", keep=3).answered(PLAN, "q2", keep=3)
    data = stored(context.to_dict())
    assert data["v"] == 1 and data["last_query_id"] == "q2"
    assert ConversationContext.from_dict(data) == context
    assert ConversationContext.from_dict({}) == ConversationContext()
    assert len(context.answered(PLAN, "q3", keep=2).plans) == 2
    with pytest.raises(StaleRecordError):
        ConversationContext.from_dict({"plans": [PLAN.to_dict()], "last_query_id": "q1"})
    with pytest.raises(StaleRecordError):  # a plan inside is stale: so is the context
        ConversationContext.from_dict({**data, "plans": [without(PLAN.to_dict(), "v")]})
    asked = Clarification("Which one?", (ClarificationOption("A", PLAN), ClarificationOption("B")))
    pending = PendingClarification.of(asked, "sales of salads")
    assert PendingClarification.from_dict(stored(pending.to_dict())) == pending


PREVIEW = ActionPreview(
    action="set_price",
    operation=Operation.SET,
    table="items",
    column="price",
    key="id",
    label="price",
    item_label="item",
    description="Set the price of Club Sandwich to $14.50",
    changes=(RowChange(6, "Club Sandwich", "Pebble Creek", 13.95, 14.5),),
    value_format=ValueFormat("money", 2),
    scope=(1,),
    text="set the club sandwich to 14.50",
)


def test_action_payloads_are_versioned() -> None:
    request = ActionRequest(Operation.DISABLE, "items", "disabled", "toggle", "items", ("Reuben",))
    choice = ActionClarification("Which Reuben?", (request,))
    assert stored(choice.to_dict())["v"] == 1
    assert ActionClarification.from_dict(stored(choice.to_dict())) == choice
    with pytest.raises(StaleRecordError, match="action choice"):
        ActionClarification.from_dict(without(choice.to_dict(), "v"))
    assert preview_waiting(stored(confirmation_payload(PREVIEW))) == PREVIEW
    with pytest.raises(StaleRecordError, match="confirmation"):
        preview_waiting({"preview": PREVIEW.to_dict()})  # as an older Swoop wrote it
    details = stored(audit_details(PREVIEW, undoes=3))
    assert details["undoes"] == 3 and "error" not in details
    assert details["changes"][0]["after"] == 14.5
    assert preview_audited(details) == PREVIEW
    with pytest.raises(StaleRecordError, match="audit entry"):
        preview_audited(without(details, "v"))


# -- through the QueryProcessor ------------------------------------------------------------------


@pytest.fixture
def club_db(sample_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample database (the action test asks for a change)."""
    copy = tmp_path / "club.db"
    shutil.copy(sample_db, copy)
    shutil.copy(f"{sample_db}.swoop.yaml", f"{copy}.swoop.yaml")
    return copy


@pytest.fixture
async def processor(club_db: Path, tmp_path: Path) -> AsyncIterator[QueryProcessor]:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{club_db}",
        state_url=f"sqlite+aiosqlite:///{tmp_path / 'state.db'}",
        now=SAMPLE_NOW,
        admins="terminal:ann",
    )
    proc = QueryProcessor(settings)
    yield proc
    await proc.dispose_async()


def msg(text: str, thread: str = "t1") -> Message:
    return Message("terminal", "local", "terminal", thread, "ann", text)


async def ask(proc: QueryProcessor, text: str, thread: str = "t1") -> Response:
    return await proc.process_query_async(msg(text, thread))


STALE_CONTEXTS = {
    "no version": lambda plan: {"plans": [without(plan, "v")], "last_query_id": "old"},
    "version 0": lambda plan: {"v": 0, "plans": [plan], "last_query_id": "old"},
    "stale plan inside": lambda plan: {"v": 1, "plans": [{**plan, "v": 0}], "last_query_id": "old"},
    "malformed": lambda plan: {"v": 1, "plans": "orders", "last_query_id": "old"},
}


@pytest.mark.parametrize("make_stale", STALE_CONTEXTS.values(), ids=STALE_CONTEXTS.keys())
async def test_a_stale_context_is_dropped_and_the_thread_starts_afresh(
    processor: QueryProcessor, make_stale: Any, caplog: pytest.LogCaptureFixture
) -> None:
    first = await ask(processor, "how many orders did we complete last week?")
    assert first.kind is ResponseKind.DATA
    key = msg("").key
    context = await processor.store.load_context_async(key)
    assert context is not None and context["v"] == 1
    await processor.store.save_context_async(key, make_stale(context["plans"][-1]))
    with caplog.at_level(logging.INFO, logger="bot.processor"):
        follow_up = await ask(processor, "and the week before?")
    # No earlier plan to follow up on: not an answer about last week's orders, not a crash.
    assert follow_up.kind is not ResponseKind.DATA
    assert follow_up.error_type is not ErrorTypes.INTERNAL_ERROR
    assert any("afresh" in r.getMessage() for r in caplog.records)
    fresh = await ask(processor, "sales yesterday")
    assert fresh.kind is ResponseKind.DATA
    saved = await processor.store.load_context_async(key)
    assert saved is not None and saved["v"] == 1 and len(saved["plans"]) == 1
    assert saved["last_query_id"] == fresh.query_id
    assert QueryPlan.from_dict(saved["plans"][0]).measures[0].key == "revenue"


def stale_clarification(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    option = payload["options"][0]
    return {
        "no version": without(payload, "v"),
        "version 0": {**payload, "v": 0},
        "stale option plan": {
            **payload,
            "options": [{**option, "plan": without(option["plan"], "v")}],
        },
        "malformed": {**payload, "question": None},
    }


@pytest.mark.parametrize("kind", ["no version", "version 0", "stale option plan", "malformed"])
async def test_a_stale_clarification_answered_by_number_has_expired(
    processor: QueryProcessor, kind: str
) -> None:
    asked = await ask(processor, "how many chicken salads did we sell last week")
    assert asked.kind is ResponseKind.CLARIFICATION
    key = msg("").key
    pending = (await processor.store.pending_by_kind_async(key))["clarification"]
    assert pending.payload["v"] == 1
    stale = stale_clarification(pending.payload)[kind]
    await processor.store.put_pending_async(key, "ann", "clarification", stale, ttl_s=60)
    answer = await ask(processor, "1")
    assert answer.kind is ResponseKind.ERROR
    assert answer.error_type is ErrorTypes.NOT_FOUND
    assert "expired" in answer.text and answer.hint
    assert "clarification" not in await processor.store.pending_by_kind_async(key)  # dropped
    again = await ask(processor, "how many chicken salads did we sell last week")
    assert again.kind is ResponseKind.CLARIFICATION  # asking again works as ever
    picked = await ask(processor, "2")
    assert picked.kind is ResponseKind.DATA and "Grilled Chicken Salad" in picked.text


async def test_stale_action_payloads_have_expired_and_change_nothing(
    processor: QueryProcessor, club_db: Path
) -> None:
    key = msg("").key
    asked = await ask(processor, "set the price of the club sandwich to 14.50")
    assert asked.kind is ResponseKind.CONFIRMATION
    pending = (await processor.store.pending_by_kind_async(key))["confirmation"]
    old = {"preview": pending.payload["preview"]}  # as an older Swoop wrote it
    await processor.store.put_pending_async(key, "ann", "confirmation", old, ttl_s=60)
    answer = await ask(processor, "yes")
    assert answer.error_type is ErrorTypes.NOT_FOUND and "no longer waiting" in answer.text
    with sqlite3.connect(club_db) as conn:
        price = conn.execute("SELECT price FROM items WHERE name = 'Club Sandwich'").fetchone()
    assert price[0] != 14.5
    choice = ActionClarification(
        "Which?",
        (ActionRequest(Operation.DISABLE, "items", "disabled", "toggle", "items", ("Reuben",)),),
    )
    await processor.store.put_pending_async(
        key, "ann", "action_choice", without(choice.to_dict(), "v"), ttl_s=60
    )
    picked = await ask(processor, "1")
    assert picked.error_type is ErrorTypes.NOT_FOUND and "expired" in picked.text
    assert await processor.store.pending_by_kind_async(key) == {}

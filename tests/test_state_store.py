"""The state store against real SQLite files and a real PostgreSQL database (every test, both)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import DatabaseError, NotFoundError, ValidationError
from bot.state import AuditEntry, ConversationKey, StateStore

KEY = ConversationKey("slack", "T1", "C1", "1700000000.000100")
OTHER = ConversationKey("slack", "T1", "C1", "1700000000.000200")
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty state database: a SQLite file, then a fresh PostgreSQL database."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def store(store_url: str, clock: FakeClock) -> AsyncIterator[StateStore]:
    store = StateStore(store_url, context_ttl_s=3600, max_context_bytes=2_000, clock=clock)
    yield store
    await store.dispose_async()


async def _record(store: StateStore, query_id: str = "q1", answer_ref: str | None = None) -> None:
    await store.record_query_async(
        query_id,
        KEY,
        "U1",
        "how many orders last week?",
        "data",
        {"metrics": ["orders"], "time_range": "last_week"},
        "SELECT COUNT(*) FROM orders",
        answer_ref,
    )


# -- conversation context ---------------------------------------------------------------------


async def test_context_round_trip_and_delete(store: StateStore) -> None:
    assert await store.load_context_async(KEY) is None
    await store.save_context_async(KEY, {"plan": {"metrics": ["revenue"]}, "turns": 1})
    await store.save_context_async(KEY, {"plan": {"metrics": ["orders"]}, "turns": 2})
    assert await store.load_context_async(KEY) == {"plan": {"metrics": ["orders"]}, "turns": 2}
    assert await store.load_context_async(OTHER) is None
    await store.delete_context_async(KEY)
    assert await store.load_context_async(KEY) is None


async def test_context_expires_when_idle_longer_than_ttl(
    store: StateStore, clock: FakeClock
) -> None:
    await store.save_context_async(KEY, {"turns": 1})
    clock.advance(3599)
    assert await store.load_context_async(KEY) == {"turns": 1}
    await store.save_context_async(KEY, {"turns": 2})  # activity restarts the idle time
    clock.advance(3599)
    assert await store.load_context_async(KEY) == {"turns": 2}
    clock.advance(2)
    assert await store.load_context_async(KEY) is None
    clock.now = START  # the expired row was deleted, not just hidden
    assert await store.load_context_async(KEY) is None


async def test_purge_expired_removes_idle_contexts_pendings_and_old_events(
    store: StateStore, clock: FakeClock
) -> None:
    await store.save_context_async(KEY, {"turns": 1})
    await store.put_pending_async(KEY, "U1", "confirmation", {}, ttl_s=60)
    assert await store.mark_event_seen_async("slack", "Ev1")
    clock.advance(1800)
    await store.save_context_async(OTHER, {"turns": 1})
    assert await store.purge_expired_async() == 1  # only the pending has expired
    clock.advance(86_400)
    assert await store.purge_expired_async() == 3
    assert await store.purge_expired_async() == 0


async def test_context_size_is_bounded(store: StateStore) -> None:
    with pytest.raises(ValidationError, match="limit is 2000"):
        await store.save_context_async(KEY, {"history": ["x" * 100] * 30})
    with pytest.raises(ValidationError, match="not JSON"):
        await store.save_context_async(KEY, {"when": datetime.now(UTC)})
    assert await store.load_context_async(KEY) is None


async def test_context_survives_a_restart(store_url: str) -> None:
    first = StateStore(store_url)
    await first.save_context_async(KEY, {"plan": {"dimensions": ["category"]}, "name": "Café"})
    await first.dispose_async()
    second = StateStore(store_url)
    try:
        loaded = await second.load_context_async(KEY)
        assert loaded == {"plan": {"dimensions": ["category"]}, "name": "Café"}
    finally:
        await second.dispose_async()


# -- answered queries and feedback ------------------------------------------------------------


async def test_query_is_recorded_and_found_by_its_answer(store: StateStore) -> None:
    await _record(store)
    record = await store.get_query_async("q1")
    assert record is not None
    assert (record.key, record.user, record.kind) == (KEY, "U1", "data")
    assert record.plan == {"metrics": ["orders"], "time_range": "last_week"}
    assert record.created_at == START
    assert await store.find_query_by_answer_ref_async("slack", "1700000001.0001") is None
    assert await store.set_answer_ref_async("q1", "1700000001.0001")
    found = await store.find_query_by_answer_ref_async("slack", "1700000001.0001")
    assert found is not None and found.query_id == "q1"
    assert await store.find_query_by_answer_ref_async("discord", "1700000001.0001") is None
    assert not await store.set_answer_ref_async("missing", "x")
    assert await store.get_query_async("missing") is None


async def test_feedback_is_idempotent_and_a_changed_mind_replaces_it(
    store: StateStore, clock: FakeClock
) -> None:
    await _record(store)
    assert await store.upsert_feedback_async("q1", "U2", 1)
    assert not await store.upsert_feedback_async("q1", "U2", 1)
    clock.advance(60)
    assert await store.upsert_feedback_async("q1", "U2", -1)
    assert await store.upsert_feedback_async("q1", "U2", -1, "wrong week")
    assert not await store.upsert_feedback_async("q1", "U2", -1)  # keeps the comment
    assert await store.upsert_feedback_async("q1", "U3", 1)
    [first, second] = await store.list_feedback_async()
    assert (first.user, first.rating, first.comment) == ("U2", -1, "wrong week")
    assert (first.created_at, first.updated_at) == (START, START + timedelta(seconds=60))
    assert first.question == "how many orders last week?"
    assert first.sql == "SELECT COUNT(*) FROM orders"
    assert first.plan == {"metrics": ["orders"], "time_range": "last_week"}
    assert (first.kind, first.key) == ("data", KEY)
    assert second.user == "U3"
    assert [f.user for f in await store.list_feedback_async(since=START + timedelta(1))] == []


async def test_feedback_removal_and_validation(store: StateStore, clock: FakeClock) -> None:
    await _record(store)
    await store.upsert_feedback_async("q1", "U2", 1)
    clock.advance(10)
    await store.upsert_feedback_async("q1", "U3", -1)
    recent = await store.list_feedback_async(since=START + timedelta(seconds=5))
    assert [f.user for f in recent] == ["U3"]
    assert await store.remove_feedback_async("q1", "U2")
    assert not await store.remove_feedback_async("q1", "U2")
    assert [f.user for f in await store.list_feedback_async()] == ["U3"]
    with pytest.raises(ValidationError):
        await store.upsert_feedback_async("q1", "U2", 5)


async def test_feedback_on_an_unknown_query_is_not_found(store: StateStore) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        await store.upsert_feedback_async("nope", "U2", 1)
    assert await store.list_feedback_async() == []


# -- pending confirmations and clarifications -------------------------------------------------


async def test_pending_replaces_the_earlier_one_of_its_kind(store: StateStore) -> None:
    first = await store.put_pending_async(KEY, "U1", "confirmation", {"price": 14}, ttl_s=300)
    clarify = await store.put_pending_async(KEY, "U1", "clarification", {"options": []}, ttl_s=300)
    second = await store.put_pending_async(KEY, "U1", "confirmation", {"price": 15}, ttl_s=300)
    assert first != second
    pending = await store.get_pending_async(KEY, "confirmation")
    assert pending is not None
    assert (pending.pending_id, pending.payload, pending.user) == (second, {"price": 15}, "U1")
    assert pending.expires_at == START + timedelta(seconds=300)
    assert await store.take_pending_async(first) is None
    latest = await store.get_pending_async(KEY)
    assert latest is not None and latest.pending_id in {clarify, second}
    assert await store.get_pending_async(OTHER) is None
    assert await store.cancel_pending_async(KEY, "clarification") == 1
    assert await store.cancel_pending_async(KEY) == 1
    assert await store.get_pending_async(KEY) is None
    with pytest.raises(ValidationError):
        await store.put_pending_async(KEY, "U1", "confirmation", {}, ttl_s=0)


async def test_pending_expires(store: StateStore, clock: FakeClock) -> None:
    pending_id = await store.put_pending_async(KEY, "U1", "confirmation", {}, ttl_s=60)
    clock.advance(61)
    assert await store.get_pending_async(KEY) is None
    assert await store.take_pending_async(pending_id) is None


async def test_pending_is_taken_exactly_once_under_concurrency(store: StateStore) -> None:
    pending_id = await store.put_pending_async(KEY, "U1", "confirmation", {"n": 1}, ttl_s=300)
    results = await asyncio.gather(*(store.take_pending_async(pending_id) for _ in range(20)))
    taken = [result for result in results if result is not None]
    assert len(taken) == 1
    assert (taken[0].pending_id, taken[0].payload, taken[0].key) == (pending_id, {"n": 1}, KEY)
    assert await store.get_pending_async(KEY) is None


# -- audit log --------------------------------------------------------------------------------


async def test_audit_append_list_last_and_status(store: StateStore, clock: FakeClock) -> None:
    details = {"before": {"price": 13.5}, "after": {"price": 14.5}, "table": "items"}
    first = await store.append_audit_async(AuditEntry(KEY, "U1", "set_price", details, 1))
    clock.advance(5)
    second = await store.append_audit_async(
        AuditEntry(OTHER, "U1", "disable_item", {"item": 7}, 1, status="failed")
    )
    assert second > first
    newest_first = await store.list_audit_async()
    assert [record.audit_id for record in newest_first] == [second, first]
    record = newest_first[1]
    assert (record.key, record.user, record.action) == (KEY, "U1", "set_price")
    assert (record.details, record.rowcount, record.status) == (details, 1, "done")
    assert record.at == START
    assert [r.audit_id for r in await store.list_audit_async(key=OTHER)] == [second]
    assert len(await store.list_audit_async(limit=1)) == 1
    last = await store.last_audit_async(KEY)
    assert last is not None and last.audit_id == first
    assert await store.last_audit_async(OTHER) is None
    assert await store.set_audit_status_async(first, "undone", expected="done")
    assert not await store.set_audit_status_async(first, "undone", expected="done")
    assert await store.last_audit_async(KEY) is None
    assert not await store.set_audit_status_async(999_999, "undone")
    assert await store.set_audit_status_async(second, "done")


# -- platform event de-duplication ------------------------------------------------------------


async def test_event_ids_are_seen_once_and_pruned_after_a_day(
    store: StateStore, clock: FakeClock
) -> None:
    assert await store.mark_event_seen_async("slack", "Ev1")
    assert not await store.mark_event_seen_async("slack", "Ev1")
    assert await store.mark_event_seen_async("discord", "Ev1")
    clock.advance(2 * 86_400)
    assert await store.mark_event_seen_async("slack", "Ev2")  # prunes day-old ids
    assert await store.mark_event_seen_async("slack", "Ev1")


async def test_concurrent_marks_of_one_event_give_exactly_one_first(store: StateStore) -> None:
    results = await asyncio.gather(
        *(store.mark_event_seen_async("slack", "Ev9") for _ in range(20))
    )
    assert sorted(results) == [False] * 19 + [True]


# -- operations -------------------------------------------------------------------------------


async def test_health_check(store: StateStore) -> None:
    health = await store.health_check_async()
    assert health["status"] == "ok"
    assert health["backend"] in {"sqlite", "postgresql"}
    assert health["latency_ms"] >= 0
    assert health["error"] is None


async def test_unreachable_database_is_a_database_error_without_the_password() -> None:
    store = StateStore("postgresql+asyncpg://u:secretpw@127.0.0.1:1/x")
    try:
        with pytest.raises(DatabaseError) as caught:
            await store.save_context_async(KEY, {"turns": 1})
        assert "save the conversation context" in caught.value.message
        assert "secretpw" not in str(caught.value)
        assert caught.value.__cause__ is not None
        health = await store.health_check_async()
        assert health["status"] == "error"
        assert "secretpw" not in health["error"]
    finally:
        await store.dispose_async()


def test_unsupported_backend_is_a_config_error() -> None:
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match="SQLite or PostgreSQL"):
        StateStore("mysql+aiomysql://u:pw@localhost/x")


def test_sync_twins(store_url: str) -> None:
    store = StateStore(store_url)
    try:
        store.save_context(KEY, {"turns": 1})
        assert store.load_context(KEY) == {"turns": 1}
        assert store.mark_event_seen("slack", "Ev1")
        assert not store.mark_event_seen("slack", "Ev1")
        store.record_query("q1", KEY, "U1", "sales today?", "data", None, None)
        assert store.upsert_feedback("q1", "U1", 1)
        assert [f.rating for f in store.list_feedback()] == [1]
        assert store.health_check()["status"] == "ok"
    finally:
        store.dispose()

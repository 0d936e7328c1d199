"""The state store: what must survive a restart or be shared by replicas, in one SQL database.

Conversation context, answered queries, feedback, pending confirmations and clarifications, the
audit log and seen platform event ids live in ``swoop_*`` tables on SQLite (the default) or
PostgreSQL (several replicas). Each method is one short transaction; whatever must be exact across
replicas (claiming a pending confirmation, de-duplicating an event) is one atomic statement. Tables
are created on first use.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql.dml import UpdateBase

from bot.data.engines import LoopEngines, redacted
from bot.data.errors import safe_message
from bot.errors import ConfigError, DatabaseError, NotFoundError, ValidationError
from bot.state.models import (
    KEY_COLUMNS,
    AuditEntry,
    AuditRecord,
    AuditRow,
    ConversationKey,
    ConversationRow,
    FeedbackRecord,
    FeedbackRow,
    PendingRecord,
    PendingRow,
    QueryRecord,
    QueryRow,
    SeenEventRow,
    StateBase,
)
from bot.sync_twins import SyncTwins, sync_twin

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
SEEN_EVENTS_TTL = timedelta(days=1)
"""Platforms retry an event within minutes; a day of event ids is ample."""
SEEN_EVENTS_PRUNE_EVERY = timedelta(hours=1)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StateStore(SyncTwins):
    """Async access to Swoop's state; every ``*_async`` method has a synchronous twin."""

    def __init__(
        self,
        url: str,
        *,
        context_ttl_s: float = 86_400,
        max_context_bytes: int = 64_000,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._engines = LoopEngines(url)
        if self._engines.backend not in SUPPORTED_BACKENDS:
            raise ConfigError(
                f"The state store needs SQLite or PostgreSQL, not {redacted(url)} "
                "(SWOOP_STATE_URL)."
            )
        self.context_ttl_s = context_ttl_s
        self.max_context_bytes = max_context_bytes
        self._clock = clock or _utc_now
        self._schema_ready = False
        self._schema_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._next_prune_at: datetime | None = None

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engines.backend

    def _now(self) -> datetime:
        now = self._clock()
        return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)

    # -- plumbing ---------------------------------------------------------------------------

    @asynccontextmanager
    async def _transaction(self, operation: str) -> AsyncIterator[AsyncSession]:
        """One transaction; database failures become :class:`DatabaseError` naming ``operation``."""
        try:
            engine = self._engines.get()
            await self._ensure_schema(engine)
            async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
                yield session
        except (SQLAlchemyError, OSError) as exc:
            raise self._database_error(operation, exc) from exc

    async def _ensure_schema(self, engine: AsyncEngine) -> None:
        loop = asyncio.get_running_loop()
        lock = self._schema_locks.get(loop) or self._schema_locks.setdefault(loop, asyncio.Lock())
        async with lock:
            if not self._schema_ready:
                await self._create_schema(engine)
                self._schema_ready = True

    @staticmethod
    async def _create_schema(engine: AsyncEngine) -> None:
        for attempt in (1, 2):
            try:
                async with engine.begin() as conn:
                    await conn.run_sync(StateBase.metadata.create_all, checkfirst=True)
                return
            except DBAPIError:
                # Another process may create the same table between our check and our CREATE.
                if attempt == 2:
                    raise

    def _database_error(self, operation: str, exc: BaseException) -> DatabaseError:
        reason = safe_message(exc, self._engines.url)
        where = redacted(self._engines.url)
        return DatabaseError(f"The state store could not {operation} ({where}): {reason}")

    def _insert(self, model: type[StateBase]) -> postgresql.Insert | sqlite.Insert:
        """An INSERT supporting ``ON CONFLICT`` in the store's dialect."""
        return postgresql.insert(model) if self.backend == "postgresql" else sqlite.insert(model)

    @staticmethod
    async def _write(session: AsyncSession, statement: UpdateBase) -> CursorResult[Any]:
        """Run a Core DML statement in the session's transaction (typed, with ``rowcount``)."""
        connection = await session.connection()
        return await connection.execute(statement)

    async def _rowcount(self, operation: str, statement: UpdateBase) -> int:
        """Run one DML statement in its own transaction; how many rows it touched."""
        async with self._transaction(operation) as session:
            return (await self._write(session, statement)).rowcount

    # -- conversation context ---------------------------------------------------------------

    async def load_context_async(self, key: ConversationKey) -> dict[str, Any] | None:
        """The context saved for ``key``; ``None`` when missing or idle longer than the TTL."""
        cutoff = self._now() - timedelta(seconds=self.context_ttl_s)
        async with self._transaction("load the conversation context") as session:
            row = await session.get(ConversationRow, astuple(key))  # key order = primary key
            if row is None:
                return None
            if row.updated_at < cutoff:
                expired = delete(ConversationRow).where(
                    *ConversationRow.where_key(key), ConversationRow.updated_at < cutoff
                )
                await self._write(session, expired)
                return None
            return row.data

    async def save_context_async(self, key: ConversationKey, data: dict[str, Any]) -> None:
        """Store ``data`` as the context of ``key``; callers trim it below ``max_context_bytes``."""
        try:
            size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"The conversation context is not JSON: {exc}") from exc
        if size > self.max_context_bytes:
            raise ValidationError(
                f"The conversation context is {size} bytes; the limit is {self.max_context_bytes}."
            )
        now = self._now()
        stmt = self._insert(ConversationRow).values(
            **ConversationRow.key_values(key), data=data, created_at=now, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=list(KEY_COLUMNS),
            set_={"data": stmt.excluded["data"], "updated_at": stmt.excluded["updated_at"]},
        )
        await self._rowcount("save the conversation context", stmt)

    async def delete_context_async(self, key: ConversationKey) -> None:
        """Forget the context of ``key``."""
        stmt = delete(ConversationRow).where(*ConversationRow.where_key(key))
        await self._rowcount("delete the conversation context", stmt)

    async def purge_expired_async(self) -> int:
        """Delete idle contexts, expired pendings and day-old event ids; the number of rows."""
        now = self._now()
        statements: list[UpdateBase] = [
            delete(ConversationRow).where(
                ConversationRow.updated_at < now - timedelta(seconds=self.context_ttl_s)
            ),
            delete(PendingRow).where(PendingRow.expires_at <= now),
            delete(SeenEventRow).where(SeenEventRow.seen_at < now - SEEN_EVENTS_TTL),
        ]
        async with self._transaction("purge expired state") as session:
            return sum([(await self._write(session, stmt)).rowcount for stmt in statements])

    # -- answered queries -------------------------------------------------------------------

    async def record_query_async(
        self,
        query_id: str,
        key: ConversationKey,
        user: str,
        question: str,
        kind: str,
        plan: dict[str, Any] | None,
        sql: str | None,
        answer_ref: str | None = None,
    ) -> None:
        """Remember an answered question so feedback on it keeps its question, plan and SQL.

        Recording the same ``query_id`` again (a retry) keeps the first record.
        """
        stmt = self._insert(QueryRow).values(
            id=query_id,
            **QueryRow.key_values(key),
            user_id=user,
            question=question,
            kind=kind,
            plan=plan,
            sql=sql,
            answer_ref=answer_ref,
            created_at=self._now(),
        )
        await self._rowcount("record the query", stmt.on_conflict_do_nothing(index_elements=["id"]))

    async def has_queries_async(self, key: ConversationKey) -> bool:
        """Whether anything was answered in conversation ``key`` (Swoop is part of it)."""
        stmt = select(QueryRow.id).where(*QueryRow.where_key(key)).limit(1)
        async with self._transaction("look up the conversation") as session:
            return (await session.scalars(stmt)).first() is not None

    async def get_query_async(self, query_id: str) -> QueryRecord | None:
        """The answered query ``query_id``, if recorded."""
        async with self._transaction("load the query") as session:
            row = await session.get(QueryRow, query_id)
            return None if row is None else row.to_record()

    async def find_query_by_answer_ref_async(
        self, platform: str, answer_ref: str
    ) -> QueryRecord | None:
        """The query answered by the message ``answer_ref`` (e.g. a Slack ts) on ``platform``."""
        stmt = (
            select(QueryRow)
            .where(QueryRow.platform == platform, QueryRow.answer_ref == answer_ref)
            .order_by(QueryRow.created_at.desc())
            .limit(1)
        )
        async with self._transaction("find the query of an answer") as session:
            row = (await session.scalars(stmt)).first()
            return None if row is None else row.to_record()

    async def set_answer_ref_async(self, query_id: str, answer_ref: str) -> bool:
        """Tie the answer's platform message id to ``query_id``; False if no such query."""
        stmt = update(QueryRow).where(QueryRow.id == query_id).values(answer_ref=answer_ref)
        return await self._rowcount("link the answer to its query", stmt) > 0

    # -- feedback ---------------------------------------------------------------------------

    async def upsert_feedback_async(
        self, query_id: str, user: str, rating: int, comment: str | None = None
    ) -> bool:
        """Store ``user``'s rating (+1/-1) of ``query_id``; True if anything changed.

        Repeating the same rating changes nothing; a different one replaces it. A ``None`` comment
        keeps an earlier comment (a reaction carries none).
        """
        if rating not in (1, -1):
            raise ValidationError(f"A rating is +1 or -1, not {rating!r}.")
        now = self._now()
        stmt = self._insert(FeedbackRow).values(
            query_id=query_id,
            user_id=user,
            rating=rating,
            comment=comment,
            created_at=now,
            updated_at=now,
        )
        new_comment = func.coalesce(stmt.excluded["comment"], FeedbackRow.comment)
        stmt = stmt.on_conflict_do_update(
            index_elements=["query_id", "user_id"],
            set_={
                "rating": stmt.excluded["rating"],
                "comment": new_comment,
                "updated_at": stmt.excluded["updated_at"],
            },
            where=or_(
                FeedbackRow.rating != stmt.excluded["rating"],
                FeedbackRow.comment.is_distinct_from(new_comment),
            ),
        )
        try:
            return await self._rowcount("save feedback", stmt) > 0
        except DatabaseError as exc:
            if isinstance(exc.__cause__, IntegrityError):  # the foreign key to swoop_queries
                raise NotFoundError(
                    f"No answered query has the id {query_id!r}."
                ) from exc.__cause__
            raise

    async def remove_feedback_async(
        self, query_id: str, user: str, rating: int | None = None
    ) -> bool:
        """Withdraw ``user``'s rating of ``query_id`` (only if it is ``rating``, when given: taking
        back a 👎 leaves a 👍 in place); True if there was one."""
        stmt = delete(FeedbackRow).where(
            FeedbackRow.query_id == query_id, FeedbackRow.user_id == user
        )
        if rating is not None:
            stmt = stmt.where(FeedbackRow.rating == rating)
        return await self._rowcount("remove feedback", stmt) > 0

    async def list_feedback_async(self, since: datetime | None = None) -> list[FeedbackRecord]:
        """Ratings (oldest first), each with its question, kind, plan and SQL."""
        stmt = select(FeedbackRow, QueryRow).join(QueryRow, QueryRow.id == FeedbackRow.query_id)
        if since is not None:
            stmt = stmt.where(FeedbackRow.updated_at >= since)
        stmt = stmt.order_by(FeedbackRow.updated_at, FeedbackRow.query_id, FeedbackRow.user_id)
        async with self._transaction("list feedback") as session:
            rows = await session.execute(stmt)
            return [feedback.to_record(query) for feedback, query in rows]

    # -- pending confirmations and clarifications ------------------------------------------

    async def put_pending_async(
        self, key: ConversationKey, user: str, kind: str, payload: dict[str, Any], ttl_s: float
    ) -> str:
        """Await ``user``'s answer for ``ttl_s`` seconds; replaces the thread's pending ``kind``."""
        if ttl_s <= 0:
            raise ValidationError(f"A pending {kind} needs a positive lifetime, not {ttl_s!r} s.")
        now = self._now()
        pending_id = uuid.uuid4().hex
        stmt = self._insert(PendingRow).values(
            id=pending_id,
            **PendingRow.key_values(key),
            user_id=user,
            kind=kind,
            payload=payload,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
        )
        replaced = ("id", "user_id", "payload", "created_at", "expires_at")
        stmt = stmt.on_conflict_do_update(
            index_elements=[*KEY_COLUMNS, "kind"],
            set_={name: stmt.excluded[name] for name in replaced},
        )
        await self._rowcount(f"save the pending {kind}", stmt)
        return pending_id

    async def get_pending_async(
        self, key: ConversationKey, kind: str | None = None
    ) -> PendingRecord | None:
        """The newest unexpired pending of ``key`` (of ``kind``, when given)."""
        stmt = select(PendingRow).where(
            *PendingRow.where_key(key), PendingRow.expires_at > self._now()
        )
        if kind is not None:
            stmt = stmt.where(PendingRow.kind == kind)
        stmt = stmt.order_by(PendingRow.created_at.desc()).limit(1)
        async with self._transaction("load the pending request") as session:
            row = (await session.scalars(stmt)).first()
            return None if row is None else row.to_record()

    async def pending_by_kind_async(self, key: ConversationKey) -> dict[str, PendingRecord]:
        """Every unexpired pending of ``key``, by kind (one query per message)."""
        stmt = select(PendingRow).where(
            *PendingRow.where_key(key), PendingRow.expires_at > self._now()
        )
        async with self._transaction("load the pending requests") as session:
            return {row.kind: row.to_record() for row in await session.scalars(stmt)}

    async def take_pending_async(self, pending_id: str) -> PendingRecord | None:
        """Claim and remove an unexpired pending; exactly one concurrent caller gets it."""
        stmt = (
            delete(PendingRow)
            .where(PendingRow.id == pending_id, PendingRow.expires_at > self._now())
            .returning(PendingRow)
        )
        async with self._transaction("claim the pending request") as session:
            result = await session.scalars(stmt, execution_options={"synchronize_session": False})
            row = result.first()
            return None if row is None else row.to_record()

    async def cancel_pending_async(self, key: ConversationKey, kind: str | None = None) -> int:
        """Drop the pendings of ``key`` (of ``kind``, when given); how many were dropped."""
        stmt = delete(PendingRow).where(*PendingRow.where_key(key))
        if kind is not None:
            stmt = stmt.where(PendingRow.kind == kind)
        return await self._rowcount("cancel the pending request", stmt)

    # -- audit log --------------------------------------------------------------------------

    async def append_audit_async(self, entry: AuditEntry) -> int:
        """Log an action; its audit id."""
        row = AuditRow.from_entry(entry, self._now())
        async with self._transaction("write the audit log") as session:
            session.add(row)
            await session.flush()
            return row.id

    async def list_audit_async(
        self, limit: int = 50, key: ConversationKey | None = None
    ) -> list[AuditRecord]:
        """The newest ``limit`` audit entries, newest first (of ``key`` only, when given)."""
        stmt = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if key is not None:
            stmt = stmt.where(*AuditRow.where_key(key))
        async with self._transaction("read the audit log") as session:
            return [row.to_record() for row in await session.scalars(stmt)]

    async def last_audit_async(
        self, key: ConversationKey, status: str = "done"
    ) -> AuditRecord | None:
        """The newest entry of ``key`` with ``status`` (what "undo" would undo)."""
        stmt = (
            select(AuditRow)
            .where(*AuditRow.where_key(key), AuditRow.status == status)
            .order_by(AuditRow.id.desc())
            .limit(1)
        )
        async with self._transaction("read the audit log") as session:
            row = (await session.scalars(stmt)).first()
            return None if row is None else row.to_record()

    async def set_audit_status_async(
        self, audit_id: int, status: str, *, expected: str | None = None
    ) -> bool:
        """Set an entry's status (e.g. "undone"); only from ``expected``, when given.

        False when there is no such entry or its status is not ``expected``, so two replicas
        undoing the same action cannot both succeed.
        """
        stmt = update(AuditRow).where(AuditRow.id == audit_id).values(status=status)
        if expected is not None:
            stmt = stmt.where(AuditRow.status == expected)
        return await self._rowcount("update the audit log", stmt) > 0

    # -- platform event de-duplication ------------------------------------------------------

    async def mark_event_seen_async(self, platform: str, event_id: str) -> bool:
        """True the first time any replica sees ``event_id`` on ``platform``, else False."""
        now = self._now()
        stmt = self._insert(SeenEventRow).values(platform=platform, event_id=event_id, seen_at=now)
        stmt = stmt.on_conflict_do_nothing(index_elements=["platform", "event_id"])
        prune = self._next_prune_at is None or now >= self._next_prune_at
        async with self._transaction("record the platform event") as session:
            first = (await self._write(session, stmt)).rowcount == 1
            if prune:
                old = delete(SeenEventRow).where(SeenEventRow.seen_at < now - SEEN_EVENTS_TTL)
                await self._write(session, old)
        if prune:
            self._next_prune_at = now + SEEN_EVENTS_PRUNE_EVERY
        return first

    # -- operations -------------------------------------------------------------------------

    async def health_check_async(self) -> dict[str, Any]:
        """Whether the store answers, and how fast; never raises."""
        started = time.perf_counter()
        error: str | None = None
        try:
            async with self._transaction("check its health") as session:
                await session.execute(select(1))
        except DatabaseError as exc:
            error = exc.message
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        status = "ok" if error is None else "error"
        return {"status": status, "backend": self.backend, "latency_ms": latency_ms, "error": error}

    async def dispose_async(self) -> None:
        """Close the running loop's pooled connections."""
        await self._engines.dispose_async()

    load_context = sync_twin(load_context_async)
    save_context = sync_twin(save_context_async)
    delete_context = sync_twin(delete_context_async)
    purge_expired = sync_twin(purge_expired_async)
    record_query = sync_twin(record_query_async)
    get_query = sync_twin(get_query_async)
    has_queries = sync_twin(has_queries_async)
    find_query_by_answer_ref = sync_twin(find_query_by_answer_ref_async)
    set_answer_ref = sync_twin(set_answer_ref_async)
    upsert_feedback = sync_twin(upsert_feedback_async)
    remove_feedback = sync_twin(remove_feedback_async)
    list_feedback = sync_twin(list_feedback_async)
    put_pending = sync_twin(put_pending_async)
    get_pending = sync_twin(get_pending_async)
    pending_by_kind = sync_twin(pending_by_kind_async)
    take_pending = sync_twin(take_pending_async)
    cancel_pending = sync_twin(cancel_pending_async)
    append_audit = sync_twin(append_audit_async)
    list_audit = sync_twin(list_audit_async)
    last_audit = sync_twin(last_audit_async)
    set_audit_status = sync_twin(set_audit_status_async)
    mark_event_seen = sync_twin(mark_event_seen_async)
    health_check = sync_twin(health_check_async)
    dispose = sync_twin(dispose_async)

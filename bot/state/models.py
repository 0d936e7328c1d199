"""Tables of the state store (SQLAlchemy ORM) and the frozen records its API returns.

Everything here must survive a restart or be shared by replicas (shared/DESIGN.md, "State and
scale"). Rows never leave the store: callers get frozen dataclasses, so nothing lazy-loads after
the transaction has ended. Datetimes are timezone-aware UTC on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ColumnElement,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 255
"""Platform ids (workspace, channel, thread ts, user, event id) fit in this many characters."""


@dataclass(frozen=True, slots=True)
class ConversationKey:
    """Where a conversation lives: one thread of one channel on one platform's workspace."""

    platform: str
    workspace: str
    channel: str
    thread: str


KEY_COLUMNS = ("platform", "workspace", "channel", "thread")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime, also on SQLite (which stores it as naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        # SQLite compares datetimes as text, so store every value as naive UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments an INTEGER PRIMARY KEY.
AUTO_ID = BigInteger().with_variant(Integer(), "sqlite")


class StateBase(DeclarativeBase):
    """Declarative base of the state store's tables (all prefixed ``swoop_``)."""


class _KeyColumns:
    """The four columns of a :class:`ConversationKey`."""

    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(ID_LENGTH))
    channel: Mapped[str] = mapped_column(String(ID_LENGTH))
    thread: Mapped[str] = mapped_column(String(ID_LENGTH))

    @staticmethod
    def key_values(key: ConversationKey) -> dict[str, str]:
        """Column values of ``key``, for inserts."""
        return {
            "platform": key.platform,
            "workspace": key.workspace,
            "channel": key.channel,
            "thread": key.thread,
        }

    @classmethod
    def where_key(cls, key: ConversationKey) -> list[ColumnElement[bool]]:
        """Criteria selecting the rows of conversation ``key``."""
        return [
            cls.platform == key.platform,
            cls.workspace == key.workspace,
            cls.channel == key.channel,
            cls.thread == key.thread,
        ]

    @property
    def key(self) -> ConversationKey:
        return ConversationKey(self.platform, self.workspace, self.channel, self.thread)


class ConversationRow(_KeyColumns, StateBase):
    """The context of one conversation; expires when idle longer than the store's TTL."""

    __tablename__ = "swoop_conversations"
    __table_args__ = (PrimaryKeyConstraint(*KEY_COLUMNS, name="pk_swoop_conversations"),)

    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class QueryRow(_KeyColumns, StateBase):
    """One answered question, so feedback can be tied to its question, plan and SQL."""

    __tablename__ = "swoop_queries"
    __table_args__ = (
        Index("ix_swoop_queries_answer_ref", "platform", "answer_ref"),
        Index("ix_swoop_queries_conversation", "platform", "workspace", "channel", "thread"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    question: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    sql: Mapped[str | None] = mapped_column(Text)
    answer_ref: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def to_record(self) -> QueryRecord:
        return QueryRecord(
            self.id,
            self.key,
            self.user_id,
            self.question,
            self.kind,
            self.plan,
            self.sql,
            self.answer_ref,
            self.created_at,
        )


class FeedbackRow(StateBase):
    """One person's rating of one answer (+1 or -1); a changed mind replaces it."""

    __tablename__ = "swoop_feedback"
    __table_args__ = (CheckConstraint("rating IN (-1, 1)", name="ck_swoop_feedback_rating"),)

    query_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("swoop_queries.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def to_record(self, query: QueryRow) -> FeedbackRecord:
        """This rating together with the question it rates."""
        return FeedbackRecord(
            self.query_id,
            self.user_id,
            self.rating,
            self.comment,
            self.created_at,
            self.updated_at,
            query.key,
            query.question,
            query.kind,
            query.plan,
            query.sql,
        )


class PendingRow(_KeyColumns, StateBase):
    """A confirmation or clarification awaiting an answer; at most one per kind and thread."""

    __tablename__ = "swoop_pending"
    __table_args__ = (
        UniqueConstraint(
            "platform", "workspace", "channel", "thread", "kind", name="uq_swoop_pending_kind"
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def to_record(self) -> PendingRecord:
        return PendingRecord(
            self.id,
            self.key,
            self.user_id,
            self.kind,
            self.payload,
            self.created_at,
            self.expires_at,
        )


class AuditRow(_KeyColumns, StateBase):
    """One action carried out (or attempted) on the data source: who, where, what, outcome."""

    __tablename__ = "swoop_audit_log"
    __table_args__ = (
        Index("ix_swoop_audit_log_conversation", "platform", "workspace", "channel", "thread"),
    )

    id: Mapped[int] = mapped_column(AUTO_ID, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    rowcount: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    @classmethod
    def from_entry(cls, entry: AuditEntry, now: datetime) -> AuditRow:
        """The row logging ``entry`` (at ``now`` unless the entry says when)."""
        return cls(
            **cls.key_values(entry.key),
            user_id=entry.user,
            action=entry.action,
            details=entry.details,
            rowcount=entry.rowcount,
            status=entry.status,
            at=entry.at or now,
        )

    def to_record(self) -> AuditRecord:
        return AuditRecord(
            self.id,
            self.key,
            self.user_id,
            self.action,
            self.details,
            self.rowcount,
            self.status,
            self.at,
        )


class SeenEventRow(StateBase):
    """A platform event id already handled; the primary key makes dedupe exact across replicas."""

    __tablename__ = "swoop_seen_events"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True, slots=True)
class QueryRecord:
    """An answered question as recorded: who asked what, where, and how it was answered."""

    query_id: str
    key: ConversationKey
    user: str
    question: str
    kind: str
    plan: dict[str, Any] | None
    sql: str | None
    answer_ref: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """A rating together with the question, plan and SQL it rates."""

    query_id: str
    user: str
    rating: int
    comment: str | None
    created_at: datetime
    updated_at: datetime
    key: ConversationKey
    question: str
    kind: str
    plan: dict[str, Any] | None
    sql: str | None


@dataclass(frozen=True, slots=True)
class PendingRecord:
    """A confirmation or clarification waiting for ``user`` to answer before ``expires_at``."""

    pending_id: str
    key: ConversationKey
    user: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What to audit: ``user`` (on ``key.platform``) did ``action`` in conversation ``key``.

    ``details`` holds what explains or undoes the action (e.g. ``before`` and ``after``); ``at``
    defaults to the store's clock.
    """

    key: ConversationKey
    user: str
    action: str
    details: dict[str, Any] = field(default_factory=dict)
    rowcount: int | None = None
    status: str = "done"
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An audit log entry as stored, with its id (ids grow with time)."""

    audit_id: int
    key: ConversationKey
    user: str
    action: str
    details: dict[str, Any]
    rowcount: int | None
    status: str
    at: datetime
